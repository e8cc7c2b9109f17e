"""Search the archive's index: a small, safe query language, filters, sorting, snippets.

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
and accents are ignored; very common English words (``the``, ``of``) are not indexed. The
flags ``source``, ``author``, ``agency``, ``lang``, ``since`` and ``until`` are ANDed with
the query. A query without words to rank by (empty, or only fields, dates and NOTs)
lists the matching articles newest first.

Malformed or hostile input raises :class:`QueryError` with a one-line message: unknown
fields, a bare or leading ``*``, bad or absurd dates, over-long queries, too many terms.
Unbalanced quotes and parentheses are closed automatically; control characters are
dropped. A search stops after :data:`TIME_LIMIT` seconds with the hits found so far
(``SearchResult.partial``; in the main thread a SIGALRM timer interrupts even a slow
match, elsewhere the time is checked between hits); counts and facets that run out of
time raise QueryError.

Speed: the flags become a set of allowed documents (dates from cached per-year and
per-month sets, :func:`date_docs`) rather than ANDed queries; counts come from set
algebra over posting lists (:func:`matching_docs`), and exact phrases from their words'
posting blocks, positions read only where all the words are (:class:`FastPhrase`); hits
are collected in one pass without Whoosh's block-quality skipping, which costs more than
it saves here, visiting only the matches the set algebra found, from posting blocks
unpickled without the values (positions) scoring doesn't need (:class:`_FastMatching`); a
sort by date walks the cached year and month sets from one end rather than reading the
date of every match (:func:`first_by_date`); snippets come from the
store's text (:class:`StoreTexts` spares the CLI the store's imports).
"""

from __future__ import annotations

import logging
import re
import signal
import sqlite3
import threading
import unicodedata
import zlib
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate, islice, takewhile
from pathlib import Path
from pickle import loads
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from weakref import WeakKeyDictionary

from indexer.search.whoosh.index import (
    SPELL_ANALYZER,
    TEXT_ANALYZER,
    WORD_PATTERN,
    ArchiveIndex,
    lang_key,
    normalize_key,
    quiet_whoosh_import,
)
from indexer.terminal import Span, clean_for_terminal, render_snippet

with quiet_whoosh_import():
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.collectors import TimeLimit, TimeLimitCollector
    from whoosh.formats import Positions
    from whoosh.matching import (
        FilterMatcher,
        IntersectionMatcher,
        NullMatcher,
        ReadTooFar,
        WrappingMatcher,
    )
    from whoosh.query import (
        And,
        AndNot,
        ConstantScoreQuery,
        Every,
        Not,
        NumericRange,
        Or,
        Phrase,
        Query,
        Term,
        WrappingQuery,
    )
    from whoosh.support.charset import accent_map
    from whoosh.system import _INT_SIZE
    from whoosh.util import make_binary_tree

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from indexer.store import Archive

logger = logging.getLogger(__name__)

__all__ = [
    "QUERY_HELP",
    "Hit",
    "QueryError",
    "SearchResult",
    "StoreTexts",
    "clean_for_terminal",
    "count",
    "facets",
    "render_snippet",
    "search",
    "similar",
]

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
MAX_EXPANSIONS = 500  # words one prefix may expand to
MIN_PREFIX = 2
MAX_LIMIT = 10_000
MIN_YEAR, MAX_YEAR = 1800, 2200
TIME_LIMIT = 1.0  # seconds
OPEN_SEARCHERS = 4  # indexes kept open per thread
SNIPPET_CHARS = 240
HIGHLIGHT_CHARS = 50_000  # matches further into a text are not looked for
SORTS = ("relevance", "newest", "oldest")
FACETS = {  # facet name -> (index field, several values per article)
    "source": ("source", False),
    "agency": ("agencies", True),
    "author": ("authors", True),
    "tag": ("tag", True),
    "lang": ("lang", False),
    "year": ("year", False),
    "month": ("month", False),
}

_TEXT_FIELDS = {"text": ("title", "body"), "title": ("title",), "body": ("body",)}
_KEY_FIELDS = {"author", "agency", "source", "tag", "lang", "section"}
_FIELD_ALIASES = {
    **{name: name for name in (*_TEXT_FIELDS, *_KEY_FIELDS)},
    "authors": "author",
    "agencies": "agency",
    "tags": "tag",
    "language": "lang",
    "date": "date",
    "published": "date",
}
_HIGHLIGHT_FIELDS = ("title", "body")

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<minus>-(?=[^\s\-]))
    | (?P<field>[A-Za-z]+):(?=[^\s)])
    | (?P<phrase>"[^"]*(?:"|$))
    | (?P<range>\[[^\]]*(?:\]|$))
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


class QueryError(ValueError):
    """A malformed or unsafe query; the message is one line for the user."""


@dataclass
class Hit:
    """One search result; ``snippet`` is a list of (text, is_match) spans."""

    id: str
    url: str
    title: str
    published: str | None
    source: str
    authors: list[str]
    agencies: list[str]
    score: float | None
    snippet: list[Span] = field(default_factory=list)
    lead: str = field(default="", repr=False)  # snippet source without a store

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON form (the snippet as plain text)."""
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "source": self.source,
            "authors": self.authors,
            "agencies": self.agencies,
            "score": self.score,
            "snippet": render_snippet(self.snippet, color=False),
        }


@dataclass
class SearchResult:
    """The hits of one page, the total number of matches, and a "did you mean" query."""

    total: int
    hits: list[Hit]
    suggestion: str | None = None
    partial: bool = False  # the time limit stopped the search early


class ArticleText(NamedTuple):
    """An article's id and text."""

    id: str
    text: str


class TextSource(Protocol):
    """Where snippets read article texts: an :class:`indexer.store.Archive` or
    :class:`StoreTexts`."""

    def get_many(self, ids: list[str]) -> Sequence[Any]:
        """Return the stored articles with these ids (objects with ``id`` and ``text``)."""
        ...


