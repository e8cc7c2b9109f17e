"""The ingester of a distributed crawl: the archive's single writer.

Workers push serialised articles (and failures) to a Redis list. One ingester, next to
the archive, takes them in batches with the reliable-queue pattern: each message is
moved atomically to a processing list (BLMOVE), the batch is stored in one transaction,
and only then are the messages removed from the processing list. A killed ingester
loses nothing: on start, what it left in processing goes back to the queue, and storing
an article twice changes nothing (the store compares content fingerprints).

After each commit the stored identity URLs join the archived set the workers check; the
Whoosh index is brought up to date every few seconds, and whenever the queue is empty.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, cast

import redis

from crawler.distributed.frontier import KEYS, connect
from crawler.distributed.health import workers_health
from crawler.distributed.messages import BadMessage, Exchanged, decode_item, exchange_id
from crawler.items import ArticleItem
from crawler.run import crawl_lock
from crawler.settings import RETRY_FAILED_MAX, WARC_MAX_SIZE
from crawler.sources import MAX_REVISIT_DAYS
from crawler.warc.revisits import revisit_conditions
from crawler.warc.writer import RollingWarcWriter
from indexer.layout import DataDir
from indexer.search.engines import IndexWriter, open_index
from indexer.search.errors import IndexLockedError
from indexer.store import Archive, Fetch
from indexer.warcfile import warc_dir

logger = logging.getLogger(__name__)

DEFAULT_REVISIT_DAYS = 30
# Seconds a response's WARC location waits for its article (which follows it in the queue
# from the same worker: a wait of an extraction at most).
EXCHANGE_TTL = 24 * 3600
WAIT_SECONDS = 1.0  # longest blocking wait for a message, between checks of the stop flag
PUBLISH_CHUNK = 10_000
# How often the index is brought up to date and the workers' health recorded, while
# batches keep coming (a commit of the index per batch would slow the ingester down).
UPKEEP_SECONDS = 5.0


@dataclass
class IngestCounts:
    """What an ingester stored."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_modified: int = 0  # revisits answered 304: unchanged articles too
    failures: int = 0
    responses: int = 0
    rejected: int = 0
    requeued: int = 0
    indexed: int = 0
    batches: int = 0

    def line(self) -> str:
        """The one-line summary printed when the ingester stops."""
        return (
            f"ingested {self.batches} batches: articles {self.new} new / {self.updated} "
            f"updated / {self.unchanged + self.not_modified} unchanged, {self.responses} "
            f"responses recorded in WARC files, {self.failures} failed fetches recorded, "
            f"{self.rejected} unreadable messages, {self.requeued} requeued at start; "
            f"indexed {self.indexed}"
        )


def requeue_processing(server: redis.Redis) -> int:
    """Put back in the queue what a stopped ingester had taken but not committed."""
    moved = 0
    while server.lmove(KEYS.processing, KEYS.articles, "RIGHT", "RIGHT") is not None:
        moved += 1
    if moved:
        logger.warning("Requeued %d messages an earlier ingester had not committed", moved)
    return moved


def publish_archived(server: redis.Redis, archive: Archive) -> int:
    """Add every archived identity URL to the archived set the workers check, and those of
    the articles deleted (:mod:`indexer.takedown`): they are not to be fetched again."""
    urls = [row["url"] for row in archive.db.query(
        "SELECT url FROM articles UNION ALL SELECT url FROM deleted_urls")]
    for start in range(0, len(urls), PUBLISH_CHUNK):
        server.sadd(KEYS.archived, *urls[start : start + PUBLISH_CHUNK])
    return len(urls)


def publish_revisits(
    server: redis.Redis, archive: Archive, *, since: str = "", urls: list[str] | None = None
) -> int:
    """Publish the age and the conditional headers (from the WARC record) of archived
    articles: those at ``urls``, or all dated ``since`` or later. Return how many."""
    where, params = "coalesce(published, fetched_at) >= ?", [since]
    if urls is not None:
        where, params = f"url IN ({', '.join('?' * len(urls))})", urls
    entries = {}
    for row in archive.db.query(
        f"SELECT url, coalesce(published, fetched_at, '') AS since FROM articles WHERE {where}",
        params,
    ):
        headers = revisit_conditions(archive, row["url"], MAX_REVISIT_DAYS)
        if headers is not None:
            entries[row["url"]] = json.dumps({"since": row["since"], "headers": headers})
    if entries:
        server.hset(KEYS.revisits, mapping=entries)
    return len(entries)


def publish_failures(server: redis.Redis, archive: Archive) -> int:
    """Publish the URLs worth a retry (failed for a passing reason) in place of the last."""
    urls = archive.failed_urls(RETRY_FAILED_MAX)
    pipe = server.pipeline()
    pipe.delete(KEYS.failed)
    if urls:
        pipe.sadd(KEYS.failed, *urls)
    pipe.execute()
    return len(urls)


