"""Writing segments: a lean codec and a fast in-memory segment writer (the same segment
files as Whoosh's), commits that leave a superseded generation's files for a grace period.
"""

from __future__ import annotations

import logging
import time
import zlib
from array import array
from itertools import pairwise
from pickle import dumps
from typing import Any

from indexer.search.whoosh import forked
from indexer.search.whoosh.errors import ArchiveIndexError
from indexer.search.whoosh.schema import INDEX_NAME, quiet_whoosh_import

with quiet_whoosh_import():
    from whoosh.codec.whoosh3 import (
        WHOOSH3_HEADER_MAGIC,
        W3Codec,
        W3PostingsWriter,
        W3TermInfo,
    )
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import _lengths as _LENGTHS
    from whoosh.index import TOC
    from whoosh.system import pack_int, pack_long, pack_ushort
    from whoosh.writing import SegmentWriter

logger = logging.getLogger(__name__)

SMALL_BLOCK = 8  # posting blocks with fewer postings are not compressed
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

    _compression: int  # (Whoosh's attribute)

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
