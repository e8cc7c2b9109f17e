"""``export --added-since``: only the articles fetched since then, for incremental exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from indexer.schema import added_bound
from indexer.store import Archive
from search_cli import cli
from tests.test_export import SPECS, fixture_article

FETCHED = [  # fetched_at of the fixture articles, UTC as the crawl writes it
    "2026-11-30T23:59:59+00:00",
    "2026-12-01T00:00:00+00:00",
    "2026-12-01T06:30:00+00:00",
    "2026-12-02T10:00:00+00:00",
    "2026-12-03T00:00:00+00:00",
    "2026-12-05T12:00:00+00:00",
]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([
            (fixture_article(n, fetched_at=FETCHED[n]), b"<html></html>")
            for n in range(len(SPECS))
        ])
    return tmp_path


def _export(data: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), "export", *args])
    return result.exit_code, result.stdout, result.stderr


def _fetched(jsonl: str) -> list[str]:
    return sorted(json.loads(line)["fetched_at"] for line in jsonl.splitlines())


@pytest.mark.parametrize(
    ("since", "first"),
    [
        ("2026-12-01", 1),  # a day: from its start
        ("2026-12", 1),
        ("2026-12-01T06:30", 2),  # a time, UTC
        ("2026-12-01T08:30+02:00", 2),  # a time with an offset, converted to UTC
        ("2026-12-02T10:00:01Z", 4),
        ("2027", len(SPECS)),
    ],
)
def test_only_articles_fetched_since_are_exported(data: Path, since: str, first: int) -> None:
    code, out, err = _export(data, "-", "--format", "jsonl", "--added-since", since)
    assert code == 0, err
    assert _fetched(out) == FETCHED[first:]


def test_an_incremental_sqlite_export_adds_the_new_articles(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.db"
    code, _, err = _export(data, str(target), "--added-since", "2026-12-05", "-q")
    assert code == 0, err
    assert sqlite_utils.Database(target)["articles"].count == 1
    code, _, err = _export(data, str(target), "--added-since", "2026-12-02", "-q")
    assert code == 0, err
    assert sqlite_utils.Database(target)["articles"].count == 3


def test_a_bad_date_is_a_usage_error(data: Path) -> None:
    code, _, err = _export(data, "-", "--format", "csv", "--added-since", "yesterday")
    assert code == 2
    assert "not a date or time: 'yesterday'" in err


def test_added_bound_keeps_dates_and_converts_times_to_utc() -> None:
    assert added_bound(" 2026-12 ") == "2026-12"
    assert added_bound("2026-12-01T01:00:00-05:00") == "2026-12-01T06:00:00"
