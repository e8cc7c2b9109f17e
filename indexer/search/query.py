"""The query language, parsed into our own query tree (no search engine involved).

Query language (also :data:`QUERY_HELP`, shown by ``search --help``)::

    climate change          both words (AND is the default)
    climate OR weather      either word
    climate NOT coal        (or ``-coal``) without the word
    (climate OR weather) AND europe
    "climate change"        the exact phrase
    econom*                 words starting with a prefix (at least 2 letters, at the end only)
    title:brexit            in the title only (``body:`` for the text only)
    author:"jane doe"       an author by full name, or author:doe by last name
    agency:afp  source:bbc  tag:politics  lang:de  section:sport
    date:2022-10            published in a period: 2022, 2022-10 or 2022-10-27
    published:[2022-01 TO 2022-06]   a date range (inclusive; ``*`` leaves an end open)

Words match in the title and the text after stemming (``running`` finds ``runs``); case
and accents are ignored; very common English words (``the``, ``of``) are not indexed. A
query without words to rank by (empty, or only fields, dates and NOTs) lists the matching
articles newest first.

:func:`parse` turns the text into a tree of :data:`Node` objects. Words go through the
engine's :class:`Analysis` (how the index forms its terms), so the tree holds index terms;
a prefix stays a :class:`Prefix` node that the engine expands when it executes the tree
(the parser never reads the index). Malformed or hostile input raises :class:`QueryError`
with a one-line message: unknown fields, a bare or leading ``*``, bad or absurd dates,
over-long queries, too many terms. Unbalanced quotes and parentheses are closed
automatically; control characters are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

QUERY_HELP = """\
Query language:
  climate change        both words (AND is the default)
  climate OR weather    either word;  climate NOT coal  (or -coal): without it
  (a OR b) AND c        parentheses group
  "climate change"      exact phrase;  econom*  words starting with a prefix
  title:brexit          in titles only (body: for the text only)
  author:"jane doe"     author by full name, or author:doe by last name
  agency:afp source:bbc tag:politics lang:de section:sport
  date:2022-10          published in 2022, 2022-10 or on 2022-10-27
  published:[2022-01 TO 2022-06]   date range, inclusive (* for an open end)
Case, accents and word endings are ignored; common words (the, of) are not indexed."""

MAX_QUERY_CHARS = 1_000
MAX_TERMS = 50
MAX_DEPTH = 20
MIN_PREFIX = 2
MIN_YEAR, MAX_YEAR = 1800, 2200

TEXT_FIELDS = {"text": ("title", "body"), "title": ("title",), "body": ("body",)}
KEY_FIELDS = frozenset({"author", "agency", "source", "tag", "lang", "section"})
HIGHLIGHT_FIELDS = ("title", "body")
_FIELD_ALIASES = {
    **{name: name for name in (*TEXT_FIELDS, *KEY_FIELDS)},
    "authors": "author",
    "agencies": "agency",
    "tags": "tag",
    "language": "lang",
    "date": "date",
    "published": "date",
}

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<minus>-(?=[^\s\-]))
    | (?P<url>[A-Za-z][A-Za-z0-9+.-]*://[^\s()"]+)
    | (?P<field>[A-Za-z]+):(?=[^\s)])
    | (?P<bare>[A-Za-z]+):(?=[\s)]|$)
    | (?P<phrase>"[^"]*(?:"|$))
    | (?P<range>\[[^\]]*(?:\]|$))
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


class QueryError(ValueError):
    """A malformed or unsafe query; the message is one line for the user."""


class Analysis(Protocol):
    """How the index turns text into terms (the engine provides it)."""

    def words(self, text: str) -> list[str]:
        """Return the indexed forms of the words of a text (stop words left out)."""
        ...

    word_pattern: re.Pattern[str]
    """The pattern that splits a text into the words that become terms."""

    def __hash__(self) -> int:
        """Analyses are hashable: snippets cache the terms of words per analysis."""
        ...

    def folded(self, text: str) -> list[str]:
        """Return the words of a text lowercased and accent-folded, not stemmed."""
        ...

    def fold(self, text: str) -> str:
        """Return a text accent-folded and lowercased, character for character."""
        ...

    def key(self, value: str) -> str:
        """Return the matching form of a name or keyword."""
        ...

    def lang(self, value: str) -> str:
        """Return the matching form of a language tag."""
        ...


# -- the tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Documents holding an index term in a field."""

    field: str
    text: str


@dataclass(frozen=True)
class Phrase:
    """Documents holding index terms at consecutive positions of a field."""

    field: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    """Documents holding, in any of ``fields``, a term starting with one of ``stems``
    (``key`` when the index has none); expanded by the engine. ``text``: as typed.
    ``highlight``: mark the words it expands to in snippets (text fields, not under a NOT)."""

    fields: tuple[str, ...]
    stems: tuple[str, ...]
    key: str
    text: str
    highlight: bool


@dataclass(frozen=True)
class DateRange:
    """Documents published between two days, inclusive (None: an open end)."""

    since: date | None
    until: date | None


