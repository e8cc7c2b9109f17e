"""Extraction benchmark over the three labelled sets: ours against plain trafilatura and htmldate.

Run:  .venv/bin/python bench/extraction.py [--set NAME ...] [--part tune|held] [--processes N]
      [--show FIELD]

Sets (under ../shared): ``corpus`` (363 mixed pages: title, author persons, date, body
snippets), ``corpus-news`` (138 news pages: title, persons, date, body paragraphs) and
``corpus-dates`` (about 390 pages: date only).

Held-out part: each page goes to the held-out part when the first 8 hex digits of the SHA-256
of its key, read as an integer, modulo 100 are below HELD_OUT_PERCENT (30), else to the tuning
part. Rules are tuned looking at the tuning part only; every figure is printed for both parts.

For each set, part and field it prints per extractor: the share right, the number of
confidently wrong answers (a value given that is not the label) and ms per page.

Scoring: titles compare with case and whitespace normalised (on corpus-news a "Kicker: "
prefix may be dropped on either side, as its README says); authors compare as sets of person
names, lower-cased with punctuation dropped, against ``author_persons`` / ``persons`` (an empty
list means the right answer is no author); dates compare as YYYY-MM-DD; only filled labels
count; ms per page leave out the one-time load of the language model (the crawler's workers
share one loaded copy). ``with`` is the share of body snippets (corpus-news: its
paragraphs) found in the text, ``without`` the share of unwanted snippets kept out. Pages
are extracted with their URL, as a crawler would (``hard::`` keys of corpus without one).
The scoring is reused by tests/test_corpus.py.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import htmldate
import trafilatura
from htmldate.extractors import get_external_parser

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from crawler.extract import extract_article, reset_caches  # noqa: E402
from crawler.extraction.language import load_model  # noqa: E402

# ../shared beside the repository; NEWS_ARCHIVE_SHARED points elsewhere (from a git worktree)
SHARED = Path(os.environ.get("NEWS_ARCHIVE_SHARED") or REPO.parent / "shared")
SETS = ("corpus", "corpus-news", "corpus-dates")
DEFAULT_CORPUS = SHARED / "corpus"
FIELDS = ("title", "author", "date")
PARTS = ("tune", "held")
HELD_OUT_PERCENT = 30
# the date of the newest labelled page is older than this: no date after it is plausible
MAX_DATE = "2026-12-31"
PUNCT_RE = re.compile(r"[^\w\s]")
KICKER_SEP = ": "
QUOTES = str.maketrans({q: "'" for q in "‘’‚‛"} | {q: '"' for q in "“”„‟«»"})


def part_of(key: str) -> str:
    """Return "held" for the held-out share of pages (by a hash of the key), else "tune"."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return "held" if int(digest[:8], 16) % 100 < HELD_OUT_PERCENT else "tune"


@dataclass(frozen=True)
class Case:
    """One labelled page, its labels in common form (empty: not annotated)."""

    key: str
    url: str | None
    path: Path
    set_name: str
    title: str = ""
    persons: tuple[str, ...] | None = None  # None: not annotated; (): no person named
    date: str = ""
    with_: tuple[str, ...] = ()
    without: tuple[str, ...] = ()

    @property
    def part(self) -> str:
        """The part ("tune" or "held") this page belongs to."""
        return part_of(self.key)

    def html(self) -> bytes:
        """The page's bytes as served (gzipped files are unpacked)."""
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.suffix == ".gz" else data

    def labelled(self, name: str) -> bool:
        """Tell whether field ``name`` is annotated on this page."""
        if name == "author":
            return self.persons is not None
        return bool(getattr(self, name))


@dataclass
class Result:
    """What an extractor found on one page, in comparable form (None: field not extracted)."""

    title: str | None = ""
    authors: list[str] | None = field(default_factory=list)
    date: str | None = ""
    text: str | None = ""
    ms: float = 0.0


@dataclass
class Score:
    """Tallies per field (right, wrong, labelled), snippets and time for one extractor."""

    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    wrong: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
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


