"""One page extracted as a crawl would, without archiving it (``search_cli.py extract``).

For tuning a source: what would the archive hold for this page? The page is fetched
(an http(s) URL, with the crawl's User-Agent, timeout and size cap) or read (a file),
then goes through the same extraction as a crawled page, classification aside: asking
for a page says it is an article.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from crawler import settings
from crawler.extraction.article import extract_with_reason
from indexer.article import Article


class PageError(Exception):
    """A page that could not be fetched, read or extracted (one line for the user)."""


def fetch_page(url: str, timeout: float = settings.DOWNLOAD_TIMEOUT) -> tuple[bytes, str | None]:
    """Return the body of ``url`` and the charset its ``Content-Type`` names, if any."""
    request = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(settings.PAGE_MAXSIZE + 1)
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        raise PageError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PageError(f"{url}: cannot fetch: {reason}") from None
    if len(body) > settings.PAGE_MAXSIZE:
        raise PageError(f"{url}: over the page size limit of {settings.PAGE_MAXSIZE:,} bytes")
    return body, charset


def extract_page(target: str, url: str | None = None) -> Article:
    """Extract the article of ``target`` (an http(s) URL or a file).

    ``url`` is the page's address when ``target`` is a file (it resolves the page's links
    and gives the article its identity); a file without one is its own ``file:`` URL.
    """
    if urlsplit(target).scheme in {"http", "https"}:
        body, charset = fetch_page(target)
        url = url or target
    else:
        path = Path(target)
        try:
            body, charset = path.read_bytes(), None
        except OSError as exc:
            raise PageError(f"{target}: cannot read: {exc.strerror}") from None
        url = url or path.resolve().as_uri()
    article, reason = extract_with_reason(body, url, http_charset=charset)
    if article is None:
        raise PageError(f"no article in {target}: {reason}")
    return article
