"""End to end: a real Scrapy crawl of the demo site into a real store and index."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils

from crawler.demosite import expected_articles, setting_args, sources_toml
from indexer.packed import unpack
from tests.conftest import FAST, REFERENCE_DIR, ROOT, invoke_cli, need_shared, run_cli

pytestmark = pytest.mark.integration

REFERENCE_PATH = "/2022/10/27/kremlin-claims-ukraine-exited-peace-talks-on-us-orders-a79213"


def _fetched_urls(data: Path, crawl_id: int) -> set[str]:
    with sqlite3.connect(data / "archive.db") as db:
        rows = db.execute("select url from fetches where crawl_id = ?", (crawl_id,))
        return {r[0] for r in rows}


def test_first_crawl_archives_every_demo_article_once(demo_archive: dict, demo_site: dict) -> None:
    expected = {a["url"] for a in expected_articles(demo_site, REFERENCE_DIR / "site")}
    archived = demo_archive["urls"]
    assert len(archived) == len(set(archived))
    assert set(archived) == expected


def test_second_crawl_adds_nothing_and_fetches_no_article(
    demo_archive: dict, demo_site: dict
) -> None:
    expected = {a["url"] for a in expected_articles(demo_site, REFERENCE_DIR / "site")}
    assert "0 new" in demo_archive["second"].stdout
    with sqlite3.connect(demo_archive["data"] / "archive.db") as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == len(expected)
    refetched = _fetched_urls(demo_archive["data"], 2) & expected
    assert not refetched


def test_summary_line_reports_counts(demo_archive: dict) -> None:
    line = demo_archive["first"].stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ pages fetched", line)
    assert re.search(r"articles [1-9]\d* new", line)


def test_disallowed_pages_never_fetched(demo_archive: dict) -> None:
    with sqlite3.connect(demo_archive["data"] / "archive.db") as db:
        urls = [r[0] for r in db.execute("select url from fetches")]
    assert urls
    assert not [u for u in urls if "/private/" in u]


def test_robots_holds_for_concurrent_first_requests(demo_site: dict, tmp_path: Path) -> None:
    base = demo_site["ledger"]
    urls = [f"{base}private/report-{i}" for i in range(5)]
    args = [a for u in urls for a in ("--url", u)]
    result = run_cli(tmp_path, "crawl", *args, *FAST, "-v")
    assert result.returncode == 0, result.stderr
    assert "robotstxt/forbidden': 5" in result.stderr
    assert not _fetched_urls(tmp_path, 1) & set(urls)


def test_reference_page_renders_like_the_reference_file(
    demo_archive: dict, demo_site: dict
) -> None:
    need_shared(REFERENCE_DIR / "site")  # the demo site serves the reference page from it
    url = demo_site["courier"].rstrip("/") + REFERENCE_PATH
    shown = invoke_cli(demo_archive["data"], "show", url, "--format", "markdown")
    assert shown.returncode == 0, shown.stderr
    expected = need_shared(REFERENCE_DIR / "000_73e57eb49fa2454d.txt").read_text(encoding="utf-8")

    def unlink(text: str) -> str:
        return re.sub(r"\]\([^)]*\)", "](#)", text)

    assert unlink(shown.stdout.rstrip("\n")) == unlink(expected)
    as_json = json.loads(invoke_cli(demo_archive["data"], "show", url, "--format", "json").stdout)
    assert as_json["agencies"] == ["AFP"]
    assert as_json["published"].startswith("2022-10-27")


def test_export_sqlite_has_articles_and_authors(demo_archive: dict, tmp_path: Path) -> None:
    out = tmp_path / "export.db"
    result = invoke_cli(demo_archive["data"], "export", str(out))
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(out)
    assert db["articles"].count == len(demo_archive["urls"])
    names = {r["name"] for r in db["authors"].rows}
    assert names
    linked = db.execute("select count(*) from article_authors").fetchone()[0]
    assert linked >= len(names)


def test_scrapy_crawl_command_works_from_the_root(demo_site: dict, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"  # one outlet: the command is the point, not the size
    sources.write_text(sources_toml({"courier": demo_site["courier"]}), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy.cmdline",
            "crawl",
            "news",
            "-a",
            f"sources={sources}",
            "-s",
            f"ARCHIVE_PATH={tmp_path / 'archive.db'}",
            "-s",
            f"INDEX_PATH={tmp_path / 'index'}",
            *FAST,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    expected = {a["url"] for a in expected_articles(demo_site, REFERENCE_DIR / "site")
                if a["source"] == "courier"}
    with sqlite3.connect(tmp_path / "archive.db") as db:
        stored = {r[0] for r in db.execute("select url from articles")}
        pending = db.execute("select count(*) from articles where indexed_at is null").fetchone()
    assert stored == expected
    assert pending[0] == 0


class _SlowHandler(BaseHTTPRequestHandler):
    """Answers every GET after a pause, counting the requests it serves at once."""

    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    now = 0
    most = 0
    connections = 0

    def setup(self) -> None:
        super().setup()
        with self.lock:
            type(self).connections += 1

    def do_GET(self) -> None:
        cls = type(self)
        with self.lock:
            cls.now += 1
            cls.most = max(cls.most, cls.now)
        try:
            time.sleep(0.05)
            body = b"<html><body><p>Nothing here.</p></body></html>"
            self.send_response(404 if self.path == "/robots.txt" else 200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with self.lock:
                cls.now -= 1

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_requests_per_host_stay_within_the_concurrency_limit(tmp_path: Path) -> None:
    """No delay: Scrapy's own downloader started every queued request of a host at once."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        urls = {f"{base}/story-{i}" for i in range(16)}
        args = [a for url in sorted(urls) for a in ("--url", url)]
        settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
        result = run_cli(tmp_path, "crawl", *args, *setting_args(settings))
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert urls <= _fetched_urls(tmp_path, 1)
    assert 1 <= _SlowHandler.most <= 2
    assert _SlowHandler.connections <= 2  # kept alive, none dropped from the pool


def test_stored_bodies_hold_neither_the_menu_nor_the_headline(demo_archive: dict) -> None:
    with sqlite3.connect(demo_archive["data"] / "archive.db") as db:
        rows = db.execute("select title, text, markdown from articles").fetchall()
    assert rows
    for title, packed_text, packed_markdown in rows:  # stored packed (indexer/packed.py)
        text = unpack(packed_text)
        markdown = unpack(packed_markdown, text)
        first = text.splitlines()[0]
        assert not first.startswith("|"), first
        assert "| Home |" not in markdown
        assert first.strip() != title.strip(), title
    url, title = sqlite3.connect(demo_archive["data"] / "archive.db").execute(
        "select url, title from articles where source = 'courier' limit 1").fetchone()
    shown = invoke_cli(demo_archive["data"], "show", url, "--format", "markdown")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count(title) == 1
