"""Which searches are ranked at once (:mod:`indexer.search.whoosh.ranking`, NumPy)
rather than by Whoosh's matchers: queries of one or two words with many postings."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.query import And, Or, Term
    from whoosh.scoring import BM25F

if TYPE_CHECKING:
    from whoosh.searching import Searcher

AT_ONCE_FROM = 500  # postings, NumPy loaded; CPU per search at 100k articles, matchers vs. at once:
# 500 postings 6.8 vs 5.1 ms, 2,000: 11 vs 4.6, 32,000: 41 vs 16, 101,000: 1,022 vs 73
AT_ONCE_COLD_FROM = 50_000  # postings, NumPy not loaded yet (importing it takes ~0.1 s)


@dataclass(frozen=True)
class Plan:
    """A query that can be ranked at once: one or two words, ANDed or ORed, each word a
    term or two ORed (the word in title and body). Every score is then a sum of at
    most two sums of two, which come out the same in any order."""

    words: tuple[tuple[Term, ...], ...]
    both: bool  # the words ANDed (else ORed)


def plan(searcher: Searcher, query: Any) -> Plan | None:
    """Return the plan of a query that can be ranked at once: plain terms of scorable
    fields under BM25F, shaped as :class:`Plan` says, with at least :data:`AT_ONCE_FROM`
    postings in all (:data:`AT_ONCE_COLD_FROM` in a process that has not loaded NumPy,
    such as a ``search`` command: importing it costs more than it saves below that);
    None otherwise."""
    if type(searcher.weighting) is not BM25F or getattr(query, "boost", 1.0) != 1.0:
        return None
    both = type(query) is And
    words = [_word(q) for q in query.subqueries] if both else [_word(query)]
    if words == [None] and type(query) is Or:
        words = [_word(q) for q in query.subqueries]  # two words ORed
    if not 0 < len(words) <= 2 or any(w is None for w in words):
        return None
    terms = [t for w in words for t in w or ()]
    if not all(searcher.schema[t.fieldname].scorable for t in terms):
        return None
    least = AT_ONCE_FROM if "numpy" in sys.modules else AT_ONCE_COLD_FROM
    reader = searcher.reader()
    if sum(reader.doc_frequency(t.fieldname, t.text) for t in terms) < least:
        return None
    return Plan(tuple(w for w in words if w), both)


def _word(query: Any) -> tuple[Term, ...] | None:
    """Return the terms of a word: a term, or two terms ORed; None for anything else."""
    terms = query.subqueries if type(query) is Or else [query]
    if len(terms) > 2 or any(type(t) is not Term for t in terms) or query.boost != 1.0:
        return None
    return tuple(terms)
