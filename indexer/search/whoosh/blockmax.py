"""The best k matches of one or two words (a :class:`~indexer.search.whoosh.plans.Plan`)
without scoring every match: MaxScore over the posting lists' blocks.

A word is found in the title or the body; a common word's body postings are most of
the query's. Such a list (a word's largest, in many blocks and most documents: see
:data:`BOUNDED_SHARE`; :func:`worth_bounding` tells when one is) is *bounded*:
each of its documents gets an upper bound of its score, BM25F of the highest weight of
its block (the blocks' headers, :mod:`indexer.search.whoosh.blocks`) in the document's
own field length (the segment's length column). The other lists are scored whole. A
document's bound is then its exact score for the scored lists plus its bounds for the
bounded ones; the documents are taken in order of bound, more at each round, their
bounded blocks decoded (which makes every document of those blocks exact), until the
k-th best score found beats every bound left, or equals it with a lower document number:
no document left can enter the top k, ties going to the lower number as in Whoosh's
collector. The scores are :func:`~indexer.search.whoosh.ranking.bm25`'s, the very floats
Whoosh gives, and the bounds are computed with the same operations in the same order
on a weight at least as high in the same length, so they hold for floats too.

The number of matches stays exact: the document numbers of every block (no weights;
blocks that fill their range are not read at all) make a boolean mask per segment,
combined as the plan says, less deleted documents, the flags and a NOT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.search.whoosh.blocks import BLOCK, BlockTable, block_table
from indexer.search.whoosh.plans import Plan
from indexer.search.whoosh.postings import _unfiltered_postings
from indexer.search.whoosh.ranking import bm25, field_lengths

if TYPE_CHECKING:
    from whoosh.query import Term
    from whoosh.searching import Searcher

MASKS_FROM = 1 / 32  # postings per document from which matches are found as masks: CPU at
# 100k, sorted by date, masks / sets: a word in 1.2% of the articles 3.2 / 2.1 ms, 3.8%
# 3.9 / 5.3, 51% 10.8 / 36.6
FIRST_ROUND = 16  # documents taken by bound in the first round; each round takes twice as many
BOUNDED_FROM = 64  # blocks: a word's largest list is bounded from this many blocks on,
BOUNDED_SHARE = 0.75  # if it is in this share of the segment's documents. CPU at 100k,
# bounded / ranked at once: a word in every article 22 / 35 ms; in 57% of them 30 / 22
# (its blocks' bounds hardly differ: most get decoded anyway)


@dataclass
class _Term:
    """One term's posting list in one segment: scored whole, or bounded (its blocks
    decoded as documents call for them)."""

    table: BlockTable
    lengths: np.ndarray  # the field's length in every document of the segment
    scorer: Any
    boost: float
    bounded: bool
    scores: np.ndarray  # per document: its score where known (0 where it has no posting)
    known: np.ndarray  # per document: whether its score is known
    decoded: set[int] = field(default_factory=set)

    def decode(self, blocks: Sequence[int]) -> None:
        """Score the postings of some blocks (at once: NumPy's calls cost more than
        their arithmetic on a block)."""
        table = self.table
        ids, tf = table.postings(blocks)
        self.scores[ids] = bm25(self.scorer, tf, self.lengths[ids], self.boost)
        for block in blocks:
            self.decoded.add(block)
            self.known[int(table.first[block]) : int(table.last[block]) + 1] = True

    def mark(self, found: np.ndarray) -> None:
        """Set ``found`` (a mask of the segment's documents) where the term is."""
        if self.bounded:
            self.table.mark(found)
        else:  # every block scored
            found |= self.scores > 0  # (BM25F is above 0 wherever the term is)

    def bounds(self) -> np.ndarray:
        """Return an upper bound of every document's score: BM25F of its block's highest
        weight in its own field length (0 after the last block)."""
        table = self.table
        end = int(table.last[-1]) + 1
        weights = np.repeat(table.max_weight, table.last - table.first + 1)
        found = np.zeros(len(self.scores))
        found[:end] = bm25(self.scorer, weights, self.lengths[:end], self.boost)
        return found


@dataclass
class _Top:
    """The best matches found so far (global document numbers), best first."""

    limit: int
    docs: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.empty(0))

    def add(self, docs: np.ndarray, scores: np.ndarray) -> None:
        docs, scores = np.concatenate((self.docs, docs)), np.concatenate((self.scores, scores))
        best = np.lexsort((docs, -scores))[: self.limit]
        self.docs, self.scores = docs[best], scores[best]

    def beats(self, bound: float, first: int) -> bool:
        """Whether no document of score ``bound`` or less, numbered ``first`` or more,
        can enter."""
        if len(self.docs) < self.limit:
            return False
        last = self.scores[-1]
        return bound < last or (bound == last and first > self.docs[-1])


