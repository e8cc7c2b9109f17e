"""Snippets: the passage of an article's text richest in the query's words, as spans.

Words are found as the index forms them (the engine's :class:`~indexer.search.query.Analysis`):
a snippet marks exactly the words that matched."""

from __future__ import annotations

import logging
import re
import sqlite3
from functools import lru_cache, partial
from itertools import islice, takewhile

from indexer.search.query import Analysis
from indexer.search.results import Hit, TextSource
from indexer.terminal import Span, clean_for_terminal

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 240
HIGHLIGHT_CHARS = 50_000  # matches further into a text are not looked for


def add_snippets(
    hits: list[Hit], terms: set[str], archive: TextSource | None, analysis: Analysis
) -> None:
    """Give each hit the snippet of its text in ``archive`` (else of its stored lead)."""
    texts: dict[str, str] = {}
    if archive is not None:
        try:
            texts = {a.id: a.text for a in archive.get_many([h.id for h in hits])}
        except sqlite3.Error as exc:  # a busy or damaged store: the leads will do
            logger.warning("snippets from the stored leads: cannot read the store (%s)", exc)
    for hit in hits:
        text = texts.get(hit.id) or hit.lead
        hit.snippet = make_snippet(text, terms, analysis)


def make_snippet(
    text: str, terms: set[str], analysis: Analysis, width: int = SNIPPET_CHARS
) -> list[Span]:
    """Return the passage of a text richest in the analysed ``terms`` as spans, or its
    beginning when no term occurs."""
    text = text[:HIGHLIGHT_CHARS]
    matches = find_terms(text, terms, analysis)
    if matches:
        start, end = _best_window(text, matches, width)
        matches = [(a, b) for a, b in matches if start <= a and b <= end]
    else:
        start, end = 0, _word_end(text, min(len(text), width))
    spans: list[Span] = [("… ", False)] if start > 0 else []
    pos = start
    for a, b in matches:
        spans += [(text[pos:a], False), (text[a:b], True)]
        pos = b
    spans.append((text[pos:end], False))
    if end < len(text):
        spans.append((" …", False))
    return _tidy(spans)


def find_terms(text: str, terms: set[str], analysis: Analysis) -> list[tuple[int, int]]:
    """Return the (start, end) of each word of ``text`` whose index form is in ``terms``."""
    if not terms:
        return []
    # A stem is the start of its word but for its last letter (economy -> economi), so
    # only words with such a prefix go through the (slow) analyzer; a regex over the
    # folded text finds them without looking at every word in Python.
    prefixes = tuple(sorted({t[: max(1, len(t) - 1)] for t in terms}))
    folded = analysis.fold(text)
    if len(folded) == len(text):
        starts = (m.start() for m in _prefix_pattern(prefixes).finditer(folded))
    else:  # folding changed the offsets: try every word
        starts = (m.start() for m in analysis.word_pattern.finditer(text))
    found = []
    for start in starts:
        if (m := analysis.word_pattern.match(text, start)) is None:
            continue
        word = analysis.fold(m.group())
        if word.startswith(prefixes) and index_form(analysis, word) in terms:
            found.append(m.span())
    return found


@lru_cache(maxsize=256)
def _prefix_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """Return a regex finding the words starting with a prefix."""
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"\b(?<!\w\.)(?:{alternatives})")


@lru_cache(maxsize=20_000)
def index_form(analysis: Analysis, word: str) -> str | None:
    """Return the one term a word becomes in the index, or None (a stop word, or several)."""
    words = analysis.words(word)
    return words[0] if len(words) == 1 else None


def _best_window(text: str, matches: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """Return a window of about ``width`` characters holding the most distinct matches."""
    best, best_score = 0, -1
    for i, (first, _) in enumerate(matches):
        near = takewhile(partial(_ends_within, first + width), islice(matches, i, None))
        inside = {text[a:b].lower() for a, b in near}
        if len(inside) > best_score:
            best, best_score = i, len(inside)
    first = matches[best][0]
    start = _word_start(text, max(0, first - width // 4))
    return start, _word_end(text, min(len(text), start + width))


def _ends_within(limit: int, match: tuple[int, int]) -> bool:
    return match[1] <= limit


def _word_start(text: str, pos: int) -> int:
    """Move ``pos`` forward to the start of a word (unless at the text's start)."""
    if pos == 0:
        return 0
    space = text.find(" ", pos)
    return pos if space == -1 or space - pos > 20 else space + 1


def _word_end(text: str, pos: int) -> int:
    """Move ``pos`` back to the end of a word (unless at the text's end)."""
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return pos if space == -1 or pos - space > 20 else space


def _tidy(spans: list[Span]) -> list[Span]:
    """Collapse whitespace and drop control characters and empty spans."""
    tidy = [(re.sub(r"\s+", " ", clean_for_terminal(s)), m) for s, m in spans]
    return [(s, m) for s, m in tidy if s]
