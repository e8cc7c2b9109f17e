"""Finding and ranking matches fast: set algebra over posting lists, collection visiting
only the matching documents, sorting by date from cached year and month sets, and a time
limit on all of it.

Speed: the flags become a set of allowed documents (dates from cached per-year and
per-month sets, :func:`date_docs`) rather than ANDed queries; counts come from set
algebra over posting lists (:func:`matching_docs`), and exact phrases from their words'
posting blocks (:class:`~indexer.search.whoosh.phrases.FastPhrase`); hits are collected in
one pass without Whoosh's block-quality skipping, which costs more than it saves here,
visiting only the matches the set algebra found, from posting blocks unpickled without the
values (positions) scoring doesn't need (:class:`FastMatching`); a sort by date walks the
cached year and month sets from one end rather than reading the date of every match
(:func:`first_by_date`).

A search stops after :data:`TIME_LIMIT` seconds with the hits found so far (in the main
thread a SIGALRM timer interrupts even a slow match, elsewhere the time is checked
between hits); counts and facets that run out of time raise QueryError.
"""

from __future__ import annotations

import logging
import signal
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from indexer.search.query import QueryError
from indexer.search.whoosh.phrases import DocListMatcher, FastPhrase
from indexer.search.whoosh.plans import plan
from indexer.search.whoosh.postings import fast_leaves, posting_ids
from indexer.search.whoosh.schema import quiet_whoosh_import
from indexer.search.whoosh.translate import date_parts

with quiet_whoosh_import():
    from whoosh.collectors import TimeLimit, TimeLimitCollector
    from whoosh.matching import NullMatcher
    from whoosh.query import And, AndNot, ConstantScoreQuery, Or, Query, Term, WrappingQuery

if TYPE_CHECKING:
    from whoosh.searching import Searcher

logger = logging.getLogger(__name__)

TIME_LIMIT = 1.0  # seconds
EVERY_TIME_LIMIT = 300.0  # seconds: ranking every match (search --jsonl / --format csv)


@dataclass
class Prepared:
    """A query ready to run: the Whoosh query, whether it has words to rank by, the words
    to mark in snippets, and the documents the flags let through and a NOT leaves out."""

    query: Query
    has_words: bool  # text words to rank by; else (fields, dates, NOT only) newest first
    highlight: set[str]
    allow: set[int] | None = None  # only these documents (those the flags let through)
    mask: set[int] | None = None  # never these (those a top-level NOT leaves out)


_date_sets: WeakKeyDictionary[Searcher, OrderedDict[Query, set[int]]] = WeakKeyDictionary()
DATE_SETS = 128  # years, months and day ranges whose documents stay cached per searcher


def period_docs(searcher: Searcher, period: Query) -> set[int]:
    """Return the numbers of the documents matching a ``year``/``month`` term or a day
    range, cached per searcher (the :data:`DATE_SETS` most recently used); don't change
    the set."""
    cache = _date_sets.setdefault(searcher, OrderedDict())
    if period in cache:
        cache.move_to_end(period)
        return cache[period]
    docs = cache[period] = matching_docs(searcher, period)
    while len(cache) > DATE_SETS:
        cache.popitem(last=False)
    return docs


def date_docs(searcher: Searcher, since: date | None, until: date | None) -> set[int]:
    """Return the numbers of the documents published between two days (inclusive), from
    the cached documents of each year, month and edge (see
    :func:`~indexer.search.whoosh.translate.date_parts`)."""
    docs: set[int] = set()
    for part in date_parts(since, until):
        docs |= period_docs(searcher, part)
    return docs


