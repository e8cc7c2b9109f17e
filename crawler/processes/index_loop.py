"""The index writer's loop, in its own process (:mod:`crawler.processes.indexing`).

Every ``interval`` seconds it indexes what the store holds pending; when told to finish,
it syncs once more, merges small segments if there are ``compact_at`` of them, answers
with the :class:`~crawler.processes.indexing.Outcome` and returns. Only the writer
imports this module (and the archive's engine with it). The index is opened anew
(:func:`~indexer.search.engines.open_index`) for each sync, so that a change of the
archive's engine during the crawl (``index --rebuild --engine``) is followed: a writer of
the old engine finds it changed once it holds the lock (EngineChangedError, retried).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from pathlib import Path

from crawler.archive_errors import describe_os_error
from crawler.processes.procs import name_process
from crawler.processes.writer_config import Outcome, WriterConfig
from indexer.search.engines import COMPACT_MAX_DOCS, IndexWriter, open_index
from indexer.search.errors import ArchiveIndexError, IndexLockedError
from indexer.store import Archive, StoreError

logger = logging.getLogger(__name__)


def run(config: WriterConfig, conn: Connection, logs: Queue[logging.LogRecord | None]) -> None:
    """The writer's main loop: sync every ``interval`` seconds until told to finish."""
    name_process("news-index")
    os.nice(config.niceness)
    root = logging.getLogger()
    root.handlers = [logging.handlers.QueueHandler(logs)]
    root.setLevel(config.log_level)
    finish = threading.Event()
    threading.Thread(target=_listen, args=(conn, finish), daemon=True).start()
    total, repaired = 0, False
    while True:
        final = finish.wait(config.interval)
        outcome = _sync(config, repair=not repaired)
        repaired = repaired or outcome.ok
        total += outcome.indexed
        if final:
            if outcome.ok and config.compact_at:
                _compact(config)
            conn.send(replace(outcome, indexed=total))
            return


def _listen(conn: Connection, finish: threading.Event) -> None:
    """Set ``finish`` when asked to; exit the process at once when the crawl is gone."""
    try:
        conn.recv()
    except (EOFError, OSError):
        os._exit(0)
    finish.set()


def _index(config: WriterConfig) -> IndexWriter:
    """Return the writer of the archive's index, of the engine it records now."""
    return open_index(config.index_path, lock_timeout=config.lock_timeout)


def _sync(config: WriterConfig, *, repair: bool) -> Outcome:
    """Index what the store holds pending, repairing a damaged index first if ``repair``."""
    if not Path(config.archive_path).exists():
        return Outcome()  # nothing stored yet
    try:
        index = _index(config)
        with Archive(config.archive_path) as archive:
            if repair and index.exists():
                index.open_or_rebuild(archive)
            indexed = index.sync(archive)
    except IndexLockedError as exc:
        logger.info("%s: trying again later", exc)
        return Outcome(locked=str(exc))
    except ArchiveIndexError as exc:  # a helper process killed: the batch stays pending
        return Outcome(error=str(exc))
    except StoreError as exc:
        return Outcome(error=f"cannot read the archive to index it: {exc}")
    except OSError as exc:  # a full disk: the old index stays as it was
        return Outcome(error=describe_os_error(exc, "the index"))
    logger.info("Indexed %d articles", indexed)
    return Outcome(indexed=indexed)


def _compact(config: WriterConfig) -> None:
    """Merge small segments (:meth:`ArchiveIndex.compact`) once the index has
    ``compact_at`` segments or more, within ``compact_max_docs`` documents."""
    try:
        index = _index(config)
        if index.segment_count() < config.compact_at:
            return
        with Archive(config.archive_path, readonly=True) as archive:
            limit = config.compact_max_docs
            merged = index.compact(archive, max_docs=COMPACT_MAX_DOCS if limit is None else limit)
    except IndexLockedError as exc:
        logger.info("%s: segments merged another time", exc)
    except (StoreError, ArchiveIndexError) as exc:
        logger.warning("index segments not merged: %s", exc)
    except OSError as exc:  # a full disk: the index stays as it was
        logger.warning("index segments not merged: %s", describe_os_error(exc, "the index"))
    else:
        if merged:
            logger.info("Merged %d small index segments", merged)
