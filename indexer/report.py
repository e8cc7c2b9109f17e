"""What the CLI prints: search hits, facets, stats, source health, an article with its
copies, and an article's versions and their diff, as text lines or JSON-ready values.

Text from the web goes through :func:`indexer.terminal.clean_for_terminal` before it is
returned; ``color`` adds terminal styles (bold titles, coloured diffs)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from indexer.terminal import clean_for_terminal, render_snippet

if TYPE_CHECKING:
    from indexer.article import Article
    from indexer.health import SourceHealth
    from indexer.revisions import Version
    from indexer.search.results import Hit, SearchResult

BOLD, RESET = "\x1b[1m", "\x1b[0m"
DIFF_COLORS = {"-": ("\x1b[31m", RESET), "+": ("\x1b[32m", RESET)}
DIFF_MARKS = {"-": ("[-", "-]"), "+": ("{+", "+}")}

Row = tuple["Hit", list[str]]  # a hit and the ids of its syndicated copies


def hit_lines(number: int, hit: Hit, color: bool) -> list[str]:
    """Return the lines of one numbered hit: title, credit line, id and URL, snippet.

    The id is what ``show``, ``similar``, ``history`` and ``raw`` take."""
    title = clean_for_terminal(hit.title or "(untitled)")
    credit = " · ".join(
        part
        for part in (
            (hit.published or "undated")[:10],
            hit.source,
            ", ".join(hit.authors),
            ", ".join(hit.agencies),
        )
        if part
    )
    lines = [
        f"{number}. " + (f"{BOLD}{title}{RESET}" if color else title),
        "   " + clean_for_terminal(credit),
        f"   {hit.id}  " + clean_for_terminal(hit.url),
    ]
    snippet = render_snippet(hit.snippet, color)
    if snippet:
        lines.append("   " + snippet)
    return lines


HIT_COLUMNS = ("id", "url", "title", "source", "published", "authors", "agencies", "score",
               "snippet")


def write_hits(hits: Iterable[Hit], fmt: str, out: TextIO) -> int:
    """Write hits to ``out`` as they come: ``jsonl`` (one :meth:`Hit.to_dict` per line) or
    ``csv`` (HIT_COLUMNS, lists joined with ``"; "``); return how many."""
    written = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=HIT_COLUMNS)
        writer.writeheader()
    for hit in hits:
        row = hit.to_dict()
        if fmt == "csv":
            writer.writerow({k: "; ".join(v) if isinstance(v, list) else v
                             for k, v in row.items()})
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        written += 1
    return written


def search_json(
    query: str, result: SearchResult, rows: Sequence[Row], page: int, *, collapse: bool
) -> str:
    """Return ``search --json``: the query, total, page, hits (with their copies when
    collapsed), suggestion, and whether the time limit cut the search short (``partial``)."""
    hits = [
        {**hit.to_dict(), "copies": copies} if collapse else hit.to_dict() for hit, copies in rows
    ]
    payload = {
        "query": query,
        "total": result.total,
        "page": page,
        "hits": hits,
        "suggestion": result.suggestion,
        "partial": result.partial,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


PARTIAL = "partial: the search ran out of time, make the query narrower"


def search_text(
    result: SearchResult,
    rows: Sequence[Row],
    page: int,
    limit: int,
    *,
    collapse: bool,
    color: bool,
) -> list[str]:
    """Return the lines of a page of search results: a header, "did you mean", hits."""
    first = (page - 1) * limit + 1
    total = result.total
    matched = f"{total:,} {'article' if total == 1 else 'articles'}"
    shown = str(first) if len(rows) == 1 else f"{first}-{first + len(rows) - 1}"
    if collapse:  # hits are stories; the total counts articles
        lines = [f"stories {shown}; {matched} match (syndicated copies folded)" if rows
                 else f"no stories on page {page}; {matched} match"]
    elif rows:
        lines = [f"{shown} of {matched}"]
    elif total:
        lines = [f"no hits on page {page}: {matched}, the last page is {-(-total // limit)}"]
    else:
        lines = ["0 articles"]
    if result.partial:
        lines[0] += f" found before the time limit ({PARTIAL})"
    if result.suggestion:
        lines.append(f"did you mean: {clean_for_terminal(result.suggestion)}")
    for number, (hit, copies) in enumerate(rows, first):
        lines += ["", "\n".join(hit_lines(number, hit, color))]
        if copies:
            n = len(copies)
            lines.append(f"   + {n} other {'copy' if n == 1 else 'copies'} of this story")
    return lines


def facet_lines(counts: Sequence[tuple[str, int]]) -> list[str]:
    """Return one line per facet value: its count, then the value."""
    return [f"{n:>7,}  {clean_for_terminal(value)}" for value, n in counts]


def facets_text(by_field: Mapping[str, Sequence[tuple[str, int]]]) -> list[str]:
    """Return the counts of one facet, or of several, each under its field's name."""
    if len(by_field) == 1:
        return facet_lines(next(iter(by_field.values())))
    lines: list[str] = []
    for name, counts in by_field.items():
        lines += [*([""] if lines else []), f"{name}:", *facet_lines(counts)]
    return lines


