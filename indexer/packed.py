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

import zlib

PACKED_COLUMNS = ("text", "markdown", "description")
LEVEL = 6
# The dictionary is the text's first bytes up to this: zlib reaches 32 KiB back, and the
# Markdown's words lie the dictionary's length plus the marks before them behind.
DICTIONARY_BYTES = 30_000
_FDICT = 0x20  # zlib header, second byte: a preset dictionary was used


class PackedError(ValueError):
    """A stored body that does not unpack (damaged bytes): a one-line user error."""


def pack(text: str) -> str | bytes:
    """Return a body as the store keeps it: zlib'd when that is shorter, else the text."""
    raw = text.encode("utf-8")
    packed = zlib.compress(raw, LEVEL)
    return packed if len(packed) < len(raw) else text


def pack_against_text(value: str | None, text: str) -> str | bytes | None:
    """Return an article's Markdown or description as the store keeps it: zlib'd with the
    start of its ``text`` as preset dictionary when that is shorter, else as it is
    (None and "" as they are)."""
    if not value:
        return value
    dictionary = _dictionary(text)
    if not dictionary:
        return pack(value)
    raw = value.encode("utf-8")
    packer = zlib.compressobj(LEVEL, zdict=dictionary)
    packed = packer.compress(raw) + packer.flush()
    return packed if len(packed) < len(raw) else value


def unpack(value: str | bytes | None, text: str = "") -> str:
    """Return the body kept by :func:`pack` or :func:`pack_against_text` (``text``: the
    article's text, for the latter), or written plain by an older version; raise
    :class:`PackedError` for damaged bytes."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        if _against_text(value):
            unpacker = zlib.decompressobj(zdict=_dictionary(text))
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
        return pack_against_text(unpack(value, plain), plain) or ""
    except PackedError:
        return value or ""


def stale_against_text(value: str | bytes | None) -> bool:
    """Tell whether a stored Markdown or description is not in the current form: plain
    text (before schema v6; descriptions before v7) or zlib'd without the text (v6);
    :func:`repack_against_text` brings it there."""
    if isinstance(value, bytes):
        return not _against_text(value)
    return bool(value)


def _against_text(value: bytes) -> bool:
    return len(value) > 1 and bool(value[1] & _FDICT)


def _dictionary(text: str) -> bytes:
    return text.encode("utf-8")[:DICTIONARY_BYTES]