def matching_docs(searcher: Searcher, query: Query) -> set[int]:
    """Return the numbers of the documents matching ``query``: set algebra over posting
    lists for terms, AND, OR and AND NOT (several times faster than Whoosh's matchers),
    Whoosh's own matching for the rest (phrases, numeric ranges, everything)."""
    if isinstance(query, Term):
        docs: set[int] = set()
        for reader, offset in searcher.reader().leaf_readers():
            if (query.fieldname, query.text) in reader:
                ids = posting_ids(reader, query.fieldname, query.text)
                docs.update(map(offset.__add__, ids) if offset else ids)
        return docs
    if isinstance(query, ConstantScoreQuery):
        return matching_docs(searcher, query.child)
    if isinstance(query, And):
        parts = sorted((matching_docs(searcher, q) for q in query.subqueries), key=len)
        return parts[0].intersection(*parts[1:])
    if isinstance(query, Or):
        return set().union(*(matching_docs(searcher, q) for q in query.subqueries))
    if isinstance(query, AndNot):
        return matching_docs(searcher, query.a) - matching_docs(searcher, query.b)
    if isinstance(query, FastPhrase):
        docs = set()
        for reader, offset in searcher.reader().leaf_readers():
            found = query.segment_docs(reader)
            if found is None:
                return set(searcher.docs_for_query(query))
            docs.update(map(offset.__add__, found) if offset else found)
        return docs
    return set(searcher.docs_for_query(query))


def _set_algebra(query: Query) -> bool:
    """Whether :func:`matching_docs` answers ``query`` by set algebra alone (fast)."""
    if isinstance(query, (Term, FastPhrase)):
        return True
    if isinstance(query, ConstantScoreQuery):
        return _set_algebra(query.child)
    if isinstance(query, (And, Or)):
        return all(_set_algebra(q) for q in query.subqueries)
    if isinstance(query, AndNot):
        return _set_algebra(query.a) and _set_algebra(query.b)
    return False


class FastMatching(WrappingQuery):
    """A query matched with fast posting-list leaves and, given its matching
    documents (sorted top-level numbers, from :func:`matching_docs`), visiting only them:
    Whoosh's own matcher tree gives their scores, without walking the documents that
    some sub-query leaves out (an AND's words apart, a NOT, the flags)."""

    def __init__(self, child: Query, searcher: Searcher | None = None, docs: Sequence[int] = ()):
        super().__init__(child)
        self.docs = docs
        self.segments: dict[int, tuple[Any, int]] = {}  # id(segment reader) -> (it, offset)
        if searcher is not None:
            for reader, offset in searcher.reader().leaf_readers():
                self.segments[id(reader)] = (reader, offset)

    def matcher(self, searcher: Searcher, context: Any = None) -> Any:
        """Return the child's matcher, restricted to the documents given if any."""
        postings = searcher.postings

        def fast_postings(fieldname: str, text: Any, weighting: Any = None, qf: int = 1) -> Any:
            return fast_leaves(postings(fieldname, text, weighting=weighting, qf=qf))

        # The leaves get fast from the start: an AND's matcher finds its first match as
        # it is made. (A per-search patch: searchers are per thread, see cached_searcher.)
        searcher.postings = fast_postings
        try:
            m = self.child.matcher(searcher, context)
        finally:
            del searcher.postings
        reader = searcher.reader()
        found = self.segments.get(id(reader))
        if found is None or found[0] is not reader:
            return m
        offset = found[1]
        lo = bisect_left(self.docs, offset)
        hi = bisect_left(self.docs, offset + reader.doc_count_all(), lo)
        if lo == hi or not m.is_active():
            return NullMatcher()
        return DocListMatcher(m, [d - offset for d in self.docs[lo:hi]])


