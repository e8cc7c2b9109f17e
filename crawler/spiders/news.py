"""The ``news`` spider: finds article pages through feeds, sitemaps and links.

It only navigates. What it yields (:class:`~crawler.items.PageItem` for pages that
may be articles, :class:`~crawler.items.FailureItem` for requests that failed
for good) goes to the pipelines, which extract and store. Whether a page found on the
way looks like an article (:mod:`crawler.extraction.classify`) is checked in the extraction
worker, on the tree it parses anyway.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import cache
from pathlib import Path
from posixpath import splitext
from typing import Any, TypeVar, cast
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import scrapy
from lxml import etree, html
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from scrapy.utils.response import get_base_url
from twisted.python.failure import Failure
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

from crawler.extraction.html_input import header_charset
from crawler.items import NOT_ARTICLE_URL, FailureItem, PageItem, reason_key
from crawler.listings import FEED_ROOTS, SITEMAP_ROOTS, Listing, read_listing
from crawler.middlewares import Refused
from crawler.sources import Source, adhoc_source, load_sources
from indexer.store import Archive, StoreError
from indexer.urls import normalize_url, request_url, strip_www, too_long

logger = logging.getLogger(__name__)

# Pages the site or the user lists: articles unless strong evidence says otherwise
# (crawler.extraction.classify.page_verdict); pages found by links must look like one.
TRUSTED_VIA = frozenset({"feed", "news-sitemap", "sitemap", "url"})
SKIPPED_EXTENSIONS = frozenset(f".{e}" for e in IGNORED_EXTENSIONS)


_T = TypeVar("_T")


def _split_arg(value: str | Iterable[_T] | None) -> list[str] | list[_T]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


class NewsSpider(scrapy.Spider):
    """Crawl the configured news sources and ad hoc article URLs, each within its budget.

    A source's page requests stop at its ``max_pages``; a page gives at most LINKS_PER_PAGE
    new links; a sitemap index is followed one sitemap at a time, newest first, while the
    budget lasts. Each site is a download slot, and the scheduler interleaves the sources.
    Once the crawl closes (``closing``, set by :mod:`crawler.deadline`), nothing new is asked.
    """

    name = "news"
    closing = False
    given_up: frozenset[scrapy.Request] | set[scrapy.Request] = frozenset()  # crawler.deadline

    def __init__(
        self,
        sources: str | list[Source] | None = None,
        urls: str | Iterable[str | Source] | None = None,
        only: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(sources, str):
            sources = load_sources(sources, _split_arg(only))
        self.sources: list[Source] = list(sources or [])
        self.adhoc: list[Source] = [  # an ad hoc URL on a source's host goes under its name
            u if isinstance(u, Source) else adhoc_source(u, self.sources) for u in _split_arg(urls)
        ]
        self.by_name: dict[str, Source] = {s.name: s for s in self.adhoc}
        self.by_name.update({s.name: s for s in self.sources})
        self.taken: Counter[str] = Counter()  # page requests made, per source
        self.asked: defaultdict[str, set[str]] = defaultdict(set)  # their identity URLs
        self._archive: Archive | None = None
        self._unreachable: set[str] = set()  # hosts already reported as not answering

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        """Create the spider and listen for parsed robots.txt files (their Sitemap lines)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider.spider_closed, signal=signals.spider_closed)
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
            owner = next((s for s in self.sources if s.allows(url)), None)
            if owner and (req := self._follow(owner, url, depth=owner.depth, via="retry")):
                yield req

    def _failed_before(self) -> list[str]:
        """URLs that failed in earlier crawls for a passing reason, to try again (capped).

        Read from the archive, or by the function RETRY_FAILED_FROM names (a dotted path:
        ``f(settings) -> list[str]``), e.g. a distributed crawl's, from Redis.
        """
        if reader := self.settings.get("RETRY_FAILED_FROM"):
            return list(load_object(reader)(self.settings))
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
        identity: str | None = None,
    ) -> scrapy.Request:
        """Build a request for ``url`` as given (no fragment; no session id in a link found
        on a page; the host in the source's ``www.`` form); article candidates carry their
        identity URL.

        The download slot is the site (crawler.scrapy_fixes.downloader); the scheduler
        lets the sources on one site take turns.
        """
        meta: dict[str, Any] = {"source": src.name}
        if article:
            meta["identity"] = identity or normalize_url(url)
        found = via == "link" and depth > 0  # a link on a page: where session-id traps are
        url = self._on_source_host(src, request_url(url, found=found))
        cb_kwargs: dict[str, Any] = {"source": src.name}
        if callback == self.parse_page:
            cb_kwargs.update(depth=depth, via=via)
        else:  # feeds and sitemaps may hold what the protocol allows
            meta["download_maxsize"] = self.settings.getint("SITEMAP_MAXSIZE")
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

    def budget_left(self, src: Source) -> int:
        """Page requests ``src`` may still make in this crawl (0 once it is closing)."""
        return 0 if self.closing else max(0, src.max_pages - self.taken[src.name])

    def _over_budget(self, src: Source, count: int) -> None:
        """Count ``count`` pages found but not asked for: the budget (or the close) came first."""
        if count <= 0:
            return
        key = "closing" if self.closing else "over_budget"
        self.crawler.stats.inc_value(f"source/{src.name}/{key}", count)
        self.crawler.stats.inc_value(f"pages/{key}", count)

    def _known(self, identity: str) -> bool:
        """True when the archive holds this identity URL (read-only look-up)."""
        if self._archive is None:
            path = self.settings.get("ARCHIVE_PATH")
            if not path or not Path(path).is_file():
                return False
            try:
                self._archive = Archive(path, readonly=True)
            except StoreError:
                return False
        return self._archive.has_url(identity)

    def _follow(self, src: Source, url: str, *, depth: int, via: str) -> scrapy.Request | None:
        """A request for a page found on the way, or None: off the source, asked for
        already, archived already (unless the source revisits), or over the budget."""
        if not src.allows(url):
            return None
        if too_long(url):
            logger.info("Refused a URL of %d characters (over 2,000): %.200s...", len(url), url)
            self.crawler.stats.inc_value("archive/url_too_long")
            return None
        identity = normalize_url(url)
        asked = self.asked[src.name]
        if identity in asked:
            return None
        if not src.revisit_days and self._known(identity):
            self.crawler.stats.inc_value("archive/skipped_known")
            return None
        if not self.budget_left(src):
            self._over_budget(src, 1)
            return None
        asked.add(identity)
        self.taken[src.name] += 1
        if self.taken[src.name] == src.max_pages:
            logger.warning("Source %s: page budget of %d used up (max_pages)",
                           src.name, src.max_pages)
        return self._request(src, url, self.parse_page, depth=depth, via=via, article=True,
                             identity=identity)

    def _read(self, response: Response, source: str, kind: str,
              roots: frozenset[str]) -> Iterator[FailureItem | Listing]:
        """Read a feed or sitemap lazily; yield its failure record if broken, then it."""
        listing = read_listing(
            response.body,
            max_entries=self.settings.getint("SITEMAP_MAX_ENTRIES"),
            max_size=self.settings.getint("SITEMAP_MAXSIZE"),
            roots=roots,
        )
        if listing.problem:
            yield self._broken(response, source, kind, listing.problem, len(listing.entries))
        if listing.dropped:
            logger.warning("%s %s: %d entries past the first %d not read", kind.capitalize(),
                           response.url, listing.dropped, len(listing.entries))
            self.crawler.stats.inc_value(f"source/{source}/entries_not_read", listing.dropped)
        yield listing

    def _take(self, src: Source, base: str, entries: list[Any], *, depth: int,
              via: Any) -> Iterator[scrapy.Request]:
        """Requests for the entries' pages, while the budget lasts."""
        for i, entry in enumerate(entries):
            if not self.budget_left(src):
                self._over_budget(src, len(entries) - i)
                return
            kind = via(entry) if callable(via) else via
            if req := self._follow(src, urljoin(base, entry.url), depth=depth, via=kind):
                yield req

    def parse_feed(
        self, response: Response, source: str
    ) -> Iterator[scrapy.Request | FailureItem]:
        """Follow the entries of an RSS or Atom feed, in order; a broken feed is read as
        far as it goes."""
        src = self.by_name[source]
        for result in self._read(response, source, "feed", FEED_ROOTS):
            if isinstance(result, Listing):
                yield from self._take(src, response.url, result.entries, depth=0, via="feed")
            else:
                yield result

    def parse_sitemap(
        self, response: Response, source: str
    ) -> Iterator[scrapy.Request | FailureItem]:
        """Follow a sitemap index to its sitemaps, and a urlset to its pages, newest first.

        A gzip body is inflated up to SITEMAP_MAXSIZE; a broken sitemap is read as far as
        it goes. The sitemaps of an index wait their turn: the next is asked for once this
        one is read, while the source's budget lasts. Those still waiting travel with the
        request (``sitemaps_after``), so any worker of a distributed crawl goes on.
        """
        src = self.by_name[source]
        waiting: list[str] = list(response.meta.get("sitemaps_after", ()))
        for result in self._read(response, source, "sitemap", SITEMAP_ROOTS):
            if not isinstance(result, Listing):
                yield result
            elif result.is_index:
                locs = (urljoin(response.url, e.url) for e in result.newest_first())
                waiting[:0] = [loc for loc in locs if src.allows(loc)]
            else:
                yield from self._take(
                    src, response.url, result.newest_first(), depth=src.depth,
                    via=lambda e: "news-sitemap" if e.news else "sitemap")
        if req := self._next_sitemap(src, waiting):
            yield req

    def _next_sitemap(self, src: Source, waiting: list[str]) -> scrapy.Request | None:
        """A request for the first of the ``waiting`` sitemaps, carrying the others;
        None when there are none or the source's budget is used up."""
        if waiting and not self.budget_left(src):
            logger.info("Source %s: %d sitemaps not read (budget used up or closing)",
                        src.name, len(waiting))
            self.crawler.stats.inc_value(f"source/{src.name}/sitemaps_not_read", len(waiting))
            return None
        if not waiting:
            return None
        request = self._request(src, waiting[0], self.parse_sitemap)
        request.meta["sitemaps_after"] = waiting[1:]
        return request

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
        the way that no rule or trusted list vouches for go with ``classify`` set. Links
        are read one at a time, up to LINKS_PER_PAGE new ones and the source's budget.
        """
        if not isinstance(response, TextResponse):
            self._not_stored(response.url, "not HTML")
            return
        src = self.by_name[source]
        # the rules see the URL without tracking or session parameters (its identity)
        verdict = src.matches_article(response.meta.get("identity") or response.url)
        if verdict is False:
            self._not_stored(response.url, NOT_ARTICLE_URL)
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
        if not src.follow or depth >= src.depth or not self.budget_left(src):
            return
        limit, taken = self.settings.getint("LINKS_PER_PAGE"), 0
        for url in page_links(response):
            if taken >= limit or not self.budget_left(src):
                self.crawler.stats.inc_value("pages/link_cap_reached")
                return
            if req := self._follow(src, url, depth=depth + 1, via="link"):
                taken += 1
                yield req

    def _not_stored(self, url: str, reason: str) -> None:
        """Count and log a fetched page that goes to no pipeline: nothing is dropped silently."""
        logger.info("Not stored (%s): %s", reason, url)
        self.crawler.stats.inc_value("archive/not_article")
        self.crawler.stats.inc_value(f"archive/not_stored/{reason_key(reason)}")

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Schedule the sitemaps a robots.txt names (signal handler); an ad hoc ``--url``
        source is that one page, not its site's sitemaps."""
        src = self.source_for(request)
        if src is None or src.name not in {s.name for s in self.sources}:
            return
        if self.crawler.engine is None or not self.budget_left(src):
            return
        for loc in getattr(getattr(robotparser, "rp", None), "sitemaps", ()):
            if src.allows(loc):
                self.crawler.engine.crawl(self._request(src, loc, self.parse_sitemap))

    def spider_closed(self, spider: Any) -> None:
        """Close the archive look-ups (signal handler)."""
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def on_error(self, failure: Failure) -> Iterator[FailureItem | scrapy.Request]:
        """Log and record a request that failed for good (a sitemap: go on with the next).

        A request the crawler refused (off the source, robots.txt, already archived) is
        no failure, unless a redirect led to it: then the redirecting URL failed.
        """
        request = failure.request  # type: ignore[attr-defined]
        if request in self.given_up:  # counted once, by crawler.deadline
            return
        src = self.source_for(request)
        if (src is not None and request.callback == self.parse_sitemap
                and (req := self._next_sitemap(src, request.meta.get("sitemaps_after", [])))):
            yield req
        yield from self._failure(failure, request)

    def _failure(self, failure: Failure, request: scrapy.Request) -> Iterator[FailureItem]:
        url, status = request.url, None
        if failure.check(Refused):
            redirects = request.meta.get("redirect_urls")
            if not redirects:
                return
            url, error = redirects[-1], f"redirected to a refused URL: {failure.getErrorMessage()}"
        elif failure.check(HttpError):
            response = cast(HttpError, failure.value).response
            status, error = response.status, f"HTTP {response.status}"
            location = response.headers.get("Location")
            if location and 300 <= response.status < 400:
                error += f", redirect to {location.decode('latin-1')} not followed"
        else:
            error = _failure_reason(failure)
        # a dead link (404, 410) is an everyday thing, not worth a warning in cron mail;
        # a host that does not answer is worth one, not one per URL
        host = urlsplit(url).netloc
        unreachable = failure.check(DownloadConnectionRefusedError, CannotResolveHostError)
        quiet = status in (404, 410) or (unreachable and host in self._unreachable)
        if unreachable:
            self._unreachable.add(host)
        level = logging.INFO if quiet else logging.WARNING
        logger.log(level, "Failed %s: %s", url, error)
        source = request.meta.get("source", "")
        yield FailureItem(url=url, source=source, error=error, status=status)


