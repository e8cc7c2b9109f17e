"""The ``news`` spider: finds article pages through feeds, sitemaps and links.

It only navigates. What it yields (:class:`~crawler.items.PageItem` for pages that
look like articles, :class:`~crawler.items.FailureItem` for requests that failed
for good) goes to the pipelines, which extract and store.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser
import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler.classify import looks_like_article
from crawler.items import FailureItem, PageItem
from crawler.sources import Source, adhoc_source, load_sources
from indexer.store import Archive
from indexer.urls import normalize_url, strip_www

logger = logging.getLogger(__name__)

TRUSTED_VIA = frozenset({"feed", "news-sitemap", "url"})
GZIP_MAGIC = b"\x1f\x8b"


def _split_arg(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


class NewsSpider(scrapy.Spider):
    """Crawl the configured news sources and ad hoc article URLs."""

    name = "news"

    def __init__(
        self,
        sources: str | list[Source] | None = None,
        urls: str | Iterable[str] | None = None,
        only: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(sources, str):
            sources = load_sources(sources, _split_arg(only))
        self.sources: list[Source] = list(sources or [])
        self.adhoc: list[Source] = [adhoc_source(u) for u in _split_arg(urls)]
        self.by_name: dict[str, Source] = {s.name: s for s in self.adhoc}
        self.by_name.update({s.name: s for s in self.sources})

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        """Create the spider and listen for parsed robots.txt files (their Sitemap lines)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    @property
    def hosts(self) -> frozenset[str]:
        """Every host any source may be crawled on."""
        return frozenset().union(*(s.hosts for s in self.by_name.values()))

    def source_for(self, request: scrapy.Request) -> Source | None:
        """The source a request belongs to, if any."""
        return self.by_name.get(request.meta.get("source", ""))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Seed the crawl: feeds, sitemaps and home pages of each source, then ad hoc URLs."""
        for src in self.sources:
            for feed in src.feeds:
                yield self._request(src, feed, self.parse_feed)
            for sitemap in src.sitemaps:
                yield self._request(src, sitemap, self.parse_sitemap)
            if src.follow:
                yield self._request(src, src.url, self.parse_page, depth=0, via="link")
        for src in self.adhoc:
            yield self._request(src, src.url, self.parse_page, via="url", article=True)
        for url in self._failed_before():
            src = next((s for s in self.sources if s.allows(url)), None)
            if src is not None and (req := self._follow(src, url, depth=src.depth, via="retry")):
                yield req

    def _failed_before(self) -> list[str]:
        """URLs that failed in earlier crawls for a passing reason, to try again (capped)."""
        path = self.settings.get("ARCHIVE_PATH")
        if not path or not Path(path).exists():
            return []
        with Archive(path) as archive:
            return archive.failed_urls(self.settings.getint("RETRY_FAILED_MAX"))

    def _request(
        self,
        src: Source,
        url: str,
        callback: Any,
        *,
        depth: int = 0,
        via: str = "",
        article: bool = False,
    ) -> scrapy.Request:
        """Build a request for ``url``; article candidates go by their identity URL."""
        meta: dict[str, Any] = {"source": src.name}
        if article:
            identity = normalize_url(url)
            meta["identity"] = identity
            url = self._on_source_host(src, identity)
        cb_kwargs = {"source": src.name}
        if callback == self.parse_page:
            cb_kwargs.update(depth=depth, via=via)
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, cb_kwargs=cb_kwargs, meta=meta
        )

    @staticmethod
    def _on_source_host(src: Source, url: str) -> str:
        """Write ``url`` with the host form (``www.`` or not) the source itself uses."""
        parts = urlsplit(url)
        home = urlsplit(src.url)
        if strip_www(parts.netloc.lower()) == strip_www(home.netloc.lower()):
            parts = parts._replace(netloc=home.netloc.lower())
        return urlunsplit(parts)

    def _follow(self, src: Source, url: str, *, depth: int, via: str) -> scrapy.Request | None:
        """A request for a page found on the way, or None when it is off the source."""
        if not src.allows(url):
            return None
        return self._request(src, url, self.parse_page, depth=depth, via=via, article=True)

    def parse_feed(self, response: Response, source: str) -> Iterator[scrapy.Request]:
        """Follow every entry of an RSS or Atom feed."""
        src = self.by_name[source]
        feed = feedparser.parse(response.body)
        if feed.bozo and not feed.entries:
            logger.warning("Unreadable feed %s: %s", response.url, feed.get("bozo_exception"))
        for entry in feed.entries:
            link = entry.get("link")
            if link and (
                req := self._follow(src, urljoin(response.url, link), depth=0, via="feed")
            ):
                yield req

    def parse_sitemap(self, response: Response, source: str) -> Iterator[scrapy.Request]:
        """Follow a sitemap index to its sitemaps, and a urlset to its pages."""
        src = self.by_name[source]
        body = response.body
        if body[:2] == GZIP_MAGIC:
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        sitemap = Sitemap(body)
        for entry in sitemap:
            loc = urljoin(response.url, entry.get("loc", ""))
            if sitemap.type == "sitemapindex":
                if src.allows(loc):
                    yield self._request(src, loc, self.parse_sitemap)
                continue
            via = "news-sitemap" if "news" in entry else "sitemap"
            if req := self._follow(src, loc, depth=src.depth, via=via):
                yield req

    def parse_page(
        self, response: Response, source: str, depth: int, via: str
    ) -> Iterator[PageItem | scrapy.Request]:
        """Hand over an article-looking page, then follow its links within the depth."""
        if not isinstance(response, TextResponse):
            return
        src = self.by_name[source]
        verdict = src.matches_article(response.url)
        if verdict is None:
            verdict = via in TRUSTED_VIA or looks_like_article(response.url, response.selector)
        if verdict:
            yield PageItem(
                url=response.url,
                source=source,
                body=response.body,
                encoding=response.encoding,
                status=response.status,
                via=via,
                warc=response.meta.get("warc"),
            )
        if not src.follow or depth >= src.depth:
            return
        for link in LinkExtractor(unique=True).extract_links(response):
            if req := self._follow(src, link.url, depth=depth + 1, via="link"):
                yield req

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Schedule the sitemaps a robots.txt names (signal handler)."""
        src = self.source_for(request)
        if src is None or self.crawler.engine is None:
            return
        for loc in getattr(getattr(robotparser, "rp", None), "sitemaps", ()):
            if src.allows(loc):
                self.crawler.engine.crawl(self._request(src, loc, self.parse_sitemap))

    def on_error(self, failure: Failure) -> Iterator[FailureItem]:
        """Record a request that failed for good; requests we refused are not failures."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return
        request = failure.request  # type: ignore[attr-defined]
        status = failure.value.response.status if failure.check(HttpError) else None
        logger.info("Failed %s: %s", request.url, failure.getErrorMessage())
        yield FailureItem(
            url=request.url,
            source=request.meta.get("source", ""),
            error=failure.getErrorMessage() or failure.type.__name__,
            status=status,
        )
