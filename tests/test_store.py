"""The SQLite archive: round trips, upsert counts, filters, locking, crash safety."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.article import Article
from indexer.schema_version import SCHEMA_VERSION
from indexer.store import Archive, Fetch, StoreError

ROOT = Path(__file__).resolve().parent.parent


def make_article(n: int, **overrides: object) -> Article:
    """Build a fully populated article numbered ``n``."""
    data: dict[str, object] = {
        "url": f"https://news.example/2022/10/{n:02d}/story-{n}",
        "title": f"Story {n}",
        "canonical_url": f"https://www.news.example/2022/10/{n:02d}/story-{n}",
        "fetched_url": f"https://www.news.example/2022/10/{n:02d}/story-{n}?utm_source=rss",
        "source": "example",
        "site_name": "The Example",
        "description": f"Description {n}",
        "text": f"Body of story {n} about the harbour.\n\nSecond paragraph.",
        "markdown": f"Body of story {n} about the **harbour**.\n\nSecond paragraph.",
        "published": f"2022-10-{n % 28 + 1:02d}T10:00:00+03:00",
        "published_source": "json-ld",
        "modified": f"2022-10-{n % 28 + 1:02d}T12:00:00+03:00",
        "modified_source": "meta",
        "authors": [f"Author {n}", "Jane Doe"],
        "agencies": ["AFP"],
        "credit": "AFP contributed reporting.",
        "language": "en",
        "section": "world",
        "tags": ["Ukraine", f"tag{n}"],
        "image": f"https://news.example/img/{n}.jpg",
        "image_credit": "Photo: Somebody",
        "image_credit_url": "https://photos.example/somebody",
        "links": ["https://kremlin.ru", f"https://news.example/related/{n}"],
        "fetched_at": "2026-11-25T10:00:00+00:00",
    }
    data.update(overrides)
    return Article(**data)  # type: ignore[arg-type]


def page(n: int) -> bytes:
    """Return a raw page body for article ``n``, with bytes that are not UTF-8."""
    return f"<html><body><p>Story {n}</p></body></html>".encode() + b"\xff\xfe" * 200


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "sub" / "archive.db", timeout=2) as opened:
        yield opened


@pytest.fixture
def filled(archive: Archive) -> Archive:
    """An archive with articles 0..9 of source ``example`` and 10..14 of ``other``."""
    batch = [(make_article(n), page(n)) for n in range(10)]
    batch += [(make_article(n, source="other", agencies=[], credit=""), page(n))
              for n in range(10, 15)]
    archive.add_articles(batch)
    return archive


def test_open_creates_schema_wal_and_version(archive: Archive) -> None:
    db = archive.db
    assert {"articles", "authors", "article_authors", "agencies", "article_agencies", "tags",
            "article_tags", "sources", "crawls", "fetches", "pages"} <= set(db.table_names())
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    indexed = {tuple(i.columns) for i in db["articles"].indexes}
    assert {("published",), ("source",), ("indexed_at",), ("url",)} <= indexed
    assert ("url",) in {tuple(i.columns) for i in db["fetches"].indexes}
    assert {fk.other_table for fk in db["article_agencies"].foreign_keys} == {
        "articles", "agencies"}


def test_reopen_keeps_data(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.add_articles([(make_article(1), page(1))])
    with Archive(tmp_path / "a.db", readonly=True) as archive:
        assert archive.count() == 1
        with pytest.raises(StoreError, match="read-only"):
            archive.add_articles([(make_article(2), page(2))])


def test_round_trip_every_field(archive: Archive) -> None:
    article = make_article(3)
    archive.add_articles([(article, page(3))])
    assert archive.get(article.id) == article
    assert archive.get_many([article.id]) == [article]


def test_round_trip_minimal_article(archive: Archive) -> None:
    article = Article(url="https://bare.example/x")
    archive.add_articles([(article, b"")])
    assert archive.get(article.id) == article
    assert archive.raw_html(article.id) is None


def test_round_trip_property(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:

        @settings(max_examples=60, deadline=None)
        @given(
            title=st.text(),
            text=st.text(),
            names=st.lists(st.text(min_size=1), max_size=4),
            published=st.none() | st.dates().map(lambda d: d.isoformat()),
        )
        def round_trip(title: str, text: str, names: list[str], published: str | None) -> None:
            article = Article(url="https://prop.example/a", title=title, text=text,
                              authors=names, agencies=names[:1], tags=names[::-1], links=names,
                              published=published)
            body = text.encode("utf-8", "surrogatepass")
            archive.add_articles([(article, body)])
            assert archive.get(article.id) == article
            assert archive.raw_html(article.id) == (body or None)

        round_trip()


def test_upsert_counts(archive: Archive) -> None:
    batch = [(make_article(n), page(n)) for n in range(5)]
    assert archive.add_articles(batch) == {
        "new": 5, "updated": 0, "unchanged": 0, "kept_apart": 0}
    refetched = [(make_article(n, fetched_at="2026-11-26T00:00:00+00:00"), page(n))
                 for n in range(5)]
    assert archive.add_articles(refetched) == {
        "new": 0, "updated": 0, "unchanged": 5, "kept_apart": 0}
    changed = [
        (make_article(0, title="Corrected headline"), page(0)),
        (make_article(1, tags=["Ukraine"]), page(1)),
        (make_article(2), page(2)),
        (make_article(7), page(7)),
    ]
    assert archive.add_articles(changed) == {
        "new": 1, "updated": 2, "unchanged": 1, "kept_apart": 0}
    assert archive.count() == 6
    assert archive.get(make_article(0).id).title == "Corrected headline"
    assert archive.get(make_article(1).id).tags == ["Ukraine"]


def test_same_article_twice_in_one_batch(archive: Archive) -> None:
    first, second = make_article(1), make_article(1, title="Later")
    counts = archive.add_articles([(first, page(1)), (second, b"<p>later</p>")])
    assert counts == {"new": 1, "updated": 1, "unchanged": 0, "kept_apart": 0}
    assert archive.get(first.id).title == "Later"
    assert archive.raw_html(first.id) == b"<p>later</p>"


def test_unchanged_rewrites_nothing(filled: Archive) -> None:
    before = filled.db.conn.total_changes
    counts = filled.add_articles([(make_article(n, fetched_at="2030-01-01"), b"other page")
                                  for n in range(10)])
    assert counts["unchanged"] == 10
    assert filled.db.conn.total_changes == before
    assert filled.raw_html(make_article(0).id) == page(0)


def test_update_keeps_first_crawl_and_sets_last(archive: Archive) -> None:
    first = archive.begin_crawl(["example"])
    archive.add_articles([(make_article(1), page(1))], crawl_id=first)
    second = archive.begin_crawl(["example"])
    archive.add_articles([(make_article(1, text="New body text"), page(1))], crawl_id=second)
    row = archive.db["articles"].get(make_article(1).id)
    assert (row["first_seen_crawl"], row["last_crawl"]) == (first, second)


def test_lists_are_queryable_with_sql(filled: Archive) -> None:
    db = filled.db
    jane = db.execute(
        "SELECT count(*) FROM article_authors l JOIN authors a ON a.id = l.author_id"
        " WHERE a.name = 'Jane Doe'"
    ).fetchone()[0]
    assert jane == 15
    assert db["authors"].count == 16  # Jane Doe once, plus one author per article
    afp = list(db.query(
        "SELECT l.article_id, l.credit FROM article_agencies l"
        " JOIN agencies a ON a.id = l.agency_id WHERE a.name = 'AFP'"
    ))
    assert len(afp) == 10
    assert {row["credit"] for row in afp} == {"AFP contributed reporting."}
    tagged = db.execute(
        "SELECT l.article_id FROM article_tags l JOIN tags t ON t.id = l.tag_id"
        " WHERE t.name = 'tag3'"
    ).fetchall()
    assert tagged == [(make_article(3).id,)]
    assert db["sources"].get("example")["url"] == "https://www.news.example/"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_update_replaces_links(archive: Archive) -> None:
    archive.add_articles([(make_article(1), page(1))])
    archive.add_articles([(make_article(1, authors=["Solo"], agencies=[]), page(1))])
    article_id = make_article(1).id
    assert archive.db.execute(
        "SELECT count(*) FROM article_authors WHERE article_id = ?", [article_id]
    ).fetchone()[0] == 1
    assert archive.db["article_agencies"].count == 0
    assert archive.get(article_id).authors == ["Solo"]


def test_known_urls_and_has_url(filled: Archive) -> None:
    stored = [make_article(n).url for n in range(15)]
    unknown = [f"https://news.example/unknown/{n}" for n in range(3000)]
    mixed = unknown[:1500] + stored + unknown[1500:]
    assert filled.known_urls(mixed) == set(stored)
    assert filled.known_urls(iter(stored[:3])) == set(stored[:3])
    assert filled.has_url(stored[0])
    assert not filled.has_url(unknown[0])


def test_get_by_id_and_every_url(filled: Archive) -> None:
    article = make_article(4)
    for key in (article.id, article.id.upper(), article.url, article.fetched_url,
                article.canonical_url, "https://www.news.example/2022/10/04/story-4?fbclid=x"):
        assert filled.get(key) == article, key
    assert filled.get("0123456789abcdef") is None
    assert filled.get("https://news.example/nowhere") is None
    assert filled.get("not a url at all") is None


def test_get_many_order_and_missing(filled: Archive) -> None:
    ids = [make_article(n).id for n in (7, 2, 11)]
    got = filled.get_many([ids[0], "ffffffffffffffff", ids[1], ids[2]])
    assert [a.id for a in got] == ids
    assert got[1] == make_article(2)


def test_get_many_large(archive: Archive) -> None:
    batch = [(make_article(n), b"") for n in range(1200)]
    archive.add_articles(batch)
    ids = [a.id for a, _ in reversed(batch)]
    got = archive.get_many(ids)
    assert [a.id for a in got] == ids
    assert got[-1] == batch[0][0]


def test_pending_and_mark_indexed(filled: Archive) -> None:
    ids = [make_article(n).id for n in range(15)]
    assert filled.pending_ids() == ids
    assert filled.pending_ids(limit=4) == ids[:4]
    filled.mark_indexed(ids[:10])
    assert filled.pending_ids() == ids[10:]
    filled.add_articles([(make_article(2, title="Changed"), page(2)),
                         (make_article(3), page(3))])
    assert filled.pending_ids() == [ids[2], *ids[10:]]
    filled.mark_indexed(filled.pending_ids())
    assert filled.pending_ids() == []
    assert filled.stats()["pending_index"] == 0


def test_change_while_indexing_stays_pending(filled: Archive) -> None:
    ids = filled.pending_ids()
    articles = filled.get_many(ids)  # an indexer reads the pending articles...
    with Archive(filled.path) as crawler:  # ...while a crawl changes one of them
        crawler.add_articles([(make_article(5, title="Changed meanwhile"), page(5))])
    filled.mark_indexed([a.id for a in articles])
    assert filled.pending_ids() == [make_article(5).id]
    assert filled.get_many(filled.pending_ids())[0].title == "Changed meanwhile"
    filled.mark_indexed(filled.pending_ids())
    assert filled.pending_ids() == []


def test_mark_indexed_without_pending_ids(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as writer:
        writer.add_articles([(make_article(1), b"")])
    with Archive(tmp_path / "a.db") as indexer:
        indexer.mark_indexed([make_article(1).id])
        assert indexer.pending_ids() == []


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2022", None, 15),
        ("2023", None, 0),
        (None, "2022", 15),
        ("2022-10", "2022-10", 15),
        ("2022-10-27", None, 1),  # articles 12..26 are published on days 13..27
        (None, "2022-10-26", 14),  # until includes the whole 26th
        ("2022-10-27", "2022-10-27", 1),
        ("2022-10-20", "2022-10-22", 3),
        ("2022-10-20T11", "2022-10-22", 2),
    ],
)
def test_iter_articles_date_filters(archive: Archive, since: str | None, until: str | None,
                                    expected: int) -> None:
    archive.add_articles([(make_article(n), b"") for n in range(12, 27)])
    found = list(archive.iter_articles(since=since, until=until))
    assert len(found) == expected
    assert [a.published for a in found] == sorted(a.published for a in found)


def test_iter_articles_source_and_ids(filled: Archive) -> None:
    assert {a.source for a in filled.iter_articles(source="other")} == {"other"}
    assert len(list(filled.iter_articles(source="other"))) == 5
    assert list(filled.iter_articles(source="nobody")) == []
    ids = [make_article(n).id for n in (12, 3, 14)]
    assert [a.id for a in filled.iter_articles(ids=ids)] == ids
    assert [a.id for a in filled.iter_articles(ids=iter(ids), source="other")] == [
        ids[0], ids[2]]


def test_iter_articles_undated_last(archive: Archive) -> None:
    archive.add_articles([(make_article(1, published=None), b""), (make_article(2), b"")])
    assert [a.published is None for a in archive.iter_articles()] == [False, True]
    assert list(archive.iter_articles(since="2000")) == [make_article(2)]


def test_iter_articles_rejects_bad_dates(archive: Archive) -> None:
    with pytest.raises(ValueError, match="ISO date"):
        list(archive.iter_articles(since="last week"))


def test_raw_html_round_trip_compressed(archive: Archive) -> None:
    body = page(1) * 50
    archive.add_articles([(make_article(1), body)])
    assert archive.raw_html(make_article(1).id) == body
    row = archive.db["pages"].get(make_article(1).id)
    assert row["length"] == len(body)
    assert len(row["body"]) < len(body) / 5
    assert archive.raw_html("ffffffffffffffff") is None


def test_crawls_fetches_and_stats(filled: Archive) -> None:
    crawl = filled.begin_crawl(["example", "other"])
    filled.record_fetches([Fetch("https://news.example/a", 200),
                           Fetch("https://news.example/b", None, error="timeout")], crawl)
    filled.finish_crawl(crawl, status="finished", stats={"new": 0, "errors": 1})
    fetches = list(filled.db.query("SELECT * FROM fetches ORDER BY id"))
    assert [(f["status"], f["error"], f["crawl_id"]) for f in fetches] == [
        (200, None, crawl), (None, "timeout", crawl)]
    assert fetches[0]["fetched_at"].endswith("+00:00")
    stats = filled.stats()
    assert stats["articles"] == 15
    assert stats["sources"] == {"example": 10, "other": 5}
    assert stats["authors"] == 16
    assert stats["agencies"] == {"AFP": 10}
    assert stats["first_published"] == "2022-10-01T10:00:00+03:00"
    assert stats["last_published"] == "2022-10-15T10:00:00+03:00"
    assert stats["pending_index"] == 15
    last = stats["last_crawl"]
    assert (last["id"], last["status"], last["stats"]) == (
        crawl, "finished", {"new": 0, "errors": 1})
    assert last["sources"] == ["example", "other"]
    assert last["finished"] >= last["started"]
    with pytest.raises(StoreError, match="no crawl"):
        filled.finish_crawl(999, status="finished", stats={})


def test_stats_of_empty_archive(archive: Archive) -> None:
    assert archive.stats() == {
        "articles": 0, "sources": {}, "authors": 0, "agencies": {}, "first_published": None,
        "last_published": None, "last_crawl": None, "not_stored": {}, "pending_index": 0}


def test_locked_archive_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    with Archive(path, timeout=0.3) as archive:
        archive.add_articles([(make_article(1), page(1))])
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE articles SET title = 'x'")
        try:
            started = time.monotonic()
            with pytest.raises(StoreError, match="locked by another process"):
                archive.add_articles([(make_article(2), page(2))])
            assert time.monotonic() - started < 3
            assert archive.get(make_article(1).id).title == "Story 1"  # readers not blocked
            with pytest.raises(StoreError, match="locked"):
                archive.mark_indexed([make_article(1).id])
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert archive.add_articles([(make_article(2), page(2))])["new"] == 1


def test_not_an_archive(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match="not a news archive"):
        Archive(garbage)
    with pytest.raises(StoreError, match="not a news archive"):
        Archive(garbage, readonly=True)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE birds (name TEXT)")
    with pytest.raises(StoreError, match="not a news archive"):
        Archive(other)
    with pytest.raises(StoreError, match="no archive"):
        Archive(tmp_path / "missing.db", readonly=True)
    with pytest.raises(StoreError, match="cannot create"):
        Archive(garbage / "archive.db")  # its parent is a file
    with pytest.raises(StoreError, match="cannot open"):
        Archive(tmp_path)  # a directory


def test_disk_full_raises_store_error(archive: Archive) -> None:
    archive.add_articles([(make_article(0), b"")])
    pages = archive.db.execute("PRAGMA page_count").fetchone()[0]
    archive.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    batch = [(make_article(n, text="word " * 2000), os.urandom(20000)) for n in range(1, 20)]
    with pytest.raises(StoreError, match="disk full"):
        archive.add_articles(batch)
    assert archive.count() == 1  # the whole batch rolled back


def _integrity(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_integrity_after_many_batches(archive: Archive) -> None:
    for round_ in range(40):
        archive.add_articles(
            [(make_article(n, title=f"v{round_ % 3}"), page(n)) for n in range(round_, round_ + 25)]
        )
    assert archive.count() == 64
    _integrity(archive.path)


KILL_WRITER = """
import sys
from indexer.article import Article
from indexer.store import Archive

