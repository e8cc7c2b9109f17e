"""The Whoosh index: add/update/delete, sync with a real store, rebuild, locks, damage."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import indexer.search.engines as engines_module
import indexer.search.whoosh.index as index_module
import indexer.search.whoosh.writing as writing_module
from indexer.article import Article
from indexer.search import search
from indexer.search.engines import ENGINES, open_index
from indexer.search.whoosh.index import (
    MERGE_FACTOR,
    SMALL_BLOCK,
    ArchiveIndex,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    article_document,
    date_key,
)
from indexer.store import Archive
from tests.conftest import invoke_cli


def make_article(n: int, **changes: object) -> Article:
    fields: dict[str, object] = {
        "url": f"https://news.example/{n}",
        "title": f"Story number {n} about harbours",
        "text": f"Body of story {n}. The harbour master spoke about ships and tides.",
        "source": "example",
        "published": f"2022-{n % 12 + 1:02d}-15T08:00:00+00:00",
        "authors": ["Jane Doe"],
    }
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


@pytest.fixture
def index(tmp_path: Path) -> ArchiveIndex:
    ix = ArchiveIndex(tmp_path / "index", lock_timeout=0.3)
    ix.create()
    return ix


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "archive.db") as store:
        store.add_articles([(make_article(n), b"<html></html>") for n in range(12)])
        yield store


def test_create_makes_an_empty_index(tmp_path: Path) -> None:
    ix = ArchiveIndex(tmp_path / "index")
    assert not ix.exists()
    ix.create()
    assert ix.exists()
    assert ix.doc_count() == 0


def test_missing_index_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="no index"):
        ArchiveIndex(tmp_path / "nowhere").doc_count()


def test_readding_an_id_replaces_it(index: ArchiveIndex) -> None:
    assert index.add([make_article(n) for n in range(5)]) == 5
    index.add([make_article(1, title="Changed headline"), make_article(2)])
    assert index.doc_count() == 5
    hits = search(index.path, "changed headline").hits
    assert [h.url for h in hits] == ["https://news.example/1"]
    assert search(index.path, "title:number title:1").total == 0


def test_delete_removes_documents(index: ArchiveIndex) -> None:
    articles = [make_article(n) for n in range(4)]
    index.add(articles)
    assert index.delete([articles[0].id, "0000000000000000"]) == 1
    assert index.doc_count() == 3


def test_sync_indexes_pending_rows_and_marks_them(
    index: ArchiveIndex, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    releases = []
    monkeypatch.setattr(index_module, "release_memory", lambda: releases.append(1))
    assert len(archive.pending_ids()) == 12
    assert index.sync(archive, batch_size=5) == 12
    assert archive.pending_ids() == []
    assert index.doc_count() == 12
    assert releases == [1]  # freed memory handed back once, after the last batch
    assert index.sync(archive) == 0  # nothing left to do
    assert releases == [1]


def test_sync_takes_changed_rows_again(index: ArchiveIndex, archive: Archive) -> None:
    index.sync(archive)
    archive.add_articles([(make_article(3, title="Harbour strike ends"), b"")])
    assert index.sync(archive) == 1
    assert index.doc_count() == 12
    assert search(index.path, "strike").total == 1


def test_killed_sync_leaves_rows_pending(
    index: ArchiveIndex, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_add = ArchiveIndex.add
    calls = []

    def dying_add(self: ArchiveIndex, articles: list[Article], **options: Any) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is stopped in the middle of batch two
        return real_add(self, articles, **options)

    monkeypatch.setattr(ArchiveIndex, "add", dying_add)
    with pytest.raises(KeyboardInterrupt):
        index.sync(archive, batch_size=5)
    assert len(archive.pending_ids()) == 7  # the committed batch only is marked
    monkeypatch.setattr(ArchiveIndex, "add", real_add)
    assert index.sync(archive) == 7
    assert index.doc_count() == 12


def test_sync_creates_a_missing_index(tmp_path: Path, archive: Archive) -> None:
    ix = ArchiveIndex(tmp_path / "fresh")
    assert ix.sync(archive) == 12
    assert ix.doc_count() == 12


def test_rebuild_gives_the_same_documents(index: ArchiveIndex, archive: Archive) -> None:
    index.sync(archive)
    index.add([make_article(99)])  # in the index but not in the store: dropped by a rebuild
    assert index.doc_count() == 13
    assert index.rebuild(archive) == 12
    assert index.doc_count() == 12
    assert archive.pending_ids() == []
    assert search(index.path, "harbour").total == 12
    leftovers = [p.name for p in index.path.parent.iterdir() if ".rebuild-" in p.name]
    assert leftovers == []


def test_large_rebuild_uses_two_processes(
    index: ArchiveIndex, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("indexer.search.whoosh.index.PARALLEL_THRESHOLD", 1)
    assert index.rebuild(archive) == 12
    assert index.doc_count() == 12
    assert search(index.path, "harbour", limit=20).total == 12
    index.add([make_article(1, title="Changed after the rebuild")])
    assert index.doc_count() == 12


def test_rebuild_indexes_pending_rows_once(index: ArchiveIndex, archive: Archive) -> None:
    assert index.rebuild(archive) == 12  # all 12 pending: built once, not re-synced
    assert archive.pending_ids() == []


def test_searcher_opened_before_a_rebuild_keeps_working(
    index: ArchiveIndex, archive: Archive
) -> None:
    index.sync(archive)
    with index.searcher() as before:
        index.rebuild(archive)
        assert before.doc_count() == 12
        assert len(list(before.documents())) == 12


def test_superseded_files_are_removed_after_the_grace_period(
    index: ArchiveIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        index.add([make_article(n)])
    files = set(os.listdir(index.path))
    assert len([f for f in files if f.endswith(".toc")]) == 4  # all still within the grace
    monkeypatch.setattr("indexer.search.whoosh.writing.GRACE_SECONDS", 0.0)
    index.add([make_article(3)])
    current = {s.segment_id() for s in index.open()._segments()}
    left = {f.split(".")[0] for f in os.listdir(index.path) if f.startswith("MAIN_")}
    assert left - {"MAIN_WRITELOCK"} == current
    assert len(list(index.path.glob("*.toc"))) == 1
    assert index.doc_count() == 4


def test_failed_rebuild_keeps_the_old_index(
    index: ArchiveIndex, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.sync(archive)

    def broken(*args: object, **kwargs: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr("indexer.search.whoosh.index._fill", broken)
    with pytest.raises(OSError, match="disk full"):
        index.rebuild(archive)
    assert index.doc_count() == 12
    assert not [p for p in index.path.parent.iterdir() if ".rebuild-" in p.name]


def test_leftovers_of_a_killed_writer_are_harmless(index: ArchiveIndex) -> None:
    # A killed writer leaves its lock file, its temporary pool and a half-written TOC.
    (index.path / "MAIN_WRITELOCK").touch()
    (index.path / "MAIN.tmp").mkdir()
    (index.path / "MAIN.tmp" / "pool.tmp").write_bytes(b"x" * 1000)
    (index.path / "_MAIN_7.toc.1700000000.5").write_bytes(b"partial")
    (index.path.parent / ".index.rebuild-dead").mkdir()
    assert index.add([make_article(1)]) == 1
    assert index.doc_count() == 1
    assert not (index.path / "MAIN.tmp").exists()
    assert not (index.path / "_MAIN_7.toc.1700000000.5").exists()
    index.create()  # a rebuild-like operation sweeps dead rebuild directories
    assert not (index.path.parent / ".index.rebuild-dead").exists()


def test_a_live_writer_gives_a_clear_lock_error(index: ArchiveIndex) -> None:
    from whoosh.filedb.filestore import FileStorage

    lock = FileStorage(str(index.path)).lock("MAIN_WRITELOCK")
    assert lock.acquire()
    try:
        with pytest.raises(IndexLockedError, match="another process") as err:
            index.add([make_article(1)])
        assert "\n" not in str(err.value)
    finally:
        lock.release()
    assert index.add([make_article(1)]) == 1


def test_a_missing_segment_file_is_detected(index: ArchiveIndex, archive: Archive) -> None:
    index.sync(archive)
    for name in os.listdir(index.path):
        if name.startswith("MAIN_") and name != "MAIN_WRITELOCK":  # the segments' files
            (index.path / name).unlink()
    with pytest.raises(IndexCorruptError, match="damaged") as err:
        index.doc_count()
    assert "\n" not in str(err.value)
    assert index.open_or_rebuild(archive) is True
    assert index.doc_count() == 12
    assert index.open_or_rebuild(archive) is False


def test_a_garbled_toc_is_detected(index: ArchiveIndex, archive: Archive) -> None:
    index.sync(archive)
    toc = max(index.path.glob("_MAIN_*.toc"))
    toc.write_bytes(b"\x00garbage")
    with pytest.raises(IndexCorruptError):
        index.doc_count()
    assert index.exists()
    index.rebuild(archive)
    assert index.doc_count() == 12


def test_an_index_of_another_schema_is_outdated(tmp_path: Path) -> None:
    from whoosh import fields, index

    (tmp_path / "old").mkdir()
    index.create_in(str(tmp_path / "old"), fields.Schema(id=fields.ID(stored=True)), "MAIN")
    with pytest.raises(IndexCorruptError, match="outdated"):
        ArchiveIndex(tmp_path / "old").doc_count()


def test_document_fields() -> None:
    doc = article_document(
        make_article(
            1,
            authors=["Élise  Martin", "Bob"],
            agencies=["AFP"],
            language="en-GB",
            tags=["Climate, Energy"],
            published="2021-03-09",
        )
    )
    assert doc["author"] == "elise martin,martin,bob"
    assert doc["authors"] == "Élise Martin,Bob"
    assert doc["lang"] == "en"
    assert doc["tag"] == "climate energy"
    assert (doc["published"], doc["year"], doc["month"]) == (20210309, "2021", "2021-03")


def test_undated_articles_have_no_period() -> None:
    doc = article_document(make_article(1, published=None))
    assert doc["published"] == 0
    assert "year" not in doc
    assert "month" not in doc


@pytest.mark.parametrize(
    ("iso", "key"),
    [("2022-10-27T10:00:00+02:00", 20221027), ("2022-10", 0), ("garbage", 0), (None, 0),
     ("2022-13-01", 0)],
)
def test_date_key(iso: str | None, key: int) -> None:
    assert date_key(iso) == key


def test_small_posting_blocks_are_stored_uncompressed(index: ArchiveIndex) -> None:
    index.add(
        make_article(n, text="tide " * (n % 3 + 1) + ("rare words" if n < 3 else ""))
        for n in range(SMALL_BLOCK * 20)
    )
    with index.searcher() as searcher:
        reader = searcher.reader()
        assert reader.postings("body", "rare")._compression == 0
        assert reader.postings("body", "tide")._compression > 0  # a full block
        assert searcher.doc_count() == SMALL_BLOCK * 20
    assert search(index.path, '"rare words"').total == 3
    assert search(index.path, "tide", limit=0).total == SMALL_BLOCK * 20


def segment_files(index: ArchiveIndex) -> list[dict[str, bytes]]:
    """The files of each segment of the index, by extension, in segment order."""
    segments = index.open()._segments()
    names = os.listdir(index.path)
    return [
        {
            name.split(".", 1)[1]: (index.path / name).read_bytes()
            for name in names
            if name.startswith(f"{segment.segment_id()}.")
        }
        for segment in segments
    ]


def varied_article(n: int) -> Article:
    """Articles with long and short posting lists, repeated words, every field."""
    words = ["harbour", "tide", "ferry", "storm", "port", f"rare{n}", "Zürich", "strike"]
    body = " ".join(words[(n * 7 + i * i) % len(words)] for i in range(40 + n % 200))
    return make_article(
        n,
        text=body,
        description=f"Lead {n} of the day",
        agencies=["AFP"] if n % 3 else [],
        authors=["Jane Doe", "Ann Lee"][: n % 3],
        tags=["Sea", f"tag{n % 5}"],
        language="de" if n % 4 else "en",
        section="World",
        published=None if n % 9 == 0 else f"2021-{n % 12 + 1:02d}-0{n % 9 + 1}",
    )


@pytest.mark.slow
@pytest.mark.parametrize("merged", [False, True])
def test_fast_writer_writes_the_same_files_as_whoosh(
    tmp_path: Path, merged: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync's writer (postings pooled in memory, written term by term) gives
    byte-identical segments to Whoosh's writer, for new documents and for merges."""
    monkeypatch.setattr(writing_module, "WRITE_CHUNK", 100)  # the postings in many writes
    batches = [
        [varied_article(n) for n in range(300)],
        [varied_article(n) for n in range(300, 420)],
    ]
    results = []
    for writer_class in (index_module._GraceWriter, index_module._FastWriter):
        monkeypatch.setattr(index_module, "_FastWriter", writer_class)
        ix = ArchiveIndex(tmp_path / writer_class.__name__)
        ix.create()
        for batch in batches:
            ix.add(batch)
        if merged:
            assert ix.compact(full=True) == 2
        results.append(segment_files(ix))
    plain, fast = results
    assert len(plain) == (1 if merged else 2)
    assert fast == plain


