"""The Whoosh full-text index: a rebuildable mirror of the store.

The store (:mod:`indexer.store`) is the record of truth; this index only mirrors it.
Articles become *pending* in the store when added or changed; :meth:`ArchiveIndex.sync`
indexes what is pending in batches and marks each batch indexed only after its commit, so
a killed process leaves rows pending, never lost. :meth:`ArchiveIndex.rebuild` builds a
fresh index beside the target and swaps it in atomically (a new Whoosh generation), so
searches keep working and a crash leaves the old index.

Text analysis (``title`` and ``body``): one analyzer for every language, because Whoosh
fixes the analyzer per field, not per document. Words are lowercased, accents are folded
(``Zürich`` matches ``zurich``), English stop words are dropped and words are reduced by
the Porter stemmer. Queries go through the same analyzer, so matching stays predictable in
other languages too: at worst two words of another language share a stem.

Dates: ``published`` is a sortable integer ``yyyymmdd`` (0 when unknown) for sorting and
day-precise ranges; ``year`` (``2022``) and ``month`` (``2022-10``) are coarse terms, so a
date range is a handful of whole-year and whole-month terms plus at most two short day
ranges at its edges, which Whoosh intersects cheaply.

The body text is indexed, not stored: snippets come from the store's text (or from the
stored ``lead`` without a store): storing it would make the index about 55% larger.

Schema: the index is always opened with :func:`build_schema` (the copy saved in the index
only has to carry the same :data:`SCHEMA_VERSION`), so a change of code that leaves the
indexed terms the same needs no rebuild; bump SCHEMA_VERSION for any other change, and
:meth:`ArchiveIndex.open_or_rebuild` rebuilds.

Speed: text fields are :class:`FastText` (the same postings as Whoosh's TEXT, about 6 times
faster to make) and segments are written by :class:`LeanCodec`; together they index new
articles about twice as fast as plain Whoosh. Adds and syncs write through
:class:`_FastWriter` (the same segment files, byte for byte, in about half the time of a
commit). A sync commits :data:`BATCH_SIZE` articles at a time: each commit writes every
distinct term of its batch once, so larger batches write fewer terms per article. A
write of :data:`PARALLEL_ADD` articles or more uses two processes: a forked helper
(:mod:`indexer.search.whoosh.forked`) writes half of them into a segment of its own,
committed with the writer's (1,000 new articles into a 100k index: 4.7 s in one process,
1.8 s in two).

Memory: the fast writer keeps each term's postings as one flat list (about 60 MB for a
batch of 2,000 of the crawl bench's articles), lets each go once written, and a sync ends
by handing the freed heap back to the system (:func:`release_memory`), so the crawl's
index writer does not keep a batch's peak resident between syncs.

Files: segments are written as plain files (Whoosh copies every file it opens out of a
compound segment into memory), and the files of a superseded generation are deleted only
:data:`GRACE_SECONDS` after it was superseded, so a searcher opened just before a commit
or a rebuild keeps working.

Modules: the schema, text analysis and documents are in
:mod:`~indexer.search.whoosh.schema`; the codec, the fast writer, :func:`release_memory`
and the grace period in :mod:`~indexer.search.whoosh.writing`; this module holds
:class:`ArchiveIndex`, its lock, rebuilds and the merge policy.

Segments: a commit merges only cheaply (:func:`merge_small`: many segments of one small
size class); :meth:`ArchiveIndex.compact` (``index --compact``, and crawls once the index
has ``INDEX_COMPACT_AT`` segments) merges small segments, off the search and sync path, by
indexing their articles anew from the store (Whoosh's merge reads postings one at a time:
28 segments of 500 took 126 s through it, 24 s anew); nothing optimizes unless asked to.
Each segment costs every query a little (a term lookup, matchers, no block skipping in
small segments): at 100k articles, 30 segments against 4 made the query mix's p50 4 to
10 ms slower.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.article import Article
from indexer.search.engine_record import claim
from indexer.search.locking import write_lock
from indexer.search.whoosh import forked
from indexer.search.whoosh.errors import (
    ArchiveIndexError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
)

# FastText and LeanCodec are imported for the indexes written while this module held them:
# their saved schema and segments name the classes by module (pickles). See indexer/index.py.
from indexer.search.whoosh.schema import (
    _VERSION_FIELD,
    INDEX_NAME,
    SCHEMA_VERSION,
    SPELL_ANALYZER,
    TEXT_ANALYZER,
    WORD_PATTERN,
    FastText,
    article_document,
    build_schema,
    date_key,
    lang_key,
    normalize_key,
    quiet_whoosh_import,
)
from indexer.search.whoosh.writing import (
    SMALL_BLOCK,
    WRITER_OPTIONS,
    LeanCodec,
    _clean_old_files,
    _FastWriter,
    _GraceWriter,
    release_memory,
)

with quiet_whoosh_import():
    from whoosh import index as whoosh_index
    from whoosh.fields import Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from indexer.store import Archive

__all__ = [
    "SCHEMA_VERSION",
    "SMALL_BLOCK",
    "SPELL_ANALYZER",
    "TEXT_ANALYZER",
    "WORD_PATTERN",
    "ArchiveIndex",
    "ArchiveIndexError",
    "FastText",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMissingError",
    "LeanCodec",
    "article_document",
    "build_schema",
    "date_key",
    "lang_key",
    "normalize_key",
    "quiet_whoosh_import",
]

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000  # articles per commit in a sync: larger batches write faster
LOCK_TIMEOUT = 10.0
PARALLEL_THRESHOLD = 20_000  # rebuilds at least this large use two processes
MERGE_FACTOR = 10  # segments of one size class that a commit merges together
COMMIT_MERGE_DOCS = 1_000  # at most this many documents of older segments merged per commit
PARALLEL_ADD = 500  # adds of at least this many articles write two segments at once
FAST_MERGE_DOCS = 10_000  # larger writes (per process) and merges pool postings on disk
COMPACT_LIMIT_MB = 64  # Whoosh's posting pool for compactions above FAST_MERGE_DOCS


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Yield lists of at most ``size`` items."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class ArchiveIndex:
    """The Whoosh index in one directory: create, update, sync with a store, rebuild, open."""

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float | None = None):
        """Point at the index directory ``path`` (nothing is opened yet); writers wait
        ``lock_timeout`` seconds for another's lock (default :data:`LOCK_TIMEOUT`)."""
        self.path = Path(path)
        self.lock_timeout = LOCK_TIMEOUT if lock_timeout is None else lock_timeout

    def __repr__(self) -> str:
        return f"ArchiveIndex({str(self.path)!r})"

    # -- opening -------------------------------------------------------------------------

    def _storage(self) -> FileStorage:
        return FileStorage(str(self.path))

    def exists(self) -> bool:
        """Return True if an index (possibly damaged) exists at the path."""
        return self.path.is_dir() and TOC._latest_generation(self._storage(), INDEX_NAME) >= 0

    def create(self) -> None:
        """Create an empty index, replacing whatever is at the path."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self._locked():
            fresh = self._fresh_dir()
            try:
                self._install(fresh)
            finally:
                shutil.rmtree(fresh, ignore_errors=True)

    def open(self) -> whoosh_index.FileIndex:
        """Open the index with :func:`build_schema`'s schema (the one saved in the index
        must be of the same SCHEMA_VERSION), raising IndexMissingError or
        IndexCorruptError."""
        if not self.exists():
            raise IndexMissingError(f"no index at {self.path}")
        storage = self._storage()
        try:
            saved = TOC.read(storage, INDEX_NAME).schema
        except Exception as exc:  # any failure to read the TOC means damage
            raise self._corrupt(exc) from exc
        if _VERSION_FIELD not in saved:
            raise IndexCorruptError(f"index at {self.path} has an outdated schema: rebuild it")
        try:
            return whoosh_index.FileIndex(storage, schema=build_schema(), indexname=INDEX_NAME)
        except Exception as exc:  # the TOC changed and the new one is damaged
            raise self._corrupt(exc) from exc

    def _corrupt(self, exc: Exception) -> IndexCorruptError:
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return IndexCorruptError(f"index at {self.path} is damaged ({detail}): rebuild it")

    def searcher(self) -> Searcher:
        """Return a new Whoosh searcher over every segment (the caller closes it)."""
        ix = self.open()
        try:
            return ix.searcher()
        except Exception as exc:  # a missing or truncated segment file
            raise self._corrupt(exc) from exc

    def doc_count(self) -> int:
        """Return the number of documents in the index."""
        with self.searcher() as searcher:
            return searcher.doc_count()

    def segment_count(self) -> int:
        """Return the number of segments of the index (see :meth:`compact`)."""
        return len(self.open()._segments())

    def open_or_rebuild(self, archive: Archive) -> bool:
        """Check the index opens; if missing or damaged, rebuild it from the store and
        return True (the CLI says "rebuilding…" from the logged warning)."""
        try:
            self.searcher().close()
            return False
        except (IndexMissingError, IndexCorruptError) as exc:
            logger.warning("%s: rebuilding the index from the store", exc)
            self.rebuild(archive)
            return True

    # -- writing -------------------------------------------------------------------------

    def _locked(self, *, switching: bool = False) -> AbstractContextManager[None]:
        return _write_lock(self.path, self.lock_timeout, switching=switching)

    def add(self, articles: Iterable[Article], *, retired: Iterable[str] = ()) -> int:
        """Add or replace articles (by id) in one commit, dropping the documents of the
        ``retired`` ids (identities the articles had before); return the count.

        From :data:`PARALLEL_ADD` articles on (and with two CPUs), a forked helper
        process writes the second half into a segment of its own while this one writes
        the first half, and both segments are committed together: twice as fast, for
        one more segment."""
        latest = {article.id: article for article in articles}  # an id twice: keep the last
        ix = self.open()
        with self._locked():
            self._commit(ix, list(latest.values()), delete=[*latest, *retired])
        logger.debug("indexed %d articles", len(latest))
        return len(latest)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete articles by id; return how many documents were deleted."""
        ix = self.open()
        with self._locked():
            return self._commit(ix, [], delete=ids)

    def _commit(
        self,
        ix: whoosh_index.FileIndex,
        articles: list[Article],
        *,
        delete: Iterable[str] = (),
        policy: Callable[[Any, list[Any]], list[Any]] | None = None,
        cls: type[_GraceWriter] | None = None,
        **options: Any,
    ) -> int:
        """Delete the documents of the ids ``delete``, add ``articles`` and commit with the
        merge ``policy`` (Whoosh's ``mergetype``; default :func:`merge_small`) and a writer
        of class ``cls`` (default :class:`_FastWriter` for what fits in memory); return
        how many documents were deleted. Call holding the lock. A helper process writes
        half of a large batch (see :meth:`add`)."""
        documents = [article_document(article) for article in articles]
        parallel = len(documents) >= PARALLEL_ADD and forked.available()
        split = len(documents) // 2 if parallel else len(documents)
        cls = cls or _writer_class(max(split, len(documents) - split))  # per process
        writer = cls(ix, _lk=False, **options, **WRITER_OPTIONS)
        try:
            try:
                if parallel:  # started first: it writes while this process deletes and adds
                    helper = forked.Forked(self._write_segment, cls, documents[split:])
                    writer.helpers = (helper,)
                # One searcher for all deletions: Whoosh's delete_by_term opens one per call.
                with writer.searcher() as searcher:
                    deleted = [d for i in delete for d in searcher.document_numbers(id=i)]
                for docnum in deleted:
                    writer.delete_document(docnum)
                for document in documents[:split]:
                    writer.add_document(**document)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=policy or merge_small)  # never a big merge unless asked
        finally:
            for helper in writer.helpers:  # none outlives the commit
                helper.stop()
        _clean_old_files(self._storage())
        return len(deleted)

    def _write_segment(self, cls: type[_GraceWriter], documents: list[dict[str, Any]]) -> Any:
        """Write ``documents`` into a new segment of their own and return it, uncommitted
        (the helper process of :meth:`_commit`; its writer holds the lock)."""
        writer = cls(self.open(), _lk=False, **WRITER_OPTIONS)
        for document in documents:
            writer.add_document(**document)
        return writer._finalize_segment()

    def compact(
        self,
        archive: Archive | None = None,
        *,
        at_least: int = 2,
        max_docs: int | None = None,
        full: bool = False,
    ) -> int:
        """Merge small segments into one, holding the write lock throughout; return how
        many segments were merged. Searches keep working.

        Merged are the segments of every size class (1-9 documents, 10-99, ...) that has
        ``at_least`` segments, smallest classes first while the merge stays within
        ``max_docs`` documents; with ``full``, every segment (an optimize).

        With the ``archive``, the merged segments' articles are indexed anew from the
        store (two processes, :meth:`_commit`) instead of through Whoosh's merge, which
        reads postings one at a time: 2 to 5 times faster. The store is the record of
        truth, so this gives the same documents (an article changed since it was
        indexed is pending and indexed again by the next sync either way)."""
        ix = self.open()
        with self._locked():
            segments = ix._segments()
            picked = segments if full else _size_classes(segments, at_least, max_docs)
            if len(picked) < 2:
                return 0
            chosen = {s.segment_id() for s in picked}
            docs = sum(s.doc_count_all() for s in picked)

            def drop(writer: Any, segments: list[Any]) -> list[Any]:
                return [s for s in segments if s.segment_id() not in chosen]

            def merge(writer: Any, segments: list[Any]) -> list[Any]:
                return _merge(writer, segments, [s for s in segments if s.segment_id() in chosen])

            if archive is not None:
                ids = _live_ids(ix, picked)
                articles = archive.get_many(ids)
                if missing := len(ids) - len(articles):
                    logger.warning("dropped %d indexed articles the store lacks", missing)
                self._commit(ix, articles, policy=drop, limitmb=COMPACT_LIMIT_MB)
            else:
                # Whoosh's merge adds every document to the writer's own segment.
                cls = _writer_class(docs)
                self._commit(ix, [], policy=merge, cls=cls, limitmb=COMPACT_LIMIT_MB)
        logger.info("merged %d index segments (%d documents)", len(chosen), docs)
        return len(chosen)

    def sync(self, archive: Archive, *, batch_size: int = BATCH_SIZE) -> int:
        """Index everything pending in the store, batch by batch; return the count. A
        missing index is rebuilt (the store marks the articles it held indexed)."""
        if not self.exists():
            self.create()  # (under the lock: EngineChangedError if the engine changed)
            return self.rebuild(archive)
        total = 0
        while ids := archive.pending_ids(limit=batch_size):
            articles = archive.get_many(ids)
            self.add(articles, retired=archive.retired_ids(ids))
            archive.mark_indexed(ids)
            total += len(ids)
            logger.info("synced %d articles", total)
        if total:
            release_memory()
        return total

    def rebuild(self, archive: Archive) -> int:
        """Build a fresh index from the whole store beside the target, swap it in; return
        the count. Holds the target's write lock throughout, so no sync interleaves."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self._locked(switching=True):
            pending = archive.pending_ids()
            parallel = archive.count() >= PARALLEL_THRESHOLD
            fresh = self._fresh_dir()
            try:
                n = _fill(fresh, archive.iter_articles(), parallel=parallel)
                self._install(fresh)
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
            claim(self.path, "whoosh")
            archive.mark_indexed(pending)
        logger.info("rebuilt the index: %d articles", n)
        return n + self.sync(archive)

    def _fresh_dir(self) -> Path:
        """Return a new empty index in a temporary directory beside the target.

        Call only while holding the target's lock: any other rebuild directory is then a
        leftover of a killed rebuild and is removed."""
        for stale in self.path.parent.glob(f".{self.path.name}.rebuild-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.rebuild-", dir=self.path.parent))
        whoosh_index.create_in(str(tmp), build_schema(), indexname=INDEX_NAME)
        return tmp

    def _install(self, fresh: Path) -> None:
        """Move the fresh index's segments in and publish them as the next generation.

        Call only while holding the target's lock. Readers keep the generation they
        opened; a crash before the new TOC is written leaves the old index intact."""
        src = FileStorage(str(fresh))
        toc = TOC.read(src, INDEX_NAME)
        dst = self._storage()
        gen = TOC._latest_generation(dst, INDEX_NAME) + 1  # works even if the TOC is damaged
        segment_ids = {s.segment_id() for s in toc.segments}
        for name in os.listdir(fresh):
            if name.split(".", 1)[0] in segment_ids:
                os.replace(fresh / name, self.path / name)
        TOC(toc.schema, toc.segments, gen).write(dst, INDEX_NAME)  # atomic rename
        _clean_old_files(dst)


def _fill(path: Path, articles: Iterable[Article], *, parallel: bool) -> int:
    """Add articles to the fresh (empty) index at ``path``; return the count."""
    ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    kwargs: dict[str, Any] = {}
    if parallel:
        with quiet_whoosh_import():  # only now: multiprocessing is slow to import
            from whoosh import multiproc  # noqa: F401
        kwargs = {"procs": 2, "multisegment": True}
    writer = ix.writer(limitmb=256, **kwargs, **WRITER_OPTIONS)
    n = 0
    try:
        for article in articles:
            writer.add_document(**article_document(article))
            n += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return n


def merge_small(writer: Any, segments: list[Any]) -> list[Any]:
    """The merge policy of every commit: cheap merges only, never a big one.

    A size class (see :func:`_size_classes`) of :data:`MERGE_FACTOR` segments or more is
    merged into the new segment when the merge adds at most :data:`COMMIT_MERGE_DOCS`
    documents, so syncs of a few articles at a time don't pile up segments. Segments
    whose documents are all deleted are dropped. Larger merges are for
    :meth:`ArchiveIndex.compact` (Whoosh's MERGE_SMALL policy could merge tens of
    thousands of documents, over a minute, in one sync)."""
    chosen = [s for s in segments if s.doc_count() == 0]
    chosen += [
        s for s in _size_classes(segments, MERGE_FACTOR, COMMIT_MERGE_DOCS) if s not in chosen
    ]
    return _merge(writer, segments, chosen)


def _size_classes(segments: list[Any], at_least: int, max_docs: int | None) -> list[Any]:
    """Return the segments of the size classes (1-9 documents, 10-99, 100-999...) that
    have ``at_least`` segments, smallest classes first, within ``max_docs`` documents."""
    classes: dict[int, list[Any]] = {}
    for segment in segments:
        classes.setdefault(len(str(segment.doc_count_all())), []).append(segment)
    chosen: list[Any] = []
    budget = max_docs
    for _, group in sorted(classes.items()):
        docs = sum(s.doc_count_all() for s in group)
        if len(group) < at_least:
            continue
        if budget is not None:
            if docs > budget:
                break
            budget -= docs
        chosen += group
    return chosen


def _writer_class(docs: int) -> type[_GraceWriter]:
    """Return the writer for ``docs`` documents: the in-memory one for what fits."""
    return _FastWriter if docs <= FAST_MERGE_DOCS else _GraceWriter


@contextmanager
def _segment_reader(storage: FileStorage, schema: Schema, segment: Any) -> Iterator[Any]:
    """Open a reader of one segment, closed on leaving."""
    from whoosh.reading import SegmentReader

    reader = SegmentReader(storage, schema, segment)
    try:
        yield reader
    finally:
        reader.close()


def _live_ids(ix: whoosh_index.FileIndex, segments: list[Any]) -> list[str]:
    """Return the ids of the segments' documents that are not deleted."""
    ids: list[str] = []
    for segment in segments:
        with _segment_reader(ix.storage, ix.schema, segment) as reader:
            ids += [fields["id"] for fields in reader.all_stored_fields()]
    return ids


