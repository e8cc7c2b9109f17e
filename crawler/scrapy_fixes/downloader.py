"""Scrapy's downloader, with its per-slot concurrency limit actually held.

In Scrapy 2.19 on the asyncio reactor, ``Downloader._process_queue`` starts downloads
in a loop bounded by ``slot.free_transfer_slots()``, but each download is an asyncio
task that adds its request to ``slot.transferring`` only when it first runs, after the
loop. With no download delay the loop therefore empties the slot's whole queue: a
host with CONCURRENT_REQUESTS_PER_DOMAIN = 2 saw up to CONCURRENT_REQUESTS requests at
once. Past the pool's ``maxPersistentPerHost`` (= CONCURRENT_REQUESTS_PER_DOMAIN),
Twisted then closes a kept-alive connection each time one more comes back, so about
one request in three opened a new TCP connection.

Here a request counts as transferring from the moment its task is scheduled. With a
download delay Scrapy starts one request per call anyway: its own code runs.

A download slot is a site: its host without ``www.``, with its port (:func:`site_slot`),
so every source on one site shares the site's CONCURRENT_REQUESTS_PER_DOMAIN and
DOWNLOAD_DELAY. Scrapy's default, the host name alone, would give ``www.`` its own slot.

Private API (Scrapy 2.19): ``Downloader._process_queue`` and ``_wait_for_download``,
``scrapy.utils.defer._schedule_coro``, ``Slot.queue``, ``transferring``, ``latercall``,
``lastseen``. Tested by tests/test_crawl.py (at most two requests at once per host) and
tests/test_budgets.py (two sources on one site: one request at once).
:class:`SlotFairPriorityQueue` reads ``DownloaderAwarePriorityQueue._downloader_interface``,
``_next_slot`` and ``pqueues``, and the engine's requests in progress (tests/test_budgets.py).
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from time import monotonic
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.utils.defer import _schedule_coro
from scrapy.utils.httpobj import urlparse_cached

from crawler.scrapy_fixes.engine import engine_slot
from indexer.urls import strip_www

# Between a queue key's download slot and its source (neither holds a tab).
KEY_SEPARATOR = "\t"


def _site(netloc: str) -> str:
    return strip_www(netloc.rpartition("@")[2].lower())


def site_of(url: str) -> str:
    """The site of ``url``: its host without ``www.``, and its port."""
    return _site(urlsplit(url).netloc)


def site_slot(request: Request) -> str:
    """The download slot of a request: its site (:func:`site_of`)."""
    return _site(urlparse_cached(request).netloc)


class SlotBoundDownloader(Downloader):
    """A downloader that never has more requests in flight per slot than its concurrency,
    with one slot per site (unless a request's ``download_slot`` says otherwise)."""

    def get_slot_key(self, request: Request) -> str:
        """The request's ``download_slot``, else its site (:func:`site_slot`)."""
        slot: str | None = request.meta.get(self.DOWNLOAD_SLOT)
        return slot if slot is not None else site_slot(request)

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall or slot.delay:
            super()._process_queue(slot)
            return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = monotonic()
            request, queue_dfd = slot.queue.popleft()
            # _download adds it too (a set) and removes it when the download is over.
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))


# Scrapy 2.19: DownloaderAwarePriorityQueue hands out a request of the slot with the
# fewest requests in the downloader, but it hands one out even when that slot is already
# at its concurrency. The downloader takes CONCURRENT_REQUESTS requests in all, queued
# ones included, so a source whose pages hang (or are slow) filled it with requests
# waiting for its own slot, and no other source's request could go out: a hanging site
# next to a normal one gave the normal one 0 articles.


# The downloader counts a request only once its download task runs, after the engine
# has taken several from the scheduler in one loop: the engine's own set of requests in
# progress (``engine._slot.inprogress``) is up to date, so the slots are counted there.


class SlotFairPriorityQueue(DownloaderAwarePriorityQueue):
    """Hand out a request only for a slot with a free place; the least busy source first.

    Requests wait in one queue per download slot and source, so that sources sharing a
    site take turns at its places. A slot's places: its concurrency, and no more than its
    share of CONCURRENT_REQUESTS among the slots with requests waiting or in progress.
    """

    def _key(self, request: Request) -> str:
        slot = self._downloader_interface.get_slot_key(request)
        return f"{slot}{KEY_SEPARATOR}{request.meta.get('source', '')}"

    def push(self, request: Request) -> None:
        """Queue ``request`` behind the others of its slot and source."""
        key = self._key(request)
        if key not in self.pqueues:
            self.pqueues[key] = self.pqfactory(key)
        self.pqueues[key].push(request)

    def pop(self) -> Request | None:
        """The next request of the least busy source whose slot has room, or None."""
        if not self.pqueues:
            return None
        slot_of_engine = engine_slot(self.crawler.engine)
        inprogress = slot_of_engine.inprogress if slot_of_engine is not None else ()
        busy = Counter(map(self._key, inprogress))  # by slot and source
        busy_slots: Counter[str] = Counter()
        for key, count in busy.items():
            busy_slots[_slot(key)] += count
        slots, default = self._downloader_interface.downloader.slots, self.concurrency
        # each slot with work gets its share of CONCURRENT_REQUESTS, at most its own limit
        working = busy_slots.keys() | {_slot(key) for key in self.pqueues}
        share = max(1, self.total // len(working))
        room = [
            (busy[key], key)
            for key in self.pqueues
            if busy_slots[slot := _slot(key)]
            < min(share, getattr(slots.get(slot), "concurrency", default))
        ]
        if not room:
            return None
        key = self._next_slot(room, update_state=True)
        queue = self.pqueues[key]
        request = queue.pop()
        if len(queue) == 0:
            del self.pqueues[key]
            queue.close()
        return request

    @cached_property
    def concurrency(self) -> int:
        """Requests at once per slot, for a slot the downloader has not made yet."""
        return self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")

    @cached_property
    def total(self) -> int:
        """Requests at once in all (the downloader's limit)."""
        return self.crawler.settings.getint("CONCURRENT_REQUESTS")


def _slot(key: str) -> str:
    """The download slot of a queue key (slot, separator, source)."""
    return key.partition(KEY_SEPARATOR)[0]
