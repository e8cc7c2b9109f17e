"""Article bodies packed in the store: ``text`` zlib'd, ``markdown`` and ``description``
zlib'd against it.

The store's ``articles.text``, ``articles.markdown`` and ``articles.description`` hold a
body compressed (a BLOB) when that is shorter, else as it is (TEXT). The Markdown is the
text's words again with marks, and a description mostly the text's words, so they are
compressed with the article's text as zlib's preset dictionary (:func:`pack_against_text`):
they then cost what is not in the text, not its words a second time. A stream made so
says it in its header (zlib's FDICT flag), so rows of every version read the same way:
plain text (before schema v6; descriptions before v7), a plain zlib stream (v6, text or
markdown) or a stream against the text (markdown from v6, description from v7). Only the
store packs: exports (:mod:`indexer.export`) write plain text. Readers of those columns
go through :func:`unpack`; this module imports nothing heavy, for the ``search`` command.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import suppress

PACKED_COLUMNS = ("text", "markdown", "description")
LEVEL = 6
# The dictionary is the text's first bytes up to this: zlib reaches 32 KiB back, and the
# Markdown's words lie the dictionary's length plus the marks before them behind.
DICTIONARY_BYTES = 30_000
_FDICT = 0x20  # zlib header, second byte: a preset dictionary was used
# The archive's shared dictionary (:func:`train_dictionary`): trained once the archive
# holds this many articles, from up to TRAINING_TEXTS texts, of at most SHARED_BYTES.
SHARED_MIN_ARTICLES = 1_000
TRAINING_TEXTS = 2_000
SHARED_BYTES = 32_000
_WORD = re.compile(r"\w+")


class PackedError(ValueError):
    """A stored body that does not unpack (damaged bytes): a one-line user error."""


def pack(text: str, shared: bytes = b"") -> str | bytes:
    """Return a body as the store keeps it: zlib'd (with the archive's ``shared``
    dictionary, if it has one) when that is shorter, else the text."""
    raw = text.encode("utf-8")
    packer = _primed(shared).copy() if shared else zlib.compressobj(LEVEL)
    packed = packer.compress(raw) + packer.flush()
    return packed if len(packed) < len(raw) else text


@functools.lru_cache(maxsize=4)
def _primed(shared: bytes) -> zlib._Compress:
    """A compressor that has read the dictionary, to copy: a third faster than reading it
    for each text."""
    return zlib.compressobj(LEVEL, zdict=shared)


def train_dictionary(texts: Iterable[str]) -> bytes:
    """Return a shared dictionary for an archive's texts: the words found more than once in
    these, joined by spaces, the commonest last (nearest to the text packed after it: the
    shortest references), up to :data:`SHARED_BYTES`. Each text then costs the words it
    does not share with the others, not the archive's common words once more."""
    counts = Counter(word for text in texts for word in _WORD.findall(text))
    words: list[bytes] = []
    size = 0
    for word, count in counts.most_common():
        encoded = word.encode("utf-8")
        if count < 2 or size + len(encoded) + 1 > SHARED_BYTES:
            break
        words.append(encoded)
        size += len(encoded) + 1
    return b" ".join(reversed(words))


def dictionary_id(shared: bytes) -> int:
    """The id zlib writes in the header of a stream packed with this dictionary."""
    return zlib.adler32(shared)


class SharedDictionaries(dict[int, bytes]):
    """The shared dictionaries of an archive file by :func:`dictionary_id`, read again
    when one is missing (another process may have trained it since)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """Read the dictionaries of the archive open on ``conn`` (none before schema v7)."""
        super().__init__()
        self._conn = conn
        self._read()

    def _read(self) -> None:
        with suppress(sqlite3.OperationalError):  # no such table: written before v7
            self.update(self._conn.execute("SELECT id, data FROM dictionaries"))

    def __missing__(self, key: int) -> bytes:
        self._read()
        if key not in self:
            raise KeyError(key)
        return dict.__getitem__(self, key)


def pack_against_text(value: str, text: str) -> str | bytes:
    """Return an article's Markdown or description as the store keeps it: zlib'd with the
    start of its ``text`` as preset dictionary when that is shorter, else as it is."""
    dictionary = _dictionary(text)
    if not dictionary:
        return pack(value)
    raw = value.encode("utf-8")
    packer = zlib.compressobj(LEVEL, zdict=dictionary)
    packed = packer.compress(raw) + packer.flush()
    return packed if len(packed) < len(raw) else value


def unpack(value: str | bytes | None, text: str = "",
           shared: Mapping[int, bytes] | None = None) -> str:
    """Return the body kept by :func:`pack` (``shared``: the archive's dictionaries, for a
    text packed with one) or :func:`pack_against_text` (``text``: the article's text), or
    written plain by an older version; raise :class:`PackedError` for damaged bytes."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        if _has_dictionary(value):
            unpacker = zlib.decompressobj(zdict=_dictionary(text) if text else _shared(
                value, shared or {}))
            raw = unpacker.decompress(value) + unpacker.flush()
            if not unpacker.eof:
                raise zlib.error("incomplete or truncated stream")
        else:
            raw = zlib.decompress(value)
        return raw.decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as exc:
        raise PackedError(f"a stored article body is damaged ({exc})") from None


def repack_against_text(value: str | bytes | None, text: str | bytes | None) -> str | bytes:
    """Return a stored Markdown or description (of any version) packed against its stored
    ``text``; damaged bytes are returned as they are (nothing is lost by trying)."""
    try:
        plain = unpack(text)
        return pack_against_text(unpack(value, plain), plain)
    except PackedError:
        return value or ""


def repack(value: str | bytes | None, shared: bytes, dictionaries: Mapping[int, bytes]
           ) -> str | bytes:
    """Return a stored text (of any version) packed with the archive's dictionary
    ``shared`` (of its ``dictionaries``); damaged bytes are returned as they are."""
    try:
        return pack(unpack(value, shared=dictionaries), shared)
    except PackedError:
        return value or ""


def stale_text(value: str | bytes | None, shared: bytes) -> bool:
    """Tell whether a stored text is not packed as :func:`pack` packs it now, with the
    archive's dictionary ``shared`` (b"": none yet): plain (before schema v6), or zlib'd
    without that dictionary."""
    if isinstance(value, bytes):
        return bool(shared) and not (_has_dictionary(value) and int.from_bytes(
            value[2:6], "big") == dictionary_id(shared))
    return bool(value)


def stale_against_text(value: str | bytes | None) -> bool:
    """Tell whether a stored Markdown or description is not in the current form: plain
    text (before schema v6; descriptions before v7) or zlib'd without the text (v6);
    :func:`repack_against_text` brings it there."""
    if isinstance(value, bytes):
        return not _has_dictionary(value)
    return bool(value)


def _shared(value: bytes, shared: Mapping[int, bytes]) -> bytes:
    key = int.from_bytes(value[2:6], "big")
    try:
        return shared[key]
    except KeyError:
        raise PackedError(f"a stored text needs dictionary {key}, which the archive does not"
                          " hold") from None


def _has_dictionary(value: bytes) -> bool:
    return len(value) > 1 and bool(value[1] & _FDICT)


def _dictionary(text: str) -> bytes:
    return text.encode("utf-8")[:DICTIONARY_BYTES]
