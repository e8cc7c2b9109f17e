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
import time
import warnings
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice, pairwise
from pathlib import Path
from pickle import dumps
from typing import TYPE_CHECKING, Any

from indexer.article import Article
from indexer.search.whoosh import forked


@contextmanager
def quiet_whoosh_import() -> Iterator[None]:
    """Silence whoosh 2.7.4's SyntaxWarnings (invalid escapes, ``is 0``) while importing it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        yield


with quiet_whoosh_import():
    from whoosh import index as whoosh_index
    from whoosh.analysis import (
        CharsetFilter,
        LowercaseFilter,
        RegexTokenizer,
        StemFilter,
        StopFilter,
    )
    from whoosh.codec.whoosh3 import (
        WHOOSH3_HEADER_MAGIC,
        W3Codec,
        W3PostingsWriter,
        W3TermInfo,
    )
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import _lengths as _LENGTHS
    from whoosh.formats import Positions
    from whoosh.index import TOC
    from whoosh.lang import stemmer_for_language
    from whoosh.support.charset import accent_map
    from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
    from whoosh.util.filelock import try_for
    from whoosh.writing import SegmentWriter

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from indexer.store import Archive

logger = logging.getLogger(__name__)

INDEX_NAME = "MAIN"
SCHEMA_VERSION = "1"
BATCH_SIZE = 2_000  # articles per commit in a sync: larger batches write faster
SMALL_BLOCK = 8  # posting blocks with fewer postings are not compressed
LEAD_CHARS = 400
LOCK_TIMEOUT = 10.0
PARALLEL_THRESHOLD = 20_000  # rebuilds at least this large use two processes
MERGE_FACTOR = 10  # segments of one size class that a commit merges together
COMMIT_MERGE_DOCS = 1_000  # at most this many documents of older segments merged per commit
PARALLEL_ADD = 500  # adds of at least this many articles write two segments at once
FAST_MERGE_DOCS = 10_000  # larger writes (per process) and merges pool postings on disk
COMPACT_MAX_DOCS = 20_000  # documents a compaction merges at most (index --compact, crawls)
COMPACT_LIMIT_MB = 64  # Whoosh's posting pool for compactions above FAST_MERGE_DOCS
WRITE_CHUNK = 4 << 20  # bytes of postings the in-memory writer gathers per file write
# Files of a superseded generation stay this long for searchers still reading them.
GRACE_SECONDS = 120.0


class LeanCodec(W3Codec):
    """Whoosh's codec without the field-length statistics of each posting block (a fifth
    of a commit's time; scorers then bound a block's best score less tightly: the
    results are the same, fewer blocks can be skipped), and with small posting blocks
    left uncompressed (:class:`_LeanPostingsWriter`)."""

    length_stats = False

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> _LeanPostingsWriter:
        """Return the writer of a segment's posting lists."""
        return _LeanPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class _LeanPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, but blocks of fewer than :data:`SMALL_BLOCK` postings
    are written uncompressed, as whoosh 2.7.4 means to (it compresses every block): zlib
    gains nothing on a few postings and took a quarter of a commit (most terms of a new
    segment have one or two). Each block records its compression, so readers are the
    same."""

    def _write_block(self, last: bool = False) -> None:
        if len(self._ids) >= SMALL_BLOCK:
            super()._write_block(last)
            return
        compression, self._compression = self._compression, 0
        try:
            super()._write_block(last)
        finally:
            self._compression = compression


_TERMINFO = W3TermInfo._struct  # a term's statistics, before its postings' extent

# Plain segment files, not one compound file: Whoosh copies every file it opens from a
# compound segment into memory (hundreds of MB per search process at 100k articles).
WRITER_OPTIONS: dict[str, Any] = {"compound": False, "codec": LeanCodec()}
_VERSION_FIELD = f"schema_v{SCHEMA_VERSION}"

TEXT_ANALYZER = (
    RegexTokenizer()
    | CharsetFilter(accent_map)  # before lowercasing: it maps fullwidth letters to capitals
    | LowercaseFilter()
    | StopFilter(minsize=1)
    | StemFilter(cachesize=50_000)
)
SPELL_ANALYZER = RegexTokenizer() | CharsetFilter(accent_map) | LowercaseFilter()
# The words of RegexTokenizer's default pattern, \w+(\.?\w+)*, without a capturing group.
WORD_PATTERN = re.compile(r"\w+(?:\.?\w+)*")
WORD_CACHE_SIZE = 500_000  # analysed forms of raw words kept per analyzer


class FastText(TEXT):
    """A TEXT field whose :meth:`index` gives Whoosh's postings about 6 times faster.

    Whoosh runs a chain of generators per token. Here the text is split with the
    tokenizer's pattern at once and each distinct raw word is analysed once (then
    cached), which is exact for our analyzers: a RegexTokenizer with the default pattern
    followed by filters that look at one token at a time."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """Yield (term bytes, frequency, weight, encoded postings value) per distinct term."""
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        positions: dict[str, list[int]] = {}
        first, words = analyzed_words(self.analyzer, value)
        for pos, word in enumerate(words, first):
            positions.setdefault(word, []).append(pos)
        fmt = self.format
        boost = fmt.field_boost
        if type(fmt) is not Positions:
            for word, found in positions.items():
                n = len(found)
                yield word.encode("utf-8"), n, n * boost, pack_uint(n)
            return
        single = _ONE_POSITION
        for word, found in positions.items():
            if len(found) == 1:  # most words of a text: Positions.encode, cached
                if (encoded := single.get(found[0])) is None:
                    encoded = fmt.encode(found)
                    if len(single) < ONE_POSITION_CACHE:
                        single[found[0]] = encoded
                yield word.encode("utf-8"), 1, boost, encoded
            else:
                n = len(found)
                yield word.encode("utf-8"), n, n * boost, fmt.encode(found)


ONE_POSITION_CACHE = 100_000
_ONE_POSITION: dict[int, bytes] = {}  # position -> Positions.encode([position])


_word_forms: dict[int, tuple[Any, dict[str, str | None]]] = {}


def analyzed_words(analyzer: Any, text: str) -> tuple[int, list[str]]:
    """Return the indexed words of ``text`` in order, as ``analyzer`` makes them, and the
    position of the first one; see :class:`FastText` for the analyzers this is exact for.

    Whoosh's stop filter numbers the words it keeps from the raw position of the first
    one: ``the economy grows`` gives ``economi`` at 1 and ``grow`` at 2."""
    entry = _word_forms.get(id(analyzer))
    if entry is None or len(entry[1]) > WORD_CACHE_SIZE:
        entry = _word_forms[id(analyzer)] = (analyzer, {})  # keeps the analyzer's id taken
    forms = entry[1]
    raws = WORD_PATTERN.findall(text)
    if new := [raw for raw in dict.fromkeys(raws) if raw not in forms]:
        forms.update(zip(new, _word_forms_of(analyzer, new), strict=True))
    first = next((pos for pos, raw in enumerate(raws) if forms[raw] is not None), 0)
    return first, [form for raw in raws if (form := forms[raw]) is not None]


def _word_forms_of(analyzer: Any, words: list[str]) -> list[str | None]:
    """Return each raw word's indexed form (None for a stop word).

    The filters this knows are applied to the words directly (their own code, a word at
    a time, without a Token and a generator per filter: about twice as fast); with any
    other filter, the analyzer runs over the words, a space apart (one token each)."""
    steps: list[Callable[[str], str | None]] = []
    for item in analyzer.items[1:]:
        kind = type(item)
        if kind is CharsetFilter:
            steps.append(partial(_translate, table=item.charmap))
        elif kind is LowercaseFilter:
            steps.append(str.lower)
        elif kind is StopFilter:
            steps.append(partial(_unless_stopped, stop=item))
        elif kind is StemFilter:
            stem = stemmer_for_language(item.lang) if item.lang else item.stemfn
            steps.append(partial(_stem, stem=stem, ignore=item.ignore))
        else:
            tokens = analyzer(" ".join(words), removestops=False)
            return [None if token.stopped else token.text for token in tokens]
    forms: list[str | None] = []
    for word in words:
        form: str | None = word
        for step in steps:
            if (form := step(form)) is None:
                break
        forms.append(form)
    return forms


def _translate(word: str, table: dict[int, Any]) -> str:
    return word.translate(table)


def _unless_stopped(word: str, stop: Any) -> str | None:
    """StopFilter's test: None for a word it stops."""
    size = len(word)
    if size < stop.min or (stop.max is not None and size > stop.max) or word in stop.stops:
        return None
    return word


