"""The index's errors (:mod:`indexer.search.errors`, named here too) and how to tell an
error out of Whoosh's own code."""

from __future__ import annotations

import os

from indexer.search.errors import (
    ArchiveIndexError,
    EngineChangedError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    index_problem,
)
from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    import whoosh

__all__ = [
    "ArchiveIndexError",
    "EngineChangedError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMissingError",
    "index_problem",
    "raised_in_whoosh",
]

_WHOOSH_DIR = os.path.dirname(whoosh.__file__) + os.sep


def raised_in_whoosh(exc: BaseException) -> bool:
    """Tell whether an exception came out of Whoosh's own code (a damaged index file),
    not out of ours."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR)
