"""The index's errors; each message is one line for the CLI."""

from __future__ import annotations

import os

from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    import whoosh

_WHOOSH_DIR = os.path.dirname(whoosh.__file__) + os.sep


class ArchiveIndexError(RuntimeError):
    """Base class of the index's errors; the message is one line for the CLI."""


class IndexLockedError(ArchiveIndexError):
    """Another process holds the index's write lock."""


class IndexMissingError(ArchiveIndexError):
    """There is no index at the path yet."""


class IndexCorruptError(ArchiveIndexError):
    """The index cannot be opened (missing or damaged files, outdated schema): rebuild it."""


def index_problem(exc: BaseException, path: object) -> str | None:
    """Return why the index at ``path`` can't serve (missing, or damaged: an error out of
    Whoosh's code) if ``exc`` says so, else None."""
    if isinstance(exc, (IndexMissingError, IndexCorruptError)):
        return str(exc)
    if isinstance(exc, Exception) and raised_in_whoosh(exc):
        return f"index at {path} is damaged ({type(exc).__name__}: {exc})"
    return None


def raised_in_whoosh(exc: BaseException) -> bool:
    """Tell whether an exception came out of Whoosh's own code (a damaged index file),
    not out of ours."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR)