def _stem(word: str, stem: Callable[[str], str], ignore: frozenset[str]) -> str:
    return word if word in ignore else stem(word)


def build_schema() -> Schema:
    """Return the index schema (see the module docstring for the choices)."""
    keyword = {"commas": True, "scorable": True}
    return Schema(
        id=ID(unique=True, stored=True),
        url=ID(stored=True),
        title=FastText(analyzer=TEXT_ANALYZER, stored=True, field_boost=2.0),
        body=FastText(analyzer=TEXT_ANALYZER),
        lead=STORED(),  # description, else the text's start: snippets without the store
        # Display names, case kept: stored for hits, indexed for facets.
        authors=KEYWORD(stored=True, **keyword),
        agencies=KEYWORD(stored=True, **keyword),
        # Normalised keys for matching: lowercase, accents folded, plus last names.
        author=KEYWORD(**keyword),
        agency=KEYWORD(**keyword),
        source=KEYWORD(stored=True, lowercase=True, **keyword),
        tag=KEYWORD(**keyword),
        lang=KEYWORD(**keyword),
        section=KEYWORD(**keyword),
        published=NUMERIC(int, bits=32, signed=False, sortable=True, default=0),
        published_iso=STORED(),
        year=ID(),
        month=ID(),
        # Unstemmed words of titles and descriptions: the vocabulary of "did you mean".
        spell=FastText(analyzer=SPELL_ANALYZER, phrase=False),
        **{_VERSION_FIELD: STORED()},
    )


