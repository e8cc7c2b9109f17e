"""Collect a page's declared metadata once: meta tags, JSON-LD objects, lang, canonical link."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from crawler.extraction.meta_xpaths import ARTICLE_TYPES, CANONICAL_XPATH, JSONLD_XPATH, META_XPATH

logger = logging.getLogger(__name__)

JSON_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")
MAX_JSONLD_DEPTH = 8


@dataclass
class PageMeta:
    """What a page declares about itself, gathered in one pass over its head and scripts."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    lang: str | None = None
    canonical: str | None = None

    def first(self, *keys: str) -> str | None:
        """Return the first non-empty meta content among ``keys`` (lower-cased names)."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    def all(self, *keys: str) -> list[str]:
        """Return every non-empty meta content under ``keys``, in order."""
        return [v.strip() for key in keys for v in self.meta.get(key, ()) if v.strip()]

    def resolve(self, value: Any) -> Any:
        """Replace a JSON-LD reference ({"@id": ...} without a name) by the object it names."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict) and "name" not in value and value.get("@id"):
            return next((obj for obj in self.jsonld if obj.get("@id") == value["@id"]), value)
        return value

    def articles(self) -> list[dict[str, Any]]:
        """Return JSON-LD objects typed as articles (NewsArticle, BlogPosting...), first first."""
        return [obj for obj in self.jsonld if ARTICLE_TYPES & ld_types(obj)]


def ld_types(obj: dict[str, Any]) -> set[str]:
    """Return the schema.org @type names of a JSON-LD object."""
    value = obj.get("@type")
    names = value if isinstance(value, list) else [value]
    return {str(name).rsplit("/", 1)[-1] for name in names if name}


def ld_text(value: Any) -> str | None:
    """Return a plain string for a JSON-LD value (string, first list item, or {"name": ...})."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("url") or value.get("@id")
    if isinstance(value, str | int | float) and str(value).strip():
        return str(value).strip()
    return None


def _walk(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Yield every dict in a JSON-LD document, @graph members and nested objects included."""
    if depth > MAX_JSONLD_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, dict):
        if "@type" in value:
            yield value
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in value:
                yield from _walk(value[key], depth + 1)


def _load_json(text: str) -> Any:
    """Parse a JSON-LD script leniently (control characters, trailing commas); None if hopeless."""
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
    for candidate in (text, JSON_TRAILING_COMMA_RE.sub(r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except json.JSONDecodeError:
            continue
    logger.debug("unparsable JSON-LD block (%s chars)", len(text))
    return None


def read_page_meta(tree: HtmlElement) -> PageMeta:
    """Gather meta tags (by name, property, itemprop), JSON-LD objects, lang and canonical link."""
    page = PageMeta()
    for element in META_XPATH(tree):
        content = element.get("content")
        if content is None:
            continue
        for attr in ("name", "property", "itemprop", "http-equiv"):
            key = element.get(attr)
            if key:
                page.meta.setdefault(key.strip().lower(), []).append(content)
    for script in JSONLD_XPATH(tree):
        if script.text:
            page.jsonld.extend(_walk(_load_json(script.text)))
    page.lang = (
        tree.get("lang")
        or tree.get("xml:lang")
        or page.first("content-language", "og:locale", "language", "dc.language")
    )
    canonical = CANONICAL_XPATH(tree)
    if canonical:
        page.canonical = canonical[0].strip() or None
    return page