class StoreTexts:
    """Article texts read straight from the store's SQLite file, read-only, for snippets.

    The ``search`` command uses this rather than :class:`indexer.store.Archive`, whose
    imports (sqlite-utils, NumPy) take about 0.3 s: most of what a search waits for."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0):
        """Open the store file at ``path`` read-only."""
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, timeout=timeout)

    def get_many(self, ids: list[str]) -> list[ArticleText]:
        """Return the (id, text) of the stored articles with these ids, in any order."""
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", ids)
        return [ArticleText(i, text or "") for i, text in rows]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> StoreTexts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
            return first, _month_end(first)
    except ValueError as exc:
        raise QueryError(f"bad date {text!r}: {exc}") from None
    return date(year, 1, 1), date(year, 12, 31)


def _month_end(day: date) -> date:
    nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _ymd(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def date_range_query(since: date | None, until: date | None) -> Query:
    """Return a non-scoring query for articles published between two days (inclusive)."""
    parts = _date_parts(since, until)
    return ConstantScoreQuery(Or(parts) if len(parts) > 1 else parts[0], 0.0)


def _date_parts(since: date | None, until: date | None) -> list[Query]:
    """Return queries whose union is the articles published between two days: whole
    years and months as single ``year``/``month`` terms, and only the ragged edges as a
    (short) numeric range on ``published``."""
    lo = since or date(MIN_YEAR, 1, 1)
    hi = until or date(MAX_YEAR, 12, 31)
    if lo > hi:
        raise QueryError(f"empty date range: {lo} is after {hi}")
    parts: list[Query] = []
    day = lo
    while day <= hi:
        year_end, month_end = date(day.year, 12, 31), _month_end(day)
        if (day.month, day.day) == (1, 1) and year_end <= hi:
            parts.append(Term("year", str(day.year)))
            end = year_end
        elif day.day == 1 and month_end <= hi:
            parts.append(Term("month", f"{day:%Y-%m}"))
            end = month_end
        else:
            end = min(month_end, hi)
            parts.append(NumericRange("published", _ymd(day), _ymd(end)))
        day = end + timedelta(days=1)
    return parts


_date_sets: WeakKeyDictionary[Searcher, OrderedDict[Query, set[int]]] = WeakKeyDictionary()
DATE_SETS = 128  # years, months and day ranges whose documents stay cached per searcher


def period_docs(searcher: Searcher, period: Query) -> set[int]:
    """Return the numbers of the documents matching a ``year``/``month`` term or a day
    range, cached per searcher (the :data:`DATE_SETS` most recently used); don't change
    the set."""
    cache = _date_sets.setdefault(searcher, OrderedDict())
    if period in cache:
        cache.move_to_end(period)
        return cache[period]
    docs = cache[period] = matching_docs(searcher, period)
    while len(cache) > DATE_SETS:
        cache.popitem(last=False)
    return docs


def date_docs(searcher: Searcher, since: date | None, until: date | None) -> set[int]:
    """Return the numbers of the documents published between two days (inclusive), from
    the cached documents of each year, month and edge (see :func:`_date_parts`)."""
    docs: set[int] = set()
    for part in _date_parts(since, until):
        docs |= period_docs(searcher, part)
    return docs


# -- parsing ----------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str
    text: str
    start: int
    end: int


def clean_query(text: str) -> str:
    """Return the query with control and format characters replaced by spaces."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


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
        tokens.append(_Token(kind, value, m.start(), m.end()))
    tokens.extend(_Token("close", ")", len(text), len(text)) for _ in range(depth))
    if len(tokens) > 4 * MAX_TERMS:
        raise QueryError(f"query has too many parts (at most {MAX_TERMS} terms)")
    return tokens


def _analyze(analyzer: Any, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]


class _Parser:
    """Recursive-descent parser from query text to a Whoosh query."""

    def __init__(self, text: str, searcher: Searcher):
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0
        self.terms = 0
        self.negated = 0
        self.reader = searcher.reader()
        self.highlight: set[str] = set()  # analysed words to mark in snippets
        self.words: list[tuple[_Token, str]] = []  # (token, analysed word): for suggestions

    def parse(self) -> Query | None:
        """Return the query, or None when it holds no searchable word."""
        return self.disjunction("text")

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def is_op(self, token: _Token | None, op: str) -> bool:
        return token is not None and token.kind == "word" and token.text == op

    def disjunction(self, spec: str) -> Query | None:
        parts = [self.conjunction(spec)]
        while self.is_op(self.peek(), "OR"):
            self.pos += 1
            parts.append(self.conjunction(spec))
        found = [p for p in parts if p is not None]
        return None if not found else found[0] if len(found) == 1 else Or(found)

    def conjunction(self, spec: str) -> Query | None:
        items: list[Query] = []
        while (token := self.peek()) is not None and token.kind != "close":
            if self.is_op(token, "OR"):
                break
            if self.is_op(token, "AND"):
                self.pos += 1
                continue
            if (q := self.unary(spec)) is not None:
                items.append(q)
        positive = [q for q in items if not isinstance(q, Not)]
        negative = [q.query for q in items if isinstance(q, Not)]
        if not items:
            return None
        base = (positive[0] if len(positive) == 1 else And(positive)) if positive else Every()
        if not negative:
            return base
        return AndNot(base, negative[0] if len(negative) == 1 else Or(negative))

    def unary(self, spec: str) -> Query | None:
        token = self.peek()
        if token is not None and (token.kind == "minus" or self.is_op(token, "NOT")):
            self.pos += 1
            self.negated += 1
            inner = self.unary(spec)
            self.negated -= 1
            return None if inner is None else Not(inner)
        return self.primary(spec)

    def primary(self, spec: str) -> Query | None:
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

    def group(self, spec: str) -> Query | None:
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

    def leaf(self, spec: str, token: _Token) -> Query | None:
        if token.kind in ("minus", "field"):  # e.g. "- " at the end, or a dangling field
            return None
        text = token.text.strip('"') if token.kind == "phrase" else token.text
        if spec == "date":
            return self.date_leaf(token, text)
        if token.kind == "range":
            raise QueryError("a [range] needs a date field, e.g. published:[2022-01 TO 2022-06]")
        if spec in _KEY_FIELDS:
            return self.key_leaf(spec, token, text)
        fields = _TEXT_FIELDS[spec]
        if token.kind == "word" and "*" in text:
            return self.prefix(fields, text, lambda s: _analyze(SPELL_ANALYZER, s))
        words = _analyze(TEXT_ANALYZER, text)
        if not words:
            return None
        self.count(len(words))
        if not self.negated:
            self.highlight.update(words)
            if token.kind == "word" and len(words) == 1:
                self.words.append((token, words[0]))
        if len(words) == 1:
            qs: list[Query] = [Term(f, words[0]) for f in fields]
        else:
            qs = [FastPhrase(f, words) for f in fields]
        return qs[0] if len(qs) == 1 else Or(qs)

    def key_leaf(self, name: str, token: _Token, text: str) -> Query | None:
        normalize = lang_key if name == "lang" else normalize_key
        if token.kind == "word" and "*" in text:
            return self.prefix((name,), text, lambda s: [normalize(s)] if normalize(s) else [])
        key = normalize(text)
        if not key:
            return None
        self.count()
        return Term(name, key)

    def date_leaf(self, token: _Token, text: str) -> Query:
        self.count()
        if token.kind != "range":
            return date_range_query(*parse_period(text))
        ends = re.split(r"\s+TO\s+", text.strip("[] "), flags=re.IGNORECASE)
        if len(ends) != 2:
            raise QueryError(f"bad date range {text[:40]!r}: use [2022-01 TO 2022-06]")
        lo, hi = (e.strip() for e in ends)
        return date_range_query(
            None if lo in ("*", "") else parse_period(lo)[0],
            None if hi in ("*", "") else parse_period(hi)[1],
        )

    def prefix(self, fields: tuple[str, ...], text: str, normalize: Any) -> Query:
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
        stems = {key, *(_analyze(TEXT_ANALYZER, key) if fields[0] in ("title", "body") else [])}
        terms: list[Query] = []
        for name in fields:
            found = (islice(self.reader.expand_prefix(name, s), MAX_EXPANSIONS + 1) for s in stems)
            words = {w.decode("utf-8") for expansion in found for w in expansion}
            if not self.negated and name in _HIGHLIGHT_FIELDS:
                self.highlight.update(words)
            terms.extend(Term(name, w) for w in sorted(words))
        if len(terms) > MAX_EXPANSIONS * len(fields):
            raise QueryError(f"{text[:40]!r} matches too many words: make the prefix longer")
        if not terms:  # a term no document has: matches nothing
            return Term(fields[0], key)
        return Or(terms) if len(terms) > 1 else terms[0]


