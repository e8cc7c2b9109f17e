"""Our query tree (:mod:`indexer.search.query`) and filters as Whoosh queries.

Prefixes are expanded here, against the index's terms, as the tree is translated; a
date range becomes whole ``year`` and ``month`` terms plus short day ranges at its edges.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import islice
from typing import Any

import indexer.search.query as q
from indexer.search.expansion import Translation, prefix_words
from indexer.search.filters import Filters
from indexer.search.query import MAX_YEAR, MIN_YEAR, QueryError, month_end
from indexer.search.terms import day_key
from indexer.search.whoosh.phrases import FastPhrase
from indexer.search.whoosh.schema import quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.query import (
        And,
        AndNot,
        ConstantScoreQuery,
        Every,
        Not,
        NumericRange,
        Or,
        Query,
        Term,
    )

def translate(tree: q.Node, reader: Any) -> Translation[Query]:
    """Return the Whoosh query of a query tree, expanding prefixes from ``reader``."""
    highlight: set[str] = set()
    return Translation(_to_whoosh(tree, reader, highlight), highlight)


def _to_whoosh(node: q.Node, reader: Any, highlight: set[str]) -> Query:
    if isinstance(node, q.Term):
        return Term(node.field, node.text)
    if isinstance(node, q.Phrase):
        return FastPhrase(node.field, list(node.words))
    if isinstance(node, q.Prefix):
        return _expand(node, reader, highlight)
    if isinstance(node, q.DateRange):
        return date_range_query(node.since, node.until)
    if isinstance(node, q.And):
        return And([_to_whoosh(item, reader, highlight) for item in node.items])
    if isinstance(node, q.Or):
        return Or([_to_whoosh(item, reader, highlight) for item in node.items])
    if isinstance(node, q.AndNot):
        base = _to_whoosh(node.base, reader, highlight)
        return AndNot(base, _to_whoosh(node.excluded, reader, highlight))
    if isinstance(node, q.Every):
        return Every()
    if isinstance(node, q.Not):  # a NOT of a NOT
        return Not(_to_whoosh(node.item, reader, highlight))
    raise TypeError(f"not a query node: {node!r}")


def _expand(node: q.Prefix, reader: Any, highlight: set[str]) -> Query:
    """Return the OR of the index's words starting with the prefix's stems."""

    def words_of(name: str, stem: str, most: int) -> Iterable[str]:
        return (w.decode("utf-8") for w in islice(reader.expand_prefix(name, stem), most))

    terms = [Term(name, w) for name, w in prefix_words(node, words_of, highlight)]
    if not terms:  # a term no document has: matches nothing
        return Term(node.fields[0], node.key)
    return Or(terms) if len(terms) > 1 else terms[0]


def date_range_query(since: date | None, until: date | None) -> Query:
    """Return a non-scoring query for articles published between two days (inclusive)."""
    parts = date_parts(since, until)
    return ConstantScoreQuery(Or(parts) if len(parts) > 1 else parts[0], 0.0)


def date_parts(since: date | None, until: date | None) -> list[Query]:
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
        year_end, last = date(day.year, 12, 31), month_end(day)
        if (day.month, day.day) == (1, 1) and year_end <= hi:
            parts.append(Term("year", str(day.year)))
            end = year_end
        elif day.day == 1 and last <= hi:
            parts.append(Term("month", f"{day:%Y-%m}"))
            end = last
        else:
            end = min(last, hi)
            parts.append(NumericRange("published", day_key(day), day_key(end)))
        day = end + timedelta(days=1)
    return parts


def filter_queries(filters: Filters, *, dates: bool = True) -> list[Query]:
    """Return one non-scoring query per flag given (but the dates if not ``dates``)."""
    found: list[Query] = [ConstantScoreQuery(Term(n, key), 0.0) for n, key in filters.flag_keys()]
    if dates and (period := filters.period()) is not None:
        found.append(date_range_query(*period))
    return found
