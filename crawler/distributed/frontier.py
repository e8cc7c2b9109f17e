"""Distributed crawling over Redis: scrapy-redis' shared frontier, with leases and a hand-off.

Any number of worker processes (``search_cli.py crawl --redis URL``), on any machines,
share one request queue and one duplicate filter in Redis (scrapy-redis' scheduler and
dupefilter, adapted below). Workers extract articles and push them to a Redis list;
one ingester (:mod:`crawler.distributed.ingester`), next to the archive, stores and indexes them.

What scrapy-redis 0.9.1 lacks, and this module adds:

- Leases: a request popped from the queue is kept in the worker's in-flight hash until
  it is fully processed (its article pushed, its links queued); a worker that dies (its
  heartbeat key expires) has its leases put back in the queue by the others.
- A run: the first worker seeds (feeds, sitemaps, start pages); the others do not. A
  worker with nothing to do waits while the queue has requests, the seeding worker is
  still seeding, or another worker holds leases; the last worker out of a finished run
  clears the duplicate filter, so the next run starts afresh.
- The archived set: the ingester keeps the identity URLs it has stored in a Redis set,
  which workers check instead of the archive (which is on another machine).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import FifoQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler import settings as project
from crawler.distributed.messages import BadMessage, decode_request, encode_request
from crawler.scrapy_fixes.engine import engine_slot

logger = logging.getLogger(__name__)

PREFIX = "news-archive"  # every key lives under it; separate archives use separate DBs
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
TICK_SECONDS = 0.5  # heartbeat, lease acknowledgement, reaping, waking an idle engine
DEFAULT_WORKER_TTL = 15  # seconds without a heartbeat before a worker counts as dead
SEEDING_DONE = "done"

# Pop a request and lease it to a worker, atomically: nothing is lost between the two.
_POP_LEASE = """
local data = redis.call('RPOP', KEYS[1])
if not data then return nil end
local token = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], token, data)
return {token, data}
"""

# Move a lease to the dead letters, atomically (its request could not be read).
_DEAD_LETTER = """
local data = redis.call('HGET', KEYS[1], ARGV[1])
if not data then return 0 end
redis.call('LPUSH', KEYS[2], data)
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
"""

# Mark a request seen and queue it, atomically: a worker killed between the two would
# leave a fingerprint whose request is in no queue and no lease, and the duplicate filter
# would then refuse it to every worker for the rest of the run. No fingerprint: no filter.
_QUEUE_UNSEEN = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
"""

# Whether more requests may come, read in one step: checked one key at a time, a worker
# could find the queue empty, then another worker's lease released because its links were
# just queued, and leave a run that is still going on.
_RUN_ACTIVE = """
if redis.call('LLEN', KEYS[1]) > 0 then return 1 end
local seeder = redis.call('GET', KEYS[2])
if seeder and seeder ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. ':alive:' .. seeder) == 1 then
  return 1
end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if worker ~= ARGV[3] and redis.call('HLEN', ARGV[1] .. ':inflight:' .. worker) > 0 then
    return 1
  end
end
return 0
"""

# Put the leases of dead or stopped workers (no heartbeat key) back at the head of the queue.
_REAP = """
local moved = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. ':alive:' .. worker) == 0 then
    local inflight = ARGV[1] .. ':inflight:' .. worker
    for _, data in ipairs(redis.call('HVALS', inflight)) do
      redis.call('RPUSH', KEYS[2], data)
      moved = moved + 1
    end
    redis.call('DEL', inflight)
    redis.call('SREM', KEYS[1], worker)
  end
end
return moved
"""

