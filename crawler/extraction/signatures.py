"""Who signs a text where no byline names anyone: a closing "Name<br>Office" paragraph, a press
release's contact, a copyright line naming a person."""

from __future__ import annotations

import re
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.extraction.flow import NEXT_TEXT_XPATH, element_text, in_article, text_lines

# the last of three or more paragraphs, two short lines split by one <br>
TWO_LINE_CLOSING_XPATH = XPath(
    "//p[not(following-sibling::p)][count(preceding-sibling::p) >= 2][count(br) = 1]"
    "[string-length(normalize-space()) < 80]"
)
# the signer's office on the second line ("DITIB-Bundesvorsitzender", "Chief Executive Officer")
# (a word of its own, or a German compound's last part after Bundes-/Landes-/Vize-)
OFFICE_RE = re.compile(
    r"(?<![^\W\d_])(?:bundes|landes|vize|ober)?(?:vorsitzende|präsident|president|direktor"
    r"|director|geschäftsführ|sprecher|leiter|chair|ceo|executive|founder|gründer|minister"
    r"|bürgermeister|mayor|secretary|sekretär|professor|directeur|directrice|presidente"
    r"|directora)",
    re.I,
)
# a press contact's label alone in its element: the name follows ("Pressekontakt", "Media contact:")
CONTACT_LABEL_RE = re.compile(
    r"^\s*(?:(?:presse|medien|press|media)[\s-]?)?(?:kontakt|contact|contacto|contatto"
    r"|ansprechpartner(?:in)?)(?:\s+(?:presse|de prensa|stampa|für (?:die )?medien))?\s*[:：]?\s*$",
    re.I,
)
CONTACT_TAGS = ("p", "div", "span", "strong", "b", "em", "i", "small", "h4", "h5", "h6")
MAX_CONTACT_CHARS = 200
MAX_NAMES = 5
# a paragraph of its own crediting the text to a person: "© 2019 Sven Schreivogel" (not a
# picture's credit in a figure)
COPYRIGHT_XPATH = XPath(
    "//p[starts-with(normalize-space(), '©') or starts-with(normalize-space(), '(c)')]"
    "[string-length(normalize-space()) < 60][not(ancestor::figure or ancestor::figcaption)]"
)
COPYRIGHT_RE = re.compile(r"^\s*(?:©|\(c\))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*")
# one holder: what follows a separator is more ("… • Weitere Rechte siehe Impressum")
AFTER_HOLDER_RE = re.compile(r"\s*[•|·;,]\s.*$")


def _joined(nodes: list[Any]) -> str:
    """Return the text of ``nodes`` (text nodes and elements) with its spaces collapsed."""
    parts = [str(node) if isinstance(node, str) else " ".join(node.itertext()) for node in nodes]
    return " ".join(" ".join(parts).split())


def signed_names(tree: HtmlElement) -> list[str]:
    """Return the first lines of closing "Name<br>Office" paragraphs: the signers."""
    names = []
    for paragraph in TWO_LINE_CLOSING_XPATH(tree):
        name = _joined(paragraph.xpath("br/preceding-sibling::node()"))
        office = _joined(paragraph.xpath("br/following-sibling::node()"))
        if name and OFFICE_RE.search(office) and in_article(paragraph):
            names.append(name)
    return names[:MAX_NAMES]


def contact_names(tree: HtmlElement) -> list[str]:
    """Return the texts after press-contact labels in the article ("Pressekontakt", "Kontakt:"):
    a press release's contact is the person it comes from; a sidebar's is the site's."""
    names = []
    for element in tree.iter(*CONTACT_TAGS):
        if (
            not CONTACT_LABEL_RE.match(element.text or "")
            or len(element_text(element)) > MAX_CONTACT_CHARS
            or not in_article(element)
        ):
            continue
        following = text_lines(element)[1:] or [str(text) for text in NEXT_TEXT_XPATH(element)]
        if following:
            names.append(" ".join(following[0].split()))
    return names[:MAX_NAMES]


def copyright_names(tree: HtmlElement) -> list[str]:
    """Return what copyright paragraphs of the article credit ("© 2019 Sven Schreivogel")."""
    texts = [element_text(p) for p in COPYRIGHT_XPATH(tree) if in_article(p)]
    return [
        AFTER_HOLDER_RE.sub("", COPYRIGHT_RE.sub("", text))
        for text in texts
        if COPYRIGHT_RE.match(text)
    ][:MAX_NAMES]
