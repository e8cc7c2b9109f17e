"""Exports: the Datasette-ready SQLite file, JSON Lines, CSV and Markdown files."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import math
import os
import sqlite3
from dataclasses import fields
from pathlib import Path

import pytest
import sqlite_utils

from indexer.article import Article
from indexer.export import (
    SQLITE_BATCH,
    export_csv,
    export_jsonl,
    export_markdown,
    export_sqlite,
    metadata_path,
)
from indexer.schema import insert_rows
from indexer.store import Archive, StoreError

# (source, published, distinctive word) of the fixture articles
SPECS = [
    ("alpha", "2022-10-26T09:00:00+03:00", "harbour"),
    ("alpha", "2022-10-27T10:00:00+03:00", "volcano"),
    ("alpha", "2022-10-27T23:30:00+03:00", "glacier"),
    ("beta", "2022-10-28T08:00:00Z", "harbour"),
    ("beta", "2023-01-02", "orchard"),
    ("beta", None, "meadow"),
]


def fixture_article(n: int, **overrides: object) -> Article:
    """Build article ``n`` of SPECS with every field set."""
    source, published, word = SPECS[n]
    data: dict[str, object] = {
        "url": f"https://{source}.example/news/{n}",
        "title": f"Story {n} on the {word}",
        "canonical_url": f"https://www.{source}.example/news/{n}",
        "fetched_url": f"https://www.{source}.example/news/{n}",
        "source": source,
        "site_name": source.title(),
        "description": f"About the {word}",
        "text": f"A report about the {word}, with \"quotes\", commas; and\nnew lines.",
        "markdown": f"A report about the **{word}**.",
        "published": published,
        "published_source": "json-ld" if published else None,
        "authors": [f"Writer {n}", "Shared Author"],
        "agencies": ["AFP", "Reuters"] if n % 2 else [],
        "credit": "AFP and Reuters contributed." if n % 2 else "",
        "language": "en",
        "section": "world",
        "tags": [word, "news"],
        "image": f"https://{source}.example/{n}.jpg",
        "links": [f"https://{source}.example/related/{n}"],
        "fetched_at": "2026-11-25T10:00:00+00:00",
    }
    data.update(overrides)
    return Article(**data)  # type: ignore[arg-type]


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "archive.db", timeout=2) as opened:
        crawl = opened.begin_crawl(["alpha", "beta"])
        opened.add_articles([(fixture_article(n), b"<html></html>") for n in range(len(SPECS))],
                            crawl_id=crawl)
        opened.finish_crawl(crawl, status="finished", stats={"new": len(SPECS)})
        yield opened


@pytest.fixture
def exported(archive: Archive, tmp_path: Path) -> sqlite_utils.Database:
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "export.db"
    assert export_sqlite(archive, path) == len(SPECS)
    db = sqlite_utils.Database(path)
    yield db
    db.close()


def fts_ids(db: sqlite_utils.Database, word: str) -> set[str]:
    """Return the ids of exported articles whose title or text matches ``word``."""
    return {row[0] for row in db.execute(
        "SELECT a.id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
        " WHERE articles_fts MATCH ?", [word])}


def test_sqlite_schema(exported: sqlite_utils.Database) -> None:
    db = exported
    assert {"articles", "sources", "authors", "article_authors", "agencies",
            "article_agencies", "tags", "article_tags", "crawls", "articles_fts"} <= set(
        db.table_names())
    assert "pages" not in db.table_names()
    columns = db["articles"].columns_dict
    for name in ("id", "url", "source", "title", "description", "published", "modified",
                 "language", "section", "text", "markdown", "image", "fetched_at",
                 "canonical_url", "credit", "links"):
        assert columns[name] is str, name
    assert columns["word_count"] is int
    assert db["articles"].pks == ["id"]
    assert db["article_agencies"].columns_dict["credit"] is str
    fks = {(fk.table, fk.column, fk.other_table, fk.other_column)
           for table in db.tables for fk in table.foreign_keys}
    assert {
        ("articles", "source", "sources", "name"),
        ("article_authors", "article_id", "articles", "id"),
        ("article_authors", "author_id", "authors", "id"),
        ("article_agencies", "agency_id", "agencies", "id"),
        ("article_tags", "tag_id", "tags", "id"),
    } <= fks
    indexed = {tuple(index.columns) for index in db["articles"].indexes}
    assert {("published",), ("source",)} <= indexed
    assert db["articles"].detect_fts() == "articles_fts"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_sqlite_rows(exported: sqlite_utils.Database, archive: Archive) -> None:
    db = exported
    article = fixture_article(1)
    row = db["articles"].get(article.id)
    assert row["title"] == article.title
    assert row["published"] == "2022-10-27T10:00:00+03:00"
    assert row["word_count"] == article.word_count
    assert json.loads(row["links"]) == article.links
    authors = [r["name"] for r in db.query(
        "SELECT a.name FROM article_authors l JOIN authors a ON a.id = l.author_id"
        " WHERE l.article_id = ? ORDER BY l.position", [article.id])]
    assert authors == article.authors
    credits = {(r["name"], r["credit"]) for r in db.query(
        "SELECT a.name, l.credit FROM article_agencies l JOIN agencies a ON a.id = l.agency_id"
        " WHERE l.article_id = ?", [article.id])}
    assert credits == {("AFP", article.credit), ("Reuters", article.credit)}
    assert db["sources"].count == 2
    assert db["sources"].get("alpha")["url"] == "https://www.alpha.example/"
    assert db["crawls"].get(1)["status"] == "finished"
    assert db["articles"].get(fixture_article(5).id)["published"] is None


def test_full_text_search(exported: sqlite_utils.Database) -> None:
    harbour = {fixture_article(0).id, fixture_article(3).id}
    assert fts_ids(exported, "harbour") == harbour
    assert fts_ids(exported, "harbours") == harbour  # Porter stemming
    assert fts_ids(exported, "nothinglikethis") == set()


def test_upsert_after_a_change_stays_searchable(exported: sqlite_utils.Database) -> None:
    changed, edited = fixture_article(2).id, fixture_article(4).id
    row = exported["articles"].get(changed)
    exported["articles"].upsert({**row, "text": "Now about a zeppelin."}, pk="id")
    exported["articles"].update(edited, {"title": "An airship story"})
    assert fts_ids(exported, "zeppelin") == {changed}
    assert fts_ids(exported, "glacier") == {changed}  # still in its title
    assert fts_ids(exported, "airship") == {edited}
    assert fts_ids(exported, "report") == {fixture_article(n).id for n in (0, 1, 3, 4, 5)}
    assert fts_ids(exported, "orchard") == {edited}  # text unchanged


def test_reexport_is_idempotent_and_updates(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "export.db"
    export_sqlite(archive, path)

    def counts() -> dict[str, int]:
        with sqlite_utils.Database(path) as db:
            return {t: db[t].count for t in db.table_names() if not t.startswith("articles_fts_")}

    first = counts()
    assert export_sqlite(archive, path) == len(SPECS)
    assert counts() == first
    archive.add_articles([(fixture_article(1, title="Corrected: the volcano erupts",
                                           text="Lava everywhere.", tags=["lava"]), b"")])
    assert export_sqlite(archive, path) == len(SPECS)
    after = counts()
    assert after["articles"] == first["articles"]
    assert after["article_tags"] == first["article_tags"] - 1
    with sqlite_utils.Database(path) as db:
        assert db["articles"].get(fixture_article(1).id)["title"] == "Corrected: the volcano erupts"
        assert fts_ids(db, "lava") == {fixture_article(1).id}
        assert fts_ids(db, "report") == {fixture_article(n).id for n in (0, 2, 3, 4, 5)}
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reexport_of_an_unchanged_archive_rewrites_nothing(
    archive: Archive, tmp_path: Path
) -> None:
    path = tmp_path / "export.db"
    export_sqlite(archive, path)

    def fts_segments() -> int:
        with sqlite_utils.Database(path) as db:
            return db.execute("SELECT count(*) FROM articles_fts_data").fetchone()[0]

    before, size = fts_segments(), path.stat().st_size
    for _ in range(3):
        export_sqlite(archive, path)
    assert fts_segments() == before  # each rewrite of a row added full-text index rows
    assert path.stat().st_size == size
    archive.add_articles([(fixture_article(2, authors=["Someone Else"]), b"")])
    export_sqlite(archive, path)
    with sqlite_utils.Database(path) as db:
        assert [r["name"] for r in db.query(
            "SELECT n.name FROM article_authors l JOIN authors n ON n.id = l.author_id"
            " WHERE l.article_id = ?", [fixture_article(2).id])] == ["Someone Else"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [0, 1, 2, 3, 4, 5]),
        ({"source": "beta"}, [3, 4, 5]),
        ({"since": "2022-10-27"}, [1, 2, 3, 4]),
        ({"until": "2022-10-27"}, [0, 1, 2]),
        ({"since": "2022-10", "until": "2022-10"}, [0, 1, 2, 3]),
        ({"since": "2023"}, [4]),
        ({"since": "2022", "source": "alpha"}, [0, 1, 2]),
        ({"ids": [fixture_article(n).id for n in (5, 0, 4)]}, [5, 0, 4]),
        ({"ids": [fixture_article(n).id for n in (5, 0, 4)], "source": "beta"}, [5, 4]),
        ({"ids": []}, []),
    ],
)
def test_filters(archive: Archive, tmp_path: Path, filters: dict, expected: list[int]) -> None:
    ids = [fixture_article(n).id for n in expected]
    path = tmp_path / "filtered.db"
    assert export_sqlite(archive, path, **filters) == len(expected)
    with sqlite_utils.Database(path) as db:
        assert sorted(row["id"] for row in db["articles"].rows) == sorted(ids)
    out = io.StringIO()
    assert export_jsonl(archive, out, **filters) == len(expected)
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == ids


def test_progress_hook(archive: Archive, tmp_path: Path) -> None:
    archive.add_articles([(Article(url=f"https://gamma.example/{n}", title=f"{n}"), b"")
                          for n in range(450)])
    exports = {  # (batches: a transaction of the SQLite export holds more articles)
        3: lambda **kw: export_jsonl(archive, io.StringIO(), **kw),
        math.ceil(456 / SQLITE_BATCH): lambda **kw: export_sqlite(archive, tmp_path / "p.db",
                                                                 **kw),
    }
    for batches, export in exports.items():
        calls: list[int] = []
        assert export(progress=calls.append) == 456
        assert sum(calls) == 456
        assert len(calls) == batches


def test_refuses_to_overwrite_other_files(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="into itself"):
        export_sqlite(archive, archive.path)
    other = tmp_path / "birds.db"
    with sqlite_utils.Database(other) as db:
        db["birds"].insert({"name": "robin"})
    with pytest.raises(StoreError, match="not an export"):
        export_sqlite(archive, other)
    text = tmp_path / "notes.db"
    text.write_text("my notes " * 200)
    with pytest.raises(StoreError, match="not an SQLite database"):
        export_sqlite(archive, text)
    assert text.read_text() == "my notes " * 200
    with pytest.raises(StoreError, match="cannot open export"):
        export_sqlite(archive, tmp_path)  # a directory


def test_metadata_json(exported: sqlite_utils.Database, tmp_path: Path) -> None:
    path = tmp_path / "out" / "export.db"
    assert metadata_path(path) == tmp_path / "out" / "export.metadata.json"
    metadata = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    tables = metadata["databases"]["export"]["tables"]
    assert set(tables) <= set(exported.table_names())
    assert set(tables["articles"]["columns"]) == set(exported["articles"].columns_dict)
    assert set(tables["articles"]["facets"]) <= set(exported["articles"].columns_dict)
    for name, table in tables.items():
        assert set(table.get("columns", {})) <= set(exported[name].columns_dict), name


def test_jsonl_round_trip(archive: Archive) -> None:
    out = io.StringIO()
    assert export_jsonl(archive, out) == len(SPECS)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(SPECS)
    got = {a.id: a for a in (Article.from_dict(json.loads(line)) for line in lines)}
    assert got == {a.id: a for a in (fixture_article(n) for n in range(len(SPECS)))}
    assert set(json.loads(lines[0])) == {f.name for f in fields(Article)}


def test_csv_round_trip(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        assert export_csv(archive, out) == len(SPECS)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [f.name for f in fields(Article)]
    lists = {f.name for f in fields(Article) if f.type == "list[str]"}
    optional = {f.name for f in fields(Article) if f.default is None}
    got = {}
    for row in rows:
        data: dict[str, object] = dict(row)
        for name in lists:
            data[name] = row[name].split("; ") if row[name] else []
        for name in optional:
            data[name] = row[name] or None
        data["word_count"] = int(row["word_count"])
        article = Article.from_dict(data)
        got[article.id] = article
    assert got == {a.id: a for a in (fixture_article(n) for n in range(len(SPECS)))}


def test_markdown_files(archive: Archive, tmp_path: Path) -> None:
    render = pytest.importorskip("indexer.render")
    directory = tmp_path / "md"
    assert export_markdown(archive, directory, since="2022") == 5
    names = sorted(p.name for p in directory.iterdir())
    expected = [fixture_article(n) for n in range(5)]  # in publication order
    assert names == [f"{i:03d}_{a.id}.txt" for i, a in enumerate(expected)]
    for name, article in zip(names, expected, strict=True):
        assert (directory / name).read_text(encoding="utf-8") == render.to_markdown(article)


def test_markdown_names_never_leave_the_folder(archive: Archive, tmp_path: Path) -> None:
    pytest.importorskip("indexer.render")
    archive.add_articles([(Article(url="https://evil.example/x", id="../../escape"), b"")])
    directory = tmp_path / "md"
    with pytest.raises(StoreError, match="not 16 hex digits"):
        export_markdown(archive, directory)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.db", "archive.db-shm",
                                                         "archive.db-wal", "md"]
    assert all(p.suffix == ".txt" for p in directory.iterdir())


@pytest.mark.integration
def test_exported_files_are_readable_by_others_and_folders_are_not_made_up(
    demo_archive: dict, tmp_path: Path
) -> None:
    data = demo_archive["data"]
    umask = os.umask(0o022)  # the usual one: files 0644
    try:
        _export_every_format(data, tmp_path)
    finally:
        os.umask(umask)
    files = [tmp_path / "a.db", tmp_path / "a.metadata.json", tmp_path / "a.jsonl",
             tmp_path / "a.csv", *sorted((tmp_path / "md").iterdir())[:3]]
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o644, path


def _export_every_format(data: Path, tmp_path: Path) -> None:
    from tests.conftest import invoke_cli

    for name, fmt in (("a.db", "sqlite"), ("a.jsonl", "jsonl"), ("a.csv", "csv"),
                      ("md", "markdown")):
        result = invoke_cli(data, "export", str(tmp_path / name), "--format", fmt, "--quiet")
        assert result.returncode == 0, result.stderr
        missing = invoke_cli(data, "export", str(tmp_path / "nosuch" / name), "--format", fmt)
        assert missing.returncode == 1
        assert missing.stderr.strip() == f"Error: folder {tmp_path / 'nosuch'} does not exist"
    assert not (tmp_path / "nosuch").exists()


def test_a_new_export_removes_only_the_files_of_dead_builds(
    archive: Archive, tmp_path: Path
) -> None:
    # An export killed midway leaves its building file; one still running holds it locked.
    dead, alive = tmp_path / ".x.db.dead.building", tmp_path / ".x.db.alive.building"
    dead.write_bytes(b"half")
    alive.write_bytes(b"half")
    with alive.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert export_sqlite(archive, tmp_path / "x.db") == len(SPECS)
        assert sorted(p.name for p in tmp_path.glob(".x.db.*")) == [alive.name]


def test_upserting_rows_of_their_key_alone(tmp_path: Path) -> None:
    # An upsert of rows holding nothing but their key was invalid SQL ("DO UPDATE SET").
    with sqlite3.connect(tmp_path / "t.db") as conn:
        conn.execute("CREATE TABLE names (name TEXT PRIMARY KEY)")
        for _ in range(2):
            insert_rows(conn, "names", [{"name": "a"}, {"name": "b"}], upsert="name")
        assert conn.execute("SELECT name FROM names ORDER BY name").fetchall() == [("a",), ("b",)]


def test_a_new_export_through_a_symbolic_link_is_written_to_its_target(
    archive: Archive, tmp_path: Path
) -> None:
    (tmp_path / "out.db").symlink_to(tmp_path / "target.db")  # (dangling until exported)
    assert export_sqlite(archive, tmp_path / "out.db") == len(SPECS)
    assert (tmp_path / "out.db").is_symlink()
    with sqlite_utils.Database(tmp_path / "target.db") as db:
        assert db["articles"].count == len(SPECS)
    assert not list(tmp_path.glob(".*.building"))
