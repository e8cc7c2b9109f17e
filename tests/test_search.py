"""Search over a real index and store: query language, flags, sorting, snippets, safety."""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indexer.search.whoosh.matching
import indexer.search.whoosh.plans
from indexer.article import Article
from indexer.search import (
    QUERY_HELP,
    Hit,
    QueryError,
    clean_for_terminal,
    count,
    facets,
    render_snippet,
    search,
    similar,
)
from indexer.search import Filters as _Filters
from indexer.search.engines import ENGINES, engine_of, open_index
from indexer.search.whoosh import blockmax
from indexer.search.whoosh.blocks import BlockTable, block_table
from indexer.search.whoosh.engine import cached_searcher as _searcher
from indexer.search.whoosh.engine import prepare as _prepare
from indexer.search.whoosh.index import ArchiveIndex, quiet_whoosh_import
from indexer.search.whoosh.matching import FastMatching as _FastMatching
from indexer.search.whoosh.matching import collect as _collect
from indexer.search.whoosh.postings import _FastLeafMatcher
from indexer.search.whoosh.postings import fast_leaves as _fast_leaves
from indexer.search.whoosh.postings import load_block as _load_block
from indexer.search.whoosh.postings import load_ids_weights as _load_ids_weights
from indexer.search.whoosh.postings import posting_ids as _posting_ids
from indexer.store import Archive

with quiet_whoosh_import():
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.query import WrappingQuery

ARTICLES = [
    Article(
        url="https://bbc.example/economy",
        title="Economy slows in Europe",
        text="The European economy slowed sharply as energy prices rose. "
        "Economists now expect a recession in Germany before the spring.",
        authors=["Jane Doe"],
        agencies=["AFP"],
        source="bbc",
        language="en-GB",
        published="2022-10-27T10:00:00+02:00",
        tags=["Economy"],
        section="Business",
    ),
    Article(
        url="https://dw.example/fussball",
        title="Football results",
        text="Bayern won again on Saturday. The economy of football keeps booming.",
        authors=["Élise Martin"],
        agencies=["Reuters"],
        source="dw",
        language="de",
        published="2021-03-02",
        tags=["Sport"],
    ),
    Article(
        url="https://bbc.example/climate",
        title="Climate change talks collapse",
        text="The climate change summit ended without an agreement on coal and emissions.",
        authors=["John Smith"],
        source="bbc",
        language="en",
        published="2022-01-15",
        tags=["Climate"],
    ),
    Article(
        url="https://guardian.example/weather",
        title="Weather warning for the coast",
        text="Storms and heavy weather hit the coast; scientists link the change in climate "
        "to warmer seas and more emissions.",
        authors=["Mary Jane Watson"],
        agencies=["AP"],
        source="guardian",
        language="en",
        published="2022-06-30",
    ),
    Article(
        url="https://lemonde.example/economie",
        title="L'économie française résiste",
        text="Selon l'Insee, l'économie française résiste malgré l'inflation.",
        source="lemonde",
        language="fr",
        published=None,
    ),
    Article(
        url="https://dw.example/harbour",
        title="Harbour strike ends",
        text="Dock workers ended their strike at the harbour after a pay deal. " * 20
        + "At the very end the mayor praised the agreement.",
        authors=["Jane Doe"],
        source="dw",
        language="en",
        published="2023-02-01",
    ),
    Article(
        url="https://evil.example/escape",
        title="\x1b]0;pwned\x07Red \x1b[31malert\x1b[0m",
        text="An alert with \x1b[2J escape sequences in it.",
        source="evil",
        language="en",
        published="2020-05-05",
    ),
]
BY_URL = {a.url: a for a in ARTICLES}


@pytest.fixture(scope="module", params=ENGINES)
def paths(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Path, Archive]]:
    """The store and index of ARTICLES, once per engine: the query language's tests run
    against both, with the same expected results."""
    root = tmp_path_factory.mktemp(f"search-{request.param}")
    with Archive(root / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in ARTICLES])
        open_index(root / "index", engine=request.param).rebuild(archive)
        assert engine_of(root / "index") == request.param
        yield root / "index", archive


@pytest.fixture(scope="module")
def ix(paths: tuple[Path, Archive]) -> Path:
    return paths[0]


def urls(index: Path, query: str, **kwargs: object) -> set[str]:
    return {h.url for h in search(index, query, limit=100, **kwargs).hits}  # type: ignore[arg-type]