class ArchiveIndexError(RuntimeError):
    """Base class of the index's errors; the message is one line for the CLI."""


class IndexLockedError(ArchiveIndexError):
    """Another process holds the index's write lock."""


class IndexMissingError(ArchiveIndexError):
    """There is no index at the path yet."""


class IndexCorruptError(ArchiveIndexError):
    """The index cannot be opened (missing or damaged files, outdated schema): rebuild it."""


def normalize_key(value: str) -> str:
    """Return the matching form of a name or keyword: one-spaced, lowercase, no accents."""
    return " ".join(value.replace(",", " ").split()).translate(accent_map).lower()


def _keys(names: Iterable[str], *, last_names: bool = False) -> str:
    """Return comma-joined matching keys for names (plus each last name if asked)."""
    keys: list[str] = []
    for name in names:
        key = normalize_key(name)
        if not key:
            continue
        keys.append(key)
        if last_names and " " in key:
            keys.append(key.rsplit(" ", 1)[1])
    return ",".join(dict.fromkeys(keys))


def _display(names: Iterable[str]) -> str:
    """Return comma-joined display names (commas inside a name become spaces)."""
    return ",".join(" ".join(n.replace(",", " ").split()) for n in names if n.strip())


def lang_key(language: str | None) -> str:
    """Return the matching form of a language tag: its primary subtag (``en-GB`` -> ``en``)."""
    return normalize_key(re.split(r"[-_]", language or "", maxsplit=1)[0])


