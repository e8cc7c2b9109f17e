"""A few SIGKILLs of real crawls in the suite; CI runs 30 with `make killtest`."""

from __future__ import annotations

import pytest

from tests.kill_crawl import run

pytestmark = pytest.mark.integration


def test_killed_crawls_lose_and_duplicate_nothing() -> None:
    report = run(kills=4, seed=7, log=False)
    assert report.kills == 4
    assert report.problems == []
    assert report.lost == 0
    assert report.duplicated == 0
