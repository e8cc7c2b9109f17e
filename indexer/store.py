"""The SQLite archive: the record of truth for every stored article, page and crawl.

One file opened through :class:`Archive`. Articles live in ``articles`` with their
authors, agencies and tags in normalised tables; the raw response of each article is
kept compressed in ``pages``; ``crawls`` and ``fetches`` record what each run did. An
article whose ``indexed_at`` is NULL is pending for the search index.

Concurrency: WAL journal, a busy timeout on every connection and ``BEGIN IMMEDIATE``
for writes, so readers never wait and a writer waits at most ``timeout`` seconds for
another writer before a :class:`StoreError` says the archive is locked.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

import sqlite_utils

from indexer.article import Article
from indexer.urls import normalize_url

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CHUNK = 500  # ids per ``IN (...)`` query
PAGE_ENCODING = "zlib"

ARTICLE_ID = re.compile(r"[0-9a-f]{16}")  # what article_id() returns
_DATE_PREFIX = re.compile(r"\d{4}(-\d{2}(-\d{2}([T ].*)?)?)?")
# Sorts after every character an ISO date can hold: ``until`` takes in its whole period.
_PERIOD_END = "\uffff"

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


@dataclass(frozen=True)
class LinkTable:
    """A list field of :class:`Article` kept as a name table plus an article link table."""

    attribute: str
    table: str
    link_table: str
    key: str
    extra: dict[str, type] = field(default_factory=dict)


LINK_TABLES = (
    LinkTable("authors", "authors", "article_authors", "author_id"),
    LinkTable("agencies", "agencies", "article_agencies", "agency_id", {"credit": str}),
    LinkTable("tags", "tags", "article_tags", "tag_id"),
)


def utc_now() -> str:
    """Return the current time as an ISO 8601 UTC string to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreError(Exception):
    """A one-line, user-facing archive error (locked, disk full, not an archive...)."""


@dataclass
class Fetch:
    """One HTTP fetch made by a crawl, successful or not."""

    url: str
    status: int | None
    error: str | None = None
    fetched_at: str | None = field(default_factory=utc_now)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(items: Sequence[Any]) -> str:
    return ", ".join("?" * len(items))


def article_row(article: Article) -> dict[str, Any]:
    """Map an article to its ``articles`` row: scalar fields, ``links`` as JSON text."""
    row = {name: getattr(article, name) for name in ARTICLE_COLUMNS}
    row["links"] = json.dumps(article.links, ensure_ascii=False)
    row["source"] = article.source or None  # a foreign key to ``sources``: no empty name
    return row


def row_article(row: dict[str, Any], lists: dict[str, list[str]]) -> Article:
    """Rebuild an article from its ``articles`` row and its author/agency/tag lists."""
    data = {name: row[name] for name in ARTICLE_COLUMNS}
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
) -> None:
    """Create ``sources``, ``crawls``, ``articles`` and the author/agency/tag tables if missing."""
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
    articles.create_index(["url"], unique=True, if_not_exists=True)
    articles.create_index(["published"], if_not_exists=True)
    articles.create_index(["source"], if_not_exists=True)
    for link in LINK_TABLES:
        names = db.table(link.table)
        names.create({"id": int, "name": str}, pk="id", not_null={"name"}, if_not_exists=True)
        names.create_index(["name"], unique=True, if_not_exists=True)
        links = db.table(link.link_table)
        links.create(
            {"article_id": str, link.key: int, "position": int, **link.extra},
            pk=("article_id", "position"),
            foreign_keys=[("article_id", "articles", "id"), (link.key, link.table, "id")],
            if_not_exists=True,
        )
        links.create_index([link.key], if_not_exists=True)


