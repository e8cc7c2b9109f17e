"""Write every fetched response to WARC files: the archive's raw record of what it saw.

:class:`WarcMiddleware` sits next to the downloader, so it sees each response as it came
over the wire (still ``Content-Encoding``-compressed, before redirects are followed) and
the request as it was sent. Each exchange becomes a response record followed by its
request record; the response's place (``FILE:OFFSET``) goes to ``request.meta["warc"]``,
which the spider copies into its items and the store keeps. Files are gzip per record,
rolled when they pass ``WARC_MAX_SIZE`` bytes, and flushed after each exchange so the
store never points past what is on disk.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider, signals
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive_errors import archive_write_failed, describe_os_error
from crawler.scrapy_fixes.warc import GzipMemberWarcWriter
from indexer.warcfile import WarcLocation, warc_dir

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 100 * 1024 * 1024
SOFTWARE = "news-archive/0.1 (warcio)"
# Scrapy has undone the chunking already: a reader must not try again.
_DROPPED_HEADERS = frozenset({"transfer-encoding"})
def status_line(status: int) -> str:
    """Return an HTTP status line's code and reason (``200 OK``) for a status code."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Flatten Scrapy headers (bytes to lists of bytes) into (name, value) text pairs."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if key.lower() in _DROPPED_HEADERS:
            continue
        pairs.extend(
            (key, v.decode("latin-1") if isinstance(v, bytes) else str(v)) for v in values
        )
    return pairs


def _warc_date(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Exchange:
    """A response as it came over the wire and the request that fetched it, as recorded."""

    url: str
    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes = field(repr=False)
    request_line: str
    request_headers: list[tuple[str, str]]
    request_body: bytes = field(repr=False)
    ip_address: str | None
    date: str  # WARC-Date: when it was fetched

    @classmethod
    def capture(cls, request: Request, response: Response) -> Exchange:
        """The exchange of a Scrapy request and its response, now."""
        parts = urlsplit(request.url)
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        ip_address = getattr(response, "ip_address", None)
        return cls(
            url=response.url,
            status=response.status,
            protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            headers=_header_pairs(response.headers),
            body=response.body,
            request_line=f"{request.method} {target} HTTP/1.1",
            request_headers=[("Host", parts.netloc), *_header_pairs(request.headers)],
            request_body=request.body,
            ip_address=str(ip_address) if ip_address else None,
            date=_warc_date(),
        )


class RollingWarcWriter:
    """Append records to gzipped WARC files in ``directory``, starting a new file past a size."""

    def __init__(
        self, directory: str | Path, *, prefix: str = "news", max_size: int = DEFAULT_MAX_SIZE
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.serial = 0
        self._file: IO[bytes] | None = None
        self._name = ""
        self._writer: WARCWriter | None = None

    def _open(self) -> WARCWriter:
        if self._writer is not None and self._file is not None:
            if self._file.tell() < self.max_size:
                return self._writer
            self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.serial += 1
        self._name = f"{self.prefix}-{stamp}-{os.getpid()}-{self.serial:05d}.warc.gz"
        self._file = (self.directory / self._name).open("xb")
        self._writer = GzipMemberWarcWriter(self._file)
        info = self._writer.create_warcinfo_record(
            self._name, {"software": SOFTWARE, "format": "WARC File Format 1.0"}
        )
        self._writer.write_record(info)
        logger.info("Writing WARC file %s", self.directory / self._name)
        return self._writer

    def write_response(
        self,
        url: str,
        http_headers: StatusAndHeaders,
        payload: bytes,
        *,
        date: str | None = None,
        ip_address: str | None = None,
        request: tuple[StatusAndHeaders, bytes] | None = None,
    ) -> WarcLocation:
        """Write a response record (and its request record, if given); return its location."""
        writer = self._open()
        assert self._file is not None
        start = self._file.tell()
        warc_headers = {"WARC-Date": date or _warc_date()}
        try:
            # With the length given, warcio digests the payload once and does not copy it
            # to a temporary file (twice) to find its length.
            response = writer.create_warc_record(
                url, "response", payload=BytesIO(payload), length=len(payload),
                http_headers=http_headers,
                warc_headers_dict={**warc_headers,
                                   **({"WARC-IP-Address": ip_address} if ip_address else {})},
            )
            writer.write_record(response)
            if request is not None:
                request_headers, body = request
                record = writer.create_warc_record(
                    url, "request", payload=BytesIO(body), length=len(body),
                    http_headers=request_headers,
                    warc_headers_dict={
                        **warc_headers,
                        "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
                    },
                )
                writer.write_record(record)
            self._file.flush()
        except OSError:
            self._abandon(start)
            raise
        return WarcLocation(self._name, start)

    def write_member(self, member: bytes) -> WarcLocation:
        """Append a record already gzipped as one member (a response read from another
        WARC file, copied as it is); return its location."""
        self._open()
        assert self._file is not None
        start = self._file.tell()
        try:
            self._file.write(member)
            self._file.flush()
        except OSError:
            self._abandon(start)
            raise
        return WarcLocation(self._name, start)

    def _abandon(self, start: int) -> None:
        """Cut a half-written record off the current file and close it (a full disk)."""
        assert self._file is not None
        with contextlib.suppress(OSError):
            self._file.close()  # may still flush part of the record: cut it off after
        with contextlib.suppress(OSError):
            os.truncate(self.directory / self._name, start)
        self._file, self._writer = None, None

    def write_exchange(self, request: Request, response: Response) -> WarcLocation:
        """Write a Scrapy response and the request that fetched it."""
        return self.write(Exchange.capture(request, response))

    def write(self, exchange: Exchange) -> WarcLocation:
        """Write an exchange captured here or elsewhere (a distributed crawl's worker)."""
        return self.write_response(
            exchange.url,
            StatusAndHeaders(status_line(exchange.status), exchange.headers,
                             protocol=exchange.protocol),
            exchange.body,
            date=exchange.date,
            ip_address=exchange.ip_address,
            request=(
                StatusAndHeaders(exchange.request_line, exchange.request_headers,
                                 is_http_request=True),
                exchange.request_body,
            ),
        )

    def close(self) -> None:
        """Close the current file, if one is open."""
        if self._file is not None:
            self._file.close()
        self._file, self._writer = None, None


class WarcMiddleware:
    """Downloader middleware recording every response and its request in WARC files."""

    def __init__(self, crawler: Any, directory: Path, max_size: int) -> None:
        self.crawler = crawler
        self.writer = RollingWarcWriter(directory, prefix="crawl", max_size=max_size)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcMiddleware:
        """Build the middleware writing into the archive folder's ``warc/``."""
        settings = crawler.settings
        middleware = cls(
            crawler,
            warc_dir(settings.get("ARCHIVE_PATH")),
            settings.getint("WARC_MAX_SIZE", DEFAULT_MAX_SIZE),
        )
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        """Archive the exchange and note where its response lies in ``request.meta["warc"]``.

        If the WARC file cannot be written, the crawl stops; the page goes on without a
        WARC location (the store then keeps its body itself).
        """
        try:
            request.meta["warc"] = str(self.writer.write_exchange(request, response))
        except OSError as exc:
            self._failed(exc)
        return response

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close the open WARC file (signal handler)."""
        try:
            self.writer.close()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        """Stop the crawl: the WARC files cannot be written."""
        archive_write_failed(self.crawler, describe_os_error(exc, str(self.writer.directory)))
