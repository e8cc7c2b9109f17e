"""Reading commands work on an archive on a read-only mount (a backup, a shared copy).

The archive is bind-mounted read-only in a private mount namespace (``unshare``), so the
kernel refuses every write, as on a real read-only mount, even to root.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def _run_read_only(archive: Path, mount: Path, commands: list[list[str]]) -> list[dict]:
    """Run each ``search_cli.py --data MOUNT ...`` command with ``archive`` mounted there
    read-only; return each one's exit status and output."""
    mount.mkdir()
    script = "; ".join(
        f"{shlex.join([sys.executable, str(ROOT / 'search_cli.py'), '--data', str(mount), *c])}"
        f" >{mount.parent}/out{n} 2>{mount.parent}/err{n}; echo $? >{mount.parent}/rc{n}"
        for n, c in enumerate(commands)
    )
    ready = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
         f"mount --bind '{archive}' '{mount}' && mount -o remount,bind,ro '{mount}' "
         f"&& ! touch '{mount}/probe' 2>/dev/null && {script}"],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
    )
    if not (mount.parent / "rc0").exists():
        pytest.skip(f"cannot bind-mount read-only in a user namespace here: {ready.stderr}")
    return [
        {"rc": int((mount.parent / f"rc{n}").read_text()),
         "out": (mount.parent / f"out{n}").read_text(),
         "err": (mount.parent / f"err{n}").read_text()}
        for n in range(len(commands))
    ]


def test_reading_commands_work_on_a_read_only_archive(demo_archive: dict, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(demo_archive["data"], archive)
    db = sqlite3.connect(archive / "archive.db")
    article_id = db.execute("select id from articles order by id limit 1").fetchone()[0]
    db.close()  # the last connection: SQLite folds the WAL in and removes -wal and -shm
    assert not (archive / "archive.db-shm").exists()
    exported = tmp_path / "export.jsonl"
    commands = [
        ["stats", "--json"],
        ["show", article_id],
        ["similar", article_id],
        ["raw", article_id],
        ["history", article_id],
        ["search", "water", "--json"],
        ["export", str(exported), "--format", "jsonl", "--quiet"],
    ]
    results = _run_read_only(archive, tmp_path / "mnt", commands)
    for command, result in zip(commands, results, strict=True):
        assert result["rc"] == 0, (command, result["err"])
    assert json.loads(results[0]["out"])["articles"] == len(demo_archive["urls"])
    assert "<html" in results[3]["out"].lower()
    assert results[5]["err"] == ""  # snippets from the store (read as immutable), no warning
    assert len(exported.read_text(encoding="utf-8").splitlines()) == len(demo_archive["urls"])

