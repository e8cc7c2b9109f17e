"""Bulk work in batches, extraction overlapped with the rest (``import-warc``, ``reextract``).

The worker pool extracts one batch while this process stores the batch before it and
reads the next one, so the workers never wait for the store or the reader: with a batch
at a time, every core but one sat idle while a batch was read and stored, and all but
one while its slowest page finished. At most two batches are in memory at once; the heap
they freed is handed back after each batch stored (:func:`~crawler.processes.heap.trim_heap`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from crawler.processes.heap import trim_heap

B = TypeVar("B")
R = TypeVar("R")

IDLE_SECONDS = 1.0  # while a batch is extracted, ``idle`` is called this often


async def overlapped(
    batches: Iterable[B],
    extract: Callable[[B], Awaitable[R]],
    store: Callable[[B, R], object],
    idle: Callable[[], object] | None = None,
) -> None:
    """For each batch, ``store(batch, await extract(batch))``, in order; the next batch is
    taken from ``batches`` and handed to ``extract`` before the current one is stored.
    While a batch to store is still being extracted, ``idle`` is called every
    :data:`IDLE_SECONDS` (the store commits a transaction that is due meanwhile, so that a
    slow page does not hold the write lock).

    ``extract`` must hand its work to the pool when its task first runs (before its first
    real wait), as :class:`~crawler.processes.workers.ExtractorPool` does.
    """
    pending: tuple[B, asyncio.Future[R]] | None = None
    for batch in batches:
        task = asyncio.ensure_future(extract(batch))
        await asyncio.sleep(0)  # the task's first step: its pages go to the pool now
        if pending is not None:
            store(pending[0], await _finished(pending[1], idle))
            pending = None
            trim_heap()
        pending = (batch, task)
    if pending is not None:
        store(pending[0], await _finished(pending[1], idle))


async def _finished(task: asyncio.Future[R], idle: Callable[[], object] | None) -> R:
    """Return the task's result, calling ``idle`` every :data:`IDLE_SECONDS` until then."""
    while idle is not None and not (await asyncio.wait({task}, timeout=IDLE_SECONDS))[0]:
        idle()
    return await task
