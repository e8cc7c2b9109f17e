"""A schema v7 archive (written by the code before v8) upgrades to v8: band rows made from
the stored signatures, fewer of them, stories of one article NULL; it answers, groups new
copies and takes articles out of their stories as an archive written by v8 does."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from bench.syndication import build_test_set
from indexer.schema_version import SCHEMA_VERSION
from indexer.store import Archive
from indexer.syndication import BANDS
from tests.conftest import old_archive, syndication_bands
from tests.test_store_v6_upgrade import _fill, _seen

# Written by the store at schema v7 (commit 608bd4d) with _fill, then vacuumed.
V7_ARCHIVE = Path(__file__).parent / "data" / "archive-v7-store.db.gz"


def test_a_v7_archive_upgrades_and_answers_as_a_fresh_one(tmp_path: Path) -> None:
    path, before = old_archive(tmp_path, V7_ARCHIVE, 7)
    with sqlite3.connect(path) as db:
        old_bands = db.execute("SELECT count(*) FROM syndication_bands").fetchone()[0]
    with Archive(path) as upgraded, Archive(tmp_path / "fresh.db") as fresh:
        _fill(fresh)
        assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert upgraded.stories(list(before)) == before
        seen = _seen(upgraded)
        assert seen == _seen(fresh)
        assert len(set(seen["stories"].values())) < len(seen["stories"])  # it holds copies
        stored, wanted = syndication_bands(upgraded)
        assert stored == wanted
        assert len(stored) == BANDS * len(before) < old_bands
        for archive in (upgraded, fresh):  # stories of one article are NULL, unindexed
            alone = {i for i, story in before.items() if list(before.values()).count(story) == 1}
            assert {i for (i,) in archive.db.execute(
                "SELECT article_id FROM syndication WHERE story IS NULL")} == alone
            assert "WHERE story IS NOT NULL" in archive.db.execute(
                "SELECT sql FROM sqlite_schema WHERE name = 'idx_syndication_story'"
            ).fetchone()[0]
        samples = build_test_set(7)
        for archive in (upgraded, fresh):  # more copies; a story's first member edited away,
            archive.add_articles([(s.article, b"") for s in samples[30:60]])  # one taken down
            grouped = [i for i, story in archive.stories(archive.article_ids()).items()
                       if archive.copies(i)]
            first = archive.get_many(grouped[:1])[0]
            archive.add_articles([(replace(first, text="Nothing like it. " * 30), b"")])
            archive.delete([grouped[1]])
        assert _seen(upgraded) == _seen(fresh)
        stored, wanted = syndication_bands(upgraded)
        assert stored == wanted