def collect(
    searcher: Searcher, prepared: Prepared, limit: int | None
) -> tuple[list[tuple[int, float | None]], int, bool]:
    """Rank the matches within TIME_LIMIT; return ((document number, score) of the best
    ``limit``, the number of matches, partial). ``limit=None``: every match, ranked
    within EVERY_TIME_LIMIT.

    Whoosh's top-N collector replaces sub-matchers that can no longer beat the N-th score:
    that stops counting their matches (the total comes from the match set when set algebra
    gives it, :func:`matching_docs`), and in deeper trees its replacements can even leave
    out part of a document's score (see :func:`_prunable`), so only one word's title and
    body get replaced; it skips no blocks by quality (which costs more than it saves here).
    Given the match set, the matcher visits only those documents unless it would stop at
    hardly any others (:func:`_walk_all`); either way its posting lists are read the fast
    way (:class:`FastMatching`)."""
    collector = searcher.collector(
        limit=limit, filter=prepared.allow, mask=prepared.mask, optimize=False
    )
    by_sets = _set_algebra(prepared.query)
    if not _prunable(prepared.query):
        top = getattr(collector, "child", collector)  # inside the FilterCollector, if any
        top.replace = 0
    seconds = TIME_LIMIT if limit is not None else EVERY_TIME_LIMIT
    if not _in_main_thread():  # no SIGALRM there: Whoosh checks the time between hits
        collector = TimeLimitCollector(collector, timelimit=seconds, use_alarm=False)
    try:
        with deadline(seconds):
            if (planned := plan(searcher, prepared.query)) is not None:
                from indexer.search.whoosh.blockmax import top_k, worth_bounding  # (NumPy)
                from indexer.search.whoosh.ranking import rank_at_once

                if limit is not None and worth_bounding(searcher, planned):
                    ranked = top_k(searcher, planned, limit, prepared.allow, prepared.mask)
                else:
                    ranked = rank_at_once(searcher, planned, limit, prepared.allow, prepared.mask)
                if ranked is not None:
                    return ranked[0], ranked[1], False
            matched = matching_docs(searcher, prepared.query) if by_sets else None
            docs = None if matched is None else _filtered(matched, prepared)
            if docs is None or _walk_all(prepared.query, len(matched or ()), len(docs)):
                query = FastMatching(prepared.query)
            else:
                query = FastMatching(prepared.query, searcher, sorted(docs))
            searcher.search_with_collector(query, collector)
            results = collector.results()
            total = len(results) if docs is None else len(docs)
            return _scored(results), total, False
    except TimeLimit:
        logger.warning("search stopped after %.1fs: results are partial", seconds)
        try:
            results = collector.results()
            return _scored(results), results.estimated_length(), True
        except AttributeError:  # stopped before the collector had started
            return [], 0, True


def _prunable(query: Query) -> bool:
    """Whether Whoosh's collector may replace the query's sub-matchers as the N-th score
    rises: only for a word, or two ORed (a word's title and body). Its replacements turn an
    OR into an AND-MAYBE, whose ``skip_to`` moves the optional side to the target rather
    than to where the required side lands; a parent AND skipping it so drops that side's
    score from the document (whoosh 2.7.4's AndMaybeMatcher). Walked a document at a time,
    as the collector walks the top matcher, the replacements of two words are exact."""
    subqueries = query.subqueries if isinstance(query, Or) else [query]
    return len(subqueries) <= 2 and all(type(q) is Term for q in subqueries)


def _walk_all(query: Query, matched: int, kept: int) -> bool:
    """Whether the collector had better walk the query's matcher than visit only the
    ``kept`` of its ``matched`` documents the flags and a NOT let through: when words and
    phrases ORed together match wherever their matchers stop, unless most are left out."""
    return _union_only(query) and kept * 4 > matched


def _union_only(query: Query) -> bool:
    if isinstance(query, (Term, FastPhrase)):
        return True
    if isinstance(query, ConstantScoreQuery):
        return _union_only(query.child)
    return isinstance(query, Or) and all(_union_only(q) for q in query.subqueries)


def _matches(searcher: Searcher, prepared: Prepared) -> set[int]:
    """Return the document numbers the prepared query matches, its flags and NOT applied."""
    return _filtered(matching_docs(searcher, prepared.query), prepared)


