"""Private API the distributed scheduler (crawler.distributed.frontier) relies on.

- Scrapy 2.19: ``ExecutionEngine._slot``: ``inprogress`` (a request leaves it only once
  its callback's items went through the pipelines and its requests were queued: then
  its lease can be released) and ``nextcall`` (scheduling it wakes an idle engine at
  once rather than at its 5-second heartbeat). Scrapy gives no public hook for either.
- scrapy-redis 0.9.1: ``Base._encode_request`` / ``Base._decode_request`` of its queues,
  the request (de)serialisation a queue subclass needs to push and pop through its own
  Lua scripts.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.queue import Base


def engine_slot(crawler: Any) -> Any:
    """The engine's slot (``inprogress``, ``nextcall``), or None before it opened."""
    engine = crawler.engine
    return getattr(engine, "_slot", None) if engine is not None else None


def encode_request(queue: Base, request: Request) -> bytes:
    """Serialise ``request`` as ``queue`` stores it."""
    return queue._encode_request(request)


def decode_request(queue: Base, data: bytes) -> Request:
    """Rebuild a request ``queue`` stored."""
    return queue._decode_request(data)
