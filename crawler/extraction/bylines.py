"""Author names: from structured data, meta tags and bylines, cleaned into a list of people."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.entities import name2codepoint
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.extraction.agencies import agency_name, is_photo_credit
from crawler.extraction.flow import NEXT_TEXT_XPATH, element_text, in_flow, text_lines
from crawler.extraction.hosts import domain_keys, names_host, spells_site
from crawler.extraction.meta_xpaths import AUTHOR_LINK_XPATHS, AUTHOR_META_KEYS, SIGNATURE_XPATH
from crawler.extraction.page_meta import PageMeta, ld_text, ld_types
from crawler.extraction.signatures import contact_names, copyright_names, signed_names
from crawler.extraction.textnorm import squash

logger = logging.getLogger(__name__)

# author labels of many languages, before a colon ("Автор:", "Autore:", "作者：", "بقلم:")
LOCAL_LABELS = (
    r"(?:автор|авторы|автори|текст|autore|autori|testo|auteur|auteurs|autor|autores|autora"
    r"|texto|yazar|muhabir|autorzy|tekst|författare|forfatter|skribent|kirjoittaja|szerző"
    r"|συντάκτης|作者|记者|記者|撰文|기자|الكاتب|بقلم|كتب|نویسنده|लेखक|रिपोर्टर|reporter)"
)
BYLINE_PREFIX_RE = re.compile(
    r"^[\s\-–—|•·:]*(?:(?:originally\s+)?(?:written|posted|published|reported|story|words|text"
    r"|interview|photos?|fotos?|bilder?|eingestellt|erstellt|verfasst|geschrieben|gepostet"
    r"|veröffentlicht)(?:\s+(?:und|and|&)\s+\w+)?\s*[:]?\s+)?"
    r"(?:(?:view|see|read|show|browse|ein|eine|a|an|blog)\s+)?(?:(?:alles|all|mehr|more|alle"
    r"|weitere)\s+)?(?:(?:artikel|\w*beitrag|beiträge|articles?|posts?|stories|story|bericht"
    r"|kommentar)\s+)?"
    r"(?:by|von|vom|par|por|di|door|av|af|from|with|autor(?:in|en|innen)?|author|auteur)\b"
    r"\s*:?\s*"
    rf"|^[\s\-–—|•·]*{LOCAL_LABELS}\s*[:：]\s*"
    r"|^[\s\-–—|•·]*(?:text|texte|interview|verfasser(?:in)?|redakteur(?:in)?|fotos?|photos?"
    r"|bilder?)(?:\s+(?:und|and|&)\s+\w+)?\s*:\s*",
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
NAME_SPLIT_RE = re.compile(
    r"\s*[;,|/&·•]\s*|\s+(?:im gespräch mit|im interview mit|in conversation with|interviewed by"
    r"|and|und|et|y|e|with|mit)\s+",
    re.I,
)
# a second credit after the writer's ("Text von A Illustration von B", "By A Photographs by B")
OTHER_CREDIT_RE = re.compile(
    r"\s(?:illustrations?|fotos?|photos?|photographs?|photography|bilder?|grafiken?|graphics?"
    r"|videos?|kamera|camera)\s*(?:von|by|:)\s.*$",
    re.I,
)
# soft hyphens, zero-width and direction marks that split a name invisibly (as in titles.py)
INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
# organisations and page furniture that bylines name instead of people
ORG_RE = re.compile(
    r"(?i:\b(?:verband|verbandes|stiftung|verlag|zeitung|magazin|magazine|news|online|media"
    r"|redaktion|team|group|gruppe|inhalte|partei|union|institut|university|universität|blog"
    r"|redacci\w*|redaç\w*|redazione|rédaction|redactie|redakcja|редакция|редакція"
    r"|press|presse|agentur|agency|editorial)\b|^(?:die|der|das|the|les)\s"
    # German compounds ending in one ("Caritasverband", "Bundesagentur", "Lokalredaktion")
    r"|\w(?:verband|verbandes|stiftung|verlag|zeitung|redaktion|agentur|institut)\b)"
    r"|\b(?:e\.\s?V|GmbH|AG|SE|Inc|Ltd|LLC|Corp)\b"
)
# interface words around bylines: trailing ones are cut ("Anna Weber Alle Artikel", "… Stand"),
# a name keeping one is a label ("Follow", "Mehr Themen", "Afficher mon profil complet")
UI_WORDS = frozenset(
    [
        "alle",
        "all",
        "artikel",
        "article",
        "articles",
        "beiträge",
        "beitrag",
        "stand",
        "mehr",
        "themen",
        "thema",
        "follow",
        "folgen",
        "abonnieren",
        "subscribe",
        "profil",
        "profile",
        "afficher",
        "voir",
        "public",
        "domain",
        "kontakt",
        "contact",
        "teilen",
        "share",
        "e-mail",
        "email",
        "mail",
        "twitter",
        "facebook",
        "instagram",
        "linkedin",
        "rss",
        "zum",
        "zur",
    ]
)
ACRONYM_RE = re.compile(r"^[A-Z]{2,6}$")
# a user name as blogs show it ("tlow", "freeman1984"), trusted only from author links
HANDLE_RE = re.compile(r"^(?=.*[^\W\d_])(?!.*\.[a-z]{2,4}$)[\w.\-]{3,30}$")
# starts only where a word starts and never spans two "@": linear time on long junk ("x@x@x@...")
EMAIL_RE = re.compile(r"(?<![^\s@])[^\s@]+@[^\s@]+\.\w+")
# a comment author ("X says:") is never the article's author
SAYS_RE = re.compile(r"\b(?:says|said|sagt|schreibt|writes|wrote|meint)\b", re.I)
DROP_AFTER_RE = re.compile(
    r"\s+(?:(?:am|on|updated|published|veröffentlicht|aktualisiert|le|el|il|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag"
    r"|samstag|sonntag)\b"
    r"|\d{1,2}[./:]|\d{4}|[-–—|•·(@]).*$",
    re.I,
)
NAME_PARTICLES = (
    "von|van|der|den|de|del|della|da|di|du|le|la|bin|ibn|al|el|ten|ter|zu|dos|das|y|e|do|af|av"
)
NAME_WORD_RE = re.compile(r"^[^\W\d_][\w'’.\-]*$")
PARTICLE_RE = re.compile(rf"^(?:{NAME_PARTICLES})$")
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
# what opens a byline: "By", "Posted by", "Ein Beitrag von", "Text von"; or a label "Autor:"
_BY = r"(?:[Bb]y|BY|[Vv]on|VON|[Pp]ar|[Pp]or|[Dd]oor)"
_LEAD = (
    r"(?:[A-Z]?[a-z]+\s+)?(?:[Pp]osted|[Ww]ritten|[Tt]ext|[Ss]tory|[Aa]rticle|[Aa]rtikel"
    r"|[A-Z]?[a-z]*[Bb]eitrag)\s+"
)
_LABEL = (
    rf"(?:[Aa]utor(?:in)?|AUTOR|[Aa]uthor|AUTHOR|[Vv]erfasser(?:in)?|[Tt]ext|(?i:{LOCAL_LABELS}))"
    r"\s*[:：]"
)
# "Autoren Jelko Djuren und Jutta Klaukien": the German label before capitalised names
_NAMING = r"(?:[Aa]utor(?:in|en|innen)?|AUTOR(?:IN|EN|INNEN)?)(?=\s+[A-ZÀ-Ü])"
_OPENING = rf"^[-–—|:\s]*(?:(?:{_LEAD})?{_BY}\s*:?|{_LABEL}|{_NAMING})"
BYLINE_OPENING_RE = re.compile(rf"{_OPENING}(?:\s|$)")
BYLINE_LINE_RE = re.compile(rf"{_OPENING} *[A-ZÀ-Ü]")
# a label alone in its element ("By", "Von:", "Autor"): the name is the text that follows
BARE_LABEL_RE = re.compile(
    rf"{_OPENING}\s*$|^\s*(?:Autor(?:in)?|AUTOR|Author|AUTHOR|Verfasser(?:in)?)\s*$"
)
BYLINE_DETECT_RE = re.compile(f"{BYLINE_OPENING_RE.pattern}|{BARE_LABEL_RE.pattern}")
# an explicit label ("Posted by", "Autor:") vouches for a one-word name or a user name
EXPLICIT_LABEL_RE = re.compile(rf"^[-–—|:\s]*(?:{_LEAD}{_BY}|{_LABEL}|[Aa]uthor\s)")
# a printed date, a dash, then (maybe) a name: "11.12.2019 - Amelie Loevenich" under a headline
DATED_NAME_RE = re.compile(
    r"^(?:\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
    r"\s+[-–—|·•]\s+(?=[A-ZÀ-Ü])"
)
# short visible texts of the body, where a full name may be shown
SHORT_TEXT_XPATH = XPath(
    "//body//text()[normalize-space()][string-length() < 80]"
    "[not(ancestor::script or ancestor::style)]"
)
# an entity that lost its "&" ("Redacci;oacute;n", "Redacci; oacute"): a letter's name
BROKEN_ENTITY_RE = re.compile(r"(?<=\w)[;&]\s*([A-Za-z]{4,8})(?:;|\b)")
HANDLE_PARTS_RE = re.compile(r"[._\-]+")
TEXT_CONTAINING_XPATH = XPath("//text()[contains(., $name)] | //meta/@content[contains(., $name)]")
BYLINE_BLOCK_TAGS = frozenset(
    {"p", "span", "div", "em", "strong", "b", "i", "small", "address", "h4", "h5", "h6"}
)
MAX_BYLINE_ELEMENTS = 5
MAX_BYLINE_ELEMENT_CHARS = 120
MAX_BYLINE_LINE_CHARS = 80
# a byline in a link holding this much more text is a teaser card's
TEASER_EXTRA_CHARS = 30
MIN_NAME_CHARS = 2
MIN_ONE_WORD_CHARS = 4
MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 60
MAX_BYLINE_CHARS = 200


@dataclass(frozen=True)
class Byline:
    """People credited as authors, and agencies found where authors are named."""

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)


def looks_like_name(
    text: str, min_words: int = 1, declared: bool = False, handle: bool = False
) -> bool:
    """Tell whether ``text`` is plausibly a person's name.

    A ``declared`` author (JSON-LD, meta tag, author link) may have lower-case words; it, or a
    name after an explicit label (``handle``: "Posted by", "Autor:"), may also be a user name
    ("tlow"). A name found in free text must be capitalised words.
    """
    words = text.split()
    if (
        len(text) < MIN_NAME_CHARS
        or text.casefold() in GENERIC_NAMES
        or ORG_RE.search(text)
        or ACRONYM_RE.match(text)
    ):
        return False
    if (declared or handle) and len(words) == 1 and HANDLE_RE.match(text):
        return True
    if len(words) == 1 and len(text) < MIN_ONE_WORD_CHARS and not declared:
        return False  # "Amw", "fh": an editor's initials
    if not min_words <= len(words) <= MAX_NAME_WORDS or len(text) > MAX_NAME_CHARS:
        return False
    if any(ch.isdigit() for ch in text) or "http" in text or "www." in text or "@" in text:
        return False
    if not _capital(words[0][0]):
        return False
    return declared or all(_name_word(word) for word in words)


def _capital(char: str) -> bool:
    """Tell whether ``char`` is a capital letter, or a letter of a caseless script (Arabic, CJK)."""
    return char.isupper() or (char.isalpha() and char.lower() == char.upper())


def _name_word(word: str) -> bool:
    """Tell whether ``word`` may be part of a name in free text: capitalised, or a particle."""
    return bool(PARTICLE_RE.match(word)) or (bool(NAME_WORD_RE.match(word)) and _capital(word[0]))


def _clean_part(part: str, excluded: set[str]) -> str:
    part = BYLINE_PREFIX_RE.sub("", part).strip(" :-–—()[]\"'“”")
    without_role = ROLE_RE.sub("", part)
    if without_role != part and len(without_role.split()) < 2:
        return ""  # "Casa Editorial El Tiempo", "Staff": a role or an organisation, not a person
    part = DROP_AFTER_RE.sub("", without_role).strip(" ,:-–—()»›>")
    if part.endswith(".") and not INITIAL_END_RE.search(part):
        part = part.rstrip(".")
    words = part.split()
    # a site name glued after the name ("Adam Aaronson PhillyVoice")
    while len(words) > 2 and squash(words[-1]) in excluded:
        words.pop()
    while words and words[-1].casefold().strip(".:»›>") in UI_WORDS:
        words.pop()
    if any(word.casefold() in UI_WORDS for word in words):
        return ""
    return " ".join(words)


def _entity(match: re.Match[str]) -> str:
    """Return the character an entity name stands for, or the match unchanged."""
    codepoint = name2codepoint.get(match[1])
    return chr(codepoint) if codepoint else match[0]


def split_byline(
    raw: str, exclude: Iterable[str] = (), min_words: int = 1, declared: bool = False
) -> Byline:
    """Clean a byline string ("By A, B and C, Staff Writers") into names and agencies.

    After an explicit label ("Posted by", "Autor:") one word or a user name is enough; beside
    the site's own name, only names of two words or more are people.
    """
    exclude = list(exclude)
    excluded = {squash(name) for name in exclude if name} - {""}
    domains = domain_keys(exclude)
    # entities, even escaped twice ("Redacci&amp;oacute;n"), before ";" splits names
    text = BROKEN_ENTITY_RE.sub(_entity, html.unescape(html.unescape(raw)))
    text = " ".join(EMAIL_RE.sub(" ", INVISIBLE_RE.sub("", text)).split())
    if not text or len(text) > MAX_BYLINE_CHARS or SAYS_RE.search(text):
        return Byline()
    explicit = bool(EXPLICIT_LABEL_RE.match(text))
    text = OTHER_CREDIT_RE.sub("", text)
    names: list[str] = []
    agencies: list[str] = []
    for part in NAME_SPLIT_RE.split(BYLINE_PREFIX_RE.sub("", text)):
        agency = agency_name(BYLINE_PREFIX_RE.sub("", part))
        if agency:
            agencies.append(agency)
        else:
            names.append(_clean_part(part, excluded))
    keys = [squash(name) for name in names]
    # beside the site's name, single words are places ("hessenschau.de, Frankfurt, Germany")
    beside_site = any(key in excluded or key in domains for key in keys)
    # an explicit label vouches for the one name right after it ("Posted by Konstantin")
    vouched = explicit and not beside_site
    authors = []
    for i, (name, key) in enumerate(zip(names, keys, strict=True)):
        if not name or key in excluded or names_host(name, exclude):
            continue
        labelled = vouched and i == 0
        words = 1 if labelled else 2 if beside_site else min_words
        if looks_like_name(name, words, declared and not beside_site, handle=labelled):
            authors.append(name)
    return Byline(list(dict.fromkeys(authors)), list(dict.fromkeys(agencies)))


def _merge(bylines: Iterable[Byline]) -> Byline:
    """Join several bylines' names and agencies, in order, once each."""
    authors: list[str] = []
    agencies: list[str] = []
    for byline in bylines:
        authors.extend(byline.authors)
        agencies.extend(byline.agencies)
    return Byline(list(dict.fromkeys(authors)), list(dict.fromkeys(agencies)))


