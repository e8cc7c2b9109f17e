"""The private-API workarounds are pinned to the library versions they were tested on."""

from __future__ import annotations

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
    assert lines[0].startswith(f"scrapy {untested_versions.__globals__['version']('scrapy')} ")
    assert "tested with 0.0.1" in lines[0]
    assert lines[1].startswith("no-such-distribution not installed")
    assert all("\n" not in line for line in lines)


def test_every_crawl_checks_the_versions() -> None:
    assert "crawler.scrapy_fixes.VersionCheck" in settings.EXTENSIONS