def date_key(iso: str | None) -> int:
    """Return ``yyyymmdd`` of an ISO 8601 date string, or 0 when absent or malformed."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not m:
        return 0
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return 0
    return year * 10_000 + month * 100 + day


def article_document(article: Article) -> dict[str, Any]:
    """Return the Whoosh document of an article."""
    published = date_key(article.published)
    doc: dict[str, Any] = {
        "id": article.id,
        "url": article.url,
        "title": article.title or "",
        "body": article.text or article.description or "",
        "lead": article.description or (article.text or "")[:LEAD_CHARS],
        "authors": _display(article.authors),
        "agencies": _display(article.agencies),
        "author": _keys(article.authors, last_names=True),
        "agency": _keys(article.agencies),
        "source": article.source or "",
        "tag": _keys(article.tags),
        "lang": lang_key(article.language),
        "section": _keys([article.section or ""]),
        "published": published,
        "published_iso": article.published,
        "spell": f"{article.title or ''}\n{article.description or ''}",
    }
    if published:
        doc["year"] = str(published // 10_000)
        doc["month"] = f"{published // 10_000:04d}-{published // 100 % 100:02d}"
    return {k: v for k, v in doc.items() if v not in ("", None)}


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Yield lists of at most ``size`` items."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class ArchiveIndex:
    """The Whoosh index in one directory: create, update, sync with a store, rebuild, open."""

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT):
        """Point at the index directory ``path`` (nothing is opened yet)."""
        self.path = Path(path)
        self.lock_timeout = lock_timeout

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

    def _locked(self) -> _WriteLock:
        return _WriteLock(self._storage(), self.lock_timeout)

    def add(self, articles: Iterable[Article]) -> int:
        """Add or replace articles (by id) in one commit; return the count.

        From :data:`PARALLEL_ADD` articles on (and with two CPUs), a forked helper
        process writes the second half into a segment of its own while this one writes
        the first half, and both segments are committed together: twice as fast, for
        one more segment."""
        latest = {article.id: article for article in articles}  # an id twice: keep the last
        ix = self.open()
        with self._locked():
            self._commit(ix, list(latest.values()), delete=latest)
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
        """Index everything pending in the store, batch by batch; return the count."""
        if not self.exists():
            self.create()
        total = 0
        while ids := archive.pending_ids(limit=batch_size):
            articles = archive.get_many(ids)
            self.add(articles)
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
        with self._locked():
            pending = archive.pending_ids()
            parallel = archive.count() >= PARALLEL_THRESHOLD
            fresh = self._fresh_dir()
            try:
                n = _fill(fresh, archive.iter_articles(), parallel=parallel)
                self._install(fresh)
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
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
        s
        for s in _size_classes(segments, MERGE_FACTOR, COMMIT_MERGE_DOCS)
        if s not in chosen
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


class _WriteLock:
    """The index's Whoosh write lock, held as a context manager."""

    def __init__(self, storage: FileStorage, timeout: float):
        self.lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")
        self.storage = storage
        self.timeout = timeout

    def __enter__(self) -> _WriteLock:
        if not try_for(self.lock.acquire, timeout=self.timeout, delay=0.1):
            raise _locked_error(Path(self.storage.folder), self.timeout)
        _clean_temp_files(Path(self.storage.folder))
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def _locked_error(path: Path, timeout: float) -> IndexLockedError:
    return IndexLockedError(
        f"index at {path} is being written by another process (waited {timeout:g}s)"
    )


class _GraceWriter(SegmentWriter):
    """A segment writer that leaves the old generation's files to :func:`_clean_old_files`.

    Whoosh deletes them at once, but with plain (non-compound) segment files a searcher
    opened just before the commit would then fail when it lazily opens one of them."""

    # Forked processes writing segments of their own, committed with this writer's (after
    # it has written its own: the two write at once).
    helpers: tuple[forked.Forked, ...] = ()

    def _commit_toc(self, segments: list[Any]) -> None:
        try:
            segments = [*segments, *(helper.result() for helper in self.helpers)]
        except forked.ForkedError as exc:
            raise ArchiveIndexError(f"indexing failed: {exc}") from None
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)


