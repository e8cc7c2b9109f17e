"""Soft 404s: a page that is the site's own "not found" page is no article, and its URL
is fetched again by the next crawl.

A real crawl of a loopback site (tests/sites/traps.py, ``soft404``) through the CLI, and
the comparison itself on pages built here.
"""

from __future__ import annotations

from pathlib import Path

from parsel import Selector

from crawler.extraction.classify import like_not_found, text_shingles
from tests.conftest import FAST, run_cli
from tests.sites.hostile import SENTENCES
from tests.sites.traps import TrapSite, archived, write_sources

MENU = "".join(f"<li><a href='/s/{n}'>Section {n} news and more</a></li>" for n in range(40))


def _page(title: str, body: str) -> Selector:
    html = (f"<html><head><title>{title}</title></head><body><nav><ul>{MENU}</ul></nav>"
            f"{body}<footer>The Example Post, since 1999. Contact, privacy, terms.</footer>"
            "</body></html>")
    return Selector(text=html, type="html")


def test_a_page_like_the_sites_404_page_is_a_soft_404() -> None:
    not_found = text_shingles(_page("Oops | The Example Post",
                                    "<h1>Oops</h1><p>We found nothing at /a-check-1234.</p>"))
    again = _page("Oops | The Example Post",
                  "<h1>Oops</h1><p>We found nothing at /2024/05/01/story-in-the-works.</p>")
    assert like_not_found(again, not_found)
    # an article of 80 words on the same template, where the menu is most of the text
    short = _page("Council backs new lanes | The Example Post",
                  "<h1>Council backs new lanes</h1><p>" + " ".join(SENTENCES[:5]) + "</p>")
    assert not like_not_found(short, not_found)
    assert not like_not_found(again, None)
    assert not like_not_found(again, frozenset({1, 2}))  # too little text to tell


def test_the_sites_own_404_page_is_not_archived_and_is_tried_again(tmp_path: Path) -> None:
    # A CMS answered a story not live yet with 200 and its "Oops!" template: it was
    # archived as an article and never fetched again, so the real story was lost.
    data = tmp_path / "data"
    with TrapSite("soft404") as site:
        sources = write_sources(tmp_path / "sources.toml", site.toml("daily"))
        first = run_cli(data, "crawl", "--sources", str(sources), *FAST)
        after_first = archived(data)["daily"]
        site.publish()
        second = run_cli(data, "crawl", "--sources", str(sources), *FAST)
        after_second = archived(data)["daily"]
        probes = [p for p in site.hits if p.startswith("/news-archive-404-check-")]
        live, pending = site.article_urls(), site.pending_urls()
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    assert after_first == sorted(live)
    assert "soft_404 2" in first.stdout
    assert after_second == sorted(live + pending)
    assert len(probes) == 2  # once per crawl and site
