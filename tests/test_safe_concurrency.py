"""Safe concurrency: reextract takes the crawl lock, exports replace files atomically, and
two SQLite exports into one file wait for each other."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.run import crawl_lock
from indexer.article import Article
from indexer.store import Archive
from search_cli import cli
from tests.conftest import ROOT

# CLI runs in child processes over an archive of 1,505 articles
pytestmark = pytest.mark.integration

WORDS = ["harbour", "council", "budget", "roads", "ferry", "school", "library", "market",
         "river", "bridge", "weather", "election", "museum", "hospital", "station", "theatre"]


def _article(n: int, source: str) -> Article:
    """An article whose text no other shares (so none is grouped as a syndicated copy)."""
    rng = random.Random(f"{source}{n}")
    text = " ".join(rng.choice(WORDS) + str(rng.randrange(10_000)) for _ in range(150))
    return Article(url=f"https://{source}.example/news/{n}", title=f"Story {n} of {source}",
                   source=source, text=text, authors=[f"Writer {n}"],
                   published="2024-05-01T09:00:00+00:00", language="en")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive folder: 5 articles of source 'small', 1,500 of source 'big'."""
    folder = tmp_path_factory.mktemp("concurrency")
    with Archive(folder / "archive.db") as archive:
        crawl = archive.begin_crawl(["small", "big"])
        articles = [_article(n, "small") for n in range(5)]
        articles += [_article(n, "big") for n in range(1_500)]
        archive.add_articles([(a, b"<html></html>") for a in articles], crawl_id=crawl)
        archive.finish_crawl(crawl, status="finished", stats={})
    return folder


def _cli(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(ROOT / "search_cli.py"), "--data", str(data),
                             *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_reextract_refuses_to_run_beside_a_crawl(data: Path) -> None:
    # It used to run, and overwrite the newer versions a revisiting crawl stored.
    with crawl_lock(data):
        result = CliRunner().invoke(cli, ["--data", str(data), "reextract", "--quiet"])
    assert result.exit_code == 1
    assert "cannot re-extract now: another crawl is running" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_killed_reexport_keeps_the_previous_file(data: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    first = _cli(data, "export", str(out), "--format", fmt, "--source", "small", "--quiet")
    assert first.wait(timeout=60) == 0, first.communicate()[1]
    before = out.read_bytes()
    again = _cli(data, "export", str(out), "--format", fmt, "--quiet")
    deadline = time.monotonic() + 60
    while again.poll() is None and time.monotonic() < deadline:
        if list(tmp_path.glob(f".export.{fmt}.*.tmp")) or out.stat().st_size != len(before):
            again.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    again.wait(timeout=60)
    after = out.read_bytes()
    if again.returncode == 0:  # it finished before it could be killed: a whole new file
        assert after.count(b"\n") > before.count(b"\n")
    else:
        assert after == before


def test_two_sqlite_exports_into_one_file_wait_for_each_other(data: Path, tmp_path: Path) -> None:
    # Deferred transactions ignored the busy timeout: one of the two failed at once
    # with "database is locked".
    out = tmp_path / "export.db"
    runs = [_cli(data, "export", str(out), "--quiet") for _ in range(2)]
    results = [(run.wait(timeout=120), run.communicate()[1]) for run in runs]
    assert [code for code, _ in results] == [0, 0], results
    meta = json.loads(out.with_suffix(".metadata.json").read_text(encoding="utf-8"))
    assert "export" in meta["databases"]
