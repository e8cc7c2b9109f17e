"""The tantivy search engine (:class:`indexer.search.engine.SearchEngine`): parsed queries
translated by :mod:`indexer.search.tantivy.translate` and run by tantivy, whose top-k
collection skips blocks that can't make the top (block-max WAND) and whose totals are
exact. A search has no time limit here (``partial`` is never set): tantivy gives no way
to stop a query early.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy
from tantivy import DocAddress, Occur, Order, Query, Searcher

from indexer.search import hit_fields
from indexer.search.engine import FACETS, LazyMatches, Match, Page, newest_first
from indexer.search.engines import IndexWrites
from indexer.search.errors import IndexCorruptError, IndexMissingError
from indexer.search.filters import Filters
from indexer.search.query import HIGHLIGHT_FIELDS, ParsedQuery, QueryError, parse
from indexer.search.tantivy import grams
from indexer.search.tantivy.schema import SCHEMA, stored_fields
from indexer.search.tantivy.translate import filter_queries, translate
from indexer.search.tantivy.writing import TantivyIndex
from indexer.search.terms import TEXT_ANALYSIS, fold

if TYPE_CHECKING:
    pass

OPEN_INDEXES = 4  # indexes kept open per thread
FACET_SIZE = 1_000_000  # distinct values a facet aggregation may list (all of them)
MORE_LIKE_TERMS = 12  # key terms of an article that find the articles like it
SPELL_DISTANCE = 2  # edits between a misspelt word and a suggestion, at most

_local = threading.local()


def _current(index: TantivyIndex) -> tuple[str, int]:
    """Return the folder the index's link names now, and its inode (a rebuild makes a
    new one); raise IndexMissingError if there is none."""
    try:
        folder = index.dir.resolve(strict=True)
        return str(folder), folder.stat().st_ino
    except OSError:
        raise IndexMissingError(f"no index at {index.path}") from None


def cached_searcher(index_path: str | Path) -> tuple[Searcher, frozenset[str] | None]:
    """Return a searcher of the index's latest commit, from this thread's open indexes
    (a few recently used ones, each holding open files; one made anew, as a rebuild
    that replaced a damaged index does, is opened anew), and the common words recorded
    in the folder it reads (:mod:`indexer.search.tantivy.grams`; None: none)."""
    cache: OrderedDict[tuple[str, int], tuple[tantivy.Index, frozenset[str] | None]] = (
        _local.__dict__.setdefault("indexes", OrderedDict())
    )
    opened = TantivyIndex(index_path)
    key = _current(opened)
    entry = cache.pop(key, None)
    if entry is not None:
        entry[0].reload()
    else:
        try:
            entry = (opened.open(Path(key[0])), grams.recorded(Path(key[0])))
        except (IndexMissingError, IndexCorruptError):
            if _current(opened) == key:  # (not swapped by a rebuild meanwhile: damaged)
                raise
            key = _current(opened)
            entry = (opened.open(Path(key[0])), grams.recorded(Path(key[0])))
    cache[key] = entry
    while len(cache) > OPEN_INDEXES:
        cache.popitem(last=False)
    return entry[0].searcher(), entry[1]


class TantivyEngine(IndexWrites):
    """The archive's tantivy index as a :class:`~indexer.search.engine.SearchEngine`."""

    analysis = TEXT_ANALYSIS

    def __init__(self, index_path: str | Path):
        """Open (or reuse this thread's) index at ``index_path``; raise
        IndexMissingError or IndexCorruptError when it won't open."""
        self.index = TantivyIndex(index_path)
        self.searcher, self.common = cached_searcher(index_path)

    def _prepare(self, query: ParsedQuery, filters: Filters) -> tuple[Query, set[str]]:
        """Return the query with the flags ANDed in, and the words to highlight."""
        tree = query.tree
        translated = None if tree is None else translate(tree, self.searcher, self.common)
        highlight = query.highlight | (translated.highlight if translated else set())
        parts = ([translated.query] if translated else []) + filter_queries(filters)
        if not parts:
            return Query.all_query(), highlight
        if len(parts) == 1:
            return parts[0], highlight
        return Query.boolean_query([(Occur.Must, part) for part in parts]), highlight

    def _total(self, query: Query) -> int:
        return int(self.searcher.search(query, 1, count=True).count)  # type: ignore[attr-defined]

    def _addresses(
        self, query: Query, newest: bool | None, limit: int, offset: int
    ) -> list[tuple[float | None, DocAddress]]:
        """Return (score or None, address) of the matches ``offset`` to ``offset+limit``."""
        if limit <= 0:
            return []
        if newest is None:
            hits = self.searcher.search(query, limit, count=False, offset=offset).hits
            return [(float(score), address) for score, address in hits]
        field, order = ("published", Order.Desc) if newest else ("oldest", Order.Asc)
        hits = self.searcher.search(
            query, limit, count=False, order_by_field=field, offset=offset, order=order
        ).hits
        return [(None, address) for _, address in hits]

    def execute(
        self, query: ParsedQuery, filters: Filters, *, sort: str, limit: int | None, offset: int
    ) -> Page:
        """Return one page of matches, ranked or by date (``limit=None``: every match from
        ``offset`` on, each one's stored fields read only when it is used)."""
        final, highlight = self._prepare(query, filters)
        newest = newest_first(sort, bool(highlight))
        total = self._total(final)
        wanted = total - offset if limit is None else min(limit, total - offset)
        found = self._addresses(final, newest, wanted, offset)
        if limit is None:
            return Page(LazyMatches(found, self._matches), total, False, highlight)
        return Page(self._matches(found), total, False, highlight)

    def _matches(self, found: Sequence[tuple[float | None, DocAddress]]) -> list[Match]:
        """Return the matches at these (score, address): what a hit shows is read from
        the store (:mod:`indexer.search.hit_fields`) for documents that keep only their
        id, from the document for those indexed by earlier versions."""
        stored = [stored_fields(self.searcher.doc(address)) for _, address in found]
        shown = hit_fields.read(self.index.path, [f["id"] for f in stored if len(f) == 1])
        return [Match(shown.get(fields["id"], fields), score)
                for fields, (score, _) in zip(stored, found, strict=True)]

    def count(self, query: ParsedQuery, filters: Filters) -> int:
        """Return the number of matches."""
        return self._total(self._prepare(query, filters)[0])

    def ids(self, query: ParsedQuery, filters: Filters) -> list[str]:
        """Return the ids of every match."""
        final, _ = self._prepare(query, filters)
        found = self._addresses(final, False, self._total(final), 0)
        return [stored_fields(self.searcher.doc(address))["id"] for _, address in found]

    def facet(
        self, query: ParsedQuery, filters: Filters, name: str, limit: int
    ) -> list[tuple[str, int]]:
        """Return (value, matches) pairs of a facet, most frequent (or newest) first."""
        final, _ = self._prepare(query, filters)
        field = "published" if name in ("year", "month") else FACETS[name][0]
        aggregation = {"facet": {"terms": {"field": field, "size": FACET_SIZE}}}
        buckets = self.searcher.aggregate(final, aggregation)["facet"]["buckets"]
        counts: Counter[str] = Counter()
        for bucket in buckets:
            key, n = bucket["key"], int(bucket["doc_count"])
            if field == "published":
                if not (day := int(key)):
                    continue
                key = f"{day // 10_000}"
                if name == "month":
                    key += f"-{day // 100 % 100:02d}"
            counts[str(key)] += n
        if name in ("year", "month"):
            ordered = sorted(counts.items(), reverse=True)
        else:
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return ordered[:limit]

    def more_like(self, article_id: str, text: str | None, limit: int) -> list[Match]:
        """Return the articles most like one (its key terms by tf-idf, of ``text`` or of
        its title and lead); raise KeyError if the id is not indexed."""
        searcher = self.searcher
        itself = Query.term_query(SCHEMA, "id", article_id)
        hits = searcher.search(itself, 1).hits
        if not hits:
            raise KeyError(f"article {article_id} is not in the index")
        if text is None:
            stored = self._matches([(None, hits[0][1])])[0].fields
            text = f"{stored.get('title', '')}\n{stored.get('lead', '')}"
        docs = max(1, int(searcher.num_docs))
        weights = {
            term: tf * math.log(docs / df)
            for term, tf in Counter(TEXT_ANALYSIS.words(text)).items()
            if (df := searcher.doc_freq("body", term))
        }
        key_terms = sorted(weights, key=lambda t: (-weights[t], t))[:MORE_LIKE_TERMS]
        if not key_terms:
            return []
        like = Query.boolean_query(
            [(Occur.Should, Query.term_query(SCHEMA, "body", t)) for t in key_terms]
        )
        found = Query.boolean_query([(Occur.Must, like), (Occur.MustNot, itself)])
        return self._matches([(float(score), address) for score, address
                              in searcher.search(found, limit, count=False).hits])

    def suggest(self, query: ParsedQuery, filters: Filters) -> str | None:
        """Return the query with unknown words replaced by close indexed words (of titles
        and descriptions, unstemmed), if that finds anything; None otherwise."""
        searcher = self.searcher
        replaced = query.text
        for word in sorted(query.words, key=lambda w: -w.start):
            if any(searcher.doc_freq(f, word.form) for f in HIGHLIGHT_FIELDS):
                continue
            if fix := _closest(searcher, fold(word.text)):
                replaced = replaced[: word.start] + fix + replaced[word.end :]
        if replaced == query.text:
            return None
        try:
            return replaced if self.count(parse(replaced, self.analysis), filters) else None
        except QueryError:
            return None


def _closest(searcher: Searcher, word: str) -> str | None:
    """Return the indexed spelling word closest to ``word`` (the same first letter, at
    most :data:`SPELL_DISTANCE` edits; the most frequent of the closest), or None."""
    best: tuple[int, int, str] | None = None
    for term, df in searcher.terms_with_prefix("spell", word[:1]):
        if term == word or abs(len(term) - len(word)) > SPELL_DISTANCE:
            continue
        distance = _edits(word, term)
        if distance <= SPELL_DISTANCE and (best is None or (distance, -df, term) < best):
            best = (distance, -df, term)
    return best[2] if best else None


def _edits(a: str, b: str) -> int:
    """Return the Damerau-Levenshtein distance of two words (transpositions count one)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]

