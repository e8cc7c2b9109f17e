"""Extract an Article from a fetched HTML page: a pure function over (html, url, options).

trafilatura finds the main text (``body``); ``page_meta``, ``dates``, ``bylines``,
``agencies``, ``titles``, ``language`` and ``lead_image`` read the metadata from the page's
structured data and bylines. Nothing here does I/O or keeps state between pages except
trafilatura's caches: call ``reset_caches()`` now and then on long runs (every few thousand
pages) to release their memory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.meta import reset_caches as _reset_trafilatura_caches
from trafilatura.settings import Document

from crawler.extraction import body
from crawler.extraction.agencies import agency_name, text_credit
from crawler.extraction.bylines import find_byline
from crawler.extraction.classify import NON_ARTICLE_PATH
from crawler.extraction.dates import find_dates
from crawler.extraction.html_input import InputError, parse_html, to_unicode
from crawler.extraction.language import detect_language
from crawler.extraction.lead_image import lead_image
from crawler.extraction.limits import within_limits
from crawler.extraction.page_meta import PageMeta, ld_text, read_page_meta
from crawler.extraction.titles import (
    find_kicker,
    page_title,
    pick_title,
    subheadings,
    trail_headings,
    visible_headings,
)
from indexer.article import Article
from indexer.urls import normalize_url, same_site, strip_www

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractOptions:
    """Limits and switches for one extraction; share freely, it is immutable.

    trafilatura has no time limit of its own, so its work is bounded by input size:
    bigger pages (``max_html_bytes``) or trees (``max_elements``) are refused, not truncated.
    """

    max_html_bytes: int = 3_000_000  # refuse bigger pages ("too large")
    max_elements: int = 40_000  # refuse bigger parsed trees ("too many elements")
    max_links: int = 4_000  # refuse link lists ("too many links"; real articles: < 1,100)
    min_text_chars: int = 200  # shorter main text is not an article ("text too short")
    min_article_chars: int = 100  # the same for pages declaring an article (a short blog post)
    include_links: bool = True  # keep links in the Markdown body
    include_tables: bool = True
    favor_precision: bool = False  # trafilatura: less text, fewer false positives
    favor_recall: bool = False  # trafilatura: more text
    detect_language: bool = True  # check the declared language against the text
    now: datetime | None = None  # dates after this are ignored; default: the current time


DEFAULT_OPTIONS = ExtractOptions()


def reset_caches() -> None:
    """Release the memory of trafilatura's, htmldate's and courlan's per-page caches."""
    _reset_trafilatura_caches()


def extract_article(
    html: str | bytes, url: str, options: ExtractOptions | None = None
) -> Article | None:
    """Return the article in ``html`` fetched from ``url``, or None when it is not one."""
    article, reason = extract_with_reason(html, url, options)
    if article is None:
        logger.debug("no article at %s: %s", url, reason)
    return article


def extract_with_reason(
    html: str | bytes,
    url: str,
    options: ExtractOptions | None = None,
    accept: Callable[[HtmlElement], str | None] | None = None,
    http_charset: str | None = None,
) -> tuple[Article | None, str | None]:
    """Return ``(article, None)``, or ``(None, reason)`` saying why the page was rejected.

    ``accept``, if given, looks at the freshly parsed tree before anything changes it (the
    crawl's page classification) and returns a reason to reject the page, or None.
    ``http_charset``: the charset the response's HTTP header names, if any (bytes only).
    """
    options = options or DEFAULT_OPTIONS
    try:
        text = to_unicode(html, options.max_html_bytes, http_charset)
        tree = parse_html(text, options.max_elements, options.max_links)
    except InputError as err:
        return None, str(err)
    if accept is not None and (refusal := accept(tree)) is not None:
        return None, refusal
    now = options.now or datetime.now(UTC)
    try:
        page = read_page_meta(tree)
        body.keep_inline_teasers(tree)
        body.drop_link_tables(tree)
        document = _run_trafilatura(tree, url, options, now)
        if document is None or document.body is None:
            return None, "no main text found"
        text = body.to_text(document.body)
        min_chars = options.min_article_chars if _declares_article(page) else options.min_text_chars
        if len(text) < min_chars:
            return None, f"text too short: {len(text)} < {min_chars} chars"
        headings = visible_headings(tree)  # read once: the headline rule uses them too
        if body.drop_repeated_headline(
            document.body, [*headings, page.first("og:title"), document.title]
        ):
            text = body.to_text(document.body)
        return _build_article(page, tree, headings, document, text, url, options, now), None
    except Exception as err:  # one malformed page must not stop a crawl
        logger.warning("extraction failed for %s", url, exc_info=True)
        return None, f"extraction failed: {type(err).__name__}: {err}"


