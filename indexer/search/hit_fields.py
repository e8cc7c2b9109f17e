"""What a hit shows, read from the store beside the index: the tantivy index keeps only
each article's id (:mod:`indexer.search.tantivy.schema`), the store has the rest.

The fields are those of a :class:`~indexer.search.engine.Match`: ``id``, ``url``,
``title``, ``published_iso``, ``source``, ``authors`` and ``agencies`` (display names,
comma-joined), ``lead`` (the description, else the text's start); empty values are left
out. The store is the archive folder's (:class:`indexer.layout.DataDir`: the index's
folder beside ``archive.db``), read through a read-only
:class:`~indexer.search.results.StoreTexts` kept open per thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indexer.layout import DataDir
from indexer.link_tables import LINK_TABLES
from indexer.packed import PackedError, unpack
from indexer.search.results import StoreTexts
from indexer.search.terms import display_names, lead

logger = logging.getLogger(__name__)

OPEN_STORES = 4  # stores kept open per thread
CHUNK = 500  # ids per ``IN (...)`` query
# The warning of hits the store does not hold; its one argument, the count, is also the
# record's ``not_stored`` (a caller adds up those of a stream read in slices)
NOT_STORED = ("hits not in the store (deleted, or a store older than the index): %d:"
              " run `search_cli.py index --rebuild` to bring the index up to date")
_NAMES = tuple(link for link in LINK_TABLES if link.attribute in ("authors", "agencies"))

_local = threading.local()


def read(index_path: str | Path, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Return what a hit shows of each of these articles, by id, from the store beside
    the index at ``index_path``; articles it does not hold are left out (their hits show
    only their ids), with a warning, as are all when there is no store or it cannot be
    read."""
    if not ids:
        return {}
    store = DataDir(Path(index_path).parent).archive
    try:
        texts = _open(store)
        if texts is None:
            logger.warning("hits show only their ids: no store %s beside the index", store)
            return {}
        found = fields_of(texts.conn, ids)
    except sqlite3.Error as exc:
        logger.warning("hits show only their ids: cannot read the store %s (%s)", store, exc)
        return {}
    if missing := len(set(ids) - found.keys()):
        logger.warning(NOT_STORED, missing, extra={"not_stored": missing})
    return found


def _open(store: Path) -> StoreTexts | None:
    """This thread's open reader of ``store`` (None if there is no such file; a file
    put in its place, a restored backup say, is opened anew)."""
    cache: OrderedDict[tuple[Path, int], StoreTexts] = _local.__dict__.setdefault(
        "stores", OrderedDict())
    try:
        key = (store, store.stat().st_ino)
    except OSError:
        return None
    texts = cache.pop(key, None)
    if texts is None:
        texts = StoreTexts(store)
    cache[key] = texts
    while len(cache) > OPEN_STORES:
        cache.popitem(last=False)[1].close()
    return texts


def fields_of(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Return what a hit shows of each of these stored articles, by id (read in one
    snapshot of the store)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        part = list(dict.fromkeys(ids[start : start + CHUNK]))
        marks = ", ".join("?" * len(part))
        conn.execute("BEGIN")
        try:
            names: dict[str, dict[str, list[str]]] = {i: {"authors": [], "agencies": []}
                                                      for i in part}
            for link in _NAMES:
                for article_id, name in conn.execute(
                    f"SELECT l.article_id, n.name FROM {link.link_table} l JOIN {link.table} n"
                    f" ON n.id = l.{link.key} WHERE l.article_id IN ({marks})"
                    " ORDER BY l.article_id, l.position", part,
                ):
                    names[article_id][link.attribute].append(name)
            rows = conn.execute(
                "SELECT id, url, title, published, source, description, text FROM articles"
                f" WHERE id IN ({marks})", part,
            ).fetchall()
        finally:
            conn.rollback()
        for article_id, url, title, published, source, description, text in rows:
            fields = {
                "id": article_id, "url": url, "title": title, "published_iso": published,
                "source": source,
                "authors": ",".join(display_names(names[article_id]["authors"])),
                "agencies": ",".join(display_names(names[article_id]["agencies"])),
                "lead": _lead(description, text),
            }
            found[article_id] = {k: v for k, v in fields.items() if v not in ("", None)}
    return found


def _lead(description: str | bytes | None, text: str | bytes | None) -> str:
    """The description, else the start of the text (nothing for damaged bodies)."""
    try:
        plain = unpack(text)
        return lead(unpack(description, plain), plain)
    except PackedError:
        return ""
