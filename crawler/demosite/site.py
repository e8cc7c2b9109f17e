"""One outlet's pages, rendered once into a table of path -> response."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from html import escape
from itertools import chain, islice
from urllib.parse import urlsplit

from crawler.demosite import feeds
from crawler.demosite.content import FEED_SIZE, OUTLETS, Story, slugify
from crawler.demosite.pages import PAGE_SIZE, THEMES, Theme

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
FEED_TYPES = {"rss": "application/rss+xml; charset=utf-8",
              "atom": "application/atom+xml; charset=utf-8"}
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


@dataclass(frozen=True)
class Layout:
    """Where an outlet keeps its feed and sitemaps."""

    feed: str
    feed_kind: str  # "rss" or "atom"
    sitemap: str  # the index, or the only sitemap when ``monthly`` is None
    monthly: str | None = None  # format string with {month} as YYYY-MM
    news: str | None = None  # Google News sitemap, announced in robots.txt only


LAYOUTS: dict[str, Layout] = {
    "courier": Layout("/feed.xml", "rss", "/sitemap.xml", "/sitemaps/{month}.xml",
                      "/sitemaps/news.xml"),
    "ledger": Layout("/atom.xml", "atom", "/sitemap_index.xml", "/sitemap-{month}.xml"),
    "gazette": Layout("/rss", "rss", "/sitemap.xml"),
}
SECTION_SIZE = 6


@dataclass(frozen=True)
class Page:
    """A ready response: body, type, and the validators conditional requests compare."""

    body: bytes
    content_type: str
    last_modified: datetime | None = None
    status: int = 200

    @property
    def etag(self) -> str:
        """Return a strong entity tag derived from the body."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def _chunks(items: list[Story], size: int) -> list[list[Story]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