def names(found: set[str]) -> set[str]:
    return {u.split("/")[-1] for u in found}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("economy europe", {"economy"}),  # AND by default
        ("economy AND europe", {"economy"}),
        ("weather OR coal", {"weather", "climate"}),
        ("emissions NOT coal", {"weather"}),
        ("emissions -coal", {"weather"}),
        ("(weather OR football) AND emissions", {"weather"}),
        ('"climate change"', {"climate"}),
        ("climate change", {"climate", "weather"}),
        ("econom*", {"economy", "fussball", "economie"}),
        ("economies", {"economy", "fussball", "economie"}),  # stems: économie too
        ("ÉCONOMIE", {"economy", "fussball", "economie"}),  # case and accents ignored
        ("ｅｃｏｎｏｍｙ", {"economy", "fussball", "economie"}),  # fullwidth letters
        ("title:slows", {"economy"}),
        ("title:economy", {"economy", "economie"}),
        ("resiste", {"economie"}),
        ("body:coast", {"weather"}),
        ("title:(strike OR weather)", {"harbour", "weather"}),
        ("author:doe", {"economy", "harbour"}),
        ('author:"Jane Doe"', {"economy", "harbour"}),
        ('author:"elise martin"', {"fussball"}),
        ("author:watson", {"weather"}),
        ("agency:afp", {"economy"}),
        ("agency:Reuters", {"fussball"}),
        ("source:BBC", {"economy", "climate"}),
        ("tag:sport", {"fussball"}),
        ("lang:de", {"fussball"}),
        ("lang:en", {"economy", "climate", "weather", "harbour", "escape"}),
        ("section:business", {"economy"}),
        ("date:2022", {"economy", "climate", "weather"}),
        ("date:2022-10", {"economy"}),
        ("date:2022-01-15", {"climate"}),
        ("published:[2022-01 TO 2022-06]", {"climate", "weather"}),
        ("published:[2022-01-16 TO 2022-06-30]", {"weather"}),
        ("published:[2022-07 TO *]", {"economy", "harbour"}),
        ("published:[* TO 2021]", {"fussball", "escape"}),
        ("agreement date:2023", {"harbour"}),
        ("NOT source:dw lang:en", {"economy", "climate", "weather", "escape"}),
    ],
)
def test_query_forms(ix: Path, query: str, expected: set[str]) -> None:
    assert names(urls(ix, query)) == expected


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"source": "bbc"}, {"economy", "climate"}),
        ({"author": "Jane Doe"}, {"economy", "harbour"}),
        ({"author": "doe"}, {"economy", "harbour"}),
        ({"agency": "ap"}, {"weather"}),
        ({"lang": "en-US"}, {"economy", "climate", "weather", "harbour", "escape"}),
        ({"since": "2022-06-30"}, {"economy", "weather", "harbour"}),
        ({"since": "2022-06"}, {"economy", "weather", "harbour"}),
        ({"since": "2022"}, {"economy", "climate", "weather", "harbour"}),
        ({"until": "2022-01-15"}, {"climate", "fussball", "escape"}),
        ({"until": "2022-01"}, {"climate", "fussball", "escape"}),
        ({"until": "2021"}, {"fussball", "escape"}),
        ({"since": "2022", "until": "2022"}, {"economy", "climate", "weather"}),
        ({"source": "bbc", "since": "2022-02"}, {"economy"}),
    ],
)
def test_flags_combine_with_the_query(ix: Path, flags: dict[str, str], expected: set[str]) -> None:
    assert names(urls(ix, "", **flags)) == expected
    query = "economy OR climate OR weather"
    assert names(urls(ix, query, **flags)) == expected & names(urls(ix, query))


def test_empty_query_lists_everything_newest_first(ix: Path) -> None:
    result = search(ix, "", limit=100)
    assert result.total == len(ARTICLES)
    assert [h.url.split("/")[-1] for h in result.hits][:2] == ["harbour", "economy"]
    assert result.hits[-1].published is None


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_by_date_puts_undated_last(ix: Path, sort: str) -> None:
    hits = search(ix, "economy OR climate OR strike", sort=sort).hits
    dated = [h.published[:10] for h in hits if h.published]
    assert dated == sorted(dated, reverse=sort == "newest")
    assert hits[-1].published is None
    assert all(h.score is None for h in hits)


