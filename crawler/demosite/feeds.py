"""Machine-readable pages: RSS 2.0, Atom, sitemaps (index, monthly, Google News), robots.txt."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from crawler.demosite.content import Story

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

Absolute = Callable[[str], str]


def rss(title: str, home: str, absolute: Absolute, stories: Iterable[Story]) -> str:
    """Return an RSS 2.0 feed of ``stories``."""
    items = []
    for s in stories:
        url = escape(absolute(s.path))
        creator = "".join(f"<dc:creator>{escape(a)}</dc:creator>" for a in s.authors)
        items.append(f"<item><title>{escape(s.title)}</title><link>{url}</link>"
                     f'<guid isPermaLink="true">{url}</guid>'
                     f"<pubDate>{format_datetime(s.published)}</pubDate>{creator}"
                     f"<category>{escape(s.section)}</category>"
                     f"<description>{escape(s.summary)}</description></item>")
    body = "\n".join(items)
    return (f'{XML_HEAD}<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f"<channel><title>{escape(title)}</title><link>{escape(home)}</link>"
            f"<description>Latest stories from {escape(title)}</description>"
            f"<language>en</language>\n{body}\n</channel></rss>\n")


def atom(title: str, home: str, absolute: Absolute, stories: list[Story]) -> str:
    """Return an Atom feed of ``stories``."""
    entries = []
    for s in stories:
        url = escape(absolute(s.path))
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in s.authors)
        entries.append(f'<entry><title>{escape(s.title)}</title><link rel="alternate" '
                       f'href="{url}"/><id>{url}</id>'
                       f"<published>{s.published.isoformat()}</published>"
                       f"<updated>{s.modified.isoformat()}</updated>{authors}"
                       f"<summary>{escape(s.summary)}</summary></entry>")
    updated = max(s.modified for s in stories).isoformat()
    body = "\n".join(entries)
    return (f'{XML_HEAD}<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<title>{escape(title)}</title><id>{escape(home)}</id>"
            f'<link rel="alternate" href="{escape(home)}"/>'
            f'<link rel="self" href="{escape(absolute("/atom.xml"))}"/>'
            f"<updated>{updated}</updated>\n{body}\n</feed>\n")


def sitemap_index(sitemaps: dict[str, datetime]) -> str:
    """Return a sitemap index pointing at ``sitemaps`` (URL to last modification)."""
    body = "\n".join(f"<sitemap><loc>{escape(url)}</loc><lastmod>{when.isoformat()}</lastmod>"
                     f"</sitemap>" for url, when in sitemaps.items())
    return f'{XML_HEAD}<sitemapindex xmlns="{SITEMAP_NS}">\n{body}\n</sitemapindex>\n'


def urlset(absolute: Absolute, stories: Iterable[Story]) -> str:
    """Return a plain sitemap listing ``stories``."""
    body = "\n".join(f"<url><loc>{escape(absolute(s.path))}</loc>"
                     f"<lastmod>{s.modified.isoformat()}</lastmod></url>" for s in stories)
    return f'{XML_HEAD}<urlset xmlns="{SITEMAP_NS}">\n{body}\n</urlset>\n'


def news_sitemap(publication: str, absolute: Absolute, stories: Iterable[Story]) -> str:
    """Return a Google News sitemap listing ``stories``."""
    body = "\n".join(
        f"<url><loc>{escape(absolute(s.path))}</loc><news:news><news:publication>"
        f"<news:name>{escape(publication)}</news:name><news:language>{s.language}"
        f"</news:language></news:publication>"
        f"<news:publication_date>{s.published.isoformat()}</news:publication_date>"
        f"<news:title>{escape(s.title)}</news:title></news:news></url>" for s in stories)
    return (f'{XML_HEAD}<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n{body}\n'
            f"</urlset>\n")


def robots(sitemaps: Iterable[str]) -> str:
    """Return robots.txt: keep crawlers out of /private/ and announce the sitemaps."""
    lines = ["User-agent: *", "Disallow: /private/", ""]
    lines += [f"Sitemap: {url}" for url in sitemaps]
    return "\n".join(lines) + "\n"
