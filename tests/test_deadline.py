"""A hard deadline: --max-runtime and SIGTERM end the crawl within the grace period.

Real crawls of loopback trap sites (tests/sites/traps.py) through the CLI.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import FAST, ROOT, run_cli
from tests.sites.traps import TrapSite, archived, write_sources

STARTUP = 15  # seconds a crawl may take to start and to end, on a loaded machine


def _failed(data: Path) -> list[str]:
    with sqlite3.connect(data / "archive.db") as db:
        return [u for (u,) in db.execute("select url from fetches where error is not null")]


def test_link_heavy_pages_end_by_the_deadline(tmp_path: Path) -> None:
    # 20,000 links a page: the crawl used to go on for minutes after "Closing spider".
    with TrapSite("links") as trap:
        sources = write_sources(tmp_path / "sources.toml", trap.toml("trap", depth=3))
        started = time.monotonic()
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "-s", "CRAWL_GRACE_PERIOD=3", "--max-runtime", "8", timeout=120)
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    assert "crawl stopped at --max-runtime:" in result.stdout
    assert elapsed < 8 + 3 + STARTUP


def test_hanging_servers_do_not_stretch_the_deadline(tmp_path: Path) -> None:
    # DOWNLOAD_TIMEOUT is 30 s and timed-out requests were retried after the close:
    # --max-runtime 5 took 35 s.
    with TrapSite("hang", links=20) as hang:
        sources = write_sources(tmp_path / "sources.toml", hang.toml("hang"))
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "-s", "CRAWL_GRACE_PERIOD=3", "-s", "DOWNLOAD_TIMEOUT=30",
                         "--max-runtime", "8", timeout=120)
        hang_requests = hang.hits["/hang"]
    assert result.returncode == 0, result.stderr[-2000:]
    seconds = float(result.stdout.rsplit(" errors, ", 1)[1].split("s")[0])
    assert seconds < 8 + 3 + 2
    failed = _failed(tmp_path / "data")
    assert failed, "the hanging pages are recorded as failed, to be tried again"
    assert len(failed) == len(set(failed)) == hang_requests  # nothing retried


def test_sigterm_ends_the_crawl_within_the_grace_period(tmp_path: Path) -> None:
    with TrapSite("hang", links=20) as hang, TrapSite("news") as news:
        sources = write_sources(tmp_path / "sources.toml", hang.toml("hang"), news.toml("news"))
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "search_cli.py"), "--data", str(tmp_path / "data"),
             "crawl", "--sources", str(sources), *FAST, "-s", "CRAWL_GRACE_PERIOD=3"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and news.hits["/2024"] < 30:
            time.sleep(0.2)
        time.sleep(2)  # the last articles go through extraction
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=60)
        after_term = time.monotonic() - sent
    assert proc.returncode == 5, err[-2000:]
    assert "crawl shutdown" in out
    assert after_term < 3 + STARTUP
    assert len(archived(tmp_path / "data")["news"]) == 30
