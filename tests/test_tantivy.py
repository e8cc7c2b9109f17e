"""The tantivy engine against the Whoosh engine (the oracle): the same matches for every
form of the query language, flags, facets and counts; the same dates in the same order
when sorted by date. And the engine's choice, end to end: the CLI, locks, a crawl."""

from __future__ import annotations

import random
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import indexer.search.tantivy.writing as tantivy_writing
from crawler.processes import index_loop
from crawler.processes.writer_config import WriterConfig
from indexer.article import Article
from indexer.search import Filters, count, facets, matching_ids, search
from indexer.search.engines import engine_of, open_index
from indexer.search.errors import (
    EngineChangedError,
    EngineRecordError,
    IndexCorruptError,
    IndexLockedError,
)
from indexer.search.locking import write_lock
from indexer.search.tantivy.writing import TantivyIndex
from indexer.search.terms import STOP_WORDS, TEXT_ANALYSIS, display_names
from indexer.search.whoosh.index import ArchiveIndex
from indexer.search.whoosh.schema import ANALYSIS, quiet_whoosh_import
from indexer.store import Archive
from tests.conftest import FAST, invoke_cli, run_cli
from tests.test_common_grams import OLD_INDEX

RNG = random.Random(19)
WORDS = ["harbour", "storm", "trade", "vote", "ferry", "coast", "tide", "port", "the", "of",
         "économie", "running", "runs", "u.s", "snake_case", "e-mail", "½"]
PEOPLE = ["Jane Doe", "John Smith", "Élise Martin", "Mary Jane Watson", "O'Brien, Pat"]
DAYS = ["2019-01-01", "2019-02-10", "2021-06-15", "2021-06-30", "2021-07-01", "2024-02-29"]


def text(n: int) -> str:
    return " ".join(RNG.choice(WORDS) for _ in range(n))


ARTICLES = [
    Article(
        url=f"https://{('bbc', 'dw', 'guardian')[n % 3]}.example/{n}",
        title=text(RNG.randint(2, 6)),
        text=text(RNG.randint(5, 80)),
        description=text(4) if n % 4 == 0 else None,
        source=("bbc", "dw", "guardian")[n % 3],
        authors=RNG.sample(PEOPLE, n % 3),
        agencies=["AFP"] if n % 5 == 0 else [],
        tags=RNG.sample(["Sport", "Climate change", "Économie"], n % 2 + 1),
        language=("en", "de-DE", "fr")[n % 4 % 3],
        section="World news" if n % 6 == 0 else None,
        published=None if n % 7 == 0 else f"{RNG.choice(DAYS)}T{n % 24:02d}:00:00Z",
    )
    for n in range(240)
]
PARTS = (ARTICLES[:100], ARTICLES[100:], ARTICLES[30:50])  # then 30-49 again: re-indexed
DELETED = [a.id for a in ARTICLES[60:65]]

