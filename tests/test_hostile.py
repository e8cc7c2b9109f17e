"""The crawler against a hostile, broken web site (tests.sites.hostile) on 127.0.0.1.

Two crawls, each shared by a module's tests: ``faults`` archives ad hoc URLs that fail
at the HTTP level or are pathological pages; ``documents`` crawls a source whose feeds
and sitemaps are hostile XML and whose page links off the site. Every fault must end in
a log line and a recorded failure (or, for refused URLs, a refusal and no fetch at all),
with the crawl going on: good articles fetched alongside are archived.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.extraction.classify import page_verdict
from indexer.packed import unpack
from tests.conftest import FAST, ROOT
from tests.sites.hostile import BOMB_CODINGS, SECRET_MARKER, HostileSite

pytestmark = pytest.mark.integration

TIMEOUTS = ["-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1"]
# A fresh extraction worker imports trafilatura first: keep the limit above that.
EXTRACT = ["-s", "EXTRACT_WORKERS=2", "-s", "EXTRACT_TIMEOUT=8"]
MAX_RSS_MB = 250  # the crawl process: Scrapy and a few MB-sized pages in flight
# An extraction worker parsing a 3 MB page reaches ~380 MB of its own; its RSS also counts
# the ~80 MB of tables it shares with the fork server (crawler.processes.worker_preload),
# and the slow page's worker, when its rusage is reaped in time, reached 611 MB in a CI run
MAX_WORKER_RSS_MB = 700
FAULT_PATHS = (
    "error500", "429", "hang", "drip", "reset", "truncated", "redirect-loop/a",
    "redirect-file", "redirect-offsite", "redirect-other-host", "redirect-private",
    "huge", "huge-declared", "slow-extract", "deep", "many-paras", "lying-charset",
    "unknown-charset", "nul", "not-found",
)
PRIVATE = tuple(f"private/report-{i}" for i in range(5))


@dataclass
class Crawl:
    """A finished crawl: its archive folder, output, peak memory and duration."""

    data: Path
    returncode: int
    stdout: str
    stderr: str
    own_rss_mb: float  # the crawl process itself (VmHWM, polled)
    tree_rss_mb: float  # the largest of it and its extraction workers (wait4)
    seconds: float

    def fetches(self) -> list[tuple[str, int | None, str | None]]:
        """Every fetch row: (url, status, error)."""
        with sqlite3.connect(self.data / "archive.db") as db:
            return db.execute("select url, status, error from fetches").fetchall()

    def failures(self, url: str) -> list[str]:
        """The recorded errors (or HTTP statuses >= 300, as 'HTTP n') for ``url``."""
        return [error or f"HTTP {status}" for u, status, error in self.fetches()
                if u == url and (error or (status or 0) >= 300)]

    def articles(self) -> dict[str, tuple[str, str]]:
        """Archived articles: fetched URL -> (title, text)."""
        with sqlite3.connect(self.data / "archive.db") as db:
            rows = db.execute("select fetched_url, title, text from articles").fetchall()
        return {url: (title, unpack(text)) for url, title, text in rows}


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), in MB; 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) / 1024 if found else 0.0


def run_crawl(data: Path, *args: str, timeout: float = 150) -> Crawl:
    """Run ``search_cli.py crawl`` in a child process, watching its peak memory."""
    data.mkdir(parents=True, exist_ok=True)
    out, err = data.parent / f"{data.name}.stdout", data.parent / f"{data.name}.stderr"
    env = {**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning"}
    command = [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), "crawl", *args]
    start, own = time.monotonic(), 0.0
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr, env=env)
    while True:
        own = max(own, _peak_rss_mb(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            os.kill(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            pytest.fail(f"crawl still running after {timeout}s")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Crawl(data, proc.returncode, out.read_text(), err.read_text(errors="replace"),
                 own, usage.ru_maxrss / 1024, time.monotonic() - start)


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileSite]:
    """The hostile site, for this module."""
    with HostileSite() as site:
        yield site


@pytest.fixture(scope="module")
def faults(hostile: HostileSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of every HTTP-level fault, disallowed URLs and two good articles."""
    urls = [hostile.url + p for p in (*FAULT_PATHS, *PRIVATE)]
    urls += [hostile.url + f"bomb/{coding}" for coding in BOMB_CODINGS]
    urls += [hostile.good(1), hostile.good(2)]
    args = [a for url in urls for a in ("--url", url)]
    crawl = run_crawl(tmp_path_factory.mktemp("faults") / "data", *args, *FAST, *TIMEOUTS,
                      *EXTRACT, "-v")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "crawl finished" in crawl.stdout
    return crawl


