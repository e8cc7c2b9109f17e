"""Author names: from structured data, meta tags and bylines, cleaned into a list of people."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from crawler.agencies import agency_name
from crawler.meta_xpaths import AUTHOR_LINK_XPATHS, AUTHOR_META_KEYS
from crawler.page_meta import PageMeta, ld_text, ld_types

logger = logging.getLogger(__name__)

BYLINE_PREFIX_RE = re.compile(
    r"^[\s\-–—|•·:]*(?:(?:written|posted|published|reported|story|words|text|interview|photos?"
    r"|fotos?|bilder?)(?:\s+(?:und|and|&)\s+\w+)?\s*[:]?\s+)?"
    r"(?:(?:alles|artikel|beitrag|beiträge|mehr|all|more|articles?|posts?)\s+)?"
    r"(?:by|von|par|por|di|door|av|af|from|with|autor(?:in)?|author|auteur)\b\s*:?\s*"
    r"|^[\s\-–—|•·]*(?:text|texte|interview|verfasser|redakteur|fotos?|photos?|bilder?)"
    r"(?:\s+(?:und|and|&)\s+\w+)?\s*:\s*",
    re.I,
)
ROLE_RE = re.compile(
    r"\b(?:staff|senior|chief|contributing|special|guest|deputy|managing|executive|foreign"
    r"|political|editor|editors|editorial|correspondent|reporter|writer|columnist|journalist"
    r"|contributor|redakteur|redakteurin|korrespondent|korrespondentin|chefredakteur"
    r"|rédaction|rédacteur|journaliste|redacción|redactor|corresponsal|press office|newsroom"
    r"|desk|bureau|pressesprecher|pressesprecherin|phd|ph\.d|m\.d|dr\. med)\b.*$",
    re.I,
)
NAME_SPLIT_RE = re.compile(r"\s*[;,|/&·•]\s*|\s+(?:and|und|et|y|e|with|mit)\s+", re.I)
# organisations and page furniture that bylines name instead of people
ORG_RE = re.compile(
    r"(?i:\b(?:verband|verbandes|stiftung|verlag|zeitung|magazin|magazine|news|online|media"
    r"|redaktion|team|group|gruppe|inhalte|partei|union|institut|university|universität|blog"
    r"|press|presse|agentur|agency|editorial)\b|^(?:die|der|das|the|les)\s)"
    r"|\b(?:e\.\s?V|GmbH|AG|SE|Inc|Ltd|LLC|Corp)\b"
)
ACRONYM_RE = re.compile(r"^[A-Z]{2,6}$")
# a user name as blogs show it ("tlow", "freeman1984"), trusted only from author links
HANDLE_RE = re.compile(r"^(?=.*[^\W\d_])(?!.*\.[a-z]{2,4}$)[\w.\-]{2,30}$")
EMAIL_RE = re.compile(r"\S+@\S+\.\w+")
# a comment author ("X says:") is never the article's author
SAYS_RE = re.compile(r"\b(?:says|said|sagt|schreibt|writes|wrote|meint)\b", re.I)
DROP_AFTER_RE = re.compile(
    r"\s+(?:(?:am|on|updated|published|veröffentlicht|aktualisiert|le|el|il|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag"
    r"|samstag|sonntag)\b"
    r"|\d{1,2}[./]|\d{4}|[-–—|•·(]).*$",
    re.I,
)
NAME_PARTICLES = (
    "von|van|der|den|de|del|della|da|di|du|le|la|bin|ibn|al|el|ten|ter|zu|dos|das|y|e|do|af|av"
)
NAME_WORD_RE = re.compile(rf"^(?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.\-]*|(?:{NAME_PARTICLES}))$")
INITIAL_END_RE = re.compile(r"(?:^|\s)\w\.$")
# placeholders and page furniture that sit where a name should be
GENERIC_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "name",
        "author",
        "autor",
        "autorin",
        "redaktion",
        "editor",
        "editors",
        "staff",
        "no author",
        "anonymous",
        "anonym",
        "gast",
        "guest",
        "user",
        "webmaster",
        "text",
        "datum",
        "date",
        "human",
        "team",
        "unknown",
        "wordpressadmin",
        "agencies",
        "agency",
        "agenturen",
        "newsroom",
        "interview",
        "foto",
        "photo",
        "home",
    }
)
# class/id/data-testid of an element holding a byline
BYLINE_ATTR_RE = re.compile(
    r"(?:^|[ _-])(?:byline|author|authors|auteurs?|autor|autoren|writer|verfasser)(?:$|[ _-])"
    r"|author-?name|byline",
    re.I,
)
# a text that opens like a byline ("By", "von", "Par:"), and a whole short block that is one
BYLINE_OPENING_RE = re.compile(
    r"^[-–—|:\s]*(?:[Bb]y|BY|[Vv]on|VON|[Pp]ar|[Pp]or|[Dd]oor)(?::|\s|$)"
)
BYLINE_LINE_RE = re.compile(r"^[-–—|: ]*(?:[Bb]y|BY|[Vv]on|VON|[Pp]ar|[Pp]or|[Dd]oor):? +[A-ZÀ-Ü]")
BYLINE_BLOCK_TAGS = frozenset(
    {"p", "span", "div", "em", "strong", "b", "i", "small", "address", "h4", "h5", "h6"}
)
OUTSIDE_ARTICLE_TAGS = frozenset({"footer", "nav"})
MAX_BYLINE_ELEMENTS = 5
MAX_BYLINE_ELEMENT_CHARS = 120
MAX_BYLINE_LINE_CHARS = 80
MIN_NAME_CHARS = 2
MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 60
MAX_BYLINE_CHARS = 200


@dataclass(frozen=True)
class Byline:
    """People credited as authors, and agencies found where authors are named."""

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def looks_like_name(text: str, min_words: int = 1, declared: bool = False) -> bool:
    """Tell whether ``text`` is plausibly a person's name.

    A ``declared`` author (JSON-LD, meta tag, author link) may also be a user name ("tlow") or
    have lower-case words; a name found in free text must be capitalised words.
    """
    words = text.split()
    if (
        len(text) < MIN_NAME_CHARS
        or text.casefold() in GENERIC_NAMES
        or ORG_RE.search(text)
        or ACRONYM_RE.match(text)
    ):
        return False
    if declared and len(words) == 1 and HANDLE_RE.match(text):
        return True
    if not min_words <= len(words) <= MAX_NAME_WORDS or len(text) > MAX_NAME_CHARS:
        return False
    if any(ch.isdigit() for ch in text) or "http" in text or "www." in text or "@" in text:
        return False
    if not words[0][0].isupper():
        return False
    return declared or all(NAME_WORD_RE.match(word) for word in words)


def _clean_part(part: str, excluded: set[str]) -> str:
    part = BYLINE_PREFIX_RE.sub("", part).strip(" :-–—()[]\"'“”")
    without_role = ROLE_RE.sub("", part)
    if without_role != part and len(without_role.split()) < 2:
        return ""  # "Casa Editorial El Tiempo", "Staff": a role or an organisation, not a person
    part = DROP_AFTER_RE.sub("", without_role).strip(" ,:-–—()")
    if part.endswith(".") and not INITIAL_END_RE.search(part):
        part = part.rstrip(".")
    words = part.split()
    # a site name glued after the name ("Adam Aaronson PhillyVoice")
    while len(words) > 2 and _key(words[-1]) in excluded:
        words.pop()
    return " ".join(words)


def split_byline(
    raw: str, exclude: Iterable[str] = (), min_words: int = 1, declared: bool = False
) -> Byline:
    """Clean a byline string ("By A, B and C, Staff Writers") into names and agencies."""
    excluded = {_key(name) for name in exclude if name and _key(name)}
    text = " ".join(EMAIL_RE.sub(" ", raw).split())
    if not text or len(text) > MAX_BYLINE_CHARS or SAYS_RE.search(text):
        return Byline()
    authors: list[str] = []
    agencies: list[str] = []
    for part in NAME_SPLIT_RE.split(BYLINE_PREFIX_RE.sub("", text)):
        agency = agency_name(BYLINE_PREFIX_RE.sub("", part))
        if agency:
            agencies.append(agency)
            continue
        name = _clean_part(part, excluded)
        if name and _key(name) not in excluded and looks_like_name(name, min_words, declared):
            authors.append(name)
    return Byline(list(dict.fromkeys(authors)), list(dict.fromkeys(agencies)))


def _from_jsonld(page: PageMeta, exclude: list[str]) -> Byline:
    authors: list[str] = []
    agencies: list[str] = []
    for article in page.articles():
        value = page.resolve(article.get("author") or article.get("creator"))
        for item in value if isinstance(value, list) else [value] if value else []:
            name = _ld_name(item)
            if not name:
                continue
            types = ld_types(item) if isinstance(item, dict) else set()
            if types and "Person" not in types:
                agency = agency_name(name)
                agencies.extend([agency] if agency else [])
                continue
            found = split_byline(name, exclude, declared=True)
            authors.extend(found.authors)
            agencies.extend(found.agencies)
        if authors or agencies:
            break
    return Byline(list(dict.fromkeys(authors)), list(dict.fromkeys(agencies)))


def _ld_name(item: Any) -> str | None:
    name = ld_text(item)
    return None if not name or name.startswith(("http", "#", "/")) else name


def _text(element: HtmlElement) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _outside_comments(element: HtmlElement) -> bool:
    for node in (element, *element.iterancestors()):
        marks = f"{node.get('class', '')} {node.get('id', '')}".casefold()
        if node.tag in OUTSIDE_ARTICLE_TAGS or "comment" in marks:
            return False
    return True


def byline_elements(tree: HtmlElement) -> tuple[list[HtmlElement], list[HtmlElement]]:
    """Return (elements classed as bylines, short blocks reading "By X"), outside comments."""
    classed: list[HtmlElement] = []
    lines: list[HtmlElement] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        marks = " ".join(filter(None, (element.get(a) for a in ("class", "id", "data-testid"))))
        if (
            marks
            and len(classed) < MAX_BYLINE_ELEMENTS
            and BYLINE_ATTR_RE.search(marks)
            and len(_text(element)) < MAX_BYLINE_ELEMENT_CHARS
            and _outside_comments(element)
        ):
            classed.append(element)
        if element.text and BYLINE_OPENING_RE.match(element.text):
            block = next(
                (e for e in (element, *element.iterancestors()) if e.tag in BYLINE_BLOCK_TAGS), None
            )
            text = _text(block) if block is not None else ""
            if len(text) < MAX_BYLINE_LINE_CHARS and BYLINE_LINE_RE.match(text):
                lines.append(block)
    return classed, [line for line in lines if _outside_comments(line)][:MAX_BYLINE_ELEMENTS]


def _candidates(
    page: PageMeta, tree: HtmlElement, fallback: str | None, exclude: list[str]
) -> Iterator[Byline]:
    yield _from_jsonld(page, exclude)
    for value in page.all(*AUTHOR_META_KEYS):
        if not value.startswith("http"):
            yield split_byline(value, exclude, declared=True)
    for xpath in AUTHOR_LINK_XPATHS:
        for element in xpath(tree):
            yield split_byline(_text(element), exclude, declared=True)
    classed, lines = byline_elements(tree)
    for element in [*classed, *lines]:
        yield split_byline(_text(element), exclude, min_words=2)
    if fallback:
        yield split_byline(fallback.replace(";", ","), exclude)


def find_byline(
    page: PageMeta, tree: HtmlElement, fallback: str | None, exclude: Iterable[str]
) -> Byline:
    """Find the authors: JSON-LD, meta tags, byline elements, "By X" lines, then ``fallback``."""
    agencies: list[str] = []
    for candidate in _candidates(page, tree, fallback, list(exclude)):
        agencies.extend(candidate.agencies)
        if candidate.authors:
            return Byline(candidate.authors, list(dict.fromkeys(agencies)))
    return Byline([], list(dict.fromkeys(agencies)))
