"""Common grams (as Lucene's CommonGramsFilter): fast phrases of very common words.

A phrase of two words that nearly every article holds is slow in a positional index:
its words' postings intersect in nearly every document, and each one's positions are
read, so it grows with the archive. Here a rebuild chooses the index's *common words*
(:func:`choose`: the words of titles and texts in the most articles of a sample of the
store, at most :data:`MOST_COMMON`, each in at least :data:`MIN_SHARE` of them) and
records them in the index folder (:data:`COMMON_FILE`), where every writer of that index
reads them (under the write lock) and every searcher of that folder too. Each pair of
adjacent terms of a title or text, both common, is then also indexed as one term
``"a b"`` in ``title_grams`` or ``body_grams`` (:func:`pairs`; frequencies, no
positions).

A phrase of two common words is the term of its pair; a longer phrase holding common
pairs is the phrase ANDed with its pairs' terms (not scored), whose short postings lead
the intersection (:func:`indexer.search.tantivy.translate.phrase_query`). Totals are the
phrase's: adjacent terms of the index are at consecutive positions (stop words take
none), so a document holds a pair's term exactly when it holds the two words at
consecutive positions. An index without a recorded list (written before, or made empty
by a first write) is searched with plain phrases; ``index --rebuild`` chooses its list
anew.
"""

from __future__ import annotations

import itertools
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexer.search.errors import IndexCorruptError

COMMON_FILE = "common_words"
# Common words at most: the pairs of a text, and the disk, grow with them (bench archive
# of 20,000, index 1,452 B/article: +58 B with 25, +102 with 50, +167 with 100).
MOST_COMMON = 50
MIN_SHARE = 0.2  # a common word is in at least this share of the sampled articles
SAMPLE = 2_000  # articles sampled (evenly over the store) to choose the common words


def grams_field(field: str) -> str:
    """Return the name of the field of a text field's common pairs."""
    return f"{field}_grams"


def pairs(words: Sequence[str], common: frozenset[str]) -> list[str]:
    """Return the terms of the adjacent pairs of ``words`` (a field's terms in order)
    whose words are both common (``"a b"``: no term has a space)."""
    return [f"{a} {b}" for a, b in itertools.pairwise(words) if a in common and b in common]


def choose(texts: Iterable[Iterable[str]]) -> list[str]:
    """Return the common words of a sample: each item the terms of one article's title
    and text; the words in the most items, most first (ties by word)."""
    df: Counter[str] = Counter()
    n = 0
    for words in texts:
        df.update(set(words))
        n += 1
    least = max(1, MIN_SHARE * n)
    ranked = sorted((w for w, k in df.items() if k >= least), key=lambda w: (-df[w], w))
    return ranked[:MOST_COMMON]


def record(folder: Path, words: Iterable[str]) -> None:
    """Record an index's common words in its folder: one a line, then the CRC-32 of
    those lines (a list that is not the index's would give wrong totals silently)."""
    lines = "".join(f"{w}\n" for w in words)
    check = zlib.crc32(lines.encode())
    (folder / COMMON_FILE).write_text(f"{lines}# crc32 {check:08x}\n", encoding="utf-8")


def recorded(folder: Path) -> frozenset[str] | None:
    """Return the common words recorded in an index folder (None: none recorded); raise
    IndexCorruptError if the record can't be read or fails its check."""
    path = folder / COMMON_FILE
    try:
        lines, _, check = path.read_text(encoding="utf-8").rpartition("# crc32 ")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"index at {folder} is damaged ({path.name}: {exc}): "
                                "rebuild it (index --rebuild)") from None
    if check.strip() != f"{zlib.crc32(lines.encode()):08x}":
        raise IndexCorruptError(f"index at {folder} is damaged ({path.name} fails its "
                                "check): rebuild it (index --rebuild)")
    return frozenset(lines.split())
