"""The bulk paths' transactions: many extraction batches per commit, nothing committed lost."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.warc import importer, reextract
from indexer import database, stories
from indexer.database import ArchiveFile
from indexer.store import Archive
from search_cli import cli
from tests.sites.hostile import article_html, prose
from tests.test_warc import _warc_of

ROOT = Path(__file__).resolve().parents[1]
PAGES = 12


def _pages(first: int = 0, count: int = PAGES) -> dict[str, str]:
    return {f"https://news.example/2024/05/{n:02d}/story-{n}": article_html(
        f"Story {n}", prose(f"Story {n} of the harbour")) for n in range(first, first + count)}


def _commits_of(monkeypatch: pytest.MonkeyPatch, table_write: str) -> list[int]:
    """Record, for each transaction that committed statements starting ``table_write``
    (e.g. ``INSERT INTO articles``), how many such statements it ran (one per row)."""
    commits: list[int] = []
    open_writes = [0]

    def trace(statement: str) -> None:
        if statement.startswith(table_write):
            open_writes[0] += 1
        elif statement == "COMMIT":
            if open_writes[0]:
                commits.append(open_writes[0])
            open_writes[0] = 0

    connect = ArchiveFile._connect

    def traced(self: ArchiveFile) -> sqlite3.Connection:
        conn = connect(self)
        conn.set_trace_callback(trace)
        return conn

    monkeypatch.setattr(ArchiveFile, "_connect", traced)
    return commits


def _import(data: Path, warc: Path) -> str:
    result = CliRunner().invoke(cli, ["--data", str(data), "import-warc", str(warc), "-q"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_import_commits_many_batches_at_once_up_to_its_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 2: one commit for the 12 articles (they were 6), and with a bound of 4
    articles, a commit every 4."""
    monkeypatch.setattr(importer, "BATCH", 2)
    commits = _commits_of(monkeypatch, "INSERT INTO articles")
    warc = _warc_of(tmp_path / "a.warc.gz", _pages())
    assert _import(tmp_path / "one", warc).startswith(f"imported {PAGES} new articles")
    assert commits == [PAGES]

    commits.clear()
    monkeypatch.setattr(database, "GROUP_ARTICLES", 4)
    assert _import(tmp_path / "three", warc).startswith(f"imported {PAGES} new articles")
    assert commits == [4, 4, 4]


def test_reextract_commits_many_batches_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 2)
    monkeypatch.setattr(reextract, "BATCH", 2)
    data = tmp_path / "data"
    _import(data, _warc_of(tmp_path / "a.warc.gz", _pages()))
    with sqlite3.connect(data / "archive.db") as db:  # as if an older extractor wrote them
        db.execute("UPDATE articles SET fingerprint = x'00'")
    commits = _commits_of(monkeypatch, 'UPDATE articles SET "')  # (not the index marks)
    result = CliRunner().invoke(cli, ["--data", str(data), "reextract", "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"re-extracted {PAGES} articles: {PAGES} updated")
    assert commits == [PAGES]


def test_a_failed_write_in_a_group_leaves_nothing_and_keeps_the_writes_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.extract import extract_article

    first, second = ([extract_article(html.encode(), url) for url, html in pages.items()]
                     for pages in (_pages(0, 2), _pages(2, 2)))
    with Archive(tmp_path / "archive.db") as archive:
        with archive.grouped_writes():
            assert archive.db.execute("PRAGMA wal_autocheckpoint").fetchone() == (
                database.GROUP_CHECKPOINT_PAGES,)  # checkpointed less often meanwhile
            archive.add_articles([(a, b"") for a in first])
            monkeypatch.setattr(stories, "group_copies", _fail)  # after its rows are written
            with pytest.raises(RuntimeError):
                archive.add_articles([(a, b"") for a in second])
            monkeypatch.undo()
        assert archive.db.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
        assert sorted(archive.article_ids()) == sorted(a.id for a in first)
        assert len(archive.stories([a.id for a in first])) == 2  # grouped as one story


def _fail(*args: object, **kwargs: object) -> None:
    raise RuntimeError("failed mid-way")


# import-warc in a process of its own, committing every 4 articles, that sends itself a
# signal once it has stored its third batch of 2 (not committed yet).
SIGNALLED_IMPORT = """
import os, signal, sys
from crawler.warc import importer
from indexer import database
from search_cli import cli

importer.BATCH = 2
database.GROUP_ARTICLES = 4
store, stored = importer._store_batch, []

def store_then_signal(*args, **kwargs):
    store(*args, **kwargs)
    stored.append(1)
    if len(stored) == 3:
        os.kill(os.getpid(), signal.{signal})

importer._store_batch = store_then_signal
cli(sys.argv[1:])
"""


@pytest.mark.parametrize(("signal", "status", "kept", "crawl"), [
    ("SIGKILL", -9, 4, "killed"),  # the third batch is lost
    ("SIGINT", 1, 6, "interrupted"),  # Ctrl-C: what was stored is committed
])
def test_an_import_killed_or_interrupted_loses_nothing_committed_and_the_next_run_resumes(
    tmp_path: Path, signal: str, status: int, kept: int, crawl: str
) -> None:
    data = tmp_path / "data"
    warc = _warc_of(tmp_path / "a.warc.gz", _pages())
    stopped = subprocess.run(
        [sys.executable, "-c", SIGNALLED_IMPORT.format(signal=signal), "--data", str(data),
         "import-warc", str(warc), "-q"], cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert stopped.returncode == status, stopped.stderr
    with Archive(data / "archive.db") as archive:
        assert archive.count() == kept
        before = set(archive.article_ids())

    out = _import(data, warc)
    assert out.startswith(f"imported {PAGES - kept} new articles from {PAGES} responses: "
                          f"{kept} already archived")
    with Archive(data / "archive.db") as archive:
        assert archive.count() == PAGES
        assert before < set(archive.article_ids())
        assert [c["status"] for c in archive.crawls()] == [crawl, "finished"]
        for article in archive.iter_articles():  # each page in the archive's WARC files
            location = archive.page_location(article.id)
            assert location is not None
            assert archive.read_warc(location).url == article.fetched_url


def test_a_slow_batch_does_not_hold_the_write_lock_past_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the next batch is still extracted (one slow page), the group's transaction is
    committed once its time bound passes: a crawl storing beside the import gets the lock
    within its busy timeout, and the import's first batch is already committed."""
    from crawler.extract import extract_article
    from crawler.processes import overlap

    monkeypatch.setattr(overlap, "IDLE_SECONDS", 0.05)
    first, second, crawl = ([extract_article(html.encode(), url) for url, html in p.items()]
                            for p in (_pages(0, 2), _pages(2, 2), _pages(4, 1)))
    path = tmp_path / "archive.db"
    got_in: list[str] = []

    async def extract(batch: list) -> list:
        if batch is second:  # a slow page: another writer comes meanwhile
            await asyncio.sleep(0.3)
            with Archive(path, timeout=0.5) as beside:
                beside.add_articles([(a, b"") for a in crawl])
                got_in.append("crawl")
        return batch

    with Archive(path) as archive, archive.grouped_writes(seconds=0.1):
        asyncio.run(overlap.overlapped(
            [first, second], extract,
            lambda batch, done: archive.add_articles([(a, b"") for a in done]),
            idle=archive.commit_due,
        ))
    assert got_in == ["crawl"]
    with Archive(path) as archive:
        assert archive.count() == 5
