"""When the archive cannot be written (disk full, store locked): say why once, and stop.

Every writer of a crawl (the store pipeline, the WARC middleware, the index sync) reports
here; the first message becomes the crawl's ``archive/error`` stat, which the one-line
summary repeats and which makes the exit status 4.
"""

from __future__ import annotations

import errno
import logging
from typing import Any

logger = logging.getLogger(__name__)


def describe_os_error(exc: OSError, what: str) -> str:
    """A one-line reason for a failed write of ``what``; a full disk says so."""
    where = exc.filename or what
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"disk full while writing {where}: free some space and retry"
    return f"cannot write {where}: {exc.strerror or exc}"


def archive_write_failed(crawler: Any, message: str) -> None:
    """Log ``message``, count the error, and close the crawl (once) as ``archive_error``."""
    logger.error("Cannot write to the archive: %s", message)
    stats = crawler.stats
    stats.inc_value("archive/write_errors")
    if stats.get_value("archive/error"):
        return
    stats.set_value("archive/error", message)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        # imported here: the index writer process uses this module without Scrapy
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason="archive_error"))