# -- phrases ----------------------------------------------------------------------------


class FastPhrase(Phrase):
    """Whoosh's exact phrase (the words at consecutive positions), found the fast way.

    Whoosh walks the intersection of the words' posting lists a document at a time and
    reads the positions of every document holding all the words: most of a phrase
    search (up to 0.2 s for two words in thousands of the same articles at 100k). Here
    each segment's posting lists are read a block at a time, their document numbers
    intersected as sets, and only the positions of the documents in that intersection
    read (:func:`phrase_docs`). The matcher then visits only the phrase's documents and
    scores them as Whoosh does: the sum of the words' scores, in the same matcher tree.
    The documents of each segment are computed once per query object (by
    :func:`matching_docs` for the count and again by the matcher otherwise)."""

    def __init__(self, fieldname: str, words: list[str], **kwargs: Any):
        super().__init__(fieldname, words, **kwargs)
        self._docs: dict[int, tuple[Any, list[int]]] = {}  # id(segment reader) -> docs

    def normalize(self) -> Query:
        """Whoosh's normalisation, keeping the documents already found."""
        q = super().normalize()
        if isinstance(q, FastPhrase):
            q._docs = self._docs
        return q

    def segment_docs(self, reader: Any) -> list[int] | None:
        """Return the sorted numbers of one segment's documents holding the phrase, or
        None if the phrase can't be matched this way (then Whoosh's matcher is used)."""
        if not reader.is_atomic() or self.slop != 1 or self.fieldname not in reader.schema:
            return None
        field = reader.schema[self.fieldname]
        if type(field.format) is not Positions:  # (subclasses encode more than positions)
            return None
        cached = self._docs.get(id(reader))
        if cached is not None and cached[0] is reader:
            return cached[1]
        try:
            words = [field.to_bytes(word) for word in self.words]
        except ValueError:
            docs: list[int] = []
        else:
            docs = phrase_docs(reader, self.fieldname, words)
        self._docs[id(reader)] = (reader, docs)  # the reader is kept: its id stays taken
        return docs

    def matcher(self, searcher: Searcher, context: Any = None) -> Any:
        """Return a matcher over the phrase's documents scoring like Whoosh's."""
        docs = self.segment_docs(searcher.reader())
        if docs is None:
            return super().matcher(searcher, context)
        if not docs:
            return NullMatcher()
        field = searcher.schema[self.fieldname]
        words = [field.to_bytes(word) for word in self.words]
        # Whoosh's phrase matcher scores by this tree of the words' matchers.
        terms = [Term(self.fieldname, word).matcher(searcher, context) for word in words]
        m = _DocListMatcher(make_binary_tree(IntersectionMatcher, terms), docs)
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def phrase_docs(reader: Any, fieldname: str, words: list[bytes]) -> list[int]:
    """Return the sorted numbers of one segment's (not deleted) documents where ``words``
    occur at consecutive positions (Whoosh's ``Phrase`` with the default slop of 1)."""
    if any((fieldname, word) not in reader for word in words):
        return []
    rarest_first = sorted(set(words), key=lambda w: reader.doc_frequency(fieldname, w))
    values: dict[bytes, dict[int, bytes]] = {}
    candidates: list[int] | None = None  # sorted: in every word's postings read so far
    for word in rarest_first:
        found = values[word] = _posting_values(reader, fieldname, word, candidates)
        candidates = sorted(found) if candidates is None else [d for d in candidates if d in found]
        if not candidates:
            return []
    assert candidates is not None
    first, rest = values[words[0]], [(i, values[w]) for i, w in enumerate(words[1:], 1)]
    if len(rest) == 1:  # two words: the common case, faster
        second = rest[0][1]
        docs = []
        for d in candidates:
            a, b = first[d], second[d]
            # A single position below 65,536 (see _positions), read from the bytes.
            if (pa := _single_position(a)) >= 0 and (pb := _single_position(b)) >= 0:
                if pb == pa + 1:
                    docs.append(d)
            elif not _positions(a).isdisjoint([p - 1 for p in _positions(b)]):
                docs.append(d)
        return docs
    docs = []
    for docnum in candidates:
        starts = _positions(first[docnum])
        for i, found in rest:
            starts.intersection_update([pos - i for pos in _positions(found[docnum])])
            if not starts:
                break
        else:
            docs.append(docnum)
    return docs


