"""The demo site's articles: three outlets, their stories and the optional reference page."""

from __future__ import annotations

import os
import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from crawler.demosite import handwritten
from crawler.demosite.more_prose import LATER_KITS
from crawler.demosite.prose import CLOSINGS, CONTEXT, FIRST_KITS, POOLS, Kit

KITS = FIRST_KITS + LATER_KITS
ARTICLES_PER_OUTLET = 22
FEED_SIZE = 10
SITEMAP_ONLY = frozenset({1, 6})  # per-outlet indexes linked from no HTML page and no feed
LINKS_ONLY = frozenset({2, 8})  # per-outlet indexes left out of feeds and sitemaps

REFERENCE_PATH = "/2022/10/27/kremlin-claims-ukraine-exited-peace-talks-on-us-orders-a79213"
# ../shared beside the repository, or NEWS_ARCHIVE_SHARED (a git worktree has none beside it;
# the tests and benches read the same variable)
DEFAULT_REFERENCE_DIR = (
    Path(os.environ.get("NEWS_ARCHIVE_SHARED") or Path(__file__).resolve().parents[3] / "shared")
    / "reference"
    / "site"
)


@dataclass(frozen=True)
class Outlet:
    """One fictional publication, served on its own port."""

    name: str
    title: str
    tz: timezone
    staff: tuple[str, ...]
    first_day: int  # day offset of its first article from 2024-01-04


OUTLETS: dict[str, Outlet] = {
    o.name: o
    for o in (
        Outlet("courier", "The Northern Courier", UTC,
               ("Anna Petrova", "John Smith", "Maria Lopez", "David Okafor", "Helen Park"), 0),
        Outlet("ledger", "Harbor Ledger", timezone(timedelta(hours=-5)),
               ("Priya Nair", "Samuel Green", "Ingrid Holm", "Tomás Rivera"), 2),
        Outlet("gazette", "Valley Gazette", timezone(timedelta(hours=1)),
               ("Martha Bell", "Owen Price", "Leila Haddad"), 4),
    )
}


@dataclass(frozen=True)
class Story:
    """One article page of the demo site, with the facts a faithful extraction recovers."""

    outlet: str
    path: str
    title: str
    section: str
    published: datetime
    modified: datetime
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    byline: str = ""
    language: str = "en"
    tags: tuple[str, ...] = ()
    caption: str = ""
    note: str = ""  # a closing credit line, set in italics
    discovery: str = "all"  # "all", "sitemap" (sitemaps only) or "links" (HTML links only)
    raw: bytes | None = field(default=None, repr=False)  # served verbatim when set

    @property
    def summary(self) -> str:
        """The first sentence of the first paragraph."""
        first = self.paragraphs[0] if self.paragraphs else self.title
        return re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]

    @property
    def in_html(self) -> bool:
        """Whether HTML pages (listings, related boxes) link to it."""
        return self.discovery != "sitemap"

    @property
    def in_feeds(self) -> bool:
        """Whether feeds and sitemaps may list it."""
        return self.discovery != "links"