@pytest.mark.parametrize("query", ["", "source:bbc OR source:dw", "NOT coal", "date:2022"])
def test_queries_without_words_list_newest_first(ix: Path, query: str) -> None:
    hits = search(ix, query).hits
    dated = [h.published[:10] for h in hits if h.published]
    assert dated == sorted(dated, reverse=True)
    assert all(h.score is None for h in hits)


def test_relevance_ranks_title_matches_first(ix: Path) -> None:
    hits = search(ix, "economy").hits
    assert hits[0].url == "https://bbc.example/economy"
    assert hits[0].score is not None
    assert hits[0].score >= hits[-1].score


def test_limit_offset_and_total(ix: Path) -> None:
    every = [h.id for h in search(ix, "", limit=100).hits]
    page = search(ix, "", limit=3, offset=2)
    assert page.total == len(ARTICLES)
    assert [h.id for h in page.hits] == every[2:5]
    assert search(ix, "", limit=3, offset=100).hits == []
    assert search(ix, "", limit=0).total == len(ARTICLES)
    assert count(ix, "climate") == 2
    assert count(ix, "", source="bbc", since="2022-02") == 1


def test_hit_json_schema(ix: Path) -> None:
    data = search(ix, "economy europe").hits[0].to_dict()
    assert list(data) == [
        "id", "url", "title", "published", "source", "authors", "agencies", "score", "snippet",
    ]
    assert data["authors"] == ["Jane Doe"]
    assert data["agencies"] == ["AFP"]
    assert data["published"] == "2022-10-27T10:00:00+02:00"
    assert isinstance(data["score"], float)
    assert isinstance(data["snippet"], str)
    json.dumps(data)


def test_snippet_marks_matched_words(ix: Path) -> None:
    hit = search(ix, "recession").hits[0]
    matched = [text for text, is_match in hit.snippet if is_match]
    assert matched == ["recession"]
    assert "\x1b[1;33mrecession\x1b[0m" in render_snippet(hit.snippet, color=True)
    plain = render_snippet(hit.snippet, color=False)
    assert "recession in Germany" in plain
    assert "\x1b" not in plain


def test_snippet_from_the_store_finds_late_matches(paths: tuple[Path, Archive]) -> None:
    ix, archive = paths
    without = search(ix, "mayor").hits[0]  # the stored lead stops before the match
    assert not any(m for _, m in without.snippet)
    hit = search(ix, "mayor", archive=archive).hits[0]
    assert ("mayor", True) in hit.snippet
    assert hit.snippet[0] == ("… ", False)


def test_snippet_marks_stems_and_prefixes_not_negated_words(ix: Path) -> None:
    hit = search(ix, "econom* -coal").hits[0]
    assert {t.lower() for t, m in hit.snippet if m} >= {"economy"}
    hit = search(ix, "emissions NOT coal").hits[0]
    assert {t for t, m in hit.snippet if m} == {"emissions"}


def test_snippets_can_be_skipped(ix: Path) -> None:
    assert search(ix, "economy", snippets=False).hits[0].snippet == []


def test_facets(ix: Path) -> None:
    assert facets(ix, "", field="source") == [
        ("bbc", 2), ("dw", 2), ("evil", 1), ("guardian", 1), ("lemonde", 1),
    ]
    assert facets(ix, "economy", field="author") == [("Jane Doe", 1), ("Élise Martin", 1)]
    assert facets(ix, "", field="month", since="2022") == [
        ("2023-02", 1), ("2022-10", 1), ("2022-06", 1), ("2022-01", 1),
    ]
    assert facets(ix, "", field="agency", source="bbc") == [("AFP", 1)]
    assert facets(ix, "", field="lang")[0] == ("en", 5)
    with pytest.raises(QueryError):
        facets(ix, "", field="colour")


def test_did_you_mean(ix: Path) -> None:
    result = search(ix, "ecnomy europe")
    assert result.total == 0
    assert result.suggestion == "economy europe"
    assert search(ix, result.suggestion).total == 1
    assert search(ix, "zzzzqqq").suggestion is None
    assert search(ix, "economy", source="guardian").suggestion is None  # known words


def test_similar(ix: Path, paths: tuple[Path, Archive]) -> None:
    climate = BY_URL["https://bbc.example/climate"]
    found = [h.url for h in similar(ix, climate.id, limit=3)]
    assert found[0] == "https://guardian.example/weather"
    assert climate.url not in found
    assert similar(ix, climate.id, archive=paths[1])[0].url == "https://guardian.example/weather"
    with pytest.raises(KeyError):
        similar(ix, "0000000000000000")


