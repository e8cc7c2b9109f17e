"""The archive's SQLite schema: tables, migrations, and the mapping of an Article to rows.

Shared by the store (:mod:`indexer.store`) and the SQLite export (:mod:`indexer.export`),
which writes the same article tables into a database of its own.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from indexer import aliases
from indexer.article import Article
from indexer.link_tables import LINK_TABLES, LinkTable
from indexer.packed import PackedError, unpack
from indexer.warcfile import WarcLocation

CHUNK = 500  # ids per ``IN (...)`` query
PAGE_ENCODING = "zlib"

# Article fields kept as columns of ``articles`` (``links`` as JSON text); the name lists
# (authors, agencies, tags) go to their own tables, see LINK_TABLES.
_NAME_LISTS = ("authors", "agencies", "tags")
ARTICLE_COLUMNS: dict[str, type] = {"id": str} | {
    f.name: (int if f.name == "word_count" else str)
    for f in fields(Article)
    if f.name not in _NAME_LISTS
}
_EMPTY_STRING_FIELDS = frozenset(f.name for f in fields(Article) if f.default == "")
_FIELD_NAMES = tuple(f.name for f in fields(Article))

# What the store takes for one article: the article, its raw body, where its response lies
# in the archive's WARC files ("FILE:OFFSET") if it was recorded there.
Entry = tuple[Article, bytes, str | None]


def utc_now() -> str:
    """Return the current time as an ISO 8601 UTC string to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(items: Sequence[Any]) -> str:
    return ", ".join("?" * len(items))


def insert_rows(conn: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]],
                *, upsert: str | None = None) -> None:
    """Insert rows with the same keys (what sqlite-utils' insert_all does, without its
    per-row work: a third of a bulk store's time in SQL besides MinHash); with ``upsert``,
    a unique column, update the row holding the same value there instead (nor does this
    create and drop a table in the database to probe for upserts, as sqlite-utils'
    upsert_all does: a page left free in a file that had none)."""
    if rows:
        columns = list(rows[0])
        sql = f"INSERT INTO {table}({', '.join(map(_quoted, columns))}) VALUES ({marks(columns)})"
        if upsert:
            others = [_quoted(c) for c in columns if c != upsert]
            sql += f" ON CONFLICT({_quoted(upsert)}) " + (
                f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in others)}"
                if others else "DO NOTHING")
        conn.executemany(sql, [[row[c] for c in columns] for row in rows])


def update_rows(conn: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]],
                key: str = "id") -> None:
    """Update rows with the same keys by ``key`` (their other columns only)."""
    if rows:
        columns = [c for c in rows[0] if c != key]
        conn.executemany(
            f"UPDATE {table} SET {', '.join(f'{_quoted(c)} = ?' for c in columns)}"
            f" WHERE {_quoted(key)} = ?",
            [[*(row[c] for c in columns), row[key]] for row in rows],
        )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def article_row(article: Article) -> dict[str, Any]:
    """Map an article to its ``articles`` row: scalar fields, ``links`` as JSON text."""
    row = {name: getattr(article, name) for name in ARTICLE_COLUMNS}
    row["links"] = json.dumps(article.links, ensure_ascii=False)
    row["source"] = article.source or None  # a foreign key to ``sources``: no empty name
    return row


def page_row(article: Article, body: bytes, location: str | None) -> dict[str, Any]:
    """Return the ``pages`` row of an article: its WARC location, else its body compressed."""
    row: dict[str, Any] = {
        "article_id": article.id, "length": len(body),
        "fetched_at": article.fetched_at or utc_now(),
        "body": None, "encoding": None, "warc_file": None, "warc_offset": None,
    }
    if location:
        place = WarcLocation.parse(location)
        row.update(warc_file=place.file, warc_offset=place.offset)
    else:
        row.update(body=zlib.compress(body), encoding=PAGE_ENCODING)
    return row


PAGE_COLUMNS = ("article_id", "length", "fetched_at", "body", "encoding", "warc_file",
                 "warc_offset")
# What sqlite-utils' upsert_all did, without its per-row work: insert, or update a page.
UPSERT_PAGE = (
    f"INSERT INTO pages({', '.join(PAGE_COLUMNS)}) VALUES ({marks(PAGE_COLUMNS)})"
    " ON CONFLICT(article_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in PAGE_COLUMNS[1:])
)


