"""Signed statements: a closing paragraph "Name<br>Role" names the person the text comes from."""

from __future__ import annotations

import re
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

# the last of three or more paragraphs, two short lines split by one <br>
TWO_LINE_CLOSING_XPATH = XPath(
    "//p[not(following-sibling::p)][count(preceding-sibling::p) >= 2][count(br) = 1]"
    "[string-length(normalize-space()) < 80]"
)
# the signer's office on the second line ("DITIB-Bundesvorsitzender", "Chief Executive Officer")
OFFICE_RE = re.compile(
    r"vorsitzende|präsident|president|direktor|director|geschäftsführ|sprecher|leiter|chair"
    r"|\bceo\b|executive|founder|gründer|minister|bürgermeister|mayor|secretary|sekretär"
    r"|professor|directeur|directrice|presidente|directora",
    re.I,
)


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
        if name and OFFICE_RE.search(office):
            names.append(name)
    return names
