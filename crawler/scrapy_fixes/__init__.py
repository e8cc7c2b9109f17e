"""Every use of a private (or undocumented) API of the libraries the crawler builds on.

Each module says what it touches, on which version it was tested and what it fixes:

- :mod:`.downloader` (Scrapy 2.19): ``Downloader._process_queue`` overridden, with
  ``_wait_for_download``, ``scrapy.utils.defer._schedule_coro`` and the ``Slot``
  internals. Fixes: with no download delay a host got up to CONCURRENT_REQUESTS
  requests at once, not CONCURRENT_REQUESTS_PER_DOMAIN, and Twisted's pool then
  dropped kept-alive connections. A slot is a site (host and port, ``www.`` or not), so
  sources on one site share its limits. Its ``SlotFairPriorityQueue`` reads
  ``DownloaderAwarePriorityQueue._downloader_interface`` and ``_next_slot``, and queues
  requests per slot and source. Fixes: a hanging source filled the downloader and
  starved the others.
- :mod:`.engine` (Scrapy 2.19): ``ExecutionEngine._slot`` (``inprogress``, ``nextcall``,
  ``closing``, ``_maybe_fire_closing``), for the crawl deadline (a closing engine waited
  for its requests however long), the fair queue and the distributed scheduler.
- :mod:`.robots` (Scrapy 2.19, Twisted 26.10): ``RobotsTxtMiddleware._parsers``. Fixes:
  requests started while a host's robots.txt loads went through unchecked. Also: a dead
  host's robots.txt and retry reports are one INFO line, not a 60-line traceback.
- :mod:`.warc` (warcio 1.8.1): ``WARCWriter._write_warc_record``. Makes WARC writing
  cheaper: gzip level 6, one flush per exchange instead of per record.

Outside this package, on purpose:

- ``crawler/extraction/`` (trafilatura 2.3.1) calls functions of undocumented but public
  trafilatura modules (``utils.load_html``, ``xml.xmltotxt``, ``meta.reset_caches``,
  ``settings.Document``): pure extraction imports no Scrapy, and these names carry no
  underscore.
- ``indexer/search/`` reads Whoosh 2.7.4's private matcher, codec and writer attributes
  (``_postfile``, ``_dataoffset``, ``_compression``, ``_finalize_segment``...) and
  ``whoosh.system._INT_SIZE``, ``whoosh.filedb.filetables._lengths``: the search
  package's Whoosh engine owns them (``indexer`` never imports ``crawler``).

:class:`VersionCheck`, a Scrapy extension, warns at crawl start-up when an installed
version differs from :data:`TESTED`; ``tests/test_scrapy_fixes.py`` fails then too,
until the fixes are checked against the new version and the table updated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

logger = logging.getLogger(__name__)

# The versions the workarounds in this package were written and tested against.
TESTED: Mapping[str, str] = {
    "scrapy": "2.19.0",
    "twisted": "26.10.0",
    "scrapy-redis": "0.9.1",
    "warcio": "1.8.1",
    "trafilatura": "2.3.1",
}


def untested_versions(tested: Mapping[str, str] = TESTED) -> list[str]:
    """One line per installed distribution whose version differs from ``tested``."""
    problems = []
    for name, expected in tested.items():
        try:
            installed = f"{name} {version(name)} is installed"
        except PackageNotFoundError:
            installed = f"{name} is not installed"
        if installed != f"{name} {expected} is installed":
            problems.append(
                f"{installed}, but crawler.scrapy_fixes was tested with {expected}: "
                "its workarounds of private APIs may not hold"
            )
    return problems


class VersionCheck:
    """Scrapy extension: warn once, at crawl start-up, about untested library versions."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> VersionCheck:
        """Check the installed versions (the crawl goes on either way)."""
        for line in untested_versions(TESTED):
            logger.warning(line)
        return cls()