def row_article(row: dict[str, Any], lists: dict[str, list[str]]) -> Article:
    """Rebuild an article from its ``articles`` row and its author/agency/tag lists (the
    row of the store or of an export: bodies packed or not, see :mod:`indexer.packed`)."""
    data = {name: row[name] for name in ARTICLE_COLUMNS}
    try:
        data["text"] = unpack(data["text"])
        data["markdown"] = unpack(data["markdown"], data["text"])
        data["description"] = unpack(data["description"], data["text"])
    except PackedError as exc:
        raise PackedError(f"article {data['id']}: {exc}; restore the archive from a backup"
                          ) from None
    for name in _EMPTY_STRING_FIELDS:
        if data[name] is None:
            data[name] = ""
    data["links"] = json.loads(row["links"]) if row["links"] else []
    data["word_count"] = data["word_count"] or 0
    return Article.from_dict({**data, **lists})


def source_row(article: Article) -> dict[str, Any]:
    """Return the ``sources`` row first recorded for the source of ``article``."""
    parts = urlsplit(article.fetched_url or article.url)
    return {
        "name": article.source,
        "url": f"{parts.scheme}://{parts.netloc}/",
        "first_seen": article.fetched_at or utc_now(),
    }


def create_article_tables(
    db: sqlite_utils.Database,
    *,
    extra_columns: dict[str, type] | None = None,
    extra_foreign_keys: Sequence[tuple[str, str, str]] = (),
    link_indexes: bool = True,
    indexes: bool = True,
) -> None:
    """Create ``sources``, ``crawls``, ``articles`` and the author/agency/tag tables if missing
    (with ``link_indexes``, the link tables indexed by name too: the articles of a tag).

    Without ``indexes``, the indexes of :func:`create_article_indexes` are left for the
    caller to create once the rows are in (sorting them once is cheaper than inserting
    each row's keys in a growing B-tree).
    """
    db.table("sources").create(
        {"name": str, "url": str, "first_seen": str}, pk="name", if_not_exists=True
    )
    db.table("crawls").create(
        {"id": int, "started": str, "finished": str, "status": str, "sources": str,
         "stats": str},
        pk="id", if_not_exists=True,
    )
    articles = db.table("articles")
    articles.create(
        {**ARTICLE_COLUMNS, **(extra_columns or {})},
        pk="id",
        not_null={"url"},
        foreign_keys=[("source", "sources", "name"), *extra_foreign_keys],
        if_not_exists=True,
    )
    for link in LINK_TABLES:
        names = db.table(link.table)
        names.create({"id": int, "name": str}, pk="id", not_null={"name"}, if_not_exists=True)
        names.create_index(["name"], unique=True, if_not_exists=True)
        _create_link_table(db.conn, link)
    if indexes:
        create_article_indexes(db, link_indexes=link_indexes)


def create_article_indexes(db: sqlite_utils.Database, *, link_indexes: bool = True) -> None:
    """Create the indexes of ``articles`` (``url``, unique; ``published``; ``source``) and,
    with ``link_indexes``, those of the link tables by name, if missing."""
    articles = db.table("articles")
    articles.create_index(["url"], unique=True, if_not_exists=True)
    articles.create_index(["published"], if_not_exists=True)
    articles.create_index(["source"], if_not_exists=True)
    if link_indexes:
        for link in LINK_TABLES:
            db.execute(f"CREATE INDEX IF NOT EXISTS idx_{link.link_table}_{link.key}"
                       f" ON {link.link_table}({link.key})")


def _create_link_table(conn: sqlite3.Connection, link: LinkTable) -> None:
    """Create a link table without rowid: its key (article, position) is the row, not
    copied again into an index."""
    extra = "".join(f", {_quoted(name)} TEXT" for name in link.extra)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {link.link_table} ("
        "article_id TEXT NOT NULL REFERENCES articles(id),"
        f" {link.key} INTEGER REFERENCES {link.table}(id), position INTEGER NOT NULL{extra},"
        " PRIMARY KEY (article_id, position)) WITHOUT ROWID"
    )


