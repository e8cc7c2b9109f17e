"""The command line over a real crawled archive: search, show, stats, export, errors."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.packed import unpack
from indexer.store import Archive
from search_cli import cli
from tests.conftest import REFERENCE_DIR, ROOT, invoke_cli, need_shared


def invoke(data: Path, *args: str) -> tuple[int, str, str]:
    result = invoke_cli(data, *args)
    return result.returncode, result.stdout, result.stderr


def _oracle(data: Path, phrase: str, source: str, since: str, until: str) -> list[str]:
    """Ids of the articles holding ``phrase``, by a plain scan of the store, newest first."""
    with sqlite3.connect(data / "archive.db") as db:
        db.create_function("unpack", 1, unpack)  # bodies are kept packed
        rows = db.execute(
            "select id from articles where source = ? and substr(published, 1, 7) between ? and ?"
            " and instr(lower(title || ' ' || unpack(text)), ?) order by published desc",
            (source, since, until, phrase),
        )
        return [r[0] for r in rows]


def test_phrase_search_with_source_and_dates_newest_first(demo_archive: dict) -> None:
    data = demo_archive["data"]
    expected = _oracle(data, "household spending", "ledger", "2024-02", "2024-05")
    assert len(expected) >= 2
    code, out, _ = invoke(
        data,
        "search",
        '"household spending"',
        "--source",
        "ledger",
        "--since",
        "2024-02",
        "--until",
        "2024-05",
        "--sort",
        "newest",
        "--json",
    )
    assert code == 0
    payload = json.loads(out)
    assert [h["id"] for h in payload["hits"]] == expected
    assert payload["total"] == len(expected)
    published = [h["published"] for h in payload["hits"]]
    assert published == sorted(published, reverse=True)


def test_search_prints_hits_with_highlighted_snippet(demo_archive: dict) -> None:
    code, out, _ = invoke(demo_archive["data"], "search", "household", "--limit", "2")
    assert code == 0
    assert out.splitlines()[0].startswith("1-2 of ")
    assert "http://127.0.0.1:" in out
    assert "household" in out.lower()
    # each hit shows the id that show, similar, history and raw take
    code, listed, _ = invoke(demo_archive["data"], "search", "household", "--limit", "2",
                             "--json")
    for hit in json.loads(listed)["hits"]:
        assert f"   {hit['id']}  {hit['url']}" in out.splitlines()


def test_malformed_query_is_one_line_error(demo_archive: dict) -> None:
    code, out, err = invoke(demo_archive["data"], "search", "*")
    assert code == 1
    assert err.startswith("Error: ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err


def test_search_help_documents_the_query_language(demo_archive: dict) -> None:
    code, out, _ = invoke(demo_archive["data"], "search", "--help")
    assert code == 0
    assert '"exact phrase"' in out or "exact phrase" in out
    assert "title:" in out


def test_show_json_and_unknown_id(demo_archive: dict) -> None:
    data = demo_archive["data"]
    some_id = sqlite3.connect(data / "archive.db").execute("select id from articles").fetchone()[0]
    code, out, _ = invoke(data, "show", some_id, "--format", "json")
    assert code == 0
    assert json.loads(out)["id"] == some_id
    code, _, err = invoke(data, "show", "0000000000000000")
    assert code == 1
    assert "no article" in err


def test_stats_json(demo_archive: dict) -> None:
    code, out, _ = invoke(demo_archive["data"], "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["articles"] == len(demo_archive["urls"])
    assert set(stats["sources"]) == {"courier", "ledger", "gazette"}


def test_export_jsonl_to_stdout(demo_archive: dict) -> None:
    code, out, _ = invoke(
        demo_archive["data"], "export", "-", "--format", "jsonl", "--source", "gazette"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows
    assert {r["source"] for r in rows} == {"gazette"}


def test_missing_archive_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path / "nowhere", "stats")
    assert code == 1
    assert "no archive" in err


def test_an_empty_archive_searches_to_no_hits(tmp_path: Path) -> None:
    Archive(tmp_path / "archive.db").close()
    assert invoke_cli(tmp_path, "index", "--rebuild").returncode == 0
    for query in ("", "harbour", "date:2020"):
        result = invoke_cli(tmp_path, "search", query)
        assert result.returncode == 0, (query, result.stderr)
        assert "0 articles" in result.stdout, query


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[source]]\nname = 'x'\n", "source 'x': field 'url'"),
        (
            "[[source]]\nname = 'x'\nurl = 'http://127.0.0.1:9/'\ndepth = 'deep'\n",
            "source 'x': field 'depth'",
        ),
        ("[[source]]\nname = 'x'\nurl = 'file:///etc/passwd'\n", "must be an http(s) URL"),
        ("[[source", "invalid TOML"),
    ],
)
def test_invalid_sources_file_names_source_and_field(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(content, encoding="utf-8")
    # in this process, an exception fails the test; test_budgets checks a real process's
    # stderr for such an error
    result = invoke_cli(tmp_path, "crawl", "--sources", str(path))
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_file_url_is_refused(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path, "crawl", "--url", "file:///etc/passwd")
    assert code == 2  # a bad --url is bad usage
    assert "http(s)" in err


def test_wire_story_copies_fold_in_search_and_show(demo_archive: dict) -> None:
    data = demo_archive["data"]
    code, out, _ = invoke(data, "search", "sewage", "--json")
    assert code == 0
    plain = json.loads(out)["hits"]
    assert {h["source"] for h in plain} == {"courier", "ledger"}
    code, out, _ = invoke(data, "search", "sewage", "--collapse", "--json")
    folded = json.loads(out)["hits"]
    assert len(folded) == 1
    other = ({h["id"] for h in plain} - {folded[0]["id"]}).pop()
    assert folded[0]["copies"] == [other]
    code, out, _ = invoke(data, "show", folded[0]["id"], "--format", "json")
    assert [c["id"] for c in json.loads(out)["copies"]] == [other]
    code, out, _ = invoke(data, "show", folded[0]["id"], "--format", "text")
    assert "Other copies of this story" in out


def test_markdown_export_of_the_reference_page(demo_archive: dict, tmp_path: Path) -> None:
    need_shared(REFERENCE_DIR / "site")  # the demo site serves the reference page from it
    data = demo_archive["data"]
    code, _, err = invoke(
        data,
        "export",
        str(tmp_path / "md"),
        "--format",
        "markdown",
        "--since",
        "2022-10-27",
        "--until",
        "2022-10-27",
    )
    assert code == 0, err
    files = sorted((tmp_path / "md").iterdir())
    assert [f.name[:4] for f in files] == ["000_"]
    expected = need_shared(REFERENCE_DIR / "000_73e57eb49fa2454d.txt").read_text(encoding="utf-8")

    def unlink(text: str) -> str:
        return re.sub(r"\]\([^)]*\)", "](#)", text)

    assert unlink(files[0].read_text(encoding="utf-8")) == unlink(expected)


def test_export_query_exports_exactly_the_hits(demo_archive: dict, tmp_path: Path) -> None:
    data = demo_archive["data"]
    code, out, _ = invoke(data, "search", '"household spending"', "--json", "--limit", "100")
    hits = {h["id"] for h in json.loads(out)["hits"]}
    assert hits
    out_db = tmp_path / "hits.db"
    code, _, err = invoke(data, "export", str(out_db), "--query", '"household spending"')
    assert code == 0, err
    with sqlite3.connect(out_db) as db:
        exported = {r[0] for r in db.execute("select id from articles")}
    assert exported == hits


def test_output_into_a_closed_pipe_stops_quietly(demo_archive: dict) -> None:
    """``search ... | head -1``: the reader goes away; no "Broken pipe" error, exit 141."""
    argv = [sys.executable, str(ROOT / "search_cli.py"), "--data", str(demo_archive["data"])]
    env = {**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning"}
    proc = subprocess.Popen(
        [*argv, "search", "--limit", "50", "reporting"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # before the first line is written
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 141
    assert stderr == b""


def test_crawl_help_lists_every_exit_status_of_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    statuses = re.findall(r"^\| (\d+) \|", readme, re.MULTILINE)
    assert statuses == [str(n) for n in range(7)]
    result = CliRunner().invoke(cli, ["crawl", "--help"])
    listed = " ".join(result.output.split()).split("Exit status:", 1)[1]
    for status in statuses:
        assert re.search(rf"\b{status} ", listed), f"crawl --help misses exit status {status}"


def test_a_query_error_in_the_engine_is_not_taken_for_a_damaged_index(
    demo_archive: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prefix expanding to too many words fails while the engine translates the query
    (in indexer/search/whoosh/): one error line, and no rebuild of a sound index."""
    monkeypatch.setattr("indexer.search.expansion.MAX_EXPANSIONS", 1)
    code, _out, err = invoke(demo_archive["data"], "search", "re*")
    assert code == 1
    assert err.startswith("Error: ")
    assert "too many words" in err
    assert "rebuilding" not in err


