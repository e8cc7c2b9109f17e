"""Scrapy's robots.txt middleware, with every request checked (Scrapy 2.14-2.19).

Private API: ``RobotsTxtMiddleware._parsers`` (a host's parser, or the Deferred of its
robots.txt download while in flight) and the overridable ``process_request_2``.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.middlewares import Refused


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