def _passing(fetch: Fetch) -> bool:
    """Whether a fetch failed for a passing reason (worth a retry in a later crawl)."""
    return fetch.status is None or fetch.status >= 500 or fetch.status == 429


def take_batch(server: redis.Redis, size: int, wait: float) -> list[bytes]:
    """Move up to ``size`` messages to the processing list, waiting up to ``wait`` for one."""
    # The client does not decode responses: messages are bytes (redis-py types them
    # bytes | str), and BLMOVE takes a fractional timeout (typed int).
    first = cast(
        "bytes | None",
        server.blmove(KEYS.articles, KEYS.processing, wait, "RIGHT", "LEFT"),  # type: ignore[arg-type]
    )
    if first is None:
        return []
    batch = [first]
    while len(batch) < size:
        message = cast(
            "bytes | None", server.lmove(KEYS.articles, KEYS.processing, "RIGHT", "LEFT")
        )
        if message is None:
            break
        batch.append(message)
    return batch


class Ingester:
    """Store and index what the workers hand over, one batch at a time."""

    def __init__(
        self, server: redis.Redis, archive: Archive, index: IndexWriter, warc: RollingWarcWriter
    ) -> None:
        self.server = server
        self.archive = archive
        self.index = index
        self.warc = warc
        self.counts = IngestCounts()
        self.crawl_id: int | None = None
        self.started = time.time()
        self.unindexed = True  # articles may wait for the index (say, of a killed crawl)
        self.workers: dict[str, dict[str, Any]] = {}

    def start(self, revisit_days: int) -> None:
        """Requeue uncommitted messages, publish what workers read from the archive (the
        archived set, revisit headers of articles younger than ``revisit_days``, failed
        URLs), open a crawl record."""
        self.counts.requeued = requeue_processing(self.server)
        published = publish_archived(self.server, self.archive)
        logger.info("Published %d archived URLs to the workers", published)
        cutoff = (datetime.now(UTC) - timedelta(days=revisit_days)).date().isoformat()
        revisits = publish_revisits(self.server, self.archive, since=cutoff)
        logger.info("Published the revisit headers of %d articles", revisits)
        publish_failures(self.server, self.archive)
        self.index.open_or_rebuild(self.archive)
        self.crawl_id = self.archive.begin_crawl([])

    def process(self, batch: list[bytes]) -> None:
        """Record a batch: responses to the WARC files first, then its articles and fetches
        in one transaction; then acknowledge and index it.

        A batch replayed after a kill before the acknowledgement writes its responses to
        the WARC files again and records its fetches again (articles are stored once).
        """
        articles: list[ArticleItem] = []
        fetches: list[Fetch] = []
        rejected: list[bytes] = []
        locations: dict[str, str] = {}
        for message in batch:
            try:
                item = decode_item(message)
            except BadMessage as exc:
                logger.error("Moved an unreadable message to %s: %s", KEYS.rejected, exc)
                rejected.append(message)
                continue
            if isinstance(item, Exchanged):
                locations[item.id] = str(self.warc.write(item.exchange))
                fetches.append(Fetch(url=item.exchange.url, status=item.exchange.status))
                self.counts.not_modified += item.exchange.status == HTTPStatus.NOT_MODIFIED
            elif isinstance(item, ArticleItem):
                articles.append(item)
            else:
                self.counts.failures += 1
                if item.status is None:  # HTTP errors were recorded with their response
                    fetches.append(Fetch(url=item.url, status=None, error=item.error))
        self._store(articles, fetches, locations)
        urls = [i.article.url for i in articles]
        used = [name for i in articles if (name := exchange_id(i.warc))]
        self._acknowledge(batch, urls, rejected, locations, used)
        self.counts.batches += 1
        self.counts.rejected += len(rejected)
        self.counts.responses += len(locations)
        if urls:
            publish_revisits(self.server, self.archive, urls=urls)
        if any(_passing(f) for f in fetches):
            publish_failures(self.server, self.archive)
        elif answered := [f.url for f in fetches if f.status is not None]:
            self.server.srem(KEYS.failed, *answered)  # a final answer: no retry
        self.unindexed = self.unindexed or bool(urls)

    def sync_index(self) -> None:
        """Index the articles stored since the last time, if any."""
        if not self.unindexed:
            return
        try:
            self.counts.indexed += self.index.sync(self.archive)
            self.unindexed = False
        except IndexLockedError as exc:  # (or the engine was changed: opened again)
            logger.warning("%s: new articles stay pending for the next time", exc)
            self.index = open_index(self.index.path)

    def _store(
        self, articles: list[ArticleItem], fetches: list[Fetch], locations: dict[str, str]
    ) -> None:
        """Store articles (at their WARC records) and fetches in one transaction."""
        if articles:
            entries = [(i.article, i.raw, self._location(i.warc, locations)) for i in articles]
            reached_by = {i.article.fetched_url: i.reached_by for i in articles if i.reached_by}
            stored = self.archive.add_articles(
                entries, self.crawl_id, fetches=fetches, reached_by=reached_by
            )
            for key in ("new", "updated", "unchanged"):
                setattr(self.counts, key, getattr(self.counts, key) + stored.get(key, 0))
        elif fetches:
            self.archive.record_fetches(fetches, self.crawl_id)

    def _location(self, warc: str | None, locations: dict[str, str]) -> str | None:
        """The WARC location of an article's response: written in this batch or an earlier
        one; None (the store keeps the page itself) if its exchange never came."""
        name = exchange_id(warc)
        if name is None:
            return None
        found = locations.get(name) or self.server.get(KEYS.exchange(name))
        if found is None:
            logger.warning("The response of an article was not recorded (%s)", warc)
            return None
        return found.decode() if isinstance(found, bytes) else str(found)

    def _acknowledge(
        self, batch: list[bytes], urls: list[str], rejected: list[bytes],
        locations: dict[str, str], used: list[str],
    ) -> None:
        """After the commit: publish the URLs and the WARC locations of this batch's
        responses (their articles may come in a later batch; ``used``: those that came),
        set rejects aside, drop the batch from processing."""
        pipe = self.server.pipeline()
        if urls:
            pipe.sadd(KEYS.archived, *urls)
        for name, location in locations.items():
            if name not in used:
                pipe.set(KEYS.exchange(name), location, ex=EXCHANGE_TTL)
        if used:
            pipe.delete(*(KEYS.exchange(name) for name in used))
        if rejected:
            pipe.lpush(KEYS.rejected, *rejected)
        for message in batch:
            pipe.lrem(KEYS.processing, 1, message)  # type: ignore[arg-type]  # bytes, as taken
        pipe.execute()

    def note_health(self) -> None:
        """Record in the crawl record the health of the workers that beat since the start."""
        try:
            self.workers = workers_health(self.server, self.started)
        except redis.RedisError as exc:
            logger.warning("Cannot read the workers' health: %s", exc)
            return
        if self.crawl_id is not None:
            self.archive.note_crawl(self.crawl_id, {"workers": self.workers})

    def finish(self, status: str) -> None:
        """Close the crawl record with the counts and the workers' health, and the WARC file."""
        self.warc.close()
        self.sync_index()
        if self.crawl_id is not None:
            self.note_health()
            stats = {
                "pages": self.counts.responses,
                "workers": self.workers,
                "new": self.counts.new,
                "updated": self.counts.updated,
                "unchanged": self.counts.unchanged,
                "not_modified": self.counts.not_modified,
                "failed": self.counts.failures,
            }
            self.archive.finish_crawl(self.crawl_id, status=status, stats=stats)


