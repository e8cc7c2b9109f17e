"""Real sites, replayed (issue 18): a sample of the labelled real pages, plus a few made
pages for each fault, served under their host names through the replay proxy and crawled
by a real crawl from their sitemaps, twice."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED, need_shared
from tests.sites.replay import ReplayPage, ReplaySite, load_pages, sample

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # crawls: about 40 s in all
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACT_WORKERS=1"]
PRESS = "https://press.example.org"
FORUM = "https://forum.example.net"  # its source follows its home page's links
TOKEN = "58428beaa14598c2e02d93ad5c773e4d"  # a phpBB session id: 32 hex digits
DATED = '<meta property="article:published_time" content="2024-05-02T08:00:00Z">'


def _prose(topic: str) -> list[str]:
    """Thirty sentences of made-up words of their own: two topics share few words."""
    rng = random.Random(topic)
    words = ["".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))
             for _ in range(150)]
    return [f"The {topic} {' '.join(rng.sample(words, 12))}" for _ in range(30)]


def article_html(title: str, topic: str, *, head: str = "", h1: str | None = None) -> str:
    """A plain article page about ``topic``; ``head`` adds tags to its head."""
    paragraphs = "".join(f"<p>{s}.</p>" for s in _prose(topic))
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head><body><article>"
        f"<h1>{h1 or title}</h1>{paragraphs}</article></body></html>"
    )


NEWS_LD = (
    '<meta property="og:type" content="website">'
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry"}</script>'
)
LONG_URL = f"{PRESS}/long/" + "x" * 2100
# url -> (html, canonical or None); every one is listed in the host's sitemap
MADE: dict[str, tuple[str, str | None]] = {
    # fault 1: og:type=website with JSON-LD NewsArticle, under a path with no date or slug
    f"{PRESS}/ferry": (article_html("Ferry terminal opens", "ferry", head=NEWS_LD), None),
    # fault 2: canonicals naming the list page, the home page, another article
    f"{PRESS}/release.php?newsID=1": (article_html("Wind farm approved", "wind farm"),
                                      f"{PRESS}/release.php"),
    f"{PRESS}/release.php?newsID=2": (article_html("Bridge closed", "bridge"),
                                      f"{PRESS}/release.php"),
    f"{PRESS}/notes/harbour-dues-rise": (article_html("Harbour dues rise", "harbour"), f"{PRESS}/"),
    f"{PRESS}/notes/school-opens": (article_html("School opens", "school"),
                                    f"{PRESS}/notes/library-closes"),
    f"{PRESS}/notes/library-closes": (article_html("Library closes", "library"), None),
    # fault 3: a strict server knows only this exact URL
    f"{PRESS}/search-story?scroll=%DCber&b=2&a=%27x": (article_html("Ueber", "scroll"), None),
    f"{PRESS}//index.php?id=30&tx_ttnews%5Btt_news%5D=477": (article_html("Solar", "solar"), None),
    # fault 4: canonical differs from the address the page is reached by
    f"{PRESS}/n/4711": (article_html("Council votes", "council"), f"{PRESS}/n/4711-council-votes"),
    # issue 21 fault 6: a soft 404
    f"{PRESS}/coming-soon-story": (
        article_html("Seite nicht gefunden", "missing", h1="Seite nicht gefunden"), None),
    # issue 21 fault 8: session ids in listed links are requested as listed (the server
    # may know only that address) and left out of the identity
    f"{PRESS}/session-story;jsessionid=A1B2C3D4E5F6": (article_html("Session story", "session"),
                                                      None),
    f"{PRESS}/forum/viewtopic.php?f=2&t=88&sid={TOKEN}": (article_html("Topic", "topic"), None),
    # ...while links found on a page lose them: the server answers their clean URLs only
    f"{FORUM}/topic.php?t=5": (article_html("Forum topic", "forum", head=DATED), None),
    f"{FORUM}/story-b": (article_html("Forum story", "forum story", head=DATED), None),
    f"{FORUM}/story-c?id=2": (article_html("Forum notice", "notice", head=DATED), None),
    # fault 7 / issue 21 fault 11: decoded as browsers do (bytes in ENCODED's charset)
    f"{PRESS}/koeln-bruecke": (article_html("Grüße aus Köln", "bruecke"), None),
    f"{PRESS}/wide-charset-story": (
        article_html("Grüße aus Köln, zweiter Teil", "wide", head='<meta charset="utf-16">'), None),
}
ENCODED = {f"{PRESS}/koeln-bruecke": "cp1250"}  # no declaration, mostly ASCII
LISTED_ONLY = [LONG_URL]
# the links on FORUM's home page: two addresses (session ids) for each of its pages
FORUM_LINKS = [
    f"/topic.php?t=5&sid={TOKEN}", "/topic.php?t=5&sid=0123456789abcdef0123456789abcdef",
    "/story-b;jsessionid=A1B2C3D4E5F6", "/story-b;jsessionid=F6E5D4C3B2A1",
    "/story-c?PHPSESSID=9f8e7d6c5b4a&id=2", "/story-c?id=2&PHPSESSID=0a1b2c3d4e5f",
]


@dataclass
class Crawl:
    """One crawl run: its process result and the archive folder."""

    result: subprocess.CompletedProcess[str]
    data: Path
    log: Path

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.data / "archive.db") as db:
            return db.execute(sql, args).fetchall()


def _made_pages(folder: Path) -> list[ReplayPage]:
    pages = []
    for number, (url, (html, canonical)) in enumerate(MADE.items()):
        if canonical:
            html = html.replace("</head>", f'<link rel="canonical" href="{canonical}"></head>')
        path = folder / f"made-{number}.html"
        path.write_bytes(html.encode(ENCODED.get(url, "utf-8")))
        pages.append(ReplayPage(url, path, "made", {"title": "made"}))
    return pages


class _Site(ReplaySite):
    """The replay with a few extra sitemap entries that it does not serve, and FORUM's
    pages linked from its home page with session ids, not listed."""

    def answer(self, method: str, url: str) -> tuple[int, str, bytes, str]:
        status, ctype, body, kind = super().answer(method, url)
        if kind == "sitemap" and url.startswith(PRESS):
            extra = "".join(f"<url><loc>{u}</loc></url>" for u in LISTED_ONLY)
            body = body.replace(b"</urlset>", extra.encode() + b"</urlset>")
        elif kind == "sitemap" and url.startswith(FORUM):
            body = re.sub(rb"<url>.*</url>", b"", body)
        elif kind == "home" and url.startswith(FORUM):
            links = "".join(f'<p><a href="{escape(u)}">topic {n}</a></p>'
                            for n, u in enumerate(FORUM_LINKS))
            body = f"<html><head><title>Forum</title></head><body>{links}</body></html>".encode()
        return status, ctype, body, kind


def _run(env: dict[str, str] | None, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, check=False,
    )


def _crawl(site: ReplaySite, data: Path, *args: str) -> Crawl:
    log = data.with_suffix(".log")
    result = _run(site.env(), data, "crawl", *args, "--log-file", str(log), *FAST)
    return Crawl(result, data, log)


URL_FILE = [f"{PRESS}/search-story?scroll=%DCber&b=2&a=%27x", f"{PRESS}/ferry"]


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A sample of the replay (30 hosts, a page of each) plus the made pages, crawled from
    sitemaps, beside a --url-file crawl through a proxy of its own; then side by side (the
    suite's time): the second crawl and an import-warc of the first crawl's WARC files."""
    need_shared(SHARED / "corpus-news")
    real = sample(load_pages(SHARED), 30, per_host=1)
    folder = tmp_path_factory.mktemp("replay")
    made = _made_pages(folder)
    urls = folder / "urls.txt"
    urls.write_text("\n".join(URL_FILE) + "\n", encoding="utf-8")
    with _Site(real + made) as site, _Site(made) as listing, ThreadPoolExecutor(2) as pool:
        sources = folder / "sources.toml"
        sources.write_text(site.sources_toml(follow=[FORUM]), encoding="utf-8")
        listed = pool.submit(_crawl, listing, folder / "listed", "--url-file", str(urls))
        first = _crawl(site, folder / "data", "--sources", str(sources))
        requests_first = list(site.requests)
        warcs = sorted(str(p) for p in (first.data / "warc").glob("*.warc*"))
        second = pool.submit(_crawl, site, folder / "data", "--sources", str(sources))
        imported = _run(None, folder / "imported", "import-warc", *warcs)
        runs = {"second": second.result(), "imported": imported, "listed": listed.result()}
        yield {"site": site, "real": real, "first": first, "requests_first": requests_first,
               "requests_second": site.requests[len(requests_first):], "folder": folder,
               "listing": listing, **runs}


