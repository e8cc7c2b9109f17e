"""A schema v6 archive (written by the code before v7) upgrades to v7 keeping every article,
alias, story and link, and reads and grows as an archive written by v7 does."""

from __future__ import annotations

import gzip
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.syndication import build_test_set
from indexer.schema_version import SCHEMA_VERSION
from indexer.store import Archive
from indexer.syndication import BANDS
from indexer.versions import current_version
from tests.conftest import syndication_bands

# Written by the store at schema v6 (commit 21900ef) with _fill, then vacuumed.
V6_ARCHIVE = Path(__file__).parent / "data" / "archive-v6-store.db.gz"


def _fill(archive: Archive) -> None:
    """Store 30 syndication samples with bylines, tags, other addresses; move one, update
    one's text, take one down."""
    articles = []
    reached = {}
    for i, sample in enumerate(build_test_set(7)[:30]):
        a = sample.article
        fetched = a.url + "/amp" if i % 3 == 0 else a.url
        if i % 5 == 0:
            reached[fetched] = [f"https://short.example/s{i}"]
        articles.append(replace(
            a, fetched_url=fetched, authors=[f"Writer {i % 4}", "Second Writer"][: 1 + i % 2],
            agencies=["AFP"] if i % 4 == 0 else [], credit="AFP" if i % 4 == 0 else "",
            tags=[f"tag{i % 5}", "news"]))
    archive.add_articles([(a, b"<html>%d</html>" % i) for i, a in enumerate(articles)],
                         reached_by=reached)
    moved = articles[3]  # its canonical URL changed: same page, new identity
    archive.add_articles([(replace(moved, url=moved.url + "-moved", id=""), b"")])
    edited = articles[6]  # a new version of its text
    archive.add_articles([(replace(edited, text=edited.text + " A correction was added."), b"")])
    archive.delete([articles[9].id])


def _seen(archive: Archive) -> dict[str, Any]:
    """What the archive answers: articles, pages, revisions, stories, addresses, takedowns."""
    ids = archive.article_ids()
    samples = [s.article for s in build_test_set(7)[:30]]
    urls = [u for a in samples for u in (a.url, a.url + "/amp", a.url + "-moved")]
    urls += [f"https://short.example/s{i}" for i in range(30)]
    return {
        "articles": archive.get_many(ids),
        "pages": [archive.raw_html(i) for i in ids],
        "revisions": [[{k: v for k, v in r.items() if k != "saved_at"}
                       for r in archive.revisions(i)] for i in ids],
        "stories": archive.stories(ids),
        "copies": [archive.copies(i) for i in ids],
        "known": archive.known_urls(urls),
        "got": [(a.id if (a := archive.get(u)) else None) for u in urls],
        "retired": archive.retired_ids(),
        "deleted": archive.deleted_ids(),
        "stats": archive.stats(),
    }


def test_a_v6_archive_upgrades_and_answers_as_a_fresh_one(tmp_path: Path) -> None:
    path = tmp_path / "old" / "archive.db"
    path.parent.mkdir()
    path.write_bytes(gzip.decompress(V6_ARCHIVE.read_bytes()))
    with Archive(path) as upgraded, Archive(tmp_path / "fresh.db") as fresh:
        _fill(fresh)
        assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        seen = _seen(upgraded)
        assert seen == _seen(fresh)
        assert len(seen["articles"]) == 29
        assert seen["retired"]
        assert seen["deleted"]
        assert len(set(seen["stories"].values())) < len(seen["stories"])  # it holds copies
        tables = dict(upgraded.db.execute("SELECT name, sql FROM sqlite_schema"
                                          " WHERE type = 'table'").fetchall())
        for name in ("aliases", "article_authors", "article_agencies", "article_tags"):
            assert tables[name].endswith("WITHOUT ROWID"), name
        assert not upgraded.db.execute(  # an article's own identity is no alias
            "SELECT count(*) FROM aliases a JOIN articles r ON r.url = a.url").fetchone()[0]
        assert {n for (n,) in upgraded.db.execute(
            "SELECT DISTINCT length(signature) FROM syndication")} == {128}
        assert current_version(upgraded.db.conn) == upgraded.db.execute(
            "SELECT max(version) FROM articles").fetchone()[0] > 1
        assert "idx_articles_version" not in {n for (n,) in upgraded.db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index'")}
        stored, wanted = syndication_bands(upgraded)
        assert stored == wanted
        assert len(stored) > 25 * BANDS
        for archive in (upgraded, fresh):  # a grouped article edited, one taken down
            first = archive.get_many(archive.article_ids())[0]
            archive.add_articles([(replace(first, text=first.text + " Updated."), b"")])
            archive.delete([archive.article_ids()[1]])
        stored, wanted = syndication_bands(upgraded)
        assert stored == wanted
        assert _seen(upgraded) == _seen(fresh)
        for archive in (upgraded, fresh):  # a sync leaves what changed meanwhile pending
            pending = archive.pending_ids()
            changed = archive.get_many(pending[:1])[0]
            archive.add_articles([(replace(changed, text=changed.text + " Again."), b"")])
            archive.mark_indexed(pending)
            assert archive.pending_ids() == [changed.id]
