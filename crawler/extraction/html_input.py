"""Turn a fetched page (bytes or str) into clean Unicode HTML and an lxml tree, within limits."""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes
from lxml.html import HtmlElement
from trafilatura.utils import load_html

logger = logging.getLogger(__name__)

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x"> or <meta http-equiv="Content-Type" content="text/html; charset=x">
META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.I
)
SNIFF_BYTES = 4096
# at most this share of broken bytes in a page that otherwise decodes as declared (or UTF-8)
MAX_BROKEN_SHARE = 0.001
# WHATWG (the Encoding Standard): labels browsers read as a superset of what they name
CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-user-defined": "cp1252",
    "iso-8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
}
# The HTML standard: a page declaring UTF-16 or UTF-32 in its markup is read as UTF-8
# (a real UTF-16 page starts with a byte-order mark, which comes first).
WIDE_CHARSETS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
CONTENT_TYPE_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]{2,40})", re.I)
LOOKS_LIKE_HTML_RE = re.compile(r"<\s*(?:!doctype|html|head|body|meta|title|div|p|article)\b", re.I)
# control characters other than tab, newline and carriage return, raw or as character references
CONTROL_CHARS_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
    r"|&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F])"
    r"|0*(?:[0-8]|1[124-9]|2\d|3[01]|127)(?!\d));?"  # the ';' is optional in HTML
)


class InputError(ValueError):
    """The input cannot be treated as an HTML page; the message says why."""


def _codec(label: str) -> str | None:
    """The Python codec for a charset label, as browsers read it (None: unknown)."""
    label = label.strip().lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        logger.debug("unknown charset %s", label)
        return None
    return "utf-8" if name in WIDE_CHARSETS else name


def header_charset(content_type: str | bytes | None) -> str | None:
    """Return the codec a ``Content-Type`` header value names (``text/html; charset=x``)."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    match = CONTENT_TYPE_CHARSET_RE.search(content_type or "")
    return _codec(match.group(1)) if match else None


def declared_charset(data: bytes) -> str | None:
    """Return the Python codec named by a BOM or a meta charset in the page head, if valid."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return name
    match = META_CHARSET_RE.search(data[:SNIFF_BYTES])
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """Decode page bytes as the crawl, ``reextract``, ``import-warc`` and ``extract_article``
    all do: a byte-order mark; else valid UTF-8; else the charset of the HTTP header
    (``http_charset``, see :func:`header_charset`) or of the page; else detection.

    Valid UTF-8 is taken for UTF-8 whatever the page declares: legacy charsets almost never
    form valid multi-byte sequences, while pages declaring "iso-8859-1" over UTF-8 text are
    common. A page in its declared charset but for a few broken bytes keeps that charset
    (the broken bytes replaced): detection would turn all its other letters into mojibake.
    Broken UTF-8 is only forgiven so when the page declares UTF-8: a mostly-ASCII page in
    a legacy charset would lose its every accented letter.
    """
    for bom, name in BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace").lstrip("\ufeff")
    declared = [e for e in dict.fromkeys((http_charset, declared_charset(data))) if e]
    for encoding in dict.fromkeys(("utf-8", *declared)):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            logger.debug("page does not decode as %s", encoding)
    for encoding in declared:
        text = data.decode(encoding, errors="replace")
        if text.count("\ufffd") <= len(data) * MAX_BROKEN_SHARE:
            return text
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def clean_unicode(text: str) -> str:
    """Drop control characters (raw or as "&#2;") and lone surrogates: valid UTF-8 remains."""
    text = CONTROL_CHARS_RE.sub("", text)
    return text.encode("utf-8", "replace").decode("utf-8")


def to_unicode(html: str | bytes, max_bytes: int, http_charset: str | None = None) -> str:
    """Return the page as clean Unicode; raise InputError when empty, too large or not HTML.

    Bytes are decoded by :func:`decode_html` (``http_charset``: what the HTTP header says).
    """
    size = len(html) if isinstance(html, bytes) else len(html.encode("utf-8", "surrogatepass"))
    if size == 0:
        raise InputError("empty input")
    if size > max_bytes:
        raise InputError(f"too large: {size} bytes > {max_bytes}")
    text = clean_unicode(decode_html(html, http_charset) if isinstance(html, bytes) else html)
    if not LOOKS_LIKE_HTML_RE.search(text[: SNIFF_BYTES * 4]):
        raise InputError("not HTML")
    return text


def parse_html(text: str, max_elements: int, max_links: int) -> HtmlElement:
    """Parse Unicode HTML into a tree; raise InputError when unparsable or too big to process.

    Thousands of links make a link list, not an article, and trafilatura's link-density
    pass takes quadratic time over them (5,000 links: 8 s), so such pages are refused.
    """
    tree = load_html(text)
    if tree is None:
        raise InputError("not HTML: unparsable")
    count = int(tree.xpath("count(//*)"))
    if count > max_elements:
        raise InputError(f"too many elements: {count} > {max_elements}")
    links = int(tree.xpath("count(//a)"))
    if links > max_links:
        raise InputError(f"too many links: {links} > {max_links}")
    return tree
