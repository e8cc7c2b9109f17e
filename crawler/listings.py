"""Read the entries of feeds (RSS, Atom, RDF) and sitemaps lazily, as far as they parse.

lxml's ``iterparse`` reads one entry at a time and each is dropped once read, so a
50 MB sitemap of 50,000 URLs costs its entries, not a tree. Crawled XML is read with no
entity expansion, no network, no DTD and lxml's default size limits; an entity reference
is left out of the text it appears in. A gzip body is inflated as it is read, up to a cap.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from typing import IO, NamedTuple

from lxml import etree

GZIP_MAGIC = b"\x1f\x8b"
FEED_ROOTS = frozenset({"rss", "feed", "RDF", "channel"})
SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
ENTRY_TAGS = frozenset({"item", "entry", "url", "sitemap"})
ENTRY_DEPTHS = (1, 2)  # levels above an entry: urlset/url, feed/entry, rss/channel/item
# Crawled XML: no entity expansion, no network, no DTD, lxml's default depth/size limits.
XML_PARSER_OPTIONS: dict[str, bool] = {
    "recover": True,
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


class TooLarge(ValueError):
    """A compressed document inflates past its cap."""


class Entry(NamedTuple):
    """One entry of a feed or sitemap."""

    url: str
    date: str  # as written (sitemap lastmod, feed updated/pubDate), "" when absent
    news: bool = False  # a sitemap <url> with a <news:news> part


@dataclass
class Listing:
    """What a feed or sitemap held: its root element, its entries, its first problem."""

    root: str = ""
    entries: list[Entry] = field(default_factory=list)
    problem: str | None = None
    dropped: int = 0  # entries past the cap

    @property
    def is_index(self) -> bool:
        """True for a sitemap index (its entries are sitemaps)."""
        return self.root == "sitemapindex"

    def newest_first(self) -> list[Entry]:
        """The entries, those with the latest date first (undated ones last, in order)."""
        return sorted(self.entries, key=lambda e: e.date, reverse=True)


class _CappedReader(io.RawIOBase):
    """Read a stream, raising TooLarge once more than ``limit`` bytes came out."""

    def __init__(self, stream: IO[bytes] | gzip.GzipFile, limit: int) -> None:
        self.stream, self.limit, self.read_so_far = stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(len(buffer))
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise TooLarge(f"inflates to over {self.limit:,} bytes")
        buffer[: len(data)] = data
        return len(data)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: etree._Element, *names: str) -> str:
    """The text of the first child named one of ``names`` (any namespace), stripped."""
    for child in element:
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return ""


def _entry(element: etree._Element) -> Entry:
    """The entry of a feed item, an Atom entry, a sitemap <url> or <sitemap>."""
    kind = _local(element.tag)
    if kind in ("url", "sitemap"):
        news = any(_local(child.tag) == "news" for child in element)
        return Entry(_text(element, "loc"), _text(element, "lastmod"), news)
    url = ""
    for child in element:
        if _local(child.tag) != "link":
            continue
        href = child.get("href")
        if href and child.get("rel", "alternate") == "alternate":
            url = href.strip()
            break
        if not href and child.text and child.text.strip():
            url = child.text.strip()
            break
    if not url:
        about = element.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        url = (about or "").strip()
    if not url and _text(element, "guid").startswith(("http://", "https://")):
        url = _text(element, "guid")
    return Entry(url, _text(element, "updated", "published", "pubDate", "date"))


def read_listing(
    body: bytes, *, max_entries: int, max_size: int, roots: frozenset[str]
) -> Listing:
    """Read a feed or sitemap ``body`` (gzip or not) as far as it parses.

    ``roots`` are the expected root elements; up to ``max_entries`` entries are kept and
    the rest counted. The first parser error, a wrong root or a gzip past ``max_size``
    becomes ``problem``: what was read before it stays.
    """
    listing = Listing()
    source: IO[bytes] = io.BytesIO(body)
    if body[:2] == GZIP_MAGIC:
        source = io.BufferedReader(_CappedReader(gzip.GzipFile(fileobj=source), max_size))
    events = etree.iterparse(source, events=("start", "end"), **XML_PARSER_OPTIONS)
    depth = 0
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    listing.root = _local(element.tag)
                    if listing.root not in roots:
                        listing.problem = f"not a {_kind(roots)} (<{listing.root}>)"
                        return listing
                continue
            depth -= 1
            if depth not in ENTRY_DEPTHS or _local(element.tag) not in ENTRY_TAGS:
                continue
            entry = _entry(element)
            if entry.url:
                if len(listing.entries) < max_entries:
                    listing.entries.append(entry)
                else:
                    listing.dropped += 1
            element.clear(keep_tail=False)
            while element.getprevious() is not None:  # drop the entries read before
                del element.getparent()[0]
    except (etree.XMLSyntaxError, OSError, EOFError, TooLarge) as exc:
        listing.problem = _problem(exc, events)
        return listing
    listing.problem = _problem(None, events)
    if not listing.root:
        listing.problem = listing.problem or "no XML element"
    return listing


def _kind(roots: frozenset[str]) -> str:
    return "sitemap" if roots == SITEMAP_ROOTS else "RSS or Atom feed"


def _problem(exc: BaseException | None, events: etree.iterparse) -> str | None:
    """The first error of the parse: the exception's, else the parser's log."""
    errors = events.error_log.filter_from_errors()
    if errors:
        first = errors[0]
        return f"line {first.line}: {first.message}"
    if isinstance(exc, OSError | EOFError | TooLarge):
        return f"cannot gunzip: {exc}"
    return str(exc) if exc is not None else None
