"""Re-extraction: the archived responses go through the current extractor again."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.warc import reextract
from indexer.search import search
from indexer.store import Archive
from search_cli import cli

BOGUS = "Zyzzogeton headline from an older extractor"


@pytest.fixture
def copied_archive(demo_archive: dict, tmp_path: Path) -> Path:
    """A private copy of the demo archive (store, WARC files and index) to change."""
    data = tmp_path / "data"
    shutil.copytree(demo_archive["data"], data, ignore=shutil.ignore_patterns("crawl.lock"))
    return data


def _invoke(data: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--data", str(data), *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_reextract_repairs_store_and_index_then_changes_nothing(copied_archive: Path) -> None:
    data = copied_archive
    with Archive(data / "archive.db") as archive:
        victim = next(a for a in archive.iter_articles(source="ledger"))
        count = len(archive.article_ids(source="ledger"))
    # What an older, worse extractor left: a wrong title, indexed as such.
    with sqlite3.connect(data / "archive.db") as db:
        db.execute("update articles set title = ?, fingerprint = 'old', indexed_at = null"
                   " where id = ?", (BOGUS, victim.id))
    _invoke(data, "index")
    assert [h.id for h in search(data / "index", "zyzzogeton").hits] == [victim.id]

    out = _invoke(data, "reextract", "--source", "ledger", "--quiet")
    assert f"re-extracted {count} articles: 1 updated, {count - 1} unchanged" in out
    with Archive(data / "archive.db") as archive:
        repaired = archive.get(victim.id)
        assert repaired is not None
        assert repaired.title == victim.title
        assert repaired.fetched_at == victim.fetched_at
        assert archive.stats()["pending_index"] == 0
    assert search(data / "index", "zyzzogeton").hits == []

    again = _invoke(data, "reextract", "--source", "ledger", "--quiet")
    assert f"{count} articles: 0 updated, {count} unchanged" in again


def _archive_rows(data: Path) -> tuple[list[tuple], list[tuple]]:
    """Every article's row (without its write version and index time), and the stories."""
    with sqlite3.connect(data / "archive.db") as db:
        columns = [c for (c,) in db.execute("select name from pragma_table_info('articles')")
                   if c not in ("version", "indexed_at")]
        articles = db.execute(f"select {', '.join(columns)} from articles order by id").fetchall()
        stories = db.execute("select article_id, story from syndication order by 1").fetchall()
    return articles, stories


def test_reextract_in_pages_takes_every_article_once(
    copied_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ids are read a page (batch) at a time, by a key the re-extraction does not
    change: every article is stored with a date far earlier than its page's, so one keyed
    by publication date would come back after the cursor (and be checked twice). Pages of
    3 leave the same archive as pages larger than it."""
    whole = tmp_path / "whole"
    shutil.copytree(copied_archive, whole)
    for data in (copied_archive, whole):
        with sqlite3.connect(data / "archive.db") as db:
            db.execute("update articles set title = ?, published = '1901-01-01',"
                       " fingerprint = 'old'", (BOGUS,))
    with Archive(copied_archive / "archive.db") as archive:
        count = archive.count()
    assert count > 3 * 2

    monkeypatch.setattr(reextract, "BATCH", count + 1)
    assert f"re-extracted {count} articles: {count} updated" in _invoke(whole, "reextract", "-q")
    monkeypatch.setattr(reextract, "BATCH", 3)
    out = _invoke(copied_archive, "reextract", "-q")
    assert f"re-extracted {count} articles: {count} updated, 0 unchanged" in out
    paged = _archive_rows(copied_archive)
    assert paged == _archive_rows(whole)
    assert BOGUS not in {value for row in paged[0] for value in row}
