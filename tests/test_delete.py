"""``delete`` and ``vacuum``: takedowns from the store, the index and later exports, with
the WARC records kept but marked, so that nothing archives the articles again."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

from bench.syndication import build_test_set
from crawler.demosite import DemoSite
from crawler.distributed.frontier import KEYS, connect
from crawler.distributed.ingester import publish_archived
from crawler.takedown import vacuum
from indexer.article import article_id
from indexer.layout import DataDir
from indexer.search import search
from indexer.search.whoosh.index import ArchiveIndex
from indexer.store import Archive
from indexer.urls import normalize_url
from indexer.warcfile import iter_responses
from search_cli import cli
from tests.conftest import FAST, run_cli
from tests.sites.redis_server import local_redis
from tests.test_identity import SITE, STORY_A, STORY_B, _article
from tests.test_revisions import ADDED, _edit_one_page, _sources


def _cli(data: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _rows(data: Path, article_id: str) -> dict[str, int]:
    """How many rows of each table still name the article."""
    tables = {"articles": "id", "pages": "article_id", "revisions": "article_id",
              "aliases": "article_id", "syndication": "article_id",
              "article_authors": "article_id", "article_tags": "article_id"}
    with sqlite3.connect(data / "archive.db") as db:
        counts = {t: db.execute(f"select count(*) from {t} where {k} = ?", [article_id])
                  .fetchone()[0] for t, k in tables.items()}
        # band rows name a syndication row: none is left without one
        counts["syndication_bands"] = db.execute(
            "select count(*) from syndication_bands"
            " where member not in (select member from syndication)").fetchone()[0]
        return counts


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite() as running:
        yield running


@pytest.mark.integration
def test_a_deleted_article_leaves_store_index_and_exports_and_is_not_archived_again(
    site: DemoSite, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    sources = _sources(site, tmp_path / "sources.toml")
    assert run_cli(data, "crawl", "--sources", str(sources), *FAST).returncode == 0
    with Archive(data / "archive.db") as archive:
        articles = list(archive.iter_articles())
    target = _edit_one_page(site, articles)  # a second version: a revision to delete too
    assert run_cli(data, "crawl", "--sources", str(sources), *FAST).returncode == 0
    assert _rows(data, target.id)["revisions"] == 1
    export = tmp_path / "out.db"
    assert _cli(data, "export", str(export), "-q")[0] == 0

    code, out, err = _cli(data, "delete", target.id)
    assert code == 0, err
    assert out.strip() == "deleted 1 articles; 1 removed from the index"
    assert set(_rows(data, target.id).values()) == {0}
    assert not search(data / "index", f'"{ADDED}"').hits
    assert _cli(data, "show", target.id)[0] == 1
    with sqlite3.connect(data / "archive.db") as db:
        url, records = db.execute("select url, warc_records from deleted where article_id = ?",
                                  [target.id]).fetchone()
        assert url == target.url
        assert len(records.split()) == 2  # both versions' WARC records are marked
        assert db.execute("select count(*) from deleted_urls where article_id = ?",
                          [target.id]).fetchone()[0] >= 1
    warcs = sorted((data / "warc").glob("*.warc.gz"))
    assert any(r.url == target.fetched_url for w in warcs for r in iter_responses(w))  # kept

    # an existing SQLite export brought up to date drops it, full-text index included
    assert _cli(data, "export", str(export), "-q")[0] == 0
    with sqlite3.connect(export) as db:
        assert db.execute("select count(*) from articles where id = ?", [target.id]
                          ).fetchone()[0] == 0
        assert db.execute("select count(*) from articles_fts where articles_fts match ?",
                          [f'"{ADDED}"']).fetchone()[0] == 0
        assert db.execute("select count(*) from articles").fetchone()[0] == len(articles) - 1

    # neither a crawl (its page is not even fetched, so not archived again), nor a crawl
    # of its URL alone, nor an import of the WARC files, nor reextract brings it back
    def fetched() -> int:
        return sum(r.url == target.fetched_url
                   for w in (data / "warc").glob("*.warc.gz") for r in iter_responses(w))

    before = fetched()
    again = run_cli(data, "crawl", "--sources", str(sources), *FAST)
    assert again.returncode == 0, again.stderr
    alone = run_cli(data, "crawl", "--url", target.url, *FAST)
    assert alone.returncode == 0, alone.stderr
    assert fetched() == before
    imported = run_cli(data, "import-warc", *map(str, warcs))
    assert imported.returncode == 0, imported.stderr
    assert "imported 0 new articles" in imported.stdout
    assert _cli(data, "reextract", "-q")[0] == 0
    assert set(_rows(data, target.id).values()) == {0}
    with Archive(data / "archive.db") as archive:
        assert archive.count() == len(articles) - 1

    code, out, err = _cli(data, "vacuum")
    assert code == 0, err
    assert f"index rebuilt ({len(articles) - 1} articles)" in out
    assert not search(data / "index", f'"{ADDED}"').hits
    assert _cli(data, "delete", target.id)[1].strip() == (
        "deleted 0 articles (1 deleted before); 0 removed from the index")


@pytest.mark.integration
def test_deleting_a_source_asks_first(demo_archive: dict, tmp_path: Path) -> None:
    data = tmp_path / "copy"
    data.mkdir()
    with Archive(demo_archive["data"] / "archive.db", readonly=True) as archive:
        archive.db.conn.execute(f"VACUUM INTO '{data / 'archive.db'}'")
        ledger = len(archive.article_ids(source="ledger"))
        total = archive.count()
    code, _, err = _cli(data, "delete", "--source", "ledger", stdin="n\n")
    assert code == 0
    assert f"Delete all {ledger} articles of source 'ledger'? [y/N]" in err
    assert Archive(data / "archive.db").count() == total
    code, out, _ = _cli(data, "delete", "--source", "ledger", "--yes")
    assert code == 0
    assert out.startswith(f"deleted {ledger} articles")
    with Archive(data / "archive.db") as archive:
        assert archive.count() == total - ledger
        assert archive.article_ids(source="ledger") == []
    code, _, err = _cli(data, "delete", "--source", "nosuch", "--yes")
    assert code == 1
    assert "no source named 'nosuch'" in err


def test_unknown_keys_are_reported_and_the_others_deleted(tmp_path: Path) -> None:
    first, second = (s.article for s in build_test_set()[:2])
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(first, b"<html>1</html>"), (second, b"<html>2</html>")])
    code, out, err = _cli(tmp_path, "delete", "0123456789abcdef", first.url)
    assert code == 1
    assert out.strip() == "deleted 1 articles; 0 removed from the index"
    assert err.strip() == "Error: no article '0123456789abcdef' in the archive"
    assert _cli(tmp_path, "delete")[0] == 2  # nothing named


def test_the_store_refuses_to_store_a_deleted_article_again(tmp_path: Path) -> None:
    samples = build_test_set()
    first, second = samples[0].article, samples[2].article  # a story, and a copy of it
    assert (samples[0].edit, samples[2].edit) == ("original", "boilerplate")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(first, b""), (second, b"")])
        assert archive.copies(second.id) == [first.id]  # one syndicated story
        assert archive.delete([first.id, "0123456789abcdef"]) == [first.id]
        assert archive.copies(second.id) == []
        assert archive.stories([second.id]) in ({}, {second.id: second.id})
        assert archive.known_urls([first.url]) == {first.url}  # known: never fetched again
        counts = archive.add_articles([(first, b"")])
        assert counts["new"] == 0
        assert archive.get(first.id) is None
        assert archive.deleted_ids() == {first.id}


def test_delete_and_vacuum_wait_for_no_crawl(tmp_path: Path) -> None:
    with Archive(tmp_path / "archive.db"):
        pass
    with FileLock(tmp_path / "crawl.lock"):
        code, _, err = _cli(tmp_path, "delete", "0123456789abcdef")
        assert code == 1
        assert "cannot delete now: another crawl is running" in err
        assert _cli(tmp_path, "vacuum")[0] == 1
    assert _cli(tmp_path, "vacuum")[0] == 0


def test_a_markdown_export_updated_in_place_drops_a_deleted_article(tmp_path: Path) -> None:
    first, second = (s.article for s in build_test_set()[3:5])
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(first, b""), (second, b"")])
    out = tmp_path / "md"
    assert _cli(tmp_path, "export", str(out), "--format", "markdown", "-q")[0] == 0
    assert len(list(out.glob(f"*_{first.id}.txt"))) == 1
    assert _cli(tmp_path, "delete", first.url)[0] == 0
    assert _cli(tmp_path, "export", str(out), "--format", "markdown", "-q")[0] == 0
    assert [p.name.split("_")[1] for p in out.iterdir()] == [f"{second.id}.txt"]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_distributed_workers_are_told_a_deleted_url_is_not_to_be_fetched(tmp_path: Path) -> None:
    first, second = (s.article for s in build_test_set()[3:5])
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(first, b""), (second, b"")])
        archive.delete([first.id])
        with local_redis(tmp_path) as url:
            assert publish_archived(connect(url), archive) == 2
            assert connect(url).smembers(KEYS.archived) == {
                first.url.encode(), second.url.encode()}


def _moved(data: Path) -> tuple[str, str]:
    """An article archived and indexed at one identity, then moved to another (its page
    fetched again with a canonical URL) and not yet indexed again: (old id, new URL)."""
    fetched = f"{SITE}/n/4711"
    with Archive(data / "archive.db") as archive:
        archive.add_articles([(_article(fetched, fetched, STORY_A), b"a")])
        ArchiveIndex(data / "index").sync(archive)
        moved = f"{SITE}/n/4711-council"
        archive.add_articles([(_article(moved, fetched, STORY_A + " Corrected."), b"b")])
        assert archive.count() == 1
    return article_id(normalize_url(fetched)), moved


def test_deleting_a_moved_article_takes_its_old_identity_out_of_the_index(
    tmp_path: Path,
) -> None:
    old, moved = _moved(tmp_path)
    assert ArchiveIndex(tmp_path / "index").doc_count() == 1  # the old identity's document
    assert _cli(tmp_path, "delete", moved)[0] == 0
    assert ArchiveIndex(tmp_path / "index").doc_count() == 0
    assert search(tmp_path / "index", "harbour").total == 0
    with Archive(tmp_path / "archive.db") as archive:
        assert old in archive.deleted_ids()


def test_a_delete_the_index_was_too_busy_for_is_finished_by_running_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("indexer.search.whoosh.index.LOCK_TIMEOUT", 0.5)
    _, moved = _moved(tmp_path)
    with ArchiveIndex(tmp_path / "index", lock_timeout=0.1)._locked():  # a rebuild, say
        code, _, err = _cli(tmp_path, "delete", moved)
    assert code == 1
    assert "deleted from the store, not yet from the index" in err
    assert "run the same delete again" in err
    assert ArchiveIndex(tmp_path / "index").doc_count() == 1
    assert _cli(tmp_path, "delete", moved)[0] == 0  # by the same URL: known as deleted
    assert ArchiveIndex(tmp_path / "index").doc_count() == 0


def test_no_article_moves_onto_a_deleted_identity(tmp_path: Path) -> None:
    taken_down = f"{SITE}/n/99"
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([
            (_article(f"{SITE}/n/1", f"{SITE}/n/1", STORY_A), b"a"),
            (_article(taken_down, taken_down, STORY_B), b"b"),
        ])
        gone = archive.get(taken_down).id
        archive.delete([gone])
        record = archive.db.execute("select * from deleted").fetchall()
        # page 1 fetched again, now naming the deleted article's URL as its canonical
        archive.add_articles([(_article(taken_down, f"{SITE}/n/1", STORY_A), b"c")])
        assert archive.get(gone) is None
        assert archive.get(f"{SITE}/n/1").text == STORY_A
        assert archive.db.execute("select * from deleted").fetchall() == record


def test_an_export_updated_in_place_holds_a_moved_article_once(tmp_path: Path) -> None:
    fetched, moved = f"{SITE}/n/4711", f"{SITE}/n/4711-council"
    db, md = tmp_path / "out.db", tmp_path / "md"
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(_article(fetched, fetched, STORY_A), b"a"),
                              (_article(f"{SITE}/n/1", f"{SITE}/n/1", STORY_B), b"c")])
        old = archive.get(fetched).id
    for out in ((str(db),), (str(md), "--format", "markdown")):  # exported before the move
        assert _cli(tmp_path, "export", *out, "-q")[0] == 0
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(_article(moved, fetched, STORY_A + " Corrected."), b"b")])
        new = archive.get(moved).id
    for out in ((str(db),), (str(md), "--format", "markdown")):  # and after it
        assert _cli(tmp_path, "export", *out, "-q")[0] == 0
    with sqlite3.connect(db) as exported:
        ids = {i for (i,) in exported.execute("select id from articles")}
    assert new in ids
    assert old not in ids
    assert len(ids) == 2
    assert sorted(p.name.split("_")[1][:-4] for p in md.iterdir()) == sorted(ids)


def test_vacuum_reports_the_store_it_leaves(tmp_path: Path) -> None:
    articles = [s.article for s in build_test_set()[:12]]
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, os.urandom(200_000)) for a in articles])  # raw pages: MBs
        archive.delete([a.id for a in articles[1:]])
    before = (tmp_path / "archive.db").stat().st_size
    done = vacuum(DataDir(tmp_path))
    # (VACUUM writes the whole new file into the write-ahead log first)
    assert done.size_after < done.size_before / 2
    assert done.size_after <= (tmp_path / "archive.db").stat().st_size < before / 2
