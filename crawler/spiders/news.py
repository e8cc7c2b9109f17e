"""The ``news`` spider: finds article pages through feeds, sitemaps and links.

It only navigates. What it yields (:class:`~crawler.items.PageItem` for pages that
may be articles, :class:`~crawler.items.FailureItem` for requests that failed
for good) goes to the pipelines, which extract and store. Whether a page found on the
way looks like an article (:mod:`crawler.extraction.classify`) is checked in the extraction
worker, on the tree it parses anyway.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser
import scrapy
from lxml import etree
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, ResponseDataLossError
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler.extraction.html_input import header_charset
from crawler.items import FailureItem, PageItem, reason_key
from crawler.middlewares import Refused
from crawler.sources import Source, adhoc_source, load_sources
from indexer.store import Archive
from indexer.urls import normalize_url, request_url, strip_www, too_long

logger = logging.getLogger(__name__)

# Pages the site or the user lists: articles unless strong evidence says otherwise
# (crawler.extraction.classify.page_verdict); pages found by links must look like one.
TRUSTED_VIA = frozenset({"feed", "news-sitemap", "sitemap", "url"})
GZIP_MAGIC = b"\x1f\x8b"
SITEMAP_TYPES = frozenset({"urlset", "sitemapindex"})
# Crawled XML: no entity expansion, no network, no DTD, lxml's default depth/size limits.
XML_PARSER_OPTIONS: dict[str, bool] = {
    "recover": True,
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


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
        """Build a request for ``url`` as given (no fragment, no session id; the host in the
        source's ``www.`` form).

        Article candidates carry their identity URL, the key of what is archived.
        """
        meta: dict[str, Any] = {"source": src.name}
        if article:
            meta["identity"] = normalize_url(url)
        url = self._on_source_host(src, request_url(url))
        cb_kwargs = {"source": src.name}
        if callback == self.parse_page:
            cb_kwargs.update(depth=depth, via=via)
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, cb_kwargs=cb_kwargs, meta=meta
        )

    @staticmethod
    def _on_source_host(src: Source, url: str) -> str:
        """Write ``url`` with the host form (``www.`` or not) the source itself uses: the
        rest of the URL stays exactly as given."""
        parts = urlsplit(url)
        home = urlsplit(src.url).netloc.lower()
        if parts.netloc.lower() != home and strip_www(parts.netloc.lower()) == strip_www(home):
            return urlunsplit(parts._replace(netloc=home))
        return url

    def _follow(self, src: Source, url: str, *, depth: int, via: str) -> scrapy.Request | None:
        """A request for a page found on the way, or None when it is off the source or too long."""
        if not src.allows(url):
            return None
        if too_long(url):
            logger.info("Refused a URL of %d characters (over 2,000): %.200s...", len(url), url)
            self.crawler.stats.inc_value("archive/url_too_long")
            return None
        return self._request(src, url, self.parse_page, depth=depth, via=via, article=True)

    def parse_feed(
        self, response: Response, source: str
    ) -> Iterator[scrapy.Request | FailureItem]:
        """Follow every entry of an RSS or Atom feed; a broken feed is read as far as it goes."""
        src = self.by_name[source]
        xml, problem = clean_xml(response.body)
        feed = feedparser.parse(xml) if xml is not None else None
        if feed is not None and not feed.version and not feed.entries:
            problem = problem or "not an RSS or Atom feed"
        entries = feed.entries if feed is not None else []
        if problem:
            yield self._broken(response, source, "feed", problem, len(entries))
        for entry in entries:
            link = entry.get("link")
            if link and (
                req := self._follow(src, urljoin(response.url, link), depth=0, via="feed")
            ):
                yield req

    def parse_sitemap(
        self, response: Response, source: str
    ) -> Iterator[scrapy.Request | FailureItem]:
        """Follow a sitemap index to its sitemaps, and a urlset to its pages.

        A gzip body is inflated up to DOWNLOAD_MAXSIZE; a broken sitemap is read as far
        as it goes.
        """
        src = self.by_name[source]
        body = response.body
        if body[:2] == GZIP_MAGIC:
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, EOFError, ValueError) as exc:  # size cap: ValueError
                yield self._broken(response, source, "sitemap", f"cannot gunzip: {exc}", 0)
                return
        xml, problem = clean_xml(body)
        sitemap = Sitemap(xml) if xml is not None else None
        if sitemap is not None and sitemap.type not in SITEMAP_TYPES:
            problem, sitemap = problem or f"not a sitemap (<{sitemap.type}>)", None
        entries = list(sitemap) if sitemap is not None else []
        if problem:
            yield self._broken(response, source, "sitemap", problem, len(entries))
        for entry in entries:
            loc = urljoin(response.url, entry.get("loc", ""))
            if sitemap is not None and sitemap.type == "sitemapindex":
                if src.allows(loc):
                    yield self._request(src, loc, self.parse_sitemap)
                continue
            via = "news-sitemap" if "news" in entry else "sitemap"
            if req := self._follow(src, loc, depth=src.depth, via=via):
                yield req

    @staticmethod
    def _broken(response: Response, source: str, kind: str, problem: str, read: int) -> FailureItem:
        """Log a feed or sitemap that did not parse cleanly; return its failure record."""
        logger.warning("Broken %s %s (%d entries read): %s", kind, response.url, read, problem)
        return FailureItem(url=response.url, source=source, error=f"broken {kind}: {problem}")

    def parse_page(
        self, response: Response, source: str, depth: int, via: str
    ) -> Iterator[PageItem | scrapy.Request]:
        """Hand over a page that may be an article, then follow its links within the depth.

        Pages a source's ``article_urls`` rule out are not handed over; pages found on
        the way that no rule or trusted list vouches for go with ``classify`` set.
        """
        if not isinstance(response, TextResponse):
            self._not_stored(response.url, "not HTML")
            return
        src = self.by_name[source]
        # the rules see the URL without tracking or session parameters (its identity)
        verdict = src.matches_article(response.meta.get("identity") or response.url)
        if verdict is False:
            self._not_stored(response.url, "not an article URL (article_urls)")
        else:
            # Unlisted pages found on the way are classified (crawler.extraction.classify) by the
            # extraction worker, on the tree it parses anyway: this process parses pages
            # only for their links.
            yield PageItem(
                url=response.url,
                source=source,
                body=response.body,
                encoding=header_charset(response.headers.get("Content-Type")),
                status=response.status,
                via=via,
                warc=response.meta.get("warc"),
                classify=verdict is None and via not in TRUSTED_VIA,
                reached_by=list(response.meta.get("redirect_urls", ())),
            )
        if not src.follow or depth >= src.depth:
            return
        for link in LinkExtractor(unique=True).extract_links(response):
            if req := self._follow(src, link.url, depth=depth + 1, via="link"):
                yield req

    def _not_stored(self, url: str, reason: str) -> None:
        """Count and log a fetched page that goes to no pipeline: nothing is dropped silently."""
        logger.info("Not stored (%s): %s", reason, url)
        self.crawler.stats.inc_value("archive/not_article")
        self.crawler.stats.inc_value(f"archive/not_stored/{reason_key(reason)}")

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Schedule the sitemaps a robots.txt names (signal handler)."""
        src = self.source_for(request)
        if src is None or src.name not in {s.name for s in self.sources}:
            return  # an ad hoc --url source is that one page, not its site's sitemaps
        if self.crawler.engine is None:
            return
        for loc in getattr(getattr(robotparser, "rp", None), "sitemaps", ()):
            if src.allows(loc):
                self.crawler.engine.crawl(self._request(src, loc, self.parse_sitemap))

    def on_error(self, failure: Failure) -> Iterator[FailureItem]:
        """Log and record a request that failed for good.

        A request the crawler refused (off the source, robots.txt, already archived) is
        no failure, unless a redirect led to it: then the redirecting URL failed.
        """
        request = failure.request  # type: ignore[attr-defined]
        url, status = request.url, None
        if failure.check(Refused):
            redirects = request.meta.get("redirect_urls")
            if not redirects:
                return
            url, error = redirects[-1], f"redirected to a refused URL: {failure.getErrorMessage()}"
        elif failure.check(HttpError):
            response = failure.value.response
            status, error = response.status, f"HTTP {response.status}"
            location = response.headers.get("Location")
            if location and 300 <= response.status < 400:
                error += f", redirect to {location.decode('latin-1')} not followed"
        else:
            error = _failure_reason(failure)
        # a dead link (404, 410) is an everyday thing, not worth a warning in cron mail
        level = logging.INFO if status in (404, 410) else logging.WARNING
        logger.log(level, "Failed %s: %s", url, error)
        source = request.meta.get("source", "")
        yield FailureItem(url=url, source=source, error=error, status=status)


def _failure_reason(failure: Failure) -> str:
    """A one-line reason for a download failure, unwrapping Twisted's lists of failures."""
    exc = failure.value
    name = type(exc).__name__
    if isinstance(exc, ResponseDataLossError):
        return "truncated body: the connection closed before Content-Length bytes came"
    if reasons := getattr(exc.__cause__, "reasons", None):
        return f"{name}: " + "; ".join(r.getErrorMessage() or r.type.__name__ for r in reasons)
    if isinstance(exc, DownloadCancelledError) and not str(exc):
        return f"{name}: body over the download size limit"
    return f"{name}: {exc}" if str(exc) else name


def clean_xml(body: bytes) -> tuple[bytes | None, str | None]:
    """Re-serialise crawled XML as far as it parses: no DTD, entities, comments or PIs.

    Returns ``(xml, problem)``: ``xml`` is None when no element could be read, ``problem``
    the parser's first error, if any. Entities are never expanded or fetched, so neither
    entity bombs nor external entities reach feedparser, whose DOCTYPE regular
    expressions also take quadratic time on a long blank prolog.
    """
    parser = etree.XMLParser(**XML_PARSER_OPTIONS)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        return None, str(exc)
    errors = parser.error_log.filter_from_errors()
    problem = f"line {errors[0].line}: {errors[0].message}" if errors else None
    if root is None:
        return None, problem or "no XML element"
    etree.strip_tags(root, etree.Entity)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True), problem
