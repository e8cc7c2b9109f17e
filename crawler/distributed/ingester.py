"""The ingester of a distributed crawl: the archive's single writer.

Workers push serialised articles (and failures) to a Redis list. One ingester, next to
the archive, takes them in batches with the reliable-queue pattern: each message is
moved atomically to a processing list (BLMOVE), the batch is stored in one transaction,
and only then are the messages removed from the processing list. A killed ingester
loses nothing: on start, what it left in processing goes back to the queue, and storing
an article twice changes nothing (the store compares content fingerprints).

After each commit the stored identity URLs join the archived set the workers check, and
the Whoosh index is brought up to date.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import redis

from crawler.distributed.frontier import KEYS, connect
from crawler.distributed.messages import BadMessage, decode_item
from crawler.items import ArticleItem, FailureItem
from crawler.run import crawl_lock
from indexer.layout import DataDir
from indexer.search.whoosh.index import ArchiveIndex, IndexLockedError
from indexer.store import Archive, Fetch

logger = logging.getLogger(__name__)

WAIT_SECONDS = 1.0  # longest blocking wait for a message, between checks of the stop flag
PUBLISH_CHUNK = 10_000


@dataclass
class IngestCounts:
    """What an ingester stored."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: int = 0
    rejected: int = 0
    requeued: int = 0
    indexed: int = 0
    batches: int = 0

    def line(self) -> str:
        """The one-line summary printed when the ingester stops."""
        return (
            f"ingested {self.batches} batches: articles {self.new} new / {self.updated} "
            f"updated / {self.unchanged} unchanged, {self.failures} failed fetches recorded, "
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

    def __init__(self, server: redis.Redis, archive: Archive, index: ArchiveIndex) -> None:
        self.server = server
        self.archive = archive
        self.index = index
        self.counts = IngestCounts()
        self.crawl_id: int | None = None

    def start(self) -> None:
        """Requeue uncommitted messages, publish the archived set, open a crawl record."""
        self.counts.requeued = requeue_processing(self.server)
        published = publish_archived(self.server, self.archive)
        logger.info("Published %d archived URLs to the workers", published)
        self.index.open_or_rebuild(self.archive)
        self.crawl_id = self.archive.begin_crawl([])

    def process(self, batch: list[bytes]) -> None:
        """Store a batch (its articles in one transaction), then acknowledge and index it.

        Failed fetches go in a second transaction: replayed after a kill between the two
        commits and the acknowledgement, a failure is recorded twice (articles never are).
        """
        articles: list[ArticleItem] = []
        fetches: list[Fetch] = []
        rejected: list[bytes] = []
        for message in batch:
            try:
                item = decode_item(message)
            except BadMessage as exc:
                logger.error("Moved an unreadable message to %s: %s", KEYS.rejected, exc)
                rejected.append(message)
                continue
            if isinstance(item, ArticleItem):
                articles.append(item)
            elif isinstance(item, FailureItem):
                fetches.append(Fetch(url=item.url, status=item.status, error=item.error))
        if articles:
            stored = self.archive.add_articles(
                [(i.article, i.raw) for i in articles], self.crawl_id
            )
            for key in ("new", "updated", "unchanged"):
                setattr(self.counts, key, getattr(self.counts, key) + stored.get(key, 0))
        if fetches:
            self.archive.record_fetches(fetches, self.crawl_id)
            self.counts.failures += len(fetches)
        self._acknowledge(batch, [i.article.url for i in articles], rejected)
        self.counts.batches += 1
        self.counts.rejected += len(rejected)
        try:
            self.counts.indexed += self.index.sync(self.archive)
        except IndexLockedError as exc:
            logger.warning("%s: new articles stay pending for the next batch", exc)

    def _acknowledge(self, batch: list[bytes], urls: list[str], rejected: list[bytes]) -> None:
        """After the commit: publish the URLs, set rejects aside, drop the batch from processing."""
        pipe = self.server.pipeline()
        if urls:
            pipe.sadd(KEYS.archived, *urls)
        if rejected:
            pipe.lpush(KEYS.rejected, *rejected)
        for message in batch:
            pipe.lrem(KEYS.processing, 1, message)  # type: ignore[arg-type]  # bytes, as taken
        pipe.execute()

    def finish(self, status: str) -> None:
        """Close the crawl record with the counts."""
        if self.crawl_id is not None:
            stats = {
                "new": self.counts.new,
                "updated": self.counts.updated,
                "unchanged": self.counts.unchanged,
                "failed": self.counts.failures,
            }
            self.archive.finish_crawl(self.crawl_id, status=status, stats=stats)


def run_ingest(
    redis_url: str,
    data_dir: str | Path,
    *,
    batch_size: int = 50,
    idle_exit: float | None = None,
    stop: threading.Event | None = None,
) -> IngestCounts:
    """Ingest until ``stop`` is set, or until ``idle_exit`` seconds pass with nothing to take.

    Holds the archive folder's crawl lock: the ingester is the archive's one writer.
    """
    stop = stop or threading.Event()
    server = connect(redis_url)
    paths = DataDir(Path(data_dir))
    with crawl_lock(data_dir), Archive(paths.archive) as archive:
        ingester = Ingester(server, archive, ArchiveIndex(paths.index))
        ingester.start()
        status = "finished"
        last = time.monotonic()
        try:
            while not stop.is_set():
                batch = take_batch(server, batch_size, WAIT_SECONDS)
                if batch:
                    ingester.process(batch)
                    last = time.monotonic()
                elif idle_exit is not None and time.monotonic() - last >= idle_exit:
                    break
        except BaseException:
            status = "failed"
            raise
        finally:
            ingester.finish(status)
    return ingester.counts