QUERIES = [
    "harbour", "harbour storm", "harbour OR storm", "harbour NOT storm", "harbour -vote",
    "(harbour OR ferry) AND coast", '"harbour storm"', '"storm harbour tide"',
    '"harbour storm" OR "port tide"', '"ferry vote" NOT "tide port"', "title:harbour",
    "body:coast", "title:(storm OR vote)", "econom*", "ru*", "ha*", "u.s", "snake_case",
    "e-mail", "½", "running", "author:doe", 'author:"jane doe"', "author:jan*", "author:brien",
    "agency:afp", "source:BBC", "source:dw*", "tag:sport", 'tag:"climate change"', "tag:econ*",
    "lang:de", "lang:en", "section:world*", "date:2021", "date:2021-06", "date:2019-02-10",
    "published:[2019-02 TO 2021-06-20]", "published:[2021-06-30 TO *]", "published:[* TO 2019]",
    "harbour date:2021", "NOT source:dw lang:en", "harbour OR date:2019", "NOT harbour",
    "NOT NOT harbour", "harbour AND NOT (storm OR tide)", "-tide -port", "", "nothingatall",
    "(harbour OR author:smith) -source:bbc",
]
FLAGS = [
    {}, {"source": "bbc"}, {"author": "Jane Doe"}, {"agency": "afp"}, {"lang": "de-AT"},
    {"since": "2021-06-20"}, {"until": "2021-06"}, {"source": "dw", "since": "2019"},
]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same articles, written in the same steps, into a Whoosh and a tantivy index
    (and into the tantivy index's store, whence its hits read what they show)."""
    whoosh_root = tmp_path_factory.mktemp("oracle-whoosh")
    whoosh = ArchiveIndex(whoosh_root / "index")
    whoosh.create()
    root = tmp_path_factory.mktemp("oracle-tantivy")
    with Archive(root / "archive.db") as archive:
        open_index(root / "index", engine="tantivy").rebuild(archive)  # (empty: recorded)
        archive.add_articles([(a, b"") for a in ARTICLES])
    other = open_index(root / "index")  # the archive's engine: tantivy
    for part in PARTS:
        whoosh.add(part)
        other.add(part)
    assert whoosh.delete(DELETED) == other.delete(DELETED) == len(DELETED)
    assert engine_of(root / "index") == "tantivy"
    assert engine_of(whoosh_root / "index") == "whoosh"
    return whoosh.path, root / "index"


def _ids(index: Path, query: str, **kwargs: object) -> tuple[int, list[str]]:
    found = search(index, query, limit=1000, snippets=False, **kwargs)  # type: ignore[arg-type]
    assert not found.partial
    return found.total, [h.id for h in found.hits]


def _dates(index: Path, query: str, **kwargs: object) -> list[str | None]:
    hits = search(index, query, limit=1000, snippets=False, **kwargs).hits  # type: ignore[arg-type]
    return [h.published[:10] if h.published else None for h in hits]


# One of each kind of node runs in the unit tier; every query in the slow tier.
QUICK = {'"harbour storm" OR "port tide"', "(harbour OR ferry) AND coast", "harbour -vote",
         "econom*", "author:jan*", "u.s", "tag:\"climate change\"", "harbour OR date:2019",
         "published:[2019-02 TO 2021-06-20]", "NOT NOT harbour", "", "½"}


@pytest.mark.parametrize(
    "query", [q if q in QUICK else pytest.param(q, marks=pytest.mark.slow) for q in QUERIES]
)
def test_matches_are_whooshs(both: tuple[Path, Path], query: str) -> None:
    whoosh, other = both
    for flags in FLAGS:  # sets and totals
        filters = Filters(**flags)
        expected = sorted(matching_ids(whoosh, query, filters))
        assert sorted(matching_ids(other, query, filters)) == expected, flags
        assert count(other, query, filters) == len(expected), flags
    total, found = _ids(other, query)
    assert len(found) == len(set(found)) == total
    assert set(found) == set(matching_ids(whoosh, query))
    for sort, flags in (("newest", {}), ("oldest", {}), ("newest", FLAGS[1])):
        expected_dates = _dates(whoosh, query, sort=sort, **flags)
        assert _dates(other, query, sort=sort, **flags) == expected_dates, sort
        assert _ids(other, query, sort=sort, **flags)[0] == _ids(whoosh, query, **flags)[0]
        page = search(other, query, sort=sort, limit=7, offset=5, snippets=False, **flags)
        assert [h.published and h.published[:10] for h in page.hits] == expected_dates[5:12]


@pytest.mark.parametrize("name", ["source", "author", "agency", "tag", "lang", "year", "month"])
@pytest.mark.parametrize("query", ["", "harbour", "harbour OR date:2019"])
def test_facets_are_whooshs(both: tuple[Path, Path], name: str, query: str) -> None:
    whoosh, other = both
    for flags in ({}, {"source": "bbc", "since": "2021"}):
        found = facets(other, query, field=name, **flags)
        assert found == facets(whoosh, query, field=name, **flags)
        assert found or flags  # (bbc's articles have no authors)


def test_hits_carry_whooshs_stored_fields(both: tuple[Path, Path]) -> None:
    whoosh, other = both
    expected = {h.id: h for h in search(whoosh, "harbour", limit=1000).hits}
    hits = search(other, "harbour", limit=1000).hits
    assert {h.id for h in hits} == set(expected)
    for hit in hits:
        want = expected[hit.id]
        assert (hit.url, hit.title, hit.published, hit.source, hit.authors, hit.agencies) == (
            want.url, want.title, want.published, want.source, want.authors, want.agencies
        )
        assert hit.snippet == want.snippet
        assert hit.score is not None
        assert hit.score >= 0


def test_highlights_and_suggestions_are_whooshs(both: tuple[Path, Path]) -> None:
    whoosh, other = both
    for query in ("ferr* -tide", "ha* OR ru*", "econom* NOT harb*"):
        marked = {
            h.id: {t.lower() for t, m in h.snippet if m}
            for h in search(whoosh, query, limit=1000).hits
        }
        assert {h.id: {t.lower() for t, m in h.snippet if m}
                for h in search(other, query, limit=1000).hits} == marked
        assert any(marked.values())
    for typo in ("harbur", "harbur stomr", "ferry prot", "zzzzqqq"):
        assert search(other, typo).suggestion == search(whoosh, typo).suggestion, typo


def test_the_words_are_whooshs() -> None:
    """The tantivy index's words are made without Whoosh's analysis classes; they must be
    the words Whoosh's analyzer makes."""
    with quiet_whoosh_import():
        from whoosh.analysis.filters import STOP_WORDS as WHOOSH_STOP_WORDS
    assert STOP_WORDS == WHOOSH_STOP_WORDS
    sample = " ".join(WORDS) + " Zürich ＡＢＣ The economy grows; naïve cafés, U.S. 3.14 ß Ǆ"
    assert TEXT_ANALYSIS.words(sample) == ANALYSIS.words(sample)
    assert TEXT_ANALYSIS.folded(sample) == ANALYSIS.folded(sample)


def test_a_locked_index_is_retried_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Either lock busy (the folder's, or tantivy's own) is IndexLockedError, which the
    crawl's index writer reports as "locked" and retries at its next round."""
    monkeypatch.setattr(tantivy_writing, "LOCK_TIMEOUT", 0.2)
    with Archive(tmp_path / "archive.db") as archive:
        open_index(tmp_path / "index", engine="tantivy").rebuild(archive)
        archive.add_articles([(a, b"") for a in ARTICLES[:5]])
    config = WriterConfig(
        index_path=str(tmp_path / "index"), archive_path=str(tmp_path / "archive.db"),
        lock_timeout=0.2,
    )
    with write_lock(tmp_path / "index", 1, engine=None):
        outcome = index_loop._sync(config, repair=True)
    assert outcome.locked
    assert "another process" in outcome.locked
    index = TantivyIndex(tmp_path / "index")
    writer = index.open().writer(heap_size=15_000_000, num_threads=1)  # tantivy's lock
    with pytest.raises(IndexLockedError):
        index.add(ARTICLES[5:6])
    del writer
    outcome = index_loop._sync(config, repair=True)
    assert outcome.ok
    assert outcome.indexed == 5
    assert count(tmp_path / "index", "") == 5


def _tantivy_archive(root: Path, n: int) -> TantivyIndex:
    """A store of ``n`` articles and its tantivy index, every article indexed."""
    with Archive(root / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[:n]])
        open_index(root / "index", engine="tantivy").rebuild(archive)
    return TantivyIndex(root / "index")


