"""The article record: what extraction builds and everything downstream reads."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ARTICLE_ID = re.compile(r"[0-9a-f]{16}")  # what article_id() returns


def article_id(url: str) -> str:
    """Return the stable 16-hex-digit id of an article from its identity URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


@dataclass
class Article:
    """One archived news article.

    ``url`` is the identity (the normalised canonical address); ``canonical_url`` is the
    address the page declares, kept verbatim even on another host; ``fetched_url`` is
    where the crawler got it. Dates are ISO 8601 strings, with the page's time zone
    when it gives one; ``*_source`` says where a date came from (json-ld, meta, time,
    url, text).
    """

    url: str
    title: str = ""
    kicker: str = ""  # the line above the headline (Dachzeile), never part of ``title``
    id: str = ""
    canonical_url: str | None = None
    fetched_url: str = ""
    source: str = ""
    site_name: str = ""
    description: str = ""
    text: str = ""
    markdown: str = ""
    published: str | None = None
    published_source: str | None = None
    modified: str | None = None
    modified_source: str | None = None
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    credit: str = ""
    language: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    image_credit: str | None = None
    image_credit_url: str | None = None
    links: list[str] = field(default_factory=list)
    word_count: int = 0
    fetched_at: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            self.id = article_id(self.url)
        if not self.word_count and self.text:
            self.word_count = len(self.text.split())

    @property
    def original_url(self) -> str:
        """The address to cite: the declared canonical URL, else the fetched one."""
        return self.canonical_url or self.fetched_url or self.url

    def to_dict(self) -> dict[str, Any]:
        """Return every field as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Build an article from a dict, ignoring keys that are not fields."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