def _merge(writer: Any, segments: list[Any], chosen: list[Any]) -> list[Any]:
    """Add the ``chosen`` segments' documents to the writer's new segment; return the
    segments left as they are."""
    for segment in chosen:
        if segment.doc_count() == 0:  # every document deleted: just dropped
            continue
        with _segment_reader(writer.storage, writer.schema, segment) as reader:
            writer.add_reader(reader)
    return [s for s in segments if s not in chosen]


@contextmanager
def _write_lock(folder: Path, timeout: float, *, switching: bool = False) -> Iterator[None]:
    """Hold the index folder's write lock (:mod:`indexer.search.locking`); unless
    ``switching`` (a rebuild, which records Whoosh), only while the archive's engine is
    Whoosh. Temporary files a killed writer left are removed first."""
    with write_lock(folder, timeout, engine=None if switching else "whoosh"):
        _clean_temp_files(folder)
        yield


def _clean_temp_files(path: Path) -> None:
    """Remove temporary files a killed writer left; call only while holding the lock."""
    for entry in path.iterdir():
        if entry.is_dir() and entry.name.endswith(".tmp"):
            shutil.rmtree(entry, ignore_errors=True)
            logger.info("removed leftover temporary files %s", entry)
        elif re.match(rf"_{INDEX_NAME}_\d+\.toc\.", entry.name):
            entry.unlink(missing_ok=True)
