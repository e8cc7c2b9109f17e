"""HTML rendering: one visibly different template per outlet, around the same content."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from html import escape
from urllib.parse import quote, urlsplit

from crawler.demosite.content import OUTLETS, Story, slugify

PAGE_SIZE = 8
BROKEN_PATHS = {"courier": "/corrections/2024-archive", "ledger": "/podcasts/",
                "gazette": "/weather/forecast"}


def _date_long(story: Story) -> str:
    return f"{story.published.day} {story.published:%B %Y}"


class Theme(ABC):
    """What every outlet template shares: URLs, link variants and page assembly."""

    latest_path = "/page/{n}"
    section_path = "/{slug}/"
    section_page_path = "/{slug}/page/{n}"

    def __init__(self, outlet: str, base: str, sections: list[str]) -> None:
        self.outlet = OUTLETS[outlet]
        self.sections = sections
        self.base = base
        parts = urlsplit(base)
        self.www_base = f"{parts.scheme}://www.{parts.netloc}/"

    # URLs -------------------------------------------------------------------------------
    def absolute(self, path: str) -> str:
        """Return ``path`` on this outlet's host."""
        return self.base + path.lstrip("/")

    def latest_url(self, n: int) -> str:
        """Return the path of page ``n`` of the latest-stories listing."""
        return "/" if n == 1 else self.latest_path.format(n=n)

    def section_url(self, section: str, n: int = 1) -> str:
        """Return the path of page ``n`` of a section listing."""
        template = self.section_path if n == 1 else self.section_page_path
        return template.format(slug=slugify(section), n=n)

    @staticmethod
    def image_path(story: Story) -> str:
        """Return the path of the story's lead image."""
        return f"/images/{slugify(story.title, 4)}.gif"

    # Fragments ----------------------------------------------------------------------------
    def page_title(self, title: str, separator: str) -> str:
        """Return the escaped <title> text: the page's title, then the outlet's name."""
        parts = [title] if title == self.outlet.title else [title, self.outlet.title]
        return escape(separator.join(parts))

    @staticmethod
    def people(story: Story) -> str:
        """Return the byline with author names linked to their author pages."""
        text = escape(story.byline)
        for name in story.authors:
            slug = slugify(name)
            if slug:
                text = text.replace(escape(name), f'<a href="/author/{slug}">{escape(name)}</a>')
        return text

    @staticmethod
    def tag_links(story: Story, css: str) -> str:
        """Return the story's tags as links to tag pages."""
        links = [f'<a class="{css}" href="/tag/{slugify(t)}">{escape(t)}</a>'
                 for t in story.tags if slugify(t)]
        return " ".join(links)

    @staticmethod
    def paragraphs(story: Story) -> str:
        """Return the story text as paragraphs, the credit line in italics."""
        body = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
        if story.note:
            body += f"\n<p><em>{escape(story.note)}</em></p>"
        return body

    def share(self, story: Story, css: str) -> str:
        """Return share buttons: external sharers, a tracked copy link, a comments anchor."""
        target = quote(self.absolute(story.path), safe="")
        return (f'<div class="{css}">'
                f'<a href="https://twitter.com/intent/tweet?url={target}">Share on X</a> '
                f'<a href="https://www.facebook.com/sharer/sharer.php?u={target}">Facebook</a> '
                f'<a href="{story.path}?utm_source=share&amp;utm_medium=copy">Copy link</a> '
                f'<a href="{story.path}#comments">Comments</a></div>')

    def pager(self, pages: list[str], current: int) -> str:
        """Return numbered pagination links."""
        items = [f"<strong>{n}</strong>" if n == current else f'<a href="{path}">{n}</a>'
                 for n, path in enumerate(pages, start=1)]
        if current < len(pages):
            items.append(f'<a rel="next" href="{pages[current]}">Older stories</a>')
        return f'<nav class="pagination" aria-label="Pages">{" ".join(items)}</nav>'

    def editors_pick(self, story: Story | None) -> str:
        """Return a footer promo linking a story through the www. form of the host."""
        if story is None:
            return ""
        href = self.www_base + story.path.lstrip("/")
        return f'<p class="pick">Editor\'s pick: <a href="{href}">{escape(story.title)}</a></p>'

    # Pages --------------------------------------------------------------------------------
    def listing(self, heading: str, stories: list[Story], pager: str = "",
                extra: str = "", pick: Story | None = None, hero: bool = False) -> str:
        """Return a listing page: teasers, optional hero link with tracking, pagination."""
        teasers = [self.teaser(s, tracked=hero and i == 0) for i, s in enumerate(stories)]
        main = (f"<h1 class=\"listing-title\">{escape(heading)}</h1>\n"
                + self.wrap_list("\n".join(teasers)) + pager + extra)
        return self.document(heading, main, pick=pick)

    def plain(self, heading: str, html_body: str) -> str:
        """Return a short non-article page (about, privacy, 404, private area)."""
        return self.document(heading, f"<h1>{escape(heading)}</h1>\n{html_body}")

    def href(self, story: Story, tracked: bool) -> str:
        """Return the link to a story, with campaign parameters when ``tracked``."""
        if tracked:
            return f"{story.path}?utm_source=homepage&amp;utm_medium=hero&amp;utm_campaign=top"
        return story.path

    def nav(self, sections: list[str]) -> str:
        """Return the section links of the main navigation."""
        return "".join(f'<li><a href="{self.section_url(s)}">{escape(s)}</a></li>'
                       for s in sections)

    # Hooks --------------------------------------------------------------------------------
    @abstractmethod
    def document(self, title: str, main: str, head: str = "",
                 pick: Story | None = None) -> str:
        """Return a full HTML page around ``main``."""

    @abstractmethod
    def teaser(self, story: Story, tracked: bool = False) -> str:
        """Return one item of a listing."""

    @abstractmethod
    def wrap_list(self, items: str) -> str:
        """Return the container of listing items."""

    @abstractmethod
    def article(self, story: Story, related: list[Story], pick: Story | None) -> str:
        """Return an article page."""


