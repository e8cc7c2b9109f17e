"""What the crawl tells the index writer process, and what the writer answers.

Apart from :mod:`crawler.processes.indexing` (the crawl's side) and
:mod:`crawler.processes.index_loop` (the writer's), which both import it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What the writer's last sync did: articles indexed, or why it could not."""

    indexed: int = 0
    locked: str | None = None  # another process held the write lock: rows stay pending
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the sync ran to the end."""
        return self.locked is None and self.error is None


@dataclass(frozen=True)
class WriterConfig:
    """Where the store and the index are, and how the writer paces itself."""

    archive_path: str
    index_path: str
    lock_timeout: float = 30.0
    interval: float = 5.0  # seconds between syncs during the crawl
    niceness: int = 10  # added to the writer's nice value: the crawl comes first
    compact_at: int = 30  # segments that make the last sync merge small ones (0: never)
    compact_max_docs: int | None = None  # documents such a merge takes at most (None: the
    # index's own limit, COMPACT_MAX_DOCS)
    log_level: int = logging.WARNING