# The last worker out of a finished run (empty queue) clears it for the next run.
_FINISH_RUN = """
if redis.call('SCARD', KEYS[1]) == 0 and redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3], KEYS[4])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Keys:
    """The Redis keys of a distributed crawl."""

    prefix: str = PREFIX

    @property
    def requests(self) -> str:
        """The shared request queue (a list, popped from the right)."""
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        """Fingerprints of every request queued in this run (a set)."""
        return f"{self.prefix}:dupefilter"

    @property
    def tokens(self) -> str:
        """The lease counter."""
        return f"{self.prefix}:tokens"

    @property
    def seed(self) -> str:
        """Who seeds the run (a worker id), then ``done``."""
        return f"{self.prefix}:seed"

    @property
    def workers(self) -> str:
        """Registered worker ids (a set)."""
        return f"{self.prefix}:workers"

    @property
    def health(self) -> str:
        """Worker id -> JSON ``{"pages", "articles", "beat"}``: each worker's counts at its
        last beat (a Unix time); a hash, read by the ingester (:mod:`.health`)."""
        return f"{self.prefix}:health"

    @property
    def articles(self) -> str:
        """Serialised articles and failures, from workers to the ingester (a list)."""
        return f"{self.prefix}:articles"

    @property
    def processing(self) -> str:
        """Messages the ingester has taken but not committed yet (a list)."""
        return f"{self.prefix}:articles:processing"

    @property
    def rejected(self) -> str:
        """Messages the ingester could not read (a list of dead letters, for inspection)."""
        return f"{self.prefix}:articles:rejected"

    @property
    def dead_requests(self) -> str:
        """Queued requests a worker could not read (a list of dead letters, for inspection)."""
        return f"{self.prefix}:requests:dead"

    @property
    def archived(self) -> str:
        """Identity URLs of the archived articles (a set, kept by the ingester)."""
        return f"{self.prefix}:archived"

    @property
    def revisits(self) -> str:
        """Identity URL -> JSON ``{"since": DATE, "headers": {...}}``: the age and the
        conditional headers of each archived article (a hash, kept by the ingester)."""
        return f"{self.prefix}:revisits"

    @property
    def failed(self) -> str:
        """URLs whose fetches failed for a passing reason: to retry (a set, by the ingester)."""
        return f"{self.prefix}:failed"

    def exchange(self, exchange_id: str) -> str:
        """Where the ingester wrote a worker's exchange in the WARC files (FILE:OFFSET)."""
        return f"{self.prefix}:exchange:{exchange_id}"

    def alive(self, worker: str) -> str:
        """A worker's heartbeat key (expires when the worker stops beating)."""
        return f"{self.prefix}:alive:{worker}"

    def inflight(self, worker: str) -> str:
        """A worker's leases: token -> serialised request (a hash)."""
        return f"{self.prefix}:inflight:{worker}"


KEYS = Keys()


def connect(url: str) -> redis.Redis:
    """A Redis client for ``url`` (``redis://HOST:PORT/DB``)."""
    if not url.startswith(REDIS_SCHEMES):
        raise ValueError(f"not a Redis URL (redis://HOST:PORT/DB): {url!r}")
    return redis.Redis.from_url(url)


