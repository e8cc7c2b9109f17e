"""Exact phrases found by set algebra over posting blocks (:class:`FastPhrase`)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from indexer.search.whoosh.postings import decode_positions, posting_values, single_position
from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.formats import Positions
    from whoosh.matching import IntersectionMatcher, NullMatcher, WrappingMatcher
    from whoosh.query import Phrase, Query, Term
    from whoosh.util import make_binary_tree

if TYPE_CHECKING:
    from whoosh.searching import Searcher


class FastPhrase(Phrase):
    """Whoosh's exact phrase (the words at consecutive positions), found the fast way.

    Whoosh walks the intersection of the words' posting lists a document at a time and
    reads the positions of every document holding all the words: most of a phrase
    search (up to 0.2 s for two words in thousands of the same articles at 100k). Here
    each segment's posting lists are read a block at a time, their document numbers
    intersected as sets, and only the positions of the documents in that intersection
    read (:func:`phrase_docs`). The matcher then visits only the phrase's documents and
    scores them as Whoosh does: the sum of the words' scores, in the same matcher tree.
    The documents of each segment are computed once per query object (by
    :func:`matching_docs` for the count and again by the matcher otherwise)."""

    def __init__(self, fieldname: str, words: list[str], **kwargs: Any):
        super().__init__(fieldname, words, **kwargs)
        self._docs: dict[int, tuple[Any, list[int]]] = {}  # id(segment reader) -> docs

    def normalize(self) -> Query:
        """Whoosh's normalisation, keeping the documents already found."""
        q = super().normalize()
        if isinstance(q, FastPhrase):
            q._docs = self._docs
        return q

    def segment_docs(self, reader: Any) -> list[int] | None:
        """Return the sorted numbers of one segment's documents holding the phrase, or
        None if the phrase can't be matched this way (then Whoosh's matcher is used)."""
        if not reader.is_atomic() or self.slop != 1 or self.fieldname not in reader.schema:
            return None
        field = reader.schema[self.fieldname]
        if type(field.format) is not Positions:  # (subclasses encode more than positions)
            return None
        cached = self._docs.get(id(reader))
        if cached is not None and cached[0] is reader:
            return cached[1]
        try:
            words = [field.to_bytes(word) for word in self.words]
        except ValueError:
            docs: list[int] = []
        else:
            docs = phrase_docs(reader, self.fieldname, words)
        self._docs[id(reader)] = (reader, docs)  # the reader is kept: its id stays taken
        return docs

    def matcher(self, searcher: Searcher, context: Any = None) -> Any:
        """Return a matcher over the phrase's documents scoring like Whoosh's."""
        docs = self.segment_docs(searcher.reader())
        if docs is None:
            return super().matcher(searcher, context)
        if not docs:
            return NullMatcher()
        field = searcher.schema[self.fieldname]
        words = [field.to_bytes(word) for word in self.words]
        # Whoosh's phrase matcher scores by this tree of the words' matchers.
        terms = [Term(self.fieldname, word).matcher(searcher, context) for word in words]
        m = DocListMatcher(make_binary_tree(IntersectionMatcher, terms), docs)
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def phrase_docs(reader: Any, fieldname: str, words: list[bytes]) -> list[int]:
    """Return the sorted numbers of one segment's (not deleted) documents where ``words``
    occur at consecutive positions (Whoosh's ``Phrase`` with the default slop of 1)."""
    if any((fieldname, word) not in reader for word in words):
        return []
    rarest_first = sorted(set(words), key=lambda w: reader.doc_frequency(fieldname, w))
    values: dict[bytes, dict[int, bytes]] = {}
    candidates: list[int] | None = None  # sorted: in every word's postings read so far
    for word in rarest_first:
        found = values[word] = posting_values(reader, fieldname, word, candidates)
        candidates = sorted(found) if candidates is None else [d for d in candidates if d in found]
        if not candidates:
            return []
    assert candidates is not None
    first, rest = values[words[0]], [(i, values[w]) for i, w in enumerate(words[1:], 1)]
    if len(rest) == 1:  # two words: the common case, faster
        second = rest[0][1]
        docs = []
        for d in candidates:
            a, b = first[d], second[d]
            # A single position below 65,536 (see decode_positions), read from the bytes.
            if (pa := single_position(a)) >= 0 and (pb := single_position(b)) >= 0:
                if pb == pa + 1:
                    docs.append(d)
            elif not decode_positions(a).isdisjoint([p - 1 for p in decode_positions(b)]):
                docs.append(d)
        return docs
    docs = []
    for docnum in candidates:
        starts = decode_positions(first[docnum])
        for i, found in rest:
            starts.intersection_update([pos - i for pos in decode_positions(found[docnum])])
            if not starts:
                break
        else:
            docs.append(docnum)
    return docs


class DocListMatcher(WrappingMatcher):
    """Visits only the given documents (sorted, all matched by ``child``) of a matcher,
    which gives their scores."""

    def __init__(self, child: Any, docs: list[int], i: int = 0):
        super().__init__(child)
        self._docs = docs
        self._i = i
        self._settle()

    def _settle(self) -> None:
        if self._i < len(self._docs) and self.child.is_active():
            self.child.skip_to(self._docs[self._i])

    def copy(self) -> DocListMatcher:
        return DocListMatcher(self.child.copy(), self._docs, self._i)

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else NullMatcher()

    def reset(self) -> None:
        self.child.reset()
        self._i = 0
        self._settle()

    def is_active(self) -> bool:
        return self._i < len(self._docs)

    def id(self) -> int:
        return self._docs[self._i]

    def all_ids(self) -> Iterator[int]:
        return iter(self._docs[self._i :])

    def next(self) -> bool:
        self._i += 1
        self._settle()
        return False

    def skip_to(self, id: int) -> None:
        if self.is_active() and id > self._docs[self._i]:
            self._i = bisect_left(self._docs, id, self._i)
            self._settle()

    def supports_block_quality(self) -> bool:
        return False

    def spans(self) -> list[Any]:
        return []
