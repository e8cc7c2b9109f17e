"""Index during the crawl, in a process of its own: the index writer.

The crawl's store writes mark new articles pending; the writer indexes what is pending
every few seconds, at a lower CPU priority than the crawl, so Whoosh's work uses the
cycles downloading and extraction leave and the crawl ends with little left to index.
When the crawl is over, :meth:`IndexWriter.finish` asks for a last sync and waits for it;
the writer then merges small segments
(:meth:`~indexer.search.whoosh.index.ArchiveIndex.compact`) once
the index has ``compact_at`` segments, so that cron crawls keep the index lean without
an optimize on anyone's search.

The store stays the record of truth: rows are marked indexed only after their documents
are committed, and a writer killed at any moment leaves them pending for the next run.
If the crawl process dies, the writer sees its pipe close and exits at once. The
writer's log records go back to the crawl's logging through a queue.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from pathlib import Path

from crawler.archive_errors import describe_os_error
from crawler.processes.procs import name_process
from indexer.search.whoosh.index import (
    COMPACT_MAX_DOCS,
    ArchiveIndex,
    ArchiveIndexError,
    IndexLockedError,
)
from indexer.store import Archive, StoreError

logger = logging.getLogger(__name__)

FINISH = "finish"


@dataclass(frozen=True)
class Outcome:
    """What the writer's last sync did: articles indexed, or why it could not."""

    indexed: int = 0
    locked: str | None = None  # another process held the write lock: rows stay pending
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the sync ran to the end."""
        return self.locked is None and self.error is None


@dataclass(frozen=True)
class WriterConfig:
    """Where the store and the index are, and how the writer paces itself."""

    archive_path: str
    index_path: str
    lock_timeout: float = 30.0
    interval: float = 5.0  # seconds between syncs during the crawl
    niceness: int = 10  # added to the writer's nice value: the crawl comes first
    compact_at: int = 30  # segments that make the last sync merge small ones (0: never)
    compact_max_docs: int = COMPACT_MAX_DOCS  # documents such a merge takes at most
    log_level: int = logging.WARNING


class IndexWriter:
    """The index writer process, seen from the crawl."""

    def __init__(self, config: WriterConfig) -> None:
        # A fresh interpreter, not a fork of the extraction workers' server: the writer
        # needs Whoosh and the store only, not the extractor's modules and language model
        # (over 100 MB it would otherwise map), and this module imports neither.
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.logs: Queue[logging.LogRecord | None] = context.Queue()
        self.relay = threading.Thread(target=_relay, args=(self.logs,), daemon=True)
        self.relay.start()
        self.process = context.Process(
            target=serve, args=(config, child, self.logs), name="index-writer", daemon=True
        )
        self.process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        """The writer's process id."""
        return self.process.pid

    def finish(self) -> Outcome:
        """Ask for the last sync, wait for it and for the writer to exit; return its outcome."""
        try:
            self.conn.send(FINISH)
            outcome: Outcome = self.conn.recv()
        except (EOFError, OSError) as exc:
            outcome = Outcome(error=f"the index writer died ({exc or 'no answer'})")
        self.conn.close()
        self.process.join()
        self.logs.put(None)
        self.relay.join()
        return outcome


def _relay(logs: Queue[logging.LogRecord | None]) -> None:
    """Hand the writer's log records to this process's loggers until None comes."""
    while (record := logs.get()) is not None:
        logging.getLogger(record.name).handle(record)


def serve(config: WriterConfig, conn: Connection, logs: Queue[logging.LogRecord | None]) -> None:
    """The writer's main loop: sync every ``interval`` seconds until told to finish."""
    name_process("news-index")
    os.nice(config.niceness)
    root = logging.getLogger()
    root.handlers = [logging.handlers.QueueHandler(logs)]
    root.setLevel(config.log_level)
    finish = threading.Event()
    threading.Thread(target=_listen, args=(conn, finish), daemon=True).start()
    index = ArchiveIndex(config.index_path, lock_timeout=config.lock_timeout)
    total, repaired = 0, False
    while True:
        final = finish.wait(config.interval)
        outcome = _sync(index, config.archive_path, repair=not repaired)
        repaired = repaired or outcome.ok
        total += outcome.indexed
        if final:
            if outcome.ok and config.compact_at:
                _compact(index, config)
            conn.send(replace(outcome, indexed=total))
            return


def _listen(conn: Connection, finish: threading.Event) -> None:
    """Set ``finish`` when asked to; exit the process at once when the crawl is gone."""
    try:
        conn.recv()
    except (EOFError, OSError):
        os._exit(0)
    finish.set()


def _sync(index: ArchiveIndex, archive_path: str, *, repair: bool) -> Outcome:
    """Index what the store holds pending, repairing a damaged index first if ``repair``."""
    if not Path(archive_path).exists():
        return Outcome()  # nothing stored yet
    try:
        with Archive(archive_path) as archive:
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


def _compact(index: ArchiveIndex, config: WriterConfig) -> None:
    """Merge small segments (:meth:`ArchiveIndex.compact`) once the index has
    ``compact_at`` segments or more, within ``compact_max_docs`` documents."""
    try:
        if index.segment_count() < config.compact_at:
            return
        with Archive(config.archive_path, readonly=True) as archive:
            merged = index.compact(archive, max_docs=config.compact_max_docs)
    except IndexLockedError as exc:
        logger.info("%s: segments merged another time", exc)
    except (StoreError, ArchiveIndexError) as exc:
        logger.warning("index segments not merged: %s", exc)
    except OSError as exc:  # a full disk: the index stays as it was
        logger.warning("index segments not merged: %s", describe_os_error(exc, "the index"))
    else:
        if merged:
            logger.info("Merged %d small index segments", merged)
