"""A hostile and broken web site on 127.0.0.1, for testing the crawler's defences.

Each path serves one fault: server errors, hangs, a body dripped one byte a second,
connection resets, truncated bodies, redirect loops and redirects off the site,
decompression bombs, a 50 MB page, pages that are slow to extract, lying charsets,
NUL bytes, feeds and sitemaps with entity expansion, external entities or broken XML.
A few well-formed articles (``/2024/05/0N/...``) let a test see that the crawl goes on.

Start it with :class:`HostileSite` (a context manager with ``.url``), or run
``python -m tests.sites.hostile``: it prints ``{"url": ..., "secret": ...}`` as one
JSON line, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import gzip
import json
import signal
import socket
import struct
import sys
import tempfile
import threading
import zlib
from collections.abc import Callable
from functools import cache
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import brotli  # Scrapy's dependencies, for its br and zstd support

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

BOMB_BYTES = 1 << 30  # decompressed size of each bomb (1 GiB), from about 1 MB
BOMB_CODINGS = ("gzip", "deflate", "br", "zstd")  # every coding Scrapy accepts
HUGE_BYTES = 50 * 1024 * 1024
SLOW_PARAGRAPHS = 140_000  # few enough elements to pass extraction's cap, slow to extract
SLOW_PAGE_BYTES = 2_900_000  # padded to just under the crawler's PAGE_MAXSIZE
DEEP_LEVELS = 100_000
MANY_PARAGRAPHS = 50_000
DRIP_LENGTH = 10_000
ROBOTS = "User-agent: *\nDisallow: /private/\n"
SECRET_MARKER = "xxesecret7f3c9e1a"  # one lower-case token, so an index would keep it whole

SENTENCES = (
    "The harbour authority confirmed on Tuesday that the new ferry terminal will open in June.",
    "Officials said the project, delayed twice by supply problems, came in under budget.",
    "Local businesses welcomed the news, saying the old terminal had turned visitors away.",
    "The council will hold a public meeting next month to discuss parking near the quay.",
    "A spokesperson said timetables for the summer season would be published next week.",
    "Residents on the east side of the bay raised concerns about noise during construction.",
)
GOOD = {
    f"/2024/05/0{n}/{slug}": title
    for n, (slug, title) in enumerate(
        (
            ("harbour-terminal-opens-in-june", "Harbour terminal opens in June"),
            ("council-backs-new-cycle-lanes", "Council backs new cycle lanes"),
            ("library-extends-weekend-hours", "Library extends weekend hours"),
            ("river-clean-up-draws-hundreds", "River clean-up draws hundreds"),
            ("school-roof-repairs-finished-early", "School roof repairs finished early"),
            ("market-square-gets-new-benches", "Market square gets new benches"),
        ),
        start=1,
    )
}


def article_html(title: str, paragraphs: str, *, charset: str = "utf-8", head: str = "") -> str:
    """A news article page, with the structured data and length extraction expects."""
    data = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                       "headline": title, "datePublished": "2024-05-01T09:00:00Z",
                       "author": {"@type": "Person", "name": "Ada Quill"}})
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">{head}'
        f"<title>{escape(title)}</title>"
        '<meta property="og:type" content="article">'
        f'<script type="application/ld+json">{data}</script></head>'
        f"<body><article><h1>{escape(title)}</h1>"
        '<p class="byline">By Ada Quill</p>'
        f"{paragraphs}</article></body></html>"
    )


def prose(title: str, count: int = 6) -> str:
    """Some paragraphs of plausible news text that mention ``title``."""
    return "".join(
        f"<p>{escape(title)}: {SENTENCES[i % len(SENTENCES)]} "
        f"{SENTENCES[(i + 2) % len(SENTENCES)]}</p>"
        for i in range(count)
    )


@cache
def bomb(coding: str) -> bytes:
    """BOMB_BYTES of zeros compressed with ``coding`` (one of BOMB_CODINGS), built quickly.

    gzip: one member holding a MiB of zeros, repeated (members concatenate). deflate (zlib):
    a MiB of zeros ending in a full flush, after which nothing refers back, repeated; then
    the adler32 of the whole (for zeros: ``n mod 65521`` high, 1 low). br, zstd: streamed.
    """
    mib, count = bytes(1 << 20), BOMB_BYTES >> 20
    if coding == "gzip":
        return gzip.compress(mib, compresslevel=9) * count
    if coding == "deflate":
        packer = zlib.compressobj(9)
        first = packer.compress(mib) + packer.flush(zlib.Z_FULL_FLUSH)
        again = packer.compress(mib) + packer.flush(zlib.Z_FULL_FLUSH)
        adler = struct.pack(">I", ((BOMB_BYTES % 65521) << 16) | 1)
        return first + again * (count - 1) + packer.flush()[:-4] + adler
    if coding == "br":
        brotli_packer = brotli.Compressor(quality=1)
        return b"".join(brotli_packer.process(mib) for _ in range(count)) + brotli_packer.finish()
    if coding == "zstd":
        zstd_packer = zstd.ZstdCompressor(level=1)
        return b"".join(zstd_packer.compress(mib) for _ in range(count)) + zstd_packer.flush()
    raise ValueError(f"unknown content coding {coding!r}")


@cache
def slow_page() -> bytes:
    """A page just under PAGE_MAXSIZE whose many tiny paragraphs make extraction crawl."""
    head = '<meta name="filler" content="' + "x" * 1_500_000 + '">'
    page = article_html("A page slow to extract", "<p>w</p>" * SLOW_PARAGRAPHS, head=head)
    return page.encode().ljust(SLOW_PAGE_BYTES, b" ")


def billion_laughs(root: str, body: str) -> bytes:
    """An XML document whose entity ``&lol9;`` expands to 10**9 'lol's."""
    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{entities}]>\n{body}'.encode()


def external_entity(root: str, body: str, path: Path) -> bytes:
    """An XML document whose entity ``&xxe;`` names a local file."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n'
            f'<!ENTITY xxe SYSTEM "{path.as_uri()}">\n]>\n{body}').encode()