@pytest.mark.parametrize(
    "query",
    [
        '"climate change',  # unclosed quote
        "(weather OR coal",  # unclosed parenthesis
        "weather OR coal))",  # stray parentheses
        "\x07weather\x00 \u202eOR coal",  # control and format characters
        "weather OR",
        "NOT NOT coal weather OR coal",
    ],
)
def test_sloppy_queries_still_work(ix: Path, query: str) -> None:
    assert search(ix, query).total >= 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("*", "bare"),
        ("***", "bare"),
        ("*limate", "end of a word"),
        ("cli*ate", "end of a word"),
        ("c*", "at least"),
        ("colour:red", "unknown field"),
        ("published:[2023 TO 2022]", "empty date range"),
        ("date:1066", "out of range"),
        ("date:2022-13", "bad date"),
        ("date:2022-02-30", "bad date"),
        ("published:[soon TO later]", "bad date"),
        ("published:[2022]", "range"),
        ("[2022 TO 2023]", "date field"),
        ("x" * 1001, "too long"),
        (" ".join(f"w{i}" for i in range(60)), "too many"),
        ("(" * 30 + "coal", "nested"),
        ("the of and", "no searchable words"),
        ("NOT", "no searchable words"),
    ],
)
def test_hostile_queries_raise_query_error(ix: Path, query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as err:
        search(ix, query)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sort": "random"},
        {"limit": -1},
        {"offset": -5},
        {"since": "yesterday"},
        {"until": "2022-99"},
        {"since": "2023", "until": "2022"},
    ],
)
def test_bad_arguments_raise_query_error(ix: Path, kwargs: dict[str, object]) -> None:
    with pytest.raises(QueryError):
        search(ix, "coal", **kwargs)  # type: ignore[arg-type]


def test_prefix_expanding_to_too_many_words(ix: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("indexer.search.expansion.MAX_EXPANSIONS", 1)
    with pytest.raises(QueryError, match="too many words"):
        search(ix, "ec*")  # economy, economist...


def test_deadline_interrupts_slow_work_and_restores_the_handler() -> None:
    import signal
    import time

    from whoosh.collectors import TimeLimit

    from indexer.search.whoosh.matching import deadline

    before = signal.getsignal(signal.SIGALRM)
    started = time.perf_counter()
    with pytest.raises(TimeLimit), deadline(0.05):
        time.sleep(2)
    assert time.perf_counter() - started < 1
    assert signal.getsignal(signal.SIGALRM) is before


@pytest.mark.parametrize("paths", ["whoosh"], indirect=True)  # (tantivy's has no time limit)
def test_slow_searches_return_partial_results(ix: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert engine_of(ix) == "whoosh"
    monkeypatch.setattr("indexer.search.whoosh.matching.TIME_LIMIT", 1e-6)
    result = search(ix, "economy OR climate OR weather")  # the timer fires at once
    assert result.partial
    with pytest.raises(QueryError, match="took over"):
        count(ix, "economy OR climate OR weather")


def test_only_a_few_indexes_stay_open(tmp_path: Path, ix: Path) -> None:
    from indexer.search.whoosh.engine import OPEN_SEARCHERS, _local

    for n in range(OPEN_SEARCHERS + 2):
        other = ArchiveIndex(tmp_path / f"index{n}")
        other.create()
        assert search(other.path, "weather").total == 0
    assert len(_local.searchers) == OPEN_SEARCHERS
    assert search(ix, "weather").total == 1


@pytest.mark.parametrize("name", ENGINES)
def test_search_sees_new_documents(tmp_path: Path, name: str) -> None:
    with Archive(tmp_path / "archive.db") as archive:
        open_index(tmp_path / "index", engine=name).rebuild(archive)  # (empty)
    index = open_index(tmp_path / "index")  # the archive's engine, either
    assert search(index.path, "weather").total == 0
    index.add([ARTICLES[3]])
    assert search(index.path, "weather").total == 1
    index.add([ARTICLES[3]])  # again: replaced, not twice
    assert search(index.path, "weather").total == 1
    assert index.delete([ARTICLES[3].id]) == 1
    assert search(index.path, "weather").total == 0
    index.add([ARTICLES[3]])
    assert search(index.path, "weather").total == 1


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;title\x07text", "text"),
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x9b2Jclear", "clear"),
        ("bell\x07 back\x08space\rreturn", "bell backspacereturn"),
        ("lone \x1b", "lone "),
        ("\x1b escape eats its final byte", "scape eats its final byte"),
        ("\u202eevil\u202c", "evil"),
        ("tab\there\nnew", "tab here new"),
        ("Zürich — “quotes”", "Zürich — “quotes”"),
    ],
)
def test_clean_for_terminal(raw: str, clean: str) -> None:
    assert clean_for_terminal(raw) == clean


