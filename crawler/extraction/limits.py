"""Caps on the metadata of an article, at lengths real articles never reach.

Measured on the labelled sets (../shared/corpus, corpus-news: 500 pages): the longest
title has 175 characters, the longest author name 43, the most authors on one article 9.
A page past a cap is hostile or broken (50,000 JSON-LD keywords, a 100,000-character
title): what goes over is cut, and the cut is logged.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from indexer.article import Article

logger = logging.getLogger(__name__)

TITLE_MAX = 1_000  # characters
DESCRIPTION_MAX = 5_000
NAME_MAX = 200  # one author or tag
AUTHORS_MAX = 50  # names per article
TAGS_MAX = 100


def _cut_text(value: str, limit: int, name: str, cuts: list[str]) -> str:
    if len(value) <= limit:
        return value
    cuts.append(f"{name} {len(value):,} -> {limit:,} characters")
    return value[:limit].rstrip()


def _cut_names(values: list[str], limit: int, name: str, cuts: list[str]) -> list[str]:
    kept = [v for v in values if len(v) <= NAME_MAX]
    if len(kept) < len(values):
        cuts.append(f"{len(values) - len(kept):,} {name} over {NAME_MAX} characters")
    if len(kept) > limit:
        cuts.append(f"{name} {len(kept):,} -> {limit}")
        kept = kept[:limit]
    return kept


def report_cuts_on_stderr() -> None:
    """In an extraction worker (logging is not set up there): log the cuts to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


def within_limits(article: Article) -> Article:
    """``article`` with its title, description, authors and tags cut to the caps."""
    cuts: list[str] = []
    limited = replace(
        article,
        title=_cut_text(article.title, TITLE_MAX, "title", cuts),
        description=_cut_text(article.description, DESCRIPTION_MAX, "description", cuts),
        authors=_cut_names(article.authors, AUTHORS_MAX, "authors", cuts),
        tags=_cut_names(article.tags, TAGS_MAX, "tags", cuts),
    )
    if not cuts:
        return article
    logger.warning("Cut %s: %s", article.url, "; ".join(cuts))
    return limited