def _single_position(value: bytes) -> int:
    """Return the one position of an encoded posting value if it holds a single position
    below 65,536, else -1 (see :func:`_positions`)."""
    n = len(value)
    if n == 13 and value[9] == 0x4B and value[11:] == b"a.":  # BININT1
        return value[10]
    if n == 14 and value[9] == 0x4D and value[12:] == b"a.":  # BININT2
        return value[10] | value[11] << 8
    return -1


def _positions(value: bytes) -> set[int]:
    """Return the positions of a term in a document from its encoded posting value:
    Whoosh's ``Positions.decode_positions``, several times faster.

    The value is the frequency (4 bytes) and the pickled list of position deltas; a single
    position below 65,536 (most values) is read straight from the pickle's bytes."""
    if (single := _single_position(value)) >= 0:  # [4:9] starts the list, [9] is the
        return {single}  # opcode of its one int, then "a." appends it and stops
    pickled = value[_INT_SIZE:]
    return set(accumulate(loads(pickled if pickled.endswith(b".") else pickled + b".")))


def _posting_values(
    reader: Any, fieldname: str, text: bytes, within: list[int] | None = None
) -> dict[int, bytes]:
    """Return {document number: encoded posting value} of one segment's documents
    holding a term, deleted ones left out, read a block at a time like
    :func:`_posting_ids`. Given ``within`` (sorted document numbers), the blocks holding
    none of them are not read."""
    matcher, deleted = _unfiltered_postings(reader, fieldname, text)
    found: dict[int, bytes] = {}
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids and not matcher._fixedsize:
        i = 0  # within[i] is the first wanted document not before this block
        while matcher.is_active():  # at the start of a block
            if within is not None:
                j = bisect_right(within, matcher._maxid, i)
                if j == i:  # none of them in this block: skip its data
                    matcher._next_block()
                    continue
                i = j
            deltas, _, values = _load_block(matcher)
            found.update(zip(accumulate(deltas), values, strict=True))  # delta-coded numbers
            matcher._next_block()
    else:  # postings inlined in the term's entry
        while matcher.is_active():
            found[matcher.id()] = matcher.value()
            matcher.next()
    for docnum in deleted.intersection(found) if deleted else ():
        del found[docnum]
    return found


# -- posting blocks ---------------------------------------------------------------------
#
# A block of a posting list (whoosh 2.7.4's W3LeafMatcher) is a zlib-compressed pickle
# (protocol 2) of (document number deltas, weights, values); protocol 2 pickles each value
# (bytes) as a call of _codecs.encode(text, "latin1"), most of the time Whoosh takes to
# read a block. Scoring and counting need only the numbers and weights, which come first:
# they are unpickled alone, from the start of the data; the values, when needed, with
# bytes(text, "latin1") called instead (the same bytes, in half the time).

_ENCODE = b"c_codecs\nencode\n"  # the pickle's GLOBAL opcode for _codecs.encode
_BYTES = b"cbuiltins\nbytes\n"  # the same opcode for bytes()
_PREFIX_CHUNK = 2048  # bytes decompressed at a time looking for the values


def _load_block(matcher: Any) -> tuple[Any, Any, Any]:
    """Return the (deltas, weights, values) data of a W3LeafMatcher's current block, as
    its ``_read_data`` does, about twice as fast.

    The numbers and weights can't hold the GLOBAL opcode's bytes (their opcodes are at
    most five bytes apart and are none of its letters), so its first occurrence is the
    values' callable."""
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        data = zlib.decompress(data)
    return loads(data.replace(_ENCODE, _BYTES, 1))


def _load_ids_weights(matcher: Any) -> tuple[Any, Any]:
    """Return the (deltas, weights) of a W3LeafMatcher's current block without reading
    its values: the pickle up to the values' tuple (its MARK, then the GLOBAL opcode),
    closed as a pair. Falls back to the whole block for any other layout."""
    if matcher._fixedsize is not None and matcher._fixedsize >= 0:  # values: None or bytes,
        return _load_block(matcher)[:2]  # no tuple to stop at
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        inflate = zlib.decompressobj()
        head = inflate.decompress(data, _PREFIX_CHUNK)
        while (at := head.find(_ENCODE)) < 0 and inflate.unconsumed_tail:
            head += inflate.decompress(inflate.unconsumed_tail, _PREFIX_CHUNK)
    else:
        head, at = data, data.find(_ENCODE)
    if at > 0 and head[at - 1] == 0x28:  # MARK
        try:
            pair = loads(head[: at - 1] + b"\x86.")  # TUPLE2, STOP
            if type(pair) is tuple and len(pair) == 2 and len(pair[0]) == matcher._blocklength:
                return pair
        except Exception:  # not the expected layout: read it all
            logger.debug("unexpected posting block layout", exc_info=True)
    return _load_block(matcher)[:2]


class _LazyValues:
    """Stands for the values of a block whose numbers and weights alone were read."""


_LAZY = _LazyValues()


class _FastLeafMatcher(W3LeafMatcher):
    """Whoosh's posting-list matcher reading blocks the fast way (:func:`_load_block`,
    values only when asked for) and skipping within a block by bisection: the same
    postings, weights, values and scores."""

    def _read_data(self) -> None:
        self._data = (*_load_ids_weights(self), _LAZY)

    def _read_values(self) -> None:
        if self._data is None or self._data[2] is _LAZY:
            self._data = _load_block(self)
        super()._read_values()

    def skip_to(self, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
            if not self.is_active():
                return
        if self._ids is None:
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i)  # in this block: <= its max
        if self._i == self._blocklength:  # (never, but as Whoosh's next() would)
            self._next_block()


def _fast_leaves(matcher: Any) -> Any:
    """Make the plain posting-list matchers in a matcher tree :class:`_FastLeafMatcher`
    objects; return the matcher."""
    stack = [matcher]
    while stack:
        m = stack.pop()
        if type(m) is W3LeafMatcher:
            if not m._byteids:
                m.__class__ = _FastLeafMatcher
        else:
            stack.extend(m.children())
    return matcher


