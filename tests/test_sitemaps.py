"""Sitemaps and feeds as big as the protocols allow, read lazily, newest first, to the budget.

Real crawls of loopback trap sites (tests/sites/traps.py) through the CLI, and the reader
itself on generated documents.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from crawler.listings import SITEMAP_ROOTS, read_listing
from tests.conftest import FAST, run_cli
from tests.sites.traps import TrapSite, _urlset, archived, write_sources

MiB = 1024 * 1024


def _newest(site: TrapSite, number: int, count: int, urls: int = 50_000) -> list[str]:
    return sorted(f"{site.url}news/{number}/{j}/a-long-enough-slug-for-a-story-{j}"
                  for j in range(urls - count, urls))


@pytest.mark.parametrize("name", ["0.xml", "0.xml.gz"])
def test_a_sitemap_as_big_as_the_protocol_allows_is_read_newest_first(
    tmp_path: Path, name: str
) -> None:
    # 50,000 URLs, 8.6 MB (1 MB gzipped): once refused whole over a 10 MB cap (gzip: its
    # inflated size), now read; the budget takes the newest by <lastmod>.
    with TrapSite("sitemaps", sitemaps=1) as site:
        table = site.toml("maps", sitemaps=[f"{site.url}sitemaps/{name}"], max_pages=15)
        sources = write_sources(tmp_path / "sources.toml", table)
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "-s", "DOWNLOAD_MAXSIZE=5000000")
        assert result.returncode == 0, result.stderr[-2000:]
        assert sorted(archived(tmp_path / "data")["maps"]) == _newest(site, 0, 15)
        assert site.hits["/news"] == 15


def test_a_huge_sitemap_index_is_read_one_sitemap_at_a_time(tmp_path: Path) -> None:
    # 500 sitemaps of 50,000 URLs: once 0 articles and 2 GB; the budget now stops it
    # after the first (newest) sitemap, and the other 499 are never fetched.
    with TrapSite("sitemaps") as site:
        sources = write_sources(tmp_path / "sources.toml", site.toml("maps", max_pages=20))
        started = time.monotonic()
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST, "-v",
                         "--max-runtime", "60", timeout=120)
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stderr[-2000:]
        assert sorted(archived(tmp_path / "data")["maps"]) == _newest(site, 0, 20)
        assert site.hits["/sitemaps"] == 1
    assert "499 sitemaps not read" in result.stderr
    assert elapsed < 60


def test_a_feed_of_100000_items_gives_its_newest_within_the_budget(tmp_path: Path) -> None:
    # 100,000 items (15 MB): once 0 articles within the crawl's budget. (~15 s quiet; the
    # runtime budget leaves room for a busy machine: 40 s was reached under load 12.)
    with TrapSite("feed") as site:
        sources = write_sources(tmp_path / "sources.toml", site.toml("feed", max_pages=25))
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "--max-runtime", "90", timeout=180)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "crawl finished" in result.stdout
        newest = sorted(f"{site.url}item/{k}" for k in range(100_000, 100_000 - 25, -1))
        assert sorted(archived(tmp_path / "data")["feed"]) == newest


def test_the_reader_keeps_to_its_caps() -> None:
    body = b"".join(_urlset("http://a.example/", 0, 3_000))
    listing = read_listing(body, max_entries=1_000, max_size=50 * MiB, roots=SITEMAP_ROOTS)
    assert len(listing.entries) == 1_000
    assert listing.dropped == 2_000
    assert listing.problem is None
    bomb = gzip.compress(body)  # inflates past a 100 kB cap
    listing = read_listing(bomb, max_entries=50_000, max_size=100_000, roots=SITEMAP_ROOTS)
    assert listing.problem is not None
    assert "cannot gunzip" in listing.problem or "100,000" in listing.problem
    assert len(listing.entries) < 3_000
