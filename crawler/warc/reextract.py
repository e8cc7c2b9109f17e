"""Run the current extractor again over the archived responses, and update store and index.

After an extractor improvement the whole archive benefits without a re-crawl: each
article's raw response is read back (from its WARC record, else the compressed copy in
the store), decoded as a crawl decodes it (crawler.extraction.html_input) and extracted in
the same worker pool as a crawl. Work goes in batches, committed a few thousand articles
or some seconds at a time (:meth:`~indexer.database.ArchiveFile.grouped_writes`), so an
interrupted run keeps what it did and a second run rewrites nothing already up to date;
each batch is extracted while the one before it is stored and the next one read
(:mod:`crawler.processes.overlap`). The articles are taken in the order they were stored,
a batch of ids at a time (:meth:`~indexer.store.Archive.article_id_pages`), not all their
ids first (about 100 MB for a million articles).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from crawler.extraction.html_input import header_charset
from crawler.processes.overlap import overlapped
from crawler.processes.workers import ExtractorPool
from crawler.run import CrawlBusyError, crawl_lock
from indexer.article import Article
from indexer.search.engines import open_index
from indexer.store import Archive, StoreError

logger = logging.getLogger(__name__)

BATCH = 100


@dataclass
class ReextractCounts:
    """What a re-extraction did."""

    checked: int = 0
    updated: int = 0
    unchanged: int = 0
    no_page: int = 0  # no raw page kept, or its WARC record unreadable
    rejected: int = 0
    indexed: int = 0


def page_encoding(headers: Sequence[tuple[str, str]]) -> str | None:
    """Return the charset the response's ``Content-Type`` header names: the body is decoded
    with it as a crawl decodes (:func:`crawler.extraction.html_input.decode_html`)."""
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    return header_charset(content_type)


def raw_page(archive: Archive, article: Article) -> tuple[bytes, str | None] | None:
    """Return an article's archived response body and its header charset, if a page was kept."""
    location = archive.page_location(article.id)
    if location is not None:
        response = archive.read_warc(location)
        return response.body, page_encoding(response.headers)
    body = archive.raw_html(article.id)
    return None if body is None else (body, page_encoding([]))


def _extract_all(
    pool: ExtractorPool, pages: Sequence[tuple[Article, bytes, str | None]]
) -> Awaitable[list[tuple[Article | None, str | None]]]:
    """Hand each page to the pool now."""
    return asyncio.gather(*(
        pool.schedule_extract(body, encoding, old.fetched_url or old.url)
        for old, body, encoding in pages
    ))


Pages = tuple[int, list[tuple[Article, bytes, str | None]]]  # articles checked, their pages


def _read_batches(archive: Archive, ids: Iterable[list[str]], counts: ReextractCounts
                  ) -> Iterator[Pages]:
    """Yield each batch of archived articles (one per list of ids) with their raw pages."""
    for batch in ids:
        articles = archive.get_many(batch)
        pages = []
        for old in articles:
            try:
                page = raw_page(archive, old)
            except StoreError as exc:  # a WARC file moved or damaged: the rest can go on
                logger.warning("Cannot read the page of %s: %s", old.id, exc)
                page = None
            if page is None:
                counts.no_page += 1
            else:
                pages.append((old, *page))
        yield len(articles), pages


def _store_batch(
    archive: Archive, batch: Pages, results: Sequence[tuple[Article | None, str | None]],
    counts: ReextractCounts,
) -> None:
    """Store the re-extracted articles of one batch."""
    checked, pages = batch
    fresh = []
    for (old, _, _), (new, _) in zip(pages, results, strict=True):
        if new is None:
            logger.info("no longer extracted as an article, kept as it was: %s", old.id)
            counts.rejected += 1
            continue
        # The archive's identity, source and fetch time stay; the extracted fields change.
        fresh.append(replace(new, url=old.url, id=old.id, source=old.source,
                             fetched_at=old.fetched_at))
    updated = archive.update_extractions(fresh)
    counts.checked += checked
    counts.updated += updated
    counts.unchanged += len(fresh) - updated


def reextract(
    archive: Archive,
    index_path: str | Path,
    *,
    source: str | None = None,
    since: str | None = None,
    workers: int = 0,
    progress: Callable[[int], object] | None = None,
) -> ReextractCounts:
    """Re-extract the matching archived articles, update the store, then sync the index.

    Holds the archive folder's crawl lock throughout: a crawl revisiting articles would
    otherwise have its newer versions overwritten by extractions of older pages. While a
    crawl runs, it fails at once (StoreError).
    """
    try:
        with crawl_lock(archive.path.parent):
            return _reextract(archive, index_path, source=source, since=since,
                              workers=workers, progress=progress)
    except CrawlBusyError as exc:
        raise StoreError(f"cannot re-extract now: {exc}") from None


def _reextract(
    archive: Archive,
    index_path: str | Path,
    *,
    source: str | None,
    since: str | None,
    workers: int,
    progress: Callable[[int], object] | None,
) -> ReextractCounts:
    ids = archive.article_id_pages(BATCH, source=source, since=since)
    counts = ReextractCounts()
    pool = ExtractorPool(workers=workers)
    def store(batch: Pages, results: Sequence[tuple[Article | None, str | None]]) -> None:
        _store_batch(archive, batch, results, counts)
        if progress is not None:
            progress(batch[0])

    try:
        with archive.grouped_writes():
            asyncio.run(overlapped(
                _read_batches(archive, ids, counts), lambda b: _extract_all(pool, b[1]), store,
                idle=archive.commit_due,
            ))
    finally:
        pool.close()
    counts.indexed = open_index(index_path).sync(archive)
    logger.info("re-extraction: %s", counts)
    return counts

