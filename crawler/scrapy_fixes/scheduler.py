"""Private API the distributed scheduler (crawler.distributed.frontier) relies on.

- Scrapy 2.19: the engine's slot (:mod:`crawler.scrapy_fixes.engine`): a lease is
  released once its request left ``inprogress``; ``nextcall`` wakes an idle worker at
  once rather than at the engine's 5-second heartbeat.
- scrapy-redis 0.9.1: ``Base._encode_request`` / ``Base._decode_request`` of its queues,
  the request (de)serialisation a queue subclass needs to push and pop through its own
  Lua scripts.
"""

from __future__ import annotations

from scrapy import Request
from scrapy_redis.queue import Base


def encode_request(queue: Base, request: Request) -> bytes:
    """Serialise ``request`` as ``queue`` stores it."""
    return queue._encode_request(request)


def decode_request(queue: Base, data: bytes) -> Request:
    """Rebuild a request ``queue`` stored."""
    return queue._decode_request(data)
