"""Sorting by date walks the cached year and month sets: the same pages as Whoosh's sort
over every match (ties by document number, undated articles last), and exact totals."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from indexer.article import Article
from indexer.search import Filters as _Filters
from indexer.search import search
from indexer.search.whoosh.engine import cached_searcher as _searcher
from indexer.search.whoosh.engine import prepare as _prepare
from indexer.search.whoosh.index import ArchiveIndex, quiet_whoosh_import
from indexer.search.whoosh.matching import first_by_date

with quiet_whoosh_import():
    from whoosh import sorting

RNG = random.Random(7)
# Few distinct days (many ties), some in the same month, across years; every 7th undated.
DAYS = [
    date(2018, 12, 31),
    date(2019, 1, 1),
    date(2019, 1, 1) + timedelta(days=40),
    date(2021, 6, 15),
    date(2021, 6, 30),
    date(2021, 7, 1),
    date(2024, 2, 29),
]
ARTICLES = [
    Article(
        url=f"https://{'bbc' if n % 3 else 'dw'}.example/{n}",
        title=f"Item {n}",
        text=" ".join(RNG.sample(["harbour", "report", "storm", "trade", "vote"], 3)),
        source="bbc" if n % 3 else "dw",
        published=None if n % 7 == 0 else f"{RNG.choice(DAYS)}T{RNG.randrange(24):02d}:00:00Z",
    )
    for n in range(160)
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three segments, and re-added articles (deleted documents, new document numbers)."""
    ix = ArchiveIndex(tmp_path_factory.mktemp("sorted") / "index")
    ix.create()
    for part in (ARTICLES[:50], ARTICLES[50:110], ARTICLES[110:], ARTICLES[20:30]):
        ix.add(part)
    return ix.path


def whoosh_order(index: Path, query: str, newest: bool, filters: _Filters) -> list[str]:
    """The oracle: Whoosh's sorting collector over every match (the former way)."""
    searcher = _searcher(index)
    prepared = _prepare(searcher, query, filters, flags_as_set=True)
    if prepared.allow is not None and not prepared.allow:
        return []
    facet = (
        sorting.FieldFacet("published", reverse=True)
        if newest
        else sorting.TranslateFacet(lambda key: key or 99_999_999, sorting.FieldFacet("published"))
    )
    results = searcher.search(
        prepared.query, filter=prepared.allow, mask=prepared.mask, sortedby=facet, limit=None
    )
    return [searcher.stored_fields(hit.docnum)["id"] for hit in results]


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("harbour", {}),
        ("harbour OR storm", {}),
        ("report NOT vote", {}),
        ("", {}),
        ("-trade", {}),
        ("source:dw", {}),
        ("harbour", {"source": "bbc"}),
        ("storm", {"since": "2019-01", "until": "2021-06"}),
        ("storm", {"since": "2021-06-20"}),
        ("", {"until": "2019-01-01"}),
        ("vote", {"since": "2030"}),
        ("nothingatall", {}),
    ],
)
@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_pages_are_those_of_a_full_sort(
    index: Path, query: str, filters: dict[str, str], sort: str
) -> None:
    expected = whoosh_order(index, query, sort == "newest", _Filters(**filters))
    for offset, limit in [(0, 1), (0, 10), (3, 7), (20, 15), (0, 500), (150, 10), (0, 0)]:
        result = search(index, query, sort=sort, limit=limit, offset=offset, **filters)
        assert [h.id for h in result.hits] == expected[offset : offset + limit], (offset, limit)
        assert result.total == len(expected)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_dates_are_in_order_with_undated_last(index: Path, sort: str) -> None:
    hits = search(index, "", sort=sort, limit=500).hits
    by_id = {a.id: a for a in ARTICLES}
    assert sorted(h.id for h in hits) == sorted(by_id)
    dated = [by_id[h.id].published[:10] for h in hits if by_id[h.id].published]  # type: ignore[index]
    assert dated == sorted(dated, reverse=sort == "newest")
    assert all(h.published is None for h in hits[len(dated) :])


def test_first_by_date_of_every_document(index: Path) -> None:
    searcher = _searcher(index)
    reader = searcher.reader()
    every = {d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}
    newest = first_by_date(searcher, every, newest=True, limit=3)
    dates = reader.column_reader("published")
    assert [dates[d] for d in newest] == [20240229] * 3
    assert first_by_date(searcher, set(), newest=False, limit=3) == []