def test_commits_merge_many_small_segments_only(index: ArchiveIndex) -> None:
    index.add([make_article(n) for n in range(150)])  # a segment of 150
    singles = [make_article(n) for n in range(150, 151 + MERGE_FACTOR)]
    for article in singles[:-1]:  # MERGE_FACTOR segments of one article
        index.add([article])
    assert len(index.open()._segments()) == 1 + MERGE_FACTOR
    index.add([singles[-1]])  # merged with them, not with the large segment
    assert sorted(s.doc_count_all() for s in index.open()._segments()) == [len(singles), 150]
    index.delete([a.id for a in singles])
    assert [s.doc_count_all() for s in index.open()._segments()] == [150]  # emptied: dropped
    index.add([make_article(1000)])
    assert sorted(s.doc_count_all() for s in index.open()._segments()) == [1, 150]
    assert search(index.path, "harbours", limit=0).total == index.doc_count() == 151


@pytest.mark.slow
def test_commits_leave_large_merges_to_compact(
    index: ArchiveIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "COMMIT_MERGE_DOCS", 100)
    for batch in range(MERGE_FACTOR + 1):  # segments of 20: together over the budget
        index.add([make_article(batch * 20 + n) for n in range(20)])
    assert len(index.open()._segments()) == MERGE_FACTOR + 1
    index.add([make_article(n) for n in range(1000, 1300)])  # the largest, 300
    assert index.compact(max_docs=200) == 0  # the 11 segments of 20 hold 220
    assert index.compact() == MERGE_FACTOR + 1  # the size class 10-99 into one
    assert sorted(s.doc_count_all() for s in index.open()._segments()) == [220, 300]
    index.add([make_article(2000)])
    index.add([make_article(2001)])
    assert index.compact(at_least=3) == 0  # no size class has three segments
    assert index.compact(max_docs=10) == 2  # the two of 1; 220 + 300 is over the budget
    assert sorted(s.doc_count_all() for s in index.open()._segments()) == [2, 220, 300]
    assert index.compact(full=True) == 3
    assert [s.doc_count_all() for s in index.open()._segments()] == [522]
    assert search(index.path, "harbours", limit=0).total == 522


