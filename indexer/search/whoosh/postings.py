"""Posting lists read the fast way (whoosh 2.7.4's W3LeafMatcher blocks).

A block of a posting list is a zlib-compressed pickle (protocol 2) of (document number
deltas, weights, values); protocol 2 pickles each value (bytes) as a call of
_codecs.encode(text, "latin1"), most of the time Whoosh takes to read a block. Scoring and
counting need only the numbers and weights, which come first: they are unpickled alone,
from the start of the data; the values, when needed, with bytes(text, "latin1") called
instead (the same bytes, in half the time).
"""

from __future__ import annotations

import logging
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate
from pickle import loads
from typing import Any

from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching import FilterMatcher, ReadTooFar
    from whoosh.system import _INT_SIZE

logger = logging.getLogger(__name__)

_ENCODE = b"c_codecs\nencode\n"  # the pickle's GLOBAL opcode for _codecs.encode
_BYTES = b"cbuiltins\nbytes\n"  # the same opcode for bytes()
_PREFIX_CHUNK = 2048  # bytes decompressed at a time looking for the values


def load_block(matcher: Any) -> tuple[Any, Any, Any]:
    """Return the (deltas, weights, values) data of a W3LeafMatcher's current block, as
    its ``_read_data`` does, about twice as fast."""
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    return _unpickled(data, matcher._compression)


def _unpickled(data: bytes, compressed: Any) -> tuple[Any, Any, Any]:
    """Return the (deltas, weights, values) of a block's data.

    The numbers and weights can't hold the GLOBAL opcode's bytes (their opcodes are at
    most five bytes apart and are none of its letters), so its first occurrence is the
    values' callable."""
    if compressed:
        data = zlib.decompress(data)
    return loads(data.replace(_ENCODE, _BYTES, 1))


def load_ids_weights(matcher: Any) -> tuple[Any, Any]:
    """Return the (deltas, weights) of a W3LeafMatcher's current block without reading
    its values (see :func:`ids_weights`)."""
    if matcher._fixedsize is not None and matcher._fixedsize >= 0:  # values: None or bytes,
        return load_block(matcher)[:2]  # no tuple to stop at
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    return ids_weights(data, matcher._compression, matcher._blocklength)


def ids_weights(data: bytes, compressed: Any, count: int) -> tuple[Any, Any]:
    """Return the (deltas, weights) of a block's data (of ``count`` postings) without
    reading its values: the pickle up to the values' tuple (its MARK, then the GLOBAL
    opcode), closed as a pair. Falls back to the whole block for any other layout."""
    if compressed:
        inflate = zlib.decompressobj()
        head = inflate.decompress(data, _PREFIX_CHUNK)
        while (at := head.find(_ENCODE)) < 0 and inflate.unconsumed_tail:
            head += inflate.decompress(inflate.unconsumed_tail, _PREFIX_CHUNK)
    else:
        head, at = data, data.find(_ENCODE)
    if at > 0 and head[at - 1] == 0x28:  # MARK
        try:
            pair = loads(head[: at - 1] + b"\x86.")  # TUPLE2, STOP
            if type(pair) is tuple and len(pair) == 2 and len(pair[0]) == count:
                return pair
        except Exception:  # not the expected layout: read it all
            logger.debug("unexpected posting block layout", exc_info=True)
    return _unpickled(data, compressed)[:2]


class _LazyValues:
    """Stands for the values of a block whose numbers and weights alone were read."""


_LAZY = _LazyValues()


class _FastLeafMatcher(W3LeafMatcher):
    """Whoosh's posting-list matcher reading blocks the fast way (:func:`load_block`,
    values only when asked for) and skipping within a block by bisection: the same
    postings, weights, values and scores."""

    _i: int  # (Whoosh's attributes this reads)
    _maxid: int
    _blocklength: int

    def _read_data(self) -> None:
        self._data = (*load_ids_weights(self), _LAZY)

    def _read_values(self) -> None:
        if self._data is None or self._data[2] is _LAZY:
            self._data = load_block(self)
        super()._read_values()

    def skip_to(self, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
            if not self.is_active():
                return
        if self._ids is None:
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i)  # in this block: <= its max
        if self._i == self._blocklength:  # (never, but as Whoosh's next() would)
            self._next_block()