def _damage(index: TantivyIndex) -> None:
    (index.dir / "meta.json").write_text("{not json", encoding="utf-8")


def test_a_damaged_index_is_not_made_anew_by_a_write(tmp_path: Path) -> None:
    """Only a rebuild replaces a damaged index: a sync refuses (its articles stay
    pending), so no article already marked indexed goes missing from searches."""
    index = _tantivy_archive(tmp_path, 30)
    _damage(index)
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[30:33]])
        with pytest.raises(IndexCorruptError):
            index.sync(archive)
        assert len(archive.pending_ids()) == 3
        assert index.open_or_rebuild(archive)
        assert archive.pending_ids() == []
    assert count(tmp_path / "index", "") == 33


def test_a_failed_rebuild_leaves_the_index_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild builds beside the index and swaps it in whole: one that dies halfway
    leaves the old index (here a damaged one, still seen as damaged, not as complete)."""
    index = _tantivy_archive(tmp_path, 30)
    before = count(tmp_path / "index", "")
    real = Archive.iter_articles

    def dying(self: Archive) -> Iterator[Article]:
        for n, article in enumerate(real(self)):
            if n == 10:
                raise OSError("killed")
            yield article

    monkeypatch.setattr(Archive, "iter_articles", dying)
    with Archive(tmp_path / "archive.db") as archive, pytest.raises(OSError, match="killed"):
        index.rebuild(archive)
    assert count(tmp_path / "index", "") == before == 30
    _damage(index)
    with Archive(tmp_path / "archive.db") as archive, pytest.raises(OSError, match="killed"):
        index.rebuild(archive)
    with pytest.raises(IndexCorruptError):
        index.open()
    assert [p.name for p in (tmp_path / "index").glob("tantivy.*")] == [index.dir.resolve().name]


def test_tantivys_io_errors_are_oserrors_the_writer_survives(tmp_path: Path) -> None:
    """An I/O error inside tantivy (a file size limit: a full disk alike) is OSError with
    its errno, which the crawl's index writer reports and survives; the batch stays
    pending."""
    _tantivy_archive(tmp_path, 5)
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[5:200]])
    script = f"""
