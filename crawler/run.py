"""Run a crawl from Python: used by ``search_cli.py crawl`` and ``demo``.

A crawl holds a kernel lock on ``DATA/crawl.lock`` (released when the process dies,
however it dies), so overlapping runs from cron exit at once instead of piling up.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.items import reasons_text
from crawler.sources import Source
from crawler.spiders.news import NewsSpider
from indexer.health import alarms, source_health
from indexer.layout import DataDir
from indexer.store import Archive

logger = logging.getLogger(__name__)

# Exit statuses of a crawl (1 and 2 are the CLI's: user error, bad usage).
EXIT_OK = 0
EXIT_SOURCE_FAILED = 3
EXIT_ARCHIVE_ERROR = 4
EXIT_INTERRUPTED = 5
EXIT_HEALTH = 6

COMPLETE_REASONS = frozenset({"finished", "closespider_timeout"})
# How the summary line says why a crawl ended, where Scrapy's reason is not plain words.
REASON_WORDS = {"closespider_timeout": "stopped at --max-runtime"}
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"


class CrawlBusyError(RuntimeError):
    """Another crawl holds the archive folder's lock."""


@dataclass
class CrawlSummary:
    """What a crawl did, for the one-line report and the exit status."""

    sources: int
    pages: int
    new: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    not_articles: int
    errors: int
    seconds: float
    finish_reason: str
    dead_sources: list[str] = field(default_factory=list)
    health: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_stats(cls, stats: dict[str, Any], sources: list[str]) -> CrawlSummary:
        """Build the summary from a crawler's stats."""
        return cls(
            sources=len(sources),
            pages=stats.get("downloader/response_count", 0),
            new=stats.get("archive/new", 0),
            updated=stats.get("archive/updated", 0),
            # a revisit answered 304 Not Modified is an unchanged article too
            unchanged=stats.get("archive/unchanged", 0) + stats.get("archive/not_modified", 0),
            skipped=stats.get("archive/skipped_known", 0),
            failed=stats.get("archive/failed", 0),
            not_articles=stats.get("archive/not_article", 0),
            errors=stats.get("log_count/ERROR", 0),
            seconds=float(stats.get("elapsed_time_seconds", 0.0)),
            finish_reason=str(stats.get("finish_reason", "unknown")),
            dead_sources=[
                s
                for s in sources
                if stats.get(f"source/{s}/failed") and not stats.get(f"source/{s}/ok")
            ],
            stats=stats,
        )

    @property
    def exit_code(self) -> int:
        """0 when the crawl completed (or used up its time budget), else why not."""
        if self.stats.get("archive/write_errors") or self.finish_reason == "archive_error":
            return EXIT_ARCHIVE_ERROR
        if self.finish_reason not in COMPLETE_REASONS:
            return EXIT_INTERRUPTED
        if self.dead_sources:
            return EXIT_SOURCE_FAILED
        if self.health:
            return EXIT_HEALTH
        return EXIT_OK

    @property
    def not_stored(self) -> dict[str, int]:
        """Pages fetched but not archived, by reason (``text_too_short``, ``soft_404``...)."""
        prefix = "archive/not_stored/"
        return {
            key[len(prefix) :]: value
            for key, value in sorted(self.stats.items())
            if key.startswith(prefix) and value
        }

    def line(self) -> str:
        """The one-line summary printed at the end of a crawl."""
        dead = (
            f", sources with no answer: {', '.join(self.dead_sources)}" if self.dead_sources else ""
        )
        error = self.stats.get("archive/error")
        return (
            f"crawl {REASON_WORDS.get(self.finish_reason, self.finish_reason)}: "
            f"{self.sources} sources, {self.pages} pages fetched, "
            f"articles {self.new} new / {self.updated} updated / {self.unchanged} unchanged / "
            f"{self.skipped} skipped (known) / {self.failed} failed, "
            f"{self.not_articles} not articles{self._reasons()}, {self.errors} errors, "
            f"{self.seconds:.1f}s{dead}"
            + "".join(f"; health: {alarm}" for alarm in self.health)
            + (f"; archive not written: {error}" if error else "")
        )

    def _reasons(self) -> str:
        """The not-stored counts by reason, and the URLs refused for their length."""
        too_long = self.stats.get("archive/url_too_long")
        return reasons_text(self.not_stored) + (
            f", {too_long} URLs over 2,000 characters refused" if too_long else ""
        )


def crawl_settings(data_dir: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    """Scrapy settings for a crawl into the archive folder ``data_dir``."""
    paths = DataDir(Path(data_dir))
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_PATH", str(paths.archive), priority="cmdline")
    settings.set("INDEX_PATH", str(paths.index), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


@contextmanager
def crawl_lock(data_dir: str | Path) -> Iterator[None]:
    """Hold the archive folder's crawl lock, or raise CrawlBusyError at once."""
    root = Path(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(root / "crawl.lock", blocking=False, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout:
        raise CrawlBusyError(
            f"another crawl is running on {root} (it holds {root / 'crawl.lock'})"
        ) from None
    try:
        yield
    finally:
        lock.release()


def log_to_file(path: str | Path, level: str) -> None:
    """Send all logging at ``level`` and above to ``path``, reopened when logrotate moves it.

    The level is set on the handler too: Scrapy resets the root logger to NOTSET when it
    starts, which let DEBUG records (scraped items, whole articles) into the file.
    """
    handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)


def run_crawl(
    sources: list[Source],
    data_dir: str | Path,
    *,
    urls: Iterable[str | Source] = (),
    overrides: dict[str, Any] | None = None,
) -> CrawlSummary:
    """Crawl ``sources`` (and ad hoc article ``urls``, or their one-page sources) into the
    archive; blocks until done.

    Runs the Twisted reactor, so it can be called once per process. SIGTERM and SIGINT
    stop the crawl gracefully: what was fetched is stored and indexed.
    """
    urls = list(urls)
    with crawl_lock(data_dir):
        process = CrawlerProcess(crawl_settings(data_dir, overrides))
        crawler = process.create_crawler(NewsSpider)
        process.crawl(crawler, sources=sources, urls=urls)
        process.start()
    spider = crawler.spider
    names = list(getattr(spider, "by_name", {}) or [s.name for s in sources])
    stats = crawler.stats.get_stats() if crawler.stats else {}
    summary = CrawlSummary.from_stats(stats, names)
    if stats.get("crawl_id") and not stats.get("archive/error"):
        with Archive(DataDir(Path(data_dir)).archive) as archive:
            summary.health = alarms(source_health(archive), stats["crawl_id"])
    return summary