class CourierTheme(Theme):
    """The Northern Courier: JSON-LD NewsArticle, OpenGraph, a classic broadsheet layout."""

    def document(self, title: str, main: str, head: str = "",
                 pick: Story | None = None) -> str:
        """Return a full Courier page."""
        name = escape(self.outlet.title)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{self.page_title(title, " | ")}</title>
<link rel="alternate" type="application/rss+xml" title="{name}" href="/feed.xml">
{head}
</head>
<body class="courier">
<div class="promo-banner">Subscribe to the Courier for £1 a week.
<a href="/about">Learn more</a></div>
<header class="masthead"><a class="masthead__logo" href="/">{name}</a>
<p class="masthead__tagline">Independent news since 1888</p></header>
<nav class="primary-nav"><ul><li><a href="/">Home</a></li>{self.nav(self.sections)}</ul></nav>
<main class="layout" id="top">
{main}
</main>
<footer class="site-footer">
{self.editors_pick(pick)}
<ul class="site-footer__links"><li><a href="/about">About us</a></li>
<li><a href="/privacy">Privacy policy</a></li>
<li><a href="{BROKEN_PATHS['courier']}">Corrections</a></li>
<li><a href="/private/drafts">Staff area</a></li></ul>
<p class="site-footer__copy">© 2024 The Northern Courier Ltd. All rights reserved.</p>
</footer>
</body>
</html>
"""

    def wrap_list(self, items: str) -> str:
        """Return the Courier's card grid."""
        return f'<div class="card-grid">\n{items}\n</div>'

    def teaser(self, story: Story, tracked: bool = False) -> str:
        """Return a Courier card."""
        return (f'<div class="card"><span class="card__kicker">{escape(story.section)}</span>'
                f'<h3 class="card__title"><a href="{self.href(story, tracked)}">'
                f'{escape(story.title)}</a></h3><p class="card__standfirst">'
                f'{escape(story.summary)}</p></div>')

    def jsonld(self, story: Story) -> str:
        """Return the NewsArticle JSON-LD block."""
        authors = [{"@type": "Person", "name": a} for a in story.authors]
        if not authors and story.byline:
            authors = [{"@type": "Organization", "name": story.byline}]
        data = {
            "@context": "https://schema.org", "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": story.published.isoformat(),
            "dateModified": story.modified.isoformat(),
            "author": authors,
            "publisher": {"@type": "Organization", "name": self.outlet.title,
                          "logo": {"@type": "ImageObject", "url": self.absolute("/logo.gif")}},
            "image": [self.absolute(self.image_path(story))],
            "articleSection": story.section,
            "mainEntityOfPage": self.absolute(story.path),
        }
        return ('<script type="application/ld+json">'
                + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + "</script>")

    def article(self, story: Story, related: list[Story], pick: Story | None) -> str:
        """Return a Courier article page."""
        url = escape(self.absolute(story.path))
        head = f"""<link rel="canonical" href="{url}">
<meta name="description" content="{escape(story.summary)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(story.title)}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{escape(self.absolute(self.image_path(story)))}">
<meta property="og:site_name" content="{escape(self.outlet.title)}">
{self.jsonld(story)}"""
        related_items = "".join(f'<li><a href="{s.path}#top">{escape(s.title)}</a></li>'
                                for s in related)
        section = f'<a href="{self.section_url(story.section)}">{escape(story.section)}</a>'
        main = f"""<article class="story">
<p class="story__section">{section}</p>
<h1 class="story__headline">{escape(story.title)}</h1>
<div class="story__meta"><span class="story__byline">{self.people(story)}</span>
<time class="story__date" datetime="{story.published.isoformat()}">{_date_long(story)}</time></div>
<figure class="story__image"><img src="{self.image_path(story)}" alt=""></figure>
{self.share(story, "share-bar")}
<div class="story__body">
{self.paragraphs(story)}
</div>
<div class="story__tags">{self.tag_links(story, "tag-pill")}</div>
<div id="comments" class="comments">Comments are closed for this story.</div>
</article>
<aside class="sidebar"><section class="most-read"><h2>Most read</h2><ol>{related_items}</ol>
</section><section class="newsletter"><h2>The Morning Brief</h2>
<p>Our editors' pick of the day's news, in your inbox at 7am.</p>
<a href="/about">Sign up</a></section></aside>"""
        return self.document(story.title, main, head, pick)


