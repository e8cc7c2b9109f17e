"""``crawl --url``: an article on a configured source's host is archived under its name."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.demosite import expected_articles
from tests.conftest import FAST, run_cli


def _article(demo_site: dict[str, str], outlet: str) -> str:
    return next(a["url"] for a in expected_articles(demo_site) if a["source"] == outlet)


def _stored(data: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data / "archive.db") as db:
        return db.execute("select source, url from articles").fetchall()


def _sources_file(path: Path, demo_site: dict[str, str]) -> Path:
    """Two sources that seed nothing themselves (no feeds, sitemaps or links)."""
    path.write_text(
        f'[[source]]\nname = "the-ledger"\nurl = "{demo_site["ledger"]}"\nfollow = false\n\n'
        f'[[source]]\nname = "the-courier"\nurl = "{demo_site["courier"]}"\nfollow = false\n',
        encoding="utf-8",
    )
    return path


def test_url_takes_the_name_of_the_source_in_the_given_file(
    demo_site: dict[str, str], tmp_path: Path
) -> None:
    url = _article(demo_site, "ledger")
    sources = _sources_file(tmp_path / "mine.toml", demo_site)
    data = tmp_path / "data"
    result = run_cli(data, "crawl", "--sources", str(sources), "--source", "the-courier",
                     "--url", url, *FAST)
    assert result.returncode == 0, result.stderr
    assert _stored(data) == [("the-ledger", url)]


def test_url_alone_is_named_by_the_default_sources_file_which_is_not_crawled(
    demo_site: dict[str, str], tmp_path: Path
) -> None:
    url = _article(demo_site, "ledger")
    _sources_file(tmp_path / "sources.toml", demo_site)
    data = tmp_path / "data"
    result = run_cli(data, "crawl", "--url", url, *FAST, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # the one page only: neither the source's home nor robots.txt's sitemaps are crawled
    assert _stored(data) == [("the-ledger", url)]


def test_url_alone_without_a_sources_file_is_named_after_its_host(
    demo_site: dict[str, str], tmp_path: Path
) -> None:
    url = _article(demo_site, "courier")
    data = tmp_path / "data"
    result = run_cli(data, "crawl", "--url", url, *FAST, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    host = demo_site["courier"].split("/")[2].replace(":", "_")
    assert _stored(data) == [(host, url)]


def test_a_broken_default_sources_file_is_a_warning_for_url_alone(
    demo_site: dict[str, str], tmp_path: Path
) -> None:
    url = _article(demo_site, "courier")
    (tmp_path / "sources.toml").write_text("[[source]\n", encoding="utf-8")
    data = tmp_path / "data"
    result = run_cli(data, "crawl", "--url", url, *FAST, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning: sources.toml: invalid TOML" in result.stderr
    assert len(_stored(data)) == 1
