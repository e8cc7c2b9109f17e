"""An SQLite export killed midway (SIGKILL, through the CLI, real files): the next run gives
a whole, correct export."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.schema import read_article_lists, row_article
from indexer.store import Archive
from tests.conftest import ROOT
from tests.test_export import SPECS, fixture_article

pytestmark = pytest.mark.integration

# Runs the CLI with 2 articles per transaction of the SQLite export, and kills itself with
# SIGKILL as the export reads its batch number ``argv[1]`` from the archive.
KILLED_AT_BATCH = """
import os, signal, sys
import indexer.export
from indexer.store import Archive
from search_cli import cli

indexer.export.SQLITE_BATCH = 2
read, batches = Archive.get_many, 0

def get_many(self, ids):
    global batches
    batches += 1
    if batches == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
    return read(self, ids)

Archive.get_many = get_many
cli(sys.argv[2:])
"""


def _export(data: Path, out: Path, *args: str, killed_at: int = 0) -> int:
    """Run ``export OUT --quiet ARGS`` in a child process (killed at batch ``killed_at``);
    return its exit status (negative: the signal that ended it)."""
    return subprocess.run(
        [sys.executable, "-c", KILLED_AT_BATCH, str(killed_at), "--data", str(data), "export",
         str(out), "--quiet", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    ).returncode


def _exported(path: Path) -> dict[str, object]:
    """The articles an export holds, rebuilt from its rows, and its other tables; checked
    whole (the file and its full-text index over the rows)."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
        rows = [dict(r) for r in conn.execute("SELECT * FROM articles")]
        lists = read_article_lists(conn, [r["id"] for r in rows])
        found = {r["id"]: row_article(r, lists[r["id"]]) for r in rows}
        words = {word: sorted(r[0] for r in conn.execute(
            "SELECT a.id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
            " WHERE articles_fts MATCH ?", [word])) for _, _, word in SPECS}
        others = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")))
                  for t in ("sources", "crawls")}
    return {"articles": found, "words": words, **others}


def test_a_killed_export_is_redone_whole(tmp_path: Path) -> None:
    with Archive(tmp_path / "archive.db") as archive:
        crawl = archive.begin_crawl(["alpha", "beta"])
        archive.add_articles([(fixture_article(n), b"") for n in range(len(SPECS))],
                             crawl_id=crawl)
        archive.finish_crawl(crawl, status="finished", stats={"new": len(SPECS)})
    whole = tmp_path / "whole.db"
    assert _export(tmp_path, whole) == 0
    expected = _exported(whole)
    assert expected["articles"] == {a.id: a for a in map(fixture_article, range(len(SPECS)))}

    out = tmp_path / "out.db"  # a new export, killed after two transactions
    assert _export(tmp_path, out, killed_at=3) == -signal.SIGKILL
    assert not out.exists()  # was there, half-written, with a full-text index: an export
    assert len(list(tmp_path.glob(".out.db.*"))) == 1
    assert _export(tmp_path, out) == 0
    assert _exported(out) == expected
    assert not list(tmp_path.glob(".out.db.*"))  # the killed one's file is gone

    out = tmp_path / "updated.db"  # an export brought up to date, killed midway
    assert _export(tmp_path, out, "--source", "beta") == 0
    assert _export(tmp_path, out, killed_at=2) == -signal.SIGKILL
    assert _export(tmp_path, out) == 0
    assert _exported(out) == expected
