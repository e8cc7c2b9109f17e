"""The fast paths of indexing and search give exactly what the plain Whoosh ways give."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.article import Article
from indexer.search import Filters as _Filters
from indexer.search import count, search
from indexer.search.snippets import find_terms as _find_terms
from indexer.search.snippets import index_form as _index_form
from indexer.search.whoosh.engine import cached_searcher as _searcher
from indexer.search.whoosh.engine import prepare as _prepare
from indexer.search.whoosh.index import (
    SPELL_ANALYZER,
    TEXT_ANALYZER,
    WORD_PATTERN,
    ArchiveIndex,
    build_schema,
    quiet_whoosh_import,
)
from indexer.search.whoosh.matching import matching_docs
from indexer.search.whoosh.schema import ANALYSIS
from indexer.store import Archive

with quiet_whoosh_import():
    from whoosh.fields import TEXT
    from whoosh.query import Term
    from whoosh.support.charset import accent_map

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["Zürich's", "ＦＵＬＬ", "U.S.A.", "e.g.", "the", "of", "Running", "runs", "ran",
         "naïve", "café", "3.14", "a_b", "x..y", "İstanbul", "ß", "straße", "economy",
         "Economies", "économie", "ǅemal", "ﬁnance", "\u0301accent"]
SEPARATORS = [" ", ". ", ", ", ".", "..", "\n", " — ", "\u200b", "'"]
texts = st.lists(st.sampled_from(WORDS) | st.text(max_size=8), max_size=30).flatmap(
    lambda words: st.lists(st.sampled_from(SEPARATORS), min_size=len(words),
                           max_size=len(words)).map(
        lambda seps: "".join(w + s for w, s in zip(words, seps, strict=True))
    )
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(texts)
def test_fast_text_fields_index_like_whoosh(text: str) -> None:
    schema = build_schema()
    plain = {
        "title": TEXT(analyzer=TEXT_ANALYZER, stored=True, field_boost=2.0),
        "body": TEXT(analyzer=TEXT_ANALYZER),
        "spell": TEXT(analyzer=SPELL_ANALYZER, phrase=False),
    }
    for name, field in plain.items():
        assert list(schema[name].index(text)) == list(field.index(text)), name


def words_found_one_by_one(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """The oracle: every word of the text through the analyzer."""
    found = []
    for m in WORD_PATTERN.finditer(text):
        if _index_form(ANALYSIS, m.group().translate(accent_map).lower()) in terms:
            found.append(m.span())
    return found


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(texts, st.sets(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_snippet_matches_are_those_of_a_word_by_word_scan(text: str, words: set[str]) -> None:
    folded = (word.translate(accent_map).lower() for word in words)
    terms = {w for word in folded if (w := _index_form(ANALYSIS, word))}
    assert _find_terms(text, terms, ANALYSIS) == words_found_one_by_one(text, terms)


DAY0 = date(2021, 11, 20)
DATED = [
    Article(
        url=f"https://bbc.example/{n}",
        title=f"Report {n}",
        text=f"The harbour report number {n}." + (" Harbour." if n % 3 else ""),
        source="bbc",
        published=None if n % 17 == 0 else f"{DAY0 + timedelta(days=9 * n)}T12:00:00+00:00",
    )
    for n in range(120)
]


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dated")
    with Archive(root / "archive.db") as archive:
        archive.add_articles([(a, b"") for a in DATED[:60]])
        ArchiveIndex(root / "index").sync(archive)
        archive.add_articles([(a, b"") for a in DATED[60:]])  # a second segment
        ArchiveIndex(root / "index").sync(archive)
    ArchiveIndex(root / "index").add(DATED[50:70])  # deleted documents in both
    return root


@pytest.mark.parametrize(
    ("since", "until"),
    [("2022", "2022"), ("2022-02", "2023-03-15"), ("2021-12-01", None), (None, "2022-06"),
     ("2023-02-28", "2023-03"), ("2019", "2020"), ("2024", "2025-01-03")],
)
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_date_range_filter_matches_a_scan_of_the_articles(
    dated: Path, since: str | None, until: str | None, sort: str
) -> None:
    lo = since or "0000"
    hi = (until or "9999") + "-99"  # every day of a year or month given as the end
    expected = {a.url for a in DATED if a.published and lo <= a.published[:10] <= hi}
    result = search(dated / "index", "harbour", since=since, until=until, sort=sort, limit=200)
    assert {h.url for h in result.hits} == expected
    assert result.total == len(expected)
    assert count(dated / "index", "harbour", since=since, until=until) == len(expected)


@pytest.mark.integration
def test_search_reads_snippets_without_importing_the_store(dated: Path) -> None:
    script = (
        "import sys; from search_cli import cli\n"
        "cli(['--data', sys.argv[1], 'search', 'harbour', '--since', '2022'],"
        " standalone_mode=False)\n"
        "print('store imported:', 'indexer.store' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(dated)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )
    assert "store imported: False" in done.stdout
    assert "harbour" in done.stdout.lower()


@pytest.mark.parametrize(
    "query",
    ["harbour", "harbour report", "harbour OR report", "report NOT harbour", '"harbour report"',
     "title:report -harbour", "(harbour OR number) AND report", "report date:2022", "-harbour",
     "harb*", "nothing"],
)
def test_matching_docs_are_whooshs(dated: Path, query: str) -> None:
    searcher = _searcher(dated / "index")
    prepared = _prepare(searcher, query, _Filters(since="2022-03"))
    assert matching_docs(searcher, prepared.query) == set(searcher.docs_for_query(prepared.query))


def test_posting_lists_of_several_blocks_with_deletions(tmp_path: Path) -> None:
    index = ArchiveIndex(tmp_path / "index")
    index.create()
    articles = [
        Article(url=f"https://x.example/{n}", title=f"Tide {n}", text="tide") for n in range(700)
    ]
    index.add(articles)
    index.delete(a.id for a in articles[::9])
    searcher = _searcher(index.path)
    query = Term("body", "tide")
    assert len(matching_docs(searcher, query)) == 700 - len(articles[::9])
    assert matching_docs(searcher, query) == set(searcher.docs_for_query(query))

