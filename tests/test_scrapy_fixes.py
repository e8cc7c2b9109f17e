"""The private-API workarounds are pinned to the library versions they were tested on."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from crawler import settings
from crawler.scrapy_fixes import TESTED, untested_versions
from tests.conftest import ROOT


def test_tested_versions_are_the_locked_ones() -> None:
    """Upgrading Scrapy & co. in constraints.txt means checking crawler.scrapy_fixes and
    updating TESTED: until then this fails."""
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").lower().splitlines()
    locked = dict(line.split("==", 1) for line in lines if "==" in line and line[:1] != "#")
    assert {name: locked.get(name) for name in TESTED} == dict(TESTED)


def test_installed_versions_are_the_tested_ones() -> None:
    assert untested_versions() == []


def test_an_untested_version_is_one_clear_line() -> None:
    lines = untested_versions({"scrapy": "0.0.1", "no-such-distribution": "1.0"})
    assert len(lines) == 2
    assert lines[0].startswith(f"scrapy {version('scrapy')} is installed, but")
    assert "tested with 0.0.1" in lines[0]
    assert lines[1].startswith("no-such-distribution is not installed, but")
    assert all("\n" not in line for line in lines)


def test_every_crawl_checks_the_versions() -> None:
    assert "crawler.scrapy_fixes.VersionCheck" in settings.EXTENSIONS


@pytest.mark.integration
def test_a_crawl_warns_first_about_an_untested_version(tmp_path: Path) -> None:
    """A real crawl (of a refused port on 127.0.0.1) with Scrapy's tested version changed."""
    script = (
        "import sys, crawler.scrapy_fixes as fixes\n"
        "fixes.TESTED = {'scrapy': '2.18.0'}\n"
        "from search_cli import cli\n"
        "cli(['--data', sys.argv[1], 'crawl', '--url', 'http://127.0.0.1:9/2024/01/01/x',"
        " '-s', 'DOWNLOAD_DELAY=0', '-s', 'RETRY_TIMES=0'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    warnings = [line for line in done.stderr.splitlines() if "tested with" in line]
    assert len(warnings) == 1, done.stderr
    assert warnings[0].endswith(
        f"WARNING: scrapy {version('scrapy')} is installed, but crawler.scrapy_fixes was"
        " tested with 2.18.0: its workarounds of private APIs may not hold"
    )
