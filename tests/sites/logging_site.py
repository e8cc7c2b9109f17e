"""A small news site on 127.0.0.1 that logs when each request arrives and leaves.

For the politeness tests of the distributed crawl: every answer takes ``latency``
seconds, so requests overlap unless the crawler holds back; the log gives, per request,
its path, arrival and departure times and the conditional headers it carried. Articles
(``/news/N``) send an ETag and a Last-Modified date and answer ``304 Not Modified`` to a
request carrying the same ETag (:meth:`LoggingSite.revise` changes one); ``/sitemap.xml``
lists them; ``robots.txt`` may ask for a ``Crawl-delay``; ``/broken/N`` answers 503 until
:meth:`LoggingSite.mend` is called.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.sites.hostile import article_html, prose, urlset

LAST_MODIFIED = "Wed, 01 May 2024 09:00:00 GMT"


@dataclass(frozen=True)
class Hit:
    """One request, as the site saw it."""

    path: str
    arrived: float
    left: float
    if_none_match: str | None
    if_modified_since: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: LoggingSite


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        site = self.server.site
        arrived = time.monotonic()
        time.sleep(site.latency)
        status, body, headers = site.answer(self.path, self.headers.get("If-None-Match"))
        # Left: the answer is on its way (a client may take the next place as soon as it
        # has it: that may be before this thread runs again).
        left = time.monotonic()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        with site.lock:
            site.hits.append(Hit(self.path, arrived, left,
                                 self.headers.get("If-None-Match"),
                                 self.headers.get("If-Modified-Since")))

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class LoggingSite:
    """``articles`` articles and a sitemap, each answer ``latency`` seconds late."""

    def __init__(self, articles: int, *, latency: float = 0.0, crawl_delay: float | None = None,
                 broken: int = 0) -> None:
        self.articles = articles
        self.latency = latency
        self.crawl_delay = crawl_delay
        self.broken = broken
        self.mended = False
        self.unlisted = False  # the sitemap leaves out the broken pages
        self.revised: set[str] = set()  # paths serving their second version
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.site = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The site's base URL, with a trailing slash."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def article_urls(self) -> list[str]:
        """The addresses of the articles served (the broken ones included)."""
        return [f"{self.url}news/{n}" for n in range(self.articles)] + [
            f"{self.url}broken/{n}" for n in range(self.broken)
        ]

    def mend(self, *, unlist: bool = False) -> None:
        """Serve the broken pages from now on; ``unlist``: no longer in the sitemap."""
        self.mended = True
        self.unlisted = unlist

    def revise(self, path: str) -> None:
        """Serve a second version of an article (another text, another ETag)."""
        self.revised.add(path)

    def answer(self, path: str, etag: str | None) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for a path."""
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay else ""
            return 200, f"User-agent: *\n{delay}Disallow: /private/\n".encode(), {}
        if path == "/sitemap.xml":
            listed = [u for u in self.article_urls() if not (self.unlisted and "/broken/" in u)]
            return 200, urlset(*listed).encode(), {"Content-Type": "application/xml"}
        kind, _, number = path.strip("/").partition("/")
        if kind == "broken" and not self.mended:
            return 503, b"<html><body><p>Busy</p></body></html>", html
        if kind in {"news", "broken"} and number.isdigit():
            version = 2 if path in self.revised else 1
            tag = f'"{kind}-{number}-v{version}"'
            validators = {"ETag": tag, "Last-Modified": LAST_MODIFIED}
            if etag == tag:
                return 304, b"", validators
            title = f"Story number {number} of the {kind} desk" + (
                ", corrected" if version == 2 else "")
            return 200, article_html(title, prose(title)).encode(), {**html, **validators}
        return 404, b"<html><body><p>Not found</p></body></html>", html

    def sources_toml(self, name: str = "logged") -> str:
        """A sources file crawling the site from its sitemap."""
        return (f'[[source]]\nname = "{name}"\nurl = "{self.url}"\n'
                f'sitemaps = ["{self.url}sitemap.xml"]\nfollow = false\n')

    def page_hits(self) -> list[Hit]:
        """The requests for articles, in order of arrival."""
        with self.lock:
            hits = [h for h in self.hits if h.path.startswith(("/news/", "/broken/"))]
        return sorted(hits, key=lambda h: h.arrived)

    def all_hits(self) -> list[Hit]:
        """Every request, in order of arrival."""
        with self.lock:
            return sorted(self.hits, key=lambda h: h.arrived)

    def __enter__(self) -> LoggingSite:
        self.thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()


def most_at_once(hits: list[Hit]) -> int:
    """The largest number of requests the site was answering at the same moment."""
    events = sorted([(h.arrived, 1) for h in hits] + [(h.left, -1) for h in hits])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def closest_starts(hits: list[Hit]) -> float:
    """The shortest time between two arrivals (infinity for fewer than two requests)."""
    starts = sorted(h.arrived for h in hits)
    return min((b - a for a, b in itertools.pairwise(starts)), default=float("inf"))