def test_crawl_stores_the_labelled_pages_and_counts_the_rest_by_reason(replay: dict) -> None:
    first: Crawl = replay["first"]
    assert first.result.returncode == 0, first.result.stderr
    line = first.result.stdout.strip().splitlines()[-1]
    stored = {url for (url,) in first.rows("select fetched_url from articles")}
    labelled = [p.url for p in replay["real"] if p.labelled]
    missed = [u for u in labelled if u not in stored]
    assert len(missed) <= 0.02 * len(labelled), missed
    # every fetched page is stored, or counted with its reason in the summary
    pages = int(re.search(r"(\d+) pages fetched", line)[1])
    stored_now = re.search(r"articles (\d+) new / (\d+) updated / (\d+) unchanged", line)
    new = sum(int(n) for n in stored_now.groups())
    not_stored = int(re.search(r"(\d+) not articles", line)[1])
    overhead = sum(1 for r in replay["requests_first"] if r.kind in ("robots", "sitemap", "probe"))
    assert pages == new + not_stored + overhead
    assert "soft_404 1" in line
    assert "1 URLs over 2,000 characters refused" in line


def test_og_type_website_does_not_hide_a_news_article(replay: dict) -> None:
    assert replay["first"].rows("select title from articles where fetched_url = ?",
                                f"{PRESS}/ferry") == [("Ferry terminal opens",)]


