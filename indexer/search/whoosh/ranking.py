"""Ranking the matches of one or two words at once: BM25F over whole posting lists.

Whoosh scores a match at a time in Python (a few microseconds each, most of it reading
the document's field length), so a word found in most articles costs about a second per
100,000 articles. For queries of one or two words (each a term, or the word in title and
body ORed; two words ANDed or ORed: :class:`Plan`), this module reads each posting list
whole as a table of its blocks (numbers and weights only, decoded across blocks at once:
:func:`~indexer.search.whoosh.blocks.block_table`), takes the field lengths of a
whole segment from its length column, and scores every match with NumPy, with Whoosh's
own formula in the same order of operations, so that the scores are the very floats
Whoosh gives; ties go to the lower document number, as in Whoosh's collector. The number
of matches is exact (the posting lists' union or intersection, less deleted documents,
the flags and a NOT applied).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import numpy as np

from indexer.search.whoosh.blocks import block_table
from indexer.search.whoosh.plans import Plan
from indexer.search.whoosh.postings import _unfiltered_postings
from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.query import Term
    from whoosh.util.numeric import byte_to_length

if TYPE_CHECKING:
    from whoosh.searching import Searcher

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_lengths: WeakKeyDictionary[Searcher, dict[tuple[int, str], np.ndarray]] = WeakKeyDictionary()


def rank_at_once(
    searcher: Searcher,
    planned: Plan,
    limit: int | None,
    allow: set[int] | None = None,
    mask: set[int] | None = None,
) -> tuple[list[tuple[int, float | None]], int] | None:
    """Return ((document number, score) of the best ``limit`` matches of a planned query,
    best first, ties by number; every match with ``limit=None``) and the number of
    matches, only ``allow`` (if given) and never ``mask``; None if a posting list is not
    in the layout this reads."""
    docs: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for reader, offset in searcher.reader().leaf_readers():
        words = [_word_scores(searcher, reader, word) for word in planned.words]
        if any(found is None for found in words):
            return None
        found = _combined([w for w in words if w is not None], planned.both)
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


Scored = tuple[np.ndarray, np.ndarray]  # (document numbers, sorted; their scores)
_NONE: Scored = (np.empty(0, dtype=np.int64), np.empty(0))


def _word_scores(searcher: Searcher, reader: Any, word: Sequence[Term]) -> Scored | None:
    """Return one segment's matches of a word and their summed scores; None if a
    posting list is not in the layout this reads."""
    parts: list[Scored] = []
    for term in word:
        if (term.fieldname, term.text) not in reader:
            parts.append(_NONE)
            continue
        found = _term_scores(searcher, reader, term)
        if found is None:
            return None
        parts.append(found)
    return _combined(parts, both=False)


def _combined(parts: Sequence[Scored], both: bool) -> Scored:
    """Return the matches of one or two parts ANDed (``both``) or ORed, scores summed."""
    if len(parts) == 1:
        return parts[0]
    (first, first_scores), (second, second_scores) = parts
    if both:
        common, i, j = np.intersect1d(first, second, assume_unique=True, return_indices=True)
        return common, first_scores[i] + second_scores[j]
    if not len(first) or not len(second):
        return (first, first_scores) if len(first) else (second, second_scores)
    at = np.minimum(np.searchsorted(second, first), len(second) - 1)
    in_second = second[at] == first
    summed = second_scores.copy()
    summed[at[in_second]] += first_scores[in_second]
    numbers = np.concatenate((second, first[~in_second]))
    order = np.argsort(numbers, kind="stable")
    return numbers[order], np.concatenate((summed, first_scores[~in_second]))[order]


def _term_scores(
    searcher: Searcher, reader: Any, term: Term
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (document numbers, BM25F scores) of one term's postings in one segment,
    deleted documents left out; None if they are not in W3 posting blocks."""
    matcher, deleted = _unfiltered_postings(reader, term.fieldname, term.text)
    table = block_table(matcher)
    if table is None:
        return None
    numbers, tf = table.postings(range(len(table)))
    if deleted:
        keep = ~np.isin(numbers, _array(deleted))
        numbers, tf = numbers[keep], tf[keep]
    fl = field_lengths(searcher, reader, term.fieldname)[numbers]
    scorer = searcher.weighting.scorer(searcher, term.fieldname, term.text)
    return numbers, bm25(scorer, tf, fl, term.boost)


def bm25(scorer: Any, tf: np.ndarray, fl: np.ndarray, boost: float) -> np.ndarray:
    """Return the BM25F scores of postings of weights ``tf`` in fields of lengths ``fl``:
    whoosh.scoring.bm25, operation for operation (the same floats). A higher weight
    never scores less in the same field: weights are term frequencies (times the field's
    boost), too far apart for rounding to reorder their scores."""
    idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    score = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
    return score * boost if boost != 1.0 else score


def field_lengths(searcher: Searcher, reader: Any, fieldname: str) -> np.ndarray:
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
