"""Index during the crawl, in a process of its own: the index writer.

The crawl's store writes mark new articles pending; the writer indexes what is pending
every few seconds, at a lower CPU priority than the crawl, so Whoosh's work uses the
cycles downloading and extraction leave and the crawl ends with little left to index.
When the crawl is over, :meth:`IndexWriter.finish` asks for a last sync and waits for it;
the writer then merges small segments
(:meth:`~indexer.search.whoosh.index.ArchiveIndex.compact`) once
the index has ``compact_at`` segments, so that cron crawls keep the index lean without
an optimize on anyone's search.

The loop itself is :mod:`crawler.processes.index_loop`, which only the writer imports.
The store stays the record of truth: rows are marked indexed only after their documents
are committed, and a writer killed at any moment leaves them pending for the next run.
If the crawl process dies, the writer sees its pipe close and exits at once. The
writer's log records go back to the crawl's logging through a queue.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue

from crawler.processes.writer_config import Outcome, WriterConfig

FINISH = "finish"


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
    """The writer process's entry point: :func:`crawler.processes.index_loop.run`.

    Imported here, in the writer: the crawl process, which pickles this function to start
    the writer, never loads Whoosh and the search modules (about 6 MB of its memory).
    """
    from crawler.processes import index_loop

    index_loop.run(config, conn, logs)
