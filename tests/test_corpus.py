"""Quality gate: our extractor over the labelled corpus must not fall below measured floors."""

from __future__ import annotations

import pytest

from bench.extraction import DEFAULT_CORPUS, Score, evaluate, load_corpus

# set slightly under what `python bench/extraction.py` measures; raise them when results improve
FLOORS = {
    "title": 0.83,
    "author": 0.57,
    "date": 0.87,
    "with": 0.93,
    "without": 0.89,
}


@pytest.fixture(scope="module")
def score() -> Score:
    """Score of our extractor on the whole corpus (two worker processes)."""
    if not (DEFAULT_CORPUS / "labels.json").exists():
        pytest.skip("shared corpus not available")
    return evaluate(["ours"], load_corpus(DEFAULT_CORPUS), processes=2)["ours"][0]


@pytest.mark.parametrize("name", list(FLOORS))
def test_quality_floor(score, name):
    assert score.rate(name) >= FLOORS[name], f"{name}: {score.rate(name):.1%} < {FLOORS[name]:.0%}"


def test_every_page_is_scored(score):
    assert score.pages == len(load_corpus(DEFAULT_CORPUS))
    assert score.labelled["date"] > 0