def _persons(value: object) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(v) for v in value)  # type: ignore[union-attr]


def load_set(name: str, shared: Path = SHARED) -> list[Case]:
    """Read one set's labels.json and return its pages in common form, sorted by key."""
    corpus = shared / name
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    cases = []
    for key, value in sorted(labels.items()):
        path = corpus / "pages" / value["file"]
        if name == "corpus-news":
            case = Case(
                key,
                value["url"],
                path,
                name,
                value["title"],
                _persons(value["persons"]),
                value["date"],
                tuple(value.get("summary", []) + value.get("paragraphs", [])),
            )
        elif name == "corpus":
            url = None if key.startswith("hard::") else key
            persons = _persons(value.get("author_persons")) if value.get("author") else None
            case = Case(
                key,
                url,
                path,
                name,
                value["title"],
                persons,
                value["date"],
                tuple(value.get("with") or ()),
                tuple(value.get("without") or ()),
            )
        else:
            case = Case(key, key, path, name, date=value["date"])
        cases.append(case)
    return cases


def load_corpus(corpus: Path = DEFAULT_CORPUS) -> list[Case]:
    """Read the set in directory ``corpus`` (one of SETS)."""
    return load_set(corpus.name, corpus.parent)


def normalize(text: str) -> str:
    """Case-fold and collapse whitespace."""
    return " ".join(text.casefold().split())


def title_key(text: str) -> str:
    """A title normalised, typographic quotes and apostrophes as plain ones ("’" as "'")."""
    return normalize(text.translate(QUOTES))


def person_key(name: str) -> str:
    """A name as the labels spell persons: lower-cased, punctuation dropped."""
    return normalize(PUNCT_RE.sub("", name))


def title_right(expected: str, got: str, kicker: bool) -> bool:
    """Tell whether ``got`` is the labelled title (``kicker``: "K: T" and "T" match both ways)."""
    expected, got = title_key(expected), title_key(got)
    if expected == got:
        return True
    return (
        kicker
        and bool(got)
        and (expected.partition(KICKER_SEP)[2] == got or got.partition(KICKER_SEP)[2] == expected)
    )


def judge(name: str, case: Case, result: Result) -> str | None:
    """Return "right", "wrong" (a value not the label), "none" (no value) or None (unlabelled)."""
    if not case.labelled(name):
        return None
    if name == "title":
        if not result.title:
            return "none"
        return (
            "right"
            if title_right(case.title, result.title, case.set_name == "corpus-news")
            else "wrong"
        )
    if name == "author":
        if result.authors is None:
            return "none"
        got = {person_key(a) for a in result.authors} - {""}
        expected = {person_key(p) for p in case.persons or ()}
        if got == expected:
            return "right"
        return "wrong" if got else "none"
    if not result.date:
        return "none"
    return "right" if case.date[:10] == result.date[:10] else "wrong"


def snippet_counts(result: Result, case: Case) -> tuple[int, int, int, int]:
    """Return (with found, with total, without absent, without total) for one page."""
    text = normalize(result.text or "")
    wanted = [normalize(s) for s in case.with_]
    unwanted = [normalize(s) for s in case.without]
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


def run_htmldate(html: bytes, url: str | None) -> Result:
    """Find the publication date with htmldate as trafilatura calls it (original, extensive)."""
    found = htmldate.find_date(
        html, url=url, original_date=True, extensive_search=True, max_date=MAX_DATE
    )
    return Result(title=None, authors=None, date=found or "", text=None)


EXTRACTORS: dict[str, Callable[[bytes, str | None], Result]] = {
    "ours": run_ours,
    "trafilatura": run_trafilatura,
    "htmldate": run_htmldate,
}
# what each extractor finds ("text": the body)
FIELDS_OF = {"ours": {*FIELDS, "text"}, "trafilatura": {*FIELDS, "text"}, "htmldate": {"date"}}


