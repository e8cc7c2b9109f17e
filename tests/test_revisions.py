"""Revisions: a re-crawl revisits young articles conditionally; a changed one keeps its past."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from crawler.demosite import DemoSite
from crawler.sources import SourceError, parse_source
from indexer.article import Article
from indexer.revisions import changed_lines, word_diff
from indexer.search import search
from indexer.store import Archive
from indexer.warcfile import iter_responses
from search_cli import cli
from tests.conftest import FAST, run_cli

ADDED = "The council later corrected the figures it had given."


@pytest.fixture
def site() -> Iterator[DemoSite]:
    """A demo site in this process, so a test can change a page between two crawls."""
    with DemoSite() as running:
        yield running


def _sources(site: DemoSite, path: Path) -> Path:
    base = site.outlets["courier"]
    path.write_text(
        "[[source]]\n"
        'name = "courier"\n'
        f'url = "{base}"\n'
        f'sitemaps = ["{base}sitemap.xml"]\n'
        "follow = false\n"
        "revisit_days = 36500\n",
        encoding="utf-8",
    )
    return path


def _edit_one_page(site: DemoSite, articles: list[Article]) -> Article:
    """Serve one article changed: a sentence added after one of its paragraphs."""
    routes = site._servers["courier"].site.routes  # the test owns this in-process site
    for article in articles:
        path = urlsplit(article.fetched_url).path
        for paragraph in article.text.split("\n"):
            anchor = paragraph[-40:].encode()
            if len(paragraph) > 40 and routes[path].body.count(anchor) == 1:
                body = routes[path].body.replace(anchor, anchor + b" " + ADDED.encode())
                routes[path] = replace(routes[path], body=body)
                return article
    raise AssertionError("no paragraph to edit")


def _stats(data: Path, crawl_id: int) -> dict[str, int]:
    with sqlite3.connect(data / "archive.db") as db:
        (stats,) = db.execute("select stats from crawls where id = ?", (crawl_id,)).fetchone()
    return json.loads(stats)


@pytest.mark.integration
def test_recrawl_keeps_a_revision_of_a_changed_article_and_none_of_unchanged(
    site: DemoSite, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    sources = _sources(site, tmp_path / "sources.toml")
    first = run_cli(data, "crawl", "--sources", str(sources), *FAST)
    assert first.returncode == 0, first.stderr
    with Archive(data / "archive.db") as archive:
        articles = list(archive.iter_articles())
    target = _edit_one_page(site, articles)
    warc_before = set((data / "warc").glob("*.warc.gz"))

    second = run_cli(data, "crawl", "--sources", str(sources), *FAST)
    assert second.returncode == 0, second.stderr
    unchanged = len(articles) - 1  # answered 304 Not Modified
    assert f"0 new / 1 updated / {unchanged} unchanged / 0 skipped" in second.stdout
    stats = _stats(data, 2)
    assert stats["revisited"] == len(articles)
    assert stats["not_modified"] == len(articles) - 1
    # The server answered 304 to every unchanged article: the WARC records say so.
    statuses = Counter(
        r.status for path in set((data / "warc").glob("*.warc.gz")) - warc_before
        for r in iter_responses(path) if r.url in {a.fetched_url for a in articles}
    )
    assert statuses == {304: len(articles) - 1, 200: 1}

    with Archive(data / "archive.db") as archive:
        assert archive.db["revisions"].count == 1
        assert [r["text"] for r in archive.revisions(target.id)] == [target.text]
        current = archive.get(target.id)
        assert current is not None
        assert ADDED in current.text
        assert archive.raw_html(target.id).count(ADDED.encode()) == 1  # type: ignore[union-attr]
    hits = search(data / "index", f'"{ADDED}"').hits
    assert [h.id for h in hits] == [target.id]  # search shows the latest version

    runner = CliRunner()
    listed = runner.invoke(cli, ["--data", str(data), "history", target.id])
    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["v1", "v2"]
    assert "replaced" in lines[0]
    assert "current" in lines[1]
    diff = runner.invoke(cli, ["--data", str(data), "history", target.id, "--diff"])
    assert diff.exit_code == 0, diff.stderr
    assert "{+ " + ADDED + "+}" in diff.stdout
    assert "[-" not in diff.stdout
    unchanged = next(a for a in articles if a.id != target.id)
    alone = runner.invoke(cli, ["--data", str(data), "history", unchanged.id])
    assert [line.split()[0] for line in alone.stdout.splitlines()] == ["v1"]


def test_word_diff_marks_only_changed_words_and_lines() -> None:
    old = "First paragraph stays.\nThe mayor said on Monday it would close."
    new = "First paragraph stays.\nThe mayor said on Tuesday it would close."
    lines = changed_lines(word_diff(old, new), {"-": ("[-", "-]"), "+": ("{+", "+}")})
    assert lines == ["The mayor said on [-Monday-]{+Tuesday+} it would close."]


@pytest.mark.parametrize("value", [-1, "7", True, 40_000])
def test_revisit_days_is_validated(value: object) -> None:
    with pytest.raises(SourceError, match="revisit_days"):
        parse_source({"name": "x", "url": "https://x.example/", "revisit_days": value}, 1)
