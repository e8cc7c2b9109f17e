"""The health of a distributed crawl's workers, as the ingester records it in the archive.

Each worker writes its counts (pages fetched, articles handed over) and the time with
every heartbeat (:meth:`crawler.distributed.frontier.Frontier.beat`); a worker is alive
while its heartbeat key lasts. The ingester copies what it reads here into its crawl
record, which ``stats`` shows.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import redis

from crawler.distributed.frontier import KEYS

logger = logging.getLogger(__name__)


def _entry(raw: bytes | str) -> dict[str, Any] | None:
    """A worker's health entry, checked; None if it is not one."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("beat"), (int, float)):
        return None
    counts = [entry.get(name, 0) for name in ("pages", "articles")]
    if not all(isinstance(n, int) and n >= 0 for n in counts):
        return None
    return entry


def workers_health(server: redis.Redis, since: float) -> dict[str, dict[str, Any]]:
    """The workers that beat since ``since`` (a Unix time), by id: alive or not, pages,
    articles, last beat (UTC, ISO 8601)."""
    found: dict[str, dict[str, Any]] = {}
    for worker, raw in server.hgetall(KEYS.health).items():
        name = worker.decode(errors="replace") if isinstance(worker, bytes) else str(worker)
        entry = _entry(raw)
        if entry is None:
            logger.warning("Unreadable health entry of worker %s: ignored", name)
        elif entry["beat"] >= since:
            found[name] = entry
    pipe = server.pipeline()
    for name in found:
        pipe.exists(KEYS.alive(name))
    alive = pipe.execute()
    return {
        name: {
            "alive": bool(up),
            "pages": entry.get("pages", 0),
            "articles": entry.get("articles", 0),
            "last_beat": datetime.fromtimestamp(entry["beat"], UTC).isoformat(timespec="seconds"),
        }
        for (name, entry), up in zip(found.items(), alive, strict=True)
    }
