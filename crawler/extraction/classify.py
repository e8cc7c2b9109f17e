"""Tell article pages from the rest (home, sections, tags, authors, soft 404s...).

No single signal decides: ``og:type=website`` is set site-wide by many CMSs, on their
articles too, so it never outweighs structured data (JSON-LD ``NewsArticle``), a
published date, a byline or the text. A page the site itself lists as an article (a
feed, a sitemap, ``--url``, a WARC) is one unless strong evidence says otherwise.
"""

from __future__ import annotations

import json
import re
import zlib
from urllib.parse import urlsplit

from lxml import etree
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
        "scholarlyarticle",
        "techarticle",
        "socialmediaposting",
        "posting",
    }
)
LISTING_TYPES = frozenset({"collectionpage", "searchresultspage", "profilepage", "itemlist"})
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
# Published dates and bylines in the head or the markup (schema.org, Open Graph, Dublin Core)
DATE_XPATH = (
    '//meta[@property="article:published_time" or @name="date" or @name="pubdate"'
    ' or @name="publishdate" or @name="DC.date.issued" or @name="dcterms.date"'
    ' or @itemprop="datePublished"]/@content'
    ' | //*[@itemprop="datePublished"]/@datetime | //time[@pubdate]/@datetime'
)
BYLINE_XPATH = (
    '//meta[@name="author" or @property="article:author" or @name="dc.creator"'
    ' or @name="DC.creator"]/@content'
    ' | //*[@rel="author" or @itemprop="author" or contains(@class, "byline")]'
)
# "Not found" in a page's title or first heading, in the languages news sites use.
SOFT_404 = re.compile(
    r"\b(?:page|file|article|content|story)\s+(?:was\s+)?not\s+found\b|^\s*(?:error\s*)?404\b|\b404\s*[-:|–]"
    r"|\bnot\s+found\s*$|seite\s+(?:wurde\s+)?nicht\s+gefunden|page\s+(?:introuvable|non\s+trouv)"
    r"|p[aá]gina\s+no\s+(?:encontrada|existe)|pagina\s+non\s+trovata|pagina\s+niet\s+gevonden"
    r"|p[aá]gina\s+n[aã]o\s+encontrada|страница\s+не\s+найдена|sidan\s+(?:hittades|finns)\s+inte"
    r"|siden\s+(?:blev\s+ikke\s+fundet|finnes\s+ikke)|nie\s+znaleziono|str[aá]nka\s+nenalezena"
    r"|sayfa\s+bulunamad|ページが見つかりません|页面不存在|找不到页面|페이지를 찾을 수 없",
    re.IGNORECASE,
)
NOT_ARTICLE_PAGE = "not an article page"
SOFT_404_REASON = "soft 404"
LIKE_NOT_FOUND_REASON = "soft 404 (like the site's own 404 page)"
# A page whose visible text is this close to the site's own 404 page (Jaccard similarity
# of their 3-word runs) is that page: the site's template counts in both, so an article
# with a short text on a site with a long menu stays well below it.
NOT_FOUND_SIMILARITY = 0.9
SHINGLE_WORDS = 3
MIN_SHINGLES = 5  # a 404 page with less text than this tells nothing apart
VISIBLE_TEXT = "//title//text() | //body//text()[not(ancestor::script or ancestor::style)]"
# Text nodes read straight from the tree: parsel's ``getall`` wraps each in a Selector
# first (a page of 20,000 links took 0.9 s of a worker's time for that alone).
_VISIBLE_TEXTS = etree.XPath(VISIBLE_TEXT, smart_strings=False)
# not //p//text(): libxml2 takes quadratic time over many paragraphs
_PARAGRAPH_TEXTS = etree.XPath("//text()[ancestor::p]", smart_strings=False)


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
                stack.extend(v for k, v in node.items() if k in ("@graph", "mainEntity"))
    return types