def _from_jsonld(page: PageMeta, exclude: list[str]) -> Byline:
    """Read the first article object naming an author or creator (both count: a union)."""
    for article in page.articles():
        found = _merge(
            _ld_person(item, exclude)
            for key in ("author", "creator")
            for item in _as_list(page.resolve(article.get(key)))
        )
        if found.authors or found.agencies:
            return found
    return Byline()


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _ld_person(item: Any, exclude: list[str]) -> Byline:
    """Read one JSON-LD author: a Person's names, or an agency named by an organisation."""
    name = ld_text(item)
    if not name or name.startswith(("http", "#", "/")):
        return Byline()
    types = ld_types(item) if isinstance(item, dict) else set()
    if types and "Person" not in types:
        agency = agency_name(name)
        return Byline(agencies=[agency] if agency else [])
    return split_byline(name, exclude, declared=True)


def _with_names(lines: list[str], after: HtmlElement) -> list[str]:
    """Join each bare label ("By", "Autor:") to the text after it: the next line or element."""
    joined: list[str] = []
    for line in lines:
        if joined and BARE_LABEL_RE.match(joined[-1]):
            joined[-1] = f"{joined[-1].rstrip(' :')}: {line}"
        else:
            joined.append(line)
    if joined and BARE_LABEL_RE.match(joined[-1]):
        following = NEXT_TEXT_XPATH(after)
        if following:
            joined[-1] = f"{joined[-1].rstrip(' :')}: {' '.join(str(following[0]).split())}"
    return joined


