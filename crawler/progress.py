"""The crawl's progress on a terminal: one line on stderr, rewritten in place (an extension).

Enabled by the ``CRAWL_PROGRESS`` setting, which ``crawl`` turns on only when stderr is a
terminal and ``-q`` is not given: cron and pipes get the summary alone. The line reads
the crawl's stats (pages fetched, new articles, failures) and the time elapsed; a log
record printed meanwhile first clears it, and the next tick draws it again below.
"""

from __future__ import annotations

import logging
import sys
from time import monotonic
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

REFRESH_SECONDS = 0.5
CLEAR_LINE = "\r\x1b[K"


def progress_text(stats: dict[str, Any], seconds: float) -> str:
    """The progress line: pages fetched, new articles, failures, elapsed time (m:ss)."""
    minutes, secs = divmod(int(seconds), 60)
    return (
        f"crawling: {stats.get('downloader/response_count', 0)} pages fetched, "
        f"{stats.get('archive/new', 0)} new articles, {stats.get('archive/failed', 0)} failed, "
        f"{minutes}:{secs:02d}"
    )


class _ClearBeforeRecords(logging.Filter):
    """Clear the progress line before a log record goes to the same terminal."""

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self.out = out

    def filter(self, record: logging.LogRecord) -> bool:
        self.out.write(CLEAR_LINE)
        return True


class ProgressLine:
    """Draw the progress line every REFRESH_SECONDS while the spider runs."""

    def __init__(self, crawler: Any, out: TextIO) -> None:
        self.crawler = crawler
        self.out = out
        self.started = monotonic()
        self._loop: Any = None
        self._filter = _ClearBeforeRecords(out)
        self._handlers: list[logging.Handler] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLine:
        """Build the extension when CRAWL_PROGRESS is on; follow the spider's life."""
        if not crawler.settings.getbool("CRAWL_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler, sys.stderr)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        """Start drawing; make the terminal's log handlers clear the line first."""
        self.started = monotonic()
        self._handlers = [
            h for h in logging.getLogger().handlers
            if getattr(h, "stream", None) in (sys.stderr, self.out)
        ]
        for handler in self._handlers:
            handler.addFilter(self._filter)
        self._loop = create_looping_call(self.draw)
        self._loop.start(REFRESH_SECONDS, now=True)

    def draw(self) -> None:
        """Write the current line over the previous one."""
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.out.write(CLEAR_LINE + progress_text(stats, monotonic() - self.started))
        self.out.flush()

    def spider_closed(self, spider: Any) -> None:
        """Stop drawing, draw the final counts once, and leave the line empty for the summary."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.draw()
        for handler in self._handlers:
            handler.removeFilter(self._filter)
        self.out.write(CLEAR_LINE)
        self.out.flush()
