"""Archive the news articles found in existing WARC files (another crawler's, CC-NEWS).

Each HTML response with status 200 that passes the host or source filter goes through
the same judgement and extraction as a page a crawl finds listed (the source's article URL
patterns, then page signals on the tree extraction parses); pages not archived are
counted by reason, as in a crawl's summary. The pages are extracted on every core in
batches, each one while this process stores the batch before it and reads the next
(:mod:`crawler.processes.overlap`); the workers' syndication signatures are stored with
the articles, not computed again here. The articles not yet archived are stored with a
copy of their response in the archive's own WARC files, so the archive stays whole when
the input files are gone; they are committed a few thousand or some seconds at a time
(:meth:`~indexer.database.ArchiveFile.grouped_writes`): a run killed mid-way loses the
articles since the last commit, which the next run imports again. A record whose body
needs no decoding (gzipped per record, as CC-NEWS is) is copied as it is, its gzip member
and all; any other is written anew with the original date and headers and the body
decoded (its ``Content-Encoding``, chunking and length headers dropped). Already archived
URLs are skipped, so importing a file twice adds nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders

from crawler.items import NOT_ARTICLE_URL, reason_key
from crawler.processes.overlap import overlapped
from crawler.processes.workers import ExtractorPool, PageResult
from crawler.sources import Source, SourceError, adhoc_source
from crawler.warc.reextract import page_encoding
from crawler.warc.writer import RollingWarcWriter, status_line
from indexer.aliases import same_text
from indexer.article import Article
from indexer.search.engines import open_index
from indexer.store import Archive
from indexer.urls import normalize_url, strip_www
from indexer.warcfile import MAX_BODY, WarcError, WarcResponse, iter_responses

logger = logging.getLogger(__name__)

BATCH = 100
# Describe the stored (decoded) body, not the transfer the original crawler saw.
_TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


@dataclass
class ImportCounts:
    """What an import did."""

    responses: int = 0
    filtered: int = 0
    not_stored: Counter[str] = field(default_factory=Counter)  # pages not articles, by reason
    known: int = 0
    new: int = 0
    indexed: int = 0
    unreadable: list[str] = field(default_factory=list)  # why files were given up on

    @property
    def not_articles(self) -> int:
        """Pages that are not articles, whatever the reason."""
        return sum(self.not_stored.values())

    def not_stored_stats(self) -> dict[str, int]:
        """The not-stored counts as crawl statistics (``not_stored/REASON``), for ``stats``."""
        return {f"not_stored/{key}": count for key, count in self.not_stored.items()}


@dataclass(frozen=True)
class ImportFilter:
    """Which responses to take: on these hosts or of these sources (all when both empty)."""

    hosts: frozenset[str] = frozenset()
    sources: tuple[Source, ...] = ()

    def source_of(self, url: str) -> Source | None:
        """Return the source to archive ``url`` under, or None to leave it out."""
        host = strip_www((urlsplit(url).hostname or "").lower())
        for source in self.sources:
            if source.allows(url):
                return source
        if self.sources and not self.hosts:
            return None
        if self.hosts and not any(host == h or host.endswith("." + h) for h in self.hosts):
            return None
        try:
            return adhoc_source(url)
        except SourceError:
            return None


def _fetched_at(warc_date: str) -> str | None:
    try:
        when = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _candidates(
    paths: Iterable[Path], keep: ImportFilter, counts: ImportCounts,
    progress: Callable[[int], object] | None,
) -> Iterator[tuple[WarcResponse, str]]:
    """Yield (response, source name) for the HTML 200 pages the filter keeps that the
    source's article URL patterns do not rule out."""
    for path in paths:
        try:
            for response in iter_responses(path, members=True):
                counts.responses += 1
                source = keep.source_of(response.url)
                if response.status != 200 or not response.is_html or source is None:
                    counts.filtered += 1
                elif source.matches_article(response.url) is False:
                    counts.not_stored[reason_key(NOT_ARTICLE_URL)] += 1
                else:
                    yield response, source.name
        except WarcError as exc:
            logger.error("Skipped the rest of a file: %s", exc)
            counts.unreadable.append(str(exc))
        if progress is not None:
            progress(1)


def _extract_all(
    pool: ExtractorPool, batch: Sequence[tuple[WarcResponse, str]]
) -> Awaitable[list[PageResult]]:
    """Hand each page to the pool now, judged and extracted as a crawl does a listed one."""
    return asyncio.gather(*(
        pool.schedule_process(r.body, page_encoding(r.headers), r.url) for r, _ in batch
    ))


def _identity(url: str) -> str | None:
    """The identity URL of a page, to skip archived ones before extracting them."""
    try:
        return normalize_url(url)
    except ValueError:
        return None


