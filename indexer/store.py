"""The SQLite archive: the record of truth for every stored article, page and crawl.

One file opened through :class:`Archive`. Articles live in ``articles`` with their
authors, agencies and tags in normalised tables; ``pages`` says where the raw response of
each article lies (``FILE:OFFSET`` in the WARC files of ``warc/`` beside the store) or,
for pages that came without a WARC record, keeps it compressed; ``revisions`` keeps the
earlier versions of articles whose title or text changed; ``syndication`` groups the
copies of one story; ``crawls`` and ``fetches`` record what each run did. An article whose
``indexed_at`` is NULL is pending for the search index.

Schema versions (``PRAGMA user_version``): 1 articles, pages, crawls, fetches; 2 adds WARC
locations to ``pages``, ``revisions`` and the syndication tables; 3 the ``kicker`` column of
``articles``; 4 adds ``aliases`` (every address an article was reached by,
:mod:`indexer.aliases`). Opening an older archive upgrades it in place.

Concurrency: WAL journal, a busy timeout on every connection and ``BEGIN IMMEDIATE``
for writes, so readers never wait and a writer waits at most ``timeout`` seconds for
another writer before a :class:`StoreError` says the archive is locked.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import socket
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np
import sqlite_utils

from indexer import aliases, syndication
from indexer.article import Article
from indexer.schema import (
    ARTICLE_ID,
    MIGRATIONS,
    PAGE_COLUMNS,
    PAGE_ENCODING,
    SCHEMA_VERSION,
    UPSERT_PAGE,
    Entry,
    article_data,
    article_row,
    chunks,
    create_article_tables,
    fingerprint,
    marks,
    page_row,
    read_article_lists,
    row_article,
    source_row,
    utc_now,
    write_article_links,
)
from indexer.urls import normalize_url
from indexer.warcfile import WarcError, WarcLocation, WarcResponse, read_response, warc_dir

logger = logging.getLogger(__name__)

NEARLY_FULL_BYTES = 1 << 20  # less room than this on a disk I/O error: the disk is full
_DATE_PREFIX = re.compile(r"\d{4}(-\d{2}(-\d{2}([T ].*)?)?)?")
# Sorts after every character an ISO date can hold: ``until`` takes in its whole period.
_PERIOD_END = "\uffff"


class StoreError(Exception):
    """A one-line, user-facing archive error (locked, disk full, not an archive...)."""


@dataclass
class Fetch:
    """One HTTP fetch made by a crawl, successful or not."""

    url: str
    status: int | None
    error: str | None = None
    fetched_at: str | None = field(default_factory=utc_now)


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


def _disk_nearly_full(path: Path) -> bool:
    """Whether the disk holding ``path`` has too little room left for SQLite's own files.

    On a full disk SQLite often reports a generic "disk I/O error" (it cannot grow its
    shared-memory or journal file) rather than SQLITE_FULL.
    """
    try:
        stat = os.statvfs(path.parent)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < NEARLY_FULL_BYTES


def _store_error(exc: sqlite3.Error, path: Path, timeout: float) -> StoreError | None:
    """Return the user-facing error for an SQLite error a user can meet, else None."""
    message = str(exc).lower()
    if "locked" in message or "busy" in message:
        return StoreError(
            f"archive {path} is locked by another process (waited {timeout:g} s); "
            "try again when it has finished"
        )
    if "disk is full" in message or "disk full" in message or (
        "disk i/o error" in message and _disk_nearly_full(path)
    ):
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


def _process_alive(pid: object) -> bool:
    """Whether a process with this id exists on this machine."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


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
            return self._connect_readonly()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from exc
        return sqlite3.connect(self.path, timeout=self.timeout)

    def _connect_readonly(self) -> sqlite3.Connection:
        """Open for reading; on a read-only mount (a backup, a shared copy) as immutable.

        SQLite reads a WAL database only where it can create the ``-shm`` file beside it.
        Where it cannot, and the folder is not writable, nobody can be writing the archive
        either: it is read as an immutable file, as of its last checkpoint.
        """
        uri = self.path.resolve().as_uri()
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=self.timeout)
        try:
            conn.execute("PRAGMA user_version").fetchone()
            return conn
        except sqlite3.OperationalError:
            if os.access(self.path.parent, os.W_OK):
                raise
            conn.close()
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.is_file() and wal.stat().st_size:
            logger.warning("%s is read-only and has a write-ahead log: its last changes "
                           "are not shown", self.path)
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=self.timeout)

    @_translated
    def _open(self) -> None:
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        if not self.readonly and self._db.journal_mode != "wal":
            self._db.enable_wal()
        version = self._schema_version()
        if version == 0 and not self.readonly:
            with self._write():
                self._create_schema()
            version = self._schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(f"archive {self.path} was written by a newer version of this tool")
        if 0 < version < SCHEMA_VERSION:
            if self.readonly:  # upgraded by a writing connection, when the file allows it
                self._upgrade_for_reading()
            else:
                with self._write():
                    self._migrate()
            version = SCHEMA_VERSION
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.path} is not a news archive")

    def _upgrade_for_reading(self) -> None:
        """Upgrade an older archive opened read-only (after an update of this tool, the
        first command run may be a reading one); refuse when it cannot be written."""
        if not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK):
            raise StoreError(
                f"archive {self.path} has an older format and cannot be upgraded here "
                "(read-only): open it once for writing where it can be"
            )
        Archive(self.path, timeout=self.timeout).close()

    def _schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        """Upgrade the schema step by step to SCHEMA_VERSION; call inside the write lock."""
        version = self._schema_version()  # again: another process may have just done it
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](self._db)
            version += 1
            self._conn.execute(f"PRAGMA user_version = {version}")
            logger.info("upgraded archive %s to schema v%d", self.path, version)

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
        self._conn.execute("PRAGMA user_version = 1")
        logger.info("created archive schema v1 in %s", self.path)

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
        """Record the start of a crawl over ``sources`` and return its id.

        The row says which process runs the crawl, so that a later run can tell a crawl
        that was killed (its row still ``running``, its process gone) and mark it
        ``killed``.
        """
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        with self._write():
            self._mark_killed_crawls()
            cursor = self._conn.execute(
                "INSERT INTO crawls(started, status, sources, stats) VALUES (?, ?, ?, ?)",
                (utc_now(), "running", json.dumps(list(sources)), json.dumps(owner)),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _mark_killed_crawls(self) -> None:
        """Mark ``killed`` the running crawls whose process on this host is gone."""
        host = socket.gethostname()
        for crawl_id, stats in self._conn.execute(
            "SELECT id, stats FROM crawls WHERE status = 'running'"
        ).fetchall():
            owner = json.loads(stats or "{}")
            if owner.get("host") == host and not _process_alive(owner.get("pid")):
                self._conn.execute(
                    "UPDATE crawls SET status = 'killed', finished = ? WHERE id = ?",
                    (utc_now(), crawl_id),
                )
                logger.info("crawl %d had been killed: marked so", crawl_id)

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
        self,
        batch: Sequence[tuple[Article, bytes] | Entry],
        crawl_id: int | None = None,
        *,
        signatures: Mapping[str, np.ndarray | None] | None = None,
        fetches: Sequence[Fetch] = (),
        reached_by: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, int]:
        """Store a batch of (article, raw body[, WARC location]) in one transaction; count.

        Counts new/updated/unchanged. Unchanged articles (same content, whatever the fetch
        time) are not rewritten; new and changed ones are marked pending for the index. A
        page with a WARC location (``FILE:OFFSET``) is not copied: ``pages`` points at its
        record. When a changed article's title or text differs, the stored version is kept
        in ``revisions`` first.

        ``signatures`` may give, by article id, the MinHash signature of the text
        (:func:`indexer.syndication.signature`, None for a text too short) computed
        elsewhere, e.g. in the process that extracted the article; articles missing from
        it get theirs computed here. ``fetches`` are recorded in the same transaction (as
        :meth:`record_fetches` does).

        An article claiming the identity of a different archived one (another address,
        another text) is kept apart under its own address (counted ``kept_apart``), never
        written over it. Every address an article was reached by (its fetched URL, and
        ``reached_by`` by fetched URL: e.g. the URL requested before a redirect) becomes an
        alias of it, that :meth:`known_urls` knows.
        """
        counts = {"new": 0, "updated": 0, "unchanged": 0, "kept_apart": 0}
        with self._write():
            apart, counts["kept_apart"] = aliases.keep_apart(self._conn, [e[0] for e in batch])
            entries: list[Entry] = [
                (article, e[1], e[2] if len(e) > 2 else None)
                for article, e in zip(apart, batch, strict=True)
            ]
            known = self._fingerprints([article.id for article, _, _ in entries])
            new: dict[str, Entry] = {}
            changed: dict[str, Entry] = {}
            digests: dict[str, str] = {}
            for entry in entries:
                article = entry[0]
                digest = digests[article.id] = fingerprint(article)
                if article.id not in known:
                    counts["new"] += 1
                    new[article.id] = entry
                elif known[article.id] == digest:
                    counts["unchanged"] += 1
                    continue
                else:
                    counts["updated"] += 1
                    # Stored earlier in this batch: still one row to insert, just newer.
                    (new if article.id in new else changed)[article.id] = entry
                known[article.id] = digest
            self._save_revisions([article for article, _, _ in changed.values()])
            self._write_articles(
                [a for a, _, _ in new.values()], [a for a, _, _ in changed.values()],
                {"last_crawl": crawl_id}, {"first_seen_crawl": crawl_id}, digests,
            )
            stored = [*new.values(), *changed.values()]
            pageless = [a.id for a, body, location in changed.values() if not (body or location)]
            for part in chunks(pageless):  # the old page belongs to the old version
                self._conn.execute(f"DELETE FROM pages WHERE article_id IN ({marks(part)})", part)
            pages = [page_row(*entry) for entry in stored if entry[1] or entry[2]]
            if pages:
                self._conn.executemany(UPSERT_PAGE, [[row[c] for c in PAGE_COLUMNS]
                                                      for row in pages])
            self._group_copies([article for article, _, _ in stored], signatures, set(new))
            reached_by = reached_by or {}
            aliases.record(self._conn, [
                (url, a.id) for a, _, _ in entries
                for url in (a.url, a.fetched_url, *reached_by.get(a.fetched_url, ()))
            ])
            if fetches:
                self._insert_fetches(fetches, crawl_id)
        logger.debug("stored batch of %d: %s", len(batch), counts)
        return counts

    @_translated
    def update_extractions(self, articles: Sequence[Article]) -> int:
        """Replace the stored fields of already archived articles re-extracted from their pages.

        Pages, revisions and crawl marks stay; articles whose content did not change are not
        rewritten. Changed articles, and those never looked at for syndicated copies (in an
        archive upgraded from schema v1), are grouped again. Return how many were updated
        (and are now pending for the index).
        """
        with self._write():
            known = self._fingerprints([a.id for a in articles])
            changed = {
                a.id: a for a in articles if a.id in known and known[a.id] != fingerprint(a)
            }
            self._write_articles([], list(changed.values()), {}, {})
            grouped = set(self.stories([a.id for a in articles]))
            self._group_copies([a for a in articles if a.id in changed or a.id not in grouped])
        return len(changed)

    def _fingerprints(self, ids: Sequence[str]) -> dict[str, str]:
        known: dict[str, str] = {}
        for part in chunks(list(dict.fromkeys(ids))):
            known.update(self._conn.execute(
                f"SELECT id, fingerprint FROM articles WHERE id IN ({marks(part)})", part
            ).fetchall())
        return known

    def _write_articles(
        self,
        new: Sequence[Article],
        changed: Sequence[Article],
        marks: dict[str, Any],
        first_marks: dict[str, Any],
        digests: Mapping[str, str] | None = None,
    ) -> None:
        """Insert ``new`` and overwrite ``changed`` rows with their links, as the next version.

        ``marks`` are extra columns for both, ``first_marks`` extra columns of new rows;
        ``digests`` the articles' :func:`fingerprint` by id, if already computed.
        """
        stored = [*new, *changed]
        if not stored:
            return
        version = self._version() + 1
        self._db.table("sources").insert_all(
            [source_row(a) for a in stored if a.source], pk="name", ignore=True
        )
        digests = digests or {}

        def row(article: Article) -> dict[str, Any]:
            digest = digests.get(article.id) or fingerprint(article)
            return {**article_row(article), "fingerprint": digest,
                    "version": version, "indexed_at": None, **marks}

        articles = self._db.table("articles")
        articles.insert_all([{**row(a), **first_marks} for a in new])
        articles.upsert_all([row(a) for a in changed], pk="id")
        write_article_links(self._db, stored)

    def _group_copies(
        self,
        articles: Sequence[Article],
        signatures: Mapping[str, np.ndarray | None] | None = None,
        fresh: Set[str] = frozenset(),
    ) -> None:
        """Find the syndicated copies of these just-stored articles; record their stories.

        ``signatures`` are precomputed signatures by id (see :meth:`add_articles`);
        ``fresh`` the ids stored for the first time, which have no story to leave yet.
        """
        signatures = signatures or {}
        for article in articles:
            if article.id not in fresh:
                self._ungroup(article.id)
            if article.id in signatures:
                sig = signatures[article.id]
            else:
                sig = syndication.signature(article.text)
            if sig is None:
                continue
            buckets = syndication.band_buckets(sig)
            candidates = self._conn.execute(
                "SELECT DISTINCT s.article_id, s.story, s.signature FROM syndication_bands b"
                " JOIN syndication s ON s.article_id = b.article_id"
                f" WHERE b.bucket IN ({marks(buckets)})", buckets,
            ).fetchall()
            stories: set[str] = set()
            if candidates:
                similar = syndication.similarities(sig, [blob for _, _, blob in candidates])
                stories = {story for (_, story, _), value in zip(candidates, similar, strict=True)
                           if value >= syndication.THRESHOLD}
            story = min(stories) if stories else article.id
            merged = sorted(stories - {story})  # this article bridges several stories
            if merged:
                self._conn.execute(
                    f"UPDATE syndication SET story = ? WHERE story IN ({marks(merged)})",
                    [story, *merged],
                )
            self._conn.execute(
                "INSERT INTO syndication(article_id, story, signature) VALUES (?, ?, ?)",
                [article.id, story, syndication.to_blob(sig)],
            )
            self._conn.executemany(
                "INSERT INTO syndication_bands(bucket, article_id) VALUES (?, ?)",
                [(bucket, article.id) for bucket in buckets],
            )

    def _ungroup(self, article_id: str) -> None:
        """Take an article out of its story; a story named after it is renamed."""
        self._conn.execute("DELETE FROM syndication_bands WHERE article_id = ?", [article_id])
        self._conn.execute("DELETE FROM syndication WHERE article_id = ?", [article_id])
        rest = self._conn.execute(
            "SELECT min(article_id) FROM syndication WHERE story = ?", [article_id]
        ).fetchone()[0]
        if rest is not None:
            self._conn.execute(
                "UPDATE syndication SET story = ? WHERE story = ?", [rest, article_id]
            )

    @_translated
    def stories(self, ids: Sequence[str]) -> dict[str, str]:
        """Return ``{article id: story id}`` for those of these articles grouped by syndication.

        Articles with the same story id are copies of one story; an article alone in its
        story has none.
        """
        found: dict[str, str] = {}
        for part in chunks(list(dict.fromkeys(ids))):
            found.update(self._conn.execute(
                f"SELECT article_id, story FROM syndication WHERE article_id IN ({marks(part)})",
                part,
            ).fetchall())
        return found

    @_translated
    def copies(self, article_id: str) -> list[str]:
        """Return the ids of the other copies of an article's story, oldest publication first."""
        return [row[0] for row in self._conn.execute(
            "SELECT other.article_id FROM syndication mine"
            " JOIN syndication other ON other.story = mine.story"
            " AND other.article_id != mine.article_id"
            " JOIN articles a ON a.id = other.article_id"
            " WHERE mine.article_id = ? ORDER BY a.published IS NULL, a.published, a.id",
            [article_id],
        )]

    def _save_revisions(self, articles: Sequence[Article]) -> None:
        """Keep the stored version of each article whose title or text is about to change."""
        ids = [a.id for a in articles]
        old = {a.id: a for a in self.get_many(ids)}
        revised = [old[a.id] for a in articles
                   if (old[a.id].title, old[a.id].text) != (a.title, a.text)]
        if not revised:
            return
        placeholders = marks(revised)
        numbers = dict(self._conn.execute(
            f"SELECT article_id, max(revision) FROM revisions WHERE article_id IN ({placeholders})"
            " GROUP BY article_id", [a.id for a in revised]).fetchall())
        places = {row[0]: row[1:] for row in self._conn.execute(
            "SELECT article_id, warc_file, warc_offset FROM pages"
            f" WHERE article_id IN ({placeholders})",
            [a.id for a in revised])}
        now = utc_now()
        self._db.table("revisions").insert_all(
            {"article_id": a.id, "revision": numbers.get(a.id, 0) + 1, "saved_at": now,
             "fetched_at": a.fetched_at, "title": a.title, "text": a.text,
             "data": json.dumps(article_data(a), ensure_ascii=False),
             "warc_file": places.get(a.id, (None, None))[0],
             "warc_offset": places.get(a.id, (None, None))[1]}
            for a in revised
        )
        logger.info("kept %d earlier versions as revisions", len(revised))

    @_translated
    def record_fetches(self, fetches: list[Fetch], crawl_id: int | None = None) -> None:
        """Record HTTP fetches (successes and failures) in one transaction."""
        with self._write():
            self._insert_fetches(fetches, crawl_id)

    def _insert_fetches(self, fetches: Sequence[Fetch], crawl_id: int | None) -> None:
        self._conn.executemany(
            "INSERT INTO fetches(url, status, error, fetched_at, crawl_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [(f.url, f.status, f.error, f.fetched_at or utc_now(), crawl_id) for f in fetches],
        )

    @_translated
    def failed_urls(self, max_attempts: int = 3) -> list[str]:
        """URLs whose fetches all failed for a passing reason (network error, 429, 5xx),
        fewer than ``max_attempts`` times, and that are not archived: worth a retry."""
        with self._read():
            rows = self._conn.execute(
                "SELECT f.url FROM fetches f GROUP BY f.url"
                " HAVING count(*) < ? AND sum(f.status BETWEEN 200 AND 499"
                " AND f.status != 429) = 0"
                " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.fetched_url = f.url)",
                (max_attempts,),
            ).fetchall()
        return [r[0] for r in rows]

    @_translated
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Return which of these identity URLs lead to an archived article (its identity or
        an address it was reached by)."""
        return aliases.known(self._conn, list(dict.fromkeys(urls)))

    @_translated
    def young_article(self, url: str, days: int) -> str | None:
        """Return the id of the article at this identity URL if it is under ``days`` days old.

        Its age runs from its publication date, else from when it was fetched.
        """
        cutoff = (datetime.now(UTC) - timedelta(days=days)).date().isoformat()
        row = self._conn.execute(
            "SELECT id FROM articles WHERE url = ? AND coalesce(published, fetched_at) >= ?",
            [url, cutoff],
        ).fetchone()
        return row[0] if row else None

    @_translated
    def revisions(self, article_id: str) -> list[dict[str, Any]]:
        """Return the earlier versions kept for an article, oldest first."""
        return list(self._db.query(
            "SELECT revision, saved_at, fetched_at, title, text, warc_file, warc_offset"
            " FROM revisions WHERE article_id = ? ORDER BY revision", [article_id],
        ))

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
                    f"SELECT * FROM articles WHERE id IN ({marks(part)})", part
                )
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, values, strict=True)) for values in cursor]
                lists = read_article_lists(self._conn, [row["id"] for row in rows])
            found.update((row["id"], row_article(row, lists[row["id"]])) for row in rows)
        return [found[i] for i in ids if i in found]

    @property
    def warc_dir(self) -> Path:
        """The folder of this archive's WARC files."""
        return warc_dir(self.path)

    @_translated
    def page_location(self, article_id: str) -> WarcLocation | None:
        """Return where the response of an article lies in the WARC files, if it was recorded."""
        row = self._conn.execute(
            "SELECT warc_file, warc_offset FROM pages WHERE article_id = ?", [article_id]
        ).fetchone()
        return WarcLocation(row[0], row[1]) if row and row[0] else None

    def read_warc(self, location: WarcLocation) -> WarcResponse:
        """Return the response recorded at ``location`` in this archive's WARC files."""
        try:
            return read_response(self.warc_dir, location)
        except WarcError as exc:
            raise StoreError(str(exc)) from exc

    @_translated
    def raw_html(self, article_id: str) -> bytes | None:
        """Return the raw response body stored for an article (from its WARC record), if any."""
        row = self._conn.execute(
            "SELECT body, encoding, warc_file, warc_offset FROM pages WHERE article_id = ?",
            [article_id],
        ).fetchone()
        if row is None:
            return None
        body, encoding, warc_file, warc_offset = row
        if warc_file:
            return self.read_warc(WarcLocation(warc_file, warc_offset)).body
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
                f"SELECT id FROM articles WHERE id IN ({marks(part)}) AND {condition}",
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
                    f"UPDATE articles SET indexed_at = ? WHERE id IN ({marks(part)})"
                    f" AND {unchanged}",
                    [now, *part, *([] if as_of is None else [as_of])],
                )

    @_translated
    def source_names(self) -> list[str]:
        """Return the names of the sources the archive holds articles of, sorted."""
        return [r[0] for r in self._conn.execute("SELECT name FROM sources ORDER BY name")]

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
        """Return a summary: counts per source and agency, date range, last crawl (and what it
        did not archive, by reason), pending."""
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
            # pages the last crawl fetched but did not archive, by reason
            "not_stored": {
                key.split("/", 1)[1]: count
                for key, count in (crawls[-1]["stats"] if crawls else {}).items()
                if key.startswith("not_stored/")
            },
            "pending_index": pending or 0,
        }
