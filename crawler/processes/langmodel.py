"""The language model mapped from a file, for the extraction workers' fork server.

py3langid's model is about 70 MB once unpacked: a DFA table walked byte by byte and a
table of per-feature class weights. Loaded into the fork server's heap, it was in the
resident memory of the server, which never detects a language, and of each worker (fork
copies page tables, so a child starts with its parent's resident pages). Written once to
an unlinked temporary file and mapped read-only, it is shared through the page cache: a
process holds only the pages it has read, and the server reads none. The tables keep
their stored types and the identifier gives the same results (same arrays, other storage).
"""

from __future__ import annotations

import mmap
import tempfile
from array import array
from pathlib import Path

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model as load_model_file

PAGE = mmap.PAGESIZE


def mapped_identifier(model: Path = MODEL_DIR / MODEL_FILE) -> LanguageIdentifier:
    """py3langid's identifier of ``model`` (normalised probabilities, as
    :mod:`crawler.extraction.language` uses it), its big tables mapped from a file."""
    ptc, pc, classes, nextmove, row, output = load_model_file(model)
    tables: list[np.ndarray | array] = [ptc, nextmove, row, np.asarray(output, dtype=np.int32)]
    spans = []
    with tempfile.TemporaryFile(prefix="news-langid-") as file:
        for table in tables:
            start = file.tell()
            table.tofile(file)
            spans.append((start, file.tell()))
            file.write(bytes(-file.tell() % PAGE))  # each table starts on a page
        file.flush()
        mapped = mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ)  # holds the file open
    ptc_view, next_view, row_view, out_view = (memoryview(mapped)[a:b] for a, b in spans)
    return LanguageIdentifier(
        np.frombuffer(ptc_view, dtype=ptc.dtype).reshape(ptc.shape),
        np.asarray(pc),
        classes,
        next_view.cast(nextmove.typecode),
        out_view.cast("i"),
        norm_probs=True,
        tk_row=row_view.cast(row.typecode),
    )