@dataclass(frozen=True)
class And:
    """Documents matching every item."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Documents matching any item."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class AndNot:
    """Documents matching ``base`` but not ``excluded``."""

    base: Node
    excluded: Node


@dataclass(frozen=True)
class Every:
    """Every document."""


@dataclass(frozen=True)
class Not:
    """A negated item (a conjunction makes its NOTs an :class:`AndNot`: a NOT remains
    only under another, ``NOT NOT x``)."""

    item: Node


Node = Term | Phrase | Prefix | DateRange | And | Or | AndNot | Every | Not


@dataclass
class Word:
    """A single word of the query as typed, and its index form: for "did you mean"."""

    text: str
    start: int
    end: int
    form: str


@dataclass
class ParsedQuery:
    """The tree (None without a searchable word), the index words to mark in snippets
    (prefix expansions come from the engine), and the plain words for suggestions."""

    text: str
    tree: Node | None
    highlight: set[str] = field(default_factory=set)
    words: list[Word] = field(default_factory=list)


# -- dates ------------------------------------------------------------------------------


def parse_period(text: str) -> tuple[date, date]:
    """Return the first and last day of ``2022``, ``2022-10`` or ``2022-10-27``."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text.strip())
    if not m:
        raise QueryError(f"bad date {text[:40]!r}: use 2022, 2022-10 or 2022-10-27")
    year, month, day = (int(g) if g else None for g in m.groups())
    assert year is not None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise QueryError(f"date {text!r} is out of range ({MIN_YEAR}-{MAX_YEAR})")
    try:
        if day is not None:
            first = date(year, month or 1, day)
            return first, first
        if month is not None:
            first = date(year, month, 1)
            return first, month_end(first)
    except ValueError as exc:
        raise QueryError(f"bad date {text!r}: {exc}") from None
    return date(year, 1, 1), date(year, 12, 31)


def month_end(day: date) -> date:
    """Return the last day of ``day``'s month."""
    nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# -- parsing ----------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str
    text: str
    start: int
    end: int