class _FastMatching(WrappingQuery):
    """A query matched with :class:`_FastLeafMatcher` leaves and, given its matching
    documents (sorted top-level numbers, from :func:`matching_docs`), visiting only them:
    Whoosh's own matcher tree gives their scores, without walking the documents that
    some sub-query leaves out (an AND's words apart, a NOT, the flags)."""

    def __init__(
        self, child: Query, searcher: Searcher | None = None, docs: Sequence[int] = ()
    ):
        super().__init__(child)
        self.docs = docs
        self.segments: dict[int, tuple[Any, int]] = {}  # id(segment reader) -> (it, offset)
        if searcher is not None:
            for reader, offset in searcher.reader().leaf_readers():
                self.segments[id(reader)] = (reader, offset)

    def matcher(self, searcher: Searcher, context: Any = None) -> Any:
        """Return the child's matcher, restricted to the documents given if any."""
        postings = searcher.postings

        def fast_postings(fieldname: str, text: Any, weighting: Any = None, qf: int = 1) -> Any:
            return _fast_leaves(postings(fieldname, text, weighting=weighting, qf=qf))

        # The leaves get fast from the start: an AND's matcher finds its first match as
        # it is made. (A per-search patch: searchers are per thread, see _searcher.)
        searcher.postings = fast_postings  # type: ignore[method-assign]
        try:
            m = self.child.matcher(searcher, context)
        finally:
            del searcher.postings
        reader = searcher.reader()
        found = self.segments.get(id(reader))
        if found is None or found[0] is not reader:
            return m
        offset = found[1]
        lo = bisect_left(self.docs, offset)
        hi = bisect_left(self.docs, offset + reader.doc_count_all(), lo)
        if lo == hi or not m.is_active():
            return NullMatcher()
        return _DocListMatcher(m, [d - offset for d in self.docs[lo:hi]])


class _DocListMatcher(WrappingMatcher):
    """Visits only the given documents (sorted, all matched by ``child``) of a matcher,
    which gives their scores."""

    def __init__(self, child: Any, docs: list[int], i: int = 0):
        super().__init__(child)
        self._docs = docs
        self._i = i
        self._settle()

    def _settle(self) -> None:
        if self._i < len(self._docs) and self.child.is_active():
            self.child.skip_to(self._docs[self._i])

    def copy(self) -> _DocListMatcher:
        return _DocListMatcher(self.child.copy(), self._docs, self._i)

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else NullMatcher()

    def reset(self) -> None:
        self.child.reset()
        self._i = 0
        self._settle()

    def is_active(self) -> bool:
        return self._i < len(self._docs)

    def id(self) -> int:
        return self._docs[self._i]

    def all_ids(self) -> Iterator[int]:
        return iter(self._docs[self._i :])

    def next(self) -> bool:
        self._i += 1
        self._settle()
        return False

    def skip_to(self, id: int) -> None:
        if self.is_active() and id > self._docs[self._i]:
            self._i = bisect_left(self._docs, id, self._i)
            self._settle()

    def supports_block_quality(self) -> bool:
        return False

    def spans(self) -> list[Any]:
        return []


# -- searching --------------------------------------------------------------------------

_local = threading.local()


def _searcher(index_path: str | Path) -> Searcher:
    """Return this thread's searcher of the index, reopened if the index has changed.

    A few recently used indexes stay open (each holds open files)."""
    cache: OrderedDict[str, Searcher] = _local.__dict__.setdefault("searchers", OrderedDict())
    key = str(Path(index_path).resolve())
    searcher = cache.pop(key, None)
    if searcher is not None and not searcher.up_to_date():
        searcher.close()
        searcher = None
    if searcher is None:
        searcher = ArchiveIndex(index_path).searcher()
    cache[key] = searcher
    while len(cache) > OPEN_SEARCHERS:
        cache.popitem(last=False)[1].close()
    return searcher


@dataclass(frozen=True)
class _Filters:
    """The search flags, ANDed with the query."""

    source: str | None = None
    author: str | None = None
    agency: str | None = None
    lang: str | None = None
    since: str | None = None
    until: str | None = None

    def period(self) -> tuple[date | None, date | None] | None:
        """Return the (first, last) day of ``since`` and ``until``, or None without them."""
        if self.since is None and self.until is None:
            return None
        return (
            parse_period(self.since)[0] if self.since else None,
            parse_period(self.until)[1] if self.until else None,
        )

    def queries(self, *, dates: bool = True) -> list[Query]:
        """Return one non-scoring query per flag given (but the dates if not ``dates``)."""
        found: list[Query] = []
        for name, value, normalize in (
            ("source", self.source, lambda v: " ".join(v.split()).lower()),
            ("author", self.author, normalize_key),
            ("agency", self.agency, normalize_key),
            ("lang", self.lang, lang_key),
        ):
            if value is not None:
                found.append(ConstantScoreQuery(Term(name, normalize(clean_query(value))), 0.0))
        if dates and (period := self.period()) is not None:
            found.append(date_range_query(*period))
        return found


@dataclass
class _Prepared:
    query: Query
    has_words: bool  # text words to rank by; else (fields, dates, NOT only) newest first
    parser: _Parser
    allow: set[int] | None = None  # only these documents (those the flags let through)
    mask: set[int] | None = None  # never these (those a top-level NOT leaves out)


def _prepare(
    searcher: Searcher, query: str, filters: _Filters, *, flags_as_set: bool = False
) -> _Prepared:
    """Parse the query and AND the flags into it; or, with ``flags_as_set`` and words in
    the query, give the documents the flags let through as ``allow``: a search filter
    much cheaper than ANDed queries (and Whoosh's collector lost hits of such ANDs); and
    those a top-level NOT leaves out as ``mask`` (the scores are the same)."""
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    text = clean_query(query)
    parser = _Parser(text, searcher)
    parsed = parser.parse()
    if parsed is None and text.strip():
        raise QueryError("the query has no searchable words (common words are not indexed)")
    has_words = bool(parser.highlight)
    if flags_as_set and has_words and parsed is not None:
        sets = [matching_docs(searcher, q) for q in filters.queries(dates=False)]
        if (period := filters.period()) is not None:
            sets.append(date_docs(searcher, *period))
        allow = sorted(sets, key=len)[0].intersection(*sets) if sets else None
        mask = None
        if isinstance(parsed, AndNot):
            parsed, mask = parsed.a, matching_docs(searcher, parsed.b)
        return _Prepared(parsed, has_words, parser, allow, mask)
    parts = ([parsed] if parsed is not None else []) + filters.queries()
    final = (parts[0] if len(parts) == 1 else And(parts)) if parts else Every()
    return _Prepared(final, has_words, parser)