@pytest.fixture(scope="module")
def documents(hostile: HostileSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of a source whose feeds and sitemaps are hostile, from its /links page."""
    feeds = ["feed-billion-laughs.xml", "feed-xxe.xml", "feed-invalid.xml",
             "feed-whitespace.xml", "feed-not-xml.xml"]
    sitemaps = ["sitemap-billion-laughs.xml", "sitemap-xxe.xml", "sitemap-invalid.xml",
                "sitemap-not-xml.xml", "sitemap-bomb.xml.gz"]
    folder = tmp_path_factory.mktemp("documents")
    sources = folder / "sources.toml"
    sources.write_text(
        '[[source]]\nname = "hostile"\n'
        f'url = "{hostile.url}links"\ndepth = 1\n'
        f"feeds = {[hostile.url + f for f in feeds]}\n"
        f"sitemaps = {[hostile.url + s for s in sitemaps]}\n".replace("'", '"'),
        encoding="utf-8",
    )
    crawl = run_crawl(folder / "data", "--sources", str(sources), *FAST, *TIMEOUTS, *EXTRACT)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    return crawl


def _logged(crawl: Crawl, pattern: str) -> bool:
    return re.search(pattern, crawl.stderr) is not None


def test_server_errors_and_429_are_retried_then_given_up(
    hostile: HostileSite, faults: Crawl
) -> None:
    for path, status in (("error500", 500), ("429", 429)):
        url = hostile.url + path
        assert len(hostile.fetched(f"/{path}")) == 2  # RETRY_TIMES=1: one try, one retry
        assert f"HTTP {status}" in faults.failures(url)
        assert _logged(faults, rf"WARNING: Gave up retrying <GET {re.escape(url)}>")
        assert _logged(faults, rf"WARNING: Failed {re.escape(url)}: HTTP {status}")


@pytest.mark.parametrize("path", ["hang", "drip"])
def test_hanging_and_dripping_servers_time_out(
    hostile: HostileSite, faults: Crawl, path: str
) -> None:
    url = hostile.url + path
    assert any("DownloadTimeoutError" in e for e in faults.failures(url))
    assert _logged(faults, rf"WARNING: Failed {re.escape(url)}: DownloadTimeoutError")


def test_connection_reset_is_a_failure(hostile: HostileSite, faults: Crawl) -> None:
    url = hostile.url + "reset"
    assert any("lost" in e for e in faults.failures(url))
    assert _logged(faults, rf"WARNING: Failed {re.escape(url)}: DownloadFailedError")


def test_truncated_body_is_a_failure_not_a_partial_article(
    hostile: HostileSite, faults: Crawl
) -> None:
    url = hostile.url + "truncated"
    assert any("truncated body" in e for e in faults.failures(url))
    assert _logged(faults, rf"WARNING: Failed {re.escape(url)}: truncated body")
    assert url not in faults.articles()
    assert not [t for t, _ in faults.articles().values() if "Truncated" in t]


def test_redirect_loop_is_a_failure(hostile: HostileSite, faults: Crawl) -> None:
    errors = [e for u, _, e in faults.fetches() if u.startswith(hostile.url + "redirect-loop/")]
    assert any("redirect loop" in (e or "") for e in errors)
    assert _logged(faults, r"WARNING: Failed \S+/redirect-loop/\w: IgnoreRequest: redirect loop")
    assert len(hostile.fetched("/redirect-loop/")) == 2


@pytest.mark.parametrize("coding", BOMB_CODINGS)
def test_decompression_bombs_stop_at_the_size_limit(
    hostile: HostileSite, faults: Crawl, coding: str
) -> None:
    url = hostile.url + f"bomb/{coding}"
    assert any("exceeded DOWNLOAD_MAXSIZE (3000000 B)" in e for e in faults.failures(url))
    assert _logged(faults, rf"WARNING: Failed {re.escape(url)}: IgnoreRequest: Ignored")
    assert url not in faults.articles()


def test_huge_pages_are_cut_at_the_page_size_limit(hostile: HostileSite, faults: Crawl) -> None:
    for path in ("huge", "huge-declared"):
        url = hostile.url + path
        assert any("DownloadCancelledError" in e for e in faults.failures(url)), path
        assert _logged(faults, rf"WARNING: Failed {re.escape(url)}: DownloadCancelledError")
    assert _logged(faults, r"larger than download max size \(3000000\)")


def test_crawl_memory_stays_low(faults: Crawl) -> None:
    # The bombs inflate to 1 GiB each and /huge is 50 MB: none may be held whole.
    assert 0 < faults.own_rss_mb < MAX_RSS_MB
    assert faults.tree_rss_mb < MAX_WORKER_RSS_MB


def test_slow_extraction_does_not_stall_the_crawl(hostile: HostileSite, faults: Crawl) -> None:
    # In one process, extracting /slow-extract takes minutes (140,000 paragraphs): the
    # element cap refuses it, or the worker's time limit stops it.
    for path in ("slow-extract", "many-paras"):
        assert _logged(
            faults,
            rf"not stored \((extraction took over 8s|too many elements: \d+ > \d+)\): "
            rf"\S+/{path}",
        )
    archived = faults.articles()
    assert {hostile.good(1), hostile.good(2)} <= set(archived)
    assert faults.seconds < 60


def test_deep_nesting_and_many_paragraphs_do_not_crash(hostile: HostileSite, faults: Crawl) -> None:
    assert "Traceback" not in faults.stderr
    assert not _logged(faults, r"Spider error|ERROR:")
    statuses = {u: s for u, s, _ in faults.fetches()}
    assert statuses[hostile.url + "deep"] == 200
    assert statuses[hostile.url + "many-paras"] == 200


def test_classifying_a_page_of_many_paragraphs_is_quick() -> None:
    page = ("<html><body>" + "<p>x</p>" * 60_000 + "</body></html>").encode()
    response = HtmlResponse("http://127.0.0.1/a-page-found-by-a-link", body=page)
    selector = response.selector
    start = time.process_time()
    page_verdict(response.url, selector, listed=False)
    # linear work takes about 0.4 s here; anything quadratic in paragraphs takes minutes
    assert time.process_time() - start < 10.0


def test_lying_charsets_and_nul_bytes_store_valid_utf8(hostile: HostileSite, faults: Crawl) -> None:
    archived = faults.articles()
    for path in ("lying-charset", "unknown-charset", "nul"):
        title, text = archived[hostile.url + path]
        for value in (title, text):
            assert "\x00" not in value
            value.encode("utf-8")  # no lone surrogates
    with sqlite3.connect(faults.data / "archive.db") as db:
        kinds = db.execute("select distinct typeof(title) from articles").fetchall()
        bodies = [text for (text,) in db.execute("select text from articles")]
    assert kinds == [("text",)]
    for body in bodies:  # text, or packed text: never raw bytes
        unpack(body).encode("utf-8")


def test_redirects_off_the_source_are_refused_never_fetched(
    hostile: HostileSite, faults: Crawl
) -> None:
    urls = {u for u, _, _ in faults.fetches()}
    assert all(u.startswith(hostile.url) for u in urls)
    assert not [host for host, _ in hostile.requests if not host.startswith("127.0.0.1:")]
    for path, target in (("redirect-offsite", f"http://127.0.0.2:{hostile.port}/stolen"),
                         ("redirect-other-host", f"http://localhost:{hostile.port}/")):
        assert _logged(faults, rf"WARNING: Refused off-source URL {re.escape(target)}")
        assert any("redirected to a refused URL" in e
                   for e in faults.failures(hostile.url + path)), path
    assert "HTTP 302" in faults.failures(hostile.url + "redirect-file")
    assert _logged(faults, r"redirect to file:///etc/passwd not followed")
    assert not [t for _, t in faults.articles().values() if "root:" in t]


def test_robots_holds_for_concurrent_first_requests(hostile: HostileSite, faults: Crawl) -> None:
    assert not hostile.fetched("/private/")
    forbidden = re.search(r"'robotstxt/forbidden': (\d+)", faults.stderr)
    assert forbidden is not None
    assert int(forbidden.group(1)) >= len(PRIVATE)
    urls = {u for u, _, _ in faults.fetches()}
    assert not [u for u in urls if "/private/" in u]
    # A redirect into the disallowed area is refused too, and the redirecting URL fails.
    assert any("Forbidden by robots.txt" in e
               for e in faults.failures(hostile.url + "redirect-private"))


def _archive_text(data: Path) -> bytes:
    """Everything the archive folder holds, gzip members inflated, lower-cased."""
    chunks = []
    with sqlite3.connect(data / "archive.db") as db:
        chunks.append("\n".join(db.iterdump()).encode())
    for path in data.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            chunks.append(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    return b"\n".join(chunks).lower()


def test_external_entities_are_never_read(hostile: HostileSite, documents: Crawl) -> None:
    marker = SECRET_MARKER.encode()
    assert marker in hostile.secret.read_bytes()
    assert marker not in _archive_text(documents.data)
    assert not [p for _, p in hostile.requests if SECRET_MARKER in p]
    assert SECRET_MARKER not in documents.stdout + documents.stderr
    for name in ("feed-xxe.xml", "sitemap-xxe.xml"):
        assert hostile.fetched(f"/{name}")


def test_entity_expansion_is_not_expanded(hostile: HostileSite, documents: Crawl) -> None:
    assert b"lol" * 100 not in _archive_text(documents.data)
    for kind, name in (("feed", "feed-billion-laughs.xml"),
                       ("sitemap", "sitemap-billion-laughs.xml")):
        url = hostile.url + name
        assert any(e.startswith(f"broken {kind}: ") for e in documents.failures(url)), name
        assert _logged(documents, rf"WARNING: Broken {kind} {re.escape(url)} \(\d+ entries read\)")


def test_invalid_feeds_and_sitemaps_are_read_as_far_as_they_go(
    hostile: HostileSite, documents: Crawl
) -> None:
    archived = documents.articles()
    assert hostile.good(3) in archived  # first entry of the broken feed
    assert hostile.good(4) in archived  # first <loc> of the broken sitemap
    for kind, name in (("feed", "feed-invalid.xml"), ("feed", "feed-not-xml.xml"),
                       ("sitemap", "sitemap-invalid.xml"), ("sitemap", "sitemap-not-xml.xml"),
                       ("sitemap", "sitemap-bomb.xml.gz")):
        url = hostile.url + name
        assert any(e.startswith(f"broken {kind}: ") for e in documents.failures(url)), name
        assert _logged(documents, rf"WARNING: Broken {kind} {re.escape(url)}")
    assert "Traceback" not in documents.stderr


def test_feed_with_a_long_blank_prolog_is_read_quickly(
    hostile: HostileSite, documents: Crawl
) -> None:
    # feedparser's DOCTYPE regular expressions take minutes on these 200,000 blank lines.
    assert hostile.good(5) in documents.articles()
    assert documents.seconds < 60


def test_links_off_the_source_are_never_followed(hostile: HostileSite, documents: Crawl) -> None:
    # the one on-site link of /links, after two that are no URLs (a port of letters, a
    # broken IPv6 address): they used to end the page's callback with a spider error
    assert hostile.good(6) in documents.articles()
    assert "Spider error" not in documents.stderr
    assert all(u.startswith(hostile.url) for u, _, _ in documents.fetches())
    assert not [host for host, _ in hostile.requests if not host.startswith("127.0.0.1:")]
    assert not hostile.fetched("/private/")
