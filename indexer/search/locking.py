"""The index folder's write lock, one for every engine (Whoosh's own lock file, taken the
way Whoosh takes it: ``flock`` on ``MAIN_WRITELOCK``), so that changing an archive's
engine (a rebuild with another engine) never interleaves with a write of the old one."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.search.engine_record import engine_of
from indexer.search.errors import EngineChangedError, IndexLockedError

LOCK_NAME = "MAIN_WRITELOCK"  # (Whoosh's name of the lock of its index "MAIN")
RETRY_SECONDS = 0.1


@contextmanager
def write_lock(
    folder: str | os.PathLike[str], timeout: float, *, engine: str | None
) -> Iterator[None]:
    """Hold the index folder's write lock, waiting up to ``timeout`` seconds for another
    writer (then IndexLockedError). With ``engine``, raise EngineChangedError once the
    lock is held if the archive's recorded engine is another one (a writer opened before
    the change); a rebuild, which records its engine, passes None."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise locked_error(path, timeout) from None
                time.sleep(RETRY_SECONDS)
        try:
            if engine is not None and (recorded := engine_of(path)) != engine:
                raise EngineChangedError(
                    f"index at {path} is now a {recorded} index (it was {engine})"
                )
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def locked_error(path: Path, timeout: float) -> IndexLockedError:
    """Return the error of an index another process is writing."""
    return IndexLockedError(
        f"index at {path} is being written by another process (waited {timeout:g}s)"
    )
