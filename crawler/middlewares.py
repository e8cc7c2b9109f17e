"""Downloader middlewares: stay on the source's hosts, obey robots.txt, skip what we have,
cap the size of pages, stop redirect loops."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urldefrag, urljoin

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.warc.revisits import revisit_conditions
from indexer.store import Archive

logger = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request the crawler chose not to send (off the source, disallowed, known): no failure."""


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
        """Refuse (raise Refused for) a URL no source may fetch."""
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
            raise Refused(f"off-source URL {request.url}")


class SkipKnownMiddleware:
    """Do not download again an article page the archive already holds.

    Except young articles of a source with ``revisit_days``: they go out as conditional
    requests (:mod:`crawler.warc.revisits`), and a ``304 Not Modified`` answer is dropped here.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("ARCHIVE_PATH")
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SkipKnownMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Refuse (raise Refused for) an article URL already archived."""
        identity = request.meta.get("identity")
        if not identity or not self.is_archived(identity):
            return
        if self._revisit(request, identity):
            return
        self.crawler.stats.inc_value("archive/skipped_known")
        raise Refused(f"already archived: {identity}")

    def is_archived(self, identity: str) -> bool:
        """Tell whether the archive holds this identity URL."""
        if not self.path:
            return False
        if self.archive is None:
            self.archive = Archive(self.path)
        return self.archive.has_url(identity)

    def conditions(self, identity: str, days: int) -> dict[str, str] | None:
        """The conditional headers to revisit an archived article, None if it is too old."""
        assert self.archive is not None  # is_archived opened it
        return revisit_conditions(self.archive, identity, days)

    def _revisit(self, request: Request, identity: str) -> bool:
        """Let a young article of a source with ``revisit_days`` through, conditionally."""
        spider = self.crawler.spider
        source = spider.source_for(request) if hasattr(spider, "source_for") else None
        if source is None or not source.revisit_days or request.meta.get("revisit"):
            return False
        conditions = self.conditions(identity, source.revisit_days)
        if conditions is None:
            return False
        request.meta["revisit"] = True
        for name, value in conditions.items():
            request.headers[name] = value
        self.crawler.stats.inc_value("archive/revisited")
        return True

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        """Drop a revisit answered ``304 Not Modified``: the archived version stands."""
        if request.meta.get("revisit") and response.status == 304:
            self.crawler.stats.inc_value("archive/not_modified")
            raise Refused(f"not modified: {request.url}")
        return response


class PageSizeMiddleware:
    """Cap the download size of pages (what goes to extraction) at PAGE_MAXSIZE.

    Feeds and sitemaps keep DOWNLOAD_MAXSIZE. Scrapy applies the cap both to the bytes
    received and to the body decompressed from gzip, deflate or br (bombs included).
    """

    def __init__(self, crawler: Any) -> None:
        self.maxsize = crawler.settings.getint("PAGE_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageSizeMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Set the page cap on a request whose response goes to ``parse_page``."""
        if self.maxsize and getattr(request.callback, "__name__", "") == "parse_page":
            request.meta.setdefault("download_maxsize", self.maxsize)


class RedirectLoopMiddleware:
    """Fail a redirect back to a URL already visited on the way, as a redirect loop.

    Scrapy's duplicate filter would otherwise drop the looping request without a word,
    before REDIRECT_MAX_TIMES is reached, and the URL would never be recorded as failed.
    Sits just before RedirectMiddleware on the way back from the downloader.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        """Raise IgnoreRequest when the response redirects to a URL of its own chain."""
        location = response.headers.get("Location")
        if not 300 <= response.status < 400 or not location:
            return response
        target = urldefrag(urljoin(request.url, location.decode("latin-1")))[0]
        visited = {urldefrag(u)[0] for u in (*request.meta.get("redirect_urls", ()), request.url)}
        if target in visited:
            raise IgnoreRequest(f"redirect loop: {request.url} redirects back to {target}")
        return response
