"""Tell article pages from the rest (home, sections, tags, authors, about...)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from parsel import Selector

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "liveblogposting",
        "report",
    }
)
DATE_IN_URL = re.compile(
    r"/(19|20)\d{2}[/-](0?[1-9]|1[0-2])([/-](0?[1-9]|[12]\d|3[01]))?/|/(19|20)\d{6}/"
)
NON_ARTICLE_PATH = re.compile(
    r"/(tags?|topics?|authors?|category|categories|section|search|about|privacy|contact|"
    r"page|feed|rss|login|subscribe|newsletters?)(/|$)",
    re.IGNORECASE,
)
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+){3,}")
MIN_LONG_TEXT = 1500


def _jsonld_types(sel: Selector) -> set[str]:
    types: set[str] = set()
    for raw in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                kind = node.get("@type")
                for t in kind if isinstance(kind, list) else [kind]:
                    if isinstance(t, str):
                        types.add(t.lower())
                stack.extend(v for k, v in node.items() if k == "@graph")
    return types


def looks_like_article(url: str, sel: Selector) -> bool:
    """Guess from page signals whether ``url`` is an article.

    Structured signals win (og:type, JSON-LD type); then a date in the URL; then a
    long text under a slug-like path that is not a listing.
    """
    path = urlsplit(url).path
    if NON_ARTICLE_PATH.search(path):
        return False
    og_type = (sel.xpath('//meta[@property="og:type"]/@content').get() or "").strip().lower()
    if og_type:
        return og_type == "article"
    if _jsonld_types(sel) & ARTICLE_TYPES:
        return True
    if DATE_IN_URL.search(path):
        return True
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if not SLUG.search(last):
        return False
    # not //p//text(): libxml2 takes quadratic time over many paragraphs
    text = " ".join(sel.xpath("//text()[ancestor::p]").getall())
    return len(text) >= MIN_LONG_TEXT
