"""Text keys shared by the metadata rules: compare strings without case, spaces or punctuation."""

from __future__ import annotations

import re

NON_WORD_RE = re.compile(r"[\W_]+")


def squash(text: str) -> str:
    """Return ``text`` casefolded with every non-word character removed ("Le Monde" → "lemonde")."""
    return NON_WORD_RE.sub("", text.casefold())
