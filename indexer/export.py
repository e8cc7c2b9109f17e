"""Export archived articles: a Datasette-ready SQLite file, JSON Lines, CSV, Markdown files.

Every export takes the same filters (``ids``, ``since``, ``until``, ``source``; see
:meth:`indexer.store.Archive.article_ids`) and an optional ``progress`` callable, called
with the number of articles just written (``tqdm``'s ``update`` fits). Nothing is printed.
"""

from __future__ import annotations

import csv
import fcntl
import glob
import json
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, TextIO, TypedDict, Unpack

import sqlite_utils

from indexer.article import ARTICLE_ID, Article
from indexer.link_tables import LINK_TABLES
from indexer.schema import (
    article_data,
    article_row,
    chunks,
    create_article_indexes,
    create_article_tables,
    insert_rows,
    marks,
    read_article_lists,
    write_article_links,
)
from indexer.store import Archive, StoreError

logger = logging.getLogger(__name__)

BATCH = 200
# Articles per batch of the SQLite export; per transaction of an update of an existing one:
# each commit flushes a full-text segment that later merges rewrite (60,000 bench
# articles: 4.2 GB written with 200, 1.5 with 2,000)
SQLITE_BATCH = 2_000
BUILDING = ".building"  # suffix of a new SQLite export's file while it is written
LIST_SEPARATOR = "; "
FTS_COLUMNS = ["title", "text"]
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
# Terms a new SQLite export's full-text index holds in memory before it writes them out as
# a segment (FTS5's default: 1 MiB): fewer, larger segments for its merges to rewrite
# (60,000 bench articles: its CPU 12.5 -> 9.4 s)
FTS_PENDING_BYTES = 64 * 2**20
FTS_DEFAULT_PENDING_BYTES = 2**20
CSV_COLUMNS = [f.name for f in fields(Article)]

ARTICLE_DESCRIPTIONS: dict[str, str] = {
    "url": "Identity URL: the normalised canonical address",
    "title": "Headline",
    "kicker": "The line above the headline (Dachzeile), if any",
    "id": "First 16 hex digits of the SHA-256 of the identity URL",
    "canonical_url": "Canonical URL as the page declares it (may be on another host)",
    "fetched_url": "Where the crawler fetched the page",
    "source": "Source name from the sources file",
    "site_name": "Site name as the page gives it",
    "description": "Standfirst or meta description",
    "text": "Article body as plain text",
    "markdown": "Article body as Markdown (links and emphasis kept)",
    "published": "Publication date, ISO 8601, in the page's time zone when it gives one",
    "published_source": "Where the publication date came from (json-ld, meta, time, url, text)",
    "modified": "Last modification date, ISO 8601",
    "modified_source": "Where the modification date came from",
    "credit": "The credit sentence (e.g. 'AFP contributed reporting.')",
    "language": "Language code of the text",
    "section": "Section of the site",
    "image": "Lead image URL",
    "image_credit": "Credit of the lead image",
    "image_credit_url": "Link of the lead image credit",
    "links": "Links in the body, as a JSON list",
    "word_count": "Number of words in the text",
    "fetched_at": "When the page was fetched, ISO 8601 UTC",
}


class ExportFilters(TypedDict, total=False):
    """Which articles to export, and a progress hook."""

    ids: Iterable[str] | None
    since: str | None
    until: str | None
    source: str | None
    added_since: str | None
    progress: Callable[[int], None] | None


def _batches(
    archive: Archive, filters: ExportFilters, size: int = BATCH, *, by_id: bool = False
) -> Iterator[list[Article]]:
    """Yield the selected articles in batches of ``size`` (in id order ``by_id``, else
    :meth:`~indexer.store.Archive.article_ids`'), reporting each batch once it is
    consumed."""
    selected = archive.article_ids(
        ids=filters.get("ids"), since=filters.get("since"), until=filters.get("until"),
        source=filters.get("source"), added_since=filters.get("added_since"),
    )
    if by_id:
        selected.sort()
    progress = filters.get("progress")
    for part in chunks(selected, size):
        articles = archive.get_many(list(part))
        yield articles
        if progress is not None:
            progress(len(articles))


def _file_mode(path: Path) -> int:
    """The mode ``path`` keeps if it exists, else what ``open()`` would give it (umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _existing_folder(path: Path) -> None:
    """Refuse to write into a folder that does not exist (a typo should not create one)."""
    if not path.is_dir():
        raise StoreError(f"folder {path} does not exist")


@contextmanager
def replacing(path: str | Path) -> Iterator[TextIO]:
    """Open a temporary text file beside ``path``; on success it replaces ``path``.

    A failed or killed export leaves the previous file as it was (the temporary file is
    removed on an error; a SIGKILL leaves it as ``.NAME.*.tmp``).
    """
    path = Path(path)
    _existing_folder(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(fd, _file_mode(path))  # mkstemp makes it private (0600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory."""
    with replacing(path) as handle:
        handle.write(text)