def write_article_links(db: sqlite_utils.Database, articles: Sequence[Article]) -> None:
    """Replace the author, agency and tag links of ``articles``; call inside a transaction."""
    ids = [a.id for a in articles]
    for link in LINK_TABLES:
        for part in chunks(ids):
            db.execute(f"DELETE FROM {link.link_table} WHERE article_id IN ({marks(part)})", part)
        names = list(dict.fromkeys(
            n for a in articles for n in getattr(a, link.attribute) if n))
        db.conn.executemany(
            f"INSERT INTO {link.table}(name) VALUES (?) ON CONFLICT(name) DO NOTHING",
            [(n,) for n in names],
        )
        name_ids: dict[str, int] = {}
        for part in chunks(names):
            name_ids.update(db.execute(
                f"SELECT name, id FROM {link.table} WHERE name IN ({marks(part)})", part
            ).fetchall())
        rows = [
            {"article_id": a.id, link.key: name_ids[name], "position": position,
             **({"credit": a.credit} if link.extra else {})}
            for a in articles
            for position, name in enumerate(n for n in getattr(a, link.attribute) if n)
        ]
        insert_rows(db.conn, link.link_table, rows)


def read_article_lists(
    conn: sqlite3.Connection, ids: Sequence[str]
) -> dict[str, dict[str, list[str]]]:
    """Return ``{article id: {"authors": [...], "agencies": [...], "tags": [...]}}``."""
    lists: dict[str, dict[str, list[str]]] = {
        i: {link.attribute: [] for link in LINK_TABLES} for i in ids}
    for link in LINK_TABLES:
        rows = conn.execute(
            f"SELECT l.article_id, n.name FROM {link.link_table} l"
            f" JOIN {link.table} n ON n.id = l.{link.key}"
            f" WHERE l.article_id IN ({marks(ids)}) ORDER BY l.article_id, l.position",
            list(ids),
        )
        for article_id, name in rows:
            lists[article_id][link.attribute].append(name)
    return lists


def article_data(article: Article) -> dict[str, Any]:
    """Return every field as a JSON-ready dict, like ``to_dict`` without its deep copies."""
    return {name: getattr(article, name) for name in _FIELD_NAMES}


def fingerprint(article: Article) -> bytes:
    """Return a hash of everything in ``article`` but its fetch time: same hash, same content
    (SHA-256's first 16 bytes; rows written by earlier versions hold all 32, in hex, read by
    :func:`stored_fingerprint`)."""
    data = article_data(article)
    del data["fetched_at"]
    if not data["kicker"]:  # absent before schema v3: articles without one keep their hash
        del data["kicker"]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).digest()[:16]


def stored_fingerprint(value: str | bytes | None) -> bytes | None:
    """Return a stored :func:`fingerprint` as it is computed now (older rows: 64 hex digits;
    None for what is neither, which matches no article)."""
    if not isinstance(value, str):
        return value
    try:
        return bytes.fromhex(value[:32])
    except ValueError:
        return None


# The articles pending for the search index, in the order they were stored (rowid)
PENDING_INDEX = (
    "CREATE INDEX IF NOT EXISTS idx_articles_pending ON articles(indexed_at)"
    " WHERE indexed_at IS NULL"
)


