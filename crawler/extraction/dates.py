"""Publication and modification dates, each with where it came from, never in the future."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.extraction.meta_xpaths import (
    HEADING_XPATH,
    MODIFIED_META_KEYS,
    PAGE_TYPES,
    PUBLISHED_META_KEYS,
    PUBLISHED_TIME_XPATHS,
)
from crawler.extraction.page_meta import PageMeta, ld_text, ld_types
from crawler.extraction.text_dates import (
    MAX_DATE_LINE_CHARS,
    PUBLISHED_LABEL_RE,
    UPDATE_CUE_RE,
    parse_text_date,
)
from crawler.extraction.textnorm import squash

logger = logging.getLogger(__name__)

ISO_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[T ](?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-5]\d)(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-][0-2]\d(?::?[0-5]\d)?)?)?"
)
URL_DATE_RE = re.compile(r"(?<!\w)((?:19|20)\d\d)[/_-]([01]?\d)[/_-]([0-3]?\d)(?!\d)")
# day first ("/meldungen/29-10-2021"): only unambiguous ones, the day over 12
URL_DAY_FIRST_RE = re.compile(r"(?<!\w)([0-3]?\d)[_-]([01]?\d)[_-]((?:19|20)\d\d)(?!\d)")
MIN_YEAR = 1990
# date-only values and naive times may be a day ahead of UTC in the page's zone
NAIVE_TOLERANCE = timedelta(days=1)
# generic date declarations: CMSs often fill them with the last change, so they rank last
# (tuples, not sets: the first value found wins, so the order must not vary between runs)
WEAK_META_KEYS = ("dcterms.created", "dc.date.created", "dc.date", "dcterms.date", "date")
TRUSTED_META_KEYS = tuple(key for key in PUBLISHED_META_KEYS if key not in WEAK_META_KEYS)

# the headline: main headings and, for pages without one, lower headings naming the title
HEADLINE_XPATH = XPath(
    '(//h1 | //h2 | //h3 | //h4 | //*[@itemprop="headline"][not(self::meta)])[position() <= 60]'
)
_VISIBLE_TEXT = (
    "[normalize-space()][not(ancestor::script or ancestor::style or ancestor::noscript)]"
)
# after the headline: text lines, and the machine dates of <time> and data-date attributes
TEXT_AFTER_XPATH = XPath(
    f"(following::text(){_VISIBLE_TEXT} | following::time/@datetime | following::*/@data-date)"
    "[position() <= 12]"
)
TEXT_BEFORE_XPATH = XPath(f"preceding::text(){_VISIBLE_TEXT}[position() <= 4]")
TEXT_INSIDE_XPATH = XPath(f".//text(){_VISIBLE_TEXT}")
VISIBLE_TEXT_XPATH = XPath(f"//body//text(){_VISIBLE_TEXT}")


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


def _headline_element(tree: HtmlElement, title: str | None) -> HtmlElement | None:
    """Return the heading showing ``title`` (a kicker may precede it), else the first h1."""
    key = squash(title or "")
    if key:
        for heading in HEADLINE_XPATH(tree):
            text = squash(heading.text_content())
            if text and (text == key or (len(key) > 10 and key in text)):
                return heading
    return next(iter(HEADING_XPATH(tree)), None)


def visible_date(
    tree: HtmlElement, title: str | None, today: date | None = None, language: str | None = None
) -> Candidate | None:
    """Return the date printed by the headline, with its source ("time" or "text").

    It is the first date in a short line after the headline (or inside it, after the
    headline text) or in a <time datetime> / data-date attribute there, else in a line just
    before it (a dateline above the title), unless that one is ``today``: page chrome above
    the headline often prints the current day. Lines announcing an update are skipped.
    Without one, a line anywhere opening with a publication label ("Publicado", "发布时间")
    gives it. ``language`` is the page's, for its month names.
    """
    heading = _headline_element(tree, title)
    if heading is not None:
        after = [*TEXT_INSIDE_XPATH(heading)[1:], *TEXT_AFTER_XPATH(heading)]
        before = reversed(TEXT_BEFORE_XPATH(heading))
        found = _first_line_date(after, language=language) or _first_line_date(
            before, skip_day=today, language=language
        )
        if found:
            return found
    return labelled_date(tree, language)


def labelled_date(tree: HtmlElement, language: str | None = None) -> Candidate | None:
    """Return the date of the first line opening with a publication label, or the line after.

    "Опубликовано 14 марта 2024", "Publicado el 3 de mayo de 2023", "发布时间：2020-06-07".
    """
    lines = [str(text) for text in VISIBLE_TEXT_XPATH(tree)]
    for i, line in enumerate(lines):
        if PUBLISHED_LABEL_RE.match(line) and len(line) <= MAX_DATE_LINE_CHARS:
            value = parse_text_date(line, language)
            if value is None and i + 1 < len(lines):
                value = parse_text_date(f"{line} {lines[i + 1]}", language)
            if value is not None:
                return value, "text"
    return None


def _first_line_date(
    lines: Iterable[Any], skip_day: date | None = None, language: str | None = None
) -> Candidate | None:
    """Return the first date in ``lines`` (text, or datetime attributes) not on
    ``skip_day``; lines announcing an update are skipped."""
    for line in lines:
        if getattr(line, "attrname", None) == "datetime":
            value, source = parse_date(line), "time"
        elif not UPDATE_CUE_RE.search(line):
            value, source = parse_text_date(line, language), "text"
        else:
            continue
        if value is not None and _as_day(value) != skip_day:
            return value, source
    return None


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
    candidates: list[Candidate],
    url_day: date | None,
    text_day: date | None,
    today: date,
    weak: Sequence[Candidate] = (),
    visible: Candidate | None = None,
) -> Candidate | None:
    """Pick the publication date among declared candidates (most trusted first).

    A date in the URL is the publisher's own day: a declared date on that day is taken for its
    time and zone, else the URL day itself. Then the date printed by the headline (``visible``)
    decides the same way, standing alone only when no trusted declaration exists (``weak`` ones,
    generic meta "date" tags, are often the last change). Then the declared date agreeing with
    the page text's date (htmldate) wins, else the most trusted declared date, else the text
    date. A text date (found anywhere on the page) on the crawl day standing alone is the page
    chrome's "today"; :func:`visible_date` already leaves that out above the headline.
    """
    declared = [*candidates, *weak]
    if url_day:
        return _on_day(declared, url_day) or (url_day, "url")
    if visible is not None:
        agreeing = _on_day(declared, _as_day(visible[0]))
        if agreeing:
            return agreeing
        if not candidates:
            return visible
    if text_day:
        agreeing = _on_day(declared, text_day)
        if agreeing:
            return agreeing
    if declared:
        return declared[0]
    if text_day and text_day != today:
        return text_day, "htmldate"
    return None


def htmldate_published(tree: HtmlElement, url: str | None, now: datetime) -> Candidate | None:
    """Return htmldate's original publication date with its extensive search, if any.

    The extensive search reads free text with dateparser, loaded on the first call in a
    process (about half a second), so it only runs when the page's own dates are missing.
    """
    found = find_date(
        tree, url=url, original_date=True, extensive_search=True, max_date=now.strftime("%Y-%m-%d")
    )
    value = parse_date(found) if found else None
    return (value, "htmldate") if value is not None and is_plausible(value, now) else None


def url_date(url: str) -> date | None:
    """Return the date spelled in a URL (/2022/10/27/, /2017/7/12/, 2022-10-27, 29-10-2021)."""
    match = URL_DATE_RE.search(url)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        match = URL_DAY_FIRST_RE.search(url)
        if not match or int(match[1]) <= 12:
            return None
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    try:
        return date(year, month, day)
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
    title: str | None = None,
) -> Dates:
    """Pick published (see choose_published) and modified dates (JSON-LD, then meta tags)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    declared = _valid(
        [
            *_ld_dates(page, "datePublished"),
            *((value, "meta") for value in page.all(*TRUSTED_META_KEYS)),
            *((value, "time") for xpath in PUBLISHED_TIME_XPATHS for value in xpath(tree)),
        ],
        now,
    )
    weak = _valid(
        [
            *((value, "meta") for value in page.all(*WEAK_META_KEYS)),
            *_ld_dates(page, "dateCreated"),
        ],
        now,
    )
    url_day = next((d for d in map(url_date, urls) if d and is_plausible(d, now)), None)
    text = parse_date(text_date) if text_date else None
    # a URL date decides alone (see choose_published): no need to read the page for one
    shown = None if url_day else visible_date(tree, title, now.date(), page.lang)
    published = choose_published(
        declared,
        url_day,
        _as_day(text) if text else None,
        now.date(),
        weak=weak,
        visible=shown if shown is not None and is_plausible(shown[0], now) else None,
    )
    if published is None or published[1] == "htmldate":
        extensive = htmldate_published(tree, urls[0] if urls else None, now)
        if extensive is not None and _as_day(extensive[0]) != now.date():
            published = extensive
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
