"""Article matter in a parsed page: visible text outside comments, navigation and footers."""

from __future__ import annotations

from lxml.etree import XPath
from lxml.html import HtmlElement

NEXT_TEXT_XPATH = XPath(
    "following::text()[normalize-space()][not(ancestor::script or ancestor::style)][1]"
)
TEXT_AND_BREAKS_XPATH = XPath(".//text()[not(ancestor::script or ancestor::style)] | .//br")
OUTSIDE_ARTICLE_TAGS = frozenset({"footer", "nav"})


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
    for node in (element, *element.iterancestors()):
        marks = f"{node.get('class', '')} {node.get('id', '')}".casefold()
        style = node.get("style", "").replace(" ", "").casefold()
        if node.tag in OUTSIDE_ARTICLE_TAGS or "comment" in marks or "display:none" in style:
            return False
    return True
