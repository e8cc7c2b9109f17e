"""Author names: from structured data, meta tags and bylines, cleaned into a list of people."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from crawler.agencies import agency_name
from crawler.meta_xpaths import AUTHOR_META_KEYS, BYLINE_XPATH
from crawler.page_meta import PageMeta, ld_text, ld_types

logger = logging.getLogger(__name__)

BYLINE_PREFIX_RE = re.compile(
    r"^\s*(?:(?:written|posted|published|reported|text|story|words|photos?)\s+)?"
    r"(?:by|von|par|por|di|door|av|af|de|from)\s*:?\s+"
    r"|^\s*(?:author|autor|autorin|auteur|text|texte|verfasser|verfasst von|redakteur)\s*:\s*",
    re.I,
)
ROLE_RE = re.compile(
    r"\b(?:staff|senior|chief|contributing|special|guest|deputy|managing|executive|foreign|political"
    r"|editor|editors|editorial|correspondent|reporter|writer|columnist|journalist|contributor"
    r"|redakteur|redakteurin|redaktion|korrespondent|korrespondentin|autor|autorin|chefredakteur"
    r"|rédaction|rédacteur|journaliste|redacción|redactor|corresponsal|press office|newsroom"
    r"|team|desk|staff writer|bureau)\b.*$",
    re.I,
)
NAME_SPLIT_RE = re.compile(
    r"\s*(?:[;,|/&]|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bwith\b|\bmit\b)\s*", re.I
)
EMAIL_RE = re.compile(r"\S+@\S+\.\w+")
DROP_AFTER_RE = re.compile(
    r"\s+(?:says|said|sagt|meint|schreibt|writes|wrote|reports|am|on|updated|published|veröffentlicht"
    r"|aktualisiert|\d{1,2}[./]|\d{4}|[-–—|•·]).*$",
    re.I,
)
NAME_WORD_RE = re.compile(
    r"^(?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.\-]*|[A-Z]\.|(?:von|van|der|den|de|del|della|da|di|du|le|la|bin|al|el|ten|ter|zu|dos|das|y)\.?)$"
)
MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 60


@dataclass(frozen=True)
class Byline:
    """People credited as authors, and agencies found where authors are named."""

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)


def looks_like_name(text: str) -> bool:
    """Tell whether ``text`` is plausibly a person's name: 1-5 capitalised words, no digits."""
    words = text.split()
    if not words or len(words) > MAX_NAME_WORDS or len(text) > MAX_NAME_CHARS:
        return False
    if any(ch.isdigit() for ch in text) or "http" in text or "www." in text:
        return False
    return all(NAME_WORD_RE.match(word) for word in words) and words[0][0].isupper()


def split_byline(raw: str, exclude: Iterable[str] = ()) -> Byline:
    """Clean a byline string ("By A, B and C, Staff Writers") into names and agencies."""
    excluded = {name.casefold() for name in exclude if name}
    text = EMAIL_RE.sub(" ", " ".join(raw.split()))
    text = BYLINE_PREFIX_RE.sub("", text)
    authors: list[str] = []
    agencies: list[str] = []
    for part in NAME_SPLIT_RE.split(text):
        part = BYLINE_PREFIX_RE.sub("", part).strip(" .:-–—()[]\"'“”")
        agency = agency_name(part)
        if agency:
            agencies.append(agency)
            continue
        part = DROP_AFTER_RE.sub("", ROLE_RE.sub("", part)).strip(" .:-–—()")
        if part and part.casefold() not in excluded and looks_like_name(part):
            authors.append(part)
    return Byline(list(dict.fromkeys(authors)), list(dict.fromkeys(agencies)))


def _ld_authors(page: PageMeta) -> list[Any]:
    for article in page.articles():
        value = article.get("author") or article.get("creator")
        if value:
            return value if isinstance(value, list) else [value]
    return []


def _from_jsonld(page: PageMeta, exclude: Iterable[str]) -> Byline:
    authors: list[str] = []
    agencies: list[str] = []
    for item in _ld_authors(page):
        name = ld_text(item)
        if not name:
            continue
        is_org = (
            isinstance(item, dict) and not ({"Person"} & ld_types(item)) and bool(ld_types(item))
        )
        if is_org:
            agency = agency_name(name)
            if agency:
                agencies.append(agency)
            continue
        found = split_byline(name, exclude)
        authors.extend(found.authors)
        agencies.extend(found.agencies)
    return Byline(list(dict.fromkeys(authors)), list(dict.fromkeys(agencies)))


def find_byline(
    page: PageMeta, tree: HtmlElement, fallback: str | None, exclude: Iterable[str]
) -> Byline:
    """Find the authors: JSON-LD first, then meta tags, byline elements, then ``fallback``."""
    exclude = list(exclude)
    candidates: list[Byline] = [_from_jsonld(page, exclude)]
    candidates.extend(
        split_byline(value, exclude)
        for value in page.all(*AUTHOR_META_KEYS)
        if not value.startswith("http")
    )
    candidates.extend(
        split_byline(" ".join(el.text_content().split()), exclude) for el in BYLINE_XPATH(tree)
    )
    if fallback:
        candidates.append(split_byline(fallback.replace(";", ","), exclude))
    agencies = list(dict.fromkeys(a for c in candidates for a in c.agencies))
    for candidate in candidates:
        if candidate.authors:
            return Byline(candidate.authors, agencies)
    return Byline([], agencies)
