"""What a search returns: hits and results; where snippets read article texts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from indexer.packed import unpack
from indexer.readonly import connect_readonly
from indexer.schema_version import SCHEMA_VERSION, NewerArchiveError, newer_archive
from indexer.terminal import Span, render_snippet


@dataclass
class Hit:
    """One search result; ``snippet`` is a list of (text, is_match) spans."""

    id: str
    url: str
    title: str
    published: str | None
    source: str
    authors: list[str]
    agencies: list[str]
    score: float | None
    snippet: list[Span] = field(default_factory=list)
    lead: str = field(default="", repr=False)  # snippet source without a store

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON form (the snippet as plain text)."""
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "source": self.source,
            "authors": self.authors,
            "agencies": self.agencies,
            "score": self.score,
            "snippet": render_snippet(self.snippet, color=False),
        }


@dataclass
class SearchResult:
    """The hits of one page, the total number of matches, and a "did you mean" query."""

    total: int
    hits: list[Hit]
    suggestion: str | None = None
    partial: bool = False  # the time limit stopped the search early


class HitStream(NamedTuple):
    """Every hit of a search, read as it is iterated; the total is known at once."""

    total: int
    partial: bool  # the time limit stopped the ranking early
    hits: Iterator[Hit]


class ArticleText(NamedTuple):
    """An article's id and text."""

    id: str
    text: str


class TextSource(Protocol):
    """Where snippets read article texts: an :class:`indexer.store.Archive` or
    :class:`StoreTexts`."""

    def get_many(self, ids: list[str]) -> Sequence[Any]:
        """Return the stored articles with these ids (objects with ``id`` and ``text``)."""
        ...


class StoreTexts:
    """Article texts read straight from the store's SQLite file, read-only, for snippets.

    The ``search`` command uses this rather than :class:`indexer.store.Archive`, whose
    imports (sqlite-utils, NumPy) take about 0.3 s: most of what a search waits for."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0):
        """Open the store file at ``path`` read-only (as immutable on a read-only mount:
        :func:`~indexer.readonly.connect_readonly`); raise NewerArchiveError for one
        written by a newer version of this tool (whose rows it may not read)."""
        self.conn = connect_readonly(Path(path), timeout)
        if self.conn.execute("PRAGMA user_version").fetchone()[0] > SCHEMA_VERSION:
            self.conn.close()
            raise NewerArchiveError(newer_archive(path))

    def get_many(self, ids: list[str]) -> list[ArticleText]:
        """Return the (id, text) of the stored articles with these ids, in any order."""
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", ids)
        return [ArticleText(i, unpack(text)) for i, text in rows]

    def source_names(self) -> list[str]:
        """Return the names of the sources the store holds articles of, sorted."""
        return [r[0] for r in self.conn.execute("SELECT name FROM sources ORDER BY name")]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> StoreTexts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