def clean_query(text: str) -> str:
    """Return the query with control characters replaced by spaces and invisible format
    characters (a soft hyphen, a zero-width space) dropped: "sew\u00adage" is "sewage"."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    kinds = [unicodedata.category(c) for c in text]
    return "".join(
        " " if kind == "Cc" else "" if kind == "Cf" else c
        for c, kind in zip(text, kinds, strict=True)
    )


def parse(query: str, analysis: Analysis) -> ParsedQuery:
    """Parse a query (see the module docstring); raise QueryError when it is malformed,
    unsafe, or holds no searchable word although it is not blank."""
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    text = clean_query(query)
    if query and not text.strip():  # '' lists articles by the flags alone; ' ' is a slip
        raise QueryError("empty query: give words to search for")
    parser = _Parser(text, analysis)
    tree = parser.disjunction("text")
    if tree is None and text.strip():
        raise QueryError("the query has no searchable words (common words are not indexed)")
    return ParsedQuery(text, tree, parser.highlight, parser.words)


def _tokenize(text: str) -> list[_Token]:
    """Split a query into tokens, dropping unmatched ')' and closing unclosed '('."""
    tokens: list[_Token] = []
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "word"
        if kind == "space":
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            if not depth:
                continue
            depth -= 1
        value = m.group("field") if kind == "field" else m.group()
        if kind == "url":  # a pasted address: its words, as a phrase
            kind, value = "phrase", f'"{value}"'
        elif kind == "bare":  # "author:" and nothing after it
            name = m.group("bare")
            if name.lower() in _FIELD_ALIASES:
                raise QueryError(f"{name}: needs a value, as in {name}:something")
            kind, value = "word", name
        tokens.append(_Token(kind, value, m.start(), m.end()))
    tokens.extend(_Token("close", ")", len(text), len(text)) for _ in range(depth))
    if len(tokens) > 4 * MAX_TERMS:
        raise QueryError(f"query has too many parts (at most {MAX_TERMS} terms)")
    return tokens


def _one_or(items: list[Node]) -> Node:
    return items[0] if len(items) == 1 else Or(tuple(items))


class _Parser:
    """Recursive-descent parser from query text to a query tree."""

    def __init__(self, text: str, analysis: Analysis):
        self.tokens = _tokenize(text)
        self.analysis = analysis
        self.pos = 0
        self.depth = 0
        self.terms = 0
        self.negated = 0
        self.highlight: set[str] = set()  # analysed words to mark in snippets
        self.words: list[Word] = []  # single plain words: for suggestions

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def is_op(self, token: _Token | None, op: str) -> bool:
        return token is not None and token.kind == "word" and token.text == op

    def disjunction(self, spec: str) -> Node | None:
        parts = [self.conjunction(spec)]
        while self.is_op(self.peek(), "OR"):
            self.pos += 1
            parts.append(self.conjunction(spec))
        found = [p for p in parts if p is not None]
        return _one_or(found) if found else None

    def conjunction(self, spec: str) -> Node | None:
        items: list[Node] = []
        while (token := self.peek()) is not None and token.kind != "close":
            if self.is_op(token, "OR"):
                break
            if self.is_op(token, "AND"):
                self.pos += 1
                continue
            if (q := self.unary(spec)) is not None:
                items.append(q)
        positive = [q for q in items if not isinstance(q, Not)]
        negative = [q.item for q in items if isinstance(q, Not)]
        if not items:
            return None
        base: Node = (
            (positive[0] if len(positive) == 1 else And(tuple(positive))) if positive else Every()
        )
        if not negative:
            return base
        return AndNot(base, _one_or(negative))

    def unary(self, spec: str) -> Node | None:
        token = self.peek()
        if token is not None and (token.kind == "minus" or self.is_op(token, "NOT")):
            self.pos += 1
            self.negated += 1
            inner = self.unary(spec)
            self.negated -= 1
            return None if inner is None else Not(inner)
        return self.primary(spec)

    def primary(self, spec: str) -> Node | None:
        token = self.peek()
        if token is None:
            return None
        self.pos += 1
        if token.kind == "open":
            return self.group(spec)
        if token.kind == "field":
            name = _FIELD_ALIASES.get(token.text.lower())
            if name is None:
                fields = ", ".join(sorted(set(_FIELD_ALIASES) - {"text"}))
                raise QueryError(f"unknown field {token.text!r}: use one of {fields}")
            value = self.peek()
            if value is None:
                raise QueryError(f"{token.text}: needs a value")
            self.pos += 1
            return self.group(name) if value.kind == "open" else self.leaf(name, value)
        return self.leaf(spec, token)

    def group(self, spec: str) -> Node | None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"query nested too deeply (at most {MAX_DEPTH} parentheses)")
        q = self.disjunction(spec)
        self.pos += 1  # the closing parenthesis (always there after _tokenize)
        self.depth -= 1
        return q

    def count(self, n: int = 1) -> None:
        self.terms += n
        if self.terms > MAX_TERMS:
            raise QueryError(f"query has too many terms (at most {MAX_TERMS})")

    def leaf(self, spec: str, token: _Token) -> Node | None:
        if token.kind in ("minus", "field"):  # e.g. "- " at the end, or a dangling field
            return None
        text = token.text.strip('"') if token.kind == "phrase" else token.text
        if spec == "date":
            return self.date_leaf(token, text)
        if token.kind == "range":
            raise QueryError("a [range] needs a date field, e.g. published:[2022-01 TO 2022-06]")
        if spec in KEY_FIELDS:
            return self.key_leaf(spec, token, text)
        fields = TEXT_FIELDS[spec]
        if token.kind == "word" and "*" in text:
            return self.prefix(fields, text, self.analysis.folded)
        words = self.analysis.words(text)
        if not words:
            return None
        self.count(len(words))
        if not self.negated:
            self.highlight.update(words)
            if token.kind == "word" and len(words) == 1:
                self.words.append(Word(token.text, token.start, token.end, words[0]))
        if len(words) == 1:
            return _one_or([Term(f, words[0]) for f in fields])
        return _one_or([Phrase(f, tuple(words)) for f in fields])

    def key_leaf(self, name: str, token: _Token, text: str) -> Node | None:
        normalize = self.analysis.lang if name == "lang" else self.analysis.key
        if token.kind == "word" and "*" in text:
            return self.prefix((name,), text, lambda s: [normalize(s)] if normalize(s) else [])
        key = normalize(text)
        if not key:
            return None
        self.count()
        return Term(name, key)

    def date_leaf(self, token: _Token, text: str) -> Node:
        self.count()
        if token.kind != "range":
            return DateRange(*parse_period(text))
        ends = re.split(r"\s+TO\s+", text.strip("[] "), flags=re.IGNORECASE)
        if len(ends) != 2:
            raise QueryError(f"bad date range {text[:40]!r}: use [2022-01 TO 2022-06]")
        lo, hi = (e.strip() for e in ends)
        return DateRange(
            None if lo in ("*", "") else parse_period(lo)[0],
            None if hi in ("*", "") else parse_period(hi)[1],
        )

    def prefix(
        self, fields: tuple[str, ...], text: str, normalize: Callable[[str], list[str]]
    ) -> Node:
        stem = text.rstrip("*")
        if not stem:
            raise QueryError("a bare * would match everything: give a prefix such as econ*")
        if "*" in stem:
            raise QueryError(f"{text[:40]!r}: a * is only allowed at the end of a word")
        keys = normalize(stem)
        if len(keys) != 1:
            raise QueryError(f"{text[:40]!r}: a prefix must be a single word")
        key = keys[0]
        if len(key) < MIN_PREFIX:
            raise QueryError(f"{text[:40]!r}: a prefix needs at least {MIN_PREFIX} letters")
        self.count()
        stems = {key, *(self.analysis.words(key) if fields[0] in HIGHLIGHT_FIELDS else [])}
        highlight = not self.negated and fields[0] in HIGHLIGHT_FIELDS
        return Prefix(fields, tuple(sorted(stems)), key, text, highlight)
