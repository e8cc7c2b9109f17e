"""Common grams of the tantivy engine (:mod:`indexer.search.tantivy.grams`): a rebuild
records the index's common words and every writer indexes their adjacent pairs; phrases
of common words go through those pairs with the totals of Whoosh (the oracle) exactly,
across stop words, accents, stems, repeated words, field boundaries and sentences; an
index written before them is searched with plain phrases and upgraded by a rebuild."""

from __future__ import annotations

import random
import tarfile
from pathlib import Path

import pytest

from indexer.article import Article
from indexer.search import Filters, count, matching_ids, search
from indexer.search.engines import open_index
from indexer.search.query import parse
from indexer.search.tantivy.engine import TantivyEngine
from indexer.search.tantivy.grams import COMMON_FILE, recorded
from indexer.search.tantivy.writing import TantivyIndex
from indexer.search.terms import TEXT_ANALYSIS
from indexer.search.whoosh.index import ArchiveIndex
from indexer.store import Archive
from tests.conftest import run_cli

OLD_INDEX = Path(__file__).parent / "data" / "tantivy-before-grams.tar.gz"  # (before grams)
RNG = random.Random(1919)
COMMON = ["harbour", "storm", "trade", "running", "runs", "économie", "the", "of"]
RARE = ["ferry", "vote", "tide", "coast", "port", "u.s", "quay", "gale", "pier", "dock",
        "sail", "mast", "keel", "hull", "buoy", "reef", "cove", "bay", "isle", "cape"]


def _text(n: int) -> str:
    words = (RNG.choice(COMMON) if RNG.random() < 0.95 else RNG.choice(RARE) for _ in range(n))
    return " ".join(words)


SET_PIECES = [  # (title, text): pairs across a field boundary, a sentence, stop words
    ("trade harbour", "storm ferry vote"),
    ("ferry vote", "harbour. Storm tide, harbour of the storm; harbour harbour harbour"),
    ("Économie RUNNING", "economie runs the trade"),
]


def _article(k: int) -> Article:
    title, text = SET_PIECES[k] if k < len(SET_PIECES) else (_text(5), _text(40))
    return Article(url=f"https://bbc.example/{k}", title=title, text=text, source="bbc",
                   published=f"2021-06-{k % 28 + 1:02d}T00:00:00Z")


ARTICLES = [_article(k) for k in range(120)]


