"""Article headline: the visible heading when the declared title confirms it, site name stripped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from lxml.html import HtmlElement

from crawler.meta_xpaths import HEADING_XPATH

SEPARATORS = r"\s+[-|–—:·•»«/~]+\s+|\s*[|•»«]\s*"
WORD_RE = re.compile(r"\w+")
MIN_TITLE_CHARS = 3
MAX_HEADING_CHARS = 300


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _words(text: str) -> set[str]:
    return set(WORD_RE.findall(text.casefold()))


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


def _site_keys(site_names: Iterable[str]) -> set[str]:
    return {_norm(name) for name in site_names if name and _norm(name)}


def strip_site_name(title: str, site_names: Iterable[str]) -> str:
    """Remove a leading or trailing site name (" - The Moscow Times", "Reuters | ") from a title."""
    title = " ".join(title.split())
    names = _site_keys(site_names)
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


def confirmed_heading(
    headings: Iterable[str], declared: Sequence[str], site_names: Iterable[str]
) -> str | None:
    """Return the first heading whose words all occur in a declared title, if any."""
    names = _site_keys(site_names)
    declared_words = [_words(title) for title in declared]
    for heading in headings:
        heading = " ".join(heading.split())
        words = _words(heading)
        if not words or len(heading) > MAX_HEADING_CHARS or _is_site(heading, names):
            continue
        if any(words <= title_words for title_words in declared_words):
            return heading
    return None


def _text(element: HtmlElement) -> str:
    return " ".join(" ".join(element.itertext()).split())


def visible_headings(tree: HtmlElement) -> list[str]:
    """Return headline candidates: each h1 (or itemprop=headline) text, then its parts.

    A heading often packs a kicker and the headline in separate children
    ("<h1><span>Tunesien</span><span>Große Aufgaben</span></h1>"): each part is a candidate too.
    """
    candidates: list[str] = []
    for heading in HEADING_XPATH(tree):
        candidates.append(_text(heading))
        parts = [_text(child) for child in heading if isinstance(child.tag, str)]
        if len([p for p in parts if p]) > 1:
            candidates.extend(p for p in parts if p)
    return candidates


def pick_title(
    declared: Iterable[str | None], headings: Iterable[str], site_names: Iterable[str]
) -> str:
    """Pick a visible heading confirmed by the declared titles, else the first declared title."""
    names = list(site_names)
    titles = [strip_site_name(t, names) for t in declared if t and t.strip()]
    heading = confirmed_heading(headings, titles, names)
    if heading:
        return heading
    return titles[0] if titles else ""