class _FastWriter(_GraceWriter):
    """A segment writer giving the same segment files as Whoosh's, about twice as fast.

    Whoosh queues every posting as a tuple in a sorting pool, sorts them all, then feeds
    them one at a time through its postings writer, with checks on each. Here postings
    go to a dictionary per field and term as documents are added, and each term's
    posting list is written in one go at the commit, with the same blocks (see
    :func:`_posting_blocks`). The pool is in memory, so use this writer only for what
    fits: new articles and merges of small segments (see :func:`merge_small`)."""

    def __init__(self, ix: Any, **kwargs: Any):
        super().__init__(ix, **kwargs)
        # Features this writer doesn't reproduce: then it is Whoosh's writer.
        self.plain = self.codec.length_stats or any(
            field.vector or field.separate_spelling() for _, field in self.schema.items()
        )
        if not self.plain:
            self.pool = _MemoryPool()

    def add_document(self, **fields: Any) -> None:
        """Add a document (Whoosh's ``add_document`` for this writer's pool)."""
        if self.plain:
            super().add_document(**fields)
            return
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool.fields
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                boost = self._field_boost(fields, fieldname, docboost)
                terms = pool.get(fieldname)
                if terms is None:
                    terms = pool[fieldname] = {}
                unboosted = boost == 1.0
                for tbytes, freq, weight, vbytes in field.index(value):
                    length += freq
                    if not unboosted or type(weight) is not float:
                        weight *= boost  # else the same float: often one shared object
                    if (found := terms.get(tbytes)) is None:
                        terms[tbytes] = [docnum, weight, vbytes]
                    else:
                        found += (docnum, weight, vbytes)
                if not field.scorable:
                    length = 0
            customval = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        """Write the pooled postings, field by field and term by term in order, to the
        postings file and the term table (Whoosh's ordered hash file) as Whoosh does."""
        if self.plain:
            super()._flush_segment()
            return
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
        blocklimit, compression = self.codec._blocklimit, self.codec._compression
        offset, tpos = postfile.tell(), tindex.dbfile.tell()
        positions, buckets, hashfn = tindex.index.append, tindex.buckets, tindex.hashfn
        for fieldname in sorted(self.pool.fields):
            field = self.schema[fieldname]
            fieldwriter.start_field(fieldname, field)
            prefix = pack_ushort(fieldwriter._fieldid)
            fixedsize = field.format.fixed_value_size()
            terms = self.pool.fields.pop(fieldname)
            posts: list[bytes] = []
            table: list[bytes] = []
            key = b""
            written = offset
            for tbytes in sorted(terms):
                # Each term's postings are let go once written: the pool shrinks as the
                # segment file grows, and the file is written a few MB at a time.
                data, terminfo = _posting_blocks(
                    terms.pop(tbytes), fixedsize, blocklimit, compression, offset
                )
                posts.append(data)
                offset += len(data)
                key = prefix + tbytes
                positions(tpos)
                table += (_LENGTHS.pack(len(key), len(terminfo)), key, terminfo)
                h = hashfn(key)
                buckets[h & 255].append((h, tpos))
                tpos += _LENGTHS.size + len(key) + len(terminfo)
                if offset - written > WRITE_CHUNK:
                    postfile.write(b"".join(posts))
                    tindex.dbfile.write(b"".join(table))
                    posts, table, written = [], [], offset
            postfile.write(b"".join(posts))
            tindex.dbfile.write(b"".join(table))
            tindex.lastkey = key
            fieldwriter.finish_field()
        fieldwriter.close()


