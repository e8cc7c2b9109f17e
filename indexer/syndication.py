"""Syndicated copies: the same (wire) story published by several outlets, found by MinHash.

An article's text (not its headline, which outlets rewrite) becomes a set of word
5-shingles; a MinHash signature of :data:`PERMUTATIONS` values estimates the Jaccard
similarity of two such sets. Locality-sensitive hashing (:data:`BANDS` bands of
:data:`ROWS` values) finds candidate copies in the store without comparing every pair;
a candidate is a copy when its estimated similarity reaches :data:`THRESHOLD`. Small
edits, a dropped closing paragraph or an outlet's own boilerplate lines change few
shingles; two stories on the same topic (even from one template) share few 5-word runs.
Texts under :data:`MIN_WORDS` words are too short to tell and are never grouped.

The store (:class:`indexer.store.Archive`) keeps each signature (the low bits of its
values: :func:`to_blob`), its band rows (:func:`band_buckets`, made from those low bits)
and the story each article belongs to; :func:`collapse` folds search hits to one per
story.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 5
PERMUTATIONS = 128
# 20 bands of 3 values find a pair of texts as candidates at least as often as the 32
# bands of 4 before schema v8 at every similarity up to 0.7 (at 0.5: 93% against 87%;
# 1 - (1 - s**ROWS)**BANDS), in 20 band rows per article instead of 32
BANDS = 20
ROWS = 3
THRESHOLD = 0.5
MIN_WORDS = 40

_PRIME = np.uint64((1 << 61) - 1)
_SHIFT = np.uint64(61)
_MASK = np.uint64(0xFFFFFFFF)
_rng = np.random.default_rng(20240410)  # fixed: stored signatures must stay comparable
_A = _rng.integers(1, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)
KEPT_BITS = 8  # of each signature value, in the store (see similarities)
_KEPT = np.dtype(np.uint8)
_KEPT_MASK = np.uint32((1 << KEPT_BITS) - 1)
_CHANCE = 2.0**-KEPT_BITS
_WHOLE_BYTES = PERMUTATIONS * 4  # a signature stored whole (before b-bit storage)


def words(text: str) -> list[str]:
    """Return the lowercase words of ``text`` (punctuation and spacing dropped)."""
    return _WORD.findall(text.lower())


def shingle_hashes(text: str) -> np.ndarray:
    """Return the distinct 32-bit hashes of the text's word 5-shingles."""
    return _shingle_hashes(words(text))


def _shingle_hashes(tokens: list[str]) -> np.ndarray:
    """:func:`shingle_hashes` of a text's :func:`words` (each shingle's BLAKE2b, 4 bytes
    read little-endian; the shingles joined as bytes, their digests read at once)."""
    encoded = [token.encode() for token in tokens]
    grams = {b" ".join(encoded[i : i + SHINGLE_WORDS])
             for i in range(max(1, len(encoded) - SHINGLE_WORDS + 1))}
    digests = b"".join([hashlib.blake2b(g, digest_size=4).digest() for g in grams])
    return np.frombuffer(digests, dtype="<u4").astype(np.uint64)


def signature(text: str) -> np.ndarray | None:
    """Return the MinHash signature (uint32 values) of a text, or None when it is too short."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    # (a * h + b) mod p with a, h < 2**32 cannot overflow 64 bits; p = 2**61 - 1, so
    # x mod p is (x & p) + (x >> 61), less p once if that reaches it: the same values as
    # NumPy's %, four times faster.
    permuted = np.multiply.outer(_A, _shingle_hashes(tokens))
    permuted += _B[:, None]
    high = permuted >> _SHIFT
    permuted &= _PRIME
    permuted += high
    np.subtract(permuted, _PRIME, out=permuted, where=permuted >= _PRIME)
    permuted &= _MASK
    return permuted.min(axis=1).astype(np.uint32)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Return the estimated Jaccard similarity of the texts behind two signatures."""
    return float(np.mean(first == second))


def similarities(sig: np.ndarray, blobs: Sequence[bytes]) -> np.ndarray:
    """Return :func:`similarity` of ``sig`` with each stored signature (:func:`to_blob`,
    or the whole values of archives written before), at once.

    Stored signatures keep the low :data:`KEPT_BITS` of each value, so two values agree by
    chance with probability 2**-KEPT_BITS; the share of agreeing values is corrected for
    it (b-bit MinHash), which keeps :data:`THRESHOLD` meaning the same similarity.
    """
    stored = np.stack([_kept_values(blob) for blob in blobs])
    agree = np.mean(stored == (sig.astype(np.uint32) & _KEPT_MASK).astype(_KEPT), axis=1)
    return np.clip((agree - _CHANCE) / (1 - _CHANCE), 0.0, 1.0)


def band_buckets(blob: bytes) -> list[int]:
    """Return the LSH buckets of a stored signature (:func:`to_blob`, or as stored by
    earlier versions): texts sharing one are candidate copies.

    A band's bucket is its number and its :data:`ROWS` kept values side by side (an
    integer under 2**29, 4 bytes in SQLite). Made from the stored bits, the buckets of
    an archived article need neither its text nor its whole signature. Unrelated texts
    share a band's kept values by chance (2**-24 per band: at a million articles, about
    one candidate per article stored), which the comparison of signatures rejects.
    """
    kept = _kept_values(blob).tobytes()  # (a byte per value)
    return [(band << (8 * ROWS)) | int.from_bytes(kept[band * ROWS : (band + 1) * ROWS], "big")
            for band in range(BANDS)]


def to_blob(sig: np.ndarray) -> bytes:
    """Serialise a signature for the store: the low :data:`KEPT_BITS` of each value, enough
    to compare (see :func:`similarities`) and to band (:func:`band_buckets`), 128 bytes
    instead of 512."""
    return (sig.astype(np.uint32) & _KEPT_MASK).astype(_KEPT).tobytes()


def compact_blob(blob: bytes) -> bytes:
    """Return a signature stored by an earlier version as :func:`to_blob` stores it."""
    return _kept_values(blob).tobytes()


def _kept_values(blob: bytes) -> np.ndarray:
    """The kept values of a signature stored whole, with its buckets after them (before
    schema v7), or by :func:`to_blob`."""
    if len(blob) == _WHOLE_BYTES:
        return (np.frombuffer(blob, dtype="<u4") & _KEPT_MASK).astype(_KEPT)
    return np.frombuffer(blob, dtype=_KEPT, count=PERMUTATIONS)


class Stories(Protocol):
    """What :func:`collapse` reads of the store (:class:`indexer.store.Archive` has it)."""

    def stories(self, ids: Sequence[str]) -> dict[str, str]:
        """Return each grouped article's story id."""
        ...

    def copies(self, article_id: str) -> list[str]:
        """Return the ids of the other members of an article's story."""
        ...


def collapse(hits: Sequence[Any], archive: Stories) -> list[tuple[Any, list[str]]]:
    """Keep the first hit of each story; pair it with the ids of the story's other copies.

    ``hits`` are search hits (anything with an ``id``), best first; the copies are every
    other member of the story in the archive, whether or not they matched the query.
    """
    stories = archive.stories([hit.id for hit in hits])
    seen: set[str] = set()
    kept = []
    for hit in hits:
        story = stories.get(hit.id, hit.id)
        if story in seen:
            continue
        seen.add(story)
        kept.append((hit, archive.copies(hit.id)))
    return kept
