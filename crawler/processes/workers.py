"""Extraction off the reactor: a pool of worker processes, one page per task.

Each task runs :func:`extract_page` in a child process with a time limit; a worker
that overruns is killed and replaced, so a pathological page costs one timeout, not
the crawl. Workers are recycled every ``max_tasks`` pages, which also frees
trafilatura's per-page caches.

The crawl runs :func:`process_page` instead: all the per-page work over the tree the
worker parses anyway, so the crawl's main process (the reactor and the store, one core)
does none of it: whether an unlisted page looks like an article (the spider's
classification), the extraction, and the MinHash signature the store groups syndicated
copies by.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from multiprocessing.context import ForkServerContext
from typing import NamedTuple, TypeVar

import numpy as np
from lxml.html import HtmlElement
from parsel import Selector
from pebble import ProcessExpired, ProcessPool

from crawler.extraction.article import extract_with_reason
from crawler.extraction.classify import page_verdict
from crawler.extraction.html_input import decode_html
from crawler.extraction.limits import report_cuts_on_stderr
from crawler.processes.heap import page_done
from crawler.processes.procs import name_process
from indexer import syndication
from indexer.article import Article

logger = logging.getLogger(__name__)

Result = tuple[Article | None, str | None]
T = TypeVar("T")


class PageResult(NamedTuple):
    """What :func:`process_page` found: the article (or why not), its MinHash signature."""

    article: Article | None
    reason: str | None
    signature: np.ndarray | None = None  # syndication.signature(article.text)
    article_page: bool = True  # False: the classification turned the page down (reason)


def forkserver_context() -> ForkServerContext:
    """The context the crawl starts its processes in.

    They fork from a server that has imported the extractor once: no import cost per
    worker, and no fork of the crawler's own threads and reactor.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.processes.worker_preload"])
    return context


def _start_worker() -> None:
    name_process("news-extract")
    report_cuts_on_stderr()


def extract_page(body: bytes, charset: str | None, url: str) -> Result:
    """Extract the article of a response body (runs in a worker).

    ``charset``: what the response's ``Content-Type`` header names, if anything; the body is
    decoded as :func:`~crawler.extraction.article.extract_article` decodes bytes.
    """
    try:
        return extract_with_reason(body, url, http_charset=charset)
    finally:
        page_done()


def process_page(body: bytes, charset: str | None, url: str, classify: bool,
                 not_found: frozenset[int] | None = None) -> PageResult:
    """Extract a crawled page's article and its syndication signature (runs in a worker).

    The page is first judged on the tree extraction parses
    (:func:`~crawler.extraction.classify.page_verdict`): with ``classify``, as a page found
    on the way; without, as one listed as an article (feed, news sitemap, ``--url``). One
    turned down (a soft 404, a listing) comes back with ``article_page`` False and the reason.
    ``not_found``: the text shingles of the site's own 404 page, if known.
    """
    try:
        return _process_page(body, charset, url, classify, not_found)
    finally:
        page_done()


def _process_page(body: bytes, charset: str | None, url: str, classify: bool,
                  not_found: frozenset[int] | None) -> PageResult:
    verdicts: list[str | None] = []

    def accept(tree: HtmlElement) -> str | None:
        verdicts.append(page_verdict(url, Selector(root=tree, type="html"), listed=not classify,
                                     not_found=not_found))
        return verdicts[0]

    article, reason = extract_with_reason(body, url, accept=accept, http_charset=charset)
    if article is None:
        # A page refused before its tree was looked at (too many links...) is judged on a
        # tree of its own, as the spider did: a listing page is no failed article.
        if classify and not verdicts:
            html = decode_html(body, charset)
            verdicts.append(page_verdict(url, Selector(text=html, type="html"), listed=False,
                                         not_found=not_found))
        if verdicts and verdicts[0]:
            return PageResult(None, verdicts[0], None, article_page=False)
        return PageResult(None, reason)
    return PageResult(article, None, syndication.signature(article.text))


class ExtractorPool:
    """A process pool running :func:`extract_page` with a per-page timeout."""

    def __init__(self, workers: int = 0, timeout: float = 30.0, max_tasks: int = 1000) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self.pool = ProcessPool(
            max_workers=self.workers,
            max_tasks=max_tasks,
            initializer=_start_worker,
            context=forkserver_context(),
        )
        # Start the workers now: the first task starts the fork server (seconds on a busy
        # machine, in the caller's thread), which must not stall a crawl's reactor later,
        # with requests in flight (a distributed worker's places on a host expire meanwhile).
        self.pool.schedule(os.getpid)

    async def extract(self, body: bytes, charset: str | None, url: str) -> Result:
        """Extract one page in a worker; a timeout or a dead worker becomes a reason."""
        return await self.schedule_extract(body, charset, url)

    async def process(
        self, body: bytes, charset: str | None, url: str, *, classify: bool = False,
        not_found: frozenset[int] | None = None,
    ) -> PageResult:
        """Run :func:`process_page` in a worker; a timeout or a dead worker becomes a reason."""
        return await self.schedule_process(body, charset, url, classify=classify,
                                           not_found=not_found)

    def schedule_extract(self, body: bytes, charset: str | None, url: str) -> Awaitable[Result]:
        """:meth:`extract`, handed to the pool now (not when first awaited)."""
        return self._run(extract_page, (body, charset, url), lambda why: (None, why))

    def schedule_process(
        self, body: bytes, charset: str | None, url: str, *, classify: bool = False,
        not_found: frozenset[int] | None = None,
    ) -> Awaitable[PageResult]:
        """:meth:`process`, handed to the pool now (not when first awaited)."""
        args = (body, charset, url, classify, not_found)
        return self._run(process_page, args, lambda why: PageResult(None, why))

    def _run(
        self, task: Callable[..., T], args: tuple, failed: Callable[[str], T]
    ) -> Awaitable[T]:
        future = self.pool.schedule(task, args=args, timeout=self.timeout)
        return _outcome(future, self.timeout, failed)

    def close(self) -> None:
        """Let running tasks finish, then stop the workers."""
        self.pool.close()
        self.pool.join()


async def _outcome(future: Future[T], timeout: float, failed: Callable[[str], T]) -> T:
    """The result of a pool task; a timeout or a dead worker becomes ``failed(reason)``."""
    try:
        return await asyncio.wrap_future(future)
    except FutureTimeout:
        return failed(f"extraction took over {timeout:g}s")
    except ProcessExpired as exc:
        return failed(f"extraction worker died ({exc})")
