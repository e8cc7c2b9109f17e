"""Each site's own 404 page, fetched once per crawl, to tell its soft 404s by.

Many CMSs answer a page that does not exist (yet) with 200 and their "not found"
template, whose title need not say so ("Oops!", the site's name). Before a site's first
article page goes out, :class:`NotFoundProbeMiddleware` asks the site for a path that
cannot exist (``/news-archive-404-check-<random>``) and keeps the text of its answer;
extraction then turns down a page that is (nearly) that page
(:func:`crawler.extraction.classify.like_not_found`). Such a page is not archived, so a
later crawl fetches its URL again.

A probe that is redirected (to the home page, say), fails, or is refused (robots.txt)
gives nothing to compare with: the site's pages are judged without it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from crawler.extraction.classify import text_shingles
from crawler.scrapy_fixes.downloader import site_of, site_slot

logger = logging.getLogger(__name__)

PROBE_PATH = "/news-archive-404-check-"
PROBE_META = "not_found_probe"


def _shingles(response: Response) -> frozenset[int] | None:
    """The text shingles of a probe's answer, or None if it tells nothing (redirected,
    a server error, not HTML)."""
    if (response.meta.get("redirect_urls") or response.status >= 500
            or not isinstance(response, TextResponse)):
        return None
    return text_shingles(Selector(text=response.text, type="html")) or None


class NotFoundProbeMiddleware:
    """Hold a site's first article request until the site's own 404 page has been fetched.

    Other components find the pages as ``crawler.not_found_pages`` (:meth:`page_of`).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.pages: dict[str, asyncio.Future[frozenset[int] | None]] = {}  # by site
        crawler.not_found_pages = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> NotFoundProbeMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        """Wait for the site's 404 page before its first article candidate goes out."""
        if "identity" not in request.meta or request.meta.get(PROBE_META):
            return
        site = site_slot(request)
        page = self.pages.get(site)
        if page is not None:
            await asyncio.shield(page)
            return
        page = self.pages[site] = asyncio.get_running_loop().create_future()
        result = None
        try:
            result = await self._probe(request)
        finally:  # the site's other requests go on, whatever became of the probe
            page.set_result(result)

    async def _probe(self, request: Request) -> frozenset[int] | None:
        parts = urlparse_cached(request)
        probe = Request(
            f"{parts.scheme}://{parts.netloc}{PROBE_PATH}{secrets.token_hex(6)}",
            meta={PROBE_META: True, "source": request.meta.get("source", "")},
            callback=NO_CALLBACK, dont_filter=True, priority=100,
        )
        engine = self.crawler.engine
        try:
            response = await engine.download_async(probe)
        except Exception as exc:  # a refused or failed probe: no 404 page to compare with
            logger.info("No 404 page for %s (%s): soft 404s by their title only",
                        parts.netloc, type(exc).__name__)
            return None
        page = _shingles(response)
        self.crawler.stats.inc_value("not_found_probe/" + ("kept" if page else "useless"))
        return page

    def page_of(self, url: str) -> frozenset[int] | None:
        """The text shingles of the 404 page of ``url``'s site, if fetched and telling."""
        page = self.pages.get(site_of(url))
        if page is None or not page.done() or page.cancelled():
            return None
        return page.result()


def not_found_page(crawler: Any, url: str) -> frozenset[int] | None:
    """The 404 page of ``url``'s site, as :meth:`NotFoundProbeMiddleware.page_of` has it
    (None when the middleware is off)."""
    pages = getattr(crawler, "not_found_pages", None)
    return pages.page_of(url) if pages is not None else None
