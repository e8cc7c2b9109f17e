"""Exact phrases are found by set algebra over posting blocks (:class:`FastPhrase`): the
same hits, scores, order and totals as Whoosh's own phrase matching."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from indexer.article import Article
from indexer.search import count, search
from indexer.search.whoosh.index import ArchiveIndex, quiet_whoosh_import
from indexer.search.whoosh.phrases import FastPhrase
from indexer.search.whoosh.postings import decode_positions as _positions

with quiet_whoosh_import():
    from whoosh.formats import Positions
    from whoosh.query import Phrase

RNG = random.Random(11)
WORDS = ["harbour", "storm", "trade", "vote", "ferry", "coast", "tide", "port"]


def text(n: int) -> str:
    return " ".join(RNG.choice(WORDS) for _ in range(n))


ARTICLES = [
    Article(
        url=f"https://news.example/{n}",
        title=text(RNG.randint(2, 6)),
        text=text(RNG.randint(5, 60)),
        source="bbc" if n % 3 else "dw",
        published=f"202{n % 5}-0{n % 9 + 1}-1{n % 10}" if n % 7 else None,
    )
    for n in range(300)
]
# Positions past one and two bytes (read from the pickled value's bytes, or unpickled).
LONG = Article(
    url="https://news.example/long",
    title="long read",
    text="filler " * 300 + "ferry vote " + "filler " * 70_000 + "ferry vote ferry",
)
QUERIES = [
    '"harbour storm"',
    '"storm harbour"',
    '"tide tide"',
    '"ferry vote ferry"',
    '"harbour storm trade"',
    'title:"coast port"',
    'body:"vote ferry"',
    '"harbour storm" trade',
    '"harbour storm" OR "port tide"',
    '"harbour storm" NOT vote',
    '"ferry vote" NOT "tide port"',
    '("coast port" OR ferry) AND "trade vote"',
    '"filler ferry vote filler"',
    '"harbour nowhere"',
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several segments, deleted documents (re-added articles) and a very long text."""
    ix = ArchiveIndex(tmp_path_factory.mktemp("phrase") / "index")
    ix.create()
    for part in (ARTICLES[:120], ARTICLES[120:250], ARTICLES[250:], ARTICLES[40:60], [LONG]):
        ix.add(part)
    return ix.path


def results(index: Path, query: str, **kwargs: object) -> tuple[int, list[tuple[str, object]]]:
    found = search(index, query, snippets=False, **kwargs)  # type: ignore[arg-type]
    assert not found.partial
    return found.total, [(hit.id, hit.score) for hit in found.hits]


@pytest.mark.slow
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 10},
        {"limit": 500},
        {"limit": 3, "offset": 2},
        {"sort": "newest"},
        {"source": "bbc", "since": "2021", "limit": 50},
    ],
)
def test_phrase_hits_are_those_of_whoosh(
    index: Path, query: str, kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whoosh's own phrase matching of the 70,000-word text is slow on a loaded machine:
    # the oracle must not stop at the search time limit.
    monkeypatch.setattr("indexer.search.whoosh.matching.TIME_LIMIT", 600.0)
    fast = results(index, query, **kwargs)
    fast_count = count(index, query)
    monkeypatch.setattr(FastPhrase, "matcher", Phrase.matcher)
    monkeypatch.setattr(FastPhrase, "segment_docs", lambda self, reader: None)
    assert results(index, query, **kwargs) == fast
    assert count(index, query) == fast_count


def test_phrases_match_only_consecutive_words(index: Path) -> None:
    expected = {
        a.id for a in ARTICLES if "harbour storm" in a.title or "harbour storm" in (a.text or "")
    }
    total, hits = results(index, '"harbour storm"', limit=1000)
    assert total == len(expected) > 0
    assert {i for i, _ in hits} == expected
    # In the long text: at positions 300-301, 70,301-70,302 and 70,302-70,303.
    assert results(index, '"filler ferry vote filler"')[1][0][0] == LONG.id
    assert LONG.id in {i for i, _ in results(index, '"vote ferry"', limit=1000)[1]}
    assert results(index, '"ferry filler vote"')[0] == 0


@pytest.mark.parametrize(
    "positions", [[0], [5], [255], [256], [300, 70_301], [65_535], [65_536, 70_000], [1, 2, 3]]
)
def test_positions_are_decoded_as_whoosh_does(positions: list[int]) -> None:
    value = Positions().encode(positions)
    assert _positions(value) == set(Positions().decode_positions(value)) == set(positions)