def write_article_links(db: sqlite_utils.Database, articles: Sequence[Article]) -> None:
    """Replace the author, agency and tag links of ``articles``; call inside a transaction."""
    ids = [a.id for a in articles]
    for link in LINK_TABLES:
        for part in chunks(ids):
            db.execute(f"DELETE FROM {link.link_table} WHERE article_id IN ({_marks(part)})", part)
        names = list(dict.fromkeys(
            n for a in articles for n in getattr(a, link.attribute) if n))
        db.conn.executemany(
            f"INSERT INTO {link.table}(name) VALUES (?) ON CONFLICT(name) DO NOTHING",
            [(n,) for n in names],
        )
        name_ids: dict[str, int] = {}
        for part in chunks(names):
            name_ids.update(db.execute(
                f"SELECT name, id FROM {link.table} WHERE name IN ({_marks(part)})", part
            ).fetchall())
        rows = [
            {"article_id": a.id, link.key: name_ids[name], "position": position,
             **({"credit": a.credit} if link.extra else {})}
            for a in articles
            for position, name in enumerate(n for n in getattr(a, link.attribute) if n)
        ]
        db.table(link.link_table).insert_all(rows)


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
            f" WHERE l.article_id IN ({_marks(ids)}) ORDER BY l.article_id, l.position",
            list(ids),
        )
        for article_id, name in rows:
            lists[article_id][link.attribute].append(name)
    return lists


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


def article_data(article: Article) -> dict[str, Any]:
    """Return every field as a JSON-ready dict, like ``to_dict`` without its deep copies."""
    return {name: getattr(article, name) for name in _FIELD_NAMES}


def fingerprint(article: Article) -> str:
    """Return a hash of everything in ``article`` but its fetch time: same hash, same content."""
    data = article_data(article)
    del data["fetched_at"]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def _store_error(exc: sqlite3.Error, path: Path, timeout: float) -> StoreError | None:
    """Return the user-facing error for an SQLite error a user can meet, else None."""
    message = str(exc).lower()
    if "locked" in message or "busy" in message:
        return StoreError(
            f"archive {path} is locked by another process (waited {timeout:g} s); "
            "try again when it has finished"
        )
    if "disk is full" in message or "disk full" in message:
        return StoreError(f"disk full while writing archive {path}: free some space and retry")
    if "not a database" in message:
        return StoreError(f"{path} is not a news archive (not an SQLite database)")
    if "malformed" in message:
        return StoreError(f"archive {path} is damaged ({exc}); restore it from a backup")
    if "readonly" in message:
        return StoreError(f"archive {path} is open read-only")
    if "unable to open" in message:
        return StoreError(f"cannot open archive {path}")
    return None


P = ParamSpec("P")
R = TypeVar("R")