import resource, signal, sys
from indexer.search.tantivy.writing import TantivyIndex
from indexer.store import Archive
with Archive({str(tmp_path / "archive.db")!r}) as archive:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    try:
        TantivyIndex({str(tmp_path / "index")!r}).sync(archive)
    except OSError as exc:
        print("OSError", exc.errno)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.split() == ["OSError", "27"]
    with Archive(tmp_path / "archive.db") as archive:
        assert len(archive.pending_ids()) == 195


def test_a_writer_of_the_old_engine_stops_after_a_switch(tmp_path: Path) -> None:
    """A Whoosh writer opened before the switch (a crawl's) can't write into the unused
    Whoosh index: it is told the engine changed (retried: a new writer is tantivy's)."""
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[:5]])
        old = open_index(tmp_path / "index")
        assert isinstance(old, ArchiveIndex)
        assert old.sync(archive) == 5
        assert open_index(tmp_path / "index", engine="tantivy").rebuild(archive) == 5
        archive.add_articles([(a, b"") for a in ARTICLES[5:8]])
        with pytest.raises(EngineChangedError):
            old.sync(archive)
        assert archive.pending_ids() != []
        assert open_index(tmp_path / "index").sync(archive) == 3
    assert count(tmp_path / "index", "") == 8
    assert not list((tmp_path / "index").glob("*.toc"))  # Whoosh's files: gone


def test_an_unreadable_engine_record_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "ENGINE").write_text("lucene\n", encoding="utf-8")
    with pytest.raises(EngineRecordError, match="no known engine"):
        engine_of(tmp_path / "index")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[:2]])
    done = invoke_cli(tmp_path, "search", "harbour")
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "no known engine" in done.stderr


def test_cli_switches_the_engine_and_back(tmp_path: Path) -> None:
    """The real path: a store, ``index --rebuild --engine tantivy``, searches and every
    later command on the tantivy index, ``--engine whoosh`` back."""

    def run(*args: str) -> str:
        done = invoke_cli(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES[:80]])
    run("index")
    before = run("search", "harbour", "--count")
    wrong = invoke_cli(tmp_path, "index", "--engine", "tantivy")
    assert wrong.returncode != 0
    assert "--rebuild" in wrong.stderr
    unknown = invoke_cli(tmp_path, "index", "--rebuild", "--engine", "lucene")
    assert unknown.returncode != 0
    assert unknown.stderr.strip().splitlines() == [
        "Error: unknown engine 'lucene': use one of whoosh, tantivy"
    ]
    assert "rebuilt index with 80 articles" in run("index", "--rebuild", "--engine", "tantivy")
    assert engine_of(tmp_path / "index") == "tantivy"
    assert run("search", "harbour", "--count") == before
    assert "harbour" in run("search", "harbour", "--sort", "newest").lower()
    assert ARTICLES[0].url in run("show", ARTICLES[0].id)
    assert "80" in run("stats")
    run("export", str(tmp_path / "out.jsonl"), "--format", "jsonl", "--query", "harbour")
    exported = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(exported) == int(before.split()[-1])
    with Archive(tmp_path / "archive.db") as archive:  # a crawl stores more: pending
        archive.add_articles([(a, b"") for a in ARTICLES[80:120]])
    assert "indexed 40 articles" in run("index", "--compact")
    assert run("search", "", "--count").strip().endswith("120")
    run("delete", ARTICLES[0].id, "--yes")
    assert run("search", "", "--count").strip().endswith("119")
    assert "rebuilt index with 119" in run("index", "--rebuild")  # stays tantivy
    assert engine_of(tmp_path / "index") == "tantivy"
    run("index", "--rebuild", "--engine", "whoosh")
    assert engine_of(tmp_path / "index") == "whoosh"
    assert not (tmp_path / "index" / "tantivy").exists()
    assert run("search", "", "--count").strip().endswith("119")


def test_a_crawl_indexes_into_the_archives_tantivy_index(
    feed_sources: Path, tmp_path: Path
) -> None:
    """A real crawl (one outlet's feed) into an archive on tantivy: its index writer syncs
    into the tantivy index, and searches find every article."""
    with Archive(tmp_path / "archive.db") as archive:
        open_index(tmp_path / "index", engine="tantivy").rebuild(archive)  # (empty)
    done = run_cli(tmp_path, "crawl", "--sources", str(feed_sources), *FAST)
    assert done.returncode == 0, done.stderr
    with Archive(tmp_path / "archive.db", readonly=True) as archive:
        stored = archive.count()
        assert stored > 0
        assert archive.pending_ids() == []
    assert engine_of(tmp_path / "index") == "tantivy"
    assert not list((tmp_path / "index").glob("*.toc"))
    assert count(tmp_path / "index", "") == TantivyIndex(tmp_path / "index").doc_count() == stored
    found = run_cli(tmp_path, "search", "", "--count")
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip().endswith(str(stored))