def test_clean_for_terminal_can_keep_newlines() -> None:
    assert clean_for_terminal("a\r\nb\x1b[2Jc", newlines=True) == "a\nbc"


def test_hostile_page_text_is_neutralised(ix: Path) -> None:
    hit = search(ix, "alert").hits[0]
    assert "\x1b" in hit.title  # the record keeps the data; printing cleans it
    assert clean_for_terminal(hit.title) == "Red alert"
    assert "\x1b" not in render_snippet(hit.snippet, color=False)


def test_query_help_documents_every_field() -> None:
    for name in ("title:", "author:", "agency:", "source:", "tag:", "lang:", "date:", "published:"):
        assert name in QUERY_HELP
    assert Hit.__doc__


QUERY_PARTS = st.sampled_from(
    ["climate", "econom*", "coal", "OR", "AND", "NOT", "-", "(", ")", '"', "*", "title:",
     "author:", "date:", "published:[", " TO ", "]", "2022", "2022-13", "foo:", "\x1b[31m",
     "[", ":", "é", "the", "-coal", "e*", "\\", "'"]
)


QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(QUERY_PARTS, max_size=12).map("".join),
    st.lists(QUERY_PARTS, max_size=12).map(" ".join),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERIES)
def test_random_queries_raise_only_query_errors(ix: Path, query: str) -> None:
    message = ""
    try:
        result = search(ix, query, limit=3)
    except QueryError as exc:
        message = str(exc)
    else:
        assert result.total >= len(result.hits)
    assert "\n" not in message


def test_total_counts_every_match_when_few_can_reach_the_top(tmp_path: Path) -> None:
    """Whoosh's top-N collector drops sub-queries that cannot beat the N-th score
    (here: body-only matches once title matches fill the top); the total must not."""
    index = ArchiveIndex(tmp_path / "index")
    index.create()
    for batch in range(3):  # several segments
        index.add(
            Article(
                url=f"https://news.example/{batch}/{n}",
                title="Harbour reopens" if n < 3 else f"Story {batch} {n}",
                text=f"Harbour story {n}. " if n % 2 else f"Other story {n}. " * 3,
            )
            for n in range(100)
        )
    expected = count(index.path, "harbour")
    assert expected == 3 * (50 + 2)  # odd n in the body, plus n = 0, 2 by their titles
    for limit in (1, 3, 10):
        assert search(index.path, "harbour", limit=limit, snippets=False).total == expected
    phrase = count(index.path, '"harbour story"')
    assert phrase == 3 * 50
    assert search(index.path, '"harbour story"', limit=1, snippets=False).total == phrase


# -- the fast term path: posting blocks read the fast way, matches visited from sets -----

VOCABULARY = ["harbour", "storm", "trade", "vote", "ferry", "coast", "tide", "port", "quay"]
VOCABULARY += [f"rare{n}" for n in range(12)]


def _block_articles() -> list[Article]:
    """Articles whose words have hundreds of postings: several blocks per posting list."""
    rng = random.Random(5)

    def words(n: int) -> str:
        return " ".join(rng.choice(VOCABULARY[: 9 + rng.randrange(12)]) for _ in range(n))

    return [
        Article(
            url=f"https://blocks.example/{n}",
            title=words(rng.randint(1, 5)),
            text=words(rng.randint(3, 40)) + (" filler" * 300 + " storm tide" if n % 97 else ""),
            source=("bbc", "dw", "afp")[n % 3],
            authors=["Jane Doe"] if n % 4 == 0 else [],
            published=f"20{18 + n % 6}-{n % 12 + 1:02d}-{n % 27 + 1:02d}" if n % 11 else None,
        )
        for n in range(900)
    ]


