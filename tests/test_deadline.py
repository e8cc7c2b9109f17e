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

from click.testing import CliRunner
from scrapy.utils.test import get_crawler

from crawler.deadline import CrawlDeadline, process_age
from search_cli import cli
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


def test_the_grace_period_ends_budget_plus_grace_after_the_process_started() -> None:
    # The start-up (imports, the workers' fork server: 10-20 s on a loaded machine) came on
    # top of --max-runtime and the grace period: a crawl with --max-runtime 60 ran 91 s.
    deadline = CrawlDeadline(get_crawler(
        settings_dict={"CLOSESPIDER_TIMEOUT": 8, "CRAWL_GRACE_PERIOD": 30}))
    assert deadline.time_left() is None  # until the spider opens
    deadline.opened = time.monotonic()  # as its spider_opened handler notes
    age, left = process_age(), deadline.time_left()  # age: of this test process
    assert 0 < age < 24 * 3600
    assert left is not None
    # the start-up comes out of the grace period (less 3 s to finish), down to 5 s of it
    assert abs(left - max(8 + 30 - 3 - age, 8 + 5)) < 0.5
    unbounded = CrawlDeadline(get_crawler(settings_dict={"CRAWL_GRACE_PERIOD": 3}))
    unbounded.opened = time.monotonic()
    assert unbounded.time_left() is None


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


def _start_crawl(data: Path, sources: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``crawl --sources SOURCES ARGS...`` in a child process, to be signalled."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data),
         "crawl", "--sources", str(sources), *FAST, *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning"},
    )


def test_sigterm_ends_the_crawl_within_the_grace_period(tmp_path: Path) -> None:
    with TrapSite("hang", links=20) as hang, TrapSite("news") as news:
        sources = write_sources(tmp_path / "sources.toml", hang.toml("hang"), news.toml("news"))
        proc = _start_crawl(tmp_path / "data", sources, "-s", "CRAWL_GRACE_PERIOD=3")
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


def test_downloads_given_up_at_the_end_are_failed_fetches_tried_again(tmp_path: Path) -> None:
    # Downloads still in flight when the grace period ended were dropped without a record,
    # so no later crawl had a reason to try them again. --grace sets the period.
    with TrapSite("hang", links=20) as hang:
        sources = write_sources(tmp_path / "sources.toml", hang.toml("hang"))
        proc = _start_crawl(tmp_path / "data", sources, "--grace", "2",
                            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and hang.hits["/hang"] < 4:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        _, err = proc.communicate(timeout=60)
        after_term = time.monotonic() - sent
        hanging = hang.hits["/hang"]
    assert proc.returncode == 5, err[-2000:]
    assert after_term < 2 + STARTUP  # not the default 30 s
    assert "4 downloads recorded as failed" in err
    with sqlite3.connect(tmp_path / "data" / "archive.db") as db:
        given_up = dict(db.execute("select url, error from fetches where error like 'given up%'"))
    assert hanging == 4
    assert len(given_up) == 4
    assert all(e.endswith("end of the 2s grace period") for e in given_up.values())


def test_grace_is_a_crawl_option() -> None:
    result = CliRunner().invoke(cli, ["crawl", "--help"])
    assert "--grace SECONDS" in result.output
    bad = CliRunner().invoke(cli, ["crawl", "--grace", "-1"])
    assert bad.exit_code == 2
    assert "Invalid value for '--grace'" in bad.stderr