def fast_leaves(matcher: Any) -> Any:
    """Make the plain posting-list matchers in a matcher tree :class:`_FastLeafMatcher`
    objects; return the matcher."""
    stack = [matcher]
    while stack:
        m = stack.pop()
        if type(m) is W3LeafMatcher:
            if not m._byteids:
                m.__class__ = _FastLeafMatcher
        else:
            stack.extend(m.children())
    return matcher


def _unfiltered_postings(reader: Any, fieldname: str, text: Any) -> tuple[Any, frozenset[int]]:
    """Return a term's posting matcher in one segment, without the filter that leaves
    out the segment's deleted documents, and those documents' numbers."""
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):
        child = matcher.child
        child.reset()  # to the first posting again
        return child, matcher._ids
    return matcher, frozenset()


def posting_ids(reader: Any, fieldname: str, text: str) -> Iterable[int]:
    """Return the numbers of one segment's documents holding a term (deleted ones left
    out), read a block at a time: Whoosh's ``all_ids()`` takes several times longer, a
    posting at a time. (This reads the block attributes of whoosh 2.7.4's matcher.)"""
    matcher, deleted = _unfiltered_postings(reader, fieldname, text)
    if not isinstance(matcher, W3LeafMatcher):
        return reader.postings(fieldname, text).all_ids()
    ids: list[int] = []
    while matcher.is_active():  # at the start of a block
        ids += accumulate(load_ids_weights(matcher)[0])  # delta-coded numbers
        matcher._next_block()
    return [docnum for docnum in ids if docnum not in deleted] if deleted else ids


def single_position(value: bytes) -> int:
    """Return the one position of an encoded posting value if it holds a single position
    below 65,536, else -1 (see :func:`decode_positions`)."""
    n = len(value)
    if n == 13 and value[9] == 0x4B and value[11:] == b"a.":  # BININT1
        return value[10]
    if n == 14 and value[9] == 0x4D and value[12:] == b"a.":  # BININT2
        return value[10] | value[11] << 8
    return -1


def decode_positions(value: bytes) -> set[int]:
    """Return the positions of a term in a document from its encoded posting value:
    Whoosh's ``Positions.decode_positions``, several times faster.

    The value is the frequency (4 bytes) and the pickled list of position deltas; a single
    position below 65,536 (most values) is read straight from the pickle's bytes."""
    if (single := single_position(value)) >= 0:  # [4:9] starts the list, [9] is the
        return {single}  # opcode of its one int, then "a." appends it and stops
    pickled = value[_INT_SIZE:]
    return set(accumulate(loads(pickled if pickled.endswith(b".") else pickled + b".")))


def posting_values(
    reader: Any, fieldname: str, text: bytes, within: list[int] | None = None
) -> dict[int, bytes]:
    """Return {document number: encoded posting value} of one segment's documents
    holding a term, deleted ones left out, read a block at a time like
    :func:`posting_ids`. Given ``within`` (sorted document numbers), the blocks holding
    none of them are not read."""
    matcher, deleted = _unfiltered_postings(reader, fieldname, text)
    found: dict[int, bytes] = {}
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids and not matcher._fixedsize:
        i = 0  # within[i] is the first wanted document not before this block
        while matcher.is_active():  # at the start of a block
            if within is not None:
                j = bisect_right(within, matcher._maxid, i)
                if j == i:  # none of them in this block: skip its data
                    matcher._next_block()
                    continue
                i = j
            deltas, _, values = load_block(matcher)
            found.update(zip(accumulate(deltas), values, strict=True))  # delta-coded numbers
            matcher._next_block()
    else:  # postings inlined in the term's entry
        while matcher.is_active():
            found[matcher.id()] = matcher.value()
            matcher.next()
    for docnum in deleted.intersection(found) if deleted else ():
        del found[docnum]
    return found
