"""bench/scale.py's own arithmetic: the growth exponent and the common phrase."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.scale import COMMON, common_phrase, growth_exponent, store_parts
from bench.search import Corpus
from indexer.store import Archive


def test_growth_exponent_of_power_laws() -> None:
    sizes = [10_000, 30_000, 90_000]
    assert growth_exponent(sizes, [3 * n**1.5 for n in sizes]) == pytest.approx(1.5)
    assert growth_exponent(sizes, [7.0, 7.0, 7.0]) == pytest.approx(0.0)
    assert growth_exponent(sizes, [1 / n for n in sizes]) == pytest.approx(-1.0)


def test_growth_exponent_fits_noisy_points_and_skips_zeros() -> None:
    # log-log least squares: the slope through (ln 1, ln 1), (ln 2, ln 4), (ln 4, ln 8)
    assert growth_exponent([1, 2, 4], [1, 4, 8]) == pytest.approx(1.5)
    assert growth_exponent([1, 2, 4], [0, 4, 8]) == pytest.approx(1.0)
    assert growth_exponent([1, 2, 4], [0, 0, 8]) is None
    assert growth_exponent([5, 5], [1, 2]) is None


def test_common_phrase_is_two_adjacent_very_common_words() -> None:
    corpus = Corpus(20261125, 200)
    phrase = common_phrase(corpus, random.Random(1))
    assert phrase.startswith('"')
    assert phrase.endswith('"')
    first, second = phrase.strip('"').split()
    assert first != second
    assert {first, second} <= set(corpus.words[:COMMON])
    texts = (corpus.article(n).text.lower().replace(".", "") for n in range(200))
    assert any(f" {first} {second} " in f" {text} " for text in texts)


def test_store_parts_add_up_to_the_file(tmp_path: Path) -> None:
    corpus = Corpus(20261125, 30)
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.add_articles([(a, b"") for a in corpus.articles(0, 30)])
        archive.vacuum()
    parts = store_parts(path)
    assert set(parts) == {"articles", "syndication", "other"}
    assert sum(parts.values()) == path.stat().st_size
    assert parts["articles"] > 30 * 1000  # each text is 250-700 words
    assert parts["syndication"] > 30 * 512  # each signature is 128 32-bit values