def metadata_path(path: str | Path) -> Path:
    """Return where :func:`export_sqlite` writes the Datasette metadata: ``NAME.metadata.json``."""
    return Path(path).with_suffix(".metadata.json")


def datasette_metadata(database: str) -> dict[str, Any]:
    """Return Datasette metadata describing the tables and columns of an export."""
    described = {"authors": ("Author names", "author"),
                 "agencies": ("News agencies credited", "agency"),
                 "tags": ("Tags and keywords", "tag")}
    tables: dict[str, Any] = {
        "articles": {
            "description": "One row per archived article; full-text search on title and text",
            "sort_desc": "published",
            "facets": ["source", "language", "section"],
            "label_column": "title",
            "columns": ARTICLE_DESCRIPTIONS,
        },
        "sources": {
            "description": "News sources, with the address first seen and when",
            "columns": {"name": "Source name", "url": "Site address",
                        "first_seen": "First fetch of an article from it, ISO 8601"},
        },
        "crawls": {
            "description": "One row per crawl run",
            "columns": {"started": "Start, ISO 8601 UTC", "finished": "End, ISO 8601 UTC",
                        "status": "How the run ended", "sources": "Sources crawled (JSON)",
                        "stats": "Counters of the run (JSON)"},
        },
    }
    for link in LINK_TABLES:
        description, singular = described[link.table]
        tables[link.table] = {"description": description, "label_column": "name"}
        columns = {"article_id": "The article", link.key: f"The {singular}",
                   "position": "Order in the article's list, from 0"}
        if link.extra:
            columns["credit"] = "The article's credit sentence"
        tables[link.link_table] = {
            "description": f"Which article has which {link.attribute}", "columns": columns}
    return {
        "title": "News archive export",
        "description": "Articles exported from a news archive",
        "databases": {database: {"tables": tables}},
    }


def _open_export(path: Path, timeout: float) -> sqlite_utils.Database:
    """Open or create the export file, refusing a file that is not an earlier export."""
    try:
        db = sqlite_utils.Database(sqlite3.connect(path, timeout=timeout), execute_plugins=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open export {path}: {exc}") from exc
    try:
        tables = db.table_names()
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path} exists and is not an SQLite database") from exc
    if tables and (version or "articles_fts" not in tables):
        db.close()
        raise StoreError(f"{path} exists and is not an export: choose another file")
    db.execute("PRAGMA foreign_keys = ON")
    return db


@contextmanager
def _writing(db: sqlite_utils.Database) -> Iterator[None]:
    """One transaction that takes the write lock first (``BEGIN IMMEDIATE``).

    It waits for another writer up to the busy timeout, where a deferred transaction
    (sqlite-utils' ``atomic``) upgrading from a read fails at once with "database is
    locked". sqlite-utils' own ``atomic`` blocks nest inside it as savepoints.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


def _changed(db: sqlite_utils.Database, articles: list[Article]) -> list[Article]:
    """The articles whose row or names differ from the export's (rewriting an unchanged
    row would grow the full-text index through its triggers)."""
    rows = {a.id: tuple(article_row(a).values()) for a in articles}
    columns = ", ".join(f"[{c}]" for c in article_row(articles[0]))
    ids = list(rows)
    held: dict[str, tuple[Any, ...]] = {}
    for part in chunks(ids):
        held.update((r[0], tuple(r)) for r in db.execute(
            f"SELECT {columns} FROM articles WHERE id IN ({marks(part)})", list(part)))
    names = read_article_lists(db.conn, ids)
    return [
        a for a in articles
        if held.get(a.id) != rows[a.id]
        or names[a.id] != {link.attribute: [n for n in getattr(a, link.attribute) if n]
                           for link in LINK_TABLES}
    ]


def _drop(db: sqlite_utils.Database, ids: list[str]) -> None:
    """Remove the rows of these articles (taken down since the last export)."""
    for part in chunks(ids):
        for table in [link.link_table for link in LINK_TABLES] + ["articles"]:
            key = "id" if table == "articles" else "article_id"
            db.execute(f"DELETE FROM {table} WHERE {key} IN ({marks(part)})", list(part))


def export_sqlite(archive: Archive, path: str | Path, **filters: Unpack[ExportFilters]) -> int:
    """Write or update a Datasette-ready SQLite export; return the number of articles written.

    A new export is built in a temporary file beside ``path`` and renamed to it when whole
    (:func:`_build`). Exporting again into an existing file upserts the rows on the
    article id, so it updates changed articles and adds new ones without duplicates, and
    drops the articles deleted from the archive (:mod:`indexer.takedown`) or moved to
    another identity since. The Datasette metadata goes to :func:`metadata_path`
    (``NAME.metadata.json`` beside the file).
    """
    path = Path(path)
    if path.exists() and path.resolve() == archive.path.resolve():
        raise StoreError("cannot export an archive into itself: choose another file")
    _existing_folder(path.parent)
    try:
        if _is_new(path):
            written = _build(archive, path, filters)
        else:
            written = _update(archive, path, filters)
    except sqlite3.OperationalError as exc:
        raise StoreError(f"cannot write export {path}: {exc}") from exc
    _write_atomically(metadata_path(path),
                      json.dumps(datasette_metadata(path.stem), indent=2) + "\n")
    logger.info("exported %d articles to %s", written, path)
    return written


def _is_new(path: Path) -> bool:
    """Whether ``path`` holds nothing yet: missing, or an empty file."""
    return not path.exists() or (path.is_file() and path.stat().st_size == 0)


def _write_sources(db: sqlite_utils.Database, archive: Archive, articles: list[Article]) -> None:
    """Copy the ``sources`` rows of these articles' sources from the archive."""
    names = sorted({a.source for a in articles if a.source})
    insert_rows(db.conn, "sources", list(archive.db.table("sources").rows_where(
        f"name IN ({marks(names)})", names)), upsert="name")


