"""Shared fixtures: the demo news site served on 127.0.0.1, and a CLI runner.

Test tiers: a test is ``integration`` when it crawls, serves HTTP or runs the CLI in
a child process, ``slow`` when it takes more than a few seconds; the others are unit
tests (``make test-fast`` runs them, ``make test`` runs all). Modules mark themselves
with ``pytestmark``, single tests with a decorator; ``pytest_collection_modifyitems``
marks ``integration`` a test that uses a demo-site fixture or whose own code starts a
child process (``run_cli(``, ``subprocess.``, ``Popen(``), so a new test of that kind
cannot slow down the unit tier unnoticed.
"""

from __future__ import annotations

import gzip
import inspect
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crawler.demosite import LOOPBACK_SETTINGS, setting_args

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the repository; NEWS_ARCHIVE_SHARED points elsewhere (a git worktree)
SHARED = Path(os.environ.get("NEWS_ARCHIVE_SHARED") or ROOT.parent / "shared")
REFERENCE_DIR = SHARED / "reference"
# .ci/run sets this: there, a missing ../shared is a failure, not a skip.
REQUIRE_SHARED = os.environ.get("NEWS_ARCHIVE_REQUIRE_SHARED") == "1"


def need_shared(path: Path) -> Path:
    """Return ``path`` (under ../shared); skip the test when it is absent.

    Under ``NEWS_ARCHIVE_REQUIRE_SHARED=1`` (set by ``.ci/run``) a missing path fails the
    test instead, so that the quality gates cannot pass by skipping.
    """
    __tracebackhide__ = True  # a skip or failure is reported at the test's line
    if not path.exists():
        message = f"{path} is missing: the quality gates need ../shared beside the repository"
        if REQUIRE_SHARED:
            pytest.fail(message)
        pytest.skip(message)
    return path


# Fixtures that serve or crawl the demo site: a test that uses one is an integration test.
INTEGRATION_FIXTURES = frozenset({"demo_site", "demo_sources", "feed_sources", "demo_archive"})
# So is a test whose own code runs the CLI or another program in a child process.
CHILD_PROCESS = re.compile(r"\brun_cli\(|\bsubprocess\.|\bPopen\(")


def _starts_a_child_process(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    return function is not None and bool(CHILD_PROCESS.search(inspect.getsource(function)))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as integration tests those that use a demo-site fixture (directly or not) or
    start a child process themselves."""
    for item in items:
        uses_demo = INTEGRATION_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if uses_demo or _starts_a_child_process(item):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def demo_site() -> Iterator[dict[str, str]]:
    """Start the demo site in a child process; yield its outlets' base URLs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.demosite"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            pytest.fail("the demo site did not start")
        yield json.loads(line)["outlets"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_sources(demo_site: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sources file for the running demo site."""
    from crawler.demosite import sources_toml

    path = tmp_path_factory.mktemp("sources") / "sources.toml"
    path.write_text(sources_toml(demo_site), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def feed_sources(demo_site: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sources file of one demo outlet read from its feed alone (no link following): a
    crawl of about 30 pages, for a test that needs some articles, not the whole site."""
    from crawler.demosite import sources_toml

    path = tmp_path_factory.mktemp("sources") / "feed.toml"
    toml = sources_toml({"courier": demo_site["courier"]})
    assert "follow = true" in toml
    path.write_text(toml.replace("follow = true", "follow = false"), encoding="utf-8")
    return path


FAST = setting_args(LOOPBACK_SETTINGS)


def run_cli(
    data: Path, *args: str, timeout: float = 180, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run ``search_cli.py --data DATA ARGS...`` in a child process (a crawl runs a reactor)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def invoke_cli(
    data: Path | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``search_cli.py [--data DATA] ARGS...`` in this process (click's ``CliRunner``).

    As :func:`run_cli` returns, for a command that starts no reactor (not ``crawl``) when
    the test is not about the process itself; an uncaught exception fails the test.
    """
    from click.testing import CliRunner

    from search_cli import cli

    argv = [*(("--data", str(data)) if data is not None else ()), *args]
    result = CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)
    return subprocess.CompletedProcess(argv, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def demo_archive(demo_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Crawl the demo site twice into a fresh archive; return the folder and both runs.

    Tests must only read this archive (it is shared by the whole session).
    """
    data = tmp_path_factory.mktemp("archive")
    first = run_cli(data, "crawl", "--sources", str(demo_sources), *FAST)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(data / "archive.db") as db:
        urls_after_first = [r[0] for r in db.execute("select url from articles")]
    second = run_cli(data, "crawl", "--sources", str(demo_sources), *FAST)
    assert second.returncode == 0, second.stderr
    return {"data": data, "first": first, "second": second, "urls": urls_after_first}


@contextmanager
def index_locked(path: Path) -> Iterator[None]:
    """Create the index at ``path`` and hold its write lock, as another writer at work."""
    from indexer.search.whoosh.index import ArchiveIndex

    index = ArchiveIndex(path)
    index.create()
    lock = index._storage().lock("MAIN_WRITELOCK")
    assert lock.acquire()
    try:
        yield
    finally:
        lock.release()


def syndication_bands(archive: Any) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The band rows an archive (:class:`indexer.store.Archive`) holds, and those its
    stored articles' signatures call for (the two are equal in a sound archive)."""
    from indexer.syndication import band_buckets  # (NumPy: only where it is used)

    stored = set(archive.db.execute("SELECT bucket, member FROM syndication_bands").fetchall())
    wanted = {(bucket, member) for member, blob in archive.db.execute(
        "SELECT member, signature FROM syndication") for bucket in band_buckets(blob)}
    return stored, wanted


def old_archive(
    tmp_path: Path, gzipped: Path, version: int
) -> tuple[Path, dict[str, str | None]]:
    """Unpack an archive written by an older version (schema ``version``) into
    ``tmp_path/old/archive.db``; return its path and each article's story as stored."""
    path = tmp_path / "old" / "archive.db"
    path.parent.mkdir()
    path.write_bytes(gzip.decompress(gzipped.read_bytes()))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version
        stories = dict(db.execute("SELECT article_id, story FROM syndication").fetchall())
    return path, stories
