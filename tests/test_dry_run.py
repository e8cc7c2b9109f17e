"""``crawl --dry-run``: what a sources file would fetch, read from the sites, with nothing
archived."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from crawler.demosite import expected_articles
from tests.conftest import FAST, invoke_cli, run_cli

pytestmark = pytest.mark.integration


def _would_fetch(out: str) -> dict[str, int]:
    """Article pages each source would fetch, from the report."""
    names = re.findall(r"^(\w+): http", out, flags=re.MULTILINE)
    counts = [int(n) for n in re.findall(r"^  would fetch (\d+) article pages", out, re.M)]
    return dict(zip(names, counts, strict=True))


def _content(store: Path) -> str:
    """A digest of every row of the archive (its bytes may change at a WAL checkpoint)."""
    with sqlite3.connect(store) as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()


def test_dry_run_lists_listings_and_sample_articles_and_archives_nothing(
    demo_site: dict[str, str], demo_sources: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    result = run_cli(data, "crawl", "--sources", str(demo_sources), "--dry-run", *FAST)
    assert result.returncode == 0, result.stderr
    assert not data.exists()  # no archive, index, WARC or lock file: not even the folder
    out = result.stdout
    counts = _would_fetch(out)
    assert set(counts) == {"courier", "ledger", "gazette"}
    assert all(n > 0 for n in counts.values())
    assert f"  feed: {demo_site['courier']}feed.xml" in out
    assert f"  read {demo_site['courier']}sitemap.xml: 200" in out
    assert f"  read {demo_site['ledger']}sitemap_index.xml: 200" in out  # named by robots.txt
    assert "404-check" not in out  # no "not found" probe: nothing but the listings is read
    articles = {a["url"] for a in expected_articles(demo_site)}
    sample = [line.strip() for line in out.splitlines() if line.startswith("    ")]
    assert len(sample) == 15  # five per source, listed ones first: the site's articles
    assert set(sample) <= articles


def test_dry_run_over_an_archive_leaves_out_what_it_holds_and_changes_nothing(
    demo_archive: dict, demo_sources: Path, tmp_path: Path
) -> None:
    before = _content(demo_archive["data"] / "archive.db")
    fresh = run_cli(tmp_path / "fresh", "crawl", "--sources", str(demo_sources), "--dry-run",
                    *FAST)
    again = run_cli(demo_archive["data"], "crawl", "--sources", str(demo_sources),
                    "--dry-run", *FAST)
    assert again.returncode == 0, again.stderr
    assert _content(demo_archive["data"] / "archive.db") == before
    assert sum(_would_fetch(again.stdout).values()) < sum(_would_fetch(fresh.stdout).values())


def test_dry_run_takes_no_urls(tmp_path: Path) -> None:
    result = invoke_cli(tmp_path, "crawl", "--dry-run", "--url", "http://127.0.0.1:9/a")
    assert result.returncode == 2
    assert "--dry-run previews a sources file" in result.stderr
