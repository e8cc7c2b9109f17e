"""Article matter in a parsed page: visible text outside comments, navigation and footers."""

from __future__ import annotations

import re

from lxml.etree import XPath
from lxml.html import HtmlElement

NEXT_TEXT_XPATH = XPath(
    "following::text()[normalize-space()][not(ancestor::script or ancestor::style)][1]"
)
TEXT_AND_BREAKS_XPATH = XPath(".//text()[not(ancestor::script or ancestor::style)] | .//br")
OUTSIDE_ARTICLE_TAGS = frozenset({"footer", "nav"})
PAGE_TAGS = frozenset({"body", "html"})  # their classes describe the page, not the element
# class or id words of a page's furniture around the article (a sidebar built of divs)
FURNITURE_WORDS = frozenset(
    {"aside", "footer", "sidebar", "widget", "widgets", "nav", "navbar", "navigation", "menu"}
)
MARK_WORD_RE = re.compile(r"[a-z]+")


def element_text(element: HtmlElement) -> str:
    """Return the text of ``element`` with its spaces collapsed."""
    return " ".join(" ".join(element.itertext()).split())


def text_lines(element: HtmlElement) -> list[str]:
    """Return the non-empty text lines of ``element`` as its <br> elements break them."""
    lines: list[list[str]] = [[]]
    for node in TEXT_AND_BREAKS_XPATH(element):
        if isinstance(node, str):
            lines[-1].append(node)
        else:
            lines.append([])
    return [text for text in (" ".join(" ".join(line).split()) for line in lines) if text]


def in_flow(element: HtmlElement) -> bool:
    """Tell whether ``element`` is visible article matter: not hidden, a comment, nav or footer."""
    return _flows(element, furniture=False)


def in_article(element: HtmlElement) -> bool:
    """Tell whether ``element`` is article matter (:func:`in_flow`) and in no sidebar,
    widget, menu or footer, however the page builds them (tags, or class and id words)."""
    return _flows(element, furniture=True)


def _flows(element: HtmlElement, *, furniture: bool) -> bool:
    """Walk up from ``element``: False at the first ancestor that is out of the article
    (and, with ``furniture``, at one that is page furniture)."""
    for node in (element, *element.iterancestors()):
        marks = f"{node.get('class', '')} {node.get('id', '')}".casefold()
        style = node.get("style", "").replace(" ", "").casefold()
        if node.tag in OUTSIDE_ARTICLE_TAGS or "comment" in marks or "display:none" in style:
            return False
        if furniture and _is_furniture(node, marks):
            return False
    return True


def _is_furniture(node: HtmlElement, marks: str) -> bool:
    """Tell whether ``node`` is an aside, or named a sidebar, widget, menu or footer."""
    if node.tag in PAGE_TAGS:
        return False
    return node.tag == "aside" or bool(FURNITURE_WORDS.intersection(MARK_WORD_RE.findall(marks)))
