"""Running from cron: the crawl lock, time budget, SIGTERM, log file, retries, health."""

from __future__ import annotations

import json
import logging
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demosite import expected_articles, sources_toml
from crawler.run import CrawlBusyError, crawl_lock, log_to_file
from indexer.article import Article
from indexer.health import alarms, source_health
from indexer.search.whoosh.index import ArchiveIndex
from indexer.store import Archive, Fetch
from tests.conftest import FAST, ROOT, index_locked, invoke_cli, run_cli

pytestmark = pytest.mark.integration

SLOW = [
    "-s",
    "DOWNLOAD_DELAY=0.5",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=1",
]


def _counts(data: Path) -> tuple[int, int]:
    """(articles stored, articles still waiting for the index)."""
    with sqlite3.connect(data / "archive.db") as db:
        stored = db.execute("select count(*) from articles").fetchone()[0]
        pending = db.execute("select count(*) from articles where indexed_at is null").fetchone()[0]
    return stored, pending


def _wait_for_stored_articles(data: Path, proc: subprocess.Popen, limit: float = 60) -> None:
    """Wait until a running crawl has committed articles (however slow the machine)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if (data / "archive.db").exists() and _counts(data)[0] > 0:
                return
        except sqlite3.OperationalError:  # the schema is being created
            pass
        time.sleep(0.2)
    raise AssertionError("the crawl stored nothing while it ran")


def _last_crawl(data: Path) -> dict:
    with sqlite3.connect(data / "archive.db") as db:
        status, stats = db.execute("select status, stats from crawls order by id desc").fetchone()
    return {"status": status, "stats": json.loads(stats)}


def test_overlapping_crawl_exits_at_once(tmp_path: Path, demo_sources: Path) -> None:
    with crawl_lock(tmp_path):
        started = time.monotonic()
        result = run_cli(tmp_path, "crawl", "--sources", str(demo_sources), *FAST)
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "another crawl is running" in result.stderr
    assert elapsed < 60  # generous for a loaded machine; waiting for the lock would hang
    assert not (tmp_path / "archive.db").exists()


def test_lock_dies_with_its_holder(tmp_path: Path) -> None:
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from crawler.run import crawl_lock\n"
        "with crawl_lock(sys.argv[2]):\n print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(ROOT), str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(CrawlBusyError), crawl_lock(tmp_path):
        pass
    holder.kill()
    holder.wait()
    with crawl_lock(tmp_path):  # no stale lock: the kernel released it
        pass


def test_max_runtime_closes_gracefully(tmp_path: Path, demo_sources: Path) -> None:
    result = run_cli(tmp_path, "crawl", "--sources", str(demo_sources), *SLOW, "--max-runtime", "4")
    assert result.returncode == 0, result.stderr
    assert "crawl stopped at --max-runtime:" in result.stdout
    stored, pending = _counts(tmp_path)
    assert stored > 0
    assert pending == 0
    assert _last_crawl(tmp_path)["status"] == "closespider_timeout"


@pytest.mark.slow
def test_articles_are_stored_and_searchable_within_seconds(
    tmp_path: Path, demo_sources: Path
) -> None:
    """Commits come every few seconds, not only every STORE_BATCH_SIZE articles; a crawl
    killed midway leaves them, and the next run marks its crawl row ``killed``."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(tmp_path), "crawl",
         "--sources", str(demo_sources), *SLOW, "-s", "STORE_BATCH_SIZE=1000"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        stored = indexed = 0
        _wait_for_stored_articles(tmp_path, proc)  # the start-up: however slow the machine
        deadline = time.monotonic() + 40  # from the first commit
        while time.monotonic() < deadline and not (stored and indexed):
            time.sleep(0.5)
            stored, pending = _counts(tmp_path)
            indexed = stored - pending
        assert proc.poll() is None, "the crawl ended before the check"
        assert stored > 0
        assert indexed > 0, "nothing indexed within 40 s of the first commit"
        assert _last_crawl(tmp_path)["status"] == "running"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    with sqlite3.connect(tmp_path / "archive.db") as db:
        url, title = db.execute(
            "select url, title from articles where indexed_at is not null").fetchone()
    found = invoke_cli(tmp_path, "search", f"title:{max(title.split(), key=len)}", "--count")
    assert found.returncode == 0, found.stderr
    assert int(found.stdout.split()[0]) > 0
    again = run_cli(tmp_path, "crawl", "--url", url, *FAST, cwd=tmp_path)  # any next crawl
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(tmp_path / "archive.db") as db:
        statuses = [r[0] for r in db.execute("select status from crawls order by id")]
    assert statuses == ["killed", "finished"]


