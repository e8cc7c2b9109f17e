"""Article headline: declared candidates, without the site name the page glues onto it."""

from __future__ import annotations

import re
from collections.abc import Iterable

SEPARATORS = r"\s+[-|–—:·•»«/~]+\s+|\s*[|•»«]\s*"
MIN_TITLE_CHARS = 3


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def strip_site_name(title: str, site_names: Iterable[str]) -> str:
    """Remove a leading or trailing site name (" - The Moscow Times", "Reuters | ") from a title."""
    title = " ".join(title.split())
    names = {_norm(name) for name in site_names if name and _norm(name)}
    if not names:
        return title
    parts = re.split(f"({SEPARATORS})", title)
    # parts alternates text, separator, text...; drop site-name segments at either end
    while len(parts) >= 3 and _is_site(parts[-1], names):
        parts = parts[:-2]
    while len(parts) >= 3 and _is_site(parts[0], names):
        parts = parts[2:]
    cleaned = "".join(parts).strip()
    return cleaned if len(cleaned) >= MIN_TITLE_CHARS else title


def _is_site(segment: str, names: set[str]) -> bool:
    key = _norm(segment)
    return bool(key) and any(
        key == name
        or (
            len(name) > 3
            and (key.startswith(name) or name.startswith(key))
            and abs(len(key) - len(name)) <= 4
        )
        for name in names
    )


def pick_title(candidates: Iterable[str | None], site_names: Iterable[str]) -> str:
    """Return the first non-empty candidate headline with the site name stripped."""
    names = list(site_names)
    for candidate in candidates:
        if candidate and candidate.strip():
            return strip_site_name(candidate, names)
    return ""
