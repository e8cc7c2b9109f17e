"""One-line answers to commands that cannot do what was asked (CliRunner, real store)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.article import Article
from indexer.store import Archive
from search_cli import cli
from tests.conftest import run_cli


def _invoke(data: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), *args])
    return result.exit_code, result.stderr.strip()


def test_index_on_a_folder_without_an_archive_creates_none(tmp_path: Path) -> None:
    code, error = _invoke(tmp_path, "index")
    assert code == 1
    assert error == f"Error: no archive at {tmp_path / 'archive.db'}: run 'crawl' or 'demo' first"
    assert list(tmp_path.iterdir()) == []


def _archive_one(tmp_path: Path) -> Article:
    article = Article(url="https://news.example.com/2024/05/01/trams", title="Trams",
                      text="The council voted for trams.", source="example")
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([(article, b"<html></html>")])
    return article


def test_a_diff_of_an_article_with_one_version_says_so(tmp_path: Path) -> None:
    article = _archive_one(tmp_path)
    code, error = _invoke(tmp_path, "history", article.id, "--diff")
    assert code == 1
    assert error == f"Error: article {article.id} has only one version: nothing to compare"


@pytest.mark.parametrize(
    "command",
    [["search", "trams"], ["export", "-", "--format", "jsonl"], ["reextract"]],
)
def test_an_unknown_source_is_named_with_the_known_ones(tmp_path: Path, command: list) -> None:
    _archive_one(tmp_path)
    code, error = _invoke(tmp_path, *command, "--source", "nosuch")
    assert code == 1
    assert error == "Error: no source named 'nosuch' in the archive (known: example)"
    assert _invoke(tmp_path, *command, "--source", "example")[0] == 0


def test_a_bad_url_is_a_usage_error_about_url(tmp_path: Path) -> None:
    code, error = _invoke(tmp_path, "crawl", "--url", "ftp://example.com/a")
    assert code == 2
    assert error.splitlines()[-1] == (
        "Error: Invalid value for --url: not an http(s) URL: 'ftp://example.com/a'")


@pytest.mark.integration
def test_a_bad_line_of_a_url_file_is_skipped_with_its_line_number(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on: the crawl ends at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    listed = tmp_path / "urls.txt"
    listed.write_text(f"# articles\nhttp://127.0.0.1:{port}/a\nnot a url\n\nftp://x/y\n",
                      encoding="utf-8")
    result = run_cli(tmp_path / "data", "crawl", "--url-file", str(listed))
    assert result.returncode == 3, result.stderr  # the one URL's host did not answer
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        f"Warning: {listed}:3: not an http(s) URL: 'not a url', line skipped",
        f"Warning: {listed}:5: not an http(s) URL: 'ftp://x/y', line skipped",
    ]
    assert "1 sources" in result.stdout


@pytest.mark.integration
def test_demo_on_a_busy_port_says_so_instead_of_moving(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))  # the second outlet's port is taken
        busy.listen()
        base = busy.getsockname()[1] - 1
        result = run_cli(tmp_path / "data", "demo", "--port", str(base))
    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        f"Error: cannot serve the demo on ports {base}-{base + 2}: Address already in use")
    assert not (tmp_path / "data").exists()  # nothing archived under other ports


@pytest.mark.parametrize("command", [["search", "trams"], ["search", "trams", "--jsonl"],
                                     ["search", "trams", "--count"], ["stats"]])
def test_an_archive_of_a_newer_version_says_so(tmp_path: Path, command: list) -> None:
    _archive_one(tmp_path)
    assert _invoke(tmp_path, "index")[0] == 0
    with Archive(tmp_path / "archive.db") as archive:
        archive.db.execute("PRAGMA user_version = 99")
    code, error = _invoke(tmp_path, *command)
    assert (code, error) == (1, f"Error: archive {tmp_path / 'archive.db'} was written by a"
                                " newer version of this tool: update this one")
