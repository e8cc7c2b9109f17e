"""Which full-text engine an archive uses, and the one place that opens its index for
writing (:func:`open_index`; :func:`indexer.search.api.open_engine` is the one for
searching).

The choice is recorded in the index folder: a file :data:`RECORD` naming the engine
(``whoosh`` or ``tantivy``). An index folder without it is a Whoosh index (every archive
made before there was a choice, and every new one: Whoosh is the default). A record
naming no known engine, or one that can't be read, is an error (EngineRecordError), never
a silent Whoosh. The Whoosh index's files are in the folder itself, tantivy's in the
subfolder :data:`TANTIVY_DIR`.

``index --rebuild --engine NAME`` changes it: the new engine's rebuild builds its index
holding the folder's write lock (:mod:`indexer.search.locking`), then records itself
(an atomic rename) and removes the other engine's files (:func:`claim`). A writer opened
before the change (the crawl's index writer) finds the record changed when it next takes
the lock and gets EngineChangedError, a kind of IndexLockedError: it opens the index
again and retries, so no article is left out of the index in use.

The record is read and written by :mod:`indexer.search.engine_record`, which imports no
engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from indexer.search.engine_record import (
    DEFAULT_ENGINE,
    ENGINES,
    RECORD,
    TANTIVY_DIR,
    check_engine,
    claim,
    engine_of,
)

if TYPE_CHECKING:
    from indexer.article import Article
    from indexer.store import Archive

__all__ = [
    "COMPACT_MAX_DOCS",
    "DEFAULT_ENGINE",
    "ENGINES",
    "RECORD",
    "TANTIVY_DIR",
    "IndexWriter",
    "IndexWrites",
    "check_engine",
    "claim",
    "engine_of",
    "open_index",
]

COMPACT_MAX_DOCS = 20_000  # documents a compaction merges at most (index --compact, crawls)



class IndexWriter(Protocol):
    """What the writers of an archive's index (crawl, import, upkeep) use of it:
    :class:`~indexer.search.whoosh.index.ArchiveIndex` or
    :class:`~indexer.search.tantivy.writing.TantivyIndex`."""

    path: Path

    def exists(self) -> bool:
        """Return True if an index (possibly damaged) exists at the path."""
        ...

    def add(self, articles: Iterable[Article], *, retired: Iterable[str] = ()) -> int:
        """Add or replace articles in one commit; return how many."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Delete articles by id; return how many were indexed."""
        ...

    def sync(self, archive: Archive) -> int:
        """Index everything pending in the store; return how many."""
        ...

    def rebuild(self, archive: Archive) -> int:
        """Rebuild the index from the store (recording this engine); return how many."""
        ...

    def compact(self, archive: Archive | None = None, *, max_docs: int | None = None) -> int:
        """Merge small segments; return how many were merged."""
        ...

    def open_or_rebuild(self, archive: Archive) -> bool:
        """Rebuild a missing or damaged index; return True if it did."""
        ...

    def segment_count(self) -> int:
        """Return the number of segments of the index."""
        ...

    def doc_count(self) -> int:
        """Return the number of documents in the index."""
        ...


class IndexWrites:
    """The writes of a :class:`~indexer.search.engine.SearchEngine`, made by its index
    (``self.index``, an :class:`IndexWriter`)."""

    index: IndexWriter

    def add(self, articles: Iterable[Article]) -> int:
        """Index (or re-index) articles in one commit; return how many."""
        return self.index.add(articles)

    def delete(self, ids: Iterable[str]) -> int:
        """Remove articles in one commit; return how many were there."""
        return self.index.delete(ids)

    def sync(self, archive: Archive) -> int:
        """Index what the store marks pending; return how many."""
        return self.index.sync(archive)

    def rebuild(self, archive: Archive) -> int:
        """Rebuild the index from the store; return how many articles it holds."""
        return self.index.rebuild(archive)

    def compact(self, archive: Archive | None = None, *, max_docs: int | None = None) -> int:
        """Merge small segments; return how many were merged."""
        return self.index.compact(archive, max_docs=max_docs)


def open_index(
    index_path: str | os.PathLike[str],
    *,
    engine: str | None = None,
    lock_timeout: float | None = None,
) -> IndexWriter:
    """Return the writer of the archive's index at ``index_path``: of its recorded engine,
    or of ``engine`` (for a rebuild that changes it). Only that engine is imported."""
    name = check_engine(engine) if engine is not None else engine_of(index_path)
    if name == "tantivy":
        from indexer.search.tantivy.writing import TantivyIndex

        return TantivyIndex(index_path, lock_timeout=lock_timeout)
    from indexer.search.whoosh.index import ArchiveIndex

    return ArchiveIndex(index_path, lock_timeout=lock_timeout)