PHRASES = [
    '"harbour storm"', '"storm harbour"', '"harbour harbour"', '"harbour harbour harbour"',
    '"harbour the storm"', '"harbour of the storm"', '"economie running"', '"Économie runs"',
    '"runs trade"', '"trade harbour storm"', '"harbour storm ferry"', '"storm harbour storm"',
    'title:"trade harbour"', 'body:"harbour storm"', 'title:"économie running"',
    '"harbour storm" NOT "storm trade"', '"storm trade" OR ferry', '"trade harbour" -vote',
    '"harbour storm" date:2021-06', '"ferry vote"', '"u.s harbour"',
]


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same articles in Whoosh and in tantivy: 80 rebuilt from the store (choosing
    the common words), 40 more synced after."""
    root = tmp_path_factory.mktemp("grams")
    whoosh = ArchiveIndex(root / "whoosh")
    whoosh.create()
    with Archive(root / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[:80]])
        open_index(root / "index", engine="tantivy").rebuild(archive)
        archive.add_articles([(a, b"") for a in ARTICLES[80:]])
        assert open_index(root / "index").sync(archive) == 40
    whoosh.add(ARTICLES)
    return whoosh.path, root / "index"


def _common_pair_documents(index: Path, field: str, first: str, second: str) -> int:
    searcher = TantivyEngine(index).searcher
    return int(searcher.doc_freq(f"{field}_grams", f"{first} {second}"))


def test_a_rebuild_records_the_common_words_and_a_sync_indexes_their_pairs(
    indexes: tuple[Path, Path],
) -> None:
    _, index = indexes
    common = recorded(TantivyIndex(index).dir)
    assert common is not None
    assert {"harbour", "storm", "trade", "run", "economi"} <= common
    assert not common & {"the", "of", "ferri", "vote"}  # stop words, and rare words
    # Every document holding the words adjacent holds the pair's term, synced ones too.
    phrase = count(index, 'body:"harbour storm"')
    assert _common_pair_documents(index, "body", "harbour", "storm") == phrase > 40
    assert _common_pair_documents(index, "title", "trade", "harbour") >= 1


@pytest.mark.parametrize("query", PHRASES)
def test_phrase_totals_are_whooshs(indexes: tuple[Path, Path], query: str) -> None:
    whoosh, index = indexes
    expected = sorted(matching_ids(whoosh, query))
    assert sorted(matching_ids(index, query)) == expected
    assert count(index, query) == len(expected) == search(index, query, limit=0).total
    assert count(index, query, Filters(since="2021-06-10")) == count(
        whoosh, query, Filters(since="2021-06-10")
    )


def test_pairs_cross_no_field_and_skip_stop_words(indexes: tuple[Path, Path]) -> None:
    _, index = indexes
    first, second, third = (a.id for a in ARTICLES[:3])
    assert first not in matching_ids(index, '"harbour storm"')  # title "... harbour", text "storm"
    assert second in matching_ids(index, '"harbour storm"')  # "harbour. Storm", "harbour of the.."
    assert third in matching_ids(index, 'title:"economie running"')


def test_a_two_word_common_phrase_is_its_pairs_term(indexes: tuple[Path, Path]) -> None:
    """Not the positional phrase (which reads every document's positions)."""
    _, index = indexes
    engine = TantivyEngine(index)
    query, _ = engine._prepare(parse('body:"harbour storm"', TEXT_ANALYSIS), Filters())
    assert "TermQuery" in repr(query)
    assert "PhraseQuery" not in repr(query)
    query, _ = engine._prepare(parse('body:"harbour ferry"', TEXT_ANALYSIS), Filters())
    assert "PhraseQuery" in repr(query)


def test_highlights_of_a_common_phrase(indexes: tuple[Path, Path]) -> None:
    whoosh, index = indexes
    hits = search(index, '"harbour storm"', limit=5).hits
    assert hits
    assert all(any(marked for _, marked in hit.snippet) for hit in hits)
    assert search(whoosh, '"harbour storm"').total == search(index, '"harbour storm"').total


def test_an_index_written_before_grams_is_searched_then_upgraded(tmp_path: Path) -> None:
    with tarfile.open(OLD_INDEX) as tar:
        tar.extractall(tmp_path, filter="tar")
    index = tmp_path / "index"
    assert recorded(TantivyIndex(index).dir) is None
    whoosh = ArchiveIndex(tmp_path / "whoosh")
    whoosh.create()
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[3:13]])
        assert open_index(index).sync(archive) == 10  # written into the old index, as before
        whoosh.add(list(archive.iter_articles()))
    queries = ['"harbour storm"', '"harbour the storm trade"', 'title:"storm harbour"']
    expected = {q: sorted(matching_ids(whoosh.path, q)) for q in queries}
    assert all(expected.values())
    for query in queries:
        assert sorted(matching_ids(index, query)) == expected[query]
    with Archive(tmp_path / "archive.db") as archive:
        open_index(index).rebuild(archive)
    assert (TantivyIndex(index).dir / COMMON_FILE).is_file()
    assert recorded(TantivyIndex(index).dir)
    for query in queries:
        assert sorted(matching_ids(index, query)) == expected[query]
    assert _common_pair_documents(index, "body", "harbour", "storm") > 0


@pytest.mark.parametrize("damage", [b"\xff\xfe\x00garbage\n", b"the\nw7\nnew\n"])
def test_a_damaged_record_of_common_words_is_found_and_the_index_rebuilt(
    tmp_path: Path, damage: bytes
) -> None:
    # Unreadable (was a traceback), or readable but not the index's own list (was wrong
    # totals, silently): a damaged index, which a search rebuilds from the store.
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[:40]])
        open_index(tmp_path / "index", engine="tantivy").rebuild(archive)
    query = ("search", "--count", '"harbour storm"')  # (processes: no cached searcher)
    expected = run_cli(tmp_path, *query).stdout
    assert int(expected) > 0
    (TantivyIndex(tmp_path / "index").dir / COMMON_FILE).write_bytes(damage)
    result = run_cli(tmp_path, *query)
    assert (result.returncode, result.stdout) == (0, expected)
    assert "common_words" in result.stderr
    assert "rebuilding it from the store" in result.stderr
    assert "Traceback" not in result.stderr
    assert recorded(TantivyIndex(tmp_path / "index").dir)
