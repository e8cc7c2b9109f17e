"""``raw ID --version N``: the page of an earlier version, from its WARC record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.demosite import DemoSite
from indexer.store import Archive
from search_cli import cli
from tests.conftest import FAST, run_cli
from tests.test_revisions import ADDED, _edit_one_page, _sources

pytestmark = pytest.mark.integration


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite() as running:
        yield running


def _raw(data: Path, *args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), "raw", *args])
    return result.exit_code, result.stdout_bytes, result.stderr


def test_raw_prints_each_version_as_it_was_fetched(site: DemoSite, tmp_path: Path) -> None:
    data = tmp_path / "data"
    sources = _sources(site, tmp_path / "sources.toml")
    assert run_cli(data, "crawl", "--sources", str(sources), *FAST).returncode == 0
    with Archive(data / "archive.db") as archive:
        articles = list(archive.iter_articles())
    target = _edit_one_page(site, articles)
    assert run_cli(data, "crawl", "--sources", str(sources), *FAST).returncode == 0

    code, first, err = _raw(data, target.id, "--version", "1")
    assert code == 0, err
    code, second, err = _raw(data, target.id, "--version", "2")
    assert code == 0, err
    assert b"<html" in first.lower()
    assert ADDED.encode() not in first
    assert second.count(ADDED.encode()) == 1
    assert _raw(data, target.id)[1] == second  # the current version by default

    code, _, err = _raw(data, target.id, "--version", "3")
    assert code == 1
    assert err.strip() == f"Error: article {target.id} has no version 3 (it has versions 1-2)"
    unchanged = next(a for a in articles if a.id != target.id)
    code, _, err = _raw(data, unchanged.id, "--version", "2")
    assert code == 1
    assert "has no version 2 (it has only version 1)" in err
    code, _, _ = _raw(data, unchanged.id, "--version", "1")
    assert code == 0