def _newest_first(sort: str, has_words: bool) -> bool | None:
    """Return True to list newest first, False oldest first, None to rank by relevance."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if sort == "relevance" and has_words:
        return None
    return sort != "oldest"


def search(
    index_path: str | Path,
    query: str,
    *,
    source: str | None = None,
    author: str | None = None,
    agency: str | None = None,
    lang: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sort: str = "relevance",
    limit: int = 10,
    offset: int = 0,
    snippets: bool = True,
    archive: TextSource | None = None,
) -> SearchResult:
    """Search the index; see the module docstring for the query language.

    Snippets come from the article text in ``archive`` (an Archive or StoreTexts) when
    given, else from the stored lead (the description, or the start of the text). Raises
    QueryError for a bad query, IndexMissingError/IndexCorruptError
    (:mod:`indexer.search.whoosh.index`) when the index won't open.
    """
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise QueryError(f"limit must be 0-{MAX_LIMIT} and offset at least 0")
    searcher = _searcher(index_path)
    filters = _Filters(source, author, agency, lang, since, until)
    prepared = _prepare(searcher, query, filters, flags_as_set=True)
    newest = _newest_first(sort, prepared.has_words)
    found: list[tuple[int, float | None]] = []  # (document number, score)
    total, partial = 0, False
    if newest is not None:
        found, total, partial = _collect_by_date(searcher, prepared, newest, offset + limit)
    elif prepared.allow is None or prepared.allow:  # (Whoosh ignores an empty filter)
        found, total, partial = _collect(searcher, prepared, max(offset + limit, 1))
    page = found[offset : offset + limit] if limit else []
    hits = [_hit(searcher, docnum, score) for docnum, score in page]
    if snippets and hits:
        _add_snippets(hits, prepared.parser.highlight, archive)
    suggestion = None
    if total == 0 and prepared.has_words:
        suggestion = _suggest(searcher, prepared.parser, query, filters)
    return SearchResult(total=total, hits=hits, suggestion=suggestion, partial=partial)


def matching_docs(searcher: Searcher, query: Query) -> set[int]:
    """Return the numbers of the documents matching ``query``: set algebra over posting
    lists for terms, AND, OR and AND NOT (several times faster than Whoosh's matchers),
    Whoosh's own matching for the rest (phrases, numeric ranges, everything)."""
    if isinstance(query, Term):
        docs: set[int] = set()
        for reader, offset in searcher.reader().leaf_readers():
            if (query.fieldname, query.text) in reader:
                ids = _posting_ids(reader, query.fieldname, query.text)
                docs.update(map(offset.__add__, ids) if offset else ids)
        return docs
    if isinstance(query, ConstantScoreQuery):
        return matching_docs(searcher, query.child)
    if isinstance(query, And):
        parts = sorted((matching_docs(searcher, q) for q in query.subqueries), key=len)
        return parts[0].intersection(*parts[1:])
    if isinstance(query, Or):
        return set().union(*(matching_docs(searcher, q) for q in query.subqueries))
    if isinstance(query, AndNot):
        return matching_docs(searcher, query.a) - matching_docs(searcher, query.b)
    if isinstance(query, FastPhrase):
        docs = set()
        for reader, offset in searcher.reader().leaf_readers():
            found = query.segment_docs(reader)
            if found is None:
                return set(searcher.docs_for_query(query))
            docs.update(map(offset.__add__, found) if offset else found)
        return docs
    return set(searcher.docs_for_query(query))


def _set_algebra(query: Query) -> bool:
    """Whether :func:`matching_docs` answers ``query`` by set algebra alone (fast)."""
    if isinstance(query, (Term, FastPhrase)):
        return True
    if isinstance(query, ConstantScoreQuery):
        return _set_algebra(query.child)
    if isinstance(query, (And, Or)):
        return all(_set_algebra(q) for q in query.subqueries)
    if isinstance(query, AndNot):
        return _set_algebra(query.a) and _set_algebra(query.b)
    return False


def _unfiltered_postings(reader: Any, fieldname: str, text: Any) -> tuple[Any, frozenset[int]]:
    """Return a term's posting matcher in one segment, without the filter that leaves
    out the segment's deleted documents, and those documents' numbers."""
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):
        child = matcher.child
        child.reset()  # to the first posting again
        return child, matcher._ids
    return matcher, frozenset()


def _posting_ids(reader: Any, fieldname: str, text: str) -> Iterable[int]:
    """Return the numbers of one segment's documents holding a term (deleted ones left
    out), read a block at a time: Whoosh's ``all_ids()`` takes several times longer, a
    posting at a time. (This reads the block attributes of whoosh 2.7.4's matcher.)"""
    matcher, deleted = _unfiltered_postings(reader, fieldname, text)
    if not isinstance(matcher, W3LeafMatcher):
        return reader.postings(fieldname, text).all_ids()
    ids: list[int] = []
    while matcher.is_active():  # at the start of a block
        ids += accumulate(_load_ids_weights(matcher)[0])  # delta-coded numbers
        matcher._next_block()
    return [docnum for docnum in ids if docnum not in deleted] if deleted else ids


def _collect(
    searcher: Searcher, prepared: _Prepared, limit: int
) -> tuple[list[tuple[int, float | None]], int, bool]:
    """Rank the matches within TIME_LIMIT; return ((document number, score) of the best
    ``limit``, the number of matches, partial).

    Whoosh's top-N collector replaces sub-matchers that can no longer beat the N-th score:
    that stops counting their matches (the total comes from the match set when set algebra
    gives it, :func:`matching_docs`), and in deeper trees its replacements can even leave
    out part of a document's score (see :func:`_prunable`), so only one word's title and
    body get replaced; it skips no blocks by quality (which costs more than it saves here).
    Given the match set, the matcher visits only those documents unless it would stop at
    hardly any others (:func:`_walk_all`); either way its posting lists are read the fast
    way (:class:`_FastMatching`)."""
    collector = searcher.collector(
        limit=limit, filter=prepared.allow, mask=prepared.mask, optimize=False
    )
    by_sets = _set_algebra(prepared.query)
    if not _prunable(prepared.query):
        top = getattr(collector, "child", collector)  # inside the FilterCollector, if any
        top.replace = 0
    if not _in_main_thread():  # no SIGALRM there: Whoosh checks the time between hits
        collector = TimeLimitCollector(collector, timelimit=TIME_LIMIT, use_alarm=False)
    try:
        with deadline(TIME_LIMIT):
            matched = matching_docs(searcher, prepared.query) if by_sets else None
            docs = None if matched is None else _filtered(matched, prepared)
            if docs is None or _walk_all(prepared.query, len(matched or ()), len(docs)):
                query = _FastMatching(prepared.query)
            else:
                query = _FastMatching(prepared.query, searcher, sorted(docs))
            searcher.search_with_collector(query, collector)
            results = collector.results()
            total = len(results) if docs is None else len(docs)
            return _scored(results), total, False
    except TimeLimit:
        logger.warning("search stopped after %.1fs: results are partial", TIME_LIMIT)
        try:
            results = collector.results()
            return _scored(results), results.estimated_length(), True
        except AttributeError:  # stopped before the collector had started
            return [], 0, True