def _declares_article(page: PageMeta) -> bool:
    """Tell whether the page says it is an article (og:type "article", JSON-LD Article)."""
    return (page.first("og:type") or "").lower().startswith("article") or bool(page.articles())


def _run_trafilatura(
    tree: HtmlElement, url: str, options: ExtractOptions, now: datetime
) -> Document | None:
    result = trafilatura.bare_extraction(
        tree,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_links=options.include_links,
        include_formatting=True,
        include_tables=options.include_tables,
        favor_precision=options.favor_precision,
        favor_recall=options.favor_recall,
        output_format="markdown",
        date_extraction_params={
            "original_date": True,
            # htmldate's extensive search loads dateparser (seconds per process, all locales);
            # crawler.extraction.dates reads the date printed by the headline instead
            "extensive_search": False,
            "max_date": now.strftime("%Y-%m-%d"),
        },
    )
    return result if isinstance(result, Document) else None


def declared_canonical(page: PageMeta, url: str) -> str | None:
    """Return the canonical URL the page declares (rel=canonical, else og:url), made absolute."""
    og_url = page.first("og:url")
    if og_url and (not _is_valid_url(og_url) or urlsplit(og_url).path in ("", "/")):
        og_url = None
    canonical = page.canonical if page.canonical and _is_valid_url(page.canonical) else None
    declared = canonical or og_url
    if not declared:
        return None
    absolute = urljoin(url, declared) if url else declared
    return absolute if _is_valid_url(absolute) else None


def _is_valid_url(url: str) -> bool:
    """Tell whether ``url`` parses (a stray "[" in the host makes urlsplit raise)."""
    try:
        parts = urlsplit(url)
        _ = parts.hostname, parts.port
    except ValueError:
        return False
    return True


# One more path segment that names another version of the same page, not another page
VERSION_SEGMENT = re.compile(r"amp|print|full|all|comments|\d{1,2}|amp\.html|index\.html", re.I)


# Query parameters that show one article another way (a page of it, a print view), so a
# canonical URL without them still names it; any other (?newsID=, ?id=, ?p=) tells pages apart.
SAME_PAGE_PARAMS = frozenset(
    {"page", "amp", "output", "print", "view", "mode", "format", "layout", "single", "full",
     "cpage", "comments", "replytocom", "from", "via", "source", "src", "rss", "feed", "ref"}
)


def identity_url(canonical: str | None, url: str) -> str:
    """Return the article's identity: the normalised canonical URL when it plausibly names
    the fetched page (:func:`plausible_canonical`), else the normalised fetched URL."""
    if canonical and (not url or plausible_canonical(canonical, url)):
        return normalize_url(canonical)
    return normalize_url(url) if url else ""


