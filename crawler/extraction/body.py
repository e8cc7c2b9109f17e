"""Article body: page-tree fixes before trafilatura, Markdown and text from its output tree."""

from __future__ import annotations

import re
from collections.abc import Iterable
from copy import deepcopy

from lxml.etree import XPath, _Element, strip_tags
from lxml.html import HtmlElement
from trafilatura.xml import xmltotxt

from crawler.extraction.textnorm import squash

# a "related article" teaser: trafilatura drops any element whose class mentions "related"
RELATED_BLOCK_XPATH = XPath(
    "//*[self::div or self::p or self::aside or self::section]"
    '[contains(translate(@class, "RELATED", "related"), "related")]'
)
RELATED_CLASS_RE = re.compile(r"related", re.I)
# an inline teaser is one short paragraph between blocks of article text
MAX_TEASER_CHARS = 300
MIN_NEIGHBOUR_CHARS = 150
# trafilatura escapes brackets in Markdown; a bracketed aside "[Putin]" not followed by "(" is safe
ESCAPED_BRACKETS_RE = re.compile(r"\\\[([^\[\]\n]*?)\\\](?!\()")
LINK_TARGET_XPATH = XPath("//ref/@target")
# a menu laid out as a table: at least this many links and (almost) no text outside them
MENU_MIN_LINKS = 3
MENU_MAX_PLAIN_SHARE = 0.1


def _text_len(element: HtmlElement) -> int:
    return len(" ".join(element.text_content().split()))


def _is_text_block(element: HtmlElement | None) -> bool:
    return (
        element is not None
        and (element.tag == "p" or element.find(".//p") is not None)
        and _text_len(element) >= MIN_NEIGHBOUR_CHARS
    )


def keep_inline_teasers(tree: HtmlElement) -> None:
    """Let trafilatura keep short "related article" paragraphs set between article text blocks."""
    for block in RELATED_BLOCK_XPATH(tree):
        if _text_len(block) > MAX_TEASER_CHARS or len(block.findall(".//p")) > 1:
            continue
        if _is_text_block(block.getprevious()) and _is_text_block(block.getnext()):
            block.set("class", RELATED_CLASS_RE.sub("inline", block.get("class", "")))


def drop_link_tables(tree: HtmlElement) -> None:
    """Remove tables that hold nothing but links: menus laid out as tables, not content.

    trafilatura keeps tables, so a navigation bar built as a one-row table of links would
    open the article body ("| Home | Business | ... |").
    """
    for table in list(tree.iter("table")):
        links = table.findall(".//a")
        if len(links) < MENU_MIN_LINKS:
            continue
        total = _text_len(table)
        in_links = sum(_text_len(link) for link in links)
        if total - in_links <= MENU_MAX_PLAIN_SHARE * total:
            table.drop_tree()


def drop_repeated_headline(body: _Element | None, headlines: Iterable[str | None]) -> bool:
    """Remove the body's first block when it only repeats the headline; tell if it did.

    Pages often put the ``<h1>`` inside the element that trafilatura takes as the main
    text; the headline is stored and shown apart, so in the text it would appear twice.
    """
    if body is None or len(body) == 0:
        return False
    first = body[0]
    words = squash("".join(first.itertext()))
    if not words or words not in {squash(h) for h in headlines if h}:
        return False
    body.remove(first)
    return True


def to_markdown(body: _Element | None) -> str:
    """Render trafilatura's output tree as Markdown (paragraphs, links, emphasis)."""
    return ESCAPED_BRACKETS_RE.sub(r"[\1]", xmltotxt(body, include_formatting=True)).strip()


def to_text(body: _Element | None) -> str:
    """Render trafilatura's output tree as plain text, one paragraph a line, links unmarked."""
    if body is None:
        return ""
    plain = deepcopy(body)
    strip_tags(plain, "ref")
    return xmltotxt(plain, include_formatting=False).strip()


def link_targets(body: _Element | None) -> list[str]:
    """Return the distinct link targets in trafilatura's output tree, in order."""
    if body is None:
        return []
    return list(
        dict.fromkeys(str(t) for t in LINK_TARGET_XPATH(body) if t and not str(t).startswith("#"))
    )
