"""Extraction benchmark over the labelled corpus: our extractor against plain trafilatura.

Run:  .venv/bin/python bench/extraction.py [CORPUS_DIR] [--processes N]

Prints, per field (title, author, date), the share of labelled pages each extractor gets right,
the share of body snippets found ("with") and kept out ("without"), and milliseconds per page.
Scoring follows the corpus README: case and whitespace are normalised, a leading "By"/"Von" is
dropped from author names, and author lists are compared as sets (names split on ";", ",",
"and", "und", "&" on both sides alike); dates compare as YYYY-MM-DD; only filled labels count.
``hard::`` keys are extracted without a URL. The scoring functions are reused by
tests/test_corpus.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from crawler.extract import extract_article, reset_caches  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
FIELDS = ("title", "author", "date")
AUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|,|\band\b|\bund\b|&)\s*", re.I)
AUTHOR_PREFIX_RE = re.compile(r"^(?:by|von)\s+", re.I)


@dataclass(frozen=True)
class Case:
    """One labelled corpus page."""

    key: str
    url: str | None
    path: Path
    labels: dict[str, object]


@dataclass
class Result:
    """What an extractor found on one page, in comparable form."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    date: str = ""
    text: str = ""
    ms: float = 0.0


@dataclass
class Score:
    """Tallies of right answers per field, snippets and time for one extractor."""

    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    labelled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    with_found: int = 0
    with_total: int = 0
    without_absent: int = 0
    without_total: int = 0
    ms: float = 0.0
    pages: int = 0

    def rate(self, name: str) -> float:
        """Share of labelled pages right for ``name`` (a field, "with" or "without")."""
        if name == "with":
            return self.with_found / max(self.with_total, 1)
        if name == "without":
            return self.without_absent / max(self.without_total, 1)
        return self.right[name] / max(self.labelled[name], 1)

    @property
    def ms_per_page(self) -> float:
        """Mean extraction time per page in milliseconds."""
        return self.ms / max(self.pages, 1)


def load_corpus(corpus: Path) -> list[Case]:
    """Read labels.json and return the labelled pages, sorted by key."""
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    return [
        Case(
            key, None if key.startswith("hard::") else key, corpus / "pages" / value["file"], value
        )
        for key, value in sorted(labels.items())
    ]


def normalize(text: str) -> str:
    """Case-fold and collapse whitespace."""
    return " ".join(text.casefold().split())


def author_set(value: object) -> set[str]:
    """Turn a label (string or list) or extracted names into a set of normalised names."""
    names = value if isinstance(value, list) else [str(value or "")]
    parts = (part for name in names for part in AUTHOR_SPLIT_RE.split(str(name)))
    return {normalize(AUTHOR_PREFIX_RE.sub("", p.strip())) for p in parts if p.strip()} - {""}


def field_right(name: str, expected: object, result: Result) -> bool:
    """Tell whether ``result`` has the labelled value of field ``name``."""
    if name == "title":
        return normalize(str(expected)) == normalize(result.title)
    if name == "author":
        return author_set(expected) == author_set(result.authors)
    return str(expected)[:10] == result.date[:10]


def snippet_counts(result: Result, labels: dict[str, object]) -> tuple[int, int, int, int]:
    """Return (with found, with total, without absent, without total) for one page."""
    text = normalize(result.text)
    wanted = [normalize(str(s)) for s in labels.get("with") or []]
    unwanted = [normalize(str(s)) for s in labels.get("without") or []]
    return (
        sum(s in text for s in wanted),
        len(wanted),
        sum(s not in text for s in unwanted),
        len(unwanted),
    )


def run_ours(html: bytes, url: str | None) -> Result:
    """Extract one page with crawler.extract."""
    article = extract_article(html, url or "")
    if article is None:
        return Result()
    return Result(article.title, article.authors, article.published or "", article.text)


def run_trafilatura(html: bytes, url: str | None) -> Result:
    """Extract one page with plain trafilatura, as its documentation shows."""
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if document is None:
        return Result()
    authors = [a for a in (document.author or "").split("; ") if a]
    return Result(document.title or "", authors, document.date or "", document.text or "")


EXTRACTORS: dict[str, Callable[[bytes, str | None], Result]] = {
    "ours": run_ours,
    "trafilatura": run_trafilatura,
}


def _run_page(job: tuple[tuple[str, ...], Case]) -> tuple[Case, dict[str, Result]]:
    """Run each named extractor on one page in turn, so that load changes hit all alike.

    With several extractors, trafilatura's caches are emptied before each run: the second
    one on a page would otherwise find the first one's work cached.
    """
    names, case = job
    html = case.path.read_bytes()
    results = {}
    for name in names:
        if len(names) > 1:
            reset_caches()
        start = time.perf_counter()
        results[name] = EXTRACTORS[name](html, case.url)
        results[name].ms = (time.perf_counter() - start) * 1000
    return case, results


def score_results(results: Iterable[tuple[Case, Result]]) -> Score:
    """Tally one extractor's results against the labels."""
    score = Score()
    for case, result in results:
        score.pages += 1
        score.ms += result.ms
        for name in FIELDS:
            expected = case.labels.get(name)
            if expected:
                score.labelled[name] += 1
                score.right[name] += field_right(name, expected, result)
        found, total, absent, unwanted = snippet_counts(result, case.labels)
        score.with_found += found
        score.with_total += total
        score.without_absent += absent
        score.without_total += unwanted
    return score


def evaluate(
    names: Sequence[str], cases: Iterable[Case], processes: int = 1
) -> dict[str, tuple[Score, list[tuple[Case, Result]]]]:
    """Run the named extractors over ``cases``; return each one's score and per-page results."""
    jobs = [(tuple(names), case) for case in cases]
    if processes > 1:
        with ProcessPoolExecutor(processes) as pool:
            pages = list(pool.map(_run_page, jobs, chunksize=8))
    else:
        pages = [_run_page(job) for job in jobs]
    evaluated = {}
    for name in names:
        results = [(case, by_name[name]) for case, by_name in pages]
        evaluated[name] = (score_results(results), results)
    return evaluated


def report(scores: dict[str, Score]) -> str:
    """Format the scores side by side."""
    names = list(scores)
    lines = [f"{'':<16}" + "".join(f"{n:>14}" for n in names)]
    for row in (*FIELDS, "with", "without"):
        first = scores[names[0]]
        label = f"{row} (n={first.labelled[row]})" if row in FIELDS else f"{row} snippets"
        lines.append(f"{label:<16}" + "".join(f"{scores[n].rate(row):>14.1%}" for n in names))
    lines.append(f"{'ms/page':<16}" + "".join(f"{scores[n].ms_per_page:>14.1f}" for n in names))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run both extractors over the corpus and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--processes", type=int, default=1, help="worker processes (pages run both in turn)"
    )
    parser.add_argument(
        "--show", choices=FIELDS, help="list the pages where ours gets this field wrong"
    )
    args = parser.parse_args(argv)
    cases = load_corpus(args.corpus)
    evaluated = evaluate(list(EXTRACTORS), cases, args.processes)
    if args.show:
        for case, result in evaluated["ours"][1]:
            expected = case.labels.get(args.show)
            if expected and not field_right(args.show, expected, result):
                got = {"title": result.title, "author": result.authors, "date": result.date}
                print(f"{case.key}\n    expected {expected!r}\n    got      {got[args.show]!r}")
    scores = {name: score for name, (score, _) in evaluated.items()}
    print(f"{len(cases)} pages from {args.corpus}")
    print(report(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