def rss(*items: str) -> str:
    """An RSS 2.0 document holding ``items`` (raw XML)."""
    return ('<rss version="2.0"><channel><title>Hostile feed</title>'
            f'<link>http://127.0.0.1/</link>{"".join(items)}</channel></rss>')


def urlset(*locs: str) -> str:
    """A sitemap urlset holding ``locs`` (raw XML, entities allowed)."""
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: HostileSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up: that is what crawlers under test do."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        site.requests.append((self.headers.get("Host", ""), path))
        route = site.routes.get(path)
        if route is not None:
            route(self)
        elif path.startswith("/private/"):
            self.send(200, article_html("Private", prose("Private")).encode())
        else:
            self.send(404, b"<html><body><p>Not found</p></body></html>")

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
             **headers: str) -> None:
        """Answer with a whole body and the given headers (underscores become dashes)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def stream(self, chunk: bytes, total: int, *, declare: bool) -> None:
        """Send ``total`` bytes of ``chunk`` repeated, with or without a Content-Length."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declare:
            self.send_header("Content-Length", str(total))
        self.end_headers()
        self.wfile.write(b"<html><body><article>")
        sent = 0
        while sent < total and not self.server.site.stopping.is_set():
            self.wfile.write(chunk)
            sent += len(chunk)

    def drip(self) -> None:
        """Declare a body of DRIP_LENGTH bytes and send it one byte a second."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(DRIP_LENGTH))
        self.end_headers()
        for _ in range(DRIP_LENGTH):
            self.wfile.write(b"<")
            self.wfile.flush()
            if self.server.site.stopping.wait(1.0):
                return

    def hang(self) -> None:
        """Read the request, never answer."""
        self.server.site.stopping.wait()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, then close)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def truncated(self) -> None:
        """Promise a whole article, send its first half, close."""
        body = article_html("Truncated story", prose("Truncated story", 40)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])

    def redirect(self, location: str) -> None:
        """Answer 302 to ``location``."""
        self.send(302, b"", Location=location)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.site.verbose:
            super().log_message(format, *args)


class HostileSite:
    """The hostile site on a free port of 127.0.0.1, served in daemon threads.

    ``secret`` is a local file holding SECRET_MARKER, named by the external entities of
    the XXE feed and sitemap; by default a temporary file, removed on stop.
    """

    def __init__(self, *, secret: Path | None = None, verbose: bool = False) -> None:
        self.verbose = verbose
        self.requests: list[tuple[str, str]] = []  # (Host header, path) as served
        self.stopping = threading.Event()
        self._own_secret = secret is None
        self.secret = secret or Path(tempfile.mkstemp(prefix="hostile-secret-", suffix=".txt")[1])
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.routes: dict[str, Callable[[_Handler], None]] = {}

    @property
    def url(self) -> str:
        """The site's base URL, with a trailing slash."""
        if self._server is None:
            raise RuntimeError("HostileSite is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def port(self) -> int:
        """The port the site listens on."""
        return int(urlsplit(self.url).port or 0)

    def start(self) -> HostileSite:
        """Bind 127.0.0.1 on a free port, build the routes and start serving."""
        if self._own_secret:
            self.secret.write_text(SECRET_MARKER + "\n", encoding="utf-8")
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self.routes = self._routes()
        for coding in BOMB_CODINGS:
            bomb(coding)  # compress them now, not while a client waits
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging and dripping handlers, stop serving, remove the secret file."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server, self._thread = None, None
        if self._own_secret:
            self.secret.unlink(missing_ok=True)

    def __enter__(self) -> HostileSite:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def good(self, n: int) -> str:
        """The absolute URL of the n-th good article (1 to 6)."""
        return self.url.rstrip("/") + list(GOOD)[n - 1]

    def fetched(self, path_prefix: str) -> list[tuple[str, str]]:
        """The requests served whose path starts with ``path_prefix``."""
        return [r for r in self.requests if r[1].startswith(path_prefix)]

    def _routes(self) -> dict[str, Callable[[_Handler], None]]:
        """Map each path to the handler method answering it."""
        base = self.url.rstrip("/")
        offsite = f"http://127.0.0.2:{self.port}/stolen"
        other_host = f"http://localhost:{self.port}/2024/05/09/other-host-story"
        html = "text/html; charset=utf-8"
        xml = "application/xml"

        def page(body: bytes | str, status: int = 200, content_type: str = html,
                 **headers: str) -> Callable[[_Handler], None]:
            data = body.encode() if isinstance(body, str) else body
            return lambda h: h.send(status, data, content_type, **headers)

        def compressed(encoding: str) -> Callable[[_Handler], None]:
            return lambda h: h.send(200, bomb(encoding), html, Content_Encoding=encoding)

        links = "".join(f'<li><a href="{escape(u)}">link {i}</a></li>' for i, u in enumerate((
            "file:///etc/passwd", other_host, offsite, "http://[::1]:9/x", "ftp://127.0.0.1/x",
            "javascript:alert(1)", "mailto:editor@example.org", "/private/embargoed-story",
            "http://127.0.0.1:no-port/x", "http://[::1/x", self.good(6))))
        nul = article_html("Story with NUL bytes", prose("NUL\x00 bytes")).encode()
        lying = article_html("Caf\u00e9 cr\u00e8me na\u00efve", prose("Caf\u00e9 na\u00efve"))
        nested = "<div>" * DEEP_LEVELS + prose("Deep") + "</div>" * DEEP_LEVELS
        deep = article_html("Deep page", nested)
        many = article_html("Many paragraphs", "<p>x</p>" * MANY_PARAGRAPHS)
        item = "<item><title>{0}</title><link>{1}</link></item>"
        good1, good2, good3, good4, good5 = (self.good(n) for n in range(1, 6))
        routes: dict[str, Callable[[_Handler], None]] = {
            path: page(article_html(title, prose(title))) for path, title in GOOD.items()
        }
        routes.update({
            "/robots.txt": page(ROBOTS, content_type="text/plain"),
            "/error500": page("<html><body>Oops</body></html>", 500),
            "/429": page("<html><body>Slow down</body></html>", 429, Retry_After="1"),
            "/not-found": page("<html><body>Gone</body></html>", 404),
            "/hang": _Handler.hang,
            "/drip": _Handler.drip,
            "/reset": _Handler.reset,
            "/truncated": _Handler.truncated,
            "/redirect-loop/a": lambda h: h.redirect("/redirect-loop/b"),
            "/redirect-loop/b": lambda h: h.redirect("/redirect-loop/a"),
            "/redirect-file": lambda h: h.redirect("file:///etc/passwd"),
            "/redirect-offsite": lambda h: h.redirect(offsite),
            "/redirect-other-host": lambda h: h.redirect(other_host),
            "/redirect-private": lambda h: h.redirect("/private/after-redirect"),
            "/huge": lambda h: h.stream(b"<p>" + b"a" * 1020 + b"</p>", HUGE_BYTES, declare=False),
            "/huge-declared": lambda h: h.stream(b"a" * 1024, HUGE_BYTES, declare=True),
            "/slow-extract": lambda h: h.send(200, slow_page()),
            "/deep": page(deep),
            "/many-paras": page(many),
            "/lying-charset": page(lying.encode("cp1252"), content_type=html),
            "/unknown-charset": page(lying.encode("cp1252"),
                                     content_type="text/html; charset=x-no-such-charset"),
            "/nul": page(nul),
            "/links": page(article_html("Links everywhere", f"<ul>{links}</ul>" + prose("Links"))),
            "/feed-billion-laughs.xml": page(billion_laughs("rss", rss(
                item.format("&lol9;", good1))), content_type=xml),
            "/feed-xxe.xml": page(external_entity("rss", rss(
                item.format("&xxe;", good2), item.format("x", base + "/xxe/&xxe;")),
                self.secret), content_type=xml),
            "/feed-invalid.xml": page('<?xml version="1.0"?>' + rss(
                item.format("First", good3), "<item><title>Broken & <b>bad</title><link>")[:-20],
                content_type=xml),
            "/feed-whitespace.xml": page('<?xml version="1.0"?>' + "\n" * 200_000 + rss(
                item.format("After the blank lines", good5)), content_type=xml),
            "/feed-not-xml.xml": page(b"\x00\xff\xfe garbage, not a feed", content_type=xml),
            "/sitemap-billion-laughs.xml": page(billion_laughs("urlset", urlset(
                f"{base}/laughs/&lol9;")), content_type=xml),
            "/sitemap-xxe.xml": page(external_entity("urlset", urlset(
                f"{base}/xxe-sitemap/&xxe;"), self.secret), content_type=xml),
            "/sitemap-invalid.xml": page(urlset(good4, base + "/second<<>>")[:-40],
                                         content_type=xml),
            "/sitemap-not-xml.xml": page(b"", content_type=xml),
            "/sitemap-bomb.xml.gz": page(bomb("gzip"), content_type="application/x-gzip"),
        })
        routes.update({f"/bomb/{coding}": compressed(coding) for coding in BOMB_CODINGS})
        return routes


def main(argv: list[str] | None = None) -> int:
    """Serve the hostile site until SIGTERM or SIGINT; print its URL as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m tests.sites.hostile",
                                     description="Serve a hostile, broken web site on 127.0.0.1.")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    with HostileSite(verbose=args.verbose) as site:
        sys.stdout.write(json.dumps({"url": site.url, "secret": str(site.secret)}) + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
