"""Item pipelines, each doing one thing: extract, store, index."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.http import Request, Response
from twisted.internet.task import LoopingCall

from crawler.archive_errors import archive_write_failed
from crawler.deadline import given_up
from crawler.items import ArticleItem, FailureItem, PageItem, reason_key
from crawler.notfound import PROBE_META, not_found_page
from crawler.processes.indexing import IndexWriter, WriterConfig
from crawler.processes.workers import ExtractorPool
from indexer.store import Archive, Fetch, StoreError

logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ExtractPipeline:
    """Turn a downloaded page into an :class:`~crawler.items.ArticleItem`, or drop it.

    Extraction runs in a pool of worker processes (EXTRACT_WORKERS, 0 = one per core)
    with a per-page time limit (EXTRACT_TIMEOUT), so the reactor keeps downloading
    while pages are parsed, on every core.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.settings = crawler.settings
        self.pool: ExtractorPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        """Build the pipeline for a crawler."""
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        """Start the extraction workers."""
        self.pool = ExtractorPool(
            workers=self.settings.getint("EXTRACT_WORKERS"),
            timeout=self.settings.getfloat("EXTRACT_TIMEOUT"),
            max_tasks=self.settings.getint("EXTRACT_MAX_TASKS"),
        )

    def close_spider(self, spider: Any = None) -> None:
        """Stop the extraction workers."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    async def process_item(self, item: Any) -> Any:
        """Extract the article of a PageItem; pass other items through."""
        if not isinstance(item, PageItem):
            return item
        assert self.pool is not None
        work = self.pool.process(item.body, item.encoding, item.url, classify=item.classify,
                                 not_found=not_found_page(self.crawler, item.url))
        deadline = getattr(self.crawler, "deadline", None)
        left = deadline.time_left() if deadline is not None and deadline.closing else None
        try:  # once the crawl closes, extraction has until the end of the grace period
            result = await (work if left is None else asyncio.wait_for(work, max(left, 0.01)))
        except TimeoutError:
            self.stats.inc_value("archive/not_extracted_in_time")
            raise DropItem(f"not extracted before the crawl's end: {item.url}",
                           log_level="WARNING") from None
        article = result.article
        if article is None:  # counted by reason: no page is dropped without a word
            reason = result.reason or "no article"
            self.stats.inc_value("archive/not_article")
            self.stats.inc_value(f"archive/not_stored/{reason_key(reason)}")
            raise DropItem(f"not stored ({reason}): {item.url}", log_level="INFO")
        article.source = item.source
        article.fetched_at = _now()
        return ArticleItem(
            article=article, raw=item.body, warc=item.warc, signature=result.signature,
            reached_by=item.reached_by,
        )


class StorePipeline:
    """Write articles and fetch records to the archive store, in batched transactions.

    A batch is written when it holds STORE_BATCH_SIZE articles, or STORE_FLUSH_SECONDS
    after the last write, whichever comes first.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = crawler.settings.get("ARCHIVE_PATH")
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 50)
        self.flush_timer = LoopingCall(self.flush_buffered)
        self.flush_seconds = crawler.settings.getfloat("STORE_FLUSH_SECONDS", 3.0)
        self.archive: Archive | None = None
        self.crawl_id: int | None = None
        self.articles: list[tuple[Any, bytes, str | None]] = []
        self.signatures: dict[str, Any] = {}  # by article id, from the extraction workers
        self.fetches: list[Fetch] = []
        self.reached_by: dict[str, list[str]] = {}  # by fetched URL: addresses before redirects

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        """Build the pipeline and listen for every response (fetch records)."""
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        """Open the archive and start a crawl record; if it cannot be written, stop."""
        spider = self.crawler.spider
        names = [s.name for s in getattr(spider, "by_name", {}).values()]
        try:
            self.archive = Archive(self.path)
            self.crawl_id = self.archive.begin_crawl(names)
        except StoreError as exc:
            if self.archive is not None:
                self.archive.close()
                self.archive = None
            archive_write_failed(self.crawler, str(exc))
            return
        self.stats.set_value("crawl_id", self.crawl_id)
        self.flush_timer.start(self.flush_seconds, now=False)

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        """Remember a fetch, and that its source answers (signal handler); a site's 404
        page asked for as such is no fetch of the crawl's."""
        if request.meta.get(PROBE_META):
            return
        self.fetches.append(Fetch(url=response.url, status=response.status))
        source = request.meta.get("source")
        if source and response.status < 500:
            self.stats.inc_value(f"source/{source}/ok")

    def process_item(self, item: Any) -> Any:
        """Buffer an article or a failure; write a batch when the buffer is full."""
        if isinstance(item, ArticleItem):
            self.articles.append((item.article, item.raw, item.warc))
            if item.reached_by:
                self.reached_by[item.article.fetched_url] = item.reached_by
            if item.signature is not None:
                self.signatures[item.article.id] = item.signature
            else:  # not computed: the store computes it
                self.signatures.pop(item.article.id, None)
        elif isinstance(item, FailureItem):
            self.stats.inc_value("archive/failed")
            self.stats.inc_value(f"source/{item.source}/failed")
            if item.status is None:  # HTTP errors were recorded when their response came
                self.fetches.append(Fetch(url=item.url, status=None, error=item.error))
        if len(self.articles) >= self.batch_size or len(self.fetches) >= 10 * self.batch_size:
            self.flush()
        return item

    def flush_buffered(self) -> None:
        """Write what is buffered, if anything (the timer's tick)."""
        if self.articles or self.fetches:
            self.flush()

    def flush(self) -> None:
        """Write the buffered articles and fetches; on a store error, stop the crawl."""
        try:
            self._write()
        except StoreError as exc:
            archive_write_failed(self.crawler, str(exc))
        finally:
            self.articles, self.fetches, self.signatures, self.reached_by = [], [], {}, {}

    def _write(self) -> None:
        """Write the buffered articles and fetches in one transaction."""
        if self.archive is None:  # it could not be opened: the crawl is closing
            return
        if self.articles:
            counts = self.archive.add_articles(
                self.articles, self.crawl_id, signatures=self.signatures, fetches=self.fetches,
                reached_by=self.reached_by,
            )
            for key, value in counts.items():
                self.stats.inc_value(f"archive/{key}", value)
        elif self.fetches:
            self.archive.record_fetches(self.fetches, self.crawl_id)

    def close_spider(self, spider: Any = None) -> None:
        """Write what is left, and the downloads the crawl's deadline gave up (failed)."""
        if self.flush_timer.running:
            self.flush_timer.stop()
        for failure in given_up(self.crawler):
            self.process_item(failure)
        self.flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Close the crawl record with its outcome and counts (signal handler)."""
        if self.archive is None or self.crawl_id is None:
            return
        stats = self.stats.get_stats()
        summary = {
            key.split("/", 1)[1]: value
            for key, value in stats.items()
            if key.startswith(("archive/", "source/")) and isinstance(value, int)
        }
        summary["pages"] = stats.get("downloader/response_count", 0)
        try:
            self.archive.finish_crawl(self.crawl_id, status=reason, stats=summary)
        except StoreError as exc:  # the crawl row stays open; its articles are stored
            archive_write_failed(self.crawler, str(exc))
        self.archive.close()
        self.archive = None


class IndexPipeline:
    """Keep the Whoosh index up to date with the store, from the index writer process.

    The writer (:mod:`crawler.processes.indexing`) indexes pending rows every few seconds while
    the crawl runs, and once more on ``spider_closed``, which comes after every
    pipeline's ``close_spider``, so the store has written its last batch. A crash
    loses nothing: rows stay pending until indexed, for the next run (or ``index``).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.config = WriterConfig(
            archive_path=settings.get("ARCHIVE_PATH"),
            index_path=settings.get("INDEX_PATH"),
            lock_timeout=settings.getfloat("INDEX_LOCK_TIMEOUT"),
            interval=settings.getfloat("INDEX_SYNC_INTERVAL"),
            niceness=settings.getint("INDEX_NICENESS"),
            compact_at=settings.getint("INDEX_COMPACT_AT"),
            compact_max_docs=settings.getint("INDEX_COMPACT_MAX_DOCS"),
            log_level=logging.getLogger(__name__).getEffectiveLevel(),
        )
        self.writer: IndexWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> IndexPipeline:
        """Build the pipeline and wait for the end of the crawl."""
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        """Start the index writer."""
        self.writer = IndexWriter(self.config)
        logger.info("index writer started (pid %s)", self.writer.pid)

    def process_item(self, item: Any) -> Any:
        """Pass items through: the writer reads new articles from the store."""
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Have the writer index every stored article not indexed yet, and stop it.

        If another process holds the index's write lock past the timeout, the articles
        stay pending for the next run (signal handler).
        """
        if self.writer is None:
            return
        outcome = self.writer.finish()
        self.writer = None
        if outcome.locked:
            logger.warning("%s: new articles stay pending for the next run", outcome.locked)
            self.stats.set_value("index/locked", 1)
        elif outcome.error:  # the old index stays as it was; the rows stay pending
            archive_write_failed(self.crawler, f"cannot index the new articles: {outcome.error}")
        else:
            logger.info("Indexed %d articles", outcome.indexed)
