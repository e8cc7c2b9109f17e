"""Article bodies packed in the store: ``text`` and ``markdown`` kept zlib'd.

The store's ``articles.text`` and ``articles.markdown`` hold a body compressed (a BLOB)
when that is shorter, else as it is (TEXT): about half the bytes of a news text. Rows
written before schema v6 hold plain text, read the same way. Only the store packs:
exports (:mod:`indexer.export`) write plain text. Readers of those columns go through
:func:`unpack`; this module imports nothing heavy, for the ``search`` command.
"""

from __future__ import annotations

import zlib

PACKED_COLUMNS = ("text", "markdown")
LEVEL = 6


def pack(text: str) -> str | bytes:
    """Return a body as the store keeps it: zlib'd when that is shorter, else the text."""
    raw = text.encode("utf-8")
    packed = zlib.compress(raw, LEVEL)
    return packed if len(packed) < len(raw) else text


def unpack(value: str | bytes | None) -> str:
    """Return the body kept by :func:`pack` (or written plain by an older version)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return zlib.decompress(value).decode("utf-8")
    return value
