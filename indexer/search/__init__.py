"""Search the archive: a small, safe query language, filters, sorting, snippets.

- :mod:`indexer.search.query`: the query language, parsed into our own query tree;
- :mod:`indexer.search.filters`: the search flags (:class:`Filters`);
- :mod:`indexer.search.engine`: what a full-text engine must do (:class:`SearchEngine`);
- :mod:`indexer.search.whoosh`: the Whoosh engine and index, the only code importing Whoosh;
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
from indexer.search.filters import Filters
from indexer.search.query import QUERY_HELP, QueryError, parse_period
from indexer.search.results import Hit, SearchResult, StoreTexts
from indexer.search.snippets import make_snippet
from indexer.search.whoosh.errors import index_problem
from indexer.search.whoosh.index import ArchiveIndex
from indexer.terminal import clean_for_terminal, render_snippet

__all__ = [
    "FACETS",
    "MAX_LIMIT",
    "QUERY_HELP",
    "SORTS",
    "ArchiveIndex",
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
    "parse_period",
    "render_snippet",
    "search",
    "search_page",
    "similar",
]
