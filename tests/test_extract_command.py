"""``extract URL|FILE``: one page's article printed as the archive would hold it, unarchived."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from crawler.demosite import expected_articles
from tests.conftest import invoke_cli, run_cli

pytestmark = pytest.mark.integration


def _gazette_article(demo_site: dict[str, str]) -> dict:
    return next(a for a in expected_articles(demo_site) if a["source"] == "gazette")


def test_extract_prints_the_article_of_a_url_and_archives_nothing(
    demo_site: dict[str, str], tmp_path: Path
) -> None:
    expected = _gazette_article(demo_site)
    result = invoke_cli(tmp_path, "extract", expected["url"], "--format", "json")
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["title"] == expected["title"]
    assert article["authors"] == expected["authors"]
    assert article["published"].startswith(expected["published"])
    assert not list(tmp_path.iterdir())  # nothing archived
    shown = invoke_cli(tmp_path, "extract", expected["url"])
    assert shown.stdout.count(f"# {expected['title']}") == 1


def test_extract_reads_a_saved_page_with_its_address(
    demo_site: dict[str, str], tmp_path: Path
) -> None:
    expected = _gazette_article(demo_site)
    saved = tmp_path / "page.html"
    with urllib.request.urlopen(expected["url"]) as response:
        saved.write_bytes(response.read())
    result = invoke_cli(tmp_path, "extract", str(saved), "--url", expected["url"],
                        "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["url"] == expected["url"]


def test_extract_of_a_missing_page_is_one_line(demo_site: dict[str, str], tmp_path: Path) -> None:
    # a real process: nothing else (a warning, a traceback) on its stderr
    missing = f"{demo_site['gazette']}no/such/page"
    result = run_cli(tmp_path, "extract", missing)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {missing}: HTTP 404 Not Found"
