"""Where things live inside an archive folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "NEWS_ARCHIVE_DATA"
DEFAULT_DATA = "data"


@dataclass(frozen=True)
class DataDir:
    """An archive folder: the SQLite store and the Whoosh index beside it."""

    root: Path

    @classmethod
    def resolve(cls, value: str | os.PathLike[str] | None = None) -> DataDir:
        """The folder given, else ``$NEWS_ARCHIVE_DATA``, else ``data``."""
        return cls(Path(value or os.environ.get(DATA_ENV) or DEFAULT_DATA))

    @property
    def archive(self) -> Path:
        """The SQLite store, the record of truth."""
        return self.root / "archive.db"

    @property
    def index(self) -> Path:
        """The Whoosh index, derived from the store."""
        return self.root / "index"
