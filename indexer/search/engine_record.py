"""Which full-text engine an archive uses, recorded in its index folder (see
:mod:`indexer.search.engines`); this module imports no engine."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from indexer.search.errors import EngineRecordError

ENGINES = ("whoosh", "tantivy")
DEFAULT_ENGINE = "whoosh"
RECORD = "ENGINE"
TANTIVY_DIR = "tantivy"
# Whoosh's files of its index "MAIN": TOCs and segment files (not its lock file).
_WHOOSH_FILE = re.compile(r"_MAIN_\d+\.toc|MAIN_\w+\.\w+")


def check_engine(name: str) -> str:
    """Return ``name`` if it is an engine, else raise ValueError (a one-line message)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")
    return name


def engine_of(index_path: str | os.PathLike[str]) -> str:
    """Return the engine recorded in the index folder (Whoosh without a record); raise
    EngineRecordError for a record that names no engine or can't be read."""
    record = Path(index_path) / RECORD
    try:
        name = record.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return DEFAULT_ENGINE
    except (OSError, UnicodeDecodeError) as exc:
        raise EngineRecordError(f"cannot read the engine record {record}: {exc}") from None
    if name not in ENGINES:
        raise EngineRecordError(
            f"the engine record {record} names no known engine ({name[:40]!r}): rebuild "
            f"the index with 'index --rebuild --engine {'|'.join(ENGINES)}'"
        )
    return name


def claim(index_path: str | os.PathLike[str], name: str) -> None:
    """Record ``name`` as the folder's engine and remove the other engine's files; call
    holding the write lock, once the engine's fresh index is complete."""
    folder = Path(index_path)
    check_engine(name)
    tmp = folder / f".{RECORD}.tmp"
    tmp.write_text(f"{name}\n", encoding="utf-8")
    os.replace(tmp, folder / RECORD)
    if name != "tantivy":  # the link TANTIVY_DIR and the index folders it points to
        if (folder / TANTIVY_DIR).is_symlink():
            (folder / TANTIVY_DIR).unlink()
        for entry in (folder / TANTIVY_DIR, *folder.glob(f"{TANTIVY_DIR}.*")):
            shutil.rmtree(entry, ignore_errors=True)
    if name != "whoosh":
        for entry in folder.iterdir():
            if entry.is_file() and _WHOOSH_FILE.fullmatch(entry.name):
                entry.unlink(missing_ok=True)
