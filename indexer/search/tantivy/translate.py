"""Our query tree (:mod:`indexer.search.query`) and filters as tantivy queries.

Terms are ours (the index holds them as :mod:`indexer.search.terms` makes them), so a
term or phrase is looked up as it is. Title matches weigh twice as much as body matches
(Whoosh's ``field_boost`` of the title). Phrases of common words go through the index's
pairs of them (:mod:`indexer.search.tantivy.grams`). Prefixes are expanded against the index's terms
as Whoosh's are (:mod:`indexer.search.expansion`). Dates are a range of ``published``
(``yyyymmdd``); dates and flags don't score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from tantivy import FieldType, Occur, Query, Searcher

import indexer.search.query as q
from indexer.search.expansion import Translation, prefix_words
from indexer.search.filters import Filters
from indexer.search.query import MAX_YEAR, MIN_YEAR, QueryError
from indexer.search.tantivy.grams import grams_field, pairs
from indexer.search.tantivy.schema import SCHEMA
from indexer.search.terms import day_key

TITLE_BOOST = 2.0


def translate(
    tree: q.Node, searcher: Searcher, common: frozenset[str] | None = None
) -> Translation[Query]:
    """Return the tantivy query of a query tree, expanding prefixes from ``searcher``;
    phrases go through the pairs of the index's ``common`` words (None: it has none)."""
    highlight: set[str] = set()
    return Translation(_Translator(searcher, common, highlight).query(tree), highlight)


def _weighted(name: str, query: Query) -> Query:
    return Query.boost_query(query, TITLE_BOOST) if name == "title" else query


def _term(name: str, text: str) -> Query:
    return _weighted(name, Query.term_query(SCHEMA, name, text))


class _Translator:
    """Translates the nodes of one tree."""

    def __init__(self, searcher: Searcher, common: frozenset[str] | None, highlight: set[str]):
        self.searcher = searcher
        self.common = common
        self.highlight = highlight

    def query(self, node: q.Node) -> Query:
        """Return the tantivy query of a node."""
        if isinstance(node, q.Term):
            return _term(node.field, node.text)
        if isinstance(node, q.Phrase):
            return _weighted(node.field, phrase_query(node.field, node.words, self.common))
        if isinstance(node, q.Prefix):
            return _expand(node, self.searcher, self.highlight)
        if isinstance(node, q.DateRange):
            return date_range_query(node.since, node.until)
        if isinstance(node, q.And):
            return _boolean(Occur.Must, [self.query(i) for i in node.items])
        if isinstance(node, q.Or):
            return _boolean(Occur.Should, [self.query(i) for i in node.items])
        if isinstance(node, q.AndNot):
            base, excluded = self.query(node.base), self.query(node.excluded)
            return Query.boolean_query([(Occur.Must, base), (Occur.MustNot, excluded)])
        if isinstance(node, q.Every):
            return Query.all_query()
        if isinstance(node, q.Not):  # a NOT of a NOT
            inner = self.query(node.item)
            return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, inner)])
        raise TypeError(f"not a query node: {node!r}")


def phrase_query(field: str, words: Sequence[str], common: frozenset[str] | None) -> Query:
    """Return the query of a phrase of a text field (unweighted): through the terms of
    its pairs of common words when there are any (:mod:`indexer.search.tantivy.grams`):
    the pair's term alone for two words, else the phrase ANDed with them (unscored)."""
    phrase = Query.phrase_query(SCHEMA, field, list(words))
    found = list(dict.fromkeys(pairs(words, common or frozenset())))
    if not found:
        return phrase
    terms = [Query.term_query(SCHEMA, grams_field(field), t, index_option="freq") for t in found]
    if len(words) == 2:
        return terms[0]
    return Query.boolean_query(
        [(Occur.Must, Query.const_score_query(t, 0.0)) for t in terms] + [(Occur.Must, phrase)]
    )


def _boolean(occur: Occur, queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(occur, x) for x in queries])


def _expand(node: q.Prefix, searcher: Searcher, highlight: set[str]) -> Query:
    """Return the OR of the index's words starting with the prefix's stems."""

    def words_of(name: str, stem: str, most: int) -> Iterable[str]:
        return (word for word, _ in searcher.terms_with_prefix(name, stem, limit=most))

    terms = [_term(name, w) for name, w in prefix_words(node, words_of, highlight)]
    if not terms:  # a term no document has: matches nothing
        return Query.term_query(SCHEMA, node.fields[0], node.key)
    return _boolean(Occur.Should, terms)


def date_range_query(since: date | None, until: date | None) -> Query:
    """Return a non-scoring query for articles published between two days (inclusive)."""
    lo = since or date(MIN_YEAR, 1, 1)
    hi = until or date(MAX_YEAR, 12, 31)
    if lo > hi:
        raise QueryError(f"empty date range: {lo} is after {hi}")
    found = Query.range_query(SCHEMA, "published", FieldType.Unsigned, day_key(lo), day_key(hi))
    return Query.const_score_query(found, 0.0)


def filter_queries(filters: Filters) -> list[Query]:
    """Return one non-scoring query per flag given."""
    found = [
        Query.const_score_query(Query.term_query(SCHEMA, name, key), 0.0)
        for name, key in filters.flag_keys()
    ]
    if (period := filters.period()) is not None:
        found.append(date_range_query(*period))
    return found
