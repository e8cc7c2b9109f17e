"""Revisit young archived articles with conditional requests (ETag / Last-Modified).

A source with ``revisit_days = N`` has its articles younger than N days fetched again on
each crawl, with the validators of the archived response (read from its WARC record), so
an unchanged page costs a ``304 Not Modified`` and changes nothing; a changed one goes
through extraction and the store, which keeps the earlier version as a revision.
"""

from __future__ import annotations

import logging

from indexer.store import Archive, StoreError

logger = logging.getLogger(__name__)


def revisit_conditions(archive: Archive, identity: str, days: int) -> dict[str, str] | None:
    """Return the conditional headers to revisit an archived article, None if too old.

    The headers are empty when the archived response is not in a WARC file or gave no
    validators: the page is then fetched whole and compared by its content.
    """
    article_id = archive.young_article(identity, days)
    if article_id is None:
        return None
    location = archive.page_location(article_id)
    if location is None:
        return {}
    try:
        response = archive.read_warc(location)
    except StoreError as exc:
        logger.warning("Cannot read the archived response of %s: %s", identity, exc)
        return {}
    conditions = {}
    if etag := response.header("ETag"):
        conditions["If-None-Match"] = etag
    if modified := response.header("Last-Modified"):
        conditions["If-Modified-Since"] = modified
    return conditions
