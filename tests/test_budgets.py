"""Per-source page budgets and fairness: one bad source cannot take the crawl down.

Real crawls of loopback trap sites (tests/sites/traps.py) through the CLI.
"""

from __future__ import annotations

import gc
import re
import sqlite3
import time
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.extraction.limits import TAGS_MAX, TITLE_MAX
from crawler.sources import DEFAULT_MAX_PAGES, SourceError, parse_source
from crawler.spiders.news import page_links
from tests.conftest import FAST, run_cli
from tests.sites.traps import UTF16_TITLE, TrapSite, archived, write_sources


def test_a_link_trap_does_not_starve_a_normal_source(tmp_path: Path) -> None:
    # Every trap page links 20,000 new pages; before budgets, the normal source next to
    # it got 0 of its 30 articles in a 60 s budget (and the crawl never ended).
    with TrapSite("links") as trap, TrapSite("news") as news:
        sources = write_sources(tmp_path / "sources.toml", trap.toml("trap"), news.toml("news"))
        started = time.monotonic()
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "--max-runtime", "15", timeout=150)
        elapsed = time.monotonic() - started
        expected = sorted(news.article_urls())
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(archived(tmp_path / "data")["news"]) == expected
    assert elapsed < 15 + 30


@pytest.mark.slow
def test_a_link_trap_among_many_sources_takes_nothing_from_the_others(tmp_path: Path) -> None:
    # bench/hostile.py's 'crowd' case, smaller: 40 normal sources of 5 articles beside a
    # link trap; every normal source archives all its articles.
    news = [TrapSite("news", articles=5).start() for _ in range(40)]
    try:
        with TrapSite("links") as trap:
            tables = [trap.toml("trap")] + [n.toml(f"news-{i}") for i, n in enumerate(news)]
            sources = write_sources(tmp_path / "sources.toml", *tables)
            result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                             "--max-runtime", "30", timeout=240)
        expected = {f"news-{i}": sorted(n.article_urls()) for i, n in enumerate(news)}
    finally:
        for site in news:
            site.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    by_source = archived(tmp_path / "data")
    assert {name: by_source.get(name) for name in expected} == expected


def test_a_hanging_source_does_not_starve_a_normal_source(tmp_path: Path) -> None:
    # Pages that never answer used to fill the downloader with requests for their slot.
    with TrapSite("hang", links=60) as hang, TrapSite("news") as news:
        sources = write_sources(tmp_path / "sources.toml", hang.toml("hang"), news.toml("news"))
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "-s", "CONCURRENT_REQUESTS=4", "-s", "CRAWL_GRACE_PERIOD=2",
                         "--max-runtime", "15", timeout=120)
        expected = sorted(news.article_urls())
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(archived(tmp_path / "data")["news"]) == expected


def test_sources_on_one_site_share_its_politeness_limit(tmp_path: Path) -> None:
    # Each source was its own download slot: two sources on one site each got
    # CONCURRENT_REQUESTS_PER_DOMAIN (and their own DOWNLOAD_DELAY) there.
    with TrapSite("news", delay_ms=40) as news:
        sources = write_sources(tmp_path / "sources.toml",
                                news.toml("front", feeds=[]),
                                news.toml("feed", follow=False))
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        expected = sorted(news.article_urls())
        most_at_once = news.most_at_once
    assert result.returncode == 0, result.stderr[-2000:]
    by_source = archived(tmp_path / "data")
    assert sorted(by_source["front"] + by_source.get("feed", [])) == expected
    assert news.hits["/2024"] >= 30
    assert most_at_once == 1