class LedgerTheme(Theme):
    """Harbor Ledger: OpenGraph and article meta tags only, a blog-like layout."""

    latest_path = "/latest/{n}"
    section_path = "/c/{slug}"
    section_page_path = "/c/{slug}/{n}"

    def document(self, title: str, main: str, head: str = "",
                 pick: Story | None = None) -> str:
        """Return a full Ledger page."""
        name = escape(self.outlet.title)
        return f"""<!doctype html>
<html lang="en-US">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{self.page_title(title, " – ")}</title>
<link rel="alternate" type="application/atom+xml" href="/atom.xml">
{head}
</head>
<body>
<div id="page">
<div class="topbar"><span class="weather">Harbor City 14°C</span>
<a class="login" href="/private/drafts">Sign in</a></div>
<div id="branding"><a href="/" rel="home"><span class="site-title">{name}</span></a></div>
<div id="menu"><a href="/">Front page</a>{self.nav(self.sections)}
<a href="{BROKEN_PATHS['ledger']}">Podcasts</a></div>
<div id="content" class="hl-wrap">
{main}
</div>
<div id="colophon">
{self.editors_pick(pick)}
<div class="footer-widgets"><a href="/about">Who we are</a> · <a href="/privacy">Privacy</a>
· <a href="/atom.xml">Atom feed</a></div>
<div class="site-info">Harbor Ledger is published by Harbor Media Group.</div>
</div>
</div>
</body>
</html>
"""

    def nav(self, sections: list[str]) -> str:
        """Return the Ledger's flat menu links."""
        return "".join(f' <a href="{self.section_url(s)}">{escape(s)}</a>' for s in sections)

    def wrap_list(self, items: str) -> str:
        """Return the Ledger's river of posts."""
        return f'<div class="river">\n{items}\n</div>'

    def teaser(self, story: Story, tracked: bool = False) -> str:
        """Return a Ledger river item."""
        return (f'<div class="river-item"><h2 class="entry-title"><a href='
                f'"{self.href(story, tracked)}" rel="bookmark">{escape(story.title)}</a></h2>'
                f'<div class="excerpt">{escape(story.summary)} '
                f'<a class="more-link" href="{story.path}">Continue reading</a></div></div>')

    def article(self, story: Story, related: list[Story], pick: Story | None) -> str:
        """Return a Ledger article page."""
        url = escape(self.absolute(story.path))
        author = escape(", ".join(story.authors) or story.byline)
        head = f"""<link rel="canonical" href="{url}">
<meta name="description" content="{escape(story.summary)}">
<meta name="author" content="{author}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(story.title)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{escape(self.outlet.title)}">
<meta property="og:image" content="{escape(self.absolute(self.image_path(story)))}">
<meta property="article:published_time" content="{story.published.isoformat()}">
<meta property="article:modified_time" content="{story.modified.isoformat()}">
<meta property="article:author" content="{author}">
<meta property="article:section" content="{escape(story.section)}">"""
        related_items = "".join(f'<li><a href="{s.path}">{escape(s.title)}</a></li>'
                                for s in related)
        section = f'<a href="{self.section_url(story.section)}">{escape(story.section)}</a>'
        when = story.published
        posted = f"{when:%B} {when.day}, {when:%Y} at {when:%H:%M}"
        main = f"""<div class="post">
<div class="breadcrumbs"><a href="/">Home</a> » {section}</div>
<h1 class="post-title">{escape(story.title)}</h1>
<div class="meta"><span class="author vcard">{self.people(story)}</span> |
<span class="posted-on">{posted}</span></div>
<div class="entry-content">
{self.paragraphs(story)}
</div>
<div class="post-tags">Filed under: {self.tag_links(story, "post-tag")}</div>
{self.share(story, "social")}
<div class="related-posts"><h3>You may also like</h3><ul>{related_items}</ul></div>
<div id="comments"><h3>Leave a reply</h3><p>You must be signed in to comment.</p></div>
</div>"""
        return self.document(story.title, main, head, pick)


