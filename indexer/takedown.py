"""Takedowns: articles deleted from the archive on request, and what remembers them.

Deleting an article removes it from every table of the store (its row, author, agency
and tag links, raw page, revisions, aliases, syndication membership, fetch records).
Its WARC records stay, as the crawl wrote them, but are marked: ``deleted`` keeps the
id, identity URL, source and WARC locations (``FILE:OFFSET``) of each deleted article,
and ``deleted_urls`` every address it was known by, in identity form. The store treats
those addresses as known (:func:`indexer.aliases.known`), so crawls and ``import-warc``
skip them, and refuses to store an article under a deleted identity; ``reextract``
works from the articles the store holds, so never meets one; an SQLite export brought
up to date drops them (:mod:`indexer.export`). No title or text is kept. The tables
are created by the schema (:mod:`indexer.schema`, v5).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from indexer import aliases, stories
from indexer.article import ARTICLE_ID
from indexer.schema import chunks, marks, utc_now

# Tables holding an article's rows by ``article_id`` (syndication: see stories.ungroup)
_ROWS = ("pages", "article_authors", "article_agencies", "article_tags", "revisions",
         "aliases")


def _warc_records(conn: sqlite3.Connection, article_id: str) -> str:
    """The article's WARC locations (its page, its revisions' pages), space-separated."""
    rows = conn.execute(
        "SELECT warc_file, warc_offset FROM pages WHERE article_id = ? AND warc_file IS NOT NULL"
        " UNION SELECT warc_file, warc_offset FROM revisions"
        " WHERE article_id = ? AND warc_file IS NOT NULL",
        [article_id, article_id],
    )
    return " ".join(sorted(f"{file}:{offset}" for file, offset in rows))


def delete(conn: sqlite3.Connection, ids: Sequence[str]) -> list[str]:
    """Delete these articles (those the store holds) as the module says; return their
    ids, and those they had before their identity moved (also recorded as deleted: the
    index may still hold them). Call inside a write transaction."""
    done: list[str] = []
    when = utc_now()
    for article_id in dict.fromkeys(ids):
        row = conn.execute(
            "SELECT url, fetched_url, canonical_url, source FROM articles WHERE id = ?",
            [article_id],
        ).fetchone()
        if row is None:
            continue
        url, fetched, canonical, source = row
        records = _warc_records(conn, article_id)
        # its earlier identities (moved from) too: the index may still hold them
        retired = sorted(aliases.retired_ids(conn, [article_id]))
        conn.executemany(
            "INSERT OR IGNORE INTO deleted(article_id, url, source, deleted_at, warc_records)"
            " VALUES (?, ?, ?, ?, ?)",
            [(i, url, source, when, records) for i in [article_id, *retired]],
        )
        addresses = [u for u in (url, fetched, canonical) if u]
        addresses += [u for (u,) in conn.execute(
            "SELECT url FROM aliases WHERE article_id = ?", [article_id])]
        conn.executemany(
            "INSERT OR REPLACE INTO deleted_urls(url, article_id) VALUES (?, ?)",
            [(u, article_id) for u in aliases.identities(addresses)],
        )
        stories.ungroup(conn, article_id)
        for table in _ROWS:
            conn.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
        conn.execute(f"DELETE FROM fetches WHERE url IN ({marks(addresses)})", addresses)
        conn.execute("DELETE FROM articles WHERE id = ?", [article_id])
        done += [article_id, *retired]
    return done


def deleted_ids(conn: sqlite3.Connection, among: Sequence[str] | None = None) -> set[str]:
    """The ids of the deleted articles (of those ``among``, when given)."""
    if among is None:
        return {i for (i,) in conn.execute("SELECT article_id FROM deleted")}
    found: set[str] = set()
    for part in chunks(list(dict.fromkeys(among))):
        found.update(i for (i,) in conn.execute(
            f"SELECT article_id FROM deleted WHERE article_id IN ({marks(part)})", list(part)))
    return found


def deleted_ids_of(conn: sqlite3.Connection, key: str) -> list[str]:
    """The ids recorded for the deleted article ``key`` names (its id, or any address it
    had): its own and its earlier identities'; [] if it names no deleted article."""
    key = key.strip()
    if ARTICLE_ID.fullmatch(key.lower()):
        first = conn.execute(
            "SELECT article_id FROM deleted WHERE article_id = ?", [key.lower()]).fetchone()
    else:
        forms = aliases.identities([key])
        first = conn.execute(
            f"SELECT article_id FROM deleted_urls WHERE url IN ({marks(forms)})", forms
        ).fetchone() if forms else None
    if first is None:
        return []
    return [i for (i,) in conn.execute(
        "SELECT article_id FROM deleted WHERE url = (SELECT url FROM deleted"
        " WHERE article_id = ?) ORDER BY article_id = ? DESC, article_id",
        [first[0], first[0]],
    )]