def _copy(writer: RollingWarcWriter, response: WarcResponse) -> str:
    """Write the response to the archive's WARC files: its gzip member as it is when its
    body is stored as read (no transfer encoding, the length it declares), else a record
    of the decoded body (compressing it again: a sixth of an import's own CPU)."""
    if response.member is not None and _stored_as_read(response):
        return str(writer.write_member(response.member))
    headers = [(k, v) for k, v in response.headers if k.lower() not in _TRANSFER_HEADERS]
    headers.append(("Content-Length", str(len(response.body))))
    http = StatusAndHeaders(status_line(response.status), headers, protocol="HTTP/1.1")
    return str(writer.write_response(
        response.url, http, response.body, date=response.date or None
    ))


def _stored_as_read(response: WarcResponse) -> bool:
    """Whether the record holds the body as it was read: no ``Content-Encoding`` or
    ``Transfer-Encoding`` undone, and no other length declared."""
    for name, value in response.headers:
        key = name.lower()
        if key in ("content-encoding", "transfer-encoding"):
            return False
        if key == "content-length" and value.strip() != str(len(response.body)):
            return False
    return len(response.body) < MAX_BODY  # not cut at the reader's cap


def _new_batches(
    archive: Archive, candidates: Iterable[tuple[WarcResponse, str]], counts: ImportCounts
) -> Iterator[list[tuple[WarcResponse, str]]]:
    """Yield batches of the candidates not archived yet.

    Each batch is taken while the one yielded before it is still being extracted (see
    :func:`~crawler.processes.overlap.overlapped`): a page at an address of that batch
    waits for the next one, when its twin is stored and it can be known.
    """
    in_flight: set[str | None] = set()
    held: list[tuple[WarcResponse, str]] = []
    pages = iter(candidates)
    while chunk := list(islice(pages, BATCH)):
        identities = {r.url: _identity(r.url) for r, _ in held + chunk}
        archived = archive.known_urls(i for i in identities.values() if i)
        fresh = []
        for candidate in held + chunk:
            if identities[candidate[0].url] in archived:
                counts.known += 1
            else:
                fresh.append(candidate)
        held = [c for c in fresh if identities[c[0].url] in in_flight]
        batch = [c for c in fresh if identities[c[0].url] not in in_flight]
        in_flight = {identities[r.url] for r, _ in batch} - {None}
        yield batch
    if held:
        yield []  # taken once the last batch is stored
        yield from _new_batches(archive, held, counts)


def _store_batch(
    archive: Archive, writer: RollingWarcWriter, batch: Sequence[tuple[WarcResponse, str]],
    results: Sequence[PageResult], crawl_id: int, counts: ImportCounts,
) -> None:
    """Store the articles of an extracted batch; count the other pages by reason."""
    found = []
    for result, (response, source) in zip(results, batch, strict=True):
        if result.article is None:
            counts.not_stored[reason_key(result.reason or "no article")] += 1
        else:
            found.append((result.article, result.signature, response, source))
    # the same article under another address is known; another text claiming its identity
    # (a canonical URL naming another page) is an article of its own (Archive.add_articles)
    texts = {a.id: a.text for a in archive.get_many(list({a.id for a, *_ in found}))}
    entries: list[tuple[Article, bytes, str]] = []
    signatures = {}
    for article, signature, response, source in found:
        if article.id in texts and same_text(texts[article.id], article.text):
            counts.known += 1
            continue
        texts.setdefault(article.id, article.text)
        article.source = source
        article.fetched_at = _fetched_at(response.date)
        signatures[article.id] = signature  # the worker computed it
        entries.append((article, response.body, _copy(writer, response)))
    if entries:
        counts.new += archive.add_articles(entries, crawl_id, signatures=signatures)["new"]


def import_warcs(
    archive: Archive,
    index_path: str | Path,
    paths: Sequence[Path],
    keep: ImportFilter,
    *,
    workers: int = 0,
    progress: Callable[[int], object] | None = None,
) -> ImportCounts:
    """Archive the articles of these WARC files that ``keep`` selects; then sync the index."""
    counts = ImportCounts()
    crawl_id = archive.begin_crawl(sorted({s.name for s in keep.sources}) or ["warc-import"])
    writer = RollingWarcWriter(archive.warc_dir, prefix="import")
    pool = ExtractorPool(workers=workers)
    status = "interrupted"
    try:
        with archive.grouped_writes():
            asyncio.run(overlapped(
                _new_batches(archive, _candidates(paths, keep, counts, progress), counts),
                lambda batch: _extract_all(pool, batch),
                lambda batch, results: _store_batch(archive, writer, batch, results, crawl_id,
                                                    counts),
                idle=archive.commit_due,
            ))
        status = "finished"
    finally:
        pool.close()
        writer.close()
        archive.finish_crawl(crawl_id, status=status, stats={
            "pages": counts.responses, "new": counts.new, "known": counts.known,
            "not_article": counts.not_articles, **counts.not_stored_stats(),
        })
    counts.indexed = open_index(index_path).sync(archive)
    logger.info("WARC import: %s", counts)
    return counts
