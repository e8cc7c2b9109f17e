"""Find the news agencies credited for an article's text: credit lines, datelines, names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.extraction.agency_table import AGENCIES

MAX_ACRONYM_CHARS = 5


def _is_acronym(alias: str) -> bool:
    return " " not in alias and len(alias) <= MAX_ACRONYM_CHARS


def _spellings() -> dict[str, str]:
    """Map every spelling (canonical name included) to its agency's canonical name."""
    return {alias: name for name, aliases in AGENCIES for alias in (name, *aliases)}


# an acronym is matched with its exact casing; a longer name ignoring case
_EXACT = {alias: name for alias, name in _spellings().items() if _is_acronym(alias)}
_FOLDED = {alias.casefold(): name for alias, name in _spellings().items() if not _is_acronym(alias)}
_ANY_CASE = {**{alias.casefold(): name for alias, name in _EXACT.items()}, **_FOLDED}
AGENCY_RE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(
        re.escape(alias) if _is_acronym(alias) else f"(?i:{re.escape(alias)})"
        for alias in sorted(_spellings(), key=len, reverse=True)
    )
    + r")(?![\w-])"
)

# sentences that credit whoever contributed the text (searched in the last paragraphs)
CREDIT_RE = re.compile(
    r"\b(?:contributed|contributing)\b.{0,40}\b(?:report|reporting|story|article|coverage)\b"
    r"|\b(?:additional |writing and )?reporting by\b|\bwriting by\b|\bediting by\b"
    r"|\bwith (?:additional )?(?:reporting|information|material|input)s? (?:from|by)\b"
    r"|\b(?:with|from|via|and) (?:wire |news )?(?:agencies|agency reports|wire services|wires)\b"
    r"|^\W*(?:agencies|wires)\W*$"
    r"|^\W*(?:source|sources|quelle|quellen|fuente|fuentes|fonte|fontes)\s*:"
    r"|\bmit (?:material|informationen|agenturmaterial)\b|\bagenturmaterial\b"
    r"|\bcon (?:información|informaciones) de\b|\bavec (?:l')?(?:afp|agences?|reuters|ap)\b"
    r"|\bcopyright\b.{0,30}\b(?:associated press|reuters|afp|agence france)"
    r"|\bwire agency feed\b|\bsyndicated feed\b"
    r"|\b(?:this|the) (?:article|story|report) (?:is |was )?"
    r"(?:based on|compiled from|written with)\b",
    re.I,
)
REUTERS_SIGNATURE_RE = re.compile(r"\breporting by\b.*\bediting by\b", re.I | re.S)
MAX_CREDIT_CHARS = 300
CREDIT_TAIL_PARAGRAPHS = 5
# "MOSCOW (Reuters) -", "MANAGUA, 1 feb (EFE).-", "(AP) —", "Berlin (dpa/AFP) -"
PAREN_DATELINE_RE = re.compile(
    r"^(?P<place>[^()\n!?]{0,80}?)\(\s*(?P<agencies>[^()\n]{2,60}?)\s*\)\s*(?:\.-|[-–—:|.]|$)"
)
# "PARIS /AFP/ -", "Berlin/dpa -"
SLASH_DATELINE_RE = re.compile(
    r"^(?P<place>[^/\n!?]{0,80}?)/\s*(?P<agencies>[A-Za-z][^/\n]{1,40}?)\s*/?\s*(?:\.-|[-–—:|])"
)
MAX_PLACE_WORDS = 5
LIST_SPLIT_RE = re.compile(r"\s*(?:[/,;&+|]|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
# author initials in an agency-only credit line such as "fh/dpa" or "jwu/AFP, Reuters"
INITIALS_RE = re.compile(r"^[a-zäöü]{1,4}$")
# credits that belong to a picture, not to the text
PHOTO_CREDIT_RE = re.compile(
    r"\b(?:photo|photos|foto|fotos|photograph|image|images|picture|bild|video|graphic|grafik"
    r"|illustration|credit|crédit|imagen)s?\b\s*(?:[:/©]|by\b|von\b)"
    r"|©|\(c\)|\bgetty\b|\bimago\b|\bpicture alliance\b|\bshutterstock\b"
    r"|\b(?:AFP|AP|Reuters|dpa|EPA)\s*/\s*(?:Getty|picture|imago|EPA|Shutterstock|Pool|File|Keystone)",
    re.I,
)


@dataclass(frozen=True)
class Credit:
    """The text credit of an article: the sentence (or dateline) and the agencies it names."""

    sentence: str = ""
    agencies: list[str] = field(default_factory=list)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def agency_name(text: str) -> str | None:
    """Return the canonical agency name when ``text`` is exactly an agency's name, else None."""
    cleaned = text.strip(" \t\n.,;:()[]-–—/")
    return (
        _EXACT.get(cleaned)
        or _FOLDED.get(cleaned.casefold())
        or _FOLDED.get(cleaned.casefold().removeprefix("the "))
    )


def agencies_in(text: str) -> list[str]:
    """Return the canonical names of the agencies mentioned in ``text``, in order, once each."""
    return _unique(_ANY_CASE.get(m.group().casefold(), "") or "" for m in AGENCY_RE.finditer(text))


def agency_list(text: str) -> list[str] | None:
    """Read ``text`` as a list of agencies ("dpa/AFP", "fh/dpa"); None if it holds anything else."""
    names = []
    for token in filter(None, LIST_SPLIT_RE.split(text.strip(" \t.()[]-–—"))):
        name = agency_name(token) or _ANY_CASE.get(token.casefold())
        if name:
            names.append(name)
        elif not INITIALS_RE.match(token):
            return None
    return _unique(names) or None


def is_photo_credit(text: str) -> bool:
    """Tell whether a short text is a picture credit ("Photo: AFP", "© Reuters", "AFP/Getty")."""
    return bool(PHOTO_CREDIT_RE.search(text))


def dateline_credit(first_paragraph: str) -> Credit | None:
    """Read a dateline at the start of the text ("MOSCOW (Reuters) -", "(EFE).-", "/AFP/")."""
    head = first_paragraph.lstrip()[:160]
    for pattern in (PAREN_DATELINE_RE, SLASH_DATELINE_RE):
        match = pattern.match(head)
        if not match:
            continue
        place = match["place"].strip(" ,")
        names = agency_list(match["agencies"])
        place_ok = not place or (place[0].isupper() and len(place.split()) <= MAX_PLACE_WORDS)
        if names and place_ok and not agencies_in(place):
            return Credit(match.group().strip(" -–—:|"), names)
    return None


def credit_line(paragraphs: Sequence[str]) -> Credit | None:
    """Find a credit sentence among the last paragraphs and the agencies it names."""
    for paragraph in reversed(paragraphs[-CREDIT_TAIL_PARAGRAPHS:]):
        text = paragraph.strip().strip("*_ ")
        if not text or len(text) > MAX_CREDIT_CHARS or is_photo_credit(text):
            continue
        only_agencies = agency_list(text) if len(text) < 60 else None
        if only_agencies:
            return Credit(text, only_agencies)
        if CREDIT_RE.search(text):
            names = agencies_in(text)
            if not names and REUTERS_SIGNATURE_RE.search(text):
                names = ["Reuters"]
            return Credit(text, names)
    return None


def text_credit(paragraphs: Sequence[str]) -> Credit:
    """Combine the dateline and the closing credit line of an article's paragraphs."""
    if not paragraphs:
        return Credit()
    dateline = dateline_credit(paragraphs[0])
    closing = credit_line(paragraphs)
    sentence = (closing or dateline or Credit()).sentence
    names = [*(dateline.agencies if dateline else ()), *(closing.agencies if closing else ())]
    return Credit(sentence, _unique(names))
