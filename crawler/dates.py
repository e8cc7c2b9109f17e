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
    PUBLISHED_TIME_XPATHS,
)
from crawler.page_meta import PageMeta, ld_text, ld_types

logger = logging.getLogger(__name__)

ISO_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T ](?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-5]\d)(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-][0-2]\d(?::?[0-5]\d)?)?)?"
)
URL_DATE_RE = re.compile(r"(?<!\w)((?:19|20)\d\d)[/_-]([01]?\d)[/_-]([0-3]?\d)(?!\d)")
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


Candidate = tuple[datetime | date, str]


def _valid(candidates: list[tuple[str | None, str]], now: datetime) -> list[Candidate]:
    parsed = ((parse_date(raw), source) for raw, source in candidates if raw)
    return [
        (value, source)
        for value, source in parsed
        if value is not None and is_plausible(value, now)
    ]


def _on_day(candidates: list[Candidate], day: date) -> Candidate | None:
    return next((c for c in candidates if _as_day(c[0]) == day), None)


def choose_published(
    candidates: list[Candidate], url_day: date | None, text_day: date | None, today: date
) -> Candidate | None:
    """Pick the publication date among declared candidates (most trusted first).

    A date in the URL is the publisher's own day: a declared date on that day is taken for its
    time and zone, else the URL day itself. Without one, the declared date agreeing with the
    page text's date (htmldate) wins, else the most trusted declared date, else the text date,
    unless it is the crawl day (the page chrome's "today").
    """
    if url_day:
        return _on_day(candidates, url_day) or (url_day, "url")
    if text_day:
        agreeing = _on_day(candidates, text_day)
        if agreeing:
            return agreeing
    if candidates:
        return candidates[0]
    if text_day and text_day != today:
        return text_day, "text"
    return None


def url_date(url: str) -> date | None:
    """Return the date spelled in a URL (/2022/10/27/, /2017/7/12/ or 2022-10-27), if any."""
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
    """Pick published (see choose_published) and modified dates (JSON-LD, then meta tags)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    declared = _valid(
        [
            *_ld_dates(page, "datePublished"),
            *((value, "meta") for value in page.all(*PUBLISHED_META_KEYS)),
            *((value, "time") for xpath in PUBLISHED_TIME_XPATHS for value in xpath(tree)),
            *_ld_dates(page, "dateCreated"),
        ],
        now,
    )
    url_day = next((d for d in map(url_date, urls) if d and is_plausible(d, now)), None)
    text = parse_date(text_date) if text_date else None
    published = choose_published(declared, url_day, _as_day(text) if text else None, now.date())
    modified_candidates = [
        *_ld_dates(page, "dateModified"),
        *((value, "meta") for value in page.all(*MODIFIED_META_KEYS)),
    ]
    modified = next(iter(_valid(modified_candidates, now)), None)
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
