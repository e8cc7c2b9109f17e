"""A posting list as a table of its blocks (whoosh 2.7.4's W3 layout), read at once.

A W3 posting list is a chain of blocks, each an int (its length, negative for the last)
and a pickled header (postings, last document number, highest weight, compression,
shortest and longest field length as bytes) before its data. Here the whole list is
read in one call and its headers unpickled from the bytes, so that a list's blocks,
their document ranges and highest weights cost a few microseconds each, without
decompressing anything. (The field lengths in the headers are 0 in our indexes: the
bounds of :mod:`indexer.search.whoosh.blockmax` take them from the length column.)

The document numbers of a block come from the start of its data: a block whose
postings fill its range of numbers needs no reading at all; the others are
decompressed only as far as their delta-coded numbers, read as bytes when every delta is
below 256 (pickled as one-byte ints), unpickled otherwise.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np

from indexer.search.whoosh.postings import ids_weights
from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.codec.whoosh3 import W3LeafMatcher

BLOCK = 128  # postings per block (Whoosh's default)
_HEAD = b"\x80\x02("  # PROTO 2, MARK: the start of a pickled header or of a block's data
_TUPLE = 0x74
_K, _M, _J = 0x4B, 0x4D, 0x4A  # BININT1, BININT2, BININT
_INT = struct.Struct("!i")
_ONE = b"G" + struct.pack(">d", 1.0)  # a pickled 1.0


@dataclass
class BlockTable:
    """The blocks of one term's posting list in one segment."""

    data: bytes  # the whole posting list
    first: np.ndarray  # each block's lowest possible document number (previous last + 1)
    last: np.ndarray  # each block's last document number
    count: np.ndarray  # postings per block
    max_weight: np.ndarray  # each block's highest weight
    start: list[int]  # where each block's data starts in ``data``
    end: list[int]  # and ends
    compressed: list[bool]

    def __len__(self) -> int:
        return len(self.start)

    def dense(self) -> np.ndarray:
        """Which blocks hold every document number of their range."""
        return self.count == self.last - self.first + 1

    def postings(
        self, blocks: Iterable[int], *, weights: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the document numbers and weights (with ``weights``; else an empty
        array) of the postings of some blocks, by number if the blocks ascend.

        Blocks in the usual layout are decompressed as far as needed and their bytes
        joined, to be read by NumPy all at once; the others are unpickled."""
        firsts: list[int] = []
        deltas: list[bytes] = []
        sizes: list[int] = []
        floats: list[bytes] = []
        others: list[tuple[np.ndarray, np.ndarray]] = []
        for block in blocks:
            count = int(self.count[block])
            raw = self._raw(block, len(_HEAD) + (16 + 11 * count if weights else 5 + 2 * count))
            found = _byte_deltas(raw, count)
            packed = _packed_weights(raw, found[2] + 1, count) if found and weights else b""
            if found is None or packed is None:
                others.append(self._unpickled(block))
                continue
            firsts.append(found[0])
            deltas.append(found[1])
            sizes.append(count)
            floats.append(packed)
        ids = [_absolute(firsts, deltas, sizes)] if sizes else []
        tf = [_floats(b"".join(floats))] if sizes and weights else []
        ids += [found[0] for found in others]
        tf += [found[1] for found in others] if weights else []
        numbers = np.concatenate(ids) if ids else np.empty(0, dtype=np.int64)
        values = np.concatenate(tf) if tf else np.empty(0)
        if sizes and others:  # both kinds: back in order
            order = np.argsort(numbers)
            return numbers[order], values[order] if weights else values
        return numbers, values

    def mark(self, found: np.ndarray) -> None:
        """Set ``found`` (a mask of the segment's documents) at every posting's number."""
        dense = self.dense()
        first, last = self.first.tolist(), self.last.tolist()
        for block in np.flatnonzero(dense).tolist():
            found[first[block] : last[block] + 1] = True
        found[self.postings(np.flatnonzero(~dense).tolist(), weights=False)[0]] = True

    def _raw(self, block: int, size: int) -> bytes:
        """Return the first ``size`` bytes of a block's data, decompressed."""
        start = self.start[block]
        if self.compressed[block]:
            return zlib.decompressobj().decompress(self.data[start : self.end[block]], size)
        return self.data[start : start + size]

    def _unpickled(self, block: int) -> tuple[np.ndarray, np.ndarray]:
        data = self.data[self.start[block] : self.end[block]]
        deltas, weights = ids_weights(data, self.compressed[block], int(self.count[block]))
        ids = np.fromiter(accumulate(deltas), dtype=np.int64, count=len(deltas))
        if weights is None or isinstance(weights, float):
            return ids, np.full(len(ids), weights or 1.0)
        return ids, np.array(weights, dtype=np.float64)


def _absolute(firsts: list[int], deltas: list[bytes], sizes: list[int]) -> np.ndarray:
    """Return the document numbers of blocks from their first numbers and their other
    one-byte deltas."""
    coded = np.frombuffer(b"\x00" + b"\x00".join(deltas), dtype=np.uint8).astype(np.int64)
    counts = np.array(sizes)
    ends = np.cumsum(counts)
    coded[ends - counts] = firsts
    summed = np.cumsum(coded)
    before = np.concatenate(([0], summed[ends[:-1] - 1]))  # each block's start, from 0
    return summed - np.repeat(before, counts)


def _floats(packed: bytes) -> np.ndarray:
    """Return the floats of pickled BINFLOATs laid end to end (9 bytes each)."""
    count = len(packed) // 9
    return np.ndarray((count,), dtype=">f8", buffer=packed, offset=1, strides=(9,)).astype(
        np.float64
    )


def _byte_deltas(raw: bytes, count: int) -> tuple[int, bytes, int] | None:
    """Return the first number, the other deltas (one byte each) and where the numbers'
    tuple ends, of a block's data pickled as (MARK, ints, TUPLE...); None if it is
    laid out otherwise."""
    if count < 4 or raw[:3] != _HEAD:  # (tuples of 1-3 are pickled without a MARK)
        return None
    found = _number(raw, 3)
    if found is None:
        return None
    first, at = found
    end = at + 2 * (count - 1)
    if len(raw) <= end or raw[end] != _TUPLE or raw[at:end:2] != b"K" * (count - 1):
        return None
    return int(first), raw[at + 1 : end : 2], end


def _packed_weights(raw: bytes, at: int, count: int) -> bytes | None:
    """Return the weights of a block whose numbers' tuple ended before ``at`` as
    BINFLOATs end to end: from None (all 1), one float (all the same) or a tuple of
    floats; None for any other layout."""
    at += 2 if raw[at : at + 1] == b"q" else 0  # (the memo of the numbers' tuple)
    op = raw[at : at + 1]
    if op == b"N":
        return _ONE * count
    if op == b"G" and len(raw) >= at + 9:
        return raw[at : at + 9] * count
    end = at + 1 + 9 * count
    if op != b"(" or len(raw) <= end or raw[at + 1 : end : 9] != b"G" * count:
        return None
    return raw[at + 1 : end]


def _number(raw: bytes, at: int) -> tuple[int, int] | None:
    """Return a pickled int at ``at`` and where the next opcode is."""
    op = raw[at]
    if op == _K:
        return raw[at + 1], at + 2
    if op == _M:
        return raw[at + 1] | raw[at + 2] << 8, at + 3
    if op == _J:
        return int.from_bytes(raw[at + 1 : at + 5], "little", signed=True), at + 5
    return None


def block_table(matcher: Any) -> BlockTable | None:
    """Return the block table of a term's posting matcher (without its deleted-document
    filter); None if its postings are not in W3 blocks of document numbers."""
    if type(matcher) is not W3LeafMatcher or matcher._byteids:
        return None
    length = matcher._length  # (whoosh 2.7.4 reads it from disk as a 1-tuple)
    length = length[0] if isinstance(length, tuple) else length
    data = matcher._postfile.get(matcher._startoffset, length)
    at = matcher._baseoffset - matcher._startoffset
    info: list[tuple[Any, ...]] = []
    start: list[int] = []
    end: list[int] = []
    stream = io.BytesIO(data)  # (shares the bytes)
    while True:
        (size,) = _INT.unpack_from(data, at)
        stream.seek(at + 4)
        info.append(pickle.load(stream))  # as Whoosh reads it, a few microseconds each
        start.append(stream.tell())
        end.append(at + 4 + abs(size))
        if size < 0:
            break
        at = end[-1]
    last = np.array([header[1] for header in info], dtype=np.int64)
    return BlockTable(
        data,
        np.concatenate(([0], last[:-1] + 1)),
        last,
        np.array([header[0] for header in info], dtype=np.int64),
        np.array([header[2] for header in info], dtype=np.float64),
        start,
        end,
        [bool(header[3]) for header in info],
    )
