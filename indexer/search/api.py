"""The archive's search functions: parse the query, run it on the engine, make hits.

See :mod:`indexer.search.query` for the query language. The flags (``source``,
``author``, ``agency``, ``lang``, ``since``, ``until``) are one
:class:`~indexer.search.filters.Filters` object, or keyword arguments that replace its
fields; they are ANDed with the query. A query without words to rank by (empty, or only
fields, dates and NOTs) lists the matching articles newest first. Snippets come from the
store's text (:class:`~indexer.search.results.StoreTexts` spares the CLI the store's
imports).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.search.engine import FACETS, Match, Page, SearchEngine
from indexer.search.engine_record import engine_of
from indexer.search.filters import Filters
from indexer.search.query import Analysis, QueryError, parse
from indexer.search.results import Hit, HitStream, SearchResult, TextSource
from indexer.search.snippets import add_snippets

if TYPE_CHECKING:
    from indexer.store import Archive

MAX_LIMIT = 10_000
STREAM_BATCH = 200  # hits given snippets together when streaming every hit
NO_FILTERS = Filters()


def open_engine(index_path: str | Path) -> SearchEngine:
    """Return the engine over the index at ``index_path``, the one the archive records
    (:mod:`indexer.search.engines`; the one place that picks it for searching); raise
    IndexMissingError or IndexCorruptError when the index won't open. Only that engine
    is imported."""
    if engine_of(index_path) == "tantivy":
        from indexer.search.tantivy.engine import TantivyEngine

        return TantivyEngine(index_path)
    from indexer.search.whoosh.engine import WhooshEngine

    return WhooshEngine(index_path)


def search(
    index_path: str | Path,
    query: str,
    filters: Filters = NO_FILTERS,
    *,
    sort: str = "relevance",
    limit: int = 10,
    offset: int = 0,
    snippets: bool = True,
    archive: TextSource | None = None,
    **flags: str | None,
) -> SearchResult:
    """Search the index; ``sort`` is relevance, newest or oldest.

    Snippets come from the article text in ``archive`` (an Archive or StoreTexts) when
    given, else from the stored lead (the description, or the start of the text). Raises
    QueryError for a bad query, IndexMissingError/IndexCorruptError
    (:mod:`indexer.search.whoosh.index`) when the index won't open.
    """
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise QueryError(f"limit must be 0-{MAX_LIMIT} and offset at least 0")
    engine = open_engine(index_path)
    filters = filters.replaced(**flags)
    parsed = parse(query, engine.analysis)
    page = engine.execute(parsed, filters, sort=sort, limit=limit, offset=offset)
    hits = [_hit(match) for match in page.matches]
    if snippets and hits:
        add_snippets(hits, page.highlight, archive, engine.analysis)
    suggestion = None
    if page.total == 0 and page.has_words:
        suggestion = engine.suggest(parsed, filters)
    return SearchResult(total=page.total, hits=hits, suggestion=suggestion, partial=page.partial)


def search_page(
    index_path: str | Path,
    query: str,
    filters: Filters = NO_FILTERS,
    *,
    sort: str = "relevance",
    limit: int = 10,
    page: int = 1,
    collapse: bool = False,
    archive: Any = None,
) -> tuple[SearchResult, list[tuple[Hit, list[str]]]]:
    """Return the search result and the hits of page ``page`` (from 1), each with the ids
    of its syndicated copies: with ``collapse``, one hit per story (copies folded by
    :func:`indexer.syndication.collapse`, over the first 1,000 hits at most, which needs
    an :class:`~indexer.store.Archive`), else every hit with no copies."""
    if not collapse:
        result = search(
            index_path,
            query,
            filters,
            sort=sort,
            limit=limit,
            offset=(page - 1) * limit,
            archive=archive,
        )
        return result, [(hit, []) for hit in result.hits]
    from indexer.syndication import collapse as fold  # (NumPy: only when asked for)

    wide = search(
        index_path, query, filters, sort=sort, limit=min(3 * page * limit, 1000), archive=archive
    )
    return wide, fold(wide.hits, archive)[(page - 1) * limit : page * limit]


def every_hit(
    index_path: str | Path,
    query: str,
    filters: Filters = NO_FILTERS,
    *,
    sort: str = "relevance",
    archive: TextSource | None = None,
) -> HitStream:
    """Return every hit of a search, no cap, ranked (or by date) up front but read from
    the index, and given snippets from ``archive``, a batch at a time as the stream is
    iterated (``search --jsonl`` and ``--format csv``)."""
    engine = open_engine(index_path)
    page = engine.execute(parse(query, engine.analysis), filters, sort=sort, limit=None, offset=0)
    return HitStream(page.total, page.partial, _with_snippets(page, archive, engine.analysis))


def _with_snippets(page: Page, archive: TextSource | None, analysis: Analysis) -> Iterator[Hit]:
    for start in range(0, len(page.matches), STREAM_BATCH):
        hits = [_hit(match) for match in page.matches[start : start + STREAM_BATCH]]
        add_snippets(hits, page.highlight, archive, analysis)
        yield from hits


def count(
    index_path: str | Path, query: str, filters: Filters = NO_FILTERS, **flags: str | None
) -> int:
    """Return only the number of matching articles (no scoring, sorting or snippets)."""
    engine = open_engine(index_path)
    return engine.count(parse(query, engine.analysis), filters.replaced(**flags))


def matching_ids(
    index_path: str | Path, query: str, filters: Filters = NO_FILTERS, **flags: str | None
) -> list[str]:
    """Return the ids of every matching article (for exporting exactly the hits)."""
    engine = open_engine(index_path)
    return engine.ids(parse(query, engine.analysis), filters.replaced(**flags))


def facets(
    index_path: str | Path,
    query: str,
    filters: Filters = NO_FILTERS,
    *,
    field: str = "source",
    limit: int = 20,
    **flags: str | None,
) -> list[tuple[str, int]]:
    """Return (value, number of matching articles) pairs of a facet, most frequent first.

    ``field`` is one of source, agency, author, tag, lang, year, month (months and years
    are listed newest first instead).
    """
    if field not in FACETS:
        raise QueryError(f"unknown facet {field!r}: use one of {', '.join(FACETS)}")
    engine = open_engine(index_path)
    return engine.facet(parse(query, engine.analysis), filters.replaced(**flags), field, limit)


def similar(
    index_path: str | Path,
    article_id: str,
    limit: int = 10,
    *,
    archive: Archive | None = None,
) -> list[Hit]:
    """Return articles like the given one (key terms of its text, or of its title and
    lead without ``archive``); raise KeyError if the id is not indexed."""
    engine = open_engine(index_path)
    article = archive.get(article_id) if archive is not None else None
    text = article.text if article else None
    return [_hit(match) for match in engine.more_like(article_id, text, limit)]


def _hit(match: Match) -> Hit:
    stored, score = match
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