class _MemoryPool:
    """Postings by field and term, each term's a flat list ``[docnum, weight, value,
    docnum, weight, value, ...]`` in document order (a third of the memory of a tuple per
    posting); ``add`` takes Whoosh's pool items (when merged segments are added)."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, list[Any]]] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        self.fields.setdefault(fieldname, {}).setdefault(tbytes, []).extend(
            (docnum, weight, vbytes)
        )

    def cleanup(self) -> None:
        self.fields = {}


def _posting_blocks(
    postings: list[Any],
    fixedsize: int | None,
    blocklimit: int,
    compression: int,
    offset: int,
) -> tuple[bytes, bytes]:
    """Return one term's posting list (flat, as :class:`_MemoryPool` keeps it), to be
    written at ``offset`` of the postings file, as :class:`_LeanPostingsWriter` writes
    it, byte for byte (blocks of ``blocklimit`` postings, small blocks uncompressed, no
    length statistics), and its term info."""
    n = len(postings) // 3
    if n == 1 and SMALL_BLOCK > 1:  # most terms of a new segment, made more directly
        docnum, weight, value = postings
        w32 = array("f", (weight,))[0]
        if fixedsize is None or fixedsize < 0:
            mini_value: Any = (value,)
        else:
            mini_value = None if fixedsize == 0 else value
        databytes = dumps(((docnum,), None if w32 == 1.0 else w32, mini_value), 2)
        infobytes = dumps((1, docnum, max(0, weight), 0, 0, 0), 2)
        length = len(infobytes) + len(databytes)
        data = b"".join((WHOOSH3_HEADER_MAGIC, pack_int(-length), infobytes, databytes))
        terminfo = _TERMINFO.pack(0, w32, 1, 0, 0, max(0, weight), docnum, docnum)
        return data, terminfo + pack_long(offset) + pack_int(len(data))
    out = [WHOOSH3_HEADER_MAGIC]
    total = 0.0
    maxweight: float = 0
    for first in range(0, n, blocklimit):
        block = postings[3 * first : 3 * (first + blocklimit)] if n > blocklimit else postings
        ids = block[0::3]
        raw = block[1::3]
        weights = array("f", raw)
        w0 = weights[0]
        mini_weights: Any
        if w0 == 1.0 and all(w == 1.0 for w in weights):
            mini_weights = None
        elif all(w == w0 for w in weights):
            mini_weights = w0
        else:
            mini_weights = tuple(weights)
        if fixedsize is None or fixedsize < 0:
            mini_values: Any = tuple(block[2::3])
        elif fixedsize == 0:
            mini_values = None
        else:
            mini_values = b"".join(block[2::3])
        deltas = (ids[0], *[b - a for a, b in pairwise(ids)])
        databytes = dumps((deltas, mini_weights, mini_values), 2)
        comp = compression if len(ids) >= SMALL_BLOCK else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        block_max = max(0, *raw)
        infobytes = dumps((len(ids), ids[-1], block_max, comp, 0, 0), 2)
        length = len(infobytes) + len(databytes)
        out += (pack_int(-length if first + blocklimit >= n else length), infobytes, databytes)
        total += sum(weights)
        if block_max > maxweight:
            maxweight = block_max
    data = b"".join(out)
    terminfo = _TERMINFO.pack(0, total, n, 0, 0, maxweight, postings[0], postings[-3])
    return data, terminfo + pack_long(offset) + pack_int(len(data))


def release_memory() -> None:
    """Hand the heap memory freed since the last call back to the system (glibc only).

    glibc keeps freed memory mapped for reuse: a process that indexed a batch would
    otherwise keep the batch's peak resident until it exits (the crawl's index writer
    between syncs). About 5 ms."""
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes

        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError, TypeError):  # not glibc
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None  # glibc's malloc_trim once looked up, False without it


def _clean_old_files(storage: FileStorage) -> None:
    """Delete TOCs and segment files of generations superseded over GRACE_SECONDS ago.

    Call only while holding the lock (no writer is then creating segment files)."""
    pattern, segment_pattern = TOC._pattern(INDEX_NAME), TOC._segment_pattern(INDEX_NAME)
    tocs = sorted((int(m.group(1)), name) for name in storage if (m := pattern.match(name)))
    now = time.time()
    keep: set[str] = set()
    for (gen, name), successor in zip(tocs, [*tocs[1:], None], strict=True):
        if successor is None or now - storage.file_modified(successor[1]) < GRACE_SECONDS:
            try:
                keep.update(s.segment_id() for s in TOC.read(storage, INDEX_NAME, gen).segments)
                continue
            except Exception:  # a damaged TOC: nothing can read it
                logger.warning("removing unreadable index file %s", name)
        storage.delete_file(name)
    for name in list(storage):
        m = segment_pattern.match(name)
        if m and m.group(1) not in keep:
            storage.delete_file(name)


def _clean_temp_files(path: Path) -> None:
    """Remove temporary files a killed writer left; call only while holding the lock."""
    for entry in path.iterdir():
        if entry.is_dir() and entry.name.endswith(".tmp"):
            shutil.rmtree(entry, ignore_errors=True)
            logger.info("removed leftover temporary files %s", entry)
        elif re.match(rf"_{INDEX_NAME}_\d+\.toc\.", entry.name):
            entry.unlink(missing_ok=True)