def test_index_compact_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from search_cli import cli

    with Archive(tmp_path / "archive.db") as store:
        store.add_articles([(make_article(n), b"") for n in range(200)])
    runner = CliRunner()
    result = runner.invoke(cli, ["--data", str(tmp_path), "index"])
    assert result.stdout.splitlines() == ["indexed 200 articles"]
    index = ArchiveIndex(tmp_path / "index")
    for n in range(3):  # three small segments
        with Archive(tmp_path / "archive.db") as store:
            store.add_articles([(make_article(1000 + n), b"")])
            index.sync(store)
    monkeypatch.setattr(engines_module, "COMPACT_MAX_DOCS", 2)
    result = runner.invoke(cli, ["--data", str(tmp_path), "index", "--compact"])
    assert result.stdout.splitlines()[-1] == "merged 0 index segments"  # 3 over the bound
    monkeypatch.undo()
    result = runner.invoke(cli, ["--data", str(tmp_path), "index", "--compact"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["indexed 0 articles", "merged 3 index segments"]
    assert sorted(s.doc_count_all() for s in index.open()._segments()) == [3, 200]
    assert index.doc_count() == 203


def test_large_adds_pool_their_postings_on_disk(
    index: ArchiveIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "FAST_MERGE_DOCS", 3)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the in-memory writer took a large add")

    monkeypatch.setattr(index_module._FastWriter, "__init__", refuse)
    assert index.add([make_article(n) for n in range(5)]) == 5
    assert search(index.path, "harbours", limit=0).total == 5
    with pytest.raises(AssertionError, match="in-memory"):
        index.add([make_article(n) for n in range(3)])


def search_results(path: Path, queries: list[str]) -> list[tuple[int, list[str]]]:
    """Total and ranked ids of each query."""
    return [
        (found.total, [hit.id for hit in found.hits])
        for found in (search(path, query, limit=50) for query in queries)
    ]


def test_large_adds_write_two_segments_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper process writes the second half of a large add into a segment of its own,
    committed with the first: the same documents, found the same way, as one writer."""
    articles = [varied_article(n) for n in range(60)]
    queries = ["harbour", "storm -ferry", '"tide ferry"', "rare7 OR rare51", "zurich"]
    serial = ArchiveIndex(tmp_path / "serial")
    serial.create()
    serial.add(articles)
    monkeypatch.setattr(index_module, "PARALLEL_ADD", 20)
    # The helper is only worth it with two CPUs, but works on one: take it on any machine.
    monkeypatch.setattr(index_module.forked, "available", lambda: True)
    index = ArchiveIndex(tmp_path / "parallel")
    index.create()
    assert index.add(articles) == 60
    assert [s.doc_count_all() for s in index.open()._segments()] == [30, 30]
    assert search_results(index.path, queries) == search_results(serial.path, queries)
    with index.searcher() as searcher:  # documents in the order given, across segments
        assert [f["id"] for f in searcher.all_stored_fields()] == [a.id for a in articles]
    updated = [make_article(n, text="Lighthouse keepers") for n in range(40, 70)]
    assert index.add(updated) == 30  # replaces 20 of the 60, adds 10
    assert index.doc_count() == 70
    assert search(index.path, "lighthouse", limit=0).total == 30
    assert search(index.path, "rare45", limit=0).total == 0


def test_a_failed_helper_process_leaves_the_index_as_it_was(
    index: ArchiveIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.add([make_article(n) for n in range(5)])
    before = [s.segment_id() for s in index.open()._segments()]
    monkeypatch.setattr(index_module, "PARALLEL_ADD", 4)

    def disk_full(self: ArchiveIndex, *args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ArchiveIndex, "_write_segment", disk_full)
    with pytest.raises(OSError, match="No space left") as raised:
        index.add([make_article(n) for n in range(10, 20)])
    assert raised.value.errno == 28  # the child's own error, as it was

    def killed(self: ArchiveIndex, *args: object) -> None:
        os.kill(os.getpid(), 9)

    monkeypatch.setattr(ArchiveIndex, "_write_segment", killed)
    with pytest.raises(index_module.ArchiveIndexError, match="killed by signal 9"):
        index.add([make_article(n) for n in range(10, 20)])
    assert [s.segment_id() for s in index.open()._segments()] == before
    assert index.doc_count() == 5
    monkeypatch.undo()
    assert index.add([make_article(n) for n in range(10, 20)]) == 10  # and the lock is free
    assert index.doc_count() == 15


def matches(path: Path, queries: list[str]) -> list[set[str]]:
    """The ids each query finds."""
    return [{hit.id for hit in search(path, query, limit=1000).hits} for query in queries]


@pytest.mark.slow
def test_compacting_from_the_store_indexes_the_articles_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the store, compaction indexes the merged segments' live articles anew (in two
    processes) and drops those segments: the same documents, found the same way."""
    monkeypatch.setattr(index_module, "PARALLEL_ADD", 20)
    index = ArchiveIndex(tmp_path / "index")
    queries = ["harbour", "storm -ferry", '"tide ferry"', "rare7 OR rare51", "zurich", "lead"]
    with Archive(tmp_path / "archive.db") as store:
        for first in range(0, 90, 10):  # nine segments of ten (ten would merge)
            store.add_articles([(varied_article(n), b"") for n in range(first, first + 10)])
            index.sync(store)
        store.add_articles([(varied_article(n), b"") for n in range(90, 390)])
        index.sync(store)  # two segments of 150 (a helper process wrote one)
        changed = make_article(5, text="Lighthouse keepers")
        store.add_articles([(changed, b"")])
        index.sync(store)  # 5 deleted in its segment, a segment of one
        sizes = sorted(s.doc_count_all() for s in index.open()._segments())
        assert sizes == [1, 10, 10, 10, 10, 10, 10, 10, 10, 10, 150, 150]
        before = matches(index.path, queries)
        store.add_articles([(make_article(999), b"")])  # stored, not yet indexed
        assert index.compact(store, max_docs=200) == 9  # the nine of ten; 1 and 150s stay
        sizes = sorted(s.doc_count_all() for s in index.open()._segments())
        assert sizes == [1, 44, 45, 150, 150]  # 89 live documents, in two processes
        # Ranks of equal scores follow the documents' order, which compaction changes.
        assert matches(index.path, queries) == before
        assert search(index.path, "lighthouse").total == 1
        assert index.doc_count() == 390
        assert store.pending_ids() == [make_article(999).id]  # left for the next sync


@pytest.mark.parametrize("module", ["indexer.index", "indexer.search.whoosh.index"])
def test_an_index_written_where_the_classes_used_to_be_still_opens(
    tmp_path: Path, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index's saved schema and segments (pickles) name FastText and LeanCodec by the
    module that held them when it was written (indexer/index.py before the layout of
    issue 17): such an index opens and answers, not "damaged: rebuild it"."""
    from indexer.search.whoosh.schema import FastText
    from indexer.search.whoosh.writing import LeanCodec

    index = ArchiveIndex(tmp_path / "index")
    with monkeypatch.context() as patched:
        for cls in (FastText, LeanCodec):
            patched.setattr(cls, "__module__", module)
        index.create()
        index.add([make_article(n) for n in range(3)])
    saved = b"".join(toc.read_bytes() for toc in index.path.glob("*.toc"))
    for name in (b"FastText", b"LeanCodec"):  # (pickled as module, then name)
        assert re.search(re.escape(module.encode()) + rb"\W{1,4}" + name, saved)
    assert index.doc_count() == 3
    assert search(index.path, "harbours").total == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_index_rebuilds_an_index_folder_that_was_deleted(tmp_path: Path, engine: str) -> None:
    # The store marks its articles indexed: a sync alone made an empty index ("indexed 0
    # articles") and every search found nothing.
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(make_article(n), b"") for n in range(5)])
        open_index(tmp_path / "index", engine=engine).rebuild(archive)
    shutil.rmtree(tmp_path / "index")
    assert invoke_cli(tmp_path, "index").returncode == 0
    assert invoke_cli(tmp_path, "search", "harbour", "--count").stdout.strip() == "5"
