"""The crawl's worker processes: the extraction pool (results come back, a page over the
time limit is given up) and the index writer (indexes what is pending, reports a lock)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from parsel import Selector

from crawler.processes.indexing import IndexWriter, Outcome, WriterConfig
from crawler.processes.workers import ExtractorPool
from indexer.article import Article
from indexer.search.whoosh.index import ArchiveIndex
from indexer.store import Archive
from tests.conftest import index_locked

PAGE = (
    "<html><head><title>Harbour reopens</title></head><body><article><h1>Harbour reopens</h1>"
    + "".join(
        f"<p>The harbour reopened on Monday after repairs, officials said ({i}).</p>"
        for i in range(20)
    )
    + "</article></body></html>"
).encode()
# about 1.5 s of extraction: well past the pool's time limit below and its check interval
SLOW_PAGE = (
    "<html><head><title>Report</title></head><body><article><h1>Report</h1>"
    + "".join(f"<p>Paragraph {i} of a long report on the harbour.</p>" for i in range(8000))
    + "</article></body></html>"
).encode()


@pytest.mark.slow
def test_pool_extracts_and_gives_up_on_slow_pages() -> None:
    async def run() -> tuple:
        fast = ExtractorPool(workers=1, timeout=30)
        slow = ExtractorPool(workers=1, timeout=0.3)
        try:
            return (
                await fast.extract(PAGE, "utf-8", "http://127.0.0.1:9/2024/05/01/harbour"),
                await slow.extract(SLOW_PAGE, "utf-8", "http://127.0.0.1:9/2024/05/01/report"),
            )
        finally:
            fast.close()
            slow.close()

    (article, reason), (none, why) = asyncio.run(run())
    assert article is not None, reason
    assert article.title == "Harbour reopens"
    assert none is None
    assert why == "extraction took over 0.3s"


def _store(data: Path, n: int, first: int = 0) -> None:
    with Archive(data / "archive.db") as archive:
        archive.add_articles(
            [
                (
                    Article(
                        url=f"https://news.example/2024/05/01/story-{i}",
                        title=f"Story {i}",
                        text=f"Harbour story {i}.",
                    ),
                    b"<html></html>",
                )
                for i in range(first, first + n)
            ]
        )


def test_index_writer_indexes_pending_articles_and_reports(tmp_path: Path) -> None:
    _store(tmp_path, 3)
    config = WriterConfig(str(tmp_path / "archive.db"), str(tmp_path / "index"), interval=0.05)
    writer = IndexWriter(config)
    _store(tmp_path, 5)  # two more while it runs
    outcome = writer.finish()
    assert outcome == Outcome(indexed=5)
    assert ArchiveIndex(tmp_path / "index").doc_count() == 5
    with Archive(tmp_path / "archive.db") as archive:
        assert archive.pending_ids() == []


def _segments_after_a_crawl(data: Path, compact_at: int) -> int:
    """A big segment and three small ones, then a crawl's writer adds a fourth; return
    the segments left (the writer merges the small ones if there are ``compact_at``)."""
    index = ArchiveIndex(data / "index")
    _store(data, 40)
    with Archive(data / "archive.db") as archive:
        index.sync(archive)
        for i in range(40, 43):
            _store(data, 1, first=i)
            index.sync(archive)
    assert index.segment_count() == 4
    _store(data, 1, first=43)
    config = WriterConfig(
        str(data / "archive.db"), str(data / "index"), interval=0.05, compact_at=compact_at
    )
    assert IndexWriter(config).finish() == Outcome(indexed=1)
    assert index.doc_count() == 44
    return index.segment_count()


@pytest.mark.slow
def test_index_writer_merges_small_segments_once_enough_piled_up(tmp_path: Path) -> None:
    (tmp_path / "due").mkdir()
    (tmp_path / "not-yet").mkdir()
    assert _segments_after_a_crawl(tmp_path / "due", compact_at=5) == 1 + 1
    assert _segments_after_a_crawl(tmp_path / "not-yet", compact_at=6) == 1 + 4


def test_index_writer_leaves_articles_pending_when_the_index_is_locked(tmp_path: Path) -> None:
    _store(tmp_path, 2)
    with index_locked(tmp_path / "index"):
        config = WriterConfig(
            str(tmp_path / "archive.db"), str(tmp_path / "index"), lock_timeout=0.2, interval=0.05
        )
        outcome = IndexWriter(config).finish()
    assert outcome.locked
    assert outcome.indexed == 0
    with Archive(tmp_path / "archive.db") as archive:
        assert len(archive.pending_ids()) == 2


def test_worker_classifies_extracts_and_signs() -> None:
    """process_page: the spider's classification and the store's signature, in the worker."""
    from crawler.extraction.classify import NOT_ARTICLE_PAGE, page_verdict
    from crawler.processes.workers import process_page
    from indexer.syndication import signature

    url = "http://127.0.0.1:9/2024/05/01/harbour"
    found = process_page(PAGE, "utf-8", url, True)
    assert found.article is not None
    assert found.article_page
    assert found.signature is not None
    assert (found.signature == signature(found.article.text)).all()
    listing = (
        b"<html><head><meta property='og:type' content='website'></head><body>"
        + PAGE[PAGE.index(b"<article>"):]
    )
    tag_url = "http://127.0.0.1:9/tag/harbour-news"
    selector = Selector(text=listing.decode(), type="html")
    assert page_verdict(tag_url, selector, listed=False) == NOT_ARTICLE_PAGE
    refused = process_page(listing, "utf-8", tag_url, True)
    assert (refused.article, refused.reason, refused.article_page) == (
        None, NOT_ARTICLE_PAGE, False)
    listed_url = "http://127.0.0.1:9/harbour-news-and-more-stories"
    unchecked = process_page(listing, "utf-8", listed_url, False)  # listed: an article
    assert unchecked.article is not None
