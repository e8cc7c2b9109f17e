"""Ranking the matches of a word at once: BM25F over whole posting lists with NumPy.

Whoosh scores a match at a time in Python (a few microseconds each, most of it reading
the document's field length), so a word found in most articles costs about a second per
100,000 articles. For the queries of one word (a term, or the word in title and body
ORed), this module reads each posting list a block at a time (numbers and weights only,
:func:`~indexer.search.whoosh.postings.load_ids_weights`), takes the field lengths of a
whole segment from its length column, and scores every match in one vectorised step with
Whoosh's own formula, in the same order of operations, so that the scores are the very
floats Whoosh gives; ties go to the lower document number, as in Whoosh's collector.
The number of matches is exact (the union of the posting lists, less deleted documents,
the flags and a NOT applied).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import numpy as np

from indexer.search.whoosh.postings import _unfiltered_postings, load_ids_weights
from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
    from whoosh.query import Or, Term
    from whoosh.scoring import BM25F
    from whoosh.util.numeric import byte_to_length

if TYPE_CHECKING:
    from whoosh.searching import Searcher

AT_ONCE_FROM = 500  # postings; CPU per search at 100k articles, matchers vs. at once:
# 500 postings 6.8 vs 5.1 ms, 2,000: 11 vs 4.6, 32,000: 41 vs 16, 101,000: 1,022 vs 73
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_lengths: WeakKeyDictionary[Searcher, dict[tuple[int, str], np.ndarray]] = WeakKeyDictionary()


def word_terms(searcher: Searcher, query: Any) -> list[Term] | None:
    """Return the terms of a one-word query (a term, or two ORed) if it can be ranked at
    once: plain terms of scorable fields under BM25F, with at least :data:`AT_ONCE_FROM`
    postings in all; None otherwise."""
    terms = list(query.subqueries) if isinstance(query, Or) else [query]
    if len(terms) > 2 or any(type(t) is not Term for t in terms):
        return None
    if type(searcher.weighting) is not BM25F:
        return None
    if not all(searcher.schema[t.fieldname].scorable for t in terms):
        return None
    reader = searcher.reader()
    if sum(reader.doc_frequency(t.fieldname, t.text) for t in terms) < AT_ONCE_FROM:
        return None
    return terms


def rank_at_once(
    searcher: Searcher,
    terms: Sequence[Term],
    limit: int | None,
    allow: set[int] | None = None,
    mask: set[int] | None = None,
) -> tuple[list[tuple[int, float | None]], int] | None:
    """Return ((document number, score) of the best ``limit`` matches of the terms
    summed, best first, ties by number; every match with ``limit=None``) and the number
    of matches, only ``allow`` (if given) and never ``mask``; None if a posting list is
    not in the layout this reads."""
    docs: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for reader, offset in searcher.reader().leaf_readers():
        found = _segment_scores(searcher, reader, terms)
        if found is None:
            return None
        if len(found[0]):
            docs.append(found[0] + offset)
            scores.append(found[1])
    if not docs:
        return [], 0
    numbers, score = np.concatenate(docs), np.concatenate(scores)
    keep = _kept(numbers, allow, mask)
    if keep is not None:
        numbers, score = numbers[keep], score[keep]
    total = len(numbers)
    if limit is not None and limit < total:
        # The best ``limit`` scores, with every tie of the last one (ties go by number).
        cut = np.partition(score, total - limit)[total - limit]
        best = score >= cut
        numbers, score = numbers[best], score[best]
    order = np.lexsort((numbers, -score))[:limit]
    return list(zip(numbers[order].tolist(), score[order].tolist(), strict=True)), total


def _segment_scores(
    searcher: Searcher, reader: Any, terms: Sequence[Term]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (document numbers, summed scores) of one segment's matches; None if a
    posting list is not in the layout this reads."""
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for term in terms:
        if (term.fieldname, term.text) not in reader:
            continue
        found = _term_scores(searcher, reader, term)
        if found is None:
            return None
        parts.append(found)
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0)
    if len(parts) == 1:
        return parts[0]
    (first, first_scores), (second, second_scores) = parts
    at = np.minimum(np.searchsorted(second, first), len(second) - 1)
    both = second[at] == first
    summed = second_scores.copy()
    summed[at[both]] = first_scores[both] + second_scores[at[both]]  # Whoosh's order
    return (
        np.concatenate((second, first[~both])),
        np.concatenate((summed, first_scores[~both])),
    )


def _term_scores(
    searcher: Searcher, reader: Any, term: Term
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (document numbers, BM25F scores) of one term's postings in one segment,
    deleted documents left out; None if they are not in W3 posting blocks."""
    matcher, deleted = _unfiltered_postings(reader, term.fieldname, term.text)
    if type(matcher) is not W3LeafMatcher or matcher._byteids:
        return None
    deltas: list[int] = []
    weights: list[float] = []
    lengths: list[int] = []
    while matcher.is_active():  # at the start of a block
        block_deltas, block_weights = load_ids_weights(matcher)
        deltas += block_deltas
        if block_weights is None or isinstance(block_weights, float):
            block_weights = [block_weights or 1.0] * len(block_deltas)
        weights += block_weights
        lengths.append(len(block_deltas))
        matcher._next_block()
    numbers, tf = _absolute(deltas, lengths), np.array(weights, dtype=np.float64)
    if deleted:
        keep = ~np.isin(numbers, _array(deleted))
        numbers, tf = numbers[keep], tf[keep]
    fl = _field_lengths(searcher, reader, term.fieldname)[numbers]
    scorer = searcher.weighting.scorer(searcher, term.fieldname, term.text)
    idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    # whoosh.scoring.bm25, operation for operation (the same floats)
    score = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
    if term.boost != 1.0:
        score = score * term.boost
    return numbers, score


def _absolute(deltas: list[int], lengths: list[int]) -> np.ndarray:
    """Return the document numbers of blocks of delta-coded numbers (each block of
    ``lengths`` coded on its own: its first number is absolute)."""
    summed = np.cumsum(np.array(deltas, dtype=np.int64))
    ends = np.cumsum(lengths)
    before = np.concatenate(([0], summed[ends[:-1] - 1]))  # each block's start, from 0
    return summed - np.repeat(before, lengths)


def _field_lengths(searcher: Searcher, reader: Any, fieldname: str) -> np.ndarray:
    """Return the lengths of a field in every document of a segment, as Whoosh's
    ``doc_field_length`` gives them (cached per searcher and segment)."""
    cache = _lengths.setdefault(searcher, {})
    key = (id(reader), fieldname)
    if key not in cache:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        doccount = reader.doc_count_all()
        raw = np.zeros(doccount, dtype=np.uint8)
        if column is not None:
            count = min(column._count, doccount)
            data = column._dbfile.get(column._basepos, count)
            raw[:count] = np.frombuffer(data, dtype=np.uint8)
        cache[key] = _LENGTHS[raw]
    return cache[key]


def _kept(numbers: np.ndarray, allow: set[int] | None, mask: set[int] | None) -> np.ndarray | None:
    """Return a mask of the documents the flags let through and a NOT does not leave out,
    or None for all of them."""
    keep = None
    if allow is not None:
        keep = np.isin(numbers, _array(allow))
    if mask:
        out = np.isin(numbers, _array(mask))
        keep = ~out if keep is None else keep & ~out
    return keep


def _array(docs: set[int] | frozenset[int]) -> np.ndarray:
    return np.fromiter(docs, dtype=np.int64, count=len(docs))
