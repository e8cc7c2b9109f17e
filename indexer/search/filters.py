"""The search flags, one :class:`Filters` object ANDed with a query."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from indexer.search.query import clean_query, parse_period
from indexer.search.terms import lang_key, normalize_key


@dataclass(frozen=True)
class Filters:
    """The articles a search is limited to: each flag given (None: any) must match.

    ``since`` and ``until`` take ``2022``, ``2022-10`` or ``2022-10-27``."""

    source: str | None = None
    author: str | None = None
    agency: str | None = None
    lang: str | None = None
    since: str | None = None
    until: str | None = None

    def replaced(self, **flags: str | None) -> Filters:
        """Return these filters with the given flags replaced (a TypeError for unknown
        names, as for unknown keyword arguments)."""
        return replace(self, **flags) if flags else self

    def flag_keys(self) -> list[tuple[str, str]]:
        """Return (index field, matching key) of each name flag given (source, author,
        agency, lang), as the index writes them."""
        flags = (
            ("source", self.source, lambda v: " ".join(v.split()).lower()),
            ("author", self.author, normalize_key),
            ("agency", self.agency, normalize_key),
            ("lang", self.lang, lang_key),
        )
        return [(name, keyed(clean_query(v))) for name, v, keyed in flags if v is not None]

    def period(self) -> tuple[date | None, date | None] | None:
        """Return the (first, last) day of ``since`` and ``until``, or None without them."""
        if self.since is None and self.until is None:
            return None
        return (
            parse_period(self.since)[0] if self.since else None,
            parse_period(self.until)[1] if self.until else None,
        )
