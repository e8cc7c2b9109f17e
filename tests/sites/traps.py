"""Hostile sites on 127.0.0.1 that try to break a whole crawl, not one page.

Each :class:`TrapSite` listens on a port of its own (so each is its own source) and is one
of these kinds:

- ``news``: a normal outlet, a home page linking ``articles`` stories, and ``/feed.xml``;
- ``links``: a link trap, every page (``/``, ``/t/N``) linking ``links`` new pages;
- ``sitemaps``: ``/sitemap_index.xml`` naming ``sitemaps`` sitemaps of ``urls`` URLs each,
  generated as they are sent (``/sitemaps/N.xml``, or ``.xml.gz``), with ``lastmod``;
- ``feed``: ``/feed.xml``, an RSS feed of ``items`` items, newest first;
- ``hang``: a home page linking ``links`` pages that never answer;
- ``edges``: articles with ``keywords`` JSON-LD keywords, with a title of ``title``
  characters, and a UTF-8 one that declares ``<meta charset="utf-16">`` (the HTML standard
  reads it as UTF-8) titled ``UTF16_TITLE``, served without a charset in its header;
- ``soft404``: a news site (``articles`` stories) that answers every unknown path with 200
  and its own "not found" template, whose title and heading do not say so; its feed also
  lists ``pending`` stories that get that answer until ``publish()``.

Every page a listing or a link names (but the trap pages and the hanging ones) is an
article. Any kind takes ``delay_ms``: each answer waits that long; ``most_at_once`` is the
most requests the site had in hand at one time. Run
``python -m tests.sites.traps KIND [KEY=VALUE...]`` to serve one until SIGTERM; it prints
its URL as one JSON line.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from tests.sites.hostile import _Handler as HostileHandler
from tests.sites.hostile import _Server as QuietServer
from tests.sites.hostile import article_html, prose

DEFAULTS: dict[str, dict[str, int]] = {
    "news": {"articles": 30},
    "links": {"links": 20_000},
    "sitemaps": {"sitemaps": 500, "urls": 50_000},
    "feed": {"items": 100_000},
    "hang": {"links": 50},
    "edges": {"keywords": 50_000, "title": 100_000},
    "soft404": {"articles": 3, "pending": 2},
}
EPOCH = datetime(2024, 6, 1, tzinfo=UTC)
CHUNK = 1_000  # listing entries generated per write
UTF16_TITLE = "Grüße aus Köln"


def story(path: str) -> bytes:
    """An article page for ``path``, titled after it."""
    title = "Story " + path.strip("/").replace("/", " ")
    return article_html(title, prose(title)).encode()


class _Server(QuietServer):
    site: TrapSite  # type: ignore[assignment]


class _Handler(HostileHandler):
    """Answers with what the trap site says (:meth:`TrapSite.answer`)."""

    server: _Server

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        site.count(path)
        with site.at_once():
            self._answer(site, path)

    def _answer(self, site: TrapSite, path: str) -> None:
        if delay := site.params.get("delay_ms", 0):
            site.stopping.wait(delay / 1000)
        answer = site.answer(path)
        if answer is None:
            self.send(404, b"<html><body><p>Not found</p></body></html>")
        elif answer == "hang":
            site.stopping.wait()
        elif isinstance(answer, bytes):
            self.send(200, answer)
        else:
            content_type, chunks = answer
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.end_headers()
            for chunk in chunks:
                if site.stopping.is_set():
                    return
                self.wfile.write(chunk)


class TrapSite:
    """One trap site of ``kind`` on a free port of 127.0.0.1 (a context manager)."""

    def __init__(self, kind: str, **params: int) -> None:
        if kind not in DEFAULTS:
            raise ValueError(f"unknown kind {kind!r} (known: {', '.join(DEFAULTS)})")
        self.kind = kind
        self.verbose = False  # the request log (HostileHandler.log_message)
        self.params = {**DEFAULTS[kind], **params}
        self.stopping = threading.Event()
        self.published = False  # soft404: the pending stories are live
        self.hits: Counter[str] = Counter()  # requests served, by first path segment
        self.in_hand = 0  # requests being answered now
        self.most_at_once = 0
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The site's base URL, with a trailing slash."""
        if self._server is None:
            raise RuntimeError("TrapSite is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> TrapSite:
        """Bind a free port and serve in daemon threads."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging handlers and stop serving."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> TrapSite:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def count(self, path: str) -> None:
        """Count a request by its path's first segment (``/`` for the home page)."""
        with self._lock:
            self.hits["/" + path.strip("/").split("/")[0]] += 1

    @contextmanager
    def at_once(self) -> Iterator[None]:
        """Count a request in hand while the block runs (``most_at_once``)."""
        with self._lock:
            self.in_hand += 1
            self.most_at_once = max(self.most_at_once, self.in_hand)
        try:
            yield
        finally:
            with self._lock:
                self.in_hand -= 1

    def article_urls(self) -> list[str]:
        """A news site's article URLs."""
        count = self.params["articles"]
        return [f"{self.url}2024/06/{i:02d}/story-{i}" for i in range(1, count + 1)]

    def pending_urls(self) -> list[str]:
        """A soft404 site's stories that are not live until :meth:`publish`."""
        count = self.params["pending"]
        return [f"{self.url}2024/07/{i:02d}/coming-story-{i}" for i in range(1, count + 1)]

    def publish(self) -> None:
        """Put a soft404 site's pending stories live."""
        self.published = True

    def toml(self, name: str, **fields: Any) -> str:
        """A ``[[source]]`` table crawling this site."""
        extra = {
            "news": {"feeds": [self.url + "feed.xml"]},
            "soft404": {"feeds": [self.url + "feed.xml"]},
            "feed": {"feeds": [self.url + "feed.xml"], "follow": False},
            "sitemaps": {"sitemaps": [self.url + "sitemap_index.xml"], "follow": False},
        }.get(self.kind, {})
        values = {"name": name, "url": self.url, **extra, **fields}
        return "[[source]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())

    def answer(self, path: str) -> bytes | str | tuple[str, Iterator[bytes]] | None:
        """A whole body, "hang", ``(content type, chunks)`` to stream, or None (404)."""
        kind, p = self.kind, self.params
        if path == "/robots.txt":
            return None
        if kind == "news":
            if path == "/":
                links = "".join(f'<li><a href="{u}">{escape(u)}</a></li>'
                                for u in self.article_urls())
                return f"<html><body><h1>News</h1><ul>{links}</ul></body></html>".encode()
            if path == "/feed.xml":
                return "application/rss+xml", _rss(self.article_urls())
            return story(path) if path.startswith("/2024/06/") else None
        if kind == "links" and (path == "/" or path.startswith("/t/")):
            n = int(path.rsplit("/", 1)[1] or 0) if path != "/" else 0
            links = "".join(f'<a href="/t/{n * p["links"] + i + 1}">page {i}</a> '
                            for i in range(p["links"]))
            return f"<html><body><h1>Index {n}</h1><p>{links}</p></body></html>".encode()
        if kind == "hang":
            if path == "/":
                links = "".join(f'<a href="/hang/{i}">story {i}</a> ' for i in range(p["links"]))
                return f"<html><body>{links}</body></html>".encode()
            return "hang" if path.startswith("/hang/") else None
        if kind == "feed":
            if path == "/feed.xml":
                return "application/rss+xml", _rss(
                    f"{self.url}item/{k}" for k in range(p["items"], 0, -1))
            return story(path) if path.startswith("/item/") else None
        if kind == "sitemaps":
            return self._sitemaps(path)
        if kind == "edges":
            return self._edges(path)
        if kind == "soft404":
            return self._soft404(path)
        return None

    def _soft404(self, path: str) -> bytes | tuple[str, Iterator[bytes]]:
        live = self.article_urls() + (self.pending_urls() if self.published else [])
        if path == "/feed.xml":
            return "application/rss+xml", _rss(self.article_urls() + self.pending_urls())
        if any(url.endswith(path) for url in live) and path.startswith("/2024/"):
            return story(path)
        menu = "".join(f'<li><a href="/#{s}">{s.title()} news</a></li>'
                       for s in ("world", "politics", "business", "science", "sport", "culture"))
        return (f"<html><head><title>Oops! | The Daily Trap</title></head><body><nav><ul>"
                f"{menu}</ul></nav><h1>Nothing to see here</h1><p>We looked everywhere for "
                f"{escape(path)} and came back empty-handed. Try the search box, or start "
                f"again from the front page. While you are here:</p>{prose('Popular', 6)}"
                "<footer>The Daily Trap, every day since 1999. Contact us, privacy, terms of "
                "use.</footer></body></html>").encode()

    def _edges(self, path: str) -> bytes | None:
        if path == "/":
            return (b'<html><body><a href="/2024/07/01/keywords">k</a>'
                    b'<a href="/2024/07/02/long-title">t</a>'
                    b'<a href="/2024/07/03/declared-utf-16">u</a></body></html>')
        if path == "/2024/07/01/keywords":
            data = {"@context": "https://schema.org", "@type": "NewsArticle",
                    "keywords": [f"keyword {i}" for i in range(self.params["keywords"])]}
            head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
            return article_html("Many keywords", prose("Many keywords"), head=head).encode()
        if path == "/2024/07/02/long-title":
            title = ("A very long title " * self.params["title"])[: self.params["title"]]
            return article_html(title, prose("Long title")).encode()
        if path == "/2024/07/03/declared-utf-16":  # UTF-8 bytes, no charset in the header
            page = article_html(UTF16_TITLE, prose("Köln"), charset="utf-16").encode()
            return "text/html", iter([page])
        return None

    def _sitemaps(self, path: str) -> bytes | tuple[str, Iterator[bytes]] | None:
        p = self.params
        if path == "/sitemap_index.xml":
            return "application/xml", _sitemap_index(self.url, p["sitemaps"])
        if path.startswith("/sitemaps/"):
            name = path.rsplit("/", 1)[1]
            number = name.split(".", 1)[0]
            if not number.isdigit():
                return None
            chunks = _urlset(self.url, int(number), p["urls"])
            if name.endswith(".gz"):
                return "application/x-gzip", _gzipped(chunks)
            return "application/xml", chunks
        return story(path) if path.startswith("/news/") else None


def write_sources(path: Path, *tables: str) -> Path:
    """Write a sources file made of ``[[source]]`` tables (:meth:`TrapSite.toml`)."""
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def archived(data: Path) -> dict[str, list[str]]:
    """The URLs of the articles of an archive folder, by source."""
    by_source: dict[str, list[str]] = {}
    with sqlite3.connect(data / "archive.db") as db:
        for source, url in db.execute("select source, url from articles order by url"):
            by_source.setdefault(source, []).append(url)
    return by_source


def _rss(urls: Any) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
    batch = []
    for k, url in enumerate(urls):
        date = (EPOCH - timedelta(minutes=k)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        batch.append(f"<item><title>Item {k}</title><link>{url}</link>"
                     f"<pubDate>{date}</pubDate><description>Story {k} of the day, with a "
                     "sentence or two of summary as feeds carry.</description></item>")
        if len(batch) == CHUNK:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + "</channel></rss>").encode()


def _sitemap_index(base: str, count: int) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    yield "".join(
        f"<sitemap><loc>{base}sitemaps/{i}.xml</loc>"
        f"<lastmod>{(EPOCH - timedelta(days=i)).date().isoformat()}</lastmod></sitemap>"
        for i in range(count)).encode()
    yield b"</sitemapindex>"


def _urlset(base: str, number: int, count: int) -> Iterator[bytes]:
    """Sitemap ``number``: ``count`` URLs, the newest last (a crawler must sort them)."""
    yield b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    day = EPOCH - timedelta(days=number)
    for start in range(0, count, CHUNK):
        yield "".join(
            f"<url><loc>{base}news/{number}/{j}/a-long-enough-slug-for-a-story-{j}</loc>"
            f"<lastmod>{(day - timedelta(seconds=count - j)).isoformat()}</lastmod>"
            "<changefreq>never</changefreq><priority>0.5</priority></url>"
            for j in range(start, min(start + CHUNK, count))).encode()
    yield b"</urlset>"


def _gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip header
    for chunk in chunks:
        if out := packer.compress(chunk):
            yield out
    yield packer.flush()


def main(argv: list[str] | None = None) -> int:
    """Serve one trap site until SIGTERM or SIGINT; print its URL as one JSON line."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        kinds = ",".join(DEFAULTS)
        sys.stderr.write(f"usage: python -m tests.sites.traps {{{kinds}}} [KEY=N...]\n")
        return 2
    params = {k: int(v) for k, v in (a.split("=", 1) for a in args[1:])}
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    with TrapSite(args[0], **params) as site:
        sys.stdout.write(json.dumps({"url": site.url}) + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
