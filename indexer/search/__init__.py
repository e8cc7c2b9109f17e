"""Search the archive: a small, safe query language, filters, sorting, snippets.

- :mod:`indexer.search.query`: the query language, parsed into our own query tree;
- :mod:`indexer.search.filters`: the search flags (:class:`Filters`);
- :mod:`indexer.search.engine`: what a full-text engine must do (:class:`SearchEngine`);
- :mod:`indexer.search.engines`: which engine an archive uses; :func:`open_index`, its writer;
- :mod:`indexer.search.whoosh`: the Whoosh engine and index (:class:`ArchiveIndex`), the
  default, and the only code importing Whoosh's index (:mod:`indexer.search.terms` takes
  its stemmer and accent map);
- :mod:`indexer.search.tantivy`: the tantivy engine and index;
- :mod:`indexer.search.api`: :func:`search`, :func:`every_hit`, :func:`count`, :func:`facets`,
  :func:`similar`, :func:`matching_ids`;
- :mod:`indexer.search.snippets` and :mod:`indexer.search.results`: what a search returns.
"""

from indexer.search.api import (
    MAX_LIMIT,
    count,
    every_hit,
    facets,
    matching_ids,
    search,
    search_page,
    similar,
)
from indexer.search.engine import FACETS, SORTS, SearchEngine
from indexer.search.engines import ENGINES, open_index
from indexer.search.errors import ArchiveIndexError, index_problem
from indexer.search.filters import Filters
from indexer.search.query import QUERY_HELP, QueryError, parse_period
from indexer.search.results import Hit, SearchResult, StoreTexts
from indexer.search.snippets import make_snippet
from indexer.terminal import clean_for_terminal, render_snippet

__all__ = [
    "ENGINES",
    "FACETS",
    "MAX_LIMIT",
    "QUERY_HELP",
    "SORTS",
    "ArchiveIndex",
    "ArchiveIndexError",
    "Filters",
    "Hit",
    "QueryError",
    "SearchEngine",
    "SearchResult",
    "StoreTexts",
    "clean_for_terminal",
    "count",
    "every_hit",
    "facets",
    "index_problem",
    "make_snippet",
    "matching_ids",
    "open_index",
    "parse_period",
    "render_snippet",
    "search",
    "search_page",
    "similar",
]


def __getattr__(name: str) -> object:
    """Import :class:`ArchiveIndex` (and Whoosh) only when it is asked for."""
    if name == "ArchiveIndex":
        from indexer.search.whoosh.index import ArchiveIndex

        return ArchiveIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