@pytest.fixture(scope="module")
def blocks_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several segments, deleted documents (re-added articles), long posting lists."""
    articles = _block_articles()
    ix = ArchiveIndex(tmp_path_factory.mktemp("blocks") / "index")
    ix.create()
    for part in (articles[:400], articles[400:700], articles[700:], articles[100:180]):
        ix.add(part)
    return ix.path


TERM_QUERIES = [
    "storm",
    "rare3",
    "storm tide",
    "storm rare5",
    "rare1 rare2",
    "harbour storm trade",
    "storm OR rare7",
    "rare4 OR rare9 OR quay",
    "storm NOT tide",
    "rare2 -storm",
    "(storm OR vote) AND rare6",
    "storm AND NOT (tide OR rare1)",
    "title:storm tide",
    "title:(rare3 OR rare4) body:port",
    "rare* storm",
    "author:doe storm",
    '"storm tide" ferry',
    '"storm tide" OR rare8',
    "nowhere storm",
]
TERM_KWARGS = [
    {"limit": 10},
    {"limit": 1},
    {"limit": 2000},
    {"limit": 5, "offset": 7},
    {"source": "dw"},
    {"since": "2020-03", "until": "2021", "limit": 50},
    {"author": "jane doe", "since": "2019", "limit": 50},
]


def _ranked(index: Path, query: str, kwargs: dict[str, object]) -> tuple[int, list, list]:
    """Return the total, the unrounded (document number, score) pairs, and the page."""
    limit, offset = int(kwargs.get("limit", 10)), int(kwargs.get("offset", 0))
    flags = {k: v for k, v in kwargs.items() if k not in ("limit", "offset")}
    searcher = _searcher(index)
    prepared = _prepare(searcher, query, _Filters(**flags), flags_as_set=True)
    found, total, partial = _collect(searcher, prepared, offset + limit)
    assert not partial
    page = search(index, query, snippets=False, **kwargs)  # type: ignore[arg-type]
    assert page.total == total
    return total, found, [(hit.id, hit.score) for hit in page.hits]


def _whoosh_matching(self: WrappingQuery, searcher: object, context: object = None) -> object:
    return self.child.matcher(searcher, context)


@pytest.mark.slow
@pytest.mark.parametrize("query", TERM_QUERIES)
@pytest.mark.parametrize("kwargs", TERM_KWARGS)
def test_fast_matching_gives_whooshs_hits_and_scores(
    blocks_index: Path, query: str, kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whoosh's own path is slow: on a loaded machine it could reach the time limit and
    # return partial results, which is not what is compared here.
    monkeypatch.setattr(indexer.search.whoosh.matching, "TIME_LIMIT", 600.0)
    # A one-word query ranked at once with NumPy (ranking.py), however few its postings...
    for least in ("AT_ONCE_FROM", "AT_ONCE_COLD_FROM"):
        monkeypatch.setattr(indexer.search.whoosh.plans, least, 0)
    at_once = _ranked(blocks_index, query, kwargs)
    # ... so does the best k without scoring every match (blockmax.py: MaxScore), each
    # word's largest posting list bounded, one more document at each round ...
    monkeypatch.setattr(blockmax, "BOUNDED_FROM", 1)
    monkeypatch.setattr(blockmax, "BOUNDED_SHARE", 0.0)
    monkeypatch.setattr(blockmax, "FIRST_ROUND", 1)
    assert _ranked(blocks_index, query, kwargs) == at_once
    # ... and both give what the matchers give.
    for least in ("AT_ONCE_FROM", "AT_ONCE_COLD_FROM"):
        monkeypatch.setattr(indexer.search.whoosh.plans, least, 10**12)
    fast = _ranked(blocks_index, query, kwargs)
    assert at_once == fast
    # Whoosh's own posting readers, walking every posting of the query's matcher tree,
    # every sub-matcher kept (no pruning as the N-th score rises).
    monkeypatch.setattr(_FastMatching, "matcher", _whoosh_matching)
    assert _ranked(blocks_index, query, kwargs) == fast
    monkeypatch.setattr(indexer.search.whoosh.matching, "_prunable", lambda query: False)
    assert _ranked(blocks_index, query, kwargs) == fast


@pytest.mark.parametrize(
    "kwargs",
    [{"sort": "newest", "limit": 25}, {"sort": "oldest", "offset": 3, "source": "dw"},
     {"sort": "newest", "since": "2020-03", "until": "2021", "limit": 2000}],
)
def test_matches_by_date_at_once_are_those_of_the_sets(
    blocks_index: Path, kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One or two words sorted by date, and counted, from their posting blocks
    (blockmax.matching, datesort.py): the same pages and totals as the set algebra and
    cached years give (themselves checked against Whoosh's in test_sort_by_date.py)."""
    flags = {k: v for k, v in kwargs.items() if k in ("source", "since", "until")}
    monkeypatch.setattr(blockmax, "MASKS_FROM", 0.0)
    for query in TERM_QUERIES:
        monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", 0)
        at_once = search(blocks_index, query, snippets=False, **kwargs)  # type: ignore[arg-type]
        counted = count(blocks_index, query, **flags)  # type: ignore[arg-type]
        monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", 10**12)
        by_sets = search(blocks_index, query, snippets=False, **kwargs)  # type: ignore[arg-type]
        assert at_once.total == by_sets.total == counted
        assert counted == count(blocks_index, query, **flags)  # type: ignore[arg-type]
        assert [h.id for h in at_once.hits] == [h.id for h in by_sets.hits]


