"""What crawls did, in the archive: the ``crawls`` rows (who runs one, how it ended, its
counters) and the ``fetches`` of every URL (successes and failures, for retries)."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.database import ArchiveFile, StoreError, translated
from indexer.schema import utc_now

logger = logging.getLogger(__name__)


@dataclass
class Fetch:
    """One HTTP fetch made by a crawl, successful or not."""

    url: str
    status: int | None
    error: str | None = None
    fetched_at: str | None = field(default_factory=utc_now)


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


class CrawlRecords(ArchiveFile):
    """The archive's crawl and fetch records (a part of :class:`indexer.store.Archive`)."""

    @translated
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

    @translated
    def note_crawl(self, crawl_id: int, fields: Mapping[str, Any]) -> None:
        """Merge ``fields`` into a running crawl's stats (say, the health of its workers)."""
        with self._write():
            self._conn.execute(
                "UPDATE crawls SET stats = json_patch(coalesce(stats, '{}'), ?) WHERE id = ?",
                (json.dumps(fields), crawl_id),
            )

    @translated
    def finish_crawl(self, crawl_id: int, *, status: str, stats: Mapping[str, Any]) -> None:
        """Record the end of a crawl with its final status and counters."""
        with self._write():
            cursor = self._conn.execute(
                "UPDATE crawls SET finished = ?, status = ?, stats = ? WHERE id = ?",
                (utc_now(), status, json.dumps(stats, sort_keys=True), crawl_id),
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no crawl {crawl_id} in archive {self.path}")

    @translated
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

    @translated
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

    @translated
    def crawls(self) -> list[dict[str, Any]]:
        """Return every crawl row, oldest first, with ``sources`` and ``stats`` decoded."""
        return [
            {**row, "sources": json.loads(row["sources"] or "[]"),
             "stats": json.loads(row["stats"] or "{}")}
            for row in self._db.query("SELECT * FROM crawls ORDER BY id")
        ]