def top_k(
    searcher: Searcher,
    planned: Plan,
    limit: int,
    allow: set[int] | None = None,
    mask: set[int] | None = None,
) -> tuple[list[tuple[int, float | None]], int] | None:
    """Return ((document number, score) of the best ``limit`` matches of a planned query,
    best first, ties by number) and the number of matches, only ``allow`` (if given)
    and never ``mask``; None if a posting list is not in the layout this reads."""
    allowed = None if allow is None else _array(allow)
    masked = None if not mask else _array(mask)
    top = _Top(limit)
    total = 0
    for reader, offset in searcher.reader().leaf_readers():
        words = [_terms(searcher, reader, word) for word in planned.words]
        if any(word is None for word in words):
            return None
        terms = [word for word in words if word is not None]
        matches = _matches(reader, offset, terms, planned.both, allowed, masked)
        total += int(np.count_nonzero(matches))
        _rank(terms, matches, offset, top)
    return list(zip(top.docs.tolist(), top.scores.tolist(), strict=True)), total


def matching(
    searcher: Searcher, planned: Plan, allow: set[int] | None = None, mask: set[int] | None = None
) -> np.ndarray | None:
    """Return the sorted numbers of the documents a planned query matches, only ``allow``
    (if given) and never ``mask``; None if a posting list is not in W3 blocks."""
    allowed = None if allow is None else _array(allow)
    masked = None if not mask else _array(mask)
    found = []
    for reader, offset in searcher.reader().leaf_readers():
        words: list[list[BlockTable]] = []
        for word in planned.words:
            tables = []
            for term in word:
                if (term.fieldname, term.text) in reader:
                    matcher, _ = _unfiltered_postings(reader, term.fieldname, term.text)
                    if (table := block_table(matcher)) is None:
                        return None
                    tables.append(table)
            words.append(tables)
        matches = _matches(reader, offset, words, planned.both, allowed, masked)
        found.append(np.flatnonzero(matches) + offset)
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def worth_masks(searcher: Searcher, planned: Plan) -> bool:
    """Whether the query's postings are :data:`MASKS_FROM` of the documents or more, so
    that :func:`matching`'s masks of every document cost less than sets of the matches."""
    reader = searcher.reader()
    postings = sum(reader.doc_frequency(t.fieldname, t.text) for w in planned.words for t in w)
    return postings >= MASKS_FROM * reader.doc_count_all()


def worth_bounding(searcher: Searcher, planned: Plan) -> bool:
    """Whether a term of the query is in :data:`BOUNDED_SHARE` of the documents, in
    :data:`BOUNDED_FROM` blocks or more (else the query is best ranked at once)."""
    reader = searcher.reader()
    least = max(BOUNDED_SHARE * reader.doc_count_all(), BOUNDED_FROM * BLOCK)
    terms = (t for word in planned.words for t in word)
    return any(reader.doc_frequency(t.fieldname, t.text) >= least for t in terms)


def _terms(searcher: Searcher, reader: Any, word: Sequence[Term]) -> list[_Term] | None:
    """Return a word's terms in a segment, its largest list bounded if it has
    :data:`BOUNDED_FROM` blocks and :data:`BOUNDED_SHARE` of the documents; None if a
    list is not in W3 blocks."""
    tables = []
    for term in word:
        if (term.fieldname, term.text) not in reader:
            continue
        matcher, _ = _unfiltered_postings(reader, term.fieldname, term.text)
        table = block_table(matcher)
        if table is None or term.boost <= 0:
            return None
        tables.append((term, table))
    largest = max((int(t.count.sum()) for _, t in tables), default=0)
    size = reader.doc_count_all()
    terms = []
    for term, table in tables:
        postings = int(table.count.sum())
        bounded = postings == largest and len(table) >= BOUNDED_FROM
        bounded = bounded and postings >= BOUNDED_SHARE * size
        largest = largest if not bounded else -1  # (one bounded list per word)
        found = _Term(
            table,
            field_lengths(searcher, reader, term.fieldname),
            searcher.weighting.scorer(searcher, term.fieldname, term.text),
            term.boost,
            bounded,
            np.zeros(size),
            np.zeros(size, dtype=bool),
        )
        found.known[int(table.last[-1]) + 1 :] = True
        if not bounded:
            found.decode(range(len(table)))
        terms.append(found)
    return terms