def test_sigterm_stops_gracefully_and_keeps_everything(tmp_path: Path, demo_sources: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "search_cli.py"),
            "--data",
            str(tmp_path),
            "crawl",
            "--sources",
            str(demo_sources),
            *SLOW,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_stored_articles(tmp_path, proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 5, err
    assert "crawl shutdown" in out
    stored, pending = _counts(tmp_path)
    assert stored > 0
    assert pending == 0
    assert _last_crawl(tmp_path)["status"] == "shutdown"


def test_log_file_survives_rotation(tmp_path: Path) -> None:
    path = tmp_path / "crawl.log"
    log = logging.getLogger("crawler.test_rotation")
    log_to_file(path, "INFO")
    try:
        log.warning("before rotation")
        path.rename(tmp_path / "crawl.log.1")
        log.warning("after rotation")
    finally:
        for handler in logging.getLogger().handlers[:]:
            if isinstance(handler, logging.FileHandler) and handler.baseFilename == str(path):
                logging.getLogger().removeHandler(handler)
                handler.close()
    assert "before rotation" in (tmp_path / "crawl.log.1").read_text()
    assert "after rotation" in path.read_text()


def test_crawl_log_file_gets_the_summary(tmp_path: Path, demo_site: dict[str, str]) -> None:
    log = tmp_path / "logs" / "crawl.log"
    log.parent.mkdir()
    url = expected_articles(demo_site)[0]["url"]  # one page: any crawl ends with a summary
    result = run_cli(
        tmp_path / "data", "crawl", "--url", url, *FAST, "--log-file", str(log), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "crawl finished" in log.read_text()


def test_failed_urls_are_retried_then_given_up(demo_site: dict, tmp_path: Path) -> None:
    base = demo_site["courier"]
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "courier"\nurl = "{base}"\nfollow = false\n')
    target = next(a["url"] for a in expected_articles(demo_site) if a["source"] == "courier")
    dead = f"{base}gone-for-now"
    with Archive(tmp_path / "archive.db") as archive:
        crawl = archive.begin_crawl(["courier"])
        archive.record_fetches([Fetch(target, 503), Fetch(dead, None, "connection refused")], crawl)
    result = run_cli(tmp_path, "crawl", "--sources", str(sources), *FAST)
    assert result.returncode == 0, result.stderr
    with Archive(tmp_path / "archive.db") as archive:
        assert archive.has_url(target)  # retried, archived
        assert archive.failed_urls() == []  # dead URL: 404 now, a final answer
    # a URL failing for a passing reason is tried at most RETRY_FAILED_MAX times in all
    with Archive(tmp_path / "archive.db") as archive:
        archive.record_fetches([Fetch(f"{base}flaky", 503)] * 3)
        assert f"{base}flaky" not in archive.failed_urls(3)
        assert f"{base}flaky" in archive.failed_urls(4)


def _article(n: int, source: str, *, dated: bool) -> Article:
    return Article(
        url=f"http://127.0.0.1:9/{source}/{n}",
        title=f"Story {n}",
        source=source,
        text="word " * 300,
        published="2024-05-01" if dated else None,
        authors=["Ann Writer"],
    )


def test_health_alarm_when_a_source_changes_its_pages(tmp_path: Path) -> None:
    with Archive(tmp_path / "archive.db") as archive:
        for crawl_no, dated in ((1, True), (2, True), (3, False)):
            crawl = archive.begin_crawl(["site"])
            batch = [_article(100 * crawl_no + i, "site", dated=dated) for i in range(10)]
            archive.add_articles([(a, b"<html></html>") for a in batch], crawl)
            archive.finish_crawl(crawl, status="finished", stats={"site/failed": 1})
        rows = source_health(archive)
    assert [(r.crawl, r.new, r.no_date, r.failures) for r in rows] == [
        (1, 10, 0.0, 1),
        (2, 10, 0.0, 1),
        (3, 10, 1.0, 1),
    ]
    messages = alarms(rows)
    assert len(messages) == 1
    assert "without a date rose from 0% to 100%" in messages[0]
    assert alarms(rows, crawl=2) == []
    result = invoke_cli(tmp_path, "stats", "--health", "--json")
    assert json.loads(result.stdout)["alarms"] == messages
    assert result.returncode == 6
    table = invoke_cli(tmp_path, "stats", "--health")
    assert table.returncode == 6
    assert "ALARM site: articles without a date rose" in table.stdout


def test_a_dead_source_gets_one_warning_line_and_a_health_row(
    tmp_path: Path, demo_site: dict[str, str]
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sources_toml({"courier": demo_site["courier"]})
        + f'\n[[source]]\nname = "dead"\nurl = "http://127.0.0.1:{dead_port}/"\n'
        + f'feeds = ["http://127.0.0.1:{dead_port}/rss.xml"]\n',
        encoding="utf-8",
    )
    crawl = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST)
    assert crawl.returncode == 3, crawl.stderr  # a source failed entirely
    assert "Traceback" not in crawl.stderr
    about_dead = [line for line in crawl.stderr.splitlines() if f":{dead_port}" in line]
    assert len(about_dead) == 1, crawl.stderr  # one WARNING line for the dead host
    assert "WARNING" in about_dead[0]
    result = invoke_cli(tmp_path / "data", "stats", "--health", "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["source"]: r for r in json.loads(result.stdout)["crawls"]}
    assert rows["dead"]["new"] == 0
    assert rows["dead"]["failures"] >= 1
    assert rows["courier"]["new"] > 0


def test_damaged_index_is_rebuilt_by_the_next_crawl(
    tmp_path: Path, demo_archive: dict, demo_sources: Path
) -> None:
    data = shutil.copytree(demo_archive["data"], tmp_path / "data")  # crawled and indexed
    for segment in (data / "index").glob("*.pst"):
        segment.write_bytes(b"")
    for toc in (data / "index").glob("*.toc"):
        toc.write_bytes(b"garbage")
    result = run_cli(data, "crawl", "--sources", str(demo_sources), *FAST)
    assert result.returncode == 0, result.stderr
    stored, pending = _counts(data)
    assert stored == len(demo_archive["urls"])
    assert pending == 0
    assert ArchiveIndex(data / "index").doc_count() == stored


def test_locked_index_leaves_articles_pending(tmp_path: Path, feed_sources: Path) -> None:
    with index_locked(tmp_path / "index"):
        result = run_cli(
            tmp_path, "crawl", "--sources", str(feed_sources), *FAST, "-s", "INDEX_LOCK_TIMEOUT=1"
        )
    assert result.returncode == 0, result.stderr
    stored, pending = _counts(tmp_path)
    assert stored > 0
    assert pending == stored
    synced = invoke_cli(tmp_path, "index")
    assert synced.returncode == 0, synced.stderr
    assert _counts(tmp_path)[1] == 0


def test_environment_variable_picks_the_archive(demo_archive: dict) -> None:
    env = {"NEWS_ARCHIVE_DATA": str(demo_archive["data"])}
    result = invoke_cli(None, "stats", "--json", env=env)
    assert json.loads(result.stdout)["articles"] == len(demo_archive["urls"])
