"""The demo news site: served over real HTTP in a subprocess, checked with urllib."""

from __future__ import annotations

import json
import re
import select
import socket
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from xml.etree import ElementTree

import feedparser
import lxml.html
import pytest

from crawler.demosite import DemoSite, expected_articles, sources_toml
from crawler.demosite.content import DEFAULT_REFERENCE_DIR, find_reference
from crawler.demosite.pages import BROKEN_PATHS
from tests.conftest import need_shared

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
REFERENCE_PATH = "2022/10/27/kremlin-claims-ukraine-exited-peace-talks-on-us-orders-a79213"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    """Return status, headers and body, error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def outlets() -> Iterator[dict[str, str]]:
    """Run ``python -m crawler.demosite`` and yield the outlet URLs it prints."""
    process = subprocess.Popen([sys.executable, "-m", "crawler.demosite"], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "the demo site printed nothing"
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())["outlets"]
    finally:
        process.terminate()
        try:
            assert process.wait(timeout=5) == 0
        finally:
            if process.poll() is None:
                process.kill()
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture(scope="module")
def expected(outlets: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The ground truth, keyed by URL."""
    return {a["url"]: a for a in expected_articles(outlets)}


@pytest.fixture(scope="module")
def sources(outlets: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The generated sources file, parsed, keyed by outlet name."""
    return {s["name"]: s for s in tomllib.loads(sources_toml(outlets))["source"]}


def identity(url: str) -> str:
    """Drop fragment, tracking parameters and ``www.``, as the crawler does."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_")])
    return urlunsplit((parts.scheme, parts.netloc.removeprefix("www."), parts.path, query, ""))


def links(url: str, body: bytes) -> list[str]:
    """Return the absolute targets of a page's <a href> links."""
    return [urljoin(url, href) for href in lxml.html.fromstring(body).xpath("//a/@href")]


def sitemap_locs(url: str) -> tuple[set[str], int]:
    """Return every page URL under a sitemap or sitemap index, and how many sitemaps were read."""
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(body)
    if root.tag == f"{SM}sitemapindex":
        found, count = set(), 1
        for loc in root.iter(f"{SM}loc"):
            child, child_count = sitemap_locs(loc.text or "")
            found |= child
            count += child_count
        return found, count
    assert root.tag == f"{SM}urlset"
    return {loc.text or "" for loc in root.iter(f"{SM}loc")}, 1


def feed_links(url: str) -> set[str]:
    """Return the entry links of a feed."""
    return {entry.link for entry in feedparser.parse(fetch(url)[2]).entries}


def robots_sitemaps(base: str) -> list[str]:
    """Return the Sitemap: lines of an outlet's robots.txt."""
    text = fetch(base + "robots.txt")[2].decode()
    return re.findall(r"(?m)^Sitemap:\s*(\S+)", text)


def crawl(base: str, depth: int) -> tuple[set[str], set[str]]:
    """Follow same-host links from ``base`` to ``depth``; return fetched and skipped URLs."""
    host = urlsplit(base).netloc
    seen, skipped, frontier = {base}, set(), [base]
    for _ in range(depth):
        next_frontier = []
        for url in frontier:
            status, headers, body = fetch(url)
            if status != 200 or not headers["Content-Type"].startswith("text/html"):
                continue
            for target in map(identity, links(url, body)):
                if urlsplit(target).netloc != host or target in seen:
                    continue
                if urlsplit(target).path.startswith("/private/"):
                    skipped.add(target)
                    continue
                seen.add(target)
                next_frontier.append(target)
        frontier = next_frontier
    return seen, skipped


def test_ground_truth_covers_the_required_cases(expected: dict[str, dict[str, Any]]) -> None:
    articles = list(expected.values())
    assert len([a for a in articles if a["published"].startswith("2024")]) >= 60
    assert {a["source"] for a in articles} == {"courier", "ledger", "gazette"}
    assert {a["published"][:7] for a in articles} >= {f"2024-0{m}" for m in range(1, 7)}
    assert [a["source"] for a in articles if a["agencies"] == ["Reuters"]].count("courier") == 1
    assert sorted(a["source"] for a in articles if a["agencies"] == ["Reuters"]
                  and not a["url"].endswith(REFERENCE_PATH)) == ["courier", "ledger"]
    assert any(a["agencies"] == ["AP"] and a["authors"] == ["Jane Doe"] for a in articles)
    assert any(a["agencies"] == ["AFP"] and a["source"] == "courier" for a in articles)
    assert any(len(a["authors"]) == 2 for a in articles)
    assert any(len(a["authors"]) == 3 for a in articles)
    assert [a["language"] for a in articles].count("ru") == 1
    assert len({a["title"] for a in articles}) == len(articles)