def run_ingest(
    redis_url: str,
    data_dir: str | Path,
    *,
    batch_size: int = 50,
    idle_exit: float | None = None,
    revisit_days: int = DEFAULT_REVISIT_DAYS,
    stop: threading.Event | None = None,
) -> IngestCounts:
    """Ingest until ``stop`` is set, or until ``idle_exit`` seconds pass with nothing to take.

    Holds the archive folder's crawl lock: the ingester is the archive's one writer.
    Workers can revisit articles up to ``revisit_days`` old when it starts (and every
    article it stores while it runs).
    """
    stop = stop or threading.Event()
    server = connect(redis_url)
    paths = DataDir(Path(data_dir))
    with crawl_lock(data_dir), Archive(paths.archive) as archive:
        warc = RollingWarcWriter(warc_dir(paths.archive), prefix="ingest", max_size=WARC_MAX_SIZE)
        ingester = Ingester(server, archive, open_index(paths.index), warc)
        ingester.start(revisit_days)
        status = "finished"
        last = noted = time.monotonic()
        try:
            while not stop.is_set():
                batch = take_batch(server, batch_size, WAIT_SECONDS)
                if batch:
                    ingester.process(batch)
                    last = time.monotonic()
                if not batch:  # nothing to take: time to index
                    ingester.sync_index()
                if time.monotonic() - noted >= UPKEEP_SECONDS:
                    ingester.sync_index()
                    ingester.note_health()
                    noted = time.monotonic()
                if not batch and idle_exit is not None and time.monotonic() - last >= idle_exit:
                    break
        except BaseException:
            status = "failed"
            raise
        finally:
            ingester.finish(status)
    return ingester.counts
