"""Run a crawl from Python: used by ``search_cli.py crawl`` and ``demo``."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.sources import Source
from crawler.spiders.news import NewsSpider
from indexer.layout import DataDir

logger = logging.getLogger(__name__)


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
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    def line(self) -> str:
        """The one-line summary printed at the end of a crawl."""
        return (
            f"crawl {self.finish_reason}: {self.sources} sources, {self.pages} pages fetched, "
            f"articles {self.new} new / {self.updated} updated / {self.unchanged} unchanged / "
            f"{self.skipped} skipped (known) / {self.failed} failed, "
            f"{self.not_articles} not articles, {self.errors} errors, {self.seconds:.1f}s"
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


def run_crawl(
    sources: list[Source],
    data_dir: str | Path,
    *,
    urls: Iterable[str] = (),
    overrides: dict[str, Any] | None = None,
) -> CrawlSummary:
    """Crawl ``sources`` (and ad hoc article ``urls``) into the archive; blocks until done.

    Runs the Twisted reactor, so it can be called once per process.
    """
    urls = list(urls)
    process = CrawlerProcess(crawl_settings(data_dir, overrides))
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=sources, urls=list(urls))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    elapsed = stats.get("elapsed_time_seconds", 0.0)
    return CrawlSummary(
        sources=len(sources) + len(urls),
        pages=stats.get("downloader/response_count", 0),
        new=stats.get("archive/new", 0),
        updated=stats.get("archive/updated", 0),
        unchanged=stats.get("archive/unchanged", 0),
        skipped=stats.get("archive/skipped_known", 0),
        failed=stats.get("archive/failed", 0),
        not_articles=stats.get("archive/not_article", 0),
        errors=stats.get("log_count/ERROR", 0),
        seconds=float(elapsed),
        finish_reason=str(stats.get("finish_reason", "unknown")),
        stats=stats,
    )