def test_homes_respond_with_html(outlets: dict[str, str]) -> None:
    for name, base in outlets.items():
        status, headers, body = fetch(base)
        assert status == 200, name
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"<html" in body


def test_robots_disallow_private_and_announce_sitemaps(outlets: dict[str, str]) -> None:
    for base in outlets.values():
        status, headers, body = fetch(base + "robots.txt")
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain")
        assert "Disallow: /private/" in body.decode().splitlines()
        sitemaps = robots_sitemaps(base)
        assert sitemaps
        assert all(fetch(url)[0] == 200 for url in sitemaps)
        assert fetch(base + "private/drafts")[0] == 200  # real, linked, and off-limits


def test_feeds_parse_and_list_live_articles(
    outlets: dict[str, str], sources: dict[str, dict[str, Any]],
    expected: dict[str, dict[str, Any]],
) -> None:
    kinds = set()
    for name in outlets:
        (feed_url,) = sources[name]["feeds"]
        status, headers, body = fetch(feed_url)
        assert status == 200
        kinds.add(headers["Content-Type"].split(";")[0])
        parsed = feedparser.parse(body)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.entries
        for entry in parsed.entries:
            assert entry.link in expected
            assert expected[entry.link]["source"] == name
            assert fetch(entry.link)[0] == 200
    assert kinds == {"application/rss+xml", "application/atom+xml"}


def test_sitemap_indexes_point_to_monthly_sitemaps(outlets: dict[str, str]) -> None:
    for name in ("courier", "ledger"):
        index = next(u for u in robots_sitemaps(outlets[name]) if "news" not in u)
        root = ElementTree.fromstring(fetch(index)[2])
        assert root.tag == f"{SM}sitemapindex"
        months = [loc.text or "" for loc in root.iter(f"{SM}loc")]
        assert len(months) >= 6
        assert all(re.search(r"\d{4}-\d{2}\.xml$", m) for m in months)


def test_google_news_sitemap(outlets: dict[str, str], expected: dict[str, Any]) -> None:
    news = next(u for u in robots_sitemaps(outlets["courier"]) if "news" in u)
    root = ElementTree.fromstring(fetch(news)[2])
    ns = "{http://www.google.com/schemas/sitemap-news/0.9}"
    dates = [d.text or "" for d in root.iter(f"{ns}publication_date")]
    assert dates
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", d) for d in dates)
    assert {loc.text for loc in root.iter(f"{SM}loc")} <= set(expected)


def test_every_expected_article_is_served(expected: dict[str, dict[str, Any]]) -> None:
    for url, article in expected.items():
        status, headers, body = fetch(url)
        assert status == 200, url
        charset = "windows-1251" if article["language"] == "ru" else "utf-8"
        assert headers["Content-Type"] == f"text/html; charset={charset}"
        assert headers["ETag"]
        assert headers["Last-Modified"]
        assert article["title"] in lxml.html.fromstring(body.decode(charset)).text_content()


def test_windows_1251_page_decodes(expected: dict[str, dict[str, Any]]) -> None:
    (url,) = [u for u, a in expected.items() if a["language"] == "ru"]
    body = fetch(url)[2]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("windows-1251")
    assert '<meta charset="windows-1251">' in text
    assert "Опубликовано 14 марта 2024" in text
    assert expected[url]["title"] in text


def test_broken_link_and_unknown_paths_404(outlets: dict[str, str]) -> None:
    for name, base in outlets.items():
        broken = BROKEN_PATHS[name]
        assert base + broken.lstrip("/") in links(base, fetch(base)[2])
        status, headers, _ = fetch(base + broken.lstrip("/"))
        assert status == 404
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert fetch(base + "no/such/page")[0] == 404


