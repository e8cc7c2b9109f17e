"""The version of the archive's schema this tool writes (SQLite's ``PRAGMA user_version``;
the migrations are :mod:`indexer.schema`'s), apart so that the ``search`` command's light
store reader (:class:`indexer.search.results.StoreTexts`) checks it without the store's
imports."""

from __future__ import annotations

from pathlib import Path

SCHEMA_VERSION = 8


class NewerArchiveError(Exception):
    """An archive written by a newer version of this tool: a one-line user error."""


def newer_archive(path: str | Path) -> str:
    """The message for an archive of a newer schema than :data:`SCHEMA_VERSION`."""
    return f"archive {path} was written by a newer version of this tool: update this one"
