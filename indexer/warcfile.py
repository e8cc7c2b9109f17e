"""Read WARC files: one response record at ``FILE:OFFSET``, or every response of a file.

The archive folder keeps its WARC files in ``warc/`` beside the store; a location names a
file of that folder and the byte offset of its response record (each record is its own
gzip member, so a reader can seek straight to it). Bodies come back decoded (chunking and
``Content-Encoding`` undone) and capped at :data:`MAX_BODY` bytes, so a decompression bomb
read back from an archive cannot exhaust memory.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

GZIP_MAGIC = b"\x1f\x8b"

logger = logging.getLogger(__name__)

WARC_DIRNAME = "warc"
MAX_BODY = 16 * 1024 * 1024


class WarcError(Exception):
    """A WARC record that cannot be read (missing file, bad offset, damaged data)."""


def warc_dir(archive_path: str | Path) -> Path:
    """Return the WARC folder of the archive whose store is ``archive_path``."""
    return Path(archive_path).parent / WARC_DIRNAME


@dataclass(frozen=True)
class WarcLocation:
    """Where a record lies: a file name inside the WARC folder and a byte offset."""

    file: str
    offset: int

    @classmethod
    def parse(cls, text: str) -> WarcLocation:
        """Parse ``FILE:OFFSET``."""
        name, sep, offset = text.rpartition(":")
        if not sep or not name or not offset.isdigit():
            raise ValueError(f"not a WARC location (FILE:OFFSET): {text!r}")
        return cls(name, int(offset))

    def __str__(self) -> str:
        return f"{self.file}:{self.offset}"


@dataclass
class WarcResponse:
    """An HTTP response read from a WARC file."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    date: str
    offset: int | None = None
    # The record as stored, one gzip member (from :func:`iter_responses` with ``members``)
    member: bytes | None = None

    def header(self, name: str) -> str | None:
        """Return the first value of an HTTP header, if present (case-insensitive)."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    @property
    def is_html(self) -> bool:
        """Tell whether the response declares an HTML (or XHTML) body."""
        kind = (self.header("Content-Type") or "").lower()
        return "html" in kind


def _response(record: ArcWarcRecord, offset: int | None) -> WarcResponse:
    http = record.http_headers
    try:
        status = int(http.get_statuscode()) if http else 0
    except ValueError:
        status = 0
    body = record.content_stream().read(MAX_BODY)
    return WarcResponse(
        url=record.rec_headers.get_header("WARC-Target-URI") or "",
        status=status,
        headers=list(http.headers) if http else [],
        body=body,
        date=record.rec_headers.get_header("WARC-Date") or "",
        offset=offset,
    )


def read_response(directory: str | Path, location: WarcLocation | str) -> WarcResponse:
    """Return the response record at ``location`` in the WARC folder ``directory``."""
    if isinstance(location, str):
        location = WarcLocation.parse(location)
    if Path(location.file).name != location.file:
        raise WarcError(f"WARC location outside the WARC folder: {location}")
    path = Path(directory) / location.file
    try:
        with path.open("rb") as stream:
            stream.seek(location.offset)
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    break
                return _response(record, location.offset)
    except FileNotFoundError:
        raise WarcError(f"WARC file missing: {path}") from None
    except (OSError, ArchiveLoadFailed, EOFError, ValueError) as exc:
        raise WarcError(f"cannot read WARC record {location}: {exc}") from exc
    raise WarcError(f"no response record at {location}")


def iter_responses(path: str | Path, *, members: bool = False) -> Iterator[WarcResponse]:
    """Yield every response record of a WARC file (``.warc`` or ``.warc.gz``) with its offset.

    With ``members``, each record of a file gzipped per record comes with its gzip member
    as stored (:func:`record_member`), to copy without compressing it again.

    A gzipped file cut off inside a record (a copy that did not finish, a full disk) gives
    no error in warcio, which reads what it can: the records read are yielded, then a
    WarcError says where the file stops being readable.
    """
    end = 0
    try:
        with Path(path).open("rb") as stream:
            gzipped = stream.read(2) == GZIP_MAGIC
            stream.seek(0)
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type == "response" and record.http_headers is not None:
                    response = _response(record, None)
                    response.offset = records.get_record_offset()  # reads to the record's end
                    if members and gzipped:
                        response.member = record_member(
                            stream.fileno(), response.offset, records.get_record_length())
                    yield response
                start = records.get_record_offset()
                end = start + records.get_record_length()  # reads to the record's end
                # cut off in its headers (no type, no length) or in its content (short)
                unread: int = getattr(record.raw_stream, "limit", 0)
                if record.rec_type is None or unread:
                    raise _cut_off(path, start, stream.seek(0, 2))
            size = stream.seek(0, 2)
    except (ArchiveLoadFailed, EOFError) as exc:
        logger.debug("cannot read %s: %s", path, exc)
        if not end:
            raise WarcError(f"{path} is not a WARC file, or is damaged") from exc
        raise _cut_off(path, end, Path(path).stat().st_size) from exc
    if gzipped and end < size:
        raise _cut_off(path, end, size)


def record_member(fd: int, offset: int, length: int) -> bytes | None:
    """The ``length`` bytes at ``offset`` of a file if they are one whole gzip member holding
    one WARC record, else None (a file gzipped whole, not per record)."""
    member = os.pread(fd, length, offset)
    unpack = zlib.decompressobj(zlib.MAX_WBITS + 16)
    try:
        head = unpack.decompress(member, 8)
        while unpack.unconsumed_tail:  # to the member's end, a buffer at a time
            unpack.decompress(unpack.unconsumed_tail, 1 << 16)
    except zlib.error:
        return None
    whole = unpack.eof and not unpack.unused_data and head.startswith(b"WARC/")
    return member if whole else None


def _cut_off(path: str | Path, end: int, size: int) -> WarcError:
    return WarcError(
        f"{path} is damaged: it is cut off at offset {end:,} of {size:,} bytes "
        "(the records before it were read)"
    )
