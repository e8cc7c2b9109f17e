"""Re-extraction: the archived responses go through the current extractor again."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

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