def plausible_canonical(canonical: str, url: str) -> bool:
    """Tell whether a declared canonical URL can name the article fetched from ``url``.

    Not when it is on another site, the site root, a listing (tag, section, search...), a
    parent path of the fetched URL, or the same path without a query parameter that tells
    pages apart (``?newsID=``): then articles would merge under one identity.
    """
    if not same_site(canonical, url):
        return False
    declared, fetched = urlsplit(normalize_url(canonical)), urlsplit(normalize_url(url))
    path, own = declared.path.rstrip("/"), fetched.path.rstrip("/")
    if not path and (own or fetched.query):
        return False  # the site root
    if own.startswith(path + "/") and not VERSION_SEGMENT.fullmatch(own[len(path) + 1 :]):
        return False  # a parent path: a section or the site (but /story/amp names /story)
    if NON_ARTICLE_PATH.search(declared.path) and not NON_ARTICLE_PATH.search(fetched.path):
        return False
    if path == own and fetched.query:
        names = {p.split("=", 1)[0].lower() for p in declared.query.split("&") if p}
        dropped = {p.split("=", 1)[0].lower() for p in fetched.query.split("&") if p} - names
        return dropped <= SAME_PAGE_PARAMS
    return True


def _site_names(page: PageMeta, document: Document) -> list[str]:
    publishers = [ld_text(a.get("publisher")) for a in page.articles()]
    names = [
        page.first("og:site_name", "application-name", "twitter:site"),
        *publishers,
        document.sitename,
    ]
    return list(dict.fromkeys(n.lstrip("@") for n in names if n))


def _hosts(*urls: str | None) -> list[str]:
    """Return the host names of ``urls`` without "www." (a byline naming one is the site)."""
    return [strip_www(urlsplit(u).hostname or "") for u in urls if u]


def _tags(page: PageMeta, document: Document) -> list[str]:
    tags = page.all("article:tag")
    for article in page.articles():
        keywords = article.get("keywords")
        if isinstance(keywords, str):
            tags.extend(k.strip() for k in keywords.split(","))
        elif isinstance(keywords, list):
            tags.extend(str(k).strip() for k in keywords)
    tags.extend(document.tags or [])
    return list(dict.fromkeys(t for t in tags if t))


def _build_article(
    page: PageMeta,
    tree: HtmlElement,
    headings: list[str],
    document: Document,
    text: str,
    url: str,
    options: ExtractOptions,
    now: datetime,
) -> Article:
    canonical = declared_canonical(page, url)
    site_names = _site_names(page, document)
    headline = next(
        (ld_text(a.get("headline")) for a in page.articles() if a.get("headline")), None
    )
    title = pick_title(
        [headline, page.first("og:title"), page.first("twitter:title")],
        headings,
        site_names,
        subheadings(tree),
        guessed=[page_title(tree)],
        fallback=[document.title],
        trail=trail_headings(tree),
    )
    byline = find_byline(
        page, tree, document.author, exclude=[*site_names, *_hosts(url, canonical)]
    )
    credit = text_credit(text.splitlines())
    publishers = [agency_name(ld_text(a.get("publisher")) or "") for a in page.articles()]
    dates = find_dates(
        page, tree, [u for u in (url, canonical) if u], document.date, now, title=title
    )
    image = lead_image(page, tree, url or canonical or "")
    declared_lang = page.lang or document.language
    section = page.first("article:section") or next(
        (ld_text(a.get("articleSection")) for a in page.articles() if a.get("articleSection")), None
    )
    return within_limits(Article(
        url=identity_url(canonical, url),
        title=title,
        kicker=find_kicker(tree, title, [page.first("og:title"), headline]),
        canonical_url=canonical,
        fetched_url=url,
        site_name=site_names[0] if site_names else "",
        description=page.first("og:description", "description", "twitter:description")
        or document.description
        or "",
        text=text,
        markdown=body.to_markdown(document.body),
        published=dates.published,
        published_source=dates.published_source,
        modified=dates.modified,
        modified_source=dates.modified_source,
        authors=byline.authors,
        agencies=list(
            dict.fromkeys([*byline.agencies, *credit.agencies, *filter(None, publishers)])
        ),
        credit=credit.sentence,
        language=detect_language(declared_lang, text) if options.detect_language else declared_lang,
        section=section or (document.categories[0] if document.categories else None),
        tags=_tags(page, document),
        image=image.url,
        image_credit=image.credit,
        image_credit_url=image.credit_url,
        links=body.link_targets(document.body),
    ))
