"""Scrapy's robots.txt middleware, with every request checked (Scrapy 2.14-2.19).

Private API: ``RobotsTxtMiddleware._parsers`` (a host's parser, or the Deferred of its
robots.txt download while in flight) and the overridable ``process_request_2``.

Also (Scrapy 2.19): for a host that does not answer, the robots.txt middleware logs an
ERROR with a 60-line traceback, and the retry middleware a WARNING per URL it gives up
on; the crawl already says WARNING "Failed URL: reason" once for the host and marks the
source dead in its summary. :class:`QuietNetworkErrors` turns those records into INFO
lines without the traceback, so cron mails one line per dead host.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.middlewares import Refused


class QuietNetworkErrors(logging.Filter):
    """Log Scrapy's own reports of a host that does not answer at INFO, untraced.

    Every record of the robots.txt middleware's (its errors come with a traceback; the
    page's own failure is reported by the spider), and the retry middleware's "Gave up
    retrying" for a host that refused the connection or does not resolve (other failures,
    a 503 or a timeout, stay warnings: the host is there but the page is not served).
    """

    UNREACHABLE = ("Connection was refused", "DNS lookup failed", "No route to host",
                   "Network is unreachable")

    def __init__(self, logger_name: str, *, only_unreachable: bool) -> None:
        super().__init__(logger_name)
        self.only_unreachable = only_unreachable

    def filter(self, record: logging.LogRecord) -> bool:
        """Demote the record (it stays in a verbose log)."""
        if record.levelno > logging.INFO and (
            not self.only_unreachable
            or any(marker in record.getMessage() for marker in self.UNREACHABLE)
        ):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
        return True


for _name, _only in (("scrapy.downloadermiddlewares.robotstxt", False),
                     ("scrapy.downloadermiddlewares.retry", True)):
    logging.getLogger(_name).addFilter(QuietNetworkErrors(_name, only_unreachable=_only))


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every waiting request checked.

    In Scrapy 2.14-2.19, when several requests to a host start before its robots.txt
    has loaded, the shared Deferred hands the parser to the first waiter only and the
    others pass unchecked. Here each waiter gets its own Deferred, relayed from the one
    the download fires.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """Return the host's parser, waiting for its download when it is in flight."""
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred[RobotParser | None] = Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        """Refuse a request robots.txt disallows (as Refused, so it is not a failure)."""
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:
            raise Refused(str(exc)) from None
