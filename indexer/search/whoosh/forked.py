"""Run a function in a forked child process and collect its result or its error.

Forking shares the parent's memory copy-on-write, so nothing is pickled on the way in,
only the result (or the exception) on the way out, through a pipe. POSIX only: see
:func:`available`. The child runs nothing of the parent's after the function (no
``finally`` blocks, no ``atexit``, no flushing of inherited buffers): it leaves with
``os._exit``. The function must not use what cannot cross a fork (an open SQLite
connection, threads' locks); the child does not log (a log handler's lock or queue held by
another thread at the fork would hang it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any


class ForkedError(RuntimeError):
    """The child process died without a result (killed, or its result would not pickle)."""


def available() -> bool:
    """Whether forking a helper is possible and worth it: fork exists and this process
    may run on more than one CPU."""
    if not hasattr(os, "fork"):
        return False
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return (len(cpus) if cpus is not None else os.cpu_count() or 1) > 1


class Forked:
    """``fn(*args)`` running in a forked child; :meth:`result` waits for its return value.

    Call :meth:`stop` when done (in a ``finally``): it kills the child if its result was
    not collected (the parent failed), so no child outlives the work it was part of."""

    def __init__(self, fn: Callable[..., Any], *args: Any):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read)
            _run_child(write, fn, args)
        os.close(write)
        self.pid: int | None = pid
        self._pipe = os.fdopen(read, "rb")

    def result(self) -> Any:
        """Wait for the child; return what the function returned, or raise what it raised
        (:class:`ForkedError` if it died without saying)."""
        if self.pid is None:
            raise ForkedError("the result was already collected")
        with self._pipe:
            data = self._pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            ok, value = pickle.loads(data)
        except Exception:
            raise ForkedError(_death(status)) from None
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """Kill the child and reap it, unless its result was collected."""
        if self.pid is None:
            return
        self._pipe.close()
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pid = None


def _run_child(fd: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Run ``fn`` in the child, send ``(ok, value)`` pickled to ``fd``, and exit."""
    status = 0
    logging.disable()
    try:
        try:
            payload = pickle.dumps((True, fn(*args)), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # Ctrl-C included: the parent decides
            status = 1
            try:
                payload = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its message does
                payload = pickle.dumps((False, ForkedError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(status)


def _death(status: int) -> str:
    """Describe a child's wait status for a one-line error."""
    if os.WIFSIGNALED(status):
        return f"a helper process was killed by signal {os.WTERMSIG(status)}"
    code = os.waitstatus_to_exitcode(status)
    return f"a helper process exited with status {code} without a result"