def test_block_tables_read_whooshs_blocks(blocks_index: Path) -> None:
    """A posting list's blocks parsed at once (blocks.py) hold Whoosh's numbers, weights,
    last numbers and highest weights: one-byte deltas, longer ones, blocks that fill their
    range; the documents they mark are the posting list's."""
    searcher = _searcher(blocks_index)
    seen_dense = seen_sparse = 0
    for reader, _ in searcher.reader().leaf_readers():
        for fieldname, text in [("body", "filler"), ("body", "storm"), ("title", "rare3"),
                                ("body", "rare11"), ("title", "harbour")]:
            if (fieldname, text) not in reader:
                continue
            matcher = reader.postings(fieldname, text)
            table = block_table(getattr(matcher, "child", matcher))
            assert table is not None
            matcher = reader.postings(fieldname, text)
            whoosh = getattr(matcher, "child", matcher)
            whoosh.reset()
            every: list[int] = []
            for block in range(len(table)):
                whoosh._read_ids()
                whoosh._read_weights()
                ids, weights = table.postings([block])
                every += ids.tolist()
                assert ids.tolist() == list(whoosh._ids)
                assert weights.tolist() == list(whoosh._weights)
                assert table.last[block] == whoosh._maxid == ids[-1]
                assert table.max_weight[block] == whoosh._maxweight == max(weights)
                whoosh._next_block()
            assert not whoosh.is_active()
            found = np.zeros(reader.doc_count_all(), dtype=bool)
            table.mark(found)
            assert np.flatnonzero(found).tolist() == every  # deleted documents too
            seen_dense += int(table.dense().sum())
            seen_sparse += int((~table.dense()).sum())
    assert seen_dense
    assert seen_sparse