def test_the_cli_offers_the_engines_sorts_and_facets() -> None:
    from indexer.commands import reading
    from indexer.search import engine

    assert reading.SORTS == engine.SORTS
    assert tuple(engine.FACETS) == reading.FACETS


def test_stats_is_a_readable_table(demo_archive: dict) -> None:
    code, out, _ = invoke(demo_archive["data"], "stats")
    assert code == 0
    for python_repr in ("['", "{'", "None", "_published"):
        assert python_repr not in out
    labels = [line.split(" ", 1)[0] for line in out.splitlines() if not line.startswith(" ")]
    assert labels == ["articles", "published", "sources", "authors", "agencies", "last",
                      "not"]
    code, listed, _ = invoke(demo_archive["data"], "stats", "--json")
    figures = json.loads(listed)
    assert out.startswith(f"articles     {figures['articles']:,} (0 waiting for the index)")


def test_search_header_says_what_it_counts(demo_archive: dict) -> None:
    data = demo_archive["data"]
    _, listed, _ = invoke(data, "search", "water", "--json", "--limit", "1")
    total = json.loads(listed)["total"]
    assert total > 1
    assert invoke(data, "search", "water", "--limit", "1")[1].splitlines()[0] == (
        f"1 of {total} articles")
    assert invoke(data, "search", "water", "--page", "99")[1].splitlines()[0] == (
        f"no hits on page 99: {total} articles, the last page is {-(-total // 10)}")
    assert invoke(data, "search", "water", "--collapse", "--limit", "2")[1].splitlines()[0] == (
        f"stories 1-2; {total} articles match (syndicated copies folded)")