def _update(archive: Archive, path: Path, filters: ExportFilters) -> int:
    """Bring an existing export up to date in place, one transaction per batch (an export
    killed midway keeps the batches it committed; the next one writes the rest)."""
    db = _open_export(path, archive.timeout)
    written = 0
    try:
        with _writing(db):
            create_article_tables(db)
            articles_table = db.table("articles")
            if not articles_table.detect_fts():
                articles_table.enable_fts(FTS_COLUMNS, create_triggers=True,
                                          tokenize=FTS_TOKENIZER)
            insert_rows(db.conn, "crawls", list(archive.db.table("crawls").rows), upsert="id")
            if db["articles"].count:  # brought up to date: taken down or moved since
                _drop(db, sorted(archive.deleted_ids() | archive.retired_ids()))
        for articles in _batches(archive, filters, SQLITE_BATCH):
            with _writing(db):
                _write_sources(db, archive, articles)
                changed = _changed(db, articles)
                insert_rows(db.conn, "articles", [article_row(a) for a in changed],
                            upsert="id")
                write_article_links(db, changed)
            written += len(articles)
    finally:
        db.close()
    return written


def _build(archive: Archive, path: Path, filters: ExportFilters) -> int:
    """Write a new export into a temporary file beside ``path``; rename it to ``path`` when
    it is whole (``path`` a symbolic link: its target).

    An export killed midway leaves no ``path`` (never a half-written one) but its
    ``.NAME.*.building`` file, locked while its process lives: the next export removes
    those of dead processes and starts again.
    """
    path = path.resolve()
    _existing_folder(path.parent)
    _remove_abandoned_builds(path)
    fd, building = _locked_building_file(path)
    try:
        os.chmod(fd, _file_mode(path))
        written = _fill(archive, building, filters)
        os.fsync(fd)
        os.replace(building, path)
        _fsync_folder(path.parent)
    except BaseException:
        building.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return written