def _translated(
    method: Callable[Concatenate[Archive, P], R],
) -> Callable[Concatenate[Archive, P], R]:
    """Turn the SQLite errors a user can meet into :class:`StoreError`."""

    @functools.wraps(method)
    def wrapper(archive: Archive, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(archive, *args, **kwargs)
        except sqlite3.Error as exc:
            error = _store_error(exc, archive.path, archive.timeout)
            if error is None:
                raise
            raise error from exc

    return wrapper


class Archive:
    """The archive file: articles, raw pages, crawls and fetches, with an index-pending mark."""

    def __init__(
        self, path: str | Path, *, timeout: float = 30.0, readonly: bool = False
    ) -> None:
        """Open (creating it unless ``readonly``) the archive at ``path``."""
        self.path = Path(path)
        self.timeout = timeout
        self.readonly = readonly
        self._pending_as_of: int | None = None
        self._conn = self._connect()
        self._db = sqlite_utils.Database(self._conn, execute_plugins=False)
        try:
            self._open()
        except BaseException:
            self._conn.close()
            raise

    @_translated
    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            if not self.path.is_file():
                raise StoreError(f"no archive at {self.path}")
            return sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.timeout
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from exc
        return sqlite3.connect(self.path, timeout=self.timeout)

    @_translated
    def _open(self) -> None:
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        if not self.readonly and self._db.journal_mode != "wal":
            self._db.enable_wal()
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and not self.readonly:
            with self._write():
                self._create_schema()
            version = SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise StoreError(f"archive {self.path} was written by a newer version of this tool")
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.path} is not a news archive")

    def _create_schema(self) -> None:
        # Checked again inside the write lock: another process may have just created it.
        if self._conn.execute("PRAGMA user_version").fetchone()[0]:
            return
        if self._db.table_names():
            raise StoreError(f"{self.path} is not a news archive (it holds other tables)")
        create_article_tables(
            self._db,
            extra_columns={"first_seen_crawl": int, "last_crawl": int, "indexed_at": str,
                           "fingerprint": str, "version": int},
            extra_foreign_keys=[("first_seen_crawl", "crawls", "id"),
                                ("last_crawl", "crawls", "id")],
        )
        articles = self._db.table("articles")
        for column in ("indexed_at", "fetched_url", "canonical_url", "version"):
            articles.create_index([column], if_not_exists=True)
        self._db.table("fetches").create(
            {"id": int, "url": str, "status": int, "error": str, "fetched_at": str,
             "crawl_id": int},
            pk="id", not_null={"url"}, foreign_keys=[("crawl_id", "crawls", "id")],
        )
        self._db.table("fetches").create_index(["url"])
        self._db.table("pages").create(
            {"article_id": str, "body": bytes, "encoding": str, "length": int,
             "fetched_at": str},
            pk="article_id", foreign_keys=[("article_id", "articles", "id")],
        )
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        logger.info("created archive schema v%d in %s", SCHEMA_VERSION, self.path)

    @contextmanager
    def _write(self) -> Iterator[None]:
        """Run the block as one write transaction, taking the write lock up front."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            self._db.rollback()
            raise

    @contextmanager
    def _read(self) -> Iterator[None]:
        """Run the block's queries on one snapshot of the archive."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._db.rollback()

    @property
    def db(self) -> sqlite_utils.Database:
        """The sqlite-utils database over this archive's connection."""
        return self._db

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @_translated
    def begin_crawl(self, sources: list[str]) -> int:
        """Record the start of a crawl over ``sources`` and return its id."""
        with self._write():
            cursor = self._conn.execute(
                "INSERT INTO crawls(started, status, sources, stats) VALUES (?, ?, ?, ?)",
                (utc_now(), "running", json.dumps(list(sources)), "{}"),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @_translated
    def finish_crawl(self, crawl_id: int, *, status: str, stats: dict[str, int]) -> None:
        """Record the end of a crawl with its final status and counters."""
        with self._write():
            cursor = self._conn.execute(
                "UPDATE crawls SET finished = ?, status = ?, stats = ? WHERE id = ?",
                (utc_now(), status, json.dumps(stats, sort_keys=True), crawl_id),
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no crawl {crawl_id} in archive {self.path}")

    @_translated
    def add_articles(
        self, batch: list[tuple[Article, bytes]], crawl_id: int | None = None
    ) -> dict[str, int]:
        """Store a batch of (article, raw body) in one transaction; count new/updated/unchanged.

        Unchanged articles (same content, whatever the fetch time) are not rewritten; new
        and changed ones are marked pending for the index.
        """
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        with self._write():
            ids = list(dict.fromkeys(article.id for article, _ in batch))
            known: dict[str, str] = {}
            for part in chunks(ids):
                known.update(self._conn.execute(
                    f"SELECT id, fingerprint FROM articles WHERE id IN ({_marks(part)})", part
                ).fetchall())
            new: dict[str, tuple[Article, bytes]] = {}
            changed: dict[str, tuple[Article, bytes]] = {}
            for article, body in batch:
                digest = fingerprint(article)
                if article.id not in known:
                    counts["new"] += 1
                    new[article.id] = (article, body)
                elif known[article.id] == digest:
                    counts["unchanged"] += 1
                    continue
                else:
                    counts["updated"] += 1
                    # Stored earlier in this batch: still one row to insert, just newer.
                    (new if article.id in new else changed)[article.id] = (article, body)
                known[article.id] = digest
            stored = [*new.values(), *changed.values()]
            version = self._version() + 1
            self._db.table("sources").insert_all(
                [source_row(a) for a, _ in stored if a.source], pk="name", ignore=True
            )
            articles = self._db.table("articles")
            articles.insert_all(
                [{**article_row(a), "fingerprint": known[a.id], "version": version,
                  "first_seen_crawl": crawl_id, "last_crawl": crawl_id, "indexed_at": None}
                 for a, _ in new.values()]
            )
            articles.upsert_all(
                [{**article_row(a), "fingerprint": known[a.id], "version": version,
                  "last_crawl": crawl_id, "indexed_at": None} for a, _ in changed.values()],
                pk="id",
            )
            write_article_links(self._db, [a for a, _ in stored])
            bodiless = [a.id for a, body in changed.values() if not body]
            for part in chunks(bodiless):  # the old page belongs to the old version
                self._conn.execute(f"DELETE FROM pages WHERE article_id IN ({_marks(part)})", part)
            self._db.table("pages").upsert_all(
                [{"article_id": a.id, "body": zlib.compress(body), "encoding": PAGE_ENCODING,
                  "length": len(body), "fetched_at": a.fetched_at or utc_now()}
                 for a, body in stored if body],
                pk="article_id",
            )
        logger.debug("stored batch of %d: %s", len(batch), counts)
        return counts

    @_translated
    def record_fetches(self, fetches: list[Fetch], crawl_id: int | None = None) -> None:
        """Record HTTP fetches (successes and failures) in one transaction."""
        with self._write():
            self._conn.executemany(
                "INSERT INTO fetches(url, status, error, fetched_at, crawl_id)"
                " VALUES (?, ?, ?, ?, ?)",
                [(f.url, f.status, f.error, f.fetched_at or utc_now(), crawl_id)
                 for f in fetches],
            )

    @_translated
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Return which of these identity URLs are already archived."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for part in chunks(wanted):
            found.update(url for (url,) in self._conn.execute(
                f"SELECT url FROM articles WHERE url IN ({_marks(part)})", part
            ))
        return found

    def has_url(self, url: str) -> bool:
        """Tell whether this identity URL is archived."""
        return bool(self.known_urls([url]))

    @_translated
    def get(self, key: str) -> Article | None:
        """Return the article with this id, identity, fetched or canonical URL, if stored."""
        key = key.strip()
        if ARTICLE_ID.fullmatch(key.lower()):
            found = self.get_many([key.lower()])
            return found[0] if found else None
        queries = ["SELECT id FROM articles WHERE url = ?",
                   "SELECT id FROM articles WHERE fetched_url = ? OR canonical_url = ?"]
        candidates = [key]
        try:
            candidates.append(normalize_url(key))
        except ValueError:
            logger.debug("cannot normalise %r", key)
        for candidate in candidates:
            for sql in queries:
                row = self._conn.execute(sql, [candidate] * sql.count("?")).fetchone()
                if row:
                    return self.get_many([row[0]])[0]
        return None

    @_translated
    def get_many(self, ids: list[str]) -> list[Article]:
        """Return the stored articles with these ids, in the given order, skipping missing ones."""
        found: dict[str, Article] = {}
        unique = list(dict.fromkeys(ids))
        for part in chunks(unique):
            with self._read():
                cursor = self._conn.execute(
                    f"SELECT * FROM articles WHERE id IN ({_marks(part)})", part
                )
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, values, strict=True)) for values in cursor]
                lists = read_article_lists(self._conn, [row["id"] for row in rows])
            found.update((row["id"], row_article(row, lists[row["id"]])) for row in rows)
        return [found[i] for i in ids if i in found]

    @_translated
    def raw_html(self, article_id: str) -> bytes | None:
        """Return the raw response body stored for an article, if any."""
        row = self._conn.execute(
            "SELECT body, encoding FROM pages WHERE article_id = ?", [article_id]
        ).fetchone()
        if row is None:
            return None
        body, encoding = row
        if encoding != PAGE_ENCODING:
            raise StoreError(f"page of {article_id} has an unknown encoding {encoding!r}")
        return zlib.decompress(body)

    @_translated
    def article_ids(
        self,
        *,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> list[str]:
        """Return the ids of the articles matching the filters, in iteration order.

        Without ``ids`` the order is by publication date (undated last), then id; with
        ``ids`` it is the given order, filtered.
        """
        where, params = published_filter(since, until)
        if source is not None:
            where.append("source = ?")
            params.append(source)
        condition = " AND ".join(where) or "1"
        if ids is None:
            return [row[0] for row in self._conn.execute(
                f"SELECT id FROM articles WHERE {condition}"
                " ORDER BY published IS NULL, published, id",
                params,
            )]
        wanted = list(dict.fromkeys(ids))
        matching: set[str] = set()
        for part in chunks(wanted):
            matching.update(row[0] for row in self._conn.execute(
                f"SELECT id FROM articles WHERE id IN ({_marks(part)}) AND {condition}",
                [*part, *params],
            ))
        return [i for i in wanted if i in matching]

    def iter_articles(
        self,
        *,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> Iterator[Article]:
        """Yield the matching articles (see :meth:`article_ids` for filters and order)."""
        selected = self.article_ids(source=source, since=since, until=until, ids=ids)
        for part in chunks(selected):
            yield from self.get_many(list(part))

    def _version(self) -> int:
        """Return the version of the latest write: every stored batch gets the next one."""
        row = self._conn.execute("SELECT coalesce(max(version), 0) FROM articles").fetchone()
        return int(row[0])

    @_translated
    def pending_ids(self, limit: int | None = None) -> list[str]:
        """Return the ids of stored articles not yet in the search index, oldest first.

        Also notes the archive version seen, for :meth:`mark_indexed`.
        """
        with self._read():
            self._pending_as_of = self._version()
            return [row[0] for row in self._conn.execute(
                "SELECT id FROM articles WHERE indexed_at IS NULL ORDER BY rowid LIMIT ?",
                [-1 if limit is None else limit],
            )]

    @_translated
    def mark_indexed(self, ids: list[str]) -> None:
        """Record that these articles are now in the search index.

        After :meth:`pending_ids`, an article changed since that call is left pending: the
        index may hold its older version, so the next sync takes it again.
        """
        as_of = self._pending_as_of
        unchanged = "1" if as_of is None else "version <= ?"
        now = utc_now()
        with self._write():
            for part in chunks(list(ids)):
                self._conn.execute(
                    f"UPDATE articles SET indexed_at = ? WHERE id IN ({_marks(part)})"
                    f" AND {unchanged}",
                    [now, *part, *([] if as_of is None else [as_of])],
                )

    @_translated
    def mark_all_pending(self) -> None:
        """Mark every article pending, for a rebuild of the search index."""
        with self._write():
            self._conn.execute("UPDATE articles SET indexed_at = NULL")

    @_translated
    def count(self) -> int:
        """Return the number of stored articles."""
        return int(self._conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    @_translated
    def crawls(self) -> list[dict[str, Any]]:
        """Return every crawl row, oldest first, with ``sources`` and ``stats`` decoded."""
        return [
            {**row, "sources": json.loads(row["sources"] or "[]"),
             "stats": json.loads(row["stats"] or "{}")}
            for row in self._db.query("SELECT * FROM crawls ORDER BY id")
        ]

    @_translated
    def stats(self) -> dict[str, Any]:
        """Return a summary: counts per source and agency, date range, last crawl, pending."""
        conn = self._conn
        with self._read():
            articles, first, last, pending = conn.execute(
                "SELECT count(*), min(published), max(published),"
                " sum(indexed_at IS NULL) FROM articles"
            ).fetchone()
            sources = dict(conn.execute(
                "SELECT coalesce(source, ''), count(*) FROM articles"
                " GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall())
            authors = conn.execute(
                "SELECT count(DISTINCT author_id) FROM article_authors"
            ).fetchone()[0]
            agencies = dict(conn.execute(
                "SELECT a.name, count(DISTINCT l.article_id) FROM article_agencies l"
                " JOIN agencies a ON a.id = l.agency_id GROUP BY a.name ORDER BY 2 DESC, 1"
            ).fetchall())
            crawls = self.crawls()
        return {
            "articles": articles,
            "sources": sources,
            "authors": authors,
            "agencies": agencies,
            "first_published": first,
            "last_published": last,
            "last_crawl": crawls[-1] if crawls else None,
            "pending_index": pending or 0,
        }