def stats_lines(figures: Mapping[str, Any]) -> list[str]:
    """Return the archive's figures (:meth:`indexer.store.Archive.stats`) as a table."""

    def counts(values: Mapping[str, int]) -> str:
        return " · ".join(f"{name or '(none)'} {n:,}" for name, n in values.items()) or "none"

    rows = [
        ("articles", f"{figures['articles']:,} ({figures['pending_index']:,} waiting for "
                     "the index)"),
        ("published", f"{figures['first_published'] or '-'} … "
                      f"{figures['last_published'] or '-'}"),
        ("sources", counts(figures["sources"])),
        ("authors", f"{figures['authors']:,}"),
        ("agencies", counts(figures["agencies"])),
    ]
    crawl = figures.get("last_crawl")
    if crawl is None:
        rows.append(("last crawl", "none"))
    else:
        done = crawl["stats"] if isinstance(crawl["stats"], dict) else {}
        rows += [
            ("last crawl", f"#{crawl['id']} {crawl['status']}, {crawl['started']} → "
                           f"{crawl['finished'] or '…'}"),
            ("", f"{len(crawl['sources'])} sources: {', '.join(crawl['sources'])}"),
            ("", ", ".join(f"{done.get(k, 0):,} {k}" for k in CRAWL_COUNTS)),
            ("not stored", counts(figures.get("not_stored") or {})),
            *_worker_rows(done.get("workers")),
        ]
    return [f"{label:<12} {value}".rstrip() for label, value in rows]


def _worker_rows(workers: Any) -> list[tuple[str, str]]:
    """The rows of a distributed crawl's workers (recorded by its ingester), if any."""
    if not isinstance(workers, dict) or not workers:
        return []
    alive = sum(bool(w.get("alive")) for w in workers.values())
    rows = [("workers", f"{len(workers)} ({alive} alive)")]
    for name, w in sorted(workers.items()):
        state = "alive" if w.get("alive") else "gone"
        rows.append(("", f"{name}: {state}, {w.get('pages', 0):,} pages, "
                         f"{w.get('articles', 0):,} articles, last beat {w.get('last_beat')}"))
    return rows


# The counts of a crawl's stats shown by ``stats``, in this order.
CRAWL_COUNTS = ("pages", "new", "updated", "unchanged", "failed")


def health_lines(rows: Sequence[SourceHealth], alarms: Sequence[str]) -> list[str]:
    """Return the per-crawl, per-source health table, then one line per alarm."""
    lines = [
        f"{'crawl':>5}  {'started':<19}  {'source':<16} {'new':>5} {'no date':>8} "
        f"{'no author':>9} {'short':>6} {'failed':>6}"
    ]
    lines += [
        f"{r.crawl:>5}  {r.started[:19]:<19}  {r.source[:16]:<16} {r.new:>5} "
        f"{r.no_date:>8.0%} {r.no_author:>9.0%} {r.short_body:>6.0%} "
        f"{r.failures:>6}"
        for r in rows
    ]
    return lines + [f"ALARM {alarm}" for alarm in alarms]


def article_json(article: Article, copies: Sequence[Article]) -> str:
    """Return ``show --format json``: the article and a summary of its other copies."""
    from indexer import render

    payload = json.loads(render.to_json(article))
    payload["copies"] = [
        {"id": c.id, "url": c.url, "source": c.source, "title": c.title, "published": c.published}
        for c in copies
    ]
    return json.dumps(payload, indent=2, ensure_ascii=False)


def article_text(article: Article, copies: Sequence[Article], fmt: str) -> str:
    """Return an article as Markdown or text (``fmt``), its other copies listed after."""
    from indexer import render

    text = {"markdown": render.to_markdown, "text": render.to_text}[fmt](article)
    if copies:
        lines = [
            f"- {c.title} ({c.source}, {(c.published or 'undated')[:10]}) <{c.url}>" for c in copies
        ]
        text += "\n\nOther copies of this story:\n\n" + "\n".join(lines)
    return clean_for_terminal(text, newlines=True)


def version_lines(versions: Sequence[Version]) -> list[str]:
    """Return one line per version of an article: number, fetch time, state, title."""
    lines = []
    for v in versions:
        state = "current" if v.current else f"replaced {v.replaced_at}"
        lines.append(
            clean_for_terminal(
                f"v{v.number}  fetched {v.fetched_at or 'unknown'}  {state}  {v.title}"
            )
        )
    return lines


def diff_lines(a: Version, b: Version, *, color: bool) -> list[str]:
    """Return the word diff of two versions (title, then text): coloured, or marked
    ``[-removed-]`` and ``{+added+}``."""
    from indexer.revisions import changed_lines, word_diff

    mark = DIFF_COLORS if color else DIFF_MARKS

    def changes(old: str, new: str) -> list[str]:  # page text cleaned before our colours
        clean = [clean_for_terminal(t, newlines=True) for t in (old, new)]
        return changed_lines(word_diff(*clean), mark)

    lines = [
        f"--- v{a.number} (fetched {a.fetched_at or 'unknown'})",
        f"+++ v{b.number} (fetched {b.fetched_at or 'unknown'})",
    ]
    if a.title != b.title:
        lines.append("title: " + "".join(changes(a.title, b.title)))
    return lines + changes(a.text, b.text)
