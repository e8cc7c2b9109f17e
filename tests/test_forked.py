"""indexer.search.whoosh.forked: a function run in a forked child, its result or error returned."""

from __future__ import annotations

import os
import signal

import pytest

from indexer.search.whoosh.forked import Forked, ForkedError, available

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def child_pid(offset: int) -> int:
    return os.getpid() + offset


def test_the_result_comes_from_the_child() -> None:
    helper = Forked(child_pid, 0)
    pid = helper.pid
    assert helper.result() == pid != os.getpid()
    with pytest.raises(ForkedError, match="already collected"):
        helper.result()


def fail() -> None:
    raise ValueError("bad value in the child")


def test_the_childs_exception_is_raised_in_the_parent() -> None:
    helper = Forked(fail)
    with pytest.raises(ValueError, match="bad value in the child"):
        helper.result()


class Unpicklable(Exception):
    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("cannot pickle")


def fail_strangely() -> None:
    raise Unpicklable("strange")


def test_an_exception_that_cannot_pickle_becomes_its_message() -> None:
    helper = Forked(fail_strangely)
    with pytest.raises(ForkedError, match="Unpicklable: strange"):
        helper.result()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_child_is_a_clear_error() -> None:
    helper = Forked(die)
    with pytest.raises(ForkedError, match="killed by signal 9"):
        helper.result()


def wait_forever() -> None:
    signal.pause()


def interrupted() -> None:
    helper = Forked(wait_forever)
    interrupted.pid = helper.pid  # type: ignore[attr-defined]
    try:
        raise KeyboardInterrupt
    finally:
        helper.stop()


def test_stopping_early_kills_the_child() -> None:
    with pytest.raises(KeyboardInterrupt):
        interrupted()
    pid = interrupted.pid  # type: ignore[attr-defined]
    with pytest.raises(ChildProcessError):  # reaped, not a zombie
        os.waitpid(pid, os.WNOHANG)


def test_available_needs_two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert not available()
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert available()