def test_best_matches_of_a_word_in_every_article_read_few_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word in every article, most often in a few short ones: its best matches come
    from the blocks of those few (the others' bounds are lower), with the scores and
    the exact total of every match that Whoosh's own matchers give."""
    articles = [
        Article(
            url=f"https://common.example/{n}",
            title=f"story {n}",
            text=" ".join(["common"] * 5 + ["filler"] * 3) if n % 500 == 7 else
            " ".join(["common"] + ["filler"] * 30),
            source="bbc",
        )
        for n in range(1500)
    ]
    index = ArchiveIndex(tmp_path / "index")
    index.create()
    index.add(articles)
    monkeypatch.setattr(blockmax, "BOUNDED_FROM", 4)
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", 0)
    decoded: list[int] = []
    postings = BlockTable.postings

    def counted(self: BlockTable, blocks: list[int], *, weights: bool = True) -> object:
        if weights:
            decoded.extend(blocks)
        return postings(self, blocks, weights=weights)

    monkeypatch.setattr(BlockTable, "postings", counted)
    page = search(index.path, "common", limit=3, snippets=False)
    assert page.total == 1500
    assert [hit.url.rsplit("/", 1)[1] for hit in page.hits] == ["7", "507", "1007"]
    assert 0 < len(decoded) <= 3  # of the 12 blocks of "common" (in two segments)
    # The same hits and scores as Whoosh's matchers give, scoring every match.
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", 10**12)
    whoosh = search(index.path, "common", limit=3, snippets=False)
    assert [(h.id, h.score) for h in page.hits] == [(h.id, h.score) for h in whoosh.hits]
    assert whoosh.total == 1500


def test_queries_of_one_or_two_words_with_many_postings_are_ranked_at_once(
    blocks_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One or two words (each in title and body), ANDed or ORed, with many postings take
    the NumPy path; other shapes and rarer words keep the matchers. (Their results: the
    test above.)"""
    searcher = _searcher(blocks_index)
    plan = indexer.search.whoosh.plans.plan

    def planned(query: str) -> object:
        found = plan(searcher, _prepare(searcher, query, _Filters()).query)
        return None if found is None else [[t.fieldname for t in w] for w in found.words]

    storm = _prepare(searcher, "storm", _Filters()).query
    frequency = sum(searcher.reader().doc_frequency(t.fieldname, t.text) for t in storm.subqueries)
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", frequency)
    assert planned("storm") == [["title", "body"]]
    assert planned("storm tide") == planned("storm OR tide") == [["title", "body"]] * 2
    assert planned("title:storm tide") == [["title"], ["title", "body"]]
    assert planned("storm tide harbour") is None
    assert planned('"storm tide"') is None
    assert planned("storm^2") is None
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", frequency + 1)
    assert planned("storm") is None
    # A process that has not loaded NumPy (a `search` command) keeps the matchers longer.
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", 0)
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_COLD_FROM", frequency + 1)
    monkeypatch.delitem(sys.modules, "numpy")
    assert planned("storm") is None
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_COLD_FROM", frequency)
    assert planned("storm") == [["title", "body"]]


def test_whooshs_pruning_is_kept_only_where_it_is_exact(blocks_index: Path) -> None:
    """Whoosh's replaced sub-matchers drop part of a document's score under an AND (here
    a title match of "storm"): such queries keep every sub-matcher."""
    searcher = _searcher(blocks_index)
    prepared = _prepare(searcher, "storm tide", _Filters(), flags_as_set=True)
    pruned = searcher.collector(limit=10, optimize=False)  # replace on: Whoosh's default
    searcher.search_with_collector(prepared.query, pruned)
    exact = _collect(searcher, prepared, 10)[0]
    assert [(h.docnum, h.score) for h in pruned.results()] != exact
    assert not indexer.search.whoosh.matching._prunable(prepared.query)
    assert indexer.search.whoosh.matching._prunable(_prepare(searcher, "storm", _Filters()).query)


def test_fast_matching_runs_on_the_fast_leaves(
    blocks_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexer.search.whoosh.plans, "AT_ONCE_FROM", 10**12)  # the matchers
    searcher = _searcher(blocks_index)
    seen: list[str] = []
    real = _FastLeafMatcher._read_data

    def spy(self: _FastLeafMatcher) -> None:
        seen.append(type(self).__name__)
        real(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_FastLeafMatcher, "_read_data", spy)
        prepared = _prepare(searcher, "storm tide", _Filters(), flags_as_set=True)
        found, total, _ = _collect(searcher, prepared, 10)
    assert seen
    assert len(found) == 10
    assert total > 10
    assert searcher.__dict__.get("postings") is None  # the per-search patch is undone
    for sub, _ in searcher.leaf_searchers():
        assert "postings" not in sub.__dict__


def test_posting_blocks_read_fast_are_whooshs(blocks_index: Path) -> None:
    reader = _searcher(blocks_index).reader()
    blocks = 0
    for sub, _ in reader.leaf_readers():
        for field in ("title", "body", "source"):
            for text in sub.lexicon(field):
                expected = list(sub.postings(field, text).all_ids())
                assert list(_posting_ids(sub, field, text)) == expected
                m = sub.postings(field, text)
                m = getattr(m, "child", m)  # inside a FilterMatcher (deleted documents)
                if not isinstance(m, W3LeafMatcher):
                    continue  # inlined in the term's entry
                while m.is_active():
                    ours, pair = _load_block(m), _load_ids_weights(m)
                    m._read_data()
                    assert ours == m._data
                    assert pair == m._data[:2]
                    blocks += 1
                    m._next_block()
    assert blocks > 50


def test_fast_leaves_skip_read_and_value_like_whooshs(blocks_index: Path) -> None:
    reader = _searcher(blocks_index).reader()
    rng = random.Random(3)
    for sub, _ in reader.leaf_readers():
        for text in (b"storm", b"tide", b"quay", b"rare3"):
            if ("body", text) not in sub:
                continue
            ours, theirs = sub.postings("body", text), sub.postings("body", text)
            _fast_leaves(ours)
            assert "_FastLeafMatcher" in {type(m).__name__ for m in (ours, *ours.children())}
            while theirs.is_active():
                assert ours.is_active()
                assert (ours.id(), ours.weight(), ours.value()) == (
                    theirs.id(),
                    theirs.weight(),
                    theirs.value(),
                )
                target = theirs.id() + rng.choice((1, 1, 2, 5, 40, 300))
                theirs.skip_to(target)
                ours.skip_to(target)
            assert not ours.is_active()
