"""The store's list fields of an :class:`~indexer.article.Article` (authors, agencies,
tags): each a table of names and a table linking articles to them, in order. Its own
module, light to import: the search command reads the names of hits through it
(:mod:`indexer.search.hit_fields`) without importing the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LinkTable:
    """A list field of :class:`Article` kept as a name table plus an article link table."""

    attribute: str
    table: str
    link_table: str
    key: str
    extra: dict[str, type] = field(default_factory=dict)


LINK_TABLES = (
    LinkTable("authors", "authors", "article_authors", "author_id"),
    LinkTable("agencies", "agencies", "article_agencies", "agency_id", {"credit": str}),
    LinkTable("tags", "tags", "article_tags", "tag_id"),
)
