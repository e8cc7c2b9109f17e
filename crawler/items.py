"""Items passed from the spider to the pipelines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from indexer.article import Article


@dataclass
class PageItem:
    """A downloaded page that looks like an article, before extraction."""

    url: str
    source: str
    body: bytes = field(repr=False)  # keep whole pages out of log lines
    encoding: str | None  # the charset its Content-Type header names (html_input.decode_html)
    status: int
    via: str  # how it was found: feed, sitemap, news-sitemap, link, url
    warc: str | None = None  # where the response was archived ("FILE:OFFSET"), if it was
    # True: found on the way, its URL says nothing: extraction first checks that it looks
    # like an article (crawler.extraction.classify), on the tree it parses anyway
    classify: bool = False
    # the URLs requested before redirects led here: addresses of the article too
    reached_by: list[str] = field(default_factory=list)


@dataclass
class ArticleItem:
    """An extracted article with the raw response it came from."""

    # no text in log lines (Scrapy logs scraped items at DEBUG): the id and URL say which
    article: Article = field(repr=False)
    raw: bytes = field(repr=False)
    warc: str | None = None
    # the MinHash signature of the text (indexer.syndication.signature), computed where
    # the article was extracted; None: the store computes it
    signature: Any = field(default=None, repr=False)
    reached_by: list[str] = field(default_factory=list)  # as PageItem.reached_by

    def __repr__(self) -> str:
        return f"ArticleItem(id={self.article.id!r}, url={self.article.url!r}, warc={self.warc!r})"


@dataclass
class FailureItem:
    """A request that failed for good (network error, HTTP error, refused)."""

    url: str
    source: str
    error: str
    status: int | None = None


# a page the source's ``article_urls`` patterns rule out (crawl and import-warc alike)
NOT_ARTICLE_URL = "not an article URL (article_urls)"


def reasons_text(counts: Mapping[str, int]) -> str:
    """The not-stored counts by reason as the summaries print them: " (soft_404 1, ...)"."""
    reasons = ", ".join(f"{key} {count}" for key, count in sorted(counts.items()) if count)
    return f" ({reasons})" if reasons else ""


def reason_key(reason: str) -> str:
    """The counter name of a reason a page was not stored: "text too short: 87 < 200" ->
    "text_too_short"."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"\(.*", "", reason.split(":", 1)[0].lower()))
    return "_".join(words) or "unknown"
