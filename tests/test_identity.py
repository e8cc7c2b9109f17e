"""Article identity: the URL requested, the identity form, plausible canonicals, aliases and
different articles kept apart in the store (issue 18, faults 2-4; issue 21, fault 8)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from w3lib.url import canonicalize_url

from crawler.extraction.article import identity_url, plausible_canonical
from indexer.article import Article
from indexer.search import search
from indexer.search.whoosh.index import ArchiveIndex
from indexer.store import Archive
from indexer.urls import normalize_url, request_url, too_long

SITE = "https://press.example.org"


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/a?scroll=%DCber",  # not UTF-8: never U+FFFD
        f"{SITE}/it%27s?b=2&a=%2f",  # no sorting, no escape case change, no decoding
        f"{SITE}/story?utm_source=rss&id=4",  # tracking parameters are the server's business
        f"{SITE}/caf%C3%A9",
    ],
)
def test_request_url_is_the_url_as_given(url: str) -> None:
    assert request_url(url) == url
    assert request_url(url + "#comments") == url


def test_identity_keeps_undecodable_escapes() -> None:
    assert normalize_url(f"{SITE}/a?scroll=%DCber") == "https://press.example.org/a?scroll=%DCber"
    assert "\ufffd" not in normalize_url(f"{SITE}/a?x=%FF%FE")
    assert normalize_url(f"{SITE}/s?b=2&a=1&utm_medium=x") == f"{SITE}/s?a=1&b=2"


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        (f"{SITE}/story;jsessionid=0A1B2C3D4E5F?id=3", f"{SITE}/story?id=3"),
        (f"{SITE}/story?PHPSESSID=9f8e7d6c5b4a&id=3", f"{SITE}/story?id=3"),
        (f"{SITE}/topic.php?t=3&sid=58428beaa14598c2e02d93ad5c773e4d", f"{SITE}/topic.php?t=3"),
        (f"{SITE}/story?s=58428BEAA14598C2E02D93AD5C773E4D58428BEA&id=3", f"{SITE}/story?id=3"),
    ],
)
def test_session_ids_leave_identity_always_and_requests_of_found_links(
    url: str, clean: str
) -> None:
    assert normalize_url(url) == normalize_url(clean)
    assert request_url(url, found=True) == clean
    # given or listed (sources, sitemap, feed, --url): its server may know only that address
    assert request_url(url) == url
    assert request_url(url + "#top") == url


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/story?sid=12",  # a story number
        f"{SITE}/story?sid=harbour-dues-rise-2024",  # a slug
        f"{SITE}/story?sid=a1b2c3d4e5f6a7b8c9d0",  # 20 hex digits: not a session token
        f"{SITE}/?s=local+elections+results+2024",  # a search word
    ],
)
def test_sid_and_s_are_kept_unless_the_value_is_a_session_token(url: str) -> None:
    assert request_url(url, found=True) == url
    assert parse_qs(urlsplit(normalize_url(url)).query) == parse_qs(urlsplit(url).query)


def test_long_urls_are_refused() -> None:
    assert too_long(SITE + "/" + "x" * 2000)
    assert not too_long(SITE + "/story")


@pytest.mark.parametrize(
    ("canonical", "fetched", "trusted"),
    [
        (f"{SITE}/", f"{SITE}/notes/harbour", False),  # the site root
        (f"{SITE}/notes/", f"{SITE}/notes/harbour", False),  # a parent path
        (f"{SITE}/tag/harbour", f"{SITE}/notes/harbour", False),  # a listing
        (f"{SITE}/release.php", f"{SITE}/release.php?newsID=5", False),  # drops the page's key
        ("https://other.example/harbour", f"{SITE}/notes/harbour", False),  # another site
        (f"{SITE}/n/4711-council-votes", f"{SITE}/n/4711", True),
        (f"{SITE}/notes/harbour", f"{SITE}/notes/harbour/amp", True),
        (f"{SITE}/release.php?newsID=5", f"{SITE}/release.php?newsID=5&utm_source=x", True),
        ("https://www.press.example.org/notes/harbour", f"{SITE}/notes/harbour?ref=rss", True),
    ],
)
def test_canonical_is_trusted_only_when_it_names_the_page(
    canonical: str, fetched: str, trusted: bool
) -> None:
    assert plausible_canonical(canonical, fetched) is trusted
    expected = normalize_url(canonical if trusted else fetched)
    assert identity_url(canonical, fetched) == expected


def _article(url: str, fetched: str, text: str) -> Article:
    return Article(url=normalize_url(url), fetched_url=fetched, title=text.split(".")[0],
                   text=text, source="press")


STORY_A = "The harbour dues rise by a tenth from May, the port authority said. " * 5
STORY_B = "The school on the hill opens its doors to a hundred pupils next week. " * 5


def test_two_texts_claiming_one_identity_are_both_kept(tmp_path: Path) -> None:
    claimed = f"{SITE}/notes/library"
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(_article(claimed, f"{SITE}/notes/harbour", STORY_A), b"a")])
        counts = archive.add_articles([(_article(claimed, f"{SITE}/notes/school", STORY_B), b"b")])
        assert counts["kept_apart"] == 1
        assert counts["updated"] == 0
        texts = {a.fetched_url: a.text for a in archive.iter_articles()}
    assert texts == {f"{SITE}/notes/harbour": STORY_A, f"{SITE}/notes/school": STORY_B}


def test_the_page_a_canonical_named_takes_its_identity_back(tmp_path: Path) -> None:
    owner = f"{SITE}/notes/library"
    with Archive(tmp_path / "archive.db") as archive:
        # a page whose canonical names another article was stored first, under that name
        archive.add_articles([(_article(owner, f"{SITE}/notes/school", STORY_B), b"b")])
        counts = archive.add_articles([(_article(owner, owner, STORY_A), b"a")])
        assert counts == {"new": 1, "updated": 0, "unchanged": 0, "kept_apart": 1}
        assert archive.get(owner).text == STORY_A
        moved = archive.get(f"{SITE}/notes/school")
        assert moved.text == STORY_B
        assert moved.url == f"{SITE}/notes/school"
        assert archive.raw_html(moved.id) == b"b"
        assert archive.known_urls([owner, f"{SITE}/notes/school"]) == {
            owner, f"{SITE}/notes/school"}


def test_every_address_of_an_article_is_known(tmp_path: Path) -> None:
    identity = f"{SITE}/n/4711-council-votes"
    reached = f"{SITE}/n/4711"
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(_article(identity, reached, STORY_A), b"a")],
                             reached_by={reached: [f"{SITE}/go?to=4711"]})
        # the same article from a third address: one article, not two
        again = archive.add_articles([(_article(identity, f"{SITE}/x/4711", STORY_A), b"a")])
        assert again["new"] == 0
        assert archive.count() == 1
        addresses = [reached, f"{SITE}/go?to=4711", f"{SITE}/x/4711", identity]
        assert archive.known_urls(normalize_url(u) for u in addresses) == {
            normalize_url(u) for u in addresses}


def test_upgrade_to_aliases_keeps_fetched_addresses(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    reached = f"{SITE}/n/4711"
    with Archive(path) as archive:
        archive.add_articles([(_article(f"{SITE}/n/4711-council", reached, STORY_A), b"a")])
    with sqlite3.connect(path) as db:  # back to what schema v2 wrote
        db.execute("DROP TABLE aliases")
        db.execute("PRAGMA user_version = 2")
    with Archive(path) as upgraded:
        assert upgraded.known_urls([reached]) == {reached}


def _hits(index: ArchiveIndex, query: str) -> list[str]:
    return sorted(hit.url for hit in search(index.path, query).hits)


def test_an_article_whose_identity_moved_is_one_article_and_one_hit(tmp_path: Path) -> None:
    fetched = f"{SITE}/n/4711"
    index = ArchiveIndex(tmp_path / "index")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(_article(fetched, fetched, STORY_A), b"a")])
        index.sync(archive)
        # fetched again: the page now names a canonical URL, and its text was corrected
        for identity in (f"{SITE}/n/4711-council", f"{SITE}/n/4711-council-votes"):
            archive.add_articles([(_article(identity, fetched, STORY_A + " Corrected."), b"b")])
            assert index.sync(archive) == 1
            assert archive.count() == 1
            assert index.doc_count() == 1
            assert _hits(index, "harbour dues") == [identity]
        assert archive.known_urls(
            [fetched, f"{SITE}/n/4711-council", f"{SITE}/n/4711-council-votes"]) == {
            fetched, f"{SITE}/n/4711-council", f"{SITE}/n/4711-council-votes"}
        # another text at that address is another article: both kept, both found
        archive.add_articles([(_article(f"{SITE}/n/4712", fetched, STORY_B), b"c")])
        index.sync(archive)
        assert archive.count() == index.doc_count() == 2
        assert _hits(index, "pupils") == [f"{SITE}/n/4712"]
        assert _hits(index, "harbour dues") == [f"{SITE}/n/4711-council-votes"]


def test_a_kept_apart_article_leaves_no_stale_document(tmp_path: Path) -> None:
    owner = f"{SITE}/notes/library"
    index = ArchiveIndex(tmp_path / "index")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(_article(owner, f"{SITE}/notes/school", STORY_B), b"b")])
        index.sync(archive)
        archive.add_articles([(_article(owner, owner, STORY_A), b"a")])
        index.sync(archive)
        assert archive.count() == index.doc_count() == 2
        assert _hits(index, "pupils") == [f"{SITE}/notes/school"]
        assert _hits(index, "harbour dues") == [owner]


def test_identity_of_plain_urls_is_canonicalize_urls() -> None:
    # normalize_url writes URLs of unreserved characters itself (w3lib's canonicalize_url
    # was most of its cost): the result must stay what canonicalize_url gives.
    rng = random.Random(21)
    hosts = ["example.com", "EXAMPLE.org:8080", "127.0.0.1:9000", "a-b.example", "127.1",
             "xn--bcher-kva.de", "m\u00fcnchen.de", "example.com."]
    alphabet = "aZ09-._~/=&%;é+"
    tried = 0
    for _ in range(20_000):
        path = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        url = f"{rng.choice(['http', 'https'])}://{rng.choice(hosts)}/{path}?{query}"
        if any(k in url.lower() for k in ("utm_", "sid", "ref", "share", "spm", "at_")):
            continue  # parameters the identity drops: canonicalize_url keeps them
        tried += 1
        assert normalize_url(url) == canonicalize_url(url), url
    assert tried > 15_000
