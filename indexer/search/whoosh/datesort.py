"""The first matches by date, with NumPy: for one or two common words, whose matches
(:func:`~indexer.search.whoosh.blockmax.matching`, an array) would make large sets.

The ``published`` column of each segment is read whole (its fixed-width values, as
:func:`~indexer.search.whoosh.ranking.field_lengths` reads the length columns), once per
searcher; the first ``limit`` matches are then partitioned out by one key, the date
(negated for newest first) and the document number, undated documents (0) last, as
:func:`~indexer.search.whoosh.matching.first_by_date` orders them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

import numpy as np

if TYPE_CHECKING:
    from whoosh.searching import Searcher

_dates: WeakKeyDictionary[Searcher, np.ndarray] = WeakKeyDictionary()
_UNDATED = 1 << 62  # a key above every dated document's


def published(searcher: Searcher) -> np.ndarray:
    """Return the ``published`` value (YYYYMMDD, 0 if undated) of every document."""
    if searcher not in _dates:
        parts = []
        for reader, _ in searcher.reader().leaf_readers():
            found = np.zeros(reader.doc_count_all(), dtype=np.int64)
            column = reader.column_reader("published", translate=False)
            count = min(getattr(column, "_count", 0), len(found))
            if count and getattr(column, "_typecode", None) == "I":
                data = column._dbfile.get(column._basepos, count * 4)
                found[:count] = np.frombuffer(data, dtype=">u4")
            elif count:  # any other layout: a value at a time
                found[:count] = [column[d] for d in range(count)]
            parts.append(found)
        _dates[searcher] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return _dates[searcher]


def first_by_date(searcher: Searcher, docs: np.ndarray, *, newest: bool, limit: int) -> list[int]:
    """Return the first ``limit`` of the documents ``docs`` newest (or oldest) first,
    ties by document number, undated ones last."""
    dates = published(searcher)[docs]
    keys = np.where(dates > 0, (-dates if newest else dates) << 32, _UNDATED) + docs
    if limit < len(keys):
        keys = np.partition(keys, limit)[:limit]
    keys.sort()
    return (keys & 0xFFFFFFFF).tolist()  # (the numbers: an undated key has no low bits set)