def _prunable(query: Query) -> bool:
    """Whether Whoosh's collector may replace the query's sub-matchers as the N-th score
    rises: only for a word, or two ORed (a word's title and body). Its replacements turn an
    OR into an AND-MAYBE, whose ``skip_to`` moves the optional side to the target rather
    than to where the required side lands; a parent AND skipping it so drops that side's
    score from the document (whoosh 2.7.4's AndMaybeMatcher). Walked a document at a time,
    as the collector walks the top matcher, the replacements of two words are exact."""
    subqueries = query.subqueries if isinstance(query, Or) else [query]
    return len(subqueries) <= 2 and all(type(q) is Term for q in subqueries)


def _walk_all(query: Query, matched: int, kept: int) -> bool:
    """Whether the collector had better walk the query's matcher than visit only the
    ``kept`` of its ``matched`` documents the flags and a NOT let through: when words and
    phrases ORed together match wherever their matchers stop, unless most are left out."""
    return _union_only(query) and kept * 4 > matched


def _union_only(query: Query) -> bool:
    if isinstance(query, (Term, FastPhrase)):
        return True
    if isinstance(query, ConstantScoreQuery):
        return _union_only(query.child)
    return isinstance(query, Or) and all(_union_only(q) for q in query.subqueries)


def _matches(searcher: Searcher, prepared: _Prepared) -> set[int]:
    """Return the document numbers the prepared query matches, its flags and NOT applied."""
    return _filtered(matching_docs(searcher, prepared.query), prepared)


def _filtered(docs: set[int], prepared: _Prepared) -> set[int]:
    """Return the documents of ``docs`` that the flags and a top-level NOT let through."""
    if prepared.allow is not None:
        docs = docs & prepared.allow
    if prepared.mask:
        docs = docs - prepared.mask
    return docs


def _scored(results: Any) -> list[tuple[int, float | None]]:
    return [(hit.docnum, hit.score) for hit in results]


def _collect_by_date(
    searcher: Searcher, prepared: _Prepared, newest: bool, limit: int
) -> tuple[list[tuple[int, None]], int, bool]:
    """Find the matches within TIME_LIMIT; return the first ``limit`` by date (see
    :func:`first_by_date`), the number of matches, and whether time ran out (no hits)."""
    try:
        with deadline(TIME_LIMIT):
            docs = _matches(searcher, prepared)
            first = first_by_date(searcher, docs, newest=newest, limit=limit)
            return [(docnum, None) for docnum in first], len(docs), False
    except TimeLimit:
        logger.warning("search stopped after %.1fs: no results", TIME_LIMIT)
        return [], 0, True


_year_lists: WeakKeyDictionary[Searcher, list[str]] = WeakKeyDictionary()


def _years(searcher: Searcher) -> list[str]:
    """Return the years of the searcher's documents, oldest first (cached per searcher)."""
    years = _year_lists.get(searcher)
    if years is None:
        years = _year_lists[searcher] = sorted(searcher.reader().field_terms("year"), key=int)
    return years


def first_by_date(searcher: Searcher, docs: set[int], *, newest: bool, limit: int) -> list[int]:
    """Return the first ``limit`` of the documents ``docs`` newest (or oldest) first, ties
    by document number, undated ones last: Whoosh's sort by ``published``, without
    reading the date of every document.

    The cached per-year sets are walked from the chosen end, and the months of the year
    where ``limit`` is reached; only the documents gathered so get their exact date read."""
    years = _years(searcher)
    gathered: list[int] = []
    for year in reversed(years) if newest else years:
        in_year = docs & period_docs(searcher, Term("year", year))
        if len(gathered) + len(in_year) >= limit:
            months = [f"{int(year):04d}-{month:02d}" for month in range(1, 13)]
            for month in reversed(months) if newest else months:
                gathered += in_year & period_docs(searcher, Term("month", month))
                if len(gathered) >= limit:
                    break
            break
        gathered += in_year
    dates = searcher.reader().column_reader("published")
    sign = -1 if newest else 1
    first = sorted(gathered, key=lambda docnum: (sign * dates[docnum], docnum))[:limit]
    if len(first) < limit:  # every dated match is in: the undated ones follow
        first += sorted(docs.difference(gathered))[: limit - len(first)]
    return first


