"""The engine's private slot (Scrapy 2.19: ``ExecutionEngine._slot``), read in one place.

Its ``inprogress`` set holds a request until its callback's items went through the
pipelines and its requests were queued; ``nextcall`` wakes an idle engine; ``closing`` is
set once the engine begins to close, and ``_maybe_fire_closing()`` lets it finish. Scrapy
offers no public hook for any of them.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.engine import ExecutionEngine


def engine_slot(engine: ExecutionEngine | None) -> Any:
    """The engine's slot (``inprogress``, ``nextcall``, ``closing``), or None before it
    opened (or without an engine)."""
    return getattr(engine, "_slot", None) if engine is not None else None


# Scrapy 2.19: the engine tells no one that it has begun to close (there is no signal
# between CLOSESPIDER_TIMEOUT / SIGTERM and ``spider_closed``), and while closing it waits
# for every request in progress, however long: its downloads, and the spider's handling
# of their responses. crawler.deadline watches the first and bounds the second.


def engine_is_closing(engine: ExecutionEngine) -> bool:
    """True once ``engine`` has begun to close its spider (reads ``engine._slot``)."""
    slot = engine_slot(engine)
    return slot is not None and slot.closing is not None


def release_engine_slot(engine: ExecutionEngine) -> set[Request]:
    """Stop the closing engine waiting for its requests in progress; return them.

    The engine then closes the downloader, lets the scraper finish the items it holds and
    closes the pipelines, as in a normal close. A download still in flight is dropped
    (when it ends, its errback gets an AttributeError from the engine's dropped slot).
    """
    slot = engine_slot(engine)
    if slot is None or slot.closing is None:
        return set()
    left = set(slot.inprogress)
    slot.inprogress.clear()
    slot._maybe_fire_closing()
    return left