class OutletSite:
    """Every page of one outlet, keyed by path."""

    def __init__(self, outlet: str, base: str, stories: list[Story]) -> None:
        self.outlet = outlet
        self.layout = LAYOUTS[outlet]
        articles = [s for s in stories if s.outlet == outlet]
        self.regular = [s for s in articles if s.raw is None]
        self.archive = [s for s in articles if s.raw is not None]
        self.linked = [s for s in self.regular if s.in_html]
        sections = sorted({s.section for s in self.regular})
        self.theme: Theme = THEMES[outlet](outlet, base, sections)
        self.pick = self.linked[3]
        self.routes: dict[str, Page] = {}
        self._articles(articles)
        self._listings(sections)
        self._feeds()
        self._extras()
        self.not_found = self._html(self.theme.plain(
            "Page not found", "<p>Sorry, we could not find that page.</p>"), status=404)

    def lookup(self, target: str) -> Page:
        """Return the page for a request target; query and fragment are ignored."""
        return self.routes.get(urlsplit(target).path, self.not_found)

    @staticmethod
    def _html(text: str, status: int = 200, last_modified: datetime | None = None,
              charset: str = "utf-8") -> Page:
        return Page(text.encode(charset, "xmlcharrefreplace"), f"text/html; charset={charset}",
                    last_modified, status)

    def _articles(self, articles: list[Story]) -> None:
        for story in articles:
            if story.raw is not None:
                self.routes[story.path] = Page(story.raw, HTML, story.modified)
                continue
            peers = (s for s in self.linked if s.section == story.section and s != story)
            others = (s for s in self.linked if s.section != story.section)
            related = list(islice(chain(peers, others), 4))
            charset = "windows-1251" if story.language == "ru" else "utf-8"
            html = self.theme.article(story, related, self.pick)
            self.routes[story.path] = self._html(html, last_modified=story.modified,
                                                 charset=charset)
            self.routes[self.theme.image_path(story)] = Page(GIF, "image/gif")
        self.routes["/logo.gif"] = Page(GIF, "image/gif")

    def _paginate(self, heading: str, stories: list[Story], size: int, paths: list[str],
                  home: bool = False) -> None:
        for n, chunk in enumerate(_chunks(stories, size), start=1):
            extra = self._archive_box() if home and n == 1 else ""
            title = heading if n == 1 else f"{heading} – page {n}"
            self.routes[paths[n - 1]] = self._html(self.theme.listing(
                title, chunk, self.theme.pager(paths, n), extra, self.pick, hero=home and n == 1))

    def _archive_box(self) -> str:
        if not self.archive:
            return ""
        items = "".join(f'<li><a href="{s.path}">{escape(s.title)}</a></li>'
                        for s in self.archive)
        return (f'<section class="from-the-archive"><h2>From the archive</h2><ul>{items}</ul>'
                "</section>")

    def _listings(self, sections: list[str]) -> None:
        pages = len(_chunks(self.linked, PAGE_SIZE))
        self._paginate(OUTLETS[self.outlet].title, self.linked, PAGE_SIZE,
                       [self.theme.latest_url(n) for n in range(1, pages + 1)], home=True)
        for section in sections:
            members = [s for s in self.linked if s.section == section]
            pages = len(_chunks(members, SECTION_SIZE))
            self._paginate(section, members, SECTION_SIZE,
                           [self.theme.section_url(section, n) for n in range(1, pages + 1)])
        by_tag: dict[str, list[Story]] = defaultdict(list)
        by_author: dict[str, list[Story]] = defaultdict(list)
        for story in self.linked:
            for tag in story.tags:
                by_tag[tag].append(story)
            for author in story.authors:
                by_author[author].append(story)
        for prefix, groups in (("/tag/", by_tag), ("/author/", by_author)):
            for name, members in groups.items():
                if slugify(name):
                    label = f"Stories tagged {name}" if prefix == "/tag/" else name
                    self.routes[prefix + slugify(name)] = self._html(
                        self.theme.listing(label, members))

    def _feeds(self) -> None:
        theme, layout, title = self.theme, self.layout, OUTLETS[self.outlet].title
        listed = [s for s in self.regular if s.in_feeds]
        latest = listed[:FEED_SIZE] + self.archive
        render = feeds.atom if layout.feed_kind == "atom" else feeds.rss
        self.routes[layout.feed] = Page(
            render(title, theme.base, theme.absolute, latest).encode(),
            FEED_TYPES[layout.feed_kind])
        mapped = listed + self.archive
        if layout.monthly is None:
            self.routes[layout.sitemap] = self._xml(feeds.urlset(theme.absolute, mapped))
        else:
            months: dict[str, list[Story]] = defaultdict(list)
            for story in mapped:
                months[f"{story.published:%Y-%m}"].append(story)
            index = {}
            for month, members in sorted(months.items()):
                path = layout.monthly.format(month=month)
                self.routes[path] = self._xml(feeds.urlset(theme.absolute, members))
                index[theme.absolute(path)] = max(s.modified for s in members)
            self.routes[layout.sitemap] = self._xml(feeds.sitemap_index(index))
        announced = [theme.absolute(layout.sitemap)]
        if layout.news:
            self.routes[layout.news] = self._xml(
                feeds.news_sitemap(title, theme.absolute, listed[:FEED_SIZE]))
            announced.append(theme.absolute(layout.news))
        self.routes["/robots.txt"] = Page(feeds.robots(announced).encode(),
                                          "text/plain; charset=utf-8")

    @staticmethod
    def _xml(text: str) -> Page:
        return Page(text.encode(), XML)

    def _extras(self) -> None:
        name = OUTLETS[self.outlet].title
        plain = {
            "/about": ("About us", f"<ul><li>{name} is a fictional outlet of the demo site."
                       "</li><li>Editor: Ruth Calloway</li><li>Founded: 1888</li>"
                       '<li><a href="/privacy">Privacy policy</a></li></ul>'),
            "/privacy": ("Privacy policy", "<ul><li>We set no tracking cookies.</li>"
                         "<li>Server logs are kept for 30 days.</li>"
                         "<li>Contact: privacy@example.org</li></ul>"),
            "/private/drafts": ("Staff area", '<ul><li><a href="/private/drafts/embargoed">'
                                "Embargoed: budget leak (draft)</a></li></ul>"),
            "/private/drafts/embargoed": ("Draft", "<p>Not for publication.</p>"),
        }
        for path, (heading, body) in plain.items():
            self.routes[path] = self._html(self.theme.plain(heading, body))