@pytest.mark.parametrize(("no_color", "colored"), [(None, True), ("1", False)])
def test_search_colors_a_terminal_unless_no_color(
    demo_archive: dict, no_color: str | None, colored: bool
) -> None:
    import pty

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = no_color
    leader, follower = pty.openpty()
    with os.fdopen(leader, "rb") as terminal:
        proc = subprocess.run(
            [sys.executable, str(ROOT / "search_cli.py"), "--data", str(demo_archive["data"]),
             "search", "water", "--limit", "1"],
            stdout=follower, stderr=subprocess.PIPE, env=env, cwd=ROOT, timeout=60,
            check=False,
        )
        os.close(follower)
        output = b""
        with contextlib.suppress(OSError):  # EIO once the terminal is drained
            while chunk := os.read(terminal.fileno(), 65536):
                output += chunk
    assert proc.returncode == 0, proc.stderr
    assert b"water" in output.lower()
    assert (b"\x1b[" in output) is colored


def test_facet_is_repeatable(demo_archive: dict) -> None:
    data = demo_archive["data"]
    _, one, _ = invoke(data, "search", "water", "--facet", "source", "--json")
    _, two, _ = invoke(data, "search", "water", "--facet", "source", "--facet", "agency",
                       "--json")
    sources = json.loads(one)
    assert sum(sources.values()) == json.loads(invoke(data, "search", "water", "--count")[1])
    both = json.loads(two)
    assert both["source"] == sources
    assert set(both) == {"source", "agency"}
    code, text, _ = invoke(data, "search", "water", "--facet", "source", "--facet", "agency")
    assert code == 0
    assert text.splitlines()[0] == "source:"
    assert "agency:" in text.splitlines()
