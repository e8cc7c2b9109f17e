"""The query language parsed into our own query tree, without an index."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.search.query import (
    MAX_TERMS,
    And,
    AndNot,
    DateRange,
    Every,
    Not,
    Or,
    Phrase,
    Prefix,
    QueryError,
    Term,
    parse,
)
from indexer.search.whoosh.schema import ANALYSIS


def tree(query: str) -> object:
    return parse(query, ANALYSIS).tree


def words(word: str) -> Or:
    return Or((Term("title", word), Term("body", word)))


def test_words_are_anded_ored_and_negated_as_index_terms() -> None:
    assert tree("climate OR weather -coal") == Or(
        (words("climat"), AndNot(words("weather"), words("coal")))
    )
    assert tree("(storms OR floods) AND europe") == And(
        (Or((words("storm"), words("flood"))), words("europ"))
    )
    assert tree("NOT NOT coal") == AndNot(Every(), Not(words("coal")))


def test_fields_phrases_and_dates() -> None:
    assert tree('title:"peace talks" author:"Jane  DOE"') == And(
        (Phrase("title", ("peac", "talk")), Term("author", "jane doe"))
    )
    assert tree("lang:de-AT date:2022-10") == And(
        (Term("lang", "de"), DateRange(date(2022, 10, 1), date(2022, 10, 31)))
    )
    assert tree("published:[2022-01 TO *]") == DateRange(date(2022, 1, 1), None)


def test_a_prefix_is_left_for_the_engine_to_expand() -> None:
    """The parser never reads an index: a prefix stays a node with its stems."""
    assert tree("econom*") == Prefix(("title", "body"), ("econom",), "econom", "econom*", True)
    assert tree("-running*") == AndNot(
        Every(), Prefix(("title", "body"), ("runn", "running"), "running", "running*", False)
    )
    assert tree("source:bb*") == Prefix(("source",), ("bb",), "bb", "bb*", False)


def test_highlight_and_suggestion_words() -> None:
    parsed = parse('climate "sea level" -coal', ANALYSIS)
    assert parsed.highlight == {"climat", "sea", "level"}
    assert [(w.text, w.start, w.end, w.form) for w in parsed.words] == [
        ("climate", 0, 7, "climat")
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("*", "bare"),
        ("ec*on", "only allowed at the end"),
        ("e*", "at least 2"),
        ("colour:red", "unknown field"),
        ("the of", "no searchable words"),
        ("date:2022-13", "bad date"),
        (" ".join(["word"] * (MAX_TERMS + 1)), "too many"),
        ("(" * 30 + "x", "nested too deeply"),
    ],
)
def test_malformed_queries_are_one_line_errors(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as info:
        tree(query)
    assert "\n" not in str(info.value)


def test_blank_query_has_no_tree() -> None:
    assert tree("") is None  # (a blank but not empty one is an error: below)


@pytest.mark.parametrize("query", ["\x01", " ", "\u200b", "\t\u00ad "])
def test_a_query_of_nothing_visible_is_an_empty_query(query: str) -> None:
    with pytest.raises(QueryError, match="empty query"):
        parse(query, ANALYSIS)
    assert parse("", ANALYSIS).tree is None  # '' lists articles by the flags alone


@pytest.mark.parametrize("query", ["author:", "author: doe", "(source:)"])
def test_a_field_without_a_value_says_so(query: str) -> None:
    with pytest.raises(QueryError, match=r"needs a value"):
        parse(query, ANALYSIS)


def test_a_pasted_url_is_searched_as_the_phrase_of_its_words() -> None:
    url = "https://news.example.com/2024/05/storm-hits-coast"
    assert tree(url) == tree(f'"{url}"')  # not the unknown field "https"
    assert tree(f"{url} -flood") == AndNot(tree(f'"{url}"'), words("flood"))


def test_a_soft_hyphen_or_zero_width_space_inside_a_word_is_ignored() -> None:
    assert tree("sew\u00adage") == tree("sewage")
    assert tree("sew\u200bage") == tree("sewage")
