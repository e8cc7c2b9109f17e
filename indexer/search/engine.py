"""The seam between search and the full-text engine: what an engine must do.

:mod:`indexer.search.api` parses a query (:mod:`indexer.search.query`) and hands the
tree to a :class:`SearchEngine`: Whoosh's
(:class:`indexer.search.whoosh.engine.WhooshEngine`, over
:class:`indexer.search.whoosh.index.ArchiveIndex`), the default, or tantivy's
(:class:`indexer.search.tantivy.engine.TantivyEngine`), as the archive records
(:mod:`indexer.search.engines`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar, overload

from indexer.search.filters import Filters
from indexer.search.query import Analysis, ParsedQuery, QueryError

if TYPE_CHECKING:
    from indexer.article import Article
    from indexer.store import Archive

SORTS = ("relevance", "newest", "oldest")
FACETS = {  # facet name -> (index field, several values per article)
    "source": ("source", False),
    "agency": ("agencies", True),
    "author": ("authors", True),
    "tag": ("tag", True),
    "lang": ("lang", False),
    "year": ("year", False),
    "month": ("month", False),
}


class Match(NamedTuple):
    """A matching article: its stored fields (``id``, ``url``, ``title``,
    ``published_iso``, ``source``, ``authors``, ``agencies``, ``lead``) and its score
    (None when sorted by date)."""

    fields: Mapping[str, Any]
    score: float | None


_Found = TypeVar("_Found")


class LazyMatches(Sequence[Match], Generic[_Found]):
    """Matches made from what the engine found (``read`` gives some their stored fields,
    a slice at once) only when they are used, so that every match of a large result can
    be streamed."""

    def __init__(self, found: Sequence[_Found], read: Callable[[Sequence[_Found]], list[Match]]):
        self._found = found
        self._read = read

    def __len__(self) -> int:
        return len(self._found)

    @overload
    def __getitem__(self, index: int) -> Match: ...
    @overload
    def __getitem__(self, index: slice) -> list[Match]: ...
    def __getitem__(self, index: int | slice) -> Match | list[Match]:
        if isinstance(index, slice):
            return self._read(self._found[index])
        return self._read([self._found[index]])[0]


@dataclass
class Page:
    """One page of matches, the number of matches, whether the time limit cut the search
    short, and the index words to mark in snippets (prefixes expanded)."""

    matches: Sequence[Match]
    total: int
    partial: bool = False
    highlight: set[str] = field(default_factory=set)

    @property
    def has_words(self) -> bool:
        """Whether the query had words to rank by (outside a NOT)."""
        return bool(self.highlight)


def newest_first(sort: str, has_words: bool) -> bool | None:
    """Return True to list newest first, False oldest first, None to rank by relevance
    (a query without words to rank by lists newest first)."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if sort == "relevance" and has_words:
        return None
    return sort != "oldest"


class SearchEngine(Protocol):
    """A full-text index of the archive's articles that runs parsed queries.

    Writes (each one committed): :meth:`add`, :meth:`delete`, :meth:`sync` (what the
    store marks pending), :meth:`rebuild`, :meth:`compact`. Reads take a
    :class:`~indexer.search.query.ParsedQuery` (prefixes are expanded by the engine) and
    :class:`~indexer.search.filters.Filters`; they raise QueryError for a query the
    engine can't run (or not within its time limit)."""

    @property
    def analysis(self) -> Analysis:
        """How the engine turns text into index terms (for the query parser)."""
        ...

    def add(self, articles: Iterable[Article]) -> int:
        """Index (or re-index) articles; return how many."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove articles from the index; return how many were there."""
        ...

    def sync(self, archive: Archive) -> int:
        """Index what the store marks pending, committing as it goes; return how many."""
        ...

    def rebuild(self, archive: Archive) -> int:
        """Rebuild the index from the whole store; return how many articles it holds."""
        ...

    def compact(self, archive: Archive | None = None, *, max_docs: int | None = None) -> int:
        """Merge small parts of the index (at most ``max_docs`` documents), searches
        still working; return how many parts were merged."""
        ...

    def execute(
        self, query: ParsedQuery, filters: Filters, *, sort: str, limit: int | None, offset: int
    ) -> Page:
        """Return the page of matches ``offset`` to ``offset + limit``, sorted by ``sort``
        (one of :data:`SORTS`); ``limit=None``: every match from ``offset`` on, read as
        it is used (a longer time limit applies)."""
        ...

    def count(self, query: ParsedQuery, filters: Filters) -> int:
        """Return the number of matches."""
        ...

    def ids(self, query: ParsedQuery, filters: Filters) -> list[str]:
        """Return the ids of every match."""
        ...

    def facet(
        self, query: ParsedQuery, filters: Filters, name: str, limit: int
    ) -> list[tuple[str, int]]:
        """Return (value, matches) of a facet (:data:`FACETS`), most frequent first, or
        newest first for years and months."""
        ...

    def more_like(self, article_id: str, text: str | None, limit: int) -> list[Match]:
        """Return the articles most like one, by the key terms of ``text`` (or of its
        indexed title and lead); raise KeyError if the id is not indexed."""
        ...

    def suggest(self, query: ParsedQuery, filters: Filters) -> str | None:
        """Return the query with unknown words replaced by close indexed words when that
        finds something, else None."""
        ...
