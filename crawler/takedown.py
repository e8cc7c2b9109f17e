"""``delete`` and ``vacuum``: takedowns across store and index, holding the crawl lock.

What a deletion removes and what remembers it is :mod:`indexer.takedown`. Both commands
hold the archive folder's crawl lock, as ``reextract`` does: a crawl running meanwhile
could store again a page it fetched before the deletion. While a crawl runs they fail
at once (StoreError).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crawler.run import CrawlBusyError, crawl_lock
from indexer.layout import DataDir
from indexer.search.engines import open_index
from indexer.search.errors import ArchiveIndexError
from indexer.store import Archive, StoreError


@dataclass
class Deleted:
    """What ``delete`` did: ids deleted now, ids deleted before, keys not found."""

    deleted: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    unindexed: int = 0  # documents removed from the index


def delete_articles(
    data: DataDir,
    keys: Sequence[str] = (),
    *,
    source: str | None = None,
    confirm: Callable[[int], bool] = lambda n: True,
) -> Deleted:
    """Delete the articles ``keys`` name (ids or URLs) and, with ``source``, every article
    of that source (after ``confirm(count)`` agrees), from the store and the index.

    Ids deleted before are taken out of the index again (a deletion the index missed is
    completed); keys that name nothing are reported, not an error here.
    """
    _must_exist(data)
    result = Deleted()
    try:
        with crawl_lock(data.root), Archive(data.archive) as archive:
            ids = _resolve(archive, keys, result)
            if source is not None:
                whole = archive.article_ids(source=source)
                if not confirm(len(whole)):
                    return result
                ids += whole
            result.deleted = archive.delete(ids)
            index = open_index(data.index)
            if index.exists():
                result.unindexed = index.delete(result.deleted + result.already)
    except CrawlBusyError as exc:
        raise StoreError(f"cannot delete now: {exc}") from None
    except ArchiveIndexError as exc:  # the store's part is done (committed)
        raise StoreError(
            f"deleted from the store, not yet from the index ({exc}): "
            "run the same delete again to finish"
        ) from None
    return result


def _resolve(archive: Archive, keys: Sequence[str], result: Deleted) -> list[str]:
    """The ids of the archived articles ``keys`` name; the others go to ``result``."""
    ids = []
    for key in keys:
        article = archive.get(key)
        if article is not None:
            ids.append(article.id)
        elif done := archive.deleted_ids_of(key):
            result.already += done
        else:
            result.unknown.append(key)
    return ids


@dataclass
class Vacuumed:
    """What ``vacuum`` did: the store's size before and after, articles indexed anew."""

    size_before: int
    size_after: int
    indexed: int


def vacuum(data: DataDir) -> Vacuumed:
    """Compact the store (SQLite VACUUM) and build the index anew from it, swapped in
    whole (searches go on meanwhile): no trace of deleted articles stays in either (a
    Whoosh segment keeps a deleted document until it is rewritten)."""
    _must_exist(data)
    try:
        with crawl_lock(data.root), Archive(data.archive) as archive:
            before = _size(data.archive)
            archive.vacuum()
            after = _size(data.archive)
            return Vacuumed(before, after, open_index(data.index).rebuild(archive))
    except CrawlBusyError as exc:
        raise StoreError(f"cannot vacuum now: {exc}") from None


def _must_exist(data: DataDir) -> None:
    if not data.archive.is_file():
        raise StoreError(f"no archive at {data.archive}: run 'crawl' or 'demo' first")


def _size(path: Path) -> int:
    """The store's bytes on disk, its write-ahead log included."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
