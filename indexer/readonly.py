"""Opening an archive file for reading only: read-only, or as an immutable file on a
read-only mount (a backup, a shared copy). Light (the standard library only): the store
(:class:`indexer.database.ArchiveFile`) and the ``search`` command's store reader
(:class:`indexer.search.results.StoreTexts`) both open it so."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

logger = logging.getLogger(__name__)


def connect_readonly(path: Path, timeout: float) -> sqlite3.Connection:
    """Open ``path`` for reading; on a read-only mount as immutable.

    SQLite reads a WAL database only where it can create the ``-shm`` file beside it.
    Where it cannot, and the folder is not writable, nobody can be writing the archive
    either: it is read as an immutable file, as of its last checkpoint.
    """
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except sqlite3.OperationalError:
        if os.access(path.parent, os.W_OK):
            raise
        conn.close()
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size:
        logger.warning(
            "%s is read-only and has a write-ahead log: its last changes are not shown", path
        )
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=timeout)
