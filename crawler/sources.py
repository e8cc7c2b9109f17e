"""Load and validate the sources file (TOML): which sites to crawl, and how."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from indexer.urls import strip_www

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
KNOWN_FIELDS = {"name", "url", "feeds", "sitemaps", "follow", "depth", "article_urls",
                "revisit_days", "max_pages"}
MAX_DEPTH = 10
MAX_REVISIT_DAYS = 36_500
# Pages fetched per source and crawl: a day of a big outlet's stories many times over,
# while a trap (calendar, faceted search, endless links) stops there.
DEFAULT_MAX_PAGES = 5_000
MAX_MAX_PAGES = 10_000_000


HTTP_SCHEMES = frozenset({"http", "https"})


class SourceError(ValueError):
    """A sources file that cannot be used; the message names the source and field."""


@dataclass(frozen=True)
class Source:
    """One site to crawl."""

    name: str
    url: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    follow: bool = True
    depth: int = 2
    article_urls: tuple[re.Pattern[str], ...] = field(default=())
    revisit_days: int = 0  # fetch again (conditionally) articles younger than this; 0: never
    max_pages: int = DEFAULT_MAX_PAGES  # page requests per crawl (feeds and sitemaps aside)

    @cached_property
    def hosts(self) -> frozenset[str]:
        """The host names (``www.`` removed, port kept) this source may be crawled on."""
        urls = (self.url, *self.feeds, *self.sitemaps)
        return frozenset(strip_www(urlsplit(u).netloc.lower()) for u in urls)

    def allows(self, url: str) -> bool:
        """Tell whether ``url`` is an http(s) URL on one of the source's hosts."""
        parts = urlsplit(url)
        return parts.scheme in HTTP_SCHEMES and strip_www(parts.netloc.lower()) in self.hosts

    def matches_article(self, url: str) -> bool | None:
        """Match ``url`` against the source's article patterns; None when it has none."""
        if not self.article_urls:
            return None
        return any(p.search(url) for p in self.article_urls)


def _fail(name: str, fld: str, message: str) -> SourceError:
    return SourceError(f"source {name!r}: field {fld!r} {message}")


def _check_url(name: str, fld: str, value: Any, base: str | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(name, fld, "must be a non-empty URL string")
    url = urljoin(base, value.strip()) if base else value.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise _fail(name, fld, f"must be an http(s) URL, got {value!r}")
    return url


def _url_list(name: str, fld: str, value: Any, base: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _fail(name, fld, "must be a list of URLs")
    return tuple(_check_url(name, fld, v, base) for v in value)


def _patterns(name: str, value: Any) -> tuple[re.Pattern[str], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, "article_urls", "must be a list of regular expressions")
    try:
        return tuple(re.compile(v) for v in value)
    except re.error as exc:
        raise _fail(name, "article_urls", f"has an invalid regular expression: {exc}") from None


def parse_source(data: Any, position: int) -> Source:
    """Validate one ``[[source]]`` table."""
    if not isinstance(data, dict):
        raise SourceError(f"source #{position}: must be a table")
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise SourceError(
            f"source #{position}: field 'name' must be 1-64 letters, digits, '.', '_' or '-'"
        )
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise _fail(name, unknown[0], f"is unknown (known: {', '.join(sorted(KNOWN_FIELDS))})")
    url = _check_url(name, "url", data.get("url"))
    follow = data.get("follow", True)
    if not isinstance(follow, bool):
        raise _fail(name, "follow", "must be true or false")
    depth = data.get("depth", 2)
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= MAX_DEPTH:
        raise _fail(name, "depth", f"must be an integer from 0 to {MAX_DEPTH}")
    revisit = data.get("revisit_days", 0)
    if (isinstance(revisit, bool) or not isinstance(revisit, int)
            or not 0 <= revisit <= MAX_REVISIT_DAYS):
        raise _fail(name, "revisit_days", f"must be an integer from 0 to {MAX_REVISIT_DAYS}")
    max_pages = data.get("max_pages", DEFAULT_MAX_PAGES)
    if (isinstance(max_pages, bool) or not isinstance(max_pages, int)
            or not 1 <= max_pages <= MAX_MAX_PAGES):
        raise _fail(name, "max_pages", f"must be an integer from 1 to {MAX_MAX_PAGES:_}")
    return Source(
        name=name,
        url=url,
        feeds=_url_list(name, "feeds", data.get("feeds"), url),
        sitemaps=_url_list(name, "sitemaps", data.get("sitemaps"), url),
        follow=follow,
        depth=depth,
        article_urls=_patterns(name, data.get("article_urls")),
        revisit_days=revisit,
        max_pages=max_pages,
    )


def parse_sources(data: dict[str, Any]) -> list[Source]:
    """Validate the parsed TOML document and return its sources."""
    tables = data.get("source")
    if not isinstance(tables, list) or not tables:
        raise SourceError("no [[source]] tables found")
    sources = [parse_source(t, i) for i, t in enumerate(tables, 1)]
    seen: set[str] = set()
    for s in sources:
        if s.name in seen:
            raise _fail(s.name, "name", "is used by more than one source")
        seen.add(s.name)
    return sources


def load_sources(path: str | Path, only: Iterable[str] | None = None) -> list[Source]:
    """Read a sources file; ``only`` keeps the named sources (all when empty)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{path}: no such sources file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path}: invalid TOML: {exc}") from None
    try:
        sources = parse_sources(data)
    except SourceError as exc:
        raise SourceError(f"{path}: {exc}") from None
    wanted = set(only or ())
    if wanted:
        missing = wanted - {s.name for s in sources}
        if missing:
            raise SourceError(f"{path}: no source named {sorted(missing)[0]!r}")
        sources = [s for s in sources if s.name in wanted]
    return sources


def check_article_url(url: str) -> str:
    """Return ``url`` stripped, or raise SourceError when it is not an http(s) URL."""
    checked = url.strip()
    parts = urlsplit(checked)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SourceError(f"not an http(s) URL: {url!r}")
    return checked


def read_url_file(path: str | Path) -> tuple[list[str], list[str]]:
    """Read an article-URL file (one URL a line; blank lines and ``#`` comments skipped).

    Return the URLs and one message per line that is not an http(s) URL, with its line
    number: such a line is skipped, not the whole file.
    """
    urls, problems = [], []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            urls.append(check_article_url(line))
        except SourceError as exc:
            problems.append(f"{path}:{number}: {exc}, line skipped")
    return urls, problems


def adhoc_source(url: str, known: Iterable[Source] = ()) -> Source:
    """Build a one-page source for an article URL given on the command line.

    It takes the name of the first ``known`` source whose hosts hold the URL (so the
    article is archived under that source), else a name made of the URL's host.
    """
    checked = check_article_url(url)
    owner = next((s for s in known if s.allows(checked)), None)
    if owner is not None:
        name = owner.name
    else:
        host = strip_www(urlsplit(checked).netloc.lower())
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", host)[:64] or "adhoc"
    return Source(name=name, url=checked, follow=False, depth=0)