def test_conditional_requests_get_304(expected: dict[str, dict[str, Any]]) -> None:
    url = next(iter(expected))
    _, headers, _ = fetch(url)
    status, again, body = fetch(url, {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    assert again["ETag"] == headers["ETag"]
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200


def test_link_variants_lead_to_the_same_article(outlets: dict[str, str]) -> None:
    for base in outlets.values():
        hrefs = links(base, fetch(base)[2])
        tracked = [h for h in hrefs if "utm_source=" in h]
        assert tracked
        assert any(h.startswith(base.replace("//", "//www.", 1)) for h in hrefs)
        assert fetch(tracked[0])[2] == fetch(identity(tracked[0]))[2]
        article = identity(tracked[0])
        assert any("#" in h and identity(h) == article for h in links(article, fetch(article)[2]))


def test_non_articles_do_not_look_like_articles(outlets: dict[str, str]) -> None:
    for base in outlets.values():
        for path in ("about", "privacy"):
            body = fetch(base + path)[2]
            assert b"og:type" not in body
            assert b"datePublished" not in body


def test_every_article_is_discoverable_and_each_path_matters(
    outlets: dict[str, str], sources: dict[str, dict[str, Any]],
    expected: dict[str, dict[str, Any]],
) -> None:
    for name, base in outlets.items():
        mine = {u for u, a in expected.items() if a["source"] == name}
        source = sources[name]
        by_feed = set().union(*map(feed_links, source["feeds"]))
        by_sitemap: set[str] = set()
        for url in set(source["sitemaps"]) | set(robots_sitemaps(base)):
            by_sitemap |= sitemap_locs(url)[0]
        by_links, skipped = crawl(base, source["depth"])
        assert any("/private/" in u for u in skipped), "robots-protected pages are linked"
        assert mine <= by_feed | by_sitemap | by_links
        assert len(mine & by_sitemap - by_links - by_feed) >= 2, "sitemap-only articles"
        assert len(mine & by_links - by_sitemap - by_feed) >= 2, "link-only articles"


def test_gazette_article_patterns(
    sources: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]],
    outlets: dict[str, str],
) -> None:
    patterns = [re.compile(p) for p in sources["gazette"]["article_urls"]]
    articles = [u for u, a in expected.items() if a["source"] == "gazette"]
    assert all(any(p.search(u) for p in patterns) for u in articles)
    assert any("/stories/" in u for u in articles)
    others = set(links(outlets["gazette"], fetch(outlets["gazette"])[2])) - set(expected)
    assert not [u for u in map(identity, others) if any(p.search(u) for p in patterns)
                and u not in expected]
    assert "article_urls" not in sources["courier"]


def test_reference_page_is_served_verbatim(
    outlets: dict[str, str], expected: dict[str, dict[str, Any]],
    sources: dict[str, dict[str, Any]],
) -> None:
    need_shared(DEFAULT_REFERENCE_DIR)
    page = find_reference()
    assert page is not None, f"no reference page in {DEFAULT_REFERENCE_DIR}"
    url = outlets["courier"] + REFERENCE_PATH
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == page.read_bytes()
    assert expected[url]["agencies"] == ["AFP"]
    assert expected[url]["published"] == "2022-10-27"
    assert url in feed_links(sources["courier"]["feeds"][0])
    assert url in sitemap_locs(sources["courier"]["sitemaps"][0])[0]
    assert url in links(outlets["courier"], fetch(outlets["courier"])[2])


def test_demosite_api_in_process(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<!DOCTYPE html><title>stand-in</title>\xe2\x80\x94")
    with DemoSite(reference_dir=tmp_path) as site:
        outlets = site.outlets
        assert sorted(outlets) == ["courier", "gazette", "ledger"]
        assert len({urlsplit(u).port for u in outlets.values()}) == 3
        assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/", u) for u in outlets.values())
        assert fetch(outlets["courier"] + REFERENCE_PATH)[2] == page.read_bytes()
        assert any(a["url"].endswith(REFERENCE_PATH)
                   for a in expected_articles(outlets, reference_dir=tmp_path))
        assert ("gazette", "/robots.txt") not in site.requests
        fetch(outlets["gazette"] + "robots.txt")
        assert ("gazette", "/robots.txt") in site.requests
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with DemoSite(reference_dir=tmp_path / "missing", ports={"ledger": free}) as site:
        outlets = site.outlets
        assert outlets["ledger"] == f"http://127.0.0.1:{free}/"
        assert fetch(outlets["courier"] + REFERENCE_PATH)[0] == 404
        assert not any(a["url"].endswith(REFERENCE_PATH)
                       for a in expected_articles(outlets, reference_dir=tmp_path / "missing"))
