"""One politeness per site across all the workers of a distributed crawl.

Each worker's Scrapy downloader keeps ``CONCURRENT_REQUESTS_PER_DOMAIN`` and
``DOWNLOAD_DELAY`` for its own requests only; N workers would send a site N times as
much. :class:`PoliteDownloadHandler`, the worker's HTTP download handler, takes a
place for the request's host in Redis before sending it, in one Lua step:

- at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` places per host are held at once, run-wide;
- a place is given no sooner than the host's delay after the previous one, the delay
  being the largest of ``DOWNLOAD_DELAY``, the worker's AutoThrottle delay for the host
  and the host's robots.txt ``Crawl-delay`` (shared in Redis by whichever worker read it);
- times are Redis's own clock (``TIME``), so the machines' clocks do not matter;
- a place is a lease: its worker renews it while the download lasts, and it frees itself
  ``DOWNLOAD_TIMEOUT`` + ``DISTRIBUTED_WORKER_TTL`` seconds after a worker died holding
  it (a download may last ``DOWNLOAD_TIMEOUT``, renewed or not).

The place is given back as soon as the response (or the error) comes back. Requests
waiting for a place wait in the handler, polling, without blocking the reactor.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.task import LoopingCall, deferLater

from crawler.distributed.frontier import DEFAULT_WORKER_TTL, KEYS, TICK_SECONDS, connect

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05  # how often a request waiting for a full host asks again

# KEYS: holders (zset token -> lease end, ms), next allowed start (ms), robots delays (hash)
# ARGV: token, limit, delay (ms), lease (ms), host
# Returns 0 (taken), -1 (every place held) or the milliseconds until the next start.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local after = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < after then return after - now end
local delay = tonumber(ARGV[3])
local robots = tonumber(redis.call('HGET', KEYS[3], ARGV[5]) or '0')
if robots * 1000 > delay then delay = math.floor(robots * 1000) end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('SET', KEYS[2], now + delay, 'PX', delay + 60000)
return 0
"""

# KEYS: holders of a host; ARGV: lease (ms), tokens. Extends the leases still held.
_RENEW = """
local t = redis.call('TIME')
local deadline = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i]) end
return 0
"""


def holders_key(host: str) -> str:
    """The places held on a host (a sorted set: lease token -> lease end, ms)."""
    return f"{KEYS.prefix}:politeness:{host}:held"


def next_key(host: str) -> str:
    """When the next request to a host may start (ms, Redis's clock)."""
    return f"{KEYS.prefix}:politeness:{host}:next"


ROBOTS_DELAYS = f"{KEYS.prefix}:politeness:crawl-delay"  # host -> robots.txt Crawl-delay (s)


class PoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, taking a run-wide place for the host before each download.

    The handler is where the downloader sends a request, after the worker's own slot,
    delay and concurrency let it go: a place taken here is taken when the request
    leaves, not before a wait in the worker's queues (which would let another worker's
    request leave too soon after it). The place is given back when the response has
    come in, or the download failed.
    """

    lazy = False  # built at start-up: robots.txt files parsed from the first one on

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.server = connect(settings["REDIS_URL"])
        self.limit = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        # Longer than a download may last: a worker whose reactor stalls (and cannot renew)
        # keeps its places while its requests may still be on the wire.
        self.lease_ms = 1000 * (
            settings.getint("DOWNLOAD_TIMEOUT")
            + settings.getint("DISTRIBUTED_WORKER_TTL", DEFAULT_WORKER_TTL)
        )
        self.held: dict[str, set[str]] = {}
        self._take = self.server.register_script(_TAKE)
        self._renew = self.server.register_script(_RENEW)
        self.loop = LoopingCall(self.renew)
        self.loop.start(TICK_SECONDS, now=False)
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    async def download_request(self, request: Request) -> Response:
        """Download the request once its host has a free place and its delay has passed."""
        host = (urlparse_cached(request).hostname or "").lower()
        token = await self._take_place(host, request)
        try:
            return await super().download_request(request)
        finally:
            self._give_back(host, token)

    async def close(self) -> None:
        """Stop renewing, give back what is still held, close the connections."""
        if self.loop.running:
            self.loop.stop()
        for host, tokens in list(self.held.items()):
            for token in list(tokens):
                self._give_back(host, token)
        await super().close()

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Share the host's robots.txt Crawl-delay with every worker (signal handler)."""
        parser: Any = getattr(robotparser, "rp", None)  # Protego's parser
        agent = self.crawler.settings.get("USER_AGENT") or "*"
        delay = parser.crawl_delay(agent) if hasattr(parser, "crawl_delay") else None
        if delay:
            host = (urlparse_cached(request).hostname or "").lower()
            self.server.hset(ROBOTS_DELAYS, host, float(delay))
            logger.info("robots.txt of %s asks for %s s between requests", host, delay)

    def renew(self) -> None:
        """Extend the leases of the places this worker holds (every tick)."""
        try:
            for host, tokens in self.held.items():
                if tokens:
                    self._renew(keys=[holders_key(host)], args=[self.lease_ms, *tokens])
        except redis.RedisError as exc:
            logger.warning("Redis unavailable (%s): retrying", exc)

    def _delay_ms(self, request: Request) -> int:
        """The worker's delay for a request's slot: DOWNLOAD_DELAY, or AutoThrottle's if
        longer."""
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        return int(1000 * max(self.delay, getattr(slot, "delay", 0.0)))

    async def _take_place(self, host: str, request: Request) -> str:
        """Wait for a free place on the host and the end of its delay; take the place."""
        token = uuid.uuid4().hex
        keys = [holders_key(host), next_key(host), ROBOTS_DELAYS]
        while True:
            args = [token, self.limit, self._delay_ms(request), self.lease_ms, host]
            try:
                wait = int(self._take(keys=keys, args=args))
            except redis.RedisError as exc:
                logger.warning("Redis unavailable (%s): waiting", exc)
                wait = 1000
            if wait == 0:
                self.held.setdefault(host, set()).add(token)
                return token
            seconds = POLL_SECONDS if wait < 0 else wait / 1000
            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    def _give_back(self, host: str, token: str) -> None:
        self.held.get(host, set()).discard(token)
        try:
            self.server.zrem(holders_key(host), token)
        except redis.RedisError as exc:  # the lease ends by itself
            logger.warning("Redis unavailable (%s): place on %s left to expire", exc, host)
