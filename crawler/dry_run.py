"""``crawl --dry-run``: what a sources file would fetch, without archiving anything.

The real spider runs with its real discovery (feeds, sitemaps, those robots.txt names,
the home page's links), host guard, robots.txt and budgets, but with no item pipeline
and no WARC writer, and :class:`DryRunMiddleware` keeps every article page from going
out: it notes the page instead. Feeds, sitemaps and home pages are fetched, since that
is where article URLs are found; article pages are not, so their own links are not
followed. Nothing is written: no archive, index or WARC file is created or changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from crawler.middlewares import Refused
from crawler.run import crawl_settings
from crawler.sources import Source
from crawler.spiders.news import NewsSpider

SAMPLE = 5  # article URLs shown per source (listed by feeds and sitemaps first)
DRY_RUN_MIDDLEWARES = {
    "crawler.warc.writer.WarcMiddleware": None,
    "crawler.notfound.NotFoundProbeMiddleware": None,  # (it would fetch a probe page)
    "crawler.dry_run.DryRunMiddleware": 200,  # after the host guard and robots.txt
}


@dataclass
class SourcePreview:
    """What one source's crawl would read (listings) and fetch (article pages)."""

    source: Source
    read: list[tuple[str, str]] = field(default_factory=list)  # (URL, status or error)
    articles: list[tuple[str, str]] = field(default_factory=list)  # (found via, URL)


class DryRunMiddleware:
    """Let feeds, sitemaps and home pages through, noting their answers; refuse every
    article page, noting its URL. Other components find it as ``crawler.dry_run``."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.read: dict[str, list[tuple[str, str]]] = {}
        self.articles: dict[str, list[tuple[str, str]]] = {}  # (found via, URL)
        crawler.dry_run = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> DryRunMiddleware:
        """Build the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Note an article page and refuse it (raise Refused); let listings go."""
        if request.meta.get("identity") is None:
            return
        found = self.articles.setdefault(request.meta.get("source", ""), [])
        found.append((request.cb_kwargs.get("via", ""), request.url))
        raise Refused(f"dry run: {request.url}")

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        """Note a listing's answer."""
        self._note(request, str(response.status))
        return response

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> None:
        """Note a listing that got no answer."""
        if not isinstance(exception, Refused):
            self._note(request, f"failed: {exception.__class__.__name__}")

    def _note(self, request: Request, outcome: str) -> None:
        if "source" in request.meta and request.meta.get("identity") is None:
            self.read.setdefault(request.meta["source"], []).append((request.url, outcome))


def preview(
    sources: list[Source], data_dir: str | Path, overrides: dict[str, Any] | None = None
) -> list[SourcePreview]:
    """Run the sources' crawl as a dry run (see the module); return what each would fetch.

    Articles the archive in ``data_dir`` holds already are left out, as a crawl would;
    the archive is only read (and not created). Runs the Twisted reactor: once per process.
    """
    settings = crawl_settings(data_dir, {**(overrides or {}), "ITEM_PIPELINES": {}})
    if not Path(settings.get("ARCHIVE_PATH")).is_file():
        settings.set("ARCHIVE_PATH", "", "cmdline")  # nothing is known: nothing to open
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    settings.set("DOWNLOADER_MIDDLEWARES", {**middlewares, **DRY_RUN_MIDDLEWARES}, "cmdline")
    settings.set("CRAWL_PROGRESS", False, "cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=sources)
    process.start()
    seen: DryRunMiddleware = crawler.dry_run  # type: ignore[attr-defined]
    return [
        SourcePreview(s, seen.read.get(s.name, []), seen.articles.get(s.name, []))
        for s in sources
    ]


def preview_lines(previews: list[SourcePreview]) -> Iterator[str]:
    """The dry run's report: per source, its settings, what it read, what it would fetch."""
    for p in previews:
        src = p.source
        links = f"follows links to depth {src.depth}" if src.follow else "follows no links"
        yield f"{src.name}: {src.url} ({links}, at most {src.max_pages} pages)"
        for kind, urls in (("feed", src.feeds), ("sitemap", src.sitemaps)):
            yield from (f"  {kind}: {url}" for url in urls)
        for url, outcome in p.read:
            yield f"  read {url}: {outcome}"
        ways = Counter(via for via, _ in p.articles)
        by_way = ", ".join(f"{n} via {via}" for via, n in sorted(ways.items()))
        yield f"  would fetch {len(p.articles)} article pages" + (f" ({by_way})" if ways else "")
        listed_first = sorted(p.articles, key=lambda found: found[0] == "link")
        yield from (f"    {url}" for _, url in listed_first[:SAMPLE])