def _filtered(docs: set[int], prepared: Prepared) -> set[int]:
    """Return the documents of ``docs`` that the flags and a top-level NOT let through."""
    if prepared.allow is not None:
        docs = docs & prepared.allow
    if prepared.mask:
        docs = docs - prepared.mask
    return docs


def _scored(results: Any) -> list[tuple[int, float | None]]:
    return [(hit.docnum, hit.score) for hit in results]


def collect_by_date(
    searcher: Searcher, prepared: Prepared, newest: bool, limit: int | None
) -> tuple[list[tuple[int, None]], int, bool]:
    """Find the matches within TIME_LIMIT; return the first ``limit`` by date (see
    :func:`first_by_date`), the number of matches, and whether time ran out (no hits).
    ``limit=None``: every match, within EVERY_TIME_LIMIT."""
    seconds = TIME_LIMIT if limit is not None else EVERY_TIME_LIMIT
    try:
        with deadline(seconds):
            if (planned := plan(searcher, prepared.query)) is not None:
                from indexer.search.whoosh import blockmax, datesort  # (NumPy)

                found = None
                if blockmax.worth_masks(searcher, planned):
                    found = blockmax.matching(searcher, planned, prepared.allow, prepared.mask)
                if found is not None:
                    wanted = len(found) if limit is None else limit
                    first = datesort.first_by_date(searcher, found, newest=newest, limit=wanted)
                    return [(docnum, None) for docnum in first], len(found), False
            docs = _matches(searcher, prepared)
            wanted = len(docs) if limit is None else limit
            first = first_by_date(searcher, docs, newest=newest, limit=wanted)
            return [(docnum, None) for docnum in first], len(docs), False
    except TimeLimit:
        logger.warning("search stopped after %.1fs: no results", seconds)
        return [], 0, True


_year_lists: WeakKeyDictionary[Searcher, list[str]] = WeakKeyDictionary()


def _years(searcher: Searcher) -> list[str]:
    """Return the years of the searcher's documents, oldest first (cached per searcher)."""
    years = _year_lists.get(searcher)
    if years is None:
        years = _year_lists[searcher] = sorted(searcher.reader().field_terms("year"), key=int)
    return years


def first_by_date(searcher: Searcher, docs: set[int], *, newest: bool, limit: int) -> list[int]:
    """Return the first ``limit`` of the documents ``docs`` newest (or oldest) first, ties
    by document number, undated ones last: Whoosh's sort by ``published``, without
    reading the date of every document.

    The cached per-year sets are walked from the chosen end, and the months of the year
    where ``limit`` is reached; only the documents gathered so get their exact date read."""
    if not docs:  # (an empty index has no date column to read)
        return []
    years = _years(searcher)
    gathered: list[int] = []
    for year in reversed(years) if newest else years:
        in_year = docs & period_docs(searcher, Term("year", year))
        if len(gathered) + len(in_year) >= limit:
            months = [f"{int(year):04d}-{month:02d}" for month in range(1, 13)]
            for month in reversed(months) if newest else months:
                gathered += in_year & period_docs(searcher, Term("month", month))
                if len(gathered) >= limit:
                    break
            break
        gathered += in_year
    dates = searcher.reader().column_reader("published")
    sign = -1 if newest else 1
    first = sorted(gathered, key=lambda docnum: (sign * dates[docnum], docnum))[:limit]
    if len(first) < limit:  # every dated match is in: the undated ones follow
        first += sorted(docs.difference(gathered))[: limit - len(first)]
    return first


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise whoosh's TimeLimit in the block after ``seconds`` (main thread only: SIGALRM;
    elsewhere a no-op). Any previous SIGALRM handler is restored afterwards."""
    if not _in_main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def or_too_slow() -> Iterator[None]:
    """Turn running past TIME_LIMIT into a QueryError."""
    try:
        with deadline(TIME_LIMIT):
            yield
    except TimeLimit:
        raise QueryError(f"the query took over {TIME_LIMIT:g}s: make it narrower") from None