def _add_warc_revisions_syndication(db: sqlite_utils.Database) -> None:
    """Schema v1 -> v2: WARC locations of pages, revisions, syndicated-copy groups."""
    pages = db.table("pages")
    pages.add_column("warc_file", str)
    pages.add_column("warc_offset", int)
    db.table("revisions").create(
        {"id": int, "article_id": str, "revision": int, "saved_at": str, "fetched_at": str,
         "title": str, "text": str, "data": str, "warc_file": str, "warc_offset": int},
        pk="id", not_null={"article_id", "revision"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("revisions").create_index(["article_id", "revision"], unique=True)
    db.table("syndication").create(
        {"article_id": str, "story": str, "signature": bytes},
        pk="article_id", not_null={"story"}, foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("syndication").create_index(["story"])
    db.table("syndication_bands").create(
        {"bucket": str, "article_id": str}, pk=("bucket", "article_id"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("syndication_bands").create_index(["article_id"])


def _add_kicker(db: sqlite_utils.Database) -> None:
    """Schema v2 -> v3: the ``kicker`` column of articles (the line above the headline)."""
    if "kicker" not in db.table("articles").columns_dict:
        db.table("articles").add_column("kicker", str)


def _add_aliases(db: sqlite_utils.Database) -> None:
    """Schema v3 -> v4: the addresses each article was reached by (:mod:`indexer.aliases`)."""
    aliases.create_table(db.conn)


def _add_deleted(db: sqlite_utils.Database) -> None:
    """Schema v4 -> v5: the articles taken down (id, identity URL, source, WARC records),
    and every address of theirs in identity form (:mod:`indexer.takedown`)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS deleted (article_id TEXT PRIMARY KEY, url TEXT NOT NULL,"
        " source TEXT, deleted_at TEXT NOT NULL, warc_records TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS deleted_urls (url TEXT PRIMARY KEY,"
        " article_id TEXT NOT NULL REFERENCES deleted(article_id))"
    )


def _compact_store(db: sqlite_utils.Database) -> None:
    """Schema v5 -> v6: compact syndication bands; the index of pending articles holds
    them only (was every article's ``indexed_at``). Bodies are packed from then on
    (:mod:`indexer.packed`; ``vacuum`` packs those written before)."""
    _compact_bands(db)
    db.execute("DROP INDEX IF EXISTS idx_articles_indexed_at")
    db.execute(PENDING_INDEX)


def _compact_bands(db: sqlite_utils.Database) -> None:
    """Syndication band buckets as integers keyed by the ``syndication``
    row's integer ``member`` (kept by VACUUM), in one B-tree without rowid and without an
    index by article (:mod:`indexer.stories`); was 19-character text buckets with the
    article id, in a table and two indexes (20k bench articles: 4.0 KB per article, now
    0.4 KB). The band rows are made by the v8 step (:func:`_band_stories`)."""
    conn = db.conn
    conn.execute("ALTER TABLE syndication RENAME TO syndication_v5")
    conn.execute("DROP INDEX IF EXISTS idx_syndication_story")
    conn.execute("DROP TABLE syndication_bands")
    conn.execute(
        "CREATE TABLE syndication (member INTEGER PRIMARY KEY,"
        " article_id TEXT NOT NULL UNIQUE REFERENCES articles(id),"
        " story TEXT, signature BLOB)"
    )
    conn.execute(
        "INSERT INTO syndication(article_id, story, signature)"
        " SELECT article_id, story, signature FROM syndication_v5 ORDER BY rowid"
    )
    conn.execute("DROP TABLE syndication_v5")
    conn.execute("CREATE INDEX idx_syndication_story ON syndication(story)")
    conn.execute(
        "CREATE TABLE syndication_bands (bucket INTEGER NOT NULL, member INTEGER NOT NULL,"
        " PRIMARY KEY (bucket, member)) WITHOUT ROWID"
    )


def _compact_links(db: sqlite_utils.Database) -> None:
    """Schema v6 -> v7: the author/agency/tag link tables and ``aliases`` without rowid
    (their keys were stored twice, in the table and in its primary-key index), the link
    tables without an index by name (the store never looks articles up by name; the
    export keeps it, for Datasette's facets); no alias
    for an article's own identity (:func:`indexer.aliases.compact_table`); syndication
    signatures as their low bits only (:func:`indexer.syndication.to_blob`); the
    archive's version in ``counters`` instead of an index of every row's
    (:mod:`indexer.versions`); the indexes of fetched and canonical URLs without the rows
    that have none (an empty fetched URL is stored NULL from then on)."""
    conn = db.conn
    for link in LINK_TABLES:
        columns = ", ".join(["article_id", link.key, "position", *map(_quoted, link.extra)])
        conn.execute(f"ALTER TABLE {link.link_table} RENAME TO {link.link_table}_v6")
        conn.execute(f"DROP INDEX IF EXISTS idx_{link.link_table}_{link.key}")
        _create_link_table(conn, link)
        conn.execute(f"INSERT INTO {link.link_table}({columns}) SELECT {columns}"
                     f" FROM {link.link_table}_v6 ORDER BY article_id, position")
        conn.execute(f"DROP TABLE {link.link_table}_v6")
    aliases.compact_table(conn)
    from indexer import syndication  # (NumPy: only for this upgrade)

    conn.create_function("compact_blob", 1, syndication.compact_blob, deterministic=True)
    conn.execute("UPDATE syndication SET signature = compact_blob(signature)"
                 " WHERE signature IS NOT NULL")
    conn.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY,"
                 " value INTEGER NOT NULL) WITHOUT ROWID")
    conn.execute("INSERT OR IGNORE INTO counters(name, value)"
                 " SELECT 'version', coalesce(max(version), 0) FROM articles")
    conn.execute("DROP INDEX IF EXISTS idx_articles_version")
    for column in ("fetched_url", "canonical_url"):
        conn.execute(f"DROP INDEX IF EXISTS idx_articles_{column}")
        conn.execute(f"CREATE INDEX idx_articles_{column} ON articles({column})"
                     f" WHERE {column} IS NOT NULL")


def _band_stories(db: sqlite_utils.Database) -> None:
    """Schema v7 -> v8: band rows made from the kept bits of the stored signatures, 20
    bands of 3 values (:func:`indexer.syndication.band_buckets`; were 32 hashes of 4
    whole values, made again from the text to delete them); a story of one article is
    NULL and out of the index of stories (was the article's own id). (20k bench
    articles: 2,877 -> 2,682 B per article; the space an upgrade frees is reused,
    ``vacuum`` returns it.)"""
    from indexer import syndication  # (NumPy: only for this upgrade)

    conn = db.conn
    conn.execute("ALTER TABLE syndication RENAME TO syndication_v7")
    conn.execute("DROP INDEX IF EXISTS idx_syndication_story")
    conn.execute(
        "CREATE TABLE syndication (member INTEGER PRIMARY KEY,"
        " article_id TEXT NOT NULL UNIQUE REFERENCES articles(id), story TEXT, signature BLOB)"
    )
    conn.execute(
        "INSERT INTO syndication(member, article_id, story, signature)"
        " SELECT member, article_id, CASE WHEN story IN (SELECT story FROM syndication_v7"
        " GROUP BY story HAVING count(*) > 1) THEN story END, signature FROM syndication_v7"
        " ORDER BY member"
    )
    conn.execute("DROP TABLE syndication_v7")
    conn.execute("CREATE INDEX idx_syndication_story ON syndication(story)"
                 " WHERE story IS NOT NULL")
    conn.execute("DELETE FROM syndication_bands")
    last = conn.execute("SELECT coalesce(max(member), 0) FROM syndication").fetchone()[0]
    for start in range(0, last, 50_000):  # a part at a time, sorted: few pages each
        rows = conn.execute(
            "SELECT member, signature FROM syndication WHERE member > ? AND member <= ?"
            " AND signature IS NOT NULL", [start, start + 50_000],
        ).fetchall()
        conn.executemany("INSERT OR IGNORE INTO syndication_bands VALUES (?, ?)", sorted(
            (bucket, member) for member, blob in rows
            for bucket in syndication.band_buckets(blob)
        ))


MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _add_warc_revisions_syndication,
    2: _add_kicker,
    3: _add_aliases,
    4: _add_deleted,
    5: _compact_store,
    6: _compact_links,
    7: _band_stories,
}


_DATE_PREFIX = re.compile(r"\d{4}(-\d{2}(-\d{2}([T ].*)?)?)?")
# Sorts after every character an ISO date can hold: ``until`` takes in its whole period.
_PERIOD_END = "\uffff"
_DATE_ONLY = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def added_bound(value: str) -> str:
    """Return an ``--added-since`` value as the UTC text it compares with ``fetched_at``:
    a date (2022, 2022-10, 2022-10-27) as given, a date and time (2022-10-27T08:30,
    with an offset or in UTC) converted to UTC; raise ValueError for anything else."""
    value = value.strip()
    if _DATE_ONLY.fullmatch(value):
        return value
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a date or time: {value!r} (use 2022-10-27 or 2022-10-27T08:30, in UTC "
            "unless an offset is given)"
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


def published_filter(since: str | None, until: str | None) -> tuple[list[str], list[str]]:
    """Return SQL conditions and parameters for an ISO-prefix ``since``/``until`` range.

    ``"2022"``, ``"2022-10"`` and ``"2022-10-27"`` all work; ``until`` includes the whole
    period it names. Dates compare as written on the page (no time-zone conversion).
    """
    where: list[str] = []
    params: list[str] = []
    for bound, value in (("since", since), ("until", until)):
        if value is None:
            continue
        if not _DATE_PREFIX.fullmatch(value):
            raise ValueError(f"{bound} must be an ISO date such as 2022, 2022-10 or 2022-10-27")
        where.append("published >= ?" if bound == "since" else "published <= ?")
        params.append(value if bound == "since" else value + _PERIOD_END)
    return where, params