def slugify(text: str, words: int = 8) -> str:
    """Return a lower-case ASCII slug of at most ``words`` words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(parts[:words])


def byline_for(authors: tuple[str, ...]) -> str:
    """Return the usual English byline: "By A", "By A and B", "By A, B and C"."""
    if len(authors) < 2:
        return f"By {authors[0]}" if authors else ""
    return "By " + ", ".join(authors[:-1]) + " and " + authors[-1]


def _path(outlet: str, index: int, title: str, when: datetime) -> str:
    slug, number = slugify(title), 1000 + 37 * index + len(outlet)
    if outlet == "courier":
        return f"/{when:%Y/%m/%d}/{slug}"
    if outlet == "ledger":
        return f"/news/{when:%Y/%m}/{slug}-{number}"
    if index % 2 == 0:
        return f"/stories/{slug}-{number}"
    return f"/news/{when:%Y-%m-%d}/{slug}"


def _write(rng: random.Random, kit: Kit, position: int,
           taken: set[str]) -> tuple[str, list[str]]:
    """Write one story from ``kit``; each outlet ``position`` takes its own body paragraphs."""
    for attempt in range(1000):
        fills = {key: rng.choice(values) for key, values in POOLS.items()}
        title = rng.choice(kit.headlines).format(**fills)
        title = title[0].upper() + title[1:]
        if attempt >= 50:  # a large synthetic site has used up the headline combinations
            title = f"{title} ({len(taken)})"
        if title not in taken:
            break
    taken.add(title)
    size = len(kit.body)
    body = [kit.body[(position * size // 3 + i) % size] for i in range(size // 2)]
    rng.shuffle(body)
    body.insert(1, kit.quotes[position % len(kit.quotes)])
    body += [*rng.sample(CONTEXT, 2), rng.choice(CLOSINGS)]
    paragraphs = [rng.choice(kit.leads), *body]
    return title, [p.format(**fills) for p in paragraphs]


def _generated(outlet: Outlet, position: int, taken: set[str], count: int) -> list[Story]:
    rng = random.Random(f"demosite:{outlet.name}")
    start = datetime(2024, 1, 4, tzinfo=outlet.tz)
    step = timedelta(days=8 * ARTICLES_PER_OUTLET / count)  # the site spans ~6 months
    result = []
    for index in range(count):
        kit = KITS[(index + 3 * position) % len(KITS)]
        title, paragraphs = _write(rng, kit, position, taken)
        when = start + step * index + timedelta(days=outlet.first_day,
                                 hours=7 + (5 * index + position) % 11, minutes=17 * index % 60)
        authors = (rng.choice(outlet.staff),)
        discovery = ("sitemap" if index in SITEMAP_ONLY
                     else "links" if index in LINKS_ONLY else "all")
        result.append(Story(
            outlet=outlet.name, path=_path(outlet.name, index, title, when), title=title,
            section=kit.section, published=when,
            modified=when + timedelta(hours=index % 3, minutes=5 * (index % 2)),
            paragraphs=tuple(paragraphs), authors=authors, byline=byline_for(authors),
            tags=kit.tags, discovery=discovery,
        ))
    return result


def _with_authors(story: Story, authors: tuple[str, ...]) -> Story:
    return replace(story, authors=authors, byline=byline_for(authors))


def _wire_copy(story: Story, title: str) -> Story:
    when = datetime(2024, 4, 10, 9, 14, tzinfo=UTC)
    path = _path(story.outlet, 12, title, when)
    return replace(story, title=title, path=path, section="Business", published=when,
                   modified=when + timedelta(minutes=40),
                   paragraphs=handwritten.REUTERS_PARAGRAPHS,
                   authors=(), agencies=("Reuters",), byline="Reuters",
                   tags=("water", "regulation"))


def _russian(story: Story) -> Story:
    when = datetime(2024, 3, 14, 11, 30, tzinfo=OUTLETS["gazette"].tz)
    path = f"/stories/{handwritten.RUSSIAN_SLUG}-1207"
    return replace(story, title=handwritten.RUSSIAN_TITLE, path=path,
                   section="Local", published=when, modified=when,
                   paragraphs=handwritten.RUSSIAN_PARAGRAPHS, authors=("Ольга Смирнова",),
                   byline="Автор: Ольга Смирнова", language="ru", tags=("набережная",))


def _specials(name: str, stories: list[Story]) -> None:
    """Give a few stories the credit forms and bylines the extractors must handle."""
    if name == "courier":
        stories[3] = _with_authors(stories[3], ("Anna Petrova", "John Smith"))
        stories[14] = replace(stories[14], agencies=("AFP",), note="AFP contributed reporting.")
        stories[12] = _wire_copy(stories[12], handwritten.COURIER_HEADLINE)
        stories[16] = _with_authors(stories[16], ("Maria Lopez", "David Okafor", "Helen Park"))
    elif name == "ledger":
        stories[5] = replace(stories[5], authors=("Jane Doe",), agencies=("AP",),
                             byline="By Jane Doe, Associated Press")
        stories[9] = _with_authors(stories[9], ("Priya Nair", "Samuel Green", "Ingrid Holm"))
        stories[12] = _wire_copy(stories[12], handwritten.LEDGER_HEADLINE)
    else:
        stories[4] = replace(stories[4], caption="Firefighters at the edge of the burned "
                                                 "area on Monday. Photo: AFP")
        stories[10] = _russian(stories[10])
        stories[14] = _with_authors(stories[14], ("Owen Price", "Leila Haddad"))


@cache
def _all_generated(per_outlet: int) -> tuple[Story, ...]:
    taken: set[str] = set()
    result: list[Story] = []
    for position, outlet in enumerate(OUTLETS.values()):
        stories = _generated(outlet, position, taken, per_outlet)
        _specials(outlet.name, stories)
        result.extend(stories)
    return tuple(result)


def find_reference(reference_dir: str | Path | None = None) -> Path | None:
    """Return the reference HTML file, from ``reference_dir`` or the shared default, if any."""
    folder = Path(reference_dir) if reference_dir else DEFAULT_REFERENCE_DIR
    pages = sorted(folder.glob("*.html")) if folder.is_dir() else []
    return pages[0] if pages else None


def _reference(reference_dir: str | Path | None) -> Story | None:
    page = find_reference(reference_dir)
    if page is None:
        return None
    when = datetime(2022, 10, 27, 15, 29, tzinfo=timezone(timedelta(hours=3)))
    return Story(
        outlet="courier", path=REFERENCE_PATH,
        title="Kremlin Claims Ukraine Exited Peace Talks on U.S. Orders", section="World",
        published=when, modified=when + timedelta(minutes=2),
        paragraphs=("The Kremlin blamed the United States for the breakdown in peace talks "
                    "between Russia and Ukraine on Thursday.",),
        agencies=("AFP",), raw=page.read_bytes(),
    )


def stories(
    reference_dir: str | Path | None = None, per_outlet: int = ARTICLES_PER_OUTLET
) -> list[Story]:
    """Return every article of the site, newest first, with the reference page if present.

    ``per_outlet`` above the default makes a larger synthetic site (for benchmarks).
    """
    if per_outlet < ARTICLES_PER_OUTLET:
        raise ValueError(f"per_outlet must be at least {ARTICLES_PER_OUTLET}")
    result = list(_all_generated(per_outlet))
    reference = _reference(reference_dir)
    if reference is not None:
        result.append(reference)
    return sorted(result, key=lambda s: s.published, reverse=True)