def _failure_reason(failure: Failure) -> str:
    """A one-line reason for a download failure, unwrapping Twisted's lists of failures."""
    exc = cast(BaseException, failure.value)  # a Failure always holds its exception
    name = type(exc).__name__
    if isinstance(exc, ResponseDataLossError):
        return "truncated body: the connection closed before Content-Length bytes came"
    if reasons := getattr(exc.__cause__, "reasons", None):
        return f"{name}: " + "; ".join(r.getErrorMessage() or r.type.__name__ for r in reasons)
    if isinstance(exc, DownloadCancelledError) and not str(exc):
        return f"{name}: body over the download size limit"
    return f"{name}: {exc}" if str(exc) else name


def page_links(response: TextResponse) -> Iterator[str]:
    """The absolute URLs of a page's links, once each, files and unreadable hrefs left out.

    The parser hands each tag to :class:`_LinkTarget` and builds no tree: a tree of a page
    of 20,000 links took some 20 MB of the C heap, several were alive at once (the spider's
    output is consumed lazily) and the heap did not shrink back after them.
    """
    base = get_base_url(response)
    seen: set[str] = set()
    parser, target = _link_parser(response.encoding)
    target.hrefs = []
    hrefs: list[str] = etree.fromstring(response.body, parser) if response.body else []
    for href in hrefs:
        try:
            url = urldefrag(urljoin(base, safe_url_string(strip_html5_whitespace(href),
                                                          encoding=response.encoding)))[0]
        except ValueError:  # not a URL (a port of words...): the page's other links stand
            continue
        if url in seen:
            continue
        seen.add(url)
        if splitext(urlsplit(url).path)[1].lower() not in SKIPPED_EXTENSIONS:
            yield url


@cache
def _link_parser(encoding: str) -> tuple[html.HTMLParser, _LinkTarget]:
    """The link parser of an encoding and its target, made once and reused (one thread).

    lxml keeps a parser with a target in a reference cycle with its context, so a parser
    made per page held its libxml2 buffers (about the page's size) until the next full
    garbage collection: on a link trap the crawl process grew by some 60 MB in 30 s.
    """
    target = _LinkTarget()
    return html.HTMLParser(encoding=encoding, target=target), target


class _LinkTarget:
    """An lxml parser target: the ``href`` of each ``<a>`` and ``<area>``, in page order."""

    def __init__(self) -> None:
        self.hrefs: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        """Note a link's ``href`` (a parser event)."""
        if tag in ("a", "area") and (href := attrib.get("href")):
            self.hrefs.append(href)

    def close(self) -> list[str]:
        """The hrefs read (the parse's result)."""
        return self.hrefs
