"""The syndication tables: which stored articles are copies of one story.

Each article with a text long enough has its MinHash signature (:mod:`indexer.syndication`)
in ``syndication`` with the story it belongs to: articles sharing a story id are copies,
and an article alone in its story has none there (NULL, from schema v8: most articles,
then out of the index of stories too; it was its own id). ``syndication_bands`` holds
its band buckets, one row (bucket, member) each, ``member`` being the ``syndication``
row's integer key: a table without rowid and with no other index, so each article adds
:data:`~indexer.syndication.BANDS` small entries to one B-tree (no article id repeated,
no second index; its buckets to delete are made again from its stored signature:
:func:`indexer.syndication.band_buckets`). Functions over the archive's connection,
called inside its transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence, Set

import numpy as np

from indexer import syndication
from indexer.article import Article
from indexer.schema import chunks, marks


def group_copies(
    conn: sqlite3.Connection,
    articles: Sequence[Article],
    signatures: Mapping[str, np.ndarray | None] | None = None,
    fresh: Set[str] = frozenset(),
) -> None:
    """Find the syndicated copies of these just-stored articles; record their stories.

    ``signatures`` are precomputed signatures by id (see
    :meth:`indexer.store.Archive.add_articles`);
    ``fresh`` the ids stored for the first time, which have no story to leave yet.
    """
    signatures = signatures or {}
    for article in articles:
        if article.id not in fresh:
            ungroup(conn, article.id)
        if article.id in signatures:
            sig = signatures[article.id]
        else:
            sig = syndication.signature(article.text)
        if sig is None:
            continue
        blob = syndication.to_blob(sig)
        buckets = syndication.band_buckets(blob)
        candidates = conn.execute(
            "SELECT coalesce(s.story, s.article_id), s.signature FROM syndication s"
            " WHERE s.member IN"
            f" (SELECT member FROM syndication_bands WHERE bucket IN ({marks(buckets)}))",
            buckets,
        ).fetchall()
        stories: list[str] = []
        if candidates:
            similar = syndication.similarities(sig, [kept for _, kept in candidates])
            stories = sorted({
                story
                for (story, _), value in zip(candidates, similar, strict=True)
                if value >= syndication.THRESHOLD
            })
        story = stories[0] if stories else None
        if stories:  # this article joins the first story; any other it bridges too
            conn.execute(f"UPDATE syndication SET story = ? WHERE story IN ({marks(stories)})",
                         [story, *stories])
            conn.execute(  # (stories of one article, named by none)
                "UPDATE syndication SET story = ? WHERE story IS NULL"
                f" AND article_id IN ({marks(stories)})", [story, *stories])
        member = conn.execute(
            "INSERT INTO syndication(article_id, story, signature) VALUES (?, ?, ?)",
            [article.id, story, blob],
        ).lastrowid
        conn.executemany(
            "INSERT OR IGNORE INTO syndication_bands(bucket, member) VALUES (?, ?)",
            [(bucket, member) for bucket in buckets],
        )


def ungroup(conn: sqlite3.Connection, article_id: str) -> None:
    """Take an article out of its story (its signature and band rows go): a story left
    with one article is none, a story named after it is renamed after the least id left."""
    row = conn.execute(
        "SELECT member, story, signature FROM syndication WHERE article_id = ?", [article_id]
    ).fetchone()
    story = None
    if row is not None:
        member, story, blob = row
        conn.executemany(
            "DELETE FROM syndication_bands WHERE bucket = ? AND member = ?",
            [(bucket, member) for bucket in syndication.band_buckets(blob)],
        )
        conn.execute("DELETE FROM syndication WHERE member = ?", [member])
    for name in {article_id, story} - {None}:
        first, left = conn.execute(
            "SELECT min(article_id), count(*) FROM syndication WHERE story = ?", [name]
        ).fetchone()
        if left == 1:
            conn.execute("UPDATE syndication SET story = NULL WHERE story = ?", [name])
        elif left and name == article_id:
            conn.execute("UPDATE syndication SET story = ? WHERE story = ?", [first, name])


def story_of(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
    """Return ``{article id: story id}`` for those of these articles looked at for copies
    (their text long enough). Articles with the same story id are copies of one story; an
    article alone in its story has its own id.
    """
    found: dict[str, str] = {}
    for part in chunks(list(dict.fromkeys(ids))):
        found.update(conn.execute(
            "SELECT article_id, coalesce(story, article_id) FROM syndication"
            f" WHERE article_id IN ({marks(part)})", part,
        ).fetchall())
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