def worker_id() -> str:
    """A worker id unique across machines and restarts: host, pid and a random part."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def distributed_settings(redis_url: str) -> dict[str, Any]:
    """Scrapy settings overrides making a crawl a worker of the Redis crawl at ``redis_url``.

    The frontier and duplicate filter move to Redis; articles, failures and every
    response (for the ingester's WARC files) go to Redis instead of the local store; the
    ingester's archived set, revisit headers and failed URLs replace the local archive's.
    Raises ValueError for a URL
    that is not Redis's, redis.RedisError when the server does not answer.
    """
    connect(redis_url).ping()
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.frontier.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.frontier.LeasedQueue",
        # JSON, never scrapy-redis' default pickle: Redis must not be able to run code here.
        "SCHEDULER_SERIALIZER": "crawler.distributed.messages",
        "DUPEFILTER_CLASS": "crawler.distributed.frontier.FingerprintDupeFilter",
        # The run, not each worker, decides when the shared frontier is cleared.
        "SCHEDULER_PERSIST": True,
        "DISTRIBUTED_WORKER_ID": worker_id(),
        "DISTRIBUTED_WORKER_TTL": DEFAULT_WORKER_TTL,
        "DOWNLOADER_MIDDLEWARES": {
            **project.DOWNLOADER_MIDDLEWARES,
            "crawler.middlewares.SkipKnownMiddleware": None,
            "crawler.distributed.handoff.SkipArchivedMiddleware": 60,
            "crawler.warc.writer.WarcMiddleware": None,
            "crawler.distributed.handoff.ExchangeHandOffMiddleware": 950,
        },
        # One politeness per host across the workers (crawler.distributed.politeness).
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.distributed.politeness.PoliteDownloadHandler",
            "https": "crawler.distributed.politeness.PoliteDownloadHandler",
        },
        # The run-wide delay is DOWNLOAD_DELAY itself (crawler.distributed.politeness):
        # a worker's own randomised delay could not hold it.
        "DOWNLOAD_DELAY_JITTER": 0,
        # URLs that failed in earlier crawls: the ingester publishes them from the archive.
        "RETRY_FAILED_FROM": "crawler.distributed.handoff.published_failures",
        "SPIDER_MIDDLEWARES": {
            **getattr(project, "SPIDER_MIDDLEWARES", {}),
            "crawler.distributed.frontier.SeedOnceMiddleware": 10,
        },
        "ITEM_PIPELINES": {
            **project.ITEM_PIPELINES,
            "crawler.pipelines.StorePipeline": None,
            "crawler.pipelines.IndexPipeline": None,
            "crawler.distributed.handoff.HandOffPipeline": 200,
        },
    }


# --- The shared frontier ---


class Frontier:
    """One worker's view of the run: heartbeat, seeding claim, others' leases, reaping."""

    def __init__(self, server: redis.Redis, worker: str, ttl: int) -> None:
        self.server = server
        self.worker = worker
        self.ttl = ttl
        self._reap = server.register_script(_REAP)
        self._run_active = server.register_script(_RUN_ACTIVE)
        self._finish_run = server.register_script(_FINISH_RUN)

    @classmethod
    def from_settings(cls, settings: Any) -> Frontier:
        """The frontier of the crawl the settings name (REDIS_URL, DISTRIBUTED_WORKER_ID)."""
        return cls(
            connect(settings["REDIS_URL"]),
            settings["DISTRIBUTED_WORKER_ID"],
            settings.getint("DISTRIBUTED_WORKER_TTL", DEFAULT_WORKER_TTL),
        )

    def join(self) -> None:
        """Requeue dead workers' leases, clear a finished run left behind, then beat."""
        self.reap()
        self._finish()
        self.beat()

    def beat(self, counts: Mapping[str, int] | None = None) -> None:
        """Register this worker and say it is alive for another TTL, with its ``counts``."""
        pipe = self.server.pipeline()
        pipe.sadd(KEYS.workers, self.worker)
        pipe.set(KEYS.alive(self.worker), "1", ex=self.ttl)
        pipe.hset(KEYS.health, self.worker, json.dumps({**(counts or {}), "beat": time.time()}))
        pipe.execute()

    def reap(self) -> int:
        """Requeue the leases of dead or stopped workers; return how many requests came back."""
        keys = [KEYS.workers, KEYS.requests]
        moved = int(self._reap(keys=keys, args=[KEYS.prefix]))
        if moved:
            logger.warning("Requeued %d requests leased by dead or stopped workers", moved)
        return moved

    def claim_seeding(self) -> bool:
        """Become the run's seeding worker, unless the run already has one."""
        return bool(self.server.set(KEYS.seed, self.worker, nx=True))

    def seeding_done(self) -> None:
        """Mark the run as seeded."""
        self.server.set(KEYS.seed, SEEDING_DONE)

    def run_active(self) -> bool:
        """Tell whether more requests may come: queued, being seeded, or leased by others."""
        self.reap()
        keys = [KEYS.requests, KEYS.seed, KEYS.workers]
        return bool(self._run_active(keys=keys, args=[KEYS.prefix, SEEDING_DONE, self.worker]))

    def leave(self, counts: Mapping[str, int] | None = None) -> bool:
        """Unregister (with the last ``counts``), requeueing unreleased leases; end the run
        if last out and none queued."""
        self.beat(counts)
        self.server.delete(KEYS.alive(self.worker))
        self.reap()
        return self._finish()

    def _finish(self) -> bool:
        """Clear the run (duplicate filter, seeding mark) if no worker is left and none queued."""
        keys = [KEYS.workers, KEYS.requests, KEYS.dupefilter, KEYS.seed]
        return bool(self._finish_run(keys=keys))


class LeasedQueue(FifoQueue):
    """scrapy-redis' FIFO queue, popping into the worker's in-flight hash (a lease)."""

    def __init__(self, server: redis.Redis, spider: Spider, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        self.inflight = KEYS.inflight(spider.settings["DISTRIBUTED_WORKER_ID"])
        self.leases: dict[int, Request] = {}
        self._pop = server.register_script(_POP_LEASE)
        self._queue_unseen = server.register_script(_QUEUE_UNSEEN)
        self._pop_dead = server.register_script(_DEAD_LETTER)

    def push_unseen(self, request: Request, fingerprint: str | None) -> bool:
        """Queue a request unless its fingerprint is in the run's duplicate filter, which
        gets it (atomically); None queues it unfiltered. Tell whether it was queued."""
        keys = [KEYS.dupefilter, self.key]
        args: list[str | bytes] = [fingerprint or "", encode_request(request, self.spider)]
        return bool(self._queue_unseen(keys=keys, args=args))

    def pop(self, timeout: int = 0) -> Request | None:
        """Pop the next request and lease it (never blocks: the reactor must keep running).

        A queued entry that is not a request of ours goes to the dead letters.
        """
        while found := self._pop(keys=[self.key, self.inflight, KEYS.tokens]):
            token, data = found
            try:
                request = decode_request(data, self.spider)
            except BadMessage as exc:
                logger.error("Moved an unreadable request to %s: %s", KEYS.dead_requests, exc)
                self._pop_dead(keys=[self.inflight, KEYS.dead_requests], args=[token])
                continue
            self.leases[int(token)] = request
            return request
        return None

    def ack(self, tokens: list[int]) -> None:
        """Release these leases: their requests are done."""
        if tokens:
            self.server.hdel(self.inflight, *tokens)
            for token in tokens:
                del self.leases[token]


class FingerprintDupeFilter(RFPDupeFilter):
    """scrapy-redis' duplicate filter keyed by Scrapy's own request fingerprints.

    scrapy-redis 0.9.1 hashes method, canonical URL and body itself; this uses the
    crawler's REQUEST_FINGERPRINTER, as Scrapy's own duplicate filter does.
    """

    def __init__(self, server: redis.Redis, key: str, debug: bool = False, crawler: Any = None):
        super().__init__(server, key, debug)
        self.fingerprinter = crawler.request_fingerprinter if crawler else None

    @classmethod
    def from_spider(cls, spider: Spider) -> FingerprintDupeFilter:
        """Build the filter for the spider's crawler, on the run's key."""
        settings = spider.settings
        return cls(
            connect(settings["REDIS_URL"]),
            KEYS.dupefilter,
            settings.getbool("DUPEFILTER_DEBUG"),
            spider.crawler,
        )

    def request_fingerprint(self, request: Request) -> str:
        """Scrapy's fingerprint of the request, in hex."""
        if self.fingerprinter is None:
            return super().request_fingerprint(request)
        return self.fingerprinter.fingerprint(request).hex()


class FrontierScheduler(Scheduler):
    """scrapy-redis' scheduler with leases, a heartbeat and run-wide idleness.

    A lease is released once the engine's slot no longer holds its request, and an idle
    worker is woken through the slot when requests arrive (crawler.scrapy_fixes.scheduler).
    """

    queue: LeasedQueue

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrontierScheduler:
        """Build the scheduler on the run's keys; wait for the spider to go idle."""
        scheduler = super().from_crawler(crawler)
        scheduler.queue_key = KEYS.requests
        scheduler.dupefilter_key = KEYS.dupefilter
        scheduler.crawler = crawler
        scheduler.frontier = Frontier.from_settings(crawler.settings)
        scheduler.loop = LoopingCall(scheduler.tick)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Spider) -> None:
        """Join the run (a new one if none is going on) and start ticking."""
        self.frontier.join()
        super().open(spider)
        self.loop.start(TICK_SECONDS, now=False)
        logger.info("Worker %s joined the crawl at %s", self.frontier.worker, self.server)

    def close(self, reason: str) -> None:
        """Leave the run, requeueing unfinished requests; the last worker out clears the run."""
        if self.loop.running:
            self.loop.stop()
        self._ack_finished()
        if self.frontier.leave(self._counts()):
            logger.info("Run finished: frontier cleared for the next run")
        super().close(reason)

    def enqueue_request(self, request: Request) -> bool:
        """Queue a request the run has not seen (as scrapy-redis does, but marking it seen
        and queueing it in one step, and minus its stats call passing ``spider``,
        deprecated since Scrapy 2.19)."""
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push_unseen(request, fingerprint):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        """Lease the next request of the run, if any (never blocks the reactor)."""
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _ack_finished(self) -> None:
        """Release the leases of requests the engine is done with."""
        slot = engine_slot(self.crawler.engine)
        if slot is not None:
            self.queue.ack([t for t, r in self.queue.leases.items() if r not in slot.inprogress])

    def _counts(self) -> dict[str, int]:
        """What this worker did so far: pages fetched, articles handed over."""
        stats = self.crawler.stats
        return {
            "pages": stats.get_value("downloader/response_count", 0),
            "articles": stats.get_value("archive/handed_over", 0),
        }

    def tick(self) -> None:
        """Beat, release finished leases, requeue dead workers' leases, wake an idle engine."""
        try:
            self.frontier.beat(self._counts())
            self._ack_finished()
            self.frontier.reap()
            slot = engine_slot(self.crawler.engine)
            if slot is not None and not slot.inprogress:
                slot.nextcall.schedule()
        except redis.RedisError as exc:
            logger.warning("Redis unavailable (%s): retrying", exc)

    def spider_idle(self, spider: Spider) -> None:
        """Keep an idle worker open while the run may still produce requests (signal handler)."""
        try:
            active = self.frontier.run_active()
        except redis.RedisError as exc:
            logger.warning("Redis unavailable (%s): waiting", exc)
            active = True
        if active:
            raise DontCloseSpider


class SeedOnceMiddleware:
    """Let only the run's first worker seed the crawl (feeds, sitemaps, start pages)."""

    def __init__(self, frontier: Frontier) -> None:
        self.frontier = frontier

    @classmethod
    def from_crawler(cls, crawler: Any) -> SeedOnceMiddleware:
        """Build the middleware for a crawler."""
        return cls(Frontier.from_settings(crawler.settings))

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """Pass the spider's start requests through if this worker seeds the run, else none."""
        if not self.frontier.claim_seeding():
            logger.info("The run is seeded by another worker: taking requests from the queue")
            return
        try:
            async for request in start:
                yield request
        finally:
            self.frontier.seeding_done()