def count(
    index_path: str | Path,
    query: str,
    *,
    source: str | None = None,
    author: str | None = None,
    agency: str | None = None,
    lang: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> int:
    """Return only the number of matching articles (no scoring, sorting or snippets)."""
    searcher = _searcher(index_path)
    prepared = _prepare(searcher, query, _Filters(source, author, agency, lang, since, until))
    with _or_too_slow():
        return len(matching_docs(searcher, prepared.query))


def matching_ids(
    index_path: str | Path,
    query: str,
    *,
    source: str | None = None,
    author: str | None = None,
    agency: str | None = None,
    lang: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[str]:
    """Return the ids of every matching article (for exporting exactly the hits)."""
    searcher = _searcher(index_path)
    prepared = _prepare(searcher, query, _Filters(source, author, agency, lang, since, until))
    with _or_too_slow():
        docs = sorted(matching_docs(searcher, prepared.query))
        return [searcher.stored_fields(d)["id"] for d in docs]


def facets(
    index_path: str | Path,
    query: str,
    *,
    field: str = "source",
    source: str | None = None,
    author: str | None = None,
    agency: str | None = None,
    lang: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 20,
) -> list[tuple[str, int]]:
    """Return (value, number of matching articles) pairs of a facet, most frequent first.

    ``field`` is one of source, agency, author, tag, lang, year, month (months and years
    are listed newest first instead).
    """
    if field not in FACETS:
        raise QueryError(f"unknown facet {field!r}: use one of {', '.join(FACETS)}")
    name, _ = FACETS[field]
    searcher = _searcher(index_path)
    prepared = _prepare(searcher, query, _Filters(source, author, agency, lang, since, until))
    reader = searcher.reader()
    counts: list[tuple[str, int]] = []
    with _or_too_slow():
        docs = matching_docs(searcher, prepared.query)
        for term in reader.field_terms(name):
            n = sum(1 for d in reader.postings(name, term).all_ids() if d in docs)
            if n:
                counts.append((term, n))
    if field in ("year", "month"):
        counts.sort(reverse=True)
    else:
        counts.sort(key=lambda kv: (-kv[1], kv[0]))
    return counts[:limit]


def similar(
    index_path: str | Path,
    article_id: str,
    limit: int = 10,
    *,
    archive: Archive | None = None,
) -> list[Hit]:
    """Return articles like the given one (key terms of its text, or of its title and
    lead without ``archive``); raise KeyError if the id is not indexed."""
    searcher = _searcher(index_path)
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise KeyError(f"article {article_id} is not in the index")
    stored = searcher.stored_fields(docnum)
    article = archive.get(article_id) if archive is not None else None
    text = article.text if article else f"{stored.get('title', '')}\n{stored.get('lead', '')}"
    with _or_too_slow():
        results = searcher.more_like(docnum, "body", text=text, top=limit, numterms=12)
        return [_hit(searcher, h.docnum, h.score) for h in results]


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise whoosh's TimeLimit in the block after ``seconds`` (main thread only: SIGALRM;
    elsewhere a no-op). Any previous SIGALRM handler is restored afterwards."""
    if not _in_main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _or_too_slow() -> Iterator[None]:
    """Turn running past TIME_LIMIT into a QueryError."""
    try:
        with deadline(TIME_LIMIT):
            yield
    except TimeLimit:
        raise QueryError(f"the query took over {TIME_LIMIT:g}s: make it narrower") from None


def _hit(searcher: Searcher, docnum: int, score: float | None) -> Hit:
    stored = searcher.stored_fields(docnum)
    return Hit(
        id=stored["id"],
        url=stored.get("url", ""),
        title=stored.get("title", ""),
        published=stored.get("published_iso"),
        source=stored.get("source", ""),
        authors=_split(stored.get("authors")),
        agencies=_split(stored.get("agencies")),
        score=None if score is None else round(float(score), 4),
        lead=stored.get("lead", ""),
    )


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


# -- snippets ---------------------------------------------------------------------------


def _add_snippets(hits: list[Hit], terms: set[str], archive: TextSource | None) -> None:
    texts: dict[str, str] = {}
    if archive is not None:
        try:
            texts = {a.id: a.text for a in archive.get_many([h.id for h in hits])}
        except sqlite3.Error as exc:  # a busy or damaged store: the leads will do
            logger.warning("snippets from the stored leads: cannot read the store (%s)", exc)
    for hit in hits:
        text = texts.get(hit.id) or hit.lead
        hit.snippet = make_snippet(text, terms)


def make_snippet(text: str, terms: set[str], width: int = SNIPPET_CHARS) -> list[Span]:
    """Return the passage of a text richest in the analysed ``terms`` as spans, or its
    beginning when no term occurs."""
    text = text[:HIGHLIGHT_CHARS]
    matches = _find_terms(text, terms)
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


def _find_terms(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Return the (start, end) of each word of ``text`` whose index form is in ``terms``."""
    if not terms:
        return []
    # A stem is the start of its word but for its last letter (economy -> economi), so
    # only words with such a prefix go through the (slow) analyzer; a regex over the
    # folded text finds them without looking at every word in Python.
    prefixes = tuple(sorted({t[: max(1, len(t) - 1)] for t in terms}))
    folded = text.translate(accent_map).lower()
    if len(folded) == len(text):
        starts = (m.start() for m in _prefix_pattern(prefixes).finditer(folded))
    else:  # folding changed the offsets: try every word
        starts = (m.start() for m in WORD_PATTERN.finditer(text))
    found = []
    for start in starts:
        m = WORD_PATTERN.match(text, start)
        word = m.group().translate(accent_map).lower() if m else ""
        if word.startswith(prefixes) and _index_form(word) in terms:
            found.append(m.span())
    return found


@lru_cache(maxsize=256)
def _prefix_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """Return a regex finding the words (as WORD_PATTERN splits them) starting with a prefix."""
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"\b(?<!\w\.)(?:{alternatives})")


@lru_cache(maxsize=20_000)
def _index_form(word: str) -> str | None:
    words = _analyze(TEXT_ANALYZER, word)
    return words[0] if len(words) == 1 else None


def _best_window(text: str, matches: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """Return a window of about ``width`` characters holding the most distinct matches."""
    best, best_score = 0, -1
    for i, (first, _) in enumerate(matches):
        near = takewhile(lambda m, first=first: m[1] - first <= width, islice(matches, i, None))
        inside = {text[a:b].lower() for a, b in near}
        if len(inside) > best_score:
            best, best_score = i, len(inside)
    first = matches[best][0]
    start = _word_start(text, max(0, first - width // 4))
    return start, _word_end(text, min(len(text), start + width))


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


# -- suggestions ------------------------------------------------------------------------


def _suggest(searcher: Searcher, parser: _Parser, query: str, filters: _Filters) -> str | None:
    """Return the query with unknown words replaced by close indexed words, if it finds
    anything; None otherwise."""
    reader = searcher.reader()
    corrector = searcher.corrector("spell")
    text = clean_query(query)
    replaced = text
    for token, word in sorted(parser.words, key=lambda tw: -tw[0].start):
        if any(reader.doc_frequency(f, word) for f in _HIGHLIGHT_FIELDS):
            continue
        fixes = corrector.suggest(token.text.lower(), limit=1, maxdist=2, prefix=1)
        if fixes:
            replaced = replaced[: token.start] + fixes[0] + replaced[token.end :]
    if replaced == text:
        return None
    try:
        prepared = _prepare(searcher, replaced, filters)
        with deadline(TIME_LIMIT):
            found = any(True for _ in searcher.docs_for_query(prepared.query))
    except (QueryError, TimeLimit):
        return None
    return replaced if found else None
