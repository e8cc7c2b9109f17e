"""Publication and modification dates, each with where it came from, never in the future."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from lxml.html import HtmlElement

from crawler.meta_xpaths import (
    MODIFIED_META_KEYS,
    PAGE_TYPES,
    PUBLISHED_META_KEYS,
    PUBLISHED_TIME_XPATH,
)
from crawler.page_meta import PageMeta, ld_text, ld_types

logger = logging.getLogger(__name__)

ISO_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T ](?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-5]\d)(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-][0-2]\d(?::?[0-5]\d)?)?)?"
)
URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/-]?([01]\d)[/-]?([0-3]\d)(?:[/_.-]|$)")
MIN_YEAR = 1990
# date-only values and naive times may be a day ahead of UTC in the page's zone
NAIVE_TOLERANCE = timedelta(days=1)


@dataclass(frozen=True)
class Dates:
    """Published and modified dates, each with its source (json-ld, meta, time, url, text)."""

    published: str | None = None
    published_source: str | None = None
    modified: str | None = None
    modified_source: str | None = None


def parse_date(value: str) -> datetime | date | None:
    """Parse an ISO 8601 or RFC 2822 date; keep the time and zone when the value has them."""
    value = value.strip()
    match = ISO_RE.search(value)
    if match:
        try:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
            if match["H"] is None:
                return day
            tz = match["tz"]
            stamp = datetime(
                day.year, day.month, day.day, int(match["H"]), int(match["M"]), int(match["S"] or 0)
            )
            if tz:
                offset = (
                    "+00:00"
                    if tz == "Z"
                    else tz
                    if ":" in tz or len(tz) == 3
                    else f"{tz[:3]}:{tz[3:]}"
                )
                stamp = datetime.fromisoformat(f"{stamp.isoformat()}{offset}")
            return stamp
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def iso(value: datetime | date) -> str:
    """Format a parsed date as ISO 8601: date only, or date and time with its zone when known."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def is_plausible(value: datetime | date, now: datetime) -> bool:
    """Tell whether a date is neither before MIN_YEAR nor in the future relative to ``now``."""
    if value.year < MIN_YEAR:
        return False
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value <= now
    day = value.date() if isinstance(value, datetime) else value
    return day <= (now + NAIVE_TOLERANCE).date()


def _first_valid(
    candidates: list[tuple[str | None, str]], now: datetime
) -> tuple[datetime | date, str] | None:
    for raw, source in candidates:
        if not raw:
            continue
        parsed = parse_date(raw)
        if parsed is not None and is_plausible(parsed, now):
            return parsed, source
    return None


def url_date(url: str) -> date | None:
    """Return the date spelled in a URL path (/2022/10/27/ or 2022-10-27), if any."""
    match = URL_DATE_RE.search(url)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _ld_dates(page: PageMeta, key: str) -> list[tuple[str | None, str]]:
    articles = page.articles()
    pages = [obj for obj in page.jsonld if obj not in articles and PAGE_TYPES & ld_types(obj)]
    return [(ld_text(obj.get(key)), "json-ld") for obj in articles + pages]


def find_dates(
    page: PageMeta,
    tree: HtmlElement,
    urls: list[str],
    text_date: str | None,
    now: datetime | None = None,
) -> Dates:
    """Pick published/modified dates: JSON-LD, then meta tags, <time>, the URL, the page text."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    published_candidates = [
        *_ld_dates(page, "datePublished"),
        *((value, "meta") for value in page.all(*PUBLISHED_META_KEYS)),
        *((value, "time") for value in PUBLISHED_TIME_XPATH(tree)),
        *((iso(d), "url") for d in map(url_date, urls) if d),
        *_ld_dates(page, "dateCreated"),
    ]
    published = _first_valid(published_candidates, now)
    if published is None and text_date:
        parsed = parse_date(text_date)
        # a date found only in the page text that equals the crawl date is the page chrome's "today"
        if parsed is not None and is_plausible(parsed, now) and parsed != now.date():
            published = parsed, "text"
    modified = _first_valid(
        [*_ld_dates(page, "dateModified"), *((v, "meta") for v in page.all(*MODIFIED_META_KEYS))],
        now,
    )
    if modified and published and _as_day(modified[0]) < _as_day(published[0]):
        logger.debug("modified date %s before published %s: dropped", modified[0], published[0])
        modified = None
    return Dates(
        published=iso(published[0]) if published else None,
        published_source=published[1] if published else None,
        modified=iso(modified[0]) if modified else None,
        modified_source=modified[1] if modified else None,
    )


def _as_day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