def _run_page(job: tuple[tuple[str, ...], Case]) -> tuple[Case, dict[str, Result]]:
    """Run each named extractor on one page in turn, so that load changes hit all alike.

    trafilatura's (and htmldate's) caches are emptied before each run: the next extractor on
    a page would otherwise find the previous one's work cached.
    """
    names, case = job
    html = case.html()
    results = {}
    for name in names:
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
            verdict = judge(name, case, result)
            if verdict is not None:
                score.labelled[name] += 1
                score.right[name] += verdict == "right"
                score.wrong[name] += verdict == "wrong"
        found, total, absent, unwanted = snippet_counts(result, case)
        score.with_found += found
        score.with_total += total
        score.without_absent += absent
        score.without_total += unwanted
    return score


def run_pages(
    names: Sequence[str], cases: Iterable[Case], processes: int = 1
) -> list[tuple[Case, dict[str, Result]]]:
    """Run the named extractors over ``cases``, in ``processes`` worker processes.

    The language model is loaded first, outside the timings, and the workers inherit it:
    the crawler's extraction workers share it too (a fork server loads it once). So is
    dateparser's data for every locale (htmldate's extensive search, about 4 s of CPU on
    its first use in a process): a crawl's worker pays that once per 1,000 pages.
    """
    load_model()
    get_external_parser().get_date_data("7 December 2026")
    jobs = [(tuple(names), case) for case in cases]
    if processes > 1:
        with ProcessPoolExecutor(processes) as pool:
            return list(pool.map(_run_page, jobs, chunksize=4))
    return [_run_page(job) for job in jobs]


def report(scores: dict[str, Score]) -> str:
    """Format the scores side by side: share right and wrong answers (w) per field; ms/page."""
    names = list(scores)
    first = scores[names[0]]
    lines = [f"{'':<18}" + "".join(f"{n:>18}" for n in names)]
    for row in FIELDS:
        if not first.labelled[row]:
            continue
        cells = [
            f"{scores[n].rate(row):.1%} w{scores[n].wrong[row]:<3}" if row in FIELDS_OF[n] else "-"
            for n in names
        ]
        label = f"{row} (n={first.labelled[row]})"
        lines.append(f"{label:<18}" + "".join(f"{c:>18}" for c in cells))
    for row, total in (("with", first.with_total), ("without", first.without_total)):
        if total:
            cells = [f"{scores[n].rate(row):.1%}" if "text" in FIELDS_OF[n] else "-" for n in names]
            lines.append(f"{row + ' snippets':<18}" + "".join(f"{c:>18}" for c in cells))
    lines.append(f"{'ms/page':<18}" + "".join(f"{scores[n].ms_per_page:>18.1f}" for n in names))
    return "\n".join(lines)


def _show(results: list[tuple[Case, Result]], name: str) -> None:
    for case, result in results:
        if judge(name, case, result) in ("wrong", "none"):
            expected = {"title": case.title, "author": case.persons, "date": case.date}[name]
            got = {"title": result.title, "author": result.authors, "date": result.date}[name]
            print(f"{case.key}\n    expected {expected!r}\n    got      {got!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the extractors over the chosen sets and parts and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", choices=SETS, help="default: all three")
    parser.add_argument("--part", choices=PARTS, help="default: both, printed apart")
    parser.add_argument("--processes", type=int, default=1, help="worker processes")
    parser.add_argument(
        "--only",
        choices=list(EXTRACTORS),
        action="append",
        help="run only these extractors (default: all)",
    )
    parser.add_argument("--show", choices=FIELDS, help="list the pages where ours misses a field")
    args = parser.parse_args(argv)
    for set_name in args.set or SETS:
        cases = [c for c in load_set(set_name) if args.part in (None, c.part)]
        names = args.only or list(EXTRACTORS)
        pages = run_pages(names, cases, args.processes)
        for part in (args.part,) if args.part else PARTS:
            chosen = [(case, by_name) for case, by_name in pages if case.part == part]
            print(f"\n== {set_name}, {part} part: {len(chosen)} pages")
            scores = {n: score_results((c, r[n]) for c, r in chosen) for n in names}
            print(report(scores))
            if args.show and "ours" in names:
                _show([(c, r["ours"]) for c, r in chosen], args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
