"""One-line answers to commands that cannot do what was asked (CliRunner, real store)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from indexer.article import Article
from indexer.store import Archive
from search_cli import cli


def _invoke(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), *args])
    return result.exit_code, result.stderr.strip()


def test_index_on_a_folder_without_an_archive_creates_none(tmp_path: Path) -> None:
    code, error = _invoke(tmp_path, "index")
    assert code == 1
    assert error == f"Error: no archive at {tmp_path / 'archive.db'}: run 'crawl' or 'demo' first"
    assert list(tmp_path.iterdir()) == []


def test_a_diff_of_an_article_with_one_version_says_so(tmp_path: Path) -> None:
    article = Article(url="https://news.example.com/2024/05/01/trams", title="Trams",
                      text="The council voted for trams.", source="example")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(article, b"<html></html>")])
    code, error = _invoke(tmp_path, "history", article.id, "--diff")
    assert code == 1
    assert error == f"Error: article {article.id} has only one version: nothing to compare"