def _locked_building_file(path: Path) -> tuple[int, Path]:
    """Create a ``.NAME.*.building`` file beside ``path`` and lock it; return its descriptor
    and name. (Another export may remove it as abandoned before it is locked: then this
    makes another.)"""
    while True:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=BUILDING)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                return fd, Path(name)
        except FileNotFoundError:
            pass
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_abandoned_builds(path: Path) -> None:
    """Delete the building files an export into ``path`` killed midway left (those no live
    process holds locked)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*{BUILDING}"):
        try:
            fd = os.open(stale, os.O_RDONLY)
        except FileNotFoundError:  # (its export just ended)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # an export is building it
            continue
        else:
            stale.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _fill(archive: Archive, path: Path, filters: ExportFilters) -> int:
    """Write the selected articles into the new, empty database ``path`` in one transaction
    (each commit flushed the full-text index's pending terms into a segment that merges
    rewrote): rows in id order (each table's key appended to, never inserted midway), each
    batch's full-text terms in one statement (not row by row from triggers), the indexes
    built over the rows at the end. Without a journal: the file is thrown away unless it
    is whole."""
    db = sqlite_utils.Database(sqlite3.connect(path, timeout=archive.timeout),
                               execute_plugins=False)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "foreign_keys = ON"):
            db.execute(f"PRAGMA {pragma}")
        create_article_tables(db, indexes=False)
        triggers = _full_text_index_without_triggers(db)
        _pending_terms(db, FTS_PENDING_BYTES)
        columns = ", ".join(FTS_COLUMNS)
        written = indexed = 0
        with _writing(db):
            insert_rows(db.conn, "crawls", list(archive.db.table("crawls").rows))
            for articles in _batches(archive, filters, SQLITE_BATCH, by_id=True):
                _write_sources(db, archive, articles)
                insert_rows(db.conn, "articles", [article_row(a) for a in articles])
                write_article_links(db, articles)
                db.execute(f"INSERT INTO articles_fts(rowid, {columns})"
                           f" SELECT rowid, {columns} FROM articles WHERE rowid > ?", [indexed])
                indexed = db.execute("SELECT coalesce(max(rowid), 0) FROM articles"
                                     ).fetchone()[0]
                written += len(articles)
            create_article_indexes(db)
            for sql in triggers:
                db.execute(sql)
            _pending_terms(db, FTS_DEFAULT_PENDING_BYTES)  # (for the file's later writers)
    finally:
        db.close()
    return written


def _pending_terms(db: sqlite_utils.Database, size: int) -> None:
    """Set how many bytes of terms the full-text index pools before writing a segment."""
    db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('hashsize', ?)", [size])


def _full_text_index_without_triggers(db: sqlite_utils.Database) -> list[str]:
    """Make the full-text index of ``articles`` (sqlite-utils' own, which Datasette finds)
    without the triggers that keep it up to date: return them, to create at the end."""
    db.table("articles").enable_fts(FTS_COLUMNS, create_triggers=True, tokenize=FTS_TOKENIZER)
    triggers = db.execute("SELECT name, sql FROM sqlite_master"
                          " WHERE type = 'trigger' AND tbl_name = 'articles'").fetchall()
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER [{name}]")
    return [sql for _, sql in triggers]


def export_jsonl(archive: Archive, out: TextIO, **filters: Unpack[ExportFilters]) -> int:
    """Write one JSON object per line with every article field; return the count."""
    written = 0
    for articles in _batches(archive, filters):
        for article in articles:
            out.write(json.dumps(article_data(article), ensure_ascii=False) + "\n")
        written += len(articles)
    return written


def csv_row(article: Article) -> dict[str, Any]:
    """Flatten an article for CSV: list fields joined with ``"; "``."""
    return {name: LIST_SEPARATOR.join(value) if isinstance(value, list) else value
            for name, value in article_data(article).items()}


def export_csv(archive: Archive, out: TextIO, **filters: Unpack[ExportFilters]) -> int:
    """Write one CSV row per article (open ``out`` with ``newline=""``); return the count."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    written = 0
    for articles in _batches(archive, filters):
        writer.writerows(csv_row(a) for a in articles)
        written += len(articles)
    return written


def _markdown_files(directory: Path) -> dict[str, list[Path]]:
    """The article files an earlier export left in ``directory``, by article id."""
    found: dict[str, list[Path]] = {}
    for path in directory.glob("*_*.txt"):
        number, _, article_id = path.stem.partition("_")
        if number.isdigit() and ARTICLE_ID.fullmatch(article_id):
            found.setdefault(article_id, []).append(path)
    return found


def export_markdown(
    archive: Archive, directory: str | Path, **filters: Unpack[ExportFilters]
) -> int:
    """Write one ``NNN_<id>.txt`` Markdown file per article into ``directory``; return the count.

    Files are numbered from 000 in export order; the name holds only that number and the
    hex id, so no page data reaches the file system path. Exporting again into
    ``directory`` replaces an article's earlier file (numbers shift as articles come and
    go) and removes those of the articles deleted from the archive, or moved to another
    identity, since.
    """
    from indexer.render import to_markdown

    directory = Path(directory)
    _existing_folder(directory.parent)
    directory.mkdir(exist_ok=True)
    earlier = _markdown_files(directory)
    gone = archive.deleted_ids() | archive.retired_ids() if earlier else set()
    for article_id in gone & earlier.keys():  # taken down or moved since
        for stale in earlier.pop(article_id):
            stale.unlink()
    written = 0
    for articles in _batches(archive, filters):
        for article in articles:
            if not ARTICLE_ID.fullmatch(article.id):
                raise StoreError(f"article id {article.id!r} is not 16 hex digits")
            path = directory / f"{written:03d}_{article.id}.txt"
            _write_atomically(path, to_markdown(article))
            for stale in earlier.pop(article.id, []):
                if stale != path:
                    stale.unlink()
            written += 1
    return written

