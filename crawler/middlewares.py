"""Downloader middlewares: stay on the source's hosts, obey robots.txt, skip what we have."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from indexer.store import Archive

logger = logging.getLogger(__name__)


class HostGuardMiddleware:
    """Refuse any request (start URLs and redirects included) off the source's own hosts.

    Scrapy's offsite check skips ``dont_filter`` requests and its link extractor keeps
    ``file://`` links; this guard sees every request, whatever its flags.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostGuardMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Raise IgnoreRequest for a URL no source may fetch."""
        spider = self.crawler.spider
        source = spider.source_for(request) if hasattr(spider, "source_for") else None
        parts = urlparse_cached(request)
        if source is not None:
            allowed = source.allows(request.url)
        else:
            allowed = parts.scheme in {"http", "https"} and any(
                s.allows(request.url) for s in getattr(spider, "by_name", {}).values()
            )
        if not allowed:
            logger.warning("Refused off-source URL %s", request.url)
            self.crawler.stats.inc_value("guard/offsite")
            raise IgnoreRequest(f"off-source URL {request.url}")


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every waiting request checked.

    In Scrapy 2.14-2.19, when several requests to a host start before its robots.txt
    has loaded, the shared Deferred hands the parser to the first waiter only and the
    others pass unchecked. Here each waiter gets its own Deferred, relayed from the one
    the download fires.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """Return the host's parser, waiting for its download when it is in flight."""
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred[RobotParser | None] = Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)


class SkipKnownMiddleware:
    """Do not download again an article page the archive already holds."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("ARCHIVE_PATH")
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SkipKnownMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Raise IgnoreRequest for an article URL already archived."""
        identity = request.meta.get("identity")
        if not identity or not self.path:
            return
        if self.archive is None:
            self.archive = Archive(self.path)
        if self.archive.has_url(identity):
            self.crawler.stats.inc_value("archive/skipped_known")
            raise IgnoreRequest(f"already archived: {identity}")
