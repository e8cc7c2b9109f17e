"""The syndication tables: which stored articles are copies of one story.

Each article with a text long enough has its MinHash signature (:mod:`indexer.syndication`)
in ``syndication`` with the story it belongs to; articles sharing a story id are copies.
``syndication_bands`` holds its band buckets, one row (bucket, member) each, ``member``
being the ``syndication`` row's integer key: a table without rowid and with no other
index, so each article adds 32 small entries to one B-tree (no article id repeated, no
second index; its buckets to delete are computed again from its stored text, whose
signature's low bits only are kept: :func:`band_buckets_of`). The ``bucket`` column holds
the bucket keyed by the member's generation (:func:`band_key`, schema v8): the entries of
the articles stored lately lie together, in a part of the B-tree that stops growing when
its generation is full; a commit changes pages of that part only, however large the
archive (random buckets over the whole B-tree: a page per entry past some 100,000
articles). A lookup seeks the buckets in each generation. Functions over the archive's
connection, called inside its transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence, Set
from typing import cast

import numpy as np

from indexer import syndication
from indexer.article import Article
from indexer.packed import PackedError, unpack
from indexer.schema import CHUNK, chunks, marks

# Members (``syndication`` rows, in storing order) per generation of band keys: 2**15 =
# 32,768 articles, about 800 pages of 16 KiB of band entries; a million articles make 31
# generations, so 992 seeks for a lookup of 32 buckets.
GENERATION_BITS = 15
_BUCKETS = 1 << 32  # band buckets are 32-bit signed integers


def band_key(bucket: int, member: int) -> int:
    """The stored key of a band bucket of a member: the bucket within its generation."""
    return (member >> GENERATION_BITS) * _BUCKETS + bucket


def _lookup_keys(conn: sqlite3.Connection, buckets: Sequence[int]) -> list[int]:
    """The keys of these buckets in every generation of the stored members."""
    last = conn.execute("SELECT coalesce(max(member), 0) FROM syndication").fetchone()[0]
    return [generation * _BUCKETS + bucket
            for generation in range((last >> GENERATION_BITS) + 1) for bucket in buckets]


def group_copies(
    conn: sqlite3.Connection,
    articles: Sequence[Article],
    signatures: Mapping[str, np.ndarray | None] | None = None,
    fresh: Set[str] = frozenset(),
    before: Mapping[str, Sequence[int]] | None = None,
) -> None:
    """Find the syndicated copies of these just-stored articles; record their stories.

    ``signatures`` are precomputed signatures by id (see
    :meth:`indexer.store.Archive.add_articles`);
    ``fresh`` the ids stored for the first time, which have no story to leave yet;
    ``before`` the band buckets of the others' stored signatures, taken by
    :func:`band_buckets_of` before their text changed.
    """
    signatures = signatures or {}
    before = before or {}
    for article in articles:
        if article.id not in fresh:
            ungroup(conn, article.id, before.get(article.id))
        if article.id in signatures:
            sig = signatures[article.id]
        else:
            sig = syndication.signature(article.text)
        if sig is None:
            continue
        buckets = syndication.band_buckets(sig)
        candidates = []
        # (whole generations per query: a member is found in one only)
        for keys in chunks(_lookup_keys(conn, buckets), len(buckets) * (CHUNK // len(buckets))):
            candidates += conn.execute(
                "SELECT s.article_id, s.story, s.signature FROM syndication s WHERE s.member"
                f" IN (SELECT member FROM syndication_bands WHERE bucket IN ({marks(keys)}))",
                keys,
            ).fetchall()
        stories: set[str] = set()
        if candidates:
            similar = syndication.similarities(sig, [blob for _, _, blob in candidates])
            stories = {
                story
                for (_, story, _), value in zip(candidates, similar, strict=True)
                if value >= syndication.THRESHOLD
            }
        story = min(stories) if stories else article.id
        merged = sorted(stories - {story})  # this article bridges several stories
        if merged:
            conn.execute(
                f"UPDATE syndication SET story = ? WHERE story IN ({marks(merged)})",
                [story, *merged],
            )
        member = cast(int, conn.execute(
            "INSERT INTO syndication(article_id, story, signature) VALUES (?, ?, ?)",
            [article.id, story, syndication.to_blob(sig)],
        ).lastrowid)
        conn.executemany(
            "INSERT OR IGNORE INTO syndication_bands(bucket, member) VALUES (?, ?)",
            [(band_key(bucket, member), member) for bucket in buckets],
        )


def ungroup(conn: sqlite3.Connection, article_id: str,
            buckets: Sequence[int] | None = None) -> None:
    """Take an article out of its story; a story named after it is renamed. Its band rows
    go by ``buckets`` if given, else by those of its stored text (:func:`band_buckets_of`)."""
    row = conn.execute(
        "SELECT member FROM syndication WHERE article_id = ?", [article_id]
    ).fetchone()
    if row is not None:
        (member,) = row
        if buckets is None:
            buckets = band_buckets_of(conn, [article_id]).get(article_id, [])
        conn.executemany(
            "DELETE FROM syndication_bands WHERE bucket = ? AND member = ?",
            [(band_key(bucket, member), member) for bucket in buckets],
        )
        conn.execute("DELETE FROM syndication WHERE member = ?", [member])
    rest = conn.execute(
        "SELECT min(article_id) FROM syndication WHERE story = ?", [article_id]
    ).fetchone()[0]
    if rest is not None:
        conn.execute("UPDATE syndication SET story = ? WHERE story = ?", [rest, article_id])


def band_buckets_of(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, list[int]]:
    """Return the band buckets of these articles' stored signatures, by id (those grouped):
    kept in the signature by earlier versions, else those of the stored text's signature
    (the store keeps only the signature's low bits). Take them before the text changes."""
    found: dict[str, list[int]] = {}
    for part in chunks(list(dict.fromkeys(ids))):
        for article_id, blob, text in conn.execute(
            "SELECT s.article_id, s.signature, a.text FROM syndication s"
            f" JOIN articles a ON a.id = s.article_id WHERE s.article_id IN ({marks(part)})",
            part,
        ):
            buckets = syndication.stored_buckets(blob)
            if buckets is None:
                sig = syndication.signature(_text(text))
                buckets = [] if sig is None else syndication.band_buckets(sig)
            found[article_id] = buckets
    return found


def _text(stored: str | bytes | None) -> str:
    """A stored text; a damaged one is no text (its band rows stay: they only add
    candidates, which the comparison of signatures rejects)."""
    try:
        return unpack(stored)
    except PackedError:
        return ""


def story_of(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
    """Return ``{article id: story id}`` for those of these articles grouped by syndication.

    Articles with the same story id are copies of one story; an article alone in its
    story has none.
    """
    found: dict[str, str] = {}
    for part in chunks(list(dict.fromkeys(ids))):
        found.update(
            conn.execute(
                f"SELECT article_id, story FROM syndication WHERE article_id IN ({marks(part)})",
                part,
            ).fetchall()
        )
    return found


def copies(conn: sqlite3.Connection, article_id: str) -> list[str]:
    """Return the ids of the other copies of an article's story, oldest publication first."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT other.article_id FROM syndication mine"
            " JOIN syndication other ON other.story = mine.story"
            " AND other.article_id != mine.article_id"
            " JOIN articles a ON a.id = other.article_id"
            " WHERE mine.article_id = ? ORDER BY a.published IS NULL, a.published, a.id",
            [article_id],
        )
    ]
