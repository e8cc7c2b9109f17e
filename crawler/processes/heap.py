"""Give the C heap's free pages back to the system every few pages (glibc's ``malloc_trim``).

Parsing a page leaves freed chunks all over the heap (lxml's trees, big strings); glibc keeps
them, so a worker's resident memory stays at its high-water mark. Trimming every
:data:`TRIM_EVERY` pages returns them: about 25 MB per worker, for well under a millisecond
per page. Elsewhere than glibc, nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

TRIM_EVERY = 10


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


_trim = _malloc_trim()
_pages = 0


def page_done() -> None:
    """Count a page extracted; every :data:`TRIM_EVERY` pages, trim the heap."""
    global _pages
    _pages += 1
    if _pages % TRIM_EVERY == 0:
        trim_heap()


def trim_heap() -> None:
    """Give the heap's free pages back to the system now."""
    if _trim is not None:
        _trim(0)
