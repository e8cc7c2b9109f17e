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
from indexer.urls import normalize_url

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


def same_text(a: str, b: str) -> bool:
    """Tell whether two texts are versions of one article (most of their words shared)."""
    left, right = set(WORDS.findall(a.lower())), set(WORDS.findall(b.lower()))
    if not left or not right:
        return left == right
    return len(left & right) / len(left | right) >= SAME_TEXT_MIN


def create_table(conn: sqlite3.Connection) -> None:
    """Create ``aliases`` and fill it with the fetched addresses of archived articles."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS aliases (url TEXT PRIMARY KEY,"
        " article_id TEXT NOT NULL REFERENCES articles(id))"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS aliases_article_id ON aliases(article_id)")
    rows = conn.execute("SELECT id, url, fetched_url FROM articles").fetchall()
    record(conn, [(url, i) for i, *urls in rows for url in urls])


def record(conn: sqlite3.Connection, pairs: Iterable[tuple[str | None, str]]) -> None:
    """Record ``(url, article id)`` pairs in identity form; an alias already taken stays."""
    rows = [(u, i) for url, i in pairs if (u := _identity(url))]
    conn.executemany("INSERT OR IGNORE INTO aliases(url, article_id) VALUES (?, ?)", rows)


def known(conn: sqlite3.Connection, urls: Sequence[str]) -> set[str]:
    """Return which of these identity URLs lead to an archived article."""
    found: set[str] = set()
    for start in range(0, len(urls), CHUNK):
        part = list(urls[start : start + CHUNK])
        for table in ("articles", "aliases"):
            found.update(url for (url,) in conn.execute(
                f"SELECT url FROM {table} WHERE url IN ({_marks(part)})", part
            ))
    return found


def keep_apart(conn: sqlite3.Connection, articles: Sequence[Article]) -> tuple[list[Article], int]:
    """Give a new identity to each article that would overwrite a different one.

    An article whose identity is taken (archived, or earlier in ``articles``) by a page
    fetched from another address with a different text is an article of its own: it gets
    the identity of its fetched address. Return the articles and how many were kept apart.
    """
    ids = list(dict.fromkeys(a.id for a in articles))
    held: dict[str, tuple[str | None, str]] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        held.update((i, (_identity(f), t)) for i, f, t in conn.execute(
            f"SELECT id, fetched_url, text FROM articles WHERE id IN ({_marks(part)})", part
        ))
    result, apart = [], 0
    for article in articles:
        fetched = _identity(article.fetched_url)
        other = held.get(article.id)
        if other and fetched and other[0] != fetched and not same_text(other[1], article.text):
            logger.info(
                "Kept apart: %s claims the identity %s of another article; stored as %s",
                article.fetched_url, article.url, fetched,
            )
            article = replace(article, url=fetched, id=article_id(fetched))
            apart += 1
        held.setdefault(article.id, (fetched, article.text))
        result.append(article)
    return result, apart
