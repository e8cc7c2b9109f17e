"""Article bodies packed in the store: Markdown against its text, old rows, damaged bytes."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

from indexer.article import Article
from indexer.packed import DICTIONARY_BYTES, stale_against_text
from indexer.store import Archive
from tests.conftest import invoke_cli

V5_ARCHIVE = Path(__file__).parent / "data" / "archive-v5-syndication.db.gz"
PARAGRAPH = ("Der Bürgermeister von Köln sprach über den Hafen – «une visite» in 東京, "
             "and the council met on {n} March to vote on the harbour budget.")


def _article(n: int, paragraphs: int) -> Article:
    text = "\n\n".join(PARAGRAPH.format(n=k) for k in range(paragraphs))
    markdown = "## Hafen\n\n" + "\n\n".join(
        PARAGRAPH.format(n=k).replace("Hafen", "**Hafen**").replace(
            "council", f"[council](https://city.example/council/{k})")
        for k in range(paragraphs))
    return Article(url=f"https://news.example/story-{n}", title=f"Story {n}", text=text,
                   markdown=markdown, source="example")


def _stored(archive: Archive, column: str) -> dict[str, str | bytes]:
    return dict(archive.db.execute(f"SELECT id, {column} FROM articles").fetchall())


def test_markdown_is_packed_against_its_text_and_read_back_whole(tmp_path: Path) -> None:
    short, long = _article(1, 12), _article(2, 400)  # the long one: text over 32 KiB
    no_text = Article(url="https://news.example/3", text="", markdown=short.markdown)
    assert len(long.text.encode()) > 32_768 > DICTIONARY_BYTES
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in (short, long, no_text)])
        markdown = _stored(archive, "markdown")
        for article in (short, long):
            alone = zlib.compress(article.markdown.encode())  # as schema v6 packed it
            packed = markdown[article.id]
            assert isinstance(packed, bytes)
            assert not stale_against_text(packed)
            assert len(packed) < (len(alone) / 1.5 if article is short else len(alone) + 8)
        assert archive.get_many([short.id, long.id, no_text.id]) == [short, long, no_text]
    exported = tmp_path / "export.jsonl"
    assert invoke_cli(tmp_path, "export", "--format", "jsonl", "--quiet",
                      str(exported)).returncode == 0
    rows = {r["id"]: r for r in map(json.loads, exported.read_text().splitlines())}
    assert rows[long.id]["markdown"] == long.markdown  # exports write plain text
    assert rows[short.id]["text"] == short.text


def test_old_rows_read_and_vacuum_packs_them_against_the_text(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    path.write_bytes(gzip.decompress(V5_ARCHIVE.read_bytes()))  # a real schema v5 archive
    with Archive(path) as archive:  # upgraded on opening
        ids = archive.article_ids()
        before = archive.get_many(ids)
        plain, v6 = _article(1, 12), _article(2, 30)
        archive.add_articles([(plain, b""), (v6, b"")])
        archive.mark_indexed(archive.pending_ids())
        with archive.db.conn:  # rows as written before: plain (v5), zlib'd alone (v6)
            archive.db.execute("UPDATE articles SET text = ?, markdown = ? WHERE id = ?",
                               [plain.text, plain.markdown, plain.id])
            archive.db.execute("UPDATE articles SET markdown = ? WHERE id = ?",
                               [zlib.compress(v6.markdown.encode()), v6.id])
        assert archive.get_many([plain.id, v6.id]) == [plain, v6]
        assert stale_against_text(_stored(archive, "markdown")[v6.id])
        archive.vacuum()
        markdown = _stored(archive, "markdown")
        assert not any(stale_against_text(value) for value in markdown.values())
        assert isinstance(_stored(archive, "text")[plain.id], bytes)
        assert archive.get_many([plain.id, v6.id]) == [plain, v6]
        assert archive.get_many(ids) == before
        assert archive.pending_ids() == []  # content unchanged: nothing to index again


def test_damaged_body_is_a_one_line_error(tmp_path: Path) -> None:
    article = _article(1, 12)
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(article, b"")])
        packed = _stored(archive, "markdown")[article.id]
        assert isinstance(packed, bytes)
        damaged = packed[:20] + bytes(b ^ 0x5A for b in packed[20:40]) + packed[40:]
        with archive.db.conn:
            archive.db.execute("UPDATE articles SET markdown = ? WHERE id = ?",
                               [damaged, article.id])
        archive.vacuum()  # leaves what it cannot read as it is
        assert _stored(archive, "markdown")[article.id] == damaged
    for args in (["show", article.id], ["export", "--format", "jsonl", "--quiet",
                                        str(tmp_path / "out.jsonl")]):
        result = invoke_cli(tmp_path, *args)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1, result.stderr
        assert f"article {article.id}" in result.stderr
        assert "damaged" in result.stderr


def test_description_is_packed_against_the_text_and_old_plain_ones_are_repacked(
    tmp_path: Path,
) -> None:
    article = _article(1, 12)
    article.description = PARAGRAPH.format(n=1) + " " + PARAGRAPH.format(n=2)
    short = Article(url="https://news.example/short", text=article.text, description="Hafen")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(article, b""), (short, b"")])
        stored = _stored(archive, "description")
        packed = stored[article.id]
        assert isinstance(packed, bytes)
        assert len(packed) < len(article.description.encode()) / 2
        assert stored[short.id] == "Hafen"  # packing would not make it shorter
        assert archive.get_many([article.id, short.id]) == [article, short]
        with archive.db.conn:  # as written before schema v7: plain
            archive.db.execute("UPDATE articles SET description = ? WHERE id = ?",
                               [article.description, article.id])
        assert archive.get_many([article.id]) == [article]
        archive.vacuum()
        assert _stored(archive, "description") == stored
        assert archive.get_many([article.id, short.id]) == [article, short]