def test_the_index_keeps_only_ids_hits_show_what_the_store_holds(tmp_path: Path) -> None:
    # What a hit shows is read from the store: the index kept it too (bench articles:
    # 220 B per article); a document whose article the store lacks shows its id.
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES])
        open_index(tmp_path / "index", engine="tantivy").rebuild(archive)
        archive.delete([ARTICLES[0].id])  # (the index still holds it: not synced)
    stored = sum(f.stat().st_size for f in (tmp_path / "index").rglob("*.store"))
    assert stored / len(ARTICLES) < 25
    hits = {h.id: h for h in search(tmp_path / "index", "", limit=1000).hits}
    assert len(hits) == len(ARTICLES)
    for article in ARTICLES[1:]:
        hit = hits[article.id]
        assert (hit.url, hit.title, hit.published, hit.source) == (
            article.url, article.title, article.published, article.source)
        assert (hit.authors, hit.agencies) == (
            display_names(article.authors), display_names(article.agencies))
        assert hit.snippet
    assert (hits[ARTICLES[0].id].url, hits[ARTICLES[0].id].title) == ("", "")


def test_documents_indexed_by_earlier_versions_show_what_they_keep(tmp_path: Path) -> None:
    with tarfile.open(OLD_INDEX) as tar:  # 40 documents that keep what a hit shows
        tar.extractall(tmp_path, filter="tar")
    (tmp_path / "archive.db").unlink()
    hits = search(tmp_path / "index", "", limit=100).hits
    assert len(hits) == 40
    assert all(hit.url and hit.title and hit.snippet for hit in hits)


def test_hits_read_a_store_put_in_place_of_the_one_read_before(tmp_path: Path) -> None:
    article = ARTICLES[1]
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(article, b"")])
        open_index(tmp_path / "index", engine="tantivy").rebuild(archive)
    assert search(tmp_path / "index", "", snippets=False).hits[0].title == article.title
    with Archive(tmp_path / "restored.db") as restored:
        restored.add_articles([(replace(article, title="Restored title"), b"")])
    (tmp_path / "restored.db").replace(tmp_path / "archive.db")
    assert search(tmp_path / "index", "", snippets=False).hits[0].title == "Restored title"


def _schema_version(index: Path) -> str:
    return (TantivyIndex(index).dir / tantivy_writing.VERSION_FILE).read_text().strip()


def test_an_index_of_ids_only_is_version_2_one_of_version_1_is_read_and_marked_2(
    tmp_path: Path,
) -> None:
    # An older tool reads version 1 (documents that keep what a hit shows) and refuses
    # any other: "outdated schema: rebuild it", not a traceback on a document of ids only.
    _tantivy_archive(tmp_path / "new", 2)
    assert _schema_version(tmp_path / "new" / "index") == "2"
    with tarfile.open(OLD_INDEX) as tar:
        tar.extractall(tmp_path, filter="tar")
    index = tmp_path / "index"
    assert _schema_version(index) == "1"
    assert count(index, "") == 40
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(ARTICLES[0], b"")])
        assert open_index(index).sync(archive) == 1
    assert _schema_version(index) == "2"  # (it holds a document of an id only)
    hits = search(index, "", limit=100, snippets=False).hits
    assert len(hits) == 41
    assert all(hit.url and hit.title for hit in hits)


def test_hits_the_store_does_not_hold_show_their_ids_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Taken down in the store, not yet in the index (or a store older than the index):
    # each hit shows its id, and the search says once how many and what to run (added
    # up over the slices a stream reads).
    _tantivy_archive(tmp_path, 240)
    gone = [a.id for a in ARTICLES if a is not ARTICLES[2]]
    with Archive(tmp_path / "archive.db") as archive:
        archive.delete(gone)
    warning = ("Warning: hits not in the store (deleted, or a store older than the index):"
               " 239: run `search_cli.py index --rebuild` to bring the index up to date")
    for args in (["--limit", "240"], ["--jsonl"]):
        done = invoke_cli(tmp_path, "search", "", *args)
        assert done.returncode == 0, done.stderr
        assert all(article_id in done.stdout for article_id in gone)
        assert ARTICLES[2].url in done.stdout
        assert done.stderr.strip().splitlines() == [warning]
    (tmp_path / "archive.db").unlink()  # an index without its store: the library's warning
    with caplog.at_level("WARNING", logger="indexer.search.hit_fields"):
        hits = search(tmp_path / "index", "", limit=240, snippets=False).hits
    assert len({hit.id for hit in hits}) == 240
    assert "no store" in caplog.text
