"""The index's errors, whatever the engine; each message is one line for the CLI."""

from __future__ import annotations

import sys


class ArchiveIndexError(RuntimeError):
    """Base class of the index's errors; the message is one line for the CLI."""


class IndexLockedError(ArchiveIndexError):
    """Another process holds the index's write lock."""


class EngineChangedError(IndexLockedError):
    """The archive's engine was changed since this writer was opened: open it again
    (:func:`indexer.search.engines.open_index`); a writer that retries a locked index
    does so."""


class IndexMissingError(ArchiveIndexError):
    """There is no index at the path yet."""


class IndexCorruptError(ArchiveIndexError):
    """The index cannot be opened (missing or damaged files, outdated schema): rebuild it."""


class EngineRecordError(ArchiveIndexError):
    """The index folder's record of the archive's engine names no engine or can't be
    read: not rebuilt on its own (which engine?), the user says with ``--engine``."""


def index_problem(exc: BaseException, path: object) -> str | None:
    """Return why the index at ``path`` can't serve (missing, or damaged: an error out of
    the engine library's code) if ``exc`` says so, else None."""
    if isinstance(exc, (IndexMissingError, IndexCorruptError)):
        return str(exc)
    whoosh_errors = sys.modules.get("indexer.search.whoosh.errors")  # loaded if it was used
    if isinstance(exc, Exception) and whoosh_errors and whoosh_errors.raised_in_whoosh(exc):
        return f"index at {path} is damaged ({type(exc).__name__}: {exc})"
    return None
