"""The Whoosh search engine (:class:`indexer.search.engine.SearchEngine`): parsed queries
translated to Whoosh and run with the fast paths of :mod:`indexer.search.whoosh.matching`,
over a per-thread cache of open searchers."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.search.engine import FACETS, LazyMatches, Match, Page, newest_first
from indexer.search.engines import IndexWrites
from indexer.search.filters import Filters
from indexer.search.query import HIGHLIGHT_FIELDS, ParsedQuery, QueryError, parse
from indexer.search.whoosh import matching
from indexer.search.whoosh.index import ArchiveIndex
from indexer.search.whoosh.matching import (
    Prepared,
    collect,
    collect_by_date,
    date_docs,
    deadline,
    matching_docs,
    or_too_slow,
)
from indexer.search.whoosh.plans import plan
from indexer.search.whoosh.schema import ANALYSIS, quiet_whoosh_import
from indexer.search.whoosh.translate import filter_queries, translate

with quiet_whoosh_import():
    from whoosh.collectors import TimeLimit
    from whoosh.query import And, AndNot, Every

if TYPE_CHECKING:
    from whoosh.searching import Searcher


OPEN_SEARCHERS = 4  # indexes kept open per thread

_local = threading.local()


def cached_searcher(index_path: str | Path) -> Searcher:
    """Return this thread's searcher of the index, reopened if the index has changed.

    A few recently used indexes stay open (each holds open files)."""
    cache: OrderedDict[str, Searcher] = _local.__dict__.setdefault("searchers", OrderedDict())
    key = str(Path(index_path).resolve())
    searcher = cache.pop(key, None)
    if searcher is not None and not searcher.up_to_date():
        searcher.close()
        searcher = None
    if searcher is None:
        searcher = ArchiveIndex(index_path).searcher()
    cache[key] = searcher
    while len(cache) > OPEN_SEARCHERS:
        cache.popitem(last=False)[1].close()
    return searcher


def prepare(
    searcher: Searcher,
    query: str | ParsedQuery,
    filters: Filters,
    *,
    flags_as_set: bool = False,
) -> Prepared:
    """Translate the query and AND the flags into it; or, with ``flags_as_set`` and words
    in the query, give the documents the flags let through as ``allow``: a search filter
    much cheaper than ANDed queries (and Whoosh's collector lost hits of such ANDs); and
    those a top-level NOT leaves out as ``mask`` (the scores are the same)."""
    parsed = parse(query, ANALYSIS) if isinstance(query, str) else query
    translated = None if parsed.tree is None else translate(parsed.tree, searcher.reader())
    highlight = parsed.highlight | (translated.highlight if translated else set())
    has_words = bool(highlight)
    if flags_as_set and has_words and translated is not None:
        found = translated.query
        sets = [matching_docs(searcher, f) for f in filter_queries(filters, dates=False)]
        if (period := filters.period()) is not None:
            sets.append(date_docs(searcher, *period))
        allow = sorted(sets, key=len)[0].intersection(*sets) if sets else None
        mask = None
        if isinstance(found, AndNot):
            found, mask = found.a, matching_docs(searcher, found.b)
        return Prepared(found, has_words, highlight, allow, mask)
    parts = ([translated.query] if translated else []) + filter_queries(filters)
    final = (parts[0] if len(parts) == 1 else And(parts)) if parts else Every()
    return Prepared(final, has_words, highlight)


class WhooshEngine(IndexWrites):
    """The archive's Whoosh index as a :class:`~indexer.search.engine.SearchEngine`."""

    analysis = ANALYSIS

    def __init__(self, index_path: str | Path):
        """Open (or reuse this thread's) searcher of the index at ``index_path``; raise
        IndexMissingError or IndexCorruptError when it won't open."""
        self.index = ArchiveIndex(index_path)
        self.searcher = cached_searcher(index_path)

    def execute(
        self, query: ParsedQuery, filters: Filters, *, sort: str, limit: int | None, offset: int
    ) -> Page:
        """Return one page of matches, ranked or by date (``limit=None``: every match from
        ``offset`` on, each one's stored fields read only when it is used)."""
        searcher = self.searcher
        prepared = prepare(searcher, query, filters, flags_as_set=True)
        newest = newest_first(sort, prepared.has_words)
        found: Sequence[tuple[int, float | None]] = []  # (document number, score)
        total, partial = 0, False
        wanted = None if limit is None else offset + limit
        if newest is not None:
            found, total, partial = collect_by_date(searcher, prepared, newest, wanted)
        elif prepared.allow is None or prepared.allow:  # (Whoosh ignores an empty filter)
            found, total, partial = collect(
                searcher, prepared, None if wanted is None else max(wanted, 1)
            )
        if limit is None:
            lazy = LazyMatches(found[offset:], lambda hits: [
                Match(searcher.stored_fields(docnum), score) for docnum, score in hits])
            return Page(lazy, total, partial, prepared.highlight)
        page = found[offset : offset + limit] if limit else []
        matches = [Match(searcher.stored_fields(docnum), score) for docnum, score in page]
        return Page(matches, total, partial, prepared.highlight)

    def count(self, query: ParsedQuery, filters: Filters) -> int:
        """Return the number of matches (no scoring): of one or two common words without
        flags, from their posting blocks (:func:`~indexer.search.whoosh.blockmax.matching`)."""
        searcher = self.searcher
        prepared = prepare(searcher, query, filters)
        with or_too_slow():
            if (planned := plan(searcher, prepared.query)) is not None:
                from indexer.search.whoosh.blockmax import matching, worth_masks  # (NumPy)

                found = matching(searcher, planned) if worth_masks(searcher, planned) else None
                if found is not None:
                    return len(found)
            return len(matching_docs(searcher, prepared.query))

    def ids(self, query: ParsedQuery, filters: Filters) -> list[str]:
        """Return the ids of every match, in index order."""
        prepared = prepare(self.searcher, query, filters)
        with or_too_slow():
            docs = sorted(matching_docs(self.searcher, prepared.query))
            return [self.searcher.stored_fields(d)["id"] for d in docs]

    def facet(
        self, query: ParsedQuery, filters: Filters, name: str, limit: int
    ) -> list[tuple[str, int]]:
        """Return (value, matches) pairs of a facet, most frequent (or newest) first."""
        field, _ = FACETS[name]
        prepared = prepare(self.searcher, query, filters)
        reader = self.searcher.reader()
        counts: list[tuple[str, int]] = []
        with or_too_slow():
            docs = matching_docs(self.searcher, prepared.query)
            for term in reader.field_terms(field):
                n = sum(1 for d in reader.postings(field, term).all_ids() if d in docs)
                if n:
                    counts.append((term, n))
        if name in ("year", "month"):
            counts.sort(reverse=True)
        else:
            counts.sort(key=lambda kv: (-kv[1], kv[0]))
        return counts[:limit]

    def more_like(self, article_id: str, text: str | None, limit: int) -> list[Match]:
        """Return the articles most like one (key terms of ``text``, or of its title and
        lead); raise KeyError if the id is not indexed."""
        searcher = self.searcher
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise KeyError(f"article {article_id} is not in the index")
        if text is None:
            stored = searcher.stored_fields(docnum)
            text = f"{stored.get('title', '')}\n{stored.get('lead', '')}"
        with or_too_slow():
            results = searcher.more_like(docnum, "body", text=text, top=limit, numterms=12)
            return [Match(searcher.stored_fields(h.docnum), h.score) for h in results]

    def suggest(self, query: ParsedQuery, filters: Filters) -> str | None:
        """Return the query with unknown words replaced by close indexed words, if that
        finds anything; None otherwise."""
        searcher = self.searcher
        reader = searcher.reader()
        corrector = searcher.corrector("spell")
        replaced = query.text
        for word in sorted(query.words, key=lambda w: -w.start):
            if any(reader.doc_frequency(f, word.form) for f in HIGHLIGHT_FIELDS):
                continue
            fixes = corrector.suggest(word.text.lower(), limit=1, maxdist=2, prefix=1)
            if fixes:
                replaced = replaced[: word.start] + fixes[0] + replaced[word.end :]
        if replaced == query.text:
            return None
        try:
            prepared = prepare(searcher, replaced, filters)
            with deadline(matching.TIME_LIMIT):
                found = any(True for _ in searcher.docs_for_query(prepared.query))
        except (QueryError, TimeLimit):
            return None
        return replaced if found else None