def test_the_page_budget_stops_a_source_and_the_next_crawl_goes_on(tmp_path: Path) -> None:
    with TrapSite("news", articles=30) as news:
        sources = write_sources(tmp_path / "sources.toml", news.toml("news", max_pages=12))
        first = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST)
        assert first.returncode == 0, first.stderr[-2000:]
        assert len(archived(tmp_path / "data")["news"]) == 12
        assert news.hits["/2024"] == 12
        assert "page budget of 12 used up" in first.stderr
        # archived pages are skipped before they count against the budget
        second = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST)
        assert second.returncode == 0, second.stderr[-2000:]
        assert len(archived(tmp_path / "data")["news"]) == 24
        assert news.hits["/2024"] == 24


def test_links_taken_per_page_are_capped(tmp_path: Path) -> None:
    with TrapSite("links", links=5_000) as trap:
        sources = write_sources(tmp_path / "sources.toml", trap.toml("trap", depth=1))
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST,
                         "-s", "LINKS_PER_PAGE=40")
        assert result.returncode == 0, result.stderr[-2000:]
        assert trap.hits["/t"] == 40


@pytest.mark.parametrize(
    ("value", "message"),
    [(0, "from 1 to"), (-5, "from 1 to"), ("many", "must be an integer"), (True, "integer")],
)
def test_max_pages_is_validated(value: object, message: str) -> None:
    with pytest.raises(SourceError, match=rf"source 'a': field 'max_pages' .*{message}"):
        parse_source({"name": "a", "url": "https://a.example/", "max_pages": value}, 1)
    assert parse_source({"name": "a", "url": "https://a.example/"}, 1).max_pages == (
        DEFAULT_MAX_PAGES)


def test_a_bad_max_pages_is_one_line_on_stderr(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "a"\nurl = "https://a.example/"\nmax_pages = 0\n',
                       encoding="utf-8")
    result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources))
    assert result.returncode == 1
    assert "field 'max_pages'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_content_edges_are_read_as_browsers_do_and_cut_to_real_lengths(tmp_path: Path) -> None:
    # A UTF-8 page declaring <meta charset="utf-16"> was decoded as UTF-16 and lost;
    # 50,000 JSON-LD keywords became 50,000 tags; a 100,000-character title was stored.
    with TrapSite("edges") as site:
        sources = write_sources(tmp_path / "sources.toml", site.toml("edges"))
        result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST)
        declared_utf16 = site.url + "2024/07/03/declared-utf-16"
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "data" / "archive.db") as db:
        rows = dict(db.execute("select url, title from articles").fetchall())
        assert rows.get(declared_utf16) == UTF16_TITLE
        assert len(rows) == 3
        titles = list(rows.values())
        tags = db.execute("select count(*) from article_tags").fetchone()[0]
    assert max(map(len, titles)) <= TITLE_MAX
    assert 0 < tags <= TAGS_MAX
    assert re.search(r"Cut \S+/keywords: tags 50,000 -> 100", result.stderr)
    assert re.search(r"Cut \S+/long-title: title 100,000 -> 1,000 characters", result.stderr)


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) / 1024  # type: ignore[union-attr]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_link_following_keeps_no_memory_per_page() -> None:
    # A parser made per page held its libxml2 buffers (about the page's size) until a full
    # garbage collection: 30 pages of 20,000 new links grew the process by some 50 MB.
    site = TrapSite("links")

    def first_link(n: int) -> str:
        page = HtmlResponse(f"http://127.0.0.1:9/t/{n}", body=site.answer(f"/t/{n}"),
                            headers={"Content-Type": "text/html"})
        return next(iter(page_links(page)))

    assert sum(1 for _ in page_links(HtmlResponse(
        "http://127.0.0.1:9/", body=site.answer("/"), headers={"Content-Type": "text/html"}
    ))) == 20_000
    enabled = gc.isenabled()
    gc.disable()  # as between the crawl's rare full collections
    try:
        before = _rss_mb()
        taken = [first_link(n) for n in range(1, 31)]
        grown = _rss_mb() - before
    finally:
        if enabled:
            gc.enable()
    assert len(set(taken)) == 30
    assert grown < 10, f"{grown:.1f} MB"