def _in_teaser(element: HtmlElement, text: str) -> bool:
    """Tell whether ``element`` sits in a link to another article (a teaser card with a byline)."""
    link = next(element.iterancestors("a"), None)
    return link is not None and len(element_text(link)) > len(text) + TEASER_EXTRA_CHARS


def _byline_line(element: HtmlElement) -> str | None:
    """Return the "By X" line that ``element`` opens, or None when it is no byline."""
    block = next(
        (e for e in (element, *element.iterancestors()) if e.tag in BYLINE_BLOCK_TAGS), None
    )
    if block is None:
        return None
    lines = _with_names(text_lines(block), block)
    line = next((x for x in lines if BYLINE_OPENING_RE.match(x)), None)
    if line is None or len(line) >= MAX_BYLINE_LINE_CHARS or not BYLINE_LINE_RE.match(line):
        return None
    return line if in_flow(block) and not _in_teaser(block, line) else None


def byline_texts(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Return the texts of (elements classed as bylines, short blocks reading "By X" or,
    alone on the page, "date - Name").

    Hidden elements, comments, navigation, footers and teasers of other articles are skipped;
    the lines of an element (<br>) are joined with ";".
    """
    classed: list[str] = []
    lines: list[str] = []
    dated: list[str] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        marks = (
            f"{element.get('class', '')} {element.get('id', '')} {element.get('data-testid', '')}"
        )
        if len(classed) < MAX_BYLINE_ELEMENTS and BYLINE_ATTR_RE.search(marks):
            text = "; ".join(_with_names(text_lines(element), element))
            if (
                text
                and len(text) < MAX_BYLINE_ELEMENT_CHARS
                and in_flow(element)
                and not _in_teaser(element, text)
            ):
                classed.append(text)
        text = (element.text or "").strip()
        if (
            len(lines) < MAX_BYLINE_ELEMENTS
            and text
            and len(text) < MAX_BYLINE_LINE_CHARS
            and BYLINE_DETECT_RE.match(text)
        ):
            line = _byline_line(element)
            if line:
                lines.append(line)
        elif _dated_name(element, text):
            dated.append(DATED_NAME_RE.sub("", text))
    # several "date - X" lines are a list of dated entries, not the article's byline
    return classed, (lines + dated if len(dated) == 1 else lines)


def _dated_name(element: HtmlElement, text: str) -> bool:
    """Tell whether ``element`` holds only a short "date - name" line of the article."""
    return (
        len(text) < MAX_BYLINE_LINE_CHARS
        and bool(DATED_NAME_RE.match(text))
        and len(element) == 0
        and in_flow(element)
        and not _in_teaser(element, text)
    )


def _candidates(
    page: PageMeta, tree: HtmlElement, fallback: str | None, exclude: list[str]
) -> Iterator[Byline]:
    yield _from_jsonld(page, exclude)
    for key in AUTHOR_META_KEYS:
        yield _merge(
            split_byline(value, exclude, declared=True)
            for value in page.all(key)
            if not value.startswith("http")
        )
    for xpath in AUTHOR_LINK_XPATHS:
        for element in xpath(tree):
            yield split_byline(element_text(element), exclude, declared=True)
    classed, lines = byline_texts(tree)
    for text in [*classed, *lines]:
        yield split_byline(text, exclude, min_words=2)
    for paragraph in SIGNATURE_XPATH(tree):
        text = element_text(paragraph)
        if not is_photo_credit(text):
            yield split_byline(text, exclude, min_words=2)
    for text in signed_names(tree):
        yield split_byline(text, exclude, min_words=2)
    if fallback and not _only_outside_article(tree, fallback):
        yield split_byline(fallback.replace(";", ","), exclude)
    for text in [*contact_names(tree), *copyright_names(tree)]:
        yield split_byline(text, exclude, min_words=2)


def _only_outside_article(tree: HtmlElement, name: str) -> bool:
    """Tell whether ``name`` is on the page only in comments, navigation or teasers of others."""
    places = [text.getparent() for text in TEXT_CONTAINING_XPATH(tree, name=name.strip())]
    return bool(places) and not any(
        in_flow(place) and not _in_teaser(place, name) for place in places if place is not None
    )


def shown_name(tree: HtmlElement, name: str) -> str:
    """Return the full name the page shows for a one-word author, else ``name``.

    A first name ("Todd") becomes the name it opens in a short text ("Todd Bates"), a user
    handle ("christian.stadtfeld") the display name spelling its parts ("Christian
    Stadtfeld"), when the page shows exactly one such name in its article matter.
    """
    if " " in name:
        return name
    parts = [part for part in HANDLE_PARTS_RE.split(name) if part]
    if len(parts) > 1:
        spelled = r"[\s.\-_]+".join(map(re.escape, parts))
        pattern = re.compile(rf"(?<!\w){spelled}(?!\w)", re.I)
    else:
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?:\s+[^\W\d_][\w'’\-]+){{1,2}}(?!\w)")
    found = set()
    for text in SHORT_TEXT_XPATH(tree):
        match = pattern.search(str(text))
        if match is None or match[0] == name:
            continue
        candidate = " ".join(match[0].split())
        if looks_like_name(candidate, min_words=2) and in_flow(text.getparent()):
            found.add(candidate)
    return found.pop() if len(found) == 1 else name


def find_byline(
    page: PageMeta, tree: HtmlElement, fallback: str | None, exclude: Iterable[str]
) -> Byline:
    """Find the authors: JSON-LD, meta, byline elements and lines, signature, ``fallback``,
    then a press contact.

    A first name or a user handle gives way to the full name the page shows (:func:`shown_name`);
    a name that in full spells the site's host is the site's (:func:`spells_site`).
    """
    agencies: list[str] = []
    exclude = list(exclude)
    for candidate in _candidates(page, tree, fallback, exclude):
        agencies.extend(candidate.agencies)
        # an agency credited higher up, spelled otherwise ("dpa" as "Dpa"), is no person
        credited = {squash(agency) for agency in agencies}
        people = [name for name in candidate.authors if squash(name) not in credited]
        shown = [shown_name(tree, name) for name in people]
        authors = [name for name in shown if not spells_site(name, exclude)]
        if shown:  # the site's name where the author is named: nobody's
            return Byline(list(dict.fromkeys(authors)), list(dict.fromkeys(agencies)))
    return Byline([], list(dict.fromkeys(agencies)))
