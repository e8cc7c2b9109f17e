"""Disk full during a whole crawl, on a real small filesystem.

Each test mounts a tmpfs of a few megabytes in a private mount namespace (``unshare``;
no root needed where user namespaces are allowed) and runs the real CLI inside it with
``nsenter``. The disk is filled up to a chosen margin, then a crawl (or an index rebuild)
runs out of space: it must fail with a one-line message and exit status 4, keep every
committed article and the old index, and the next run after space is freed must finish
the job.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demosite import expected_articles
from tests.conftest import FAST, ROOT, run_cli

pytestmark = pytest.mark.integration

DISK_KB = 8 * 1024
EXIT_ARCHIVE_ERROR = 4
CHECK = """
import json, sqlite3, sys
sys.path.insert(0, {root!r})
from indexer.search.whoosh.index import ArchiveIndex
with sqlite3.connect({db!r}) as db:
    integrity = db.execute("pragma integrity_check").fetchone()[0]
    rows = db.execute("select id, url from articles").fetchall()
    pending = db.execute("select count(*) from articles where indexed_at is null").fetchone()[0]
index = ArchiveIndex({index!r})
with index.searcher() as searcher:
    indexed = sorted(doc["id"] for doc in searcher.all_stored_fields())
print(json.dumps({{"integrity": integrity, "ids": sorted(r[0] for r in rows),
                  "urls": [r[1] for r in rows], "pending": pending, "indexed": indexed}}))
"""


class SmallDisk:
    """A tmpfs of ``size_kb`` mounted on ``mount`` in a mount namespace of its own."""

    def __init__(self, mount: Path, size_kb: int) -> None:
        mount.mkdir()
        self.mount = mount
        self.holder = subprocess.Popen(
            ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
             f"mount -t tmpfs -o size={size_kb}k tmpfs '{mount}' && echo ready "
             "&& exec sleep 3600"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.holder.stdout is not None
        if self.holder.stdout.readline().strip() != "ready":
            self.close()
            pytest.skip("cannot mount a small tmpfs in a user namespace here")

    def run(self, *argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the namespace, where the small disk is mounted."""
        enter = ["nsenter", "-t", str(self.holder.pid), "--user", "--mount",
                 "--preserve-credentials", f"--wd={ROOT}"]
        return subprocess.run([*enter, *argv], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def cli(self, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``search_cli.py --data DATA ARGS...`` on the small disk."""
        return self.run(sys.executable, "-W", "ignore::SyntaxWarning",
                        str(ROOT / "search_cli.py"), "--data", str(data), *args)

    def fill(self, leave_kb: int) -> None:
        """Fill the disk with a file until only ``leave_kb`` kilobytes are free."""
        mount = str(self.mount)
        code = (
            f"import os; s = os.statvfs({mount!r}); free = s.f_bavail * s.f_frsize; "
            f"open({mount + '/filler'!r}, 'wb').write(bytes(max(0, free - {leave_kb} * 1024)))"
        )
        assert self.run(sys.executable, "-c", code).returncode == 0

    def unfill(self) -> None:
        """Free the space taken by :meth:`fill`."""
        assert self.run("rm", "-f", str(self.mount / "filler")).returncode == 0

    def check(self, data: Path) -> dict:
        """The store's integrity, article ids and pending count, and the ids indexed."""
        code = CHECK.format(root=str(ROOT), db=str(data / "archive.db"),
                            index=str(data / "index"))
        result = self.run(sys.executable, "-W", "ignore::SyntaxWarning", "-c", code)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def close(self) -> None:
        """Unmount (the namespace dies with its last process)."""
        self.holder.kill()
        self.holder.wait()


@pytest.fixture(scope="module")
def seed(demo_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of one outlet (crawled on a normal disk), copied onto each small disk."""
    if not (shutil.which("unshare") and shutil.which("nsenter")):
        pytest.skip("needs unshare and nsenter (util-linux)")
    data = tmp_path_factory.mktemp("seed") / "data"
    result = run_cli(data, "crawl", "--sources", str(demo_sources), "--source", "courier", *FAST)
    assert result.returncode == 0, result.stderr
    return data


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    small = SmallDisk(tmp_path / "disk", DISK_KB)
    try:
        yield small
    finally:
        small.close()


def _copy_seed(disk: SmallDisk, seed: Path) -> Path:
    data = disk.mount / "data"
    assert disk.run("cp", "-a", str(seed), str(data)).returncode == 0
    return data


def _assert_clear_failure(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == EXIT_ARCHIVE_ERROR, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "disk full" in (result.stdout + result.stderr).lower()


@pytest.mark.parametrize("leave_kb", [16, 400, 900], ids=["at-start", "early", "later"])
def test_crawl_on_a_full_disk_fails_clearly_keeps_everything_and_resumes(
    disk: SmallDisk, seed: Path, demo_site: dict[str, str], demo_sources: Path, leave_kb: int
) -> None:
    data = _copy_seed(disk, seed)
    before = disk.check(data)
    assert before["ids"]
    assert before["indexed"] == before["ids"]
    disk.fill(leave_kb)

    _assert_clear_failure(disk.cli(data, "crawl", "--sources", str(demo_sources), *FAST))

    disk.unfill()
    after = disk.check(data)
    assert after["integrity"] == "ok"
    assert set(before["ids"]) <= set(after["ids"])  # nothing committed is lost
    assert set(before["ids"]) <= set(after["indexed"])  # the old index still answers

    resumed = disk.cli(data, "crawl", "--sources", str(demo_sources), *FAST)
    assert resumed.returncode == 0, resumed.stderr
    final = disk.check(data)
    assert {a["url"] for a in expected_articles(demo_site)} <= set(final["urls"])
    assert final["pending"] == 0
    assert final["indexed"] == final["ids"]  # each article indexed exactly once


def test_index_rebuild_on_a_full_disk_keeps_the_old_index(disk: SmallDisk, seed: Path) -> None:
    data = _copy_seed(disk, seed)
    before = disk.check(data)
    disk.fill(16)

    result = disk.cli(data, "index", "--rebuild")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "no space left" in result.stderr.lower() or "disk full" in result.stderr.lower()
    disk.unfill()
    assert disk.check(data)["indexed"] == before["indexed"]
    assert disk.cli(data, "index", "--rebuild").returncode == 0
    assert disk.check(data)["indexed"] == before["ids"]
