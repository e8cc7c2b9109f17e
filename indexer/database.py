"""The archive file: opening, creating and upgrading it, and its transactions.

:class:`ArchiveFile` owns the SQLite connection of an archive: WAL journal, a busy timeout
on every connection and ``BEGIN IMMEDIATE`` for writes, so readers never wait and a writer
waits at most ``timeout`` seconds for another writer before a :class:`StoreError` says the
archive is locked. A read-only archive on a read-only mount is read as an immutable file.
Schema versions and their migrations are in :mod:`indexer.schema`; what the archive holds
and does is :class:`indexer.store.Archive`, built on this class.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import sqlite_utils

from indexer.packed import pack, repack_against_text, stale_against_text
from indexer.readonly import connect_readonly
from indexer.schema import MIGRATIONS, create_article_tables
from indexer.schema_version import SCHEMA_VERSION, newer_archive

logger = logging.getLogger(__name__)

NEARLY_FULL_BYTES = 1 << 20  # less room than this on a disk I/O error: the disk is full
# Page cache of a writing connection, in KiB (SQLite's default is 2,000): a stored batch
# adds entries all over the syndication band index; with the default, dirty pages spill
# to the log mid-transaction and are written again (20k bench articles in batches of
# 10,000: 13.0 KB written per article, 9.1 with this; taken only as pages are used).
WRITER_CACHE_KIB = 65_536
# SQLite's page size of the archive file. An article row (its packed text) takes 1-3 KB:
# on SQLite's default 4 KiB pages one or two fit and the rest of the page is lost (24k
# bench articles: the ``articles`` table 2,609 B per article on 4 KiB pages, 2,060 on
# 16 KiB). New archives get it; ``vacuum`` moves older ones to it when it can.
PAGE_SIZE = 16_384


class StoreError(Exception):
    """A one-line, user-facing archive error (locked, disk full, not an archive...)."""


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
    if (
        "disk is full" in message
        or "disk full" in message
        or ("disk i/o error" in message and _disk_nearly_full(path))
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


P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound="ArchiveFile")


def translated(
    method: Callable[Concatenate[F, P], R],
) -> Callable[Concatenate[F, P], R]:
    """Turn the SQLite errors a user can meet into :class:`StoreError`."""

    @functools.wraps(method)
    def wrapper(archive: F, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(archive, *args, **kwargs)
        except sqlite3.Error as exc:
            error = _store_error(exc, archive.path, archive.timeout)
            if error is None:
                raise
            raise error from exc

    return wrapper


class ArchiveFile:
    """An archive's SQLite file, open, at the current schema version."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0, readonly: bool = False) -> None:
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

    @translated
    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            if not self.path.is_file():
                raise StoreError(f"no archive at {self.path}")
            return connect_readonly(self.path, self.timeout)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from exc
        return sqlite3.connect(self.path, timeout=self.timeout)

    @translated
    def _open(self) -> None:
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        if not self.readonly:
            self._conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            if not self._conn.execute("PRAGMA page_count").fetchone()[0]:  # a new file
                self._conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if not self.readonly and self._db.journal_mode != "wal":
            self._db.enable_wal()
        version = self._schema_version()
        if version == 0 and not self.readonly:
            with self._write():
                self._create_schema()
            version = self._schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(newer_archive(self.path))
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
        type(self)(self.path, timeout=self.timeout).close()

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
            extra_columns={
                "first_seen_crawl": int,
                "last_crawl": int,
                "indexed_at": str,
                "fingerprint": str,
                "version": int,
            },
            extra_foreign_keys=[
                ("first_seen_crawl", "crawls", "id"),
                ("last_crawl", "crawls", "id"),
            ],
            link_indexes=False,
        )
        articles = self._db.table("articles")
        articles.create_index(["indexed_at"], if_not_exists=True)
        self._db.table("fetches").create(
            {
                "id": int,
                "url": str,
                "status": int,
                "error": str,
                "fetched_at": str,
                "crawl_id": int,
            },
            pk="id",
            not_null={"url"},
            foreign_keys=[("crawl_id", "crawls", "id")],
        )
        self._db.table("fetches").create_index(["url"])
        self._db.table("pages").create(
            {"article_id": str, "body": bytes, "encoding": str, "length": int, "fetched_at": str},
            pk="article_id",
            foreign_keys=[("article_id", "articles", "id")],
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

    @translated
    def vacuum(self) -> None:
        """Rewrite the file without the free pages deletions leave (SQLite VACUUM), its
        write-ahead log emptied before and after; waits for other writers like a write.

        Article bodies written before the current packing are packed first: texts written
        plain (before schema v6), Markdown and descriptions written plain or zlib'd without
        their text (:mod:`indexer.packed`); their content, version and index mark stay."""
        for name, function in (("pack", pack), ("repack", repack_against_text),
                               ("stale", stale_against_text)):
            self._conn.create_function(name, function.__code__.co_argcount, function,
                                       deterministic=True)
        with self._write():
            self._conn.execute("UPDATE articles SET text = pack(text)"
                               " WHERE typeof(text) = 'text' AND text != ''")
            for column in ("markdown", "description"):  # (not rows it would leave as they are)
                self._conn.execute(
                    f"UPDATE articles SET {column} = repack({column}, text) WHERE"
                    f" stale({column}) AND repack({column}, text) IS NOT {column}")
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if self._conn.execute("PRAGMA page_size").fetchall() == [(PAGE_SIZE,)]:
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # (VACUUM wrote the log)
        else:
            self._vacuum_to_page_size()

    def _vacuum_to_page_size(self) -> None:
        """VACUUM into :data:`PAGE_SIZE` pages (written before it was chosen). SQLite
        changes the page size only out of WAL mode, which needs the file to itself: while
        another process has it open, a plain VACUUM is done, the next one tries again."""
        try:
            mode = self._conn.execute("PRAGMA journal_mode = DELETE").fetchall()[0][0]
        except sqlite3.OperationalError:  # busy
            mode = "wal"
        if mode != "delete":
            logger.info("archive in use: its page size stays until the next vacuum")
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        self._conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        try:
            self._conn.execute("VACUUM")  # (with a rollback journal: the log stays empty)
        finally:
            self._conn.execute("PRAGMA journal_mode = WAL").fetchall()

    @property
    def db(self) -> sqlite_utils.Database:
        """The sqlite-utils database over this archive's connection."""
        return self._db

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self: F) -> F:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
