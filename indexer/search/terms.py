"""The index terms of an article's fields, for every engine: words of a text (Whoosh's
analysis, see :mod:`indexer.search.whoosh.schema`: lowercased, accents folded, English
stop words dropped, Porter stems) and the matching keys of names, tags, languages and
dates.

This module imports only Whoosh's accent map and Porter stemmer (small modules of their
own), not its index, so a tantivy archive's search process doesn't load Whoosh's engine.
:class:`TextAnalysis` gives the same words as Whoosh's ``TEXT_ANALYZER`` (a test compares
them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

LEAD_CHARS = 400
# The words of Whoosh's RegexTokenizer's default pattern, \w+(\.?\w+)*, without a group.
WORD_PATTERN = re.compile(r"\w+(?:\.?\w+)*")
# Whoosh's StopFilter's English stop words (whoosh.analysis.filters.STOP_WORDS; a test
# checks they stay the same), here so that the words don't need Whoosh's analysis package.
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if",
    "in", "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to",
    "us", "we", "when", "will", "with", "yet", "you", "your",
))
FORM_CACHE_SIZE = 500_000  # analysed forms of raw words kept


def normalize_key(value: str) -> str:
    """Return the matching form of a name or keyword: one-spaced, lowercase, no accents."""
    return " ".join(value.replace(",", " ").split()).translate(accent_map).lower()


def name_keys(names: Iterable[str], *, last_names: bool = False) -> list[str]:
    """Return the matching keys of names (plus each last name if asked), each once."""
    keys: list[str] = []
    for name in names:
        key = normalize_key(name)
        if not key:
            continue
        keys.append(key)
        if last_names and " " in key:
            keys.append(key.rsplit(" ", 1)[1])
    return list(dict.fromkeys(keys))


def display_names(names: Iterable[str]) -> list[str]:
    """Return display names, one-spaced (commas inside a name become spaces)."""
    return [" ".join(n.replace(",", " ").split()) for n in names if n.strip()]


def lang_key(language: str | None) -> str:
    """Return the matching form of a language tag: its primary subtag (``en-GB`` -> ``en``)."""
    return normalize_key(re.split(r"[-_]", language or "", maxsplit=1)[0])


def date_key(iso: str | None) -> int:
    """Return ``yyyymmdd`` of an ISO 8601 date string, or 0 when absent or malformed."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not m:
        return 0
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return 0
    return year * 10_000 + month * 100 + day


def day_key(day: date) -> int:
    """Return ``yyyymmdd`` of a day (as :func:`date_key` of its ISO form)."""
    return day.year * 10_000 + day.month * 100 + day.day


def fold(text: str) -> str:
    """Return a text accent-folded and lowercased, character for character."""
    return text.translate(accent_map).lower()


_forms: dict[str, str | None] = {}


def word_form(raw: str) -> str | None:
    """Return the index term of one raw word (None for a stop word)."""
    form = _forms.get(raw, "")
    if form == "":
        folded = fold(raw)
        form = None if folded in STOP_WORDS else stem(folded)
        if len(_forms) > FORM_CACHE_SIZE:
            _forms.clear()
        _forms[raw] = form
    return form


class TextAnalysis:
    """Whoosh's text analysis without Whoosh's analysis classes: the query parser's and
    snippets' :class:`indexer.search.query.Analysis` for the engines that take our terms
    as they are (tantivy)."""

    word_pattern = WORD_PATTERN

    def words(self, text: str) -> list[str]:
        """Return the indexed forms of the words of a text (stop words left out)."""
        return [form for raw in WORD_PATTERN.findall(text) if (form := word_form(raw))]

    def folded(self, text: str) -> list[str]:
        """Return the words of a text lowercased and accent-folded, not stemmed."""
        return [fold(raw) for raw in WORD_PATTERN.findall(text)]

    def fold(self, text: str) -> str:
        """Return a text accent-folded and lowercased, character for character."""
        return fold(text)

    def key(self, value: str) -> str:
        """Return the matching form of a name or keyword."""
        return normalize_key(value)

    def lang(self, value: str) -> str:
        """Return the matching form of a language tag."""
        return lang_key(value)


TEXT_ANALYSIS = TextAnalysis()


def lead(description: str | None, text: str | None) -> str:
    """What a hit shows of an article's body: its description, else its text's start."""
    return description or (text or "")[:LEAD_CHARS]