def test_canonicals_naming_other_pages_do_not_merge_articles(replay: dict) -> None:
    rows = dict(replay["first"].rows("select fetched_url, url from articles"))
    made = [u for u in MADE if "release" in u or "/notes/" in u]
    assert all(u in rows for u in made)
    assert len({rows[u] for u in made}) == len(made)  # five articles, five identities
    assert rows[f"{PRESS}/notes/harbour-dues-rise"] != "https://press.example.org/"


def test_every_request_is_the_listed_url_through_the_proxy(replay: dict) -> None:
    site: ReplaySite = replay["site"]
    assert not site.missing()
    asked = {r.url for r in replay["requests_first"]}
    assert f"{PRESS}/search-story?scroll=%DCber&b=2&a=%27x" in asked
    assert not [u for u in asked if len(u) > 2000]
    fetched = {u for (u,) in replay["first"].rows("select url from fetches")}
    assert fetched <= asked  # nothing the crawl fetched went past the proxy


def test_listed_session_ids_are_requested_as_listed_but_leave_the_identity(replay: dict) -> None:
    asked = [r.url for r in replay["requests_first"] if r.kind == "page"]
    rows = dict(replay["first"].rows("select fetched_url, url from articles"))
    for url in (f"{PRESS}/session-story;jsessionid=A1B2C3D4E5F6",
                f"{PRESS}/forum/viewtopic.php?f=2&t=88&sid={TOKEN}"):
        assert asked.count(url) == 1
        assert rows[url] == url.split(";")[0].replace(f"&sid={TOKEN}", "")


def test_session_ids_in_links_found_on_pages_are_dropped(replay: dict) -> None:
    asked = [r.url for r in replay["requests_first"]
             if r.url.startswith(FORUM + "/") and r.kind in ("home", "page", "missing")]
    clean = sorted(u for u in MADE if u.startswith(FORUM))
    # each page once, under its clean address: no copy per session id, nothing missing
    assert sorted(asked) == sorted(
        [f"{FORUM}/", *clean])
    rows = replay["first"].rows("select url from articles where url like ?", f"{FORUM}/%")
    assert sorted(u for (u,) in rows) == clean


def test_second_crawl_fetches_no_archived_page(replay: dict) -> None:
    second: Crawl = replay["second"]
    assert second.result.returncode == 0, second.result.stderr
    assert "0 new" in second.result.stdout
    refetched = {r.url for r in replay["requests_second"] if r.kind == "page"}
    archived = {u for (u,) in second.rows("select fetched_url from articles")}
    assert archived
    assert not refetched & archived
    # pages not archived are fetched again: a soft 404 may be the story's page tomorrow
    assert f"{PRESS}/coming-soon-story" in refetched


def test_legacy_and_lying_charsets_are_decoded_as_browsers_do(replay: dict) -> None:
    titles = dict(replay["first"].rows("select fetched_url, title from articles"))
    assert titles[f"{PRESS}/koeln-bruecke"] == "Grüße aus Köln"
    assert titles[f"{PRESS}/wide-charset-story"] == "Grüße aus Köln, zweiter Teil"


def test_log_file_without_verbose_has_no_debug_and_no_article_text(replay: dict) -> None:
    log = replay["first"].log.read_text(encoding="utf-8")
    assert log
    assert " DEBUG: " not in log
    assert " INFO: " not in log
    assert " ".join(_prose("ferry")[0].split()[:6]) not in log


def test_import_warc_archives_the_same_articles_as_the_crawl(replay: dict) -> None:
    result: subprocess.CompletedProcess[str] = replay["imported"]
    assert result.returncode == 0, result.stderr
    crawled = {u for (u,) in replay["first"].rows("select url from articles")}
    with sqlite3.connect(replay["folder"] / "imported" / "archive.db") as db:
        imported = {u for (u,) in db.execute("select url from articles")}
    assert imported == crawled


def test_url_file_crawl_requests_each_url_as_given(replay: dict) -> None:
    listing: ReplaySite = replay["listing"]
    run: Crawl = replay["listed"]
    assert run.result.returncode == 0, run.result.stderr
    asked = [r.url for r in listing.requests if r.kind in ("page", "missing")]
    assert sorted(asked) == sorted(URL_FILE)
    assert "2 new" in run.result.stdout


def test_replay_pages_are_listed_with_their_original_urls() -> None:
    pages = load_pages(need_shared(SHARED / "corpus").parent)
    assert len(pages) > 600
    assert all(p.url.startswith(("http://", "https://")) and "#" not in p.url for p in pages)


def test_stats_lists_what_the_last_crawl_did_not_store(replay: dict) -> None:
    second: Crawl = replay["second"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(second.data), "stats",
         "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    # the soft 404, and the forum's home page (its links are followed)
    assert json.loads(result.stdout)["not_stored"] == {"soft_404": 1, "not_an_article_page": 1}
