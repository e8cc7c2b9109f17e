"""Extraction off the reactor: a pool of worker processes, one page per task.

Each task runs :func:`extract_page` in a child process with a time limit; a worker
that overruns is killed and replaced, so a pathological page costs one timeout, not
the crawl. Workers are recycled every ``max_tasks`` pages, which also frees
trafilatura's per-page caches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from concurrent.futures import TimeoutError as FutureTimeout
from multiprocessing.context import ForkServerContext
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from crawler.extract import extract_with_reason
from indexer.article import Article

logger = logging.getLogger(__name__)

Result = tuple[Article | None, str | None]


def forkserver_context() -> ForkServerContext:
    """The context the crawl starts its processes in.

    They fork from a server that has imported the extractor once: no import cost per
    worker, and no fork of the crawler's own threads and reactor.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.worker_preload"])
    return context


def name_process(name: str) -> None:
    """Show ``name`` for this process in ps and top (Linux; elsewhere nothing)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(name[:15], encoding="ascii")


def _start_worker() -> None:
    name_process("news-extract")


def extract_page(body: bytes, encoding: str | None, url: str) -> Result:
    """Decode a response body and extract its article (runs in a worker)."""
    html = body.decode(encoding or "utf-8", errors="replace")
    return extract_with_reason(html, url)


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

    async def extract(self, body: bytes, encoding: str | None, url: str) -> Result:
        """Extract one page in a worker; a timeout or a dead worker becomes a reason."""
        future = self.pool.schedule(extract_page, args=(body, encoding, url), timeout=self.timeout)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            return None, f"extraction took over {self.timeout:g}s"
        except ProcessExpired as exc:
            return None, f"extraction worker died ({exc})"

    def close(self) -> None:
        """Let running tasks finish, then stop the workers."""
        self.pool.close()
        self.pool.join()
