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

Private API (Scrapy 2.19): ``Downloader._process_queue`` and ``_wait_for_download``,
``scrapy.utils.defer._schedule_coro``, ``Slot.queue``, ``transferring``, ``latercall``,
``lastseen``. Tested by tests/test_crawl.py (at most two requests at once per host).
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.defer import _schedule_coro


class SlotBoundDownloader(Downloader):
    """A downloader that never has more requests in flight per slot than its concurrency."""

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