def is_soft_404(sel: Selector) -> bool:
    """Tell whether the page's title or first heading says it was not found."""
    title = " ".join(sel.xpath("//title//text()").getall())
    heading = " ".join(sel.xpath("(//h1)[1]//text()").getall())
    return any(SOFT_404.search(t.strip()) for t in (title, heading) if t.strip())


def text_shingles(sel: Selector) -> frozenset[int]:
    """The page's visible text (title included) as hashes of its runs of 3 words; stable
    across processes (CRC-32, not ``hash``)."""
    words = " ".join(_VISIBLE_TEXTS(sel.root)).lower().split()
    return frozenset(
        zlib.crc32(" ".join(words[i:i + SHINGLE_WORDS]).encode())
        for i in range(max(0, len(words) - SHINGLE_WORDS + 1))
    )


def like_not_found(sel: Selector, not_found: frozenset[int] | None) -> bool:
    """Tell whether the page is (nearly) the site's own 404 page, given that page's
    :func:`text_shingles`; False without one, or with too little text to tell."""
    if not not_found or len(not_found) < MIN_SHINGLES:
        return False
    page = text_shingles(sel)
    return len(page & not_found) >= NOT_FOUND_SIMILARITY * len(page | not_found)


def _long_text(sel: Selector) -> bool:
    return len(" ".join(_PARAGRAPH_TEXTS(sel.root))) >= MIN_LONG_TEXT


def article_evidence(url: str, sel: Selector) -> list[str]:
    """The signals that the page is an article: structured data, date, byline, long text."""
    og_type = (sel.xpath('//meta[@property="og:type"]/@content').get() or "").strip().lower()
    types = _jsonld_types(sel)
    path = urlsplit(url).path
    signals = {
        "og:type article": og_type.startswith("article"),
        "structured data": bool(types & ARTICLE_TYPES),
        "date in URL": bool(DATE_IN_URL.search(path)),
        "published date": bool(sel.xpath(DATE_XPATH)),
        "byline": bool(sel.xpath(BYLINE_XPATH)),
        "long text": _long_text(sel),
    }
    return [name for name, present in signals.items() if present]


def _short_plain_path(path: str) -> bool:
    """A path like a section's (``/c/business``, ``/latest/2``): at most two segments, the
    last with no slug, no file name and no number of three digits or more."""
    segments = [s for s in path.split("/") if s]
    if len(segments) > 2:
        return False
    last = segments[-1].lower() if segments else ""
    return not (SLUG.search(last) or "." in last or re.search(r"\d{3}", last))


def page_verdict(url: str, sel: Selector, *, listed: bool,
                 not_found: frozenset[int] | None = None) -> str | None:
    """Return why the page at ``url`` is no article, or None when it may be one.

    ``listed``: a feed, a sitemap, the user (``--url``) or a WARC names the page; then only
    a soft 404, or a listing (home, tag, section... path, a short path like a section's, or
    structured data saying so) with no sign of an article, turns it down. Otherwise (a link
    found on a page) the page needs two signs of an article, or one besides a slug-like or
    dated path, and a listing path needs structured data. A soft 404 says "not found" in
    its title or heading, or is the site's own 404 page (``not_found``, its
    :func:`text_shingles`).
    """
    if is_soft_404(sel):
        return SOFT_404_REASON
    if like_not_found(sel, not_found):
        return LIKE_NOT_FOUND_REASON
    evidence = article_evidence(url, sel)
    path = urlsplit(url).path
    listing_path = path.rstrip("/") == "" or bool(NON_ARTICLE_PATH.search(path))
    if listed:
        listing = listing_path or _short_plain_path(path) or _jsonld_types(sel) & LISTING_TYPES
        return NOT_ARTICLE_PAGE if listing and not evidence else None
    if listing_path:
        strong = {"structured data", "og:type article"} & set(evidence)
        return None if strong else NOT_ARTICLE_PAGE
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    needed = 1 if SLUG.search(last) or "date in URL" in evidence else 2
    return None if len(evidence) >= needed else NOT_ARTICLE_PAGE

