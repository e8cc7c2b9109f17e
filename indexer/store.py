"""The SQLite archive: the record of truth for every stored article, page and crawl.

One file opened through :class:`Archive`. Articles live in ``articles`` with their
authors, agencies and tags in normalised tables; ``pages`` says where the raw response of
each article lies (``FILE:OFFSET`` in the WARC files of ``warc/`` beside the store) or,
for pages that came without a WARC record, keeps it compressed; ``revisions`` keeps the
earlier versions of articles whose title or text changed; ``syndication`` groups the
copies of one story; ``crawls`` and ``fetches`` record what each run did. An article whose
``indexed_at`` is NULL is pending for the search index.

Schema versions (``PRAGMA user_version``): 1 articles, pages, crawls, fetches; 2 adds WARC
locations to ``pages``, ``revisions`` and the syndication tables; 3 the ``kicker`` column of
``articles``; 4 adds ``aliases`` (every address an article was reached by,
:mod:`indexer.aliases`); 5 the ``deleted`` tables (:mod:`indexer.takedown`); 6 stores the
syndication band buckets compactly (integers, one B-tree: :mod:`indexer.stories`), indexes
only the pending articles, and packs article bodies (:mod:`indexer.packed`); 7 keeps
nothing twice: link tables and ``aliases`` without rowid (and no alias of an article's own
identity), the link tables without an index by name, syndication signatures as their low
bits only, the archive's version in ``counters`` (:mod:`indexer.versions`) rather than
an index of every row's, URL indexes without the rows that have none (descriptions are
packed against the text from then on); 8 makes the syndication band rows from the stored
signatures, 20 per article (were 32), and stores no story for an article alone in its
own (:mod:`indexer.stories`). Opening an older archive upgrades it in place.

Opening, upgrading and transactions (WAL, busy timeout, ``BEGIN IMMEDIATE``) are
:class:`indexer.database.ArchiveFile`'s; the syndication tables' SQL is in
:mod:`indexer.stories`.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from indexer import aliases, stories, takedown
from indexer.article import ARTICLE_ID, Article
from indexer.crawls import CrawlRecords, Fetch
from indexer.database import StoreError, translated
from indexer.packed import pack, pack_against_text
from indexer.schema import (
    PAGE_COLUMNS,
    PAGE_ENCODING,
    UPSERT_PAGE,
    Entry,
    added_bound,
    article_data,
    article_row,
    chunks,
    fingerprint,
    insert_rows,
    marks,
    page_row,
    published_filter,
    read_article_lists,
    row_article,
    source_row,
    stored_fingerprint,
    update_rows,
    utc_now,
    write_article_links,
)
from indexer.urls import normalize_url
from indexer.versions import current_version, next_version
from indexer.warcfile import WarcError, WarcLocation, WarcResponse, read_response, warc_dir

__all__ = ["Archive", "Fetch", "StoreError"]

logger = logging.getLogger(__name__)


class Archive(CrawlRecords):
    """The archive file: articles, raw pages, crawls and fetches, with an index-pending mark."""

    @translated
    def add_articles(
        self,
        batch: Sequence[tuple[Article, bytes] | Entry],
        crawl_id: int | None = None,
        *,
        signatures: Mapping[str, np.ndarray | None] | None = None,
        fetches: Sequence[Fetch] = (),
        reached_by: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, int]:
        """Store a batch of (article, raw body[, WARC location]) in one transaction; count.

        Counts new/updated/unchanged. Unchanged articles (same content, whatever the fetch
        time) are not rewritten; new and changed ones are marked pending for the index. A
        page with a WARC location (``FILE:OFFSET``) is not copied: ``pages`` points at its
        record. When a changed article's title or text differs, the stored version is kept
        in ``revisions`` first.

        ``signatures`` may give, by article id, the MinHash signature of the text
        (:func:`indexer.syndication.signature`, None for a text too short) computed
        elsewhere, e.g. in the process that extracted the article; articles missing from
        it get theirs computed here. ``fetches`` are recorded in the same transaction (as
        :meth:`record_fetches` does).

        A page fetched again from an address of an archived article, with a version of its
        text under another identity (its canonical URL changed), moves that article to the
        new identity (:func:`indexer.aliases.follow_moves`). An article claiming the
        identity of a different archived one (another address, another text) is kept
        apart under its own address (counted ``kept_apart``), never written over it.
        Every address an article was reached by (its fetched URL, and ``reached_by`` by
        fetched URL: e.g. the URL requested before a redirect) becomes an alias of it,
        that :meth:`known_urls` knows.
        """
        counts = {"new": 0, "updated": 0, "unchanged": 0, "kept_apart": 0}
        with self._write():
            gone = takedown.deleted_ids(self._conn, [e[0].id for e in batch])
            batch = [e for e in batch if e[0].id not in gone]  # not even moved onto one
            aliases.follow_moves(self._conn, [e[0] for e in batch])
            apart, counts["kept_apart"] = aliases.keep_apart(self._conn, [e[0] for e in batch])
            entries: list[Entry] = [
                (article, e[1], e[2] if len(e) > 2 else None)
                for article, e in zip(apart, batch, strict=True)
            ]
            gone = takedown.deleted_ids(self._conn, [a.id for a, _, _ in entries])
            entries = [e for e in entries if e[0].id not in gone]  # taken down: never again
            known = self._fingerprints([article.id for article, _, _ in entries])
            new: dict[str, Entry] = {}
            changed: dict[str, Entry] = {}
            digests: dict[str, bytes] = {}
            for entry in entries:
                article = entry[0]
                digest = digests[article.id] = fingerprint(article)
                if article.id not in known:
                    counts["new"] += 1
                    new[article.id] = entry
                elif known[article.id] == digest:
                    counts["unchanged"] += 1
                    continue
                else:
                    counts["updated"] += 1
                    # Stored earlier in this batch: still one row to insert, just newer.
                    (new if article.id in new else changed)[article.id] = entry
                known[article.id] = digest
            self._save_revisions([article for article, _, _ in changed.values()])
            self._write_articles(
                [a for a, _, _ in new.values()], [a for a, _, _ in changed.values()],
                {"last_crawl": crawl_id}, {"first_seen_crawl": crawl_id}, digests,
            )
            stored = [*new.values(), *changed.values()]
            pageless = [a.id for a, body, location in changed.values() if not (body or location)]
            for part in chunks(pageless):  # the old page belongs to the old version
                self._conn.execute(f"DELETE FROM pages WHERE article_id IN ({marks(part)})", part)
            pages = [page_row(*entry) for entry in stored if entry[1] or entry[2]]
            if pages:
                self._conn.executemany(UPSERT_PAGE, [[row[c] for c in PAGE_COLUMNS]
                                                      for row in pages])
            stories.group_copies(
                self._conn, [article for article, _, _ in stored], signatures, set(new)
            )
            reached_by = reached_by or {}
            aliases.record(self._conn, [
                (url, a.id) for a, _, _ in entries
                for url in (a.url, a.fetched_url, *reached_by.get(a.fetched_url, ()))
            ])
            if fetches:
                self._insert_fetches(fetches, crawl_id)
        logger.debug("stored batch of %d: %s", len(batch), counts)
        return counts

    @translated
    def update_extractions(self, articles: Sequence[Article]) -> int:
        """Replace the stored fields of already archived articles re-extracted from their pages.

        Pages, revisions and crawl marks stay; articles whose content did not change are not
        rewritten. Changed articles, and those never looked at for syndicated copies (in an
        archive upgraded from schema v1), are grouped again. Return how many were updated
        (and are now pending for the index).
        """
        with self._write():
            known = self._fingerprints([a.id for a in articles])
            changed = {
                a.id: a for a in articles if a.id in known and known[a.id] != fingerprint(a)
            }
            self._write_articles([], list(changed.values()), {}, {})
            grouped = set(self.stories([a.id for a in articles]))
            regroup = [a for a in articles if a.id in changed or a.id not in grouped]
            stories.group_copies(self._conn, regroup)
        return len(changed)

    def _fingerprints(self, ids: Sequence[str]) -> dict[str, bytes | None]:
        known: dict[str, bytes | None] = {}
        for part in chunks(list(dict.fromkeys(ids))):
            known.update((i, stored_fingerprint(f)) for i, f in self._conn.execute(
                f"SELECT id, fingerprint FROM articles WHERE id IN ({marks(part)})", part
            ))
        return known

    def _write_articles(
        self,
        new: Sequence[Article],
        changed: Sequence[Article],
        marks: dict[str, Any],
        first_marks: dict[str, Any],
        digests: Mapping[str, bytes] | None = None,
    ) -> None:
        """Insert ``new`` and overwrite ``changed`` rows with their links, as the next version.

        ``marks`` are extra columns for both, ``first_marks`` extra columns of new rows;
        ``digests`` the articles' :func:`fingerprint` by id, if already computed.
        """
        stored = [*new, *changed]
        if not stored:
            return
        version = next_version(self._conn)
        self._db.table("sources").insert_all(
            [source_row(a) for a in stored if a.source], pk="name", ignore=True
        )
        digests = digests or {}

        def row(article: Article) -> dict[str, Any]:
            digest = digests.get(article.id) or fingerprint(article)
            return {**article_row(article), "fetched_url": article.fetched_url or None,
                    "text": pack(article.text),
                    "markdown": pack_against_text(article.markdown, article.text),
                    "description": pack_against_text(article.description, article.text),
                    "fingerprint": digest, "version": version, "indexed_at": None, **marks}

        insert_rows(self._conn, "articles", [{**row(a), **first_marks} for a in new])
        update_rows(self._conn, "articles", [row(a) for a in changed])
        write_article_links(self._db, stored)
    @translated
    def stories(self, ids: Sequence[str]) -> dict[str, str]:
        """Return ``{article id: story id}`` for those of these articles grouped by syndication.

        Articles with the same story id are copies of one story; an article alone in its
        story has none.
        """
        return stories.story_of(self._conn, ids)

    @translated
    def copies(self, article_id: str) -> list[str]:
        """Return the ids of the other copies of an article's story, oldest publication first."""
        return stories.copies(self._conn, article_id)

    def _save_revisions(self, articles: Sequence[Article]) -> None:
        """Keep the stored version of each article whose title or text is about to change."""
        ids = [a.id for a in articles]
        old = {a.id: a for a in self.get_many(ids)}
        revised = [old[a.id] for a in articles
                   if (old[a.id].title, old[a.id].text) != (a.title, a.text)]
        if not revised:
            return
        placeholders = marks(revised)
        numbers = dict(self._conn.execute(
            f"SELECT article_id, max(revision) FROM revisions WHERE article_id IN ({placeholders})"
            " GROUP BY article_id", [a.id for a in revised]).fetchall())
        places = {row[0]: row[1:] for row in self._conn.execute(
            "SELECT article_id, warc_file, warc_offset FROM pages"
            f" WHERE article_id IN ({placeholders})",
            [a.id for a in revised])}
        now = utc_now()
        self._db.table("revisions").insert_all(
            {"article_id": a.id, "revision": numbers.get(a.id, 0) + 1, "saved_at": now,
             "fetched_at": a.fetched_at, "title": a.title, "text": a.text,
             "data": json.dumps(article_data(a), ensure_ascii=False),
             "warc_file": places.get(a.id, (None, None))[0],
             "warc_offset": places.get(a.id, (None, None))[1]}
            for a in revised
        )
        logger.info("kept %d earlier versions as revisions", len(revised))

    @translated
    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Return which of these identity URLs lead to an archived article (its identity or
        an address it was reached by)."""
        return aliases.known(self._conn, list(dict.fromkeys(urls)))

    @translated
    def young_article(self, url: str, days: int) -> str | None:
        """Return the id of the article at this identity URL if it is under ``days`` days old.

        Its age runs from its publication date, else from when it was fetched.
        """
        cutoff = (datetime.now(UTC) - timedelta(days=days)).date().isoformat()
        row = self._conn.execute(
            "SELECT id FROM articles WHERE url = ? AND coalesce(published, fetched_at) >= ?",
            [url, cutoff],
        ).fetchone()
        return row[0] if row else None

    @translated
    def revisions(self, article_id: str) -> list[dict[str, Any]]:
        """Return the earlier versions kept for an article, oldest first."""
        return list(self._db.query(
            "SELECT revision, saved_at, fetched_at, title, text, warc_file, warc_offset"
            " FROM revisions WHERE article_id = ? ORDER BY revision", [article_id],
        ))

    def has_url(self, url: str) -> bool:
        """Tell whether this identity URL is archived."""
        return bool(self.known_urls([url]))

    @translated
    def get(self, key: str) -> Article | None:
        """Return the article with this id, identity, fetched or canonical URL, if stored."""
        key = key.strip()
        if ARTICLE_ID.fullmatch(key.lower()):
            found = self.get_many([key.lower()])
            return found[0] if found else None
        queries = ["SELECT id FROM articles WHERE url = ?",
                   "SELECT id FROM articles WHERE fetched_url = ? OR canonical_url = ?"]
        candidates = [key]
        try:
            candidates.append(normalize_url(key))
        except ValueError:
            logger.debug("cannot normalise %r", key)
        for candidate in candidates:
            for sql in queries:
                row = self._conn.execute(sql, [candidate] * sql.count("?")).fetchone()
                if row:
                    return self.get_many([row[0]])[0]
        return None

    @translated
    def get_many(self, ids: list[str]) -> list[Article]:
        """Return the stored articles with these ids, in the given order, skipping missing ones."""
        found: dict[str, Article] = {}
        unique = list(dict.fromkeys(ids))
        for part in chunks(unique):
            with self._read():
                cursor = self._conn.execute(
                    f"SELECT * FROM articles WHERE id IN ({marks(part)})", part
                )
                names = [d[0] for d in cursor.description]
                rows = [dict(zip(names, values, strict=True)) for values in cursor]
                lists = read_article_lists(self._conn, [row["id"] for row in rows])
            found.update((row["id"], row_article(row, lists[row["id"]])) for row in rows)
        return [found[i] for i in ids if i in found]

    @property
    def warc_dir(self) -> Path:
        """The folder of this archive's WARC files."""
        return warc_dir(self.path)

    @translated
    def page_location(self, article_id: str) -> WarcLocation | None:
        """Return where the response of an article lies in the WARC files, if it was recorded."""
        row = self._conn.execute(
            "SELECT warc_file, warc_offset FROM pages WHERE article_id = ?", [article_id]
        ).fetchone()
        return WarcLocation(row[0], row[1]) if row and row[0] else None

    def read_warc(self, location: WarcLocation) -> WarcResponse:
        """Return the response recorded at ``location`` in this archive's WARC files."""
        try:
            return read_response(self.warc_dir, location)
        except WarcError as exc:
            raise StoreError(str(exc)) from exc

    @translated
    def raw_html(self, article_id: str) -> bytes | None:
        """Return the raw response body stored for an article (from its WARC record), if any."""
        row = self._conn.execute(
            "SELECT body, encoding, warc_file, warc_offset FROM pages WHERE article_id = ?",
            [article_id],
        ).fetchone()
        if row is None:
            return None
        body, encoding, warc_file, warc_offset = row
        if warc_file:
            return self.read_warc(WarcLocation(warc_file, warc_offset)).body
        if encoding != PAGE_ENCODING:
            raise StoreError(f"page of {article_id} has an unknown encoding {encoding!r}")
        return zlib.decompress(body)

    @translated
    def article_ids(
        self,
        *,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: Iterable[str] | None = None,
        added_since: str | None = None,
    ) -> list[str]:
        """Return the ids of the articles matching the filters, in iteration order.

        ``added_since`` keeps the articles fetched (stored or updated) then or later (see
        :func:`~indexer.schema.added_bound`). Without ``ids`` the order is by publication
        date (undated last), then id; with ``ids`` it is the given order, filtered.
        """
        condition, params = _article_filter(source, since, until, added_since)
        if ids is None:
            return [row[0] for row in self._conn.execute(
                f"SELECT id FROM articles WHERE {condition}"
                " ORDER BY published IS NULL, published, id",
                params,
            )]
        wanted = list(dict.fromkeys(ids))
        matching: set[str] = set()
        for part in chunks(wanted):
            matching.update(row[0] for row in self._conn.execute(
                f"SELECT id FROM articles WHERE id IN ({marks(part)}) AND {condition}",
                [*part, *params],
            ))
        return [i for i in wanted if i in matching]

    def article_id_pages(
        self, size: int, *, source: str | None = None, since: str | None = None
    ) -> Iterator[list[str]]:
        """Yield the ids of the matching articles (filters of :meth:`article_ids`), ``size``
        at a time, in the order they were stored (rowid).

        Each page is read by key after the last (never the whole list in memory), and the
        key is one no update changes: a caller rewriting the articles it was given (their
        publication dates included) between pages meets none twice and misses none.
        """
        condition, params = _article_filter(source, since, None, None)
        last = 0
        while rows := self._id_page(f"rowid > ? AND {condition}", [last, *params], size):
            last = rows[-1][0]
            yield [row[1] for row in rows]

    @translated
    def _id_page(self, condition: str, params: list[Any], size: int) -> list[tuple[int, str]]:
        with self._read():
            return self._conn.execute(
                f"SELECT rowid, id FROM articles WHERE {condition} ORDER BY rowid LIMIT ?",
                [*params, size],
            ).fetchall()

    def iter_articles(
        self,
        *,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> Iterator[Article]:
        """Yield the matching articles (see :meth:`article_ids` for filters and order)."""
        selected = self.article_ids(source=source, since=since, until=until, ids=ids)
        for part in chunks(selected):
            yield from self.get_many(list(part))

    @translated
    def pending_ids(self, limit: int | None = None) -> list[str]:
        """Return the ids of stored articles not yet in the search index, oldest first.

        Also notes the archive version seen, for :meth:`mark_indexed`.
        """
        with self._read():
            self._pending_as_of = current_version(self._conn)
            return [row[0] for row in self._conn.execute(
                "SELECT id FROM articles WHERE indexed_at IS NULL ORDER BY rowid LIMIT ?",
                [-1 if limit is None else limit],
            )]

    @translated
    def retired_ids(self, ids: list[str] | None = None) -> set[str]:
        """Return the ids these articles (``None``: all) had before their identity moved,
        which the index or an export may still hold (:func:`indexer.aliases.retired_ids`)."""
        with self._read():
            return aliases.retired_ids(self._conn, ids)

    @translated
    def mark_indexed(self, ids: list[str]) -> None:
        """Record that these articles are now in the search index.

        After :meth:`pending_ids`, an article changed since that call is left pending: the
        index may hold its older version, so the next sync takes it again. The mark is the
        time in Unix seconds (``datetime(indexed_at, 'unixepoch')`` in SQL; before schema v7
        ISO 8601 text): 10 bytes, where the 25 of ISO text grew every row enough to split
        most pages of a table filled in order (20k bench articles: 170 B per article).
        """
        as_of = self._pending_as_of
        unchanged = "1" if as_of is None else "version <= ?"
        now = str(int(time.time()))
        with self._write():
            for part in chunks(list(ids)):
                self._conn.execute(
                    f"UPDATE articles SET indexed_at = ? WHERE id IN ({marks(part)})"
                    f" AND {unchanged}",
                    [now, *part, *([] if as_of is None else [as_of])],
                )

    @translated
    def delete(self, ids: Sequence[str]) -> list[str]:
        """Take these articles down (:mod:`indexer.takedown`); return the ids it held."""
        with self._write():
            return takedown.delete(self._conn, ids)

    @translated
    def deleted_ids(self, among: Sequence[str] | None = None) -> set[str]:
        """The ids of the articles taken down (of those ``among``, when given)."""
        return takedown.deleted_ids(self._conn, among)

    @translated
    def deleted_ids_of(self, key: str) -> list[str]:
        """The ids recorded for the taken-down article an id or URL names, or []."""
        return takedown.deleted_ids_of(self._conn, key)

    @translated
    def source_names(self) -> list[str]:
        """Return the names of the sources the archive holds articles of, sorted."""
        return [r[0] for r in self._conn.execute("SELECT name FROM sources ORDER BY name")]

    @translated
    def count(self, *, source: str | None = None, since: str | None = None) -> int:
        """Return the number of stored articles (matching the filters of :meth:`article_ids`)."""
        condition, params = _article_filter(source, since, None, None)
        return int(self._conn.execute(
            f"SELECT count(*) FROM articles WHERE {condition}", params
        ).fetchone()[0])

    @translated
    def stats(self) -> dict[str, Any]:
        """Return a summary: counts per source and agency, date range, last crawl (and what it
        did not archive, by reason), pending."""
        conn = self._conn
        with self._read():
            articles, first, last, pending = conn.execute(  # each from an index
                "SELECT (SELECT count(*) FROM articles), (SELECT min(published) FROM articles),"
                " (SELECT max(published) FROM articles),"
                " (SELECT count(*) FROM articles WHERE indexed_at IS NULL)"
            ).fetchone()
            sources = dict(conn.execute(
                "SELECT coalesce(source, ''), count(*) FROM articles"
                " GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall())
            authors = conn.execute(
                "SELECT count(DISTINCT author_id) FROM article_authors"
            ).fetchone()[0]
            agencies = dict(conn.execute(
                "SELECT a.name, count(DISTINCT l.article_id) FROM article_agencies l"
                " JOIN agencies a ON a.id = l.agency_id GROUP BY a.name ORDER BY 2 DESC, 1"
            ).fetchall())
            crawls = self.crawls()
        return {
            "articles": articles,
            "sources": sources,
            "authors": authors,
            "agencies": agencies,
            "first_published": first,
            "last_published": last,
            "last_crawl": crawls[-1] if crawls else None,
            # pages the last crawl fetched but did not archive, by reason
            "not_stored": {
                key.split("/", 1)[1]: count
                for key, count in (crawls[-1]["stats"] if crawls else {}).items()
                if key.startswith("not_stored/")
            },
            "pending_index": pending or 0,
        }


def _article_filter(
    source: str | None, since: str | None, until: str | None, added_since: str | None
) -> tuple[str, list[str]]:
    """The SQL condition on ``articles`` and its parameters for :meth:`Archive.article_ids`."""
    where, params = published_filter(since, until)
    if source is not None:
        where.append("source = ?")
        params.append(source)
    if added_since is not None:
        where.append("fetched_at >= ?")
        params.append(added_bound(added_since))
    return " AND ".join(where) or "1", params
