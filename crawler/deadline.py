"""A hard deadline for the crawl: ``--max-runtime`` and SIGTERM end it within a grace period.

When the engine starts closing (CLOSESPIDER_TIMEOUT, SIGTERM, Ctrl-C), the spider stops
generating requests (its ``closing`` flag), nothing is retried, and no download may last
past the end of the grace period (CRAWL_GRACE_PERIOD seconds). With a time budget, the
grace period ends budget + grace after the start of the process (less FINISH_SECONDS for
the last store and index sync) at the latest: the start-up (imports, the extraction
workers' fork server, the archive; 10-20 s on a loaded machine) comes out of the grace
period, down to GRACE_FLOOR seconds, so the process ends by then whatever the load.
Every download is capped at the time left until then. Once the grace period is over, the
engine is told to stop waiting for what is still in flight: what was fetched is stored and
indexed, and the process exits. The downloads given up then are recorded as failed
fetches (:func:`given_up`), so the next crawl tries them again.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from time import monotonic
from typing import Any

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.asyncio import CallLaterResult, call_later, create_looping_call

from crawler.items import FailureItem
from crawler.scrapy_fixes.engine import engine_is_closing, release_engine_slot

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25
MIN_TIMEOUT = 0.5  # a download started in the last instant still gets a chance
# Downloads time out this long before the hard end, so that their failures are recorded
# (and tried again by a later crawl) before the pipelines close.
TIMEOUT_MARGIN = 1.0
# With a budget, the grace period ends this long before budget + grace after the process
# started: the last store and index sync and the exit come after it.
FINISH_SECONDS = 3.0
GRACE_FLOOR = 5.0  # what is in flight at the close gets at least this (or the whole grace)


def process_age() -> float:
    """Seconds since this process started (from /proc; 0 where there is none)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
    except (OSError, ValueError, IndexError):
        return 0.0
    return max(0.0, uptime - started)


class CrawlDeadline:
    """Watch for the engine's close; stop new work and bound the rest (an extension).

    Other components find it as ``crawler.deadline``.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.grace = crawler.settings.getfloat("CRAWL_GRACE_PERIOD")
        self.budget = crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        self.process_started = monotonic() - process_age()
        self.opened: float | None = None
        self.closing_since: float | None = None
        self._poll: Any = None
        self._force: CallLaterResult | None = None
        self.given_up: list[FailureItem] = []  # the downloads the grace period cut
        crawler.deadline = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDeadline:
        """Build the extension and follow the spider's life."""
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def closing(self) -> bool:
        """True once the crawl has begun to close."""
        return self.closing_since is not None

    def hard_end(self) -> float | None:
        """When the grace period ends (monotonic clock), None when unbounded: grace after
        the close (that the budget will make, if none came yet); with a budget, no later
        than budget + grace - FINISH_SECONDS after the process started, unless that leaves
        less than GRACE_FLOOR after the close."""
        if self.closing_since is not None:
            close = self.closing_since
        elif self.budget and self.opened is not None:
            close = self.opened + self.budget
        else:
            return None
        end = close + self.grace
        if self.budget:
            latest = self.process_started + self.budget + self.grace - FINISH_SECONDS
            end = max(min(end, latest), close + min(self.grace, GRACE_FLOOR))
        return end

    def time_left(self) -> float | None:
        """Seconds until the hard end (:meth:`hard_end`); None when unbounded."""
        end = self.hard_end()
        return None if end is None else end - monotonic()

    def spider_opened(self, spider: Any) -> None:
        """Start watching for the close (signal handler)."""
        self.opened = monotonic()
        self._poll = create_looping_call(self._check)
        self._poll.start(POLL_SECONDS, now=False)

    def _check(self) -> None:
        engine = self.crawler.engine
        if self.closing or engine is None or not engine_is_closing(engine):
            return
        self.closing_since = monotonic()
        spider = self.crawler.spider
        if spider is not None:
            spider.closing = True
        left = max(0.0, self.time_left() or 0.0)
        logger.info("Closing: no new requests; what is in flight has %.3gs", left)
        self._force = call_later(left, self._force_close)

    def _force_close(self) -> None:
        """The grace period is over: stop waiting for downloads and pages in flight."""
        self._force = None
        engine = self.crawler.engine
        if engine is None:
            return
        downloading = [r for r in engine.downloader.active if r.meta.get("source")]
        left = release_engine_slot(engine)
        if left:
            logger.warning(
                "Grace period of %gs over: %d requests in flight given up (%d downloads "
                "recorded as failed: a later crawl tries them again)",
                self.grace, len(left), len(downloading))
            self.crawler.stats.set_value("deadline/given_up", len(left))
            if self.crawler.spider is not None:
                self.crawler.spider.given_up = left
        error = f"given up: still downloading at the end of the {self.grace:g}s grace period"
        self.given_up = [FailureItem(url=r.url, source=r.meta["source"], error=error)
                         for r in downloading]

    def spider_closed(self, spider: Any) -> None:
        """Stop watching (signal handler)."""
        if self._poll is not None and self._poll.running:
            self._poll.stop()
        if self._force is not None:
            self._force.cancel()  # nothing if it has run
        self._force = None


def _deadline(crawler: Any) -> CrawlDeadline | None:
    return getattr(crawler, "deadline", None)


def given_up(crawler: Any) -> list[FailureItem]:
    """The failure records of the downloads the grace period cut (none before it ends)."""
    deadline = _deadline(crawler)
    return deadline.given_up if deadline is not None else []


class DeadlineTimeoutMiddleware:
    """Cap each download's timeout at the time left before the hard end of the crawl
    (less TIMEOUT_MARGIN).

    Sits after Scrapy's DownloadTimeoutMiddleware (350), which sets the default.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.default = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")

    @classmethod
    def from_crawler(cls, crawler: Any) -> DeadlineTimeoutMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        """Lower ``download_timeout`` to the time left, if that is shorter."""
        deadline = _deadline(self.crawler)
        left = deadline.time_left() if deadline is not None else None
        if left is None:
            return
        current = request.meta.get("download_timeout") or self.default
        request.meta["download_timeout"] = max(MIN_TIMEOUT, min(current, left - TIMEOUT_MARGIN))


class DeadlineRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, except once the crawl is closing: a failure then stays a failure.

    The failed URL is recorded, so a later crawl tries it again (RETRY_FAILED_MAX).
    """

    def _closing(self) -> bool:
        deadline = _deadline(self.crawler)
        return deadline is not None and deadline.closing

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        """Retry a failed response, unless the crawl is closing."""
        if self._closing():
            return response
        return super().process_response(request, response)

    def process_exception(
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        """Retry a download error, unless the crawl is closing."""
        if self._closing():
            return None
        return super().process_exception(request, exception)
