"""The tantivy index of an archive (:class:`TantivyIndex`): a rebuildable mirror of the
store, written like the Whoosh one (:class:`indexer.search.whoosh.index.ArchiveIndex`):
:meth:`TantivyIndex.sync` indexes what the store marks pending, batch by batch, and marks
each batch indexed only after its commit; :meth:`TantivyIndex.rebuild` replaces every
document in one commit (searches see the old index until then), and records tantivy as
the archive's engine (:func:`indexer.search.engines.claim`). A rebuild also chooses the
index's common words and records them in its folder; every write indexes the pairs of
the words it records (:mod:`indexer.search.tantivy.grams`).

Every write holds the index folder's write lock (:mod:`indexer.search.locking`, shared
with Whoosh) and then tantivy's own; either one busy for ``lock_timeout`` seconds is
IndexLockedError, which writers retry. A write uses one indexing thread and a
:data:`WRITER_HEAP` budget (the crawl's index writer stays small); a rebuild more.
Each write waits for the merges its commit started (tantivy's merge policy keeps the
number of segments low), so :meth:`TantivyIndex.compact` has little to do.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy
from tantivy import IndexWriter

from indexer.article import Article
from indexer.search.engine_record import TANTIVY_DIR, claim
from indexer.search.errors import IndexCorruptError, IndexLockedError, IndexMissingError
from indexer.search.locking import locked_error, write_lock
from indexer.search.tantivy import grams
from indexer.search.tantivy.schema import (
    READ_VERSIONS,
    SCHEMA,
    SCHEMA_VERSION,
    article_document,
    text_fields,
)
from indexer.search.terms import TEXT_ANALYSIS

if TYPE_CHECKING:
    from indexer.store import Archive

logger = logging.getLogger(__name__)

LOCK_TIMEOUT = 10.0
BATCH_SIZE = 2_000  # articles per commit in a sync
WRITER_HEAP = 20_000_000  # bytes of a writer's indexing buffer (tantivy's minimum: 15 MB)
REBUILD_HEAP = 200_000_000
REBUILD_THREADS = 2
VERSION_FILE = "schema_version"
_IO_ERROR = re.compile(r"\(os error (\d+)\)")


def _mark_version(folder: Path) -> None:
    """Record :data:`SCHEMA_VERSION` in the index folder (replacing the file whole) if
    it records another."""
    path = folder / VERSION_FILE
    try:
        if path.read_text(encoding="utf-8").strip() == str(SCHEMA_VERSION):
            return
    except OSError:
        pass
    fresh = folder / f".{VERSION_FILE}.new"
    fresh.write_text(f"{SCHEMA_VERSION}\n", encoding="utf-8")
    os.replace(fresh, path)


class TantivyIndex:
    """The tantivy index in ``<index folder>/tantivy``: create, update, sync with a
    store, rebuild, open."""

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float | None = None):
        """Point at the archive's index folder ``path`` (nothing is opened yet); writers
        wait ``lock_timeout`` seconds for another's lock (default :data:`LOCK_TIMEOUT`)."""
        self.path = Path(path)
        self.dir = self.path / TANTIVY_DIR
        self.lock_timeout = LOCK_TIMEOUT if lock_timeout is None else lock_timeout

    def __repr__(self) -> str:
        return f"TantivyIndex({str(self.path)!r})"

    # -- opening -------------------------------------------------------------------------

    def exists(self) -> bool:
        """Return True if an index (possibly damaged) exists at the path."""
        return (self.dir / "meta.json").is_file()

    def open(self, folder: Path | None = None) -> tantivy.Index:
        """Open the index (in ``folder``, the one :data:`TANTIVY_DIR` links to, if
        given), raising IndexMissingError or IndexCorruptError."""
        folder = folder or self.dir
        if not (folder / "meta.json").is_file():
            raise IndexMissingError(f"no index at {self.path}")
        try:
            version = (folder / VERSION_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            version = ""
        if version not in {str(v) for v in READ_VERSIONS}:
            raise IndexCorruptError(f"index at {self.path} has an outdated schema: rebuild it")
        try:
            return tantivy.Index.open(str(folder))
        except ValueError as exc:
            detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            message = f"index at {self.path} is damaged ({detail}): rebuild it"
            raise IndexCorruptError(message) from None

    def doc_count(self) -> int:
        """Return the number of documents in the index."""
        return int(self.open().searcher().num_docs)

    def segment_count(self) -> int:
        """Return the number of segments of the index."""
        return int(self.open().searcher().num_segments)

    def open_or_rebuild(self, archive: Archive) -> bool:
        """Check the index opens; if missing or damaged, rebuild it from the store and
        return True."""
        try:
            self.open().searcher()
            return False
        except (IndexMissingError, IndexCorruptError) as exc:
            logger.warning("%s: rebuilding the index from the store", exc)
            self.rebuild(archive, heap=WRITER_HEAP, threads=1)
            return True

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _writer(self, *, heap: int = WRITER_HEAP, threads: int = 1) -> Iterator[IndexWriter]:
        """Hold the folder's write lock while the archive's engine is tantivy, and yield
        a writer (see :meth:`_committing`)."""
        with (
            write_lock(self.path, self.lock_timeout, engine="tantivy"),
            self._committing(heap=heap, threads=threads) as writer,
        ):
            yield writer

    @contextmanager
    def _committing(self, *, heap: int, threads: int) -> Iterator[IndexWriter]:
        """Yield a writer holding tantivy's lock (IndexLockedError when another process
        keeps it for ``lock_timeout`` seconds); commit what it wrote on leaving (rolled
        back on an error) and wait for its merges. Call holding the folder's write lock.
        A missing index is made anew, empty; a damaged one is IndexCorruptError (only a
        rebuild replaces it, so no article marked indexed goes missing)."""
        if not self.exists():
            self._install(self._fresh())
        index = self.open()
        _mark_version(self.dir)  # (before writing documents that an older tool can't read)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                with tantivy_errors(self.path):
                    writer = index.writer(heap_size=heap, num_threads=threads)
                break
            except IndexLockedError:  # a writer of this index elsewhere
                if time.monotonic() >= deadline:
                    raise locked_error(self.path, self.lock_timeout) from None
                time.sleep(0.1)
        try:
            yield writer
        except BaseException:
            writer.rollback()
            raise
        self.commit(writer)
        with tantivy_errors(self.path):
            writer.wait_merging_threads()  # (the writer is done with)

    def commit(self, writer: IndexWriter) -> None:
        """Commit the writer's documents (searches see them from then on)."""
        with tantivy_errors(self.path):
            writer.commit()

    def _fresh(self) -> Path:
        """Return a new, empty index folder beside the index (see :meth:`_install`)."""
        fresh = self.path / f"{TANTIVY_DIR}.{time.time_ns()}"
        fresh.mkdir(parents=True)
        with tantivy_errors(self.path):
            tantivy.Index(SCHEMA, path=str(fresh))
        return fresh

    def _install(self, fresh: Path) -> None:
        """Make the complete index in ``fresh`` the index, in one step: the name
        :data:`TANTIVY_DIR` is a link to it, replaced atomically (a search sees the old
        index or the new, never none), then the folders it replaces are removed. Call
        holding the write lock."""
        _mark_version(fresh)
        if self.dir.is_dir() and not self.dir.is_symlink():  # (a folder, not a link)
            shutil.rmtree(self.dir)
        link = self.path / f".{TANTIVY_DIR}.link"
        link.unlink(missing_ok=True)
        link.symlink_to(fresh.name)
        os.replace(link, self.dir)
        for old in self.path.glob(f"{TANTIVY_DIR}.*"):  # replaced, or left by a killed rebuild
            if old.is_dir() and old.name != fresh.name:
                shutil.rmtree(old, ignore_errors=True)

    def create(self) -> None:
        """Create an empty index if there is none."""
        with self._writer():
            pass

    def add(self, articles: Iterable[Article], *, retired: Iterable[str] = ()) -> int:
        """Add or replace articles (by id) in one commit, dropping the documents of the
        ``retired`` ids; return the count."""
        latest = {article.id: article for article in articles}  # an id twice: keep the last
        with self._writer() as writer:
            _write(writer, latest.values(), [*latest, *retired], grams.recorded(self.dir))
        logger.debug("indexed %d articles", len(latest))
        return len(latest)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete articles by id; return how many documents were deleted."""
        ids = list(dict.fromkeys(ids))
        searcher = self.open().searcher()
        there = sum(  # (doc_freq would count documents deleted but not yet merged away)
            searcher.search(tantivy.Query.term_query(SCHEMA, "id", i), 1).count  # type: ignore[attr-defined]
            for i in ids
        )
        with self._writer() as writer:
            _write(writer, [], ids, None)
        return there

    def sync(self, archive: Archive, *, batch_size: int = BATCH_SIZE) -> int:
        """Index everything pending in the store, batch by batch; return the count. A
        missing index is rebuilt (the store marks the articles it held indexed)."""
        if not self.exists():
            self.create()  # (under the lock: EngineChangedError if the engine changed)
            return self.rebuild(archive)
        if not archive.pending_ids(limit=1):
            return 0
        total = 0
        with self._writer() as writer:
            common = grams.recorded(self.dir)
            while ids := archive.pending_ids(limit=batch_size):
                articles = archive.get_many(ids)
                _write(writer, articles, [*ids, *archive.retired_ids(ids)], common)
                self.commit(writer)
                archive.mark_indexed(ids)
                total += len(ids)
                logger.info("synced %d articles", total)
        return total

    def rebuild(
        self, archive: Archive, *, heap: int = REBUILD_HEAP, threads: int = REBUILD_THREADS
    ) -> int:
        """Build a fresh index of the store's articles beside the index and swap it in
        (a rebuild that fails or is killed leaves the old index as it was), record
        tantivy as the archive's engine; return the count. Holds the write lock
        throughout; ``heap``: bytes of the writer's buffer for its ``threads``."""
        with write_lock(self.path, self.lock_timeout, engine=None):
            pending = archive.pending_ids()
            fresh = self._fresh()
            writer = None
            try:
                common = frozenset(_common_words(archive))
                grams.record(fresh, sorted(common))
                with tantivy_errors(self.path):
                    index = tantivy.Index.open(str(fresh))
                    writer = index.writer(heap_size=heap, num_threads=threads)
                n = 0
                for article in archive.iter_articles():
                    writer.add_document(article_document(article, common))
                    n += 1
                self.commit(writer)
                with tantivy_errors(self.path):
                    writer.wait_merging_threads()
                self._install(fresh)
            except BaseException:
                if writer is not None:
                    writer.rollback()  # (its threads stop writing into the folder)
                shutil.rmtree(fresh, ignore_errors=True)
                raise
            claim(self.path, "tantivy")
            archive.mark_indexed(pending)
        logger.info("rebuilt the index: %d articles", n)
        return n + self.sync(archive)

    def compact(self, archive: Archive | None = None, *, max_docs: int | None = None) -> int:
        """Let tantivy's merge policy merge small segments; return how many fewer
        segments there are (``archive`` and ``max_docs`` are Whoosh's: unused)."""
        before = self.segment_count()
        with self._writer():
            pass
        merged = max(0, before - self.segment_count())
        logger.info("merged %d index segments", merged)
        return merged


@contextmanager
def tantivy_errors(path: Path) -> Iterator[None]:
    """Turn tantivy's errors (all ValueError) into ours: its lock busy is
    IndexLockedError, an I/O error OSError (with its errno: a full disk is one), any
    other IndexCorruptError; each a one-line message naming the index ``path``."""
    try:
        yield
    except ValueError as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        if "LockBusy" in detail:
            raise IndexLockedError(f"index at {path} is being written by another process") from None
        if (io := _IO_ERROR.search(detail)) or "IO error" in detail:
            errno = int(io.group(1)) if io else 0
            raise OSError(errno, f"index at {path}: {detail}") from None
        raise IndexCorruptError(f"index at {path} failed ({detail}): rebuild it") from None


def _write(
    writer: IndexWriter,
    articles: Iterable[Article],
    delete: list[str],
    common: frozenset[str] | None,
) -> None:
    """Delete the documents of the ids ``delete``, then add the articles' documents
    (with the pairs of the index's ``common`` words, if it has a list)."""
    for article_id in delete:
        writer.delete_documents_by_term("id", article_id)
    for article in articles:
        writer.add_document(article_document(article, common or frozenset()))


def _common_words(archive: Archive) -> list[str]:
    """Return the common words of the store's articles (:func:`grams.choose`) in a
    sample of about :data:`grams.SAMPLE` of them, evenly spread over the order they were
    stored: the first of each page of ids (the ids are never all in memory)."""
    step = max(1, archive.count() // grams.SAMPLE)
    sample = [page[0] for page in archive.article_id_pages(step)]
    return grams.choose(
        [w for text in text_fields(article).values() for w in TEXT_ANALYSIS.words(text)]
        for article in archive.get_many(sample)
    )