class GazetteTheme(Theme):
    """Valley Gazette: no structured metadata at all, an old two-column layout."""

    latest_path = "/index/{n}"
    section_path = "/section/{slug}"
    section_page_path = "/section/{slug}/page/{n}"

    def document(self, title: str, main: str, head: str = "",
                 pick: Story | None = None, charset: str = "utf-8", lang: str = "en") -> str:
        """Return a full Gazette page."""
        name = escape(self.outlet.title)
        return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="{charset}">
<title>{self.page_title(title, " - ")}</title>
{head}
</head>
<body>
<div class="container">
<div class="banner"><div class="logo"><a href="/">{name}</a></div>
<div class="ad-slot">Advertisement: Valley Motors spring sale now on</div></div>
<table class="menu"><tr><td><a href="/">Home</a></td>{self.nav(self.sections)}
<td><a href="{BROKEN_PATHS['gazette']}">Weather</a></td></tr></table>
<div class="columns">
<div class="left-col">
{main}
</div>
<div class="right-col"><div class="box"><h4>Notices</h4>
<p>Road closures this week: Mill Lane, Station Road.</p></div>
<div class="box"><h4>Contact the newsroom</h4><p>news@valley-gazette.example</p></div></div>
</div>
<div class="bottom">{self.editors_pick(pick)}
<a href="/about">About the Gazette</a> | <a href="/privacy">Privacy</a> |
<a href="/rss">RSS</a> | <a href="/private/drafts">Staff</a><br>
Copyright 2024 Valley Gazette Printing Co.</div>
</div>
</body>
</html>
"""

    def nav(self, sections: list[str]) -> str:
        """Return the Gazette's menu cells."""
        return "".join(f'<td><a href="{self.section_url(s)}">{escape(s)}</a></td>'
                       for s in sections)

    def wrap_list(self, items: str) -> str:
        """Return the Gazette's headline list."""
        return f'<ul class="headlines">\n{items}\n</ul>'

    def teaser(self, story: Story, tracked: bool = False) -> str:
        """Return a Gazette headline item."""
        return (f'<li><a class="hl" href="{self.href(story, tracked)}">{escape(story.title)}'
                f'</a><br><span class="small">{escape(story.summary)}</span></li>')

    def dateline(self, story: Story) -> str:
        """Return the visible publication date, in the article's language."""
        if story.language == "ru":
            months = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля",
                      "августа", "сентября", "октября", "ноября", "декабря")
            day = story.published
            return f"Опубликовано {day.day} {months[day.month - 1]} {day.year}"
        return f"Published {_date_long(story)}"

    def article(self, story: Story, related: list[Story], pick: Story | None) -> str:
        """Return a Gazette article page."""
        figure = ""
        if story.caption:
            figure = (f'<div class="photo"><figure><img src="{self.image_path(story)}" '
                      f'alt=""><figcaption>{escape(story.caption)}</figcaption>'
                      f"</figure></div>")
        related_items = "".join(f'<li><a href="{s.path}">{escape(s.title)}</a></li>'
                                for s in related)
        main = f"""<div class="article">
<h1 class="title">{escape(story.title)}</h1>
<div class="byline">{self.people(story)}</div>
<div class="dateline">{self.dateline(story)}</div>
{figure}
<div class="story-text">
{self.paragraphs(story)}
</div>
<div class="box related"><b>More from the Gazette</b><ul>{related_items}</ul></div>
{self.share(story, "sharethis")}
</div>"""
        charset = "windows-1251" if story.language == "ru" else "utf-8"
        return self.document(story.title, main, pick=pick, charset=charset,
                             lang=story.language)


THEMES: dict[str, type[Theme]] = {
    "courier": CourierTheme, "ledger": LedgerTheme, "gazette": GazetteTheme,
}
