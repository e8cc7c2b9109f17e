"""``search --jsonl`` and ``search --format csv``: every hit, past the 1,000 cap, streamed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.article import Article
from indexer.search import ArchiveIndex
from indexer.store import Archive
from search_cli import cli

N = 1_205  # over the 1,000 hits a page of search may show


def _article(n: int) -> Article:
    return Article(
        url=f"https://news{n % 3}.example/story/{n}",
        title=f"Story {n} about the harbour",
        source=f"news{n % 3}",
        text=f"The harbour report number {n}. " + "harbour " * (n % 7) + "More words follow.",
        published=f"20{10 + n % 15}-0{1 + n % 9}-1{n % 10}",
        authors=[f"Writer {n}", "Shared Author"],
        agencies=["AFP"] if n % 2 else [],
        language="en",
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    with Archive(folder / "archive.db") as archive:
        archive.add_articles([(_article(n), b"<html></html>") for n in range(N)])
        ArchiveIndex(folder / "index").rebuild(archive)
    return folder


def _search(data: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--data", str(data), "search", *args])
    return result.exit_code, result.stdout, result.stderr


def test_jsonl_prints_every_hit_one_json_object_a_line_best_first(data: Path) -> None:
    code, out, err = _search(data, "harbour", "--jsonl")
    assert code == 0, err
    hits = [json.loads(line) for line in out.splitlines()]
    assert len(hits) == N
    assert {h["url"] for h in hits} == {_article(n).url for n in range(N)}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert set(hits[0]) == {"id", "url", "title", "published", "source", "authors",
                            "agencies", "score", "snippet"}
    assert "harbour" in hits[0]["snippet"].lower()


def test_csv_prints_every_hit_with_a_header_and_joined_lists(data: Path) -> None:
    code, out, err = _search(data, "harbour", "--format", "csv", "--sort", "newest")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == N
    assert list(rows[0]) == ["id", "url", "title", "source", "published", "authors",
                             "agencies", "score", "snippet"]
    published = [r["published"] for r in rows]
    assert published == sorted(published, reverse=True)
    story_7 = next(r for r in rows if r["url"].endswith("/story/7"))
    assert story_7["authors"] == "Writer 7; Shared Author"
    assert story_7["agencies"] == "AFP"
    assert story_7["score"] == ""  # sorted by date: no relevance score


def test_filters_and_an_explicit_limit_apply(data: Path) -> None:
    code, out, _ = _search(data, "harbour", "--source", "news1", "--jsonl")
    assert code == 0
    assert len(out.splitlines()) == len([n for n in range(N) if n % 3 == 1])
    code, out, _ = _search(data, "harbour", "--jsonl", "--limit", "5")
    assert code == 0
    assert len(out.splitlines()) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jsonl", "--json"], "choose one output format, not json and jsonl"),
        (["--format", "csv", "--jsonl"], "not csv and jsonl"),
        (["--jsonl", "--page", "2"], "prints every hit: it takes no --page"),
        (["--format", "csv", "--collapse"], "prints every hit"),
    ],
)
def test_conflicting_options_are_usage_errors(data: Path, args: list[str], message: str) -> None:
    code, _, err = _search(data, "harbour", *args)
    assert code == 2
    assert message in err


@pytest.mark.parametrize("fmt", [[], ["--json"]])
def test_a_search_cut_short_by_the_time_limit_says_so(
    data: Path, fmt: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever the timer leaves (some hits or none), the page is not passed off as complete.
    monkeypatch.setattr("indexer.search.whoosh.matching.TIME_LIMIT", 1e-6)
    code, out, err = _search(data, "harbour OR report OR words", *fmt)
    assert code == 0, err
    assert "the search ran out of time" in err
    if fmt:
        assert json.loads(out)["partial"] is True
    else:
        assert "found before the time limit (partial" in out.splitlines()[0]
    monkeypatch.undo()
    code, out, err = _search(data, "harbour OR report OR words", *fmt)
    assert "ran out of time" not in err + out
    assert fmt or out.startswith("1-10 of 1,205 articles\n")