path, prefix = sys.argv[1], sys.argv[2]
with Archive(path) as archive:
    batch_no = 0
    while True:
        archive.add_articles([
            (Article(url=f"https://kill.example/{prefix}/{batch_no}/{j}", title=f"{j}",
                     text="word " * 300, authors=[f"a{batch_no}", f"b{j}"], tags=["t"]),
             b"<html>" + bytes(range(256)) * 20)
            for j in range(20)
        ])
        batch_no += 1
        if batch_no == 1:
            print("ready", flush=True)
"""


@pytest.mark.integration
def test_sigkill_mid_batch_leaves_whole_batches(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    rng = random.Random(1234)
    for round_ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", KILL_WRITER, str(path), f"r{round_}"],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()  # type: ignore[union-attr]
        _integrity(path)
        with Archive(path) as archive:
            urls = [row[0] for row in archive.db.execute("SELECT url FROM articles")]
            batches = Counter(url.rsplit("/", 1)[0] for url in urls)
            assert set(batches.values()) == {20}, batches
            assert {key.split("/")[3] for key in batches} == {f"r{n}" for n in range(round_ + 1)}
            assert archive.db["pages"].count == len(urls)
            assert archive.db["article_authors"].count == 2 * len(urls)
            assert len(archive.pending_ids()) == len(urls)


def test_page_with_a_warc_location_is_read_from_its_record(archive: Archive) -> None:
    from warcio.statusandheaders import StatusAndHeaders

    from crawler.warc.writer import RollingWarcWriter

    body = page(3) * 20
    writer = RollingWarcWriter(archive.warc_dir)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    location = writer.write_response("https://news.example/3", http, body)
    writer.close()
    archive.add_articles([(make_article(3), body, str(location))])
    row = archive.db["pages"].get(make_article(3).id)
    assert (row["warc_file"], row["warc_offset"], row["body"]) == (
        location.file, location.offset, None)
    assert archive.page_location(make_article(3).id) == location
    assert archive.raw_html(make_article(3).id) == body
    (archive.warc_dir / location.file).unlink()
    with pytest.raises(StoreError, match="WARC file missing"):
        archive.raw_html(make_article(3).id)


def test_schema_v1_archive_is_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.add_articles([(make_article(1), page(1))])
    with sqlite3.connect(path) as db:  # back to what version 1 wrote
        for table in ("syndication_bands", "syndication", "revisions"):
            db.execute(f"DROP TABLE {table}")
        for column in ("warc_file", "warc_offset"):
            db.execute(f"ALTER TABLE pages DROP COLUMN {column}")
        db.execute("ALTER TABLE articles DROP COLUMN kicker")
        db.execute("PRAGMA user_version = 1")
    with Archive(path, readonly=True) as read:  # a reading command upgrades it too
        assert read.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert read.get(make_article(1).id) == make_article(1)
    with Archive(path) as upgraded:
        assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert {"aliases", "revisions", "syndication", "syndication_bands"} <= set(
            upgraded.db.table_names())
        assert upgraded.get(make_article(1).id) == make_article(1)
        assert upgraded.raw_html(make_article(1).id) == page(1)
        upgraded.add_articles([(make_article(1, title="Story 1, corrected"), page(1))])
        assert [r["title"] for r in upgraded.revisions(make_article(1).id)] == ["Story 1"]


def test_schema_v2_archive_gets_the_kicker_column(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.add_articles([(make_article(1), page(1))])
        digest = archive.db["articles"].get(make_article(1).id)["fingerprint"]
    with sqlite3.connect(path) as db:  # back to what version 2 wrote
        db.execute("ALTER TABLE articles DROP COLUMN kicker")
        db.execute("DROP TABLE aliases")
        db.execute("PRAGMA user_version = 2")
    with Archive(path) as upgraded:
        assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert upgraded.get(make_article(1).id) == make_article(1)
        assert upgraded.db["articles"].get(make_article(1).id)["fingerprint"] == digest
        upgraded.add_articles([(make_article(1, kicker="Tunesien"), page(1))])
        assert upgraded.get(make_article(1).id).kicker == "Tunesien"


def test_revision_kept_when_title_or_text_change_only(archive: Archive) -> None:
    archive.add_articles([(make_article(1), page(1))])
    archive.add_articles([(make_article(1, tags=["other"]), page(1))])  # metadata only
    assert archive.revisions(make_article(1).id) == []
    archive.add_articles([(make_article(1, text="A new body", tags=["other"]), page(1))])
    archive.add_articles([(make_article(1, text="A newer body"), page(1))])
    revisions = archive.revisions(make_article(1).id)
    assert [(r["revision"], r["text"]) for r in revisions] == [
        (1, make_article(1).text), (2, "A new body")]
    assert archive.get(make_article(1).id).text == "A newer body"  # type: ignore[union-attr]


def test_update_extractions_rewrites_changed_rows_only(archive: Archive) -> None:
    crawl = archive.begin_crawl(["example"])
    archive.add_articles([(make_article(n), page(n)) for n in range(3)], crawl)
    archive.mark_indexed(archive.pending_ids())
    better = [make_article(0, title="Better title"), make_article(1), make_article(7)]
    assert archive.update_extractions(better) == 1  # 1 unchanged, 7 is not archived
    assert archive.pending_ids() == [make_article(0).id]
    assert archive.get(make_article(0).id).title == "Better title"  # type: ignore[union-attr]
    assert archive.get(make_article(7).id) is None
    assert archive.revisions(make_article(0).id) == []
    assert archive.raw_html(make_article(0).id) == page(0)
    row = archive.db["articles"].get(make_article(0).id)
    assert (row["first_seen_crawl"], row["last_crawl"]) == (crawl, crawl)


def test_articles_and_fetches_in_one_batch(archive: Archive) -> None:
    crawl = archive.begin_crawl(["alpha"])
    article = Article(url="https://alpha.example/2024/05/01/story", title="Story",
                      text="Text.", source="alpha")
    counts = archive.add_articles(
        [(article, b"<html></html>")], crawl,
        fetches=[Fetch(url=article.url, status=200), Fetch(url="https://alpha.example/x",
                                                          status=None, error="timeout")],
    )
    assert counts["new"] == 1
    rows = archive.db.execute("SELECT url, status, error, crawl_id FROM fetches ORDER BY id")
    assert rows.fetchall() == [(article.url, 200, None, crawl),
                               ("https://alpha.example/x", None, "timeout", crawl)]
    assert archive.raw_html(article.id) == b"<html></html>"


def test_bodies_are_kept_packed_and_read_back_whole(tmp_path: Path) -> None:
    long_text = "\n\n".join(f"Paragraph {n} of the harbour story, as told." for n in range(80))
    packed = make_article(1, text=long_text, markdown=long_text.replace("harbour", "**harbour**"))
    short = make_article(2, text="Short.", markdown="")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(packed, page(1)), (short, page(2))])
        rows = dict(archive.db.execute(
            "SELECT id, text FROM articles").fetchall())
        assert isinstance(rows[packed.id], bytes)
        assert len(rows[packed.id]) < len(long_text) / 3
        assert rows[short.id] == "Short."  # shorter as it is
        assert archive.get_many([packed.id, short.id]) == [packed, short]
        with archive.db.conn:  # a row as written before schema v6: plain text
            archive.db.execute("UPDATE articles SET text = ?, markdown = ? WHERE id = ?",
                               [packed.text, packed.markdown, packed.id])
        assert archive.get(packed.id) == packed
        archive.mark_indexed([packed.id, short.id])
        archive.vacuum()  # packs it
        assert isinstance(archive.db.execute(
            "SELECT markdown FROM articles WHERE id = ?", [packed.id]).fetchone()[0], bytes)
        assert archive.get_many([packed.id, short.id]) == [packed, short]
        assert archive.pending_ids() == []


def test_fingerprints_written_whole_in_hex_still_match(tmp_path: Path) -> None:
    from indexer.schema import fingerprint

    article = make_article(1)
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(article, page(1))])
        stored = archive.db.execute("SELECT fingerprint FROM articles").fetchone()[0]
        assert stored == fingerprint(article)
        assert len(stored) == 16
        whole = hashlib.sha256(b"the rest").hexdigest()[32:]  # earlier: 64 hex digits
        with archive.db.conn:
            archive.db.execute("UPDATE articles SET fingerprint = ?",
                               [fingerprint(article).hex() + whole])
        assert archive.add_articles([(article, page(1))])["unchanged"] == 1
        assert archive.add_articles([(make_article(1, title="New"), page(1))])["updated"] == 1


def test_new_archives_use_large_pages_and_vacuum_moves_old_ones(tmp_path: Path) -> None:
    from indexer.database import PAGE_SIZE

    def page_size(archive: Archive) -> int:
        return int(archive.db.execute("PRAGMA page_size").fetchone()[0])

    with Archive(tmp_path / "new.db") as archive:
        assert page_size(archive) == PAGE_SIZE
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:  # an archive written before: SQLite's 4 KiB pages
        db.execute("PRAGMA page_size = 4096")
        db.execute("CREATE TABLE t (x)")
        db.execute("DROP TABLE t")
    with Archive(old) as archive:
        archive.add_articles([(make_article(n), page(n)) for n in range(1, 4)])
        assert page_size(archive) == 4096
        with Archive(old, readonly=True) as reader:  # in use: a plain VACUUM
            archive.vacuum()
            assert page_size(archive) == 4096
            assert reader.count() == 3
    with Archive(old) as archive:
        archive.vacuum()
        assert page_size(archive) == PAGE_SIZE
        assert archive.db.execute("PRAGMA journal_mode").fetchall() == [("wal",)]
        assert archive.get_many([make_article(2).id]) == [make_article(2)]


def test_the_index_mark_is_unix_seconds_and_older_iso_marks_still_count(tmp_path: Path) -> None:
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(make_article(n), page(n)) for n in range(3)])
        with archive.db.conn:  # marked by a version before v7
            archive.db.execute("UPDATE articles SET indexed_at = '2024-05-01T10:00:00+00:00'"
                               " WHERE id = ?", [make_article(0).id])
        before = int(time.time())
        archive.mark_indexed(archive.pending_ids())
        marks = dict(archive.db.execute(
            "SELECT id, datetime(indexed_at, 'unixepoch') FROM articles"
            " WHERE id != ?", [make_article(0).id]).fetchall())
        for n in (1, 2):
            (stored,) = archive.db.execute("SELECT indexed_at FROM articles WHERE id = ?",
                                           [make_article(n).id]).fetchone()
            assert stored.isdigit()
            assert before <= int(stored) <= time.time()
            assert marks[make_article(n).id] == time.strftime(
                "%Y-%m-%d %H:%M:%S", time.gmtime(int(stored)))
        assert archive.pending_ids() == []
        assert archive.stats()["pending_index"] == 0


def test_url_indexes_leave_out_articles_without_that_url(tmp_path: Path) -> None:
    bare = Article(url="https://news.example/bare", title="Bare", text="No fetched URL.")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(bare, b""), (make_article(1), page(1))])
        assert archive.get_many([bare.id]) == [bare]
        assert archive.get(make_article(1).fetched_url) == make_article(1)
        assert archive.get(bare.url) == bare
        assert archive.db.execute("SELECT count(*) FROM articles"
                                  " WHERE fetched_url IS NULL").fetchone()[0] == 1
        sql = dict(archive.db.execute(
            "SELECT name, sql FROM sqlite_schema WHERE name LIKE 'idx_articles_%_url'"))
        assert set(sql) == {"idx_articles_fetched_url", "idx_articles_canonical_url"}
        assert all(s.endswith("IS NOT NULL") for s in sql.values())
        plan = " ".join(str(r) for r in archive.db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE fetched_url = ?"
            " OR canonical_url = ?", ["a", "b"]))
        assert "idx_articles_fetched_url" in plan
        assert "idx_articles_canonical_url" in plan