def _matches(
    reader: Any,
    offset: int,
    words: Sequence[Sequence[_Term | BlockTable]],
    both: bool,
    allowed: np.ndarray | None,
    masked: np.ndarray | None,
) -> np.ndarray:
    """Return the mask of a segment's matching documents (each word's terms or posting
    lists mark where they are)."""
    size = reader.doc_count_all()
    matches: np.ndarray | None = None
    for word in words:
        present = np.zeros(size, dtype=bool)
        for term in word:
            term.mark(present)
        matches = present if matches is None else (matches & present if both else matches | present)
    assert matches is not None
    matches[_array(frozenset(reader._perdoc.deleted_docs()))] = False  # as postings() does
    if allowed is not None:
        matches &= _local(allowed, offset, size)
    if masked is not None:
        matches &= ~_local(masked, offset, size)
    return matches


def _rank(words: list[list[_Term]], matches: np.ndarray, offset: int, top: _Top) -> None:
    """Add a segment's best matches to ``top``."""
    bounded = [t for word in words for t in word if t.bounded]
    known = np.ones(len(matches), dtype=bool)
    for term in bounded:
        known &= term.known
    ready = np.flatnonzero(matches & known)
    top.add(ready + offset, _summed(words, ready, exact=True))
    if not bounded:
        return
    left = np.where(matches & ~known, _summed(words, None, exact=False), -np.inf)
    taken = FIRST_ROUND
    while True:
        most = left[int(np.argmax(left))]
        if most == -np.inf or top.beats(most, _first_at(left, most) + offset):
            return
        if taken < len(left):
            picked = np.argpartition(-left, taken)[:taken]
            picked = picked[left[picked] > -np.inf]
        else:
            picked = np.flatnonzero(left > -np.inf)
        taken *= 2
        fresh = np.zeros(len(left), dtype=bool)
        for term in bounded:
            wanted = set(np.searchsorted(term.table.last, picked).tolist())
            blocks = [b for b in wanted.difference(term.decoded) if b < len(term.table)]
            term.decode(blocks)
            for block in blocks:
                fresh[int(term.table.first[block]) : int(term.table.last[block]) + 1] = True
        fresh &= left > -np.inf
        for term in bounded:
            fresh &= term.known
        docs = np.flatnonzero(fresh)
        if not len(docs):  # (never: a picked document's blocks were all decoded before)
            left[picked] = -np.inf
            continue
        top.add(docs + offset, _summed(words, docs, exact=True))
        left[docs] = -np.inf


def _first_at(values: np.ndarray, value: float) -> int:
    """Return the first index where ``values`` holds ``value``."""
    return int(np.flatnonzero(values == value)[0])


def _summed(words: list[list[_Term]], docs: np.ndarray | None, *, exact: bool) -> np.ndarray:
    """Return the scores (``exact``) or the bounds of documents (all with None), summed
    as :mod:`~indexer.search.whoosh.ranking` sums them: a word's terms, then
    the words (0 for a missing posting adds nothing: x + 0.0 is x)."""
    total = None
    for word in words:
        summed = None
        for term in word:
            part = term.scores if exact or not term.bounded else term.bounds()
            part = part if docs is None else part[docs]
            summed = part if summed is None else summed + part
        if summed is None:
            continue
        total = summed if total is None else total + summed
    if total is None:
        return np.zeros(0 if docs is None else len(docs))
    return total


def _local(docs: np.ndarray, offset: int, size: int) -> np.ndarray:
    """Return a segment's mask of the (top-level) document numbers ``docs``."""
    inside = docs[(docs >= offset) & (docs < offset + size)] - offset
    found = np.zeros(size, dtype=bool)
    found[inside] = True
    return found


def _array(docs: set[int] | frozenset[int]) -> np.ndarray:
    return np.fromiter(docs, dtype=np.int64, count=len(docs))
