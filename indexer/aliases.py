"""Identity safeguards of the store: every address an article was reached by, and no merge
of two different articles that claim one identity.

``aliases`` maps identity-form URLs (the fetched address, the one requested before a
redirect, the identity itself) to the article they led to, so a crawl skips all of them.
When a page claims the identity of an archived article from another address and its text
is a different one (a canonical URL naming another page), it is kept apart, under the
identity of its own address, never written over the other.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace

from indexer.article import Article, article_id
from indexer.packed import unpack
from indexer.urls import normalize_url
from indexer.versions import next_version

logger = logging.getLogger(__name__)

WORDS = re.compile(r"\w+")
# Below this share of common words (Jaccard) two texts are different articles, not versions.
SAME_TEXT_MIN = 0.5
CHUNK = 500


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))


def _identity(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return normalize_url(url)
    except ValueError:
        return None


def identities(urls: Iterable[str | None]) -> list[str]:
    """The identity forms of these URLs, each once, in order (unreadable ones left out)."""
    return list(dict.fromkeys(u for url in urls if (u := _identity(url))))


def same_text(a: str, b: str) -> bool:
    """Tell whether two texts are versions of one article (most of their words shared)."""
    left, right = set(WORDS.findall(a.lower())), set(WORDS.findall(b.lower()))
    if not left or not right:
        return left == right
    return len(left & right) / len(left | right) >= SAME_TEXT_MIN


def create_table(conn: sqlite3.Connection) -> None:
    """Create ``aliases`` and fill it with the fetched addresses of archived articles."""
    _create(conn)
    rows = conn.execute("SELECT id, fetched_url FROM articles").fetchall()
    record(conn, [(url, i) for i, url in rows])


def compact_table(conn: sqlite3.Connection) -> None:
    """Schema v6 -> v7: ``aliases`` without rowid (the URL key is the row: no second copy
    of it in an index) and without the aliases of articles' own identities, which
    ``articles.url`` already answers for."""
    conn.execute("ALTER TABLE aliases RENAME TO aliases_v6")
    conn.execute(_TABLE)
    conn.execute(
        "INSERT INTO aliases(url, article_id) SELECT url, article_id FROM aliases_v6 a"
        " WHERE NOT EXISTS (SELECT 1 FROM articles r WHERE r.id = a.article_id"
        " AND r.url = a.url) ORDER BY url"
    )
    conn.execute("DROP TABLE aliases_v6")
    _create(conn)


_TABLE = (
    "CREATE TABLE IF NOT EXISTS aliases (url TEXT PRIMARY KEY,"
    " article_id TEXT NOT NULL REFERENCES articles(id)) WITHOUT ROWID"
)


def _create(conn: sqlite3.Connection) -> None:
    conn.execute(_TABLE)
    conn.execute("CREATE INDEX IF NOT EXISTS aliases_article_id ON aliases(article_id)")


def record(conn: sqlite3.Connection, pairs: Iterable[tuple[str | None, str]]) -> None:
    """Record ``(url, article id)`` pairs in identity form; an alias already taken stays.

    An article's own identity is no alias of it (``articles.url`` holds it): not recorded.
    """
    rows = [(u, i) for url, i in pairs if (u := _identity(url)) and article_id(u) != i]
    conn.executemany("INSERT OR IGNORE INTO aliases(url, article_id) VALUES (?, ?)", rows)


def _holder(conn: sqlite3.Connection, url: str) -> tuple[str, str | bytes] | None:
    """The id and stored text of the article this identity URL leads to (an alias of it,
    else its own identity), if any."""
    return conn.execute(
        "SELECT r.id, r.text FROM aliases a JOIN articles r ON r.id = a.article_id"
        " WHERE a.url = ?", [url],
    ).fetchone() or conn.execute(
        "SELECT id, text FROM articles WHERE url = ?", [url]).fetchone()


def known(conn: sqlite3.Connection, urls: Sequence[str]) -> set[str]:
    """Return which of these identity URLs lead to an archived article, or to one deleted
    (:mod:`indexer.takedown`): neither is to be archived again."""
    found: set[str] = set()
    for start in range(0, len(urls), CHUNK):
        part = list(urls[start : start + CHUNK])
        for table in ("articles", "aliases", "deleted_urls"):
            found.update(url for (url,) in conn.execute(
                f"SELECT url FROM {table} WHERE url IN ({_marks(part)})", part
            ))
    return found


# Tables whose article_id follows an article moved to another identity (its syndication
# bands name its ``syndication`` row, not the article)
ARTICLE_TABLES = ("pages", "article_authors", "article_agencies", "article_tags", "syndication",
                  "revisions", "aliases")


def keep_apart(conn: sqlite3.Connection, articles: Sequence[Article]) -> tuple[list[Article], int]:
    """Give distinct identities to different articles that claim one; call in a transaction.

    An article whose identity is taken (archived, or earlier in ``articles``) by a page
    fetched from another address with a different text is an article of its own: it gets
    the identity of its fetched address. When that address *is* the identity (the page the
    other one's canonical URL named), the other article moves to its own fetched address
    instead. Return the articles and how many were kept apart.
    """
    ids = list(dict.fromkeys(a.id for a in articles))
    # identity -> (fetched identity, text, position in result or None when archived)
    held: dict[str, tuple[str | None, str, int | None]] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        held.update((i, (_identity(f), unpack(t), None)) for i, f, t in conn.execute(
            f"SELECT id, fetched_url, text FROM articles WHERE id IN ({_marks(part)})", part
        ))
    result: list[Article] = []
    apart = 0
    for article in articles:
        fetched = _identity(article.fetched_url)
        other = held.get(article.id)
        if other and fetched and other[0] != fetched and not same_text(other[1], article.text):
            apart += 1
            owner = fetched == article.url and other[0] and article_id(other[0]) not in held
            if owner:  # the other claimed this page's own address: it moves to its own
                assert other[0] is not None
                _move_claimant(conn, result, article.url, other)
                held[article_id(other[0])] = other
            else:
                article = replace(article, url=fetched, id=article_id(fetched))
            if owner:
                del held[article.id]
            logger.info("Kept apart: two different articles claimed one identity (%s, %s)",
                        article.fetched_url, other[0])
        held.setdefault(article.id, (fetched, article.text, len(result)))
        result.append(article)
    return result, apart


def _move_claimant(
    conn: sqlite3.Connection,
    result: list[Article],
    identity: str,
    holder: tuple[str | None, str, int | None],
) -> None:
    """Move the article holding ``identity`` to the identity of its own fetched address."""
    old_id = article_id(identity)
    new_url = holder[0]
    assert new_url is not None
    position = holder[2]
    if position is not None:  # earlier in this batch: not stored yet
        result[position] = replace(result[position], url=new_url, id=article_id(new_url))
        return
    _move_row(conn, old_id, new_url)
    # the identity it gave up is the owner's address now
    conn.execute("DELETE FROM aliases WHERE url = ?", [identity])


def _move_row(conn: sqlite3.Connection, old_id: str, new_url: str) -> None:
    """Give the archived article ``old_id`` the identity ``new_url``, with everything it
    owns; it is pending for the index again."""
    new_id = article_id(new_url)
    conn.execute("PRAGMA defer_foreign_keys = ON")  # until the commit: ids change together
    old_url = conn.execute("SELECT url FROM articles WHERE id = ?", [old_id]).fetchone()[0]
    version = next_version(conn)
    conn.execute(
        "UPDATE articles SET id = ?, url = ?, indexed_at = NULL, version = ? WHERE id = ?",
        [new_id, new_url, version, old_id],
    )
    for table in ARTICLE_TABLES:
        conn.execute(f"UPDATE {table} SET article_id = ? WHERE article_id = ?", [new_id, old_id])
    conn.execute("UPDATE syndication SET story = ? WHERE story = ?", [new_id, old_id])
    # the identity it leaves is an alias of it now; the one it takes is its own
    record(conn, [(old_url, new_id)])
    conn.execute("DELETE FROM aliases WHERE url = ? AND article_id = ?", [new_url, new_id])


def follow_moves(conn: sqlite3.Connection, articles: Sequence[Article]) -> int:
    """Move archived articles whose identity changed to their new one; call in a transaction.

    A page fetched again from an address of an archived article, with a version of its
    text but another identity (its canonical URL changed, or is trusted now, or no longer),
    is that article: its row moves to the new identity, so that the archive, and the
    search index (:func:`retired_ids`), hold it once. Its old identity stays an alias of
    it. Return how many moved.
    """
    moved = 0
    for article in articles:
        fetched = _identity(article.fetched_url)
        if not fetched:
            continue
        row = _holder(conn, fetched)
        if row is None or row[0] == article.id or not same_text(unpack(row[1]), article.text):
            continue
        if conn.execute("SELECT 1 FROM articles WHERE id = ?", [article.id]).fetchone():
            continue  # the new identity is another article's: keep_apart decides
        _move_row(conn, row[0], article.url)
        moved += 1
        logger.info("Identity moved: the article fetched from %s is now %s", fetched,
                    article.url)
    return moved


def retired_ids(conn: sqlite3.Connection, ids: Sequence[str] | None) -> set[str]:
    """The ids these articles (``None``: all) had before their identity moved: those of
    their aliases that no archived article holds. The search index and the exports drop
    their documents of them."""
    if ids is None:
        every = {article_id(url) for (url,) in conn.execute("SELECT url FROM aliases")}
        return every.difference(i for (i,) in conn.execute("SELECT id FROM articles"))
    found: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        part = list(ids[start : start + CHUNK])
        found.update(article_id(url) for (url,) in conn.execute(
            f"SELECT url FROM aliases WHERE article_id IN ({_marks(part)})", part
        ))
    candidates = sorted(found - set(ids))
    for start in range(0, len(candidates), CHUNK):
        part = candidates[start : start + CHUNK]
        found.difference_update(i for (i,) in conn.execute(
            f"SELECT id FROM articles WHERE id IN ({_marks(part)})", part
        ))
    return found - set(ids)
