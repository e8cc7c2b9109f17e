"""The archive's version: every stored batch and every moved article takes the next one.

Each article row keeps the version of its last write (``articles.version``); the search
index's sync compares them with the version it started from (see
:meth:`indexer.store.Archive.mark_indexed`). The latest is kept in the ``counters`` table
(from schema v7; it was ``max(version)``, over an index of every row's).
"""

from __future__ import annotations

import sqlite3


def current_version(conn: sqlite3.Connection) -> int:
    """Return the version of the archive's latest write: every stored batch and every
    moved article takes the next one (``articles.version``; a counter from schema v7, was
    ``max(version)`` over an index of every row)."""
    row = conn.execute("SELECT value FROM counters WHERE name = 'version'").fetchone()
    return int(row[0]) if row else 0


def next_version(conn: sqlite3.Connection) -> int:
    """Take the next version for a write; call inside its transaction."""
    version = current_version(conn) + 1
    conn.execute("INSERT INTO counters(name, value) VALUES ('version', ?)"
                 " ON CONFLICT(name) DO UPDATE SET value = excluded.value", [version])
    return version
