"""A distributed worker's side of the archive: what it reads from the ingester, and sends.

The worker has no archive. The ingester publishes in Redis what a crawl reads from one:
the archived identity URLs, the age and validators of each archived article (for
``revisit_days``), and the URLs to retry; the worker sends it every response with its
request (for the WARC files), each article and each failure.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response

from crawler.distributed.frontier import KEYS, connect
from crawler.distributed.messages import Exchanged, encode_item
from crawler.items import ArticleItem, FailureItem
from crawler.middlewares import SkipKnownMiddleware
from crawler.warc.writer import Exchange

logger = logging.getLogger(__name__)


def published_failures(settings: Any) -> list[str]:
    """The URLs the ingester found failed in earlier crawls, to retry (RETRY_FAILED_FROM)."""
    server = connect(settings["REDIS_URL"])
    urls = server.smembers(KEYS.failed)
    return sorted(u.decode() if isinstance(u, bytes) else str(u) for u in urls)


class SkipArchivedMiddleware(SkipKnownMiddleware):
    """Skip what the ingester archived (its archived set), and revisit young articles
    with the conditional headers it published."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.server = connect(crawler.settings["REDIS_URL"])

    def is_archived(self, identity: str) -> bool:
        """Tell whether the identity URL is in the run's archived set."""
        return bool(self.server.sismember(KEYS.archived, identity))

    def conditions(self, identity: str, days: int) -> dict[str, str] | None:
        """The published conditional headers of an archived article, None if it is older
        than ``days`` (or none were published)."""
        entry = self.server.hget(KEYS.revisits, identity)
        try:
            revisit: Any = json.loads(entry) if entry else None
            since, headers = revisit["since"], revisit["headers"]
            valid = isinstance(since, str) and isinstance(headers, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
            )
        except (ValueError, TypeError, KeyError):
            valid = False
        if not valid:
            if entry:
                logger.error("Unreadable revisit entry for %s: ignored", identity)
            return None
        cutoff = (datetime.now(UTC) - timedelta(days=days)).date().isoformat()
        return dict(headers) if since >= cutoff else None


class ExchangeHandOffMiddleware:
    """Send each response, with its request, to the ingester's WARC files.

    In the place of the WARC writer, next to the downloader: the response is as it came
    over the wire. ``request.meta["warc"]`` names the exchange (``exchange:ID``); the
    ingester puts the WARC location of the exchange in the place of the name.
    """

    def __init__(self, crawler: Any) -> None:
        self.server = connect(crawler.settings["REDIS_URL"])

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExchangeHandOffMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        """Push the exchange to Redis; note its name in ``request.meta["warc"]``."""
        exchanged = Exchanged(uuid.uuid4().hex, Exchange.capture(request, response))
        self.server.lpush(KEYS.articles, encode_item(exchanged))
        request.meta["warc"] = exchanged.location
        return response


class HandOffPipeline:
    """Push extracted articles (with their raw page) and failures to the ingester's list."""

    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats
        self.server = connect(crawler.settings["REDIS_URL"])

    @classmethod
    def from_crawler(cls, crawler: Any) -> HandOffPipeline:
        """Build the pipeline for a crawler."""
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        """Push an ArticleItem or FailureItem to Redis; pass other items through."""
        if isinstance(item, (ArticleItem, FailureItem)):
            self.server.lpush(KEYS.articles, encode_item(item))
            kind = "handed_over" if isinstance(item, ArticleItem) else "failed"
            self.stats.inc_value(f"archive/{kind}")
        return item
