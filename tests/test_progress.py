"""``crawl`` progress: one updating line on a terminal, the summary alone elsewhere, and
nothing at all with ``-q``."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.progress import progress_text
from tests.conftest import FAST, ROOT, run_cli


def _sources(demo_site: dict[str, str], path: Path) -> Path:
    base = demo_site["courier"]
    path.write_text(
        f'[[source]]\nname = "courier"\nurl = "{base}"\nsitemaps = ["{base}sitemap.xml"]\n'
        "follow = false\n",
        encoding="utf-8",
    )
    return path


def _crawl_on_a_terminal(data: Path, *args: str) -> tuple[int, str, str]:
    """Run ``crawl`` with its stderr on a pseudo-terminal; return (status, stdout, tty)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), "crawl", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env,
    )
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every writer of the terminal has gone
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    return proc.wait(timeout=60), out, seen.decode(errors="replace")


@pytest.mark.integration
def test_a_terminal_sees_one_progress_line_rewritten(demo_site: dict, tmp_path: Path) -> None:
    sources = _sources(demo_site, tmp_path / "sources.toml")
    code, out, tty = _crawl_on_a_terminal(tmp_path / "data", "--sources", str(sources), *FAST)
    assert code == 0, tty
    drawn = [part for part in tty.split("\r\x1b[K") if part.startswith("crawling:")]
    assert drawn, tty
    assert "\n" not in "".join(drawn)  # the line is rewritten, never scrolled
    assert drawn[-1].endswith(tuple(f"0:{s:02d}" for s in range(60)))
    assert "crawl finished:" in out
    pages = [int(line.split()[1]) for line in drawn]
    assert pages == sorted(pages)
    assert 0 < pages[-1] <= int(out.split(" pages fetched")[0].split()[-1])
    assert tty.endswith("\r\x1b[K")  # cleared for the summary


@pytest.mark.integration
def test_without_a_terminal_only_the_summary(demo_site: dict, tmp_path: Path) -> None:
    sources = _sources(demo_site, tmp_path / "sources.toml")
    result = run_cli(tmp_path / "data", "crawl", "--sources", str(sources), *FAST)
    assert result.returncode == 0, result.stderr
    assert "crawling:" not in result.stderr
    assert "\x1b" not in result.stderr
    assert result.stdout.startswith("crawl finished:")


@pytest.mark.integration
def test_quiet_prints_nothing_on_success_and_the_summary_on_failure(
    demo_site: dict, tmp_path: Path
) -> None:
    sources = _sources(demo_site, tmp_path / "sources.toml")
    code, out, tty = _crawl_on_a_terminal(tmp_path / "data", "--sources", str(sources), "-q",
                                          *FAST)
    assert code == 0, tty
    assert (out, tty) == ("", "")
    dead = tmp_path / "dead.toml"
    dead.write_text('[[source]]\nname = "dead"\nurl = "http://127.0.0.1:9/"\n', encoding="utf-8")
    failed = run_cli(tmp_path / "data", "crawl", "--sources", str(dead), "-q", *FAST)
    assert failed.returncode == 3
    assert "sources with no answer: dead" in failed.stdout


def test_the_line_says_pages_articles_failures_and_time() -> None:
    stats = {"downloader/response_count": 31, "archive/new": 21, "archive/failed": 2}
    assert progress_text(stats, 75.9) == (
        "crawling: 31 pages fetched, 21 new articles, 2 failed, 1:15"
    )
    assert progress_text({}, 0) == "crawling: 0 pages fetched, 0 new articles, 0 failed, 0:00"


def test_quiet_and_verbose_are_refused_together(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from search_cli import cli

    result = CliRunner().invoke(cli, ["--data", str(tmp_path), "crawl", "-q", "-v"])
    assert result.exit_code == 2
    assert "-q/--quiet and -v/--verbose do not go together" in result.stderr
