"""Syndicated copies: the demo's shared wire story is grouped, near-misses are not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from bench.syndication import build_test_set, evaluate
from indexer.article import Article
from indexer.search import search
from indexer.store import Archive
from indexer.syndication import (
    BANDS,
    band_buckets,
    collapse,
    compact_blob,
    shingle_hashes,
    signature,
    similarities,
    similarity,
    to_blob,
)
from tests.conftest import old_archive, syndication_bands

# Written by the store at schema v5 (text band buckets by article id): the first 40
# articles of build_test_set(7), stored in one batch, then vacuumed.
V5_ARCHIVE = Path(__file__).parent / "data" / "archive-v5-syndication.db.gz"


def test_demo_wire_story_is_grouped_and_nothing_else(demo_archive: dict) -> None:
    with Archive(demo_archive["data"] / "archive.db") as archive:
        wire = [a for a in archive.iter_articles() if a.agencies == ["Reuters"]]
        assert sorted(a.source for a in wire) == ["courier", "ledger"]
        assert wire[0].title != wire[1].title
        stories = archive.stories(archive.article_ids())
        groups: dict[str, set[str]] = {}
        for article_id, story in stories.items():
            groups.setdefault(story, set()).add(article_id)
        assert [g for g in groups.values() if len(g) > 1] == [{a.id for a in wire}]
        assert archive.copies(wire[0].id) == [wire[1].id]
        assert archive.copies(wire[1].id) == [wire[0].id]


def test_collapse_shows_one_hit_per_story(demo_archive: dict) -> None:
    data = demo_archive["data"]
    with Archive(data / "archive.db") as archive:
        hits = search(data / "index", "sewage water", archive=archive).hits
        assert len(hits) >= 2
        collapsed = collapse(hits, archive)
        wire = [(hit, copies) for hit, copies in collapsed if copies]
        assert len(wire) == 1
        assert len(collapsed) == len(hits) - 1
        hit, copies = wire[0]
        assert copies == archive.copies(hit.id)
        assert {hit.id, *copies} == {h.id for h in hits if h.id in {hit.id, *copies}}


def test_near_misses_stay_apart_and_edited_copies_group(tmp_path: Path) -> None:
    score = evaluate(build_test_set(), tmp_path)
    assert score.precision == 1.0
    assert score.recall >= 0.95


def test_edit_of_a_story_moves_it_out_of_its_group(tmp_path: Path) -> None:
    samples = [s for s in build_test_set() if s.edit != "original"][:2]
    first, second = (s.article for s in samples)
    assert similarity(signature(first.text), signature(second.text)) >= 0.5  # type: ignore[arg-type]
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(first, b""), (second, b"")])
        assert archive.copies(first.id) == [second.id]
        rewritten = Article(url=second.url, title=second.title, text=" ".join(
            f"Entirely different sentence number {n} about other matters." for n in range(20)))
        archive.add_articles([(rewritten, b"")])
        assert archive.copies(first.id) == []
        assert archive.stories([first.id, second.id]) == {first.id: first.id,
                                                          second.id: second.id}
        assert archive.db.execute(  # stories of one article: none stored, none indexed
            "SELECT count(*) FROM syndication WHERE story IS NULL").fetchone()[0] == 2


def test_signatures_computed_elsewhere_group_the_same(tmp_path: Path) -> None:
    """The crawl hands the store the signatures its extraction workers computed."""
    samples = build_test_set()
    entries = [(s.article, b"") for s in samples]
    given = {s.article.id: signature(s.article.text) for s in samples}
    with Archive(tmp_path / "plain.db") as plain, Archive(tmp_path / "given.db") as fed:
        plain.add_articles(entries)
        fed.add_articles(entries, signatures=given)
        ids = plain.article_ids()
        assert fed.stories(ids) == plain.stories(ids)
        assert [fed.copies(i) for i in ids] == [plain.copies(i) for i in ids]


def test_signature_values_never_change() -> None:
    # Stored signatures are compared with new ones: a faster hashing must give the same
    # values (these were computed by the first implementation).
    text = " ".join(f"Wort{i % 97} ünï {i}" for i in range(120)) + ". Zürich, 北京 und São Paulo."
    sig = signature(text)
    assert sig is not None
    assert sig[:4].tolist() == [3217995, 5612720, 19954349, 14655410]
    assert hashlib.sha256(sig.astype("<u4").tobytes()).hexdigest() == (
        "61198b28607046eaa25d14fa31b443dc56b0c26d30502b9060d45e005c80c768"
    )
    hashes = shingle_hashes(text)
    assert (len(hashes), int(hashes.sum())) == (361, 735769823956)
    assert signature("too short " * 19) is None


def test_a_schema_v5_archive_keeps_its_stories_and_groups_as_a_fresh_one(
    tmp_path: Path,
) -> None:
    path, before = old_archive(tmp_path, V5_ARCHIVE, 5)
    assert len(before) == 40
    assert len(set(before.values())) < 40  # it holds copies
    samples = build_test_set()
    ids = [s.article.id for s in samples]
    with Archive(path) as upgraded:
        assert upgraded.stories(ids) == before
        stored, wanted = syndication_bands(upgraded)
        assert stored == wanted
        assert len(stored) > (BANDS - 2) * len(before)
        assert upgraded.get_many(ids[:40]) == [s.article for s in samples[:40]]
        indexes = {r[0] for r in upgraded.db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index'")}
        assert "idx_articles_pending" in indexes
        assert "idx_articles_indexed_at" not in indexes
        assert upgraded.stats()["pending_index"] == len(upgraded.pending_ids()) == 40
        upgraded.add_articles([(s.article, b"") for s in samples[40:]])
        grown = upgraded.stories(ids)
        upgraded.delete([samples[0].article.id])  # bands of a migrated row go with it
        stored, wanted = syndication_bands(upgraded)
        assert stored == wanted
    with Archive(tmp_path / "fresh.db") as fresh:
        fresh.add_articles([(s.article, b"") for s in samples[:40]])
        fresh.add_articles([(s.article, b"") for s in samples[40:]])
        assert fresh.stories(ids) == grown


def test_stored_signatures_compare_and_band_as_whole_ones() -> None:
    # Kept as their low bits (128 bytes); signatures stored whole (512 bytes) or with
    # their band buckets (256) by earlier versions read the same way.
    base = " ".join(f"word{i} in the harbour story number {i % 13}" for i in range(80))
    sig = signature(base)
    assert sig is not None
    whole = sig.astype("<u4").tobytes()
    with_buckets = to_blob(sig) + np.arange(32, dtype="<i4").tobytes()
    assert len(to_blob(sig)) == 128
    assert compact_blob(whole) == compact_blob(with_buckets) == to_blob(sig)
    assert band_buckets(whole) == band_buckets(with_buckets) == band_buckets(to_blob(sig))
    assert len(set(band_buckets(whole))) == BANDS
    for edited in (base.replace("harbour", "port", 3), base[: len(base) // 2], "other " * 60
                   + base[:200]):
        other = signature(edited)
        assert other is not None
        exact = similarity(sig, other)
        new, old, v6 = similarities(sig, [
            to_blob(other), other.astype("<u4").tobytes(),
            to_blob(other) + np.arange(32, dtype="<i4").tobytes()])
        assert new == old == v6
        assert abs(new - exact) < 0.05, (new, exact)


def test_a_story_left_by_its_members_is_renamed_then_none(tmp_path: Path) -> None:
    by_story: dict[str, list[Article]] = {}
    for sample in build_test_set():
        by_story.setdefault(sample.story, []).append(sample.article)
    three = next(group for group in by_story.values() if len(group) == 3)
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in three])
        ids = sorted(a.id for a in three)
        assert set(archive.stories(ids).values()) == {ids[0]}  # named after its least id
        archive.delete([ids[0]])
        assert archive.stories(ids[1:]) == {ids[1]: ids[1], ids[2]: ids[1]}
        assert archive.copies(ids[2]) == [ids[1]]
        archive.delete([ids[1]])
        assert archive.stories(ids[2:]) == {ids[2]: ids[2]}
        assert archive.copies(ids[2]) == []
        assert archive.db.execute("SELECT story FROM syndication").fetchall() == [(None,)]
        stored, wanted = syndication_bands(archive)
        assert stored == wanted
        assert len(stored) == BANDS
