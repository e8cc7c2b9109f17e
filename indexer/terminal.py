"""Safe terminal output of web-originated text: no escape sequences get through.

Titles, names and snippets come from crawled pages; printed raw, an ``ESC [ ... m`` or an
OSC sequence in them could recolour, retitle or rewrite the user's terminal. Everything
the CLI prints from the archive goes through :func:`clean_for_terminal`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

logger = logging.getLogger(__name__)

Span = tuple[str, bool]  # (text, is_match)

_ESCAPES = re.compile(
    r"""
      \x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?        # CSI (colours, cursor moves)
    | \x9b[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?          # 8-bit CSI
    | \x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)             # OSC, DCS, SOS, PM, APC strings
    | [\x9d\x90\x98\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)   # their 8-bit forms
    | \x1b[\x20-\x2f]*[\x30-\x7e]?                      # other escapes, or a lone ESC
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 and C1 controls, DEL, and the bidirectional overrides that can disguise text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MATCH_START = "\x1b[1;33m"  # bold yellow
MATCH_END = "\x1b[0m"


def clean_for_terminal(text: str, *, newlines: bool = False) -> str:
    """Return text without escape sequences or control characters (tabs become spaces;
    newlines are kept only if ``newlines``)."""
    text = _ESCAPES.sub("", text).replace("\t", " ")
    text = text.replace("\r\n", "\n")
    if not newlines:
        text = text.replace("\n", " ")
    return _CONTROLS.sub("", text)


def render_snippet(spans: Iterable[Span], color: bool) -> str:
    """Return a snippet as one line: matches in bold colour if ``color``, else plain."""
    parts = []
    for text, is_match in spans:
        clean = clean_for_terminal(text)
        parts.append(f"{MATCH_START}{clean}{MATCH_END}" if color and is_match else clean)
    return "".join(parts)
