"""Real sites, replayed: the labelled pages of ``../shared`` served under their real host names.

A small HTTP proxy on 127.0.0.1 answers for every host of the three labelled sets
(``corpus/``, ``corpus-news/``, ``corpus-dates/``) from the recorded pages only: plain
``http://`` requests come as absolute URLs, ``https://`` ones through ``CONNECT`` tunnels
that the proxy ends itself with a self-signed certificate per host (Scrapy does not check
certificates). Each host gets a ``robots.txt``, a sitemap of its pages and a home page
linking them; anything else is a 404. Every request is recorded, so a test can check that
the crawler asked for exactly the listed URLs and that nothing went elsewhere.

The crawler is pointed at it with the ``http_proxy``/``https_proxy`` environment
variables (:meth:`ReplaySite.env`), which Scrapy's ``HttpProxyMiddleware`` and
trafilatura's downloader both obey: nothing resolves a host name or leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import random
import socket
import ssl
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urldefrag, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from w3lib.url import safe_url_string

from crawler.notfound import PROBE_PATH

SETS = ("corpus-news", "corpus", "corpus-dates")  # first wins when two sets share a URL
SITEMAP_PATH = "/replay-sitemap.xml"
LABEL_FIELDS = ("title", "date", "author", "authors")
NOT_FOUND = b"<html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>"


@dataclass(frozen=True)
class ReplayPage:
    """One recorded page: its URL as the wire carries it, its file, its labels."""

    url: str
    path: Path
    corpus: str
    labels: dict[str, Any] = field(hash=False, compare=False)

    @property
    def host(self) -> str:
        """The page's host name."""
        return urlsplit(self.url).hostname or ""

    @property
    def labelled(self) -> bool:
        """Whether the page carries a title, date or author label (an article by its labels)."""
        return any(self.labels.get(name) for name in LABEL_FIELDS)

    def body(self) -> bytes:
        """The page's bytes as served."""
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.suffix == ".gz" else data


def wire_url(url: str) -> str:
    """The form of ``url`` a client puts on the wire: stripped, no fragment, escaped."""
    return safe_url_string(urldefrag(url.strip())[0])


def load_pages(shared: Path) -> list[ReplayPage]:
    """Read every labelled page with an original URL (one per URL) from ``shared``."""
    pages: dict[str, ReplayPage] = {}
    for name in SETS:
        labels = json.loads((shared / name / "labels.json").read_text(encoding="utf-8"))
        for key, label in labels.items():
            url = label.get("url") or key
            if not url.startswith(("http://", "https://")):
                continue  # "hard::" pages kept no URL
            page = ReplayPage(wire_url(url), shared / name / "pages" / label["file"], name, label)
            if page.host and page.url not in pages and urlsplit(page.url).path not in ("", "/"):
                pages[page.url] = page
    return list(pages.values())


def sample(
    pages: list[ReplayPage], hosts: int, per_host: int = 4, seed: int = 18
) -> list[ReplayPage]:
    """A reproducible sample: up to ``per_host`` pages of ``hosts`` hosts, half of them the
    hosts with the most pages, half drawn from the rest."""
    by_host: dict[str, list[ReplayPage]] = {}
    for page in pages:
        by_host.setdefault(page.host, []).append(page)
    ranked = sorted(by_host, key=lambda h: (-len(by_host[h]), h))
    busy, rest = ranked[: hosts // 2], ranked[hosts // 2 :]
    chosen = busy + random.Random(seed).sample(rest, max(0, hosts - len(busy)))
    return [p for h in chosen for p in by_host[h][:per_host]]


class _Certificates:
    """A self-signed certificate per host, made on first use (EC keys: fast)."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="replay-certs-")
        self.contexts: dict[str, ssl.SSLContext] = {}
        self.lock = threading.Lock()

    def context(self, host: str) -> ssl.SSLContext:
        with self.lock:
            if host not in self.contexts:
                self.contexts[host] = self._make(host)
            return self.contexts[host]

    def _make(self, host: str) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256())
        )
        path = Path(self.folder.name) / f"{len(self.contexts)}.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            + cert.public_bytes(serialization.Encoding.PEM)
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(path)
        return context


@dataclass(frozen=True)
class Request:
    """One request the proxy answered."""

    method: str
    url: str
    status: int
    kind: str  # page, robots, sitemap, home, probe (of the site's 404 page), missing


class ReplaySite:
    """The replay proxy over ``pages``, on 127.0.0.1; a context manager (``with``)."""

    def __init__(self, pages: Iterable[ReplayPage]) -> None:
        self.pages = {p.url: p for p in pages}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._certs = _Certificates()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @cached_property
    def hosts(self) -> dict[str, list[ReplayPage]]:
        """Each host's pages, by (scheme, host) of its first page: ``{"https://host": [...]}``."""
        by_host: dict[str, list[ReplayPage]] = {}
        origins: dict[str, str] = {}
        for page in self.pages.values():
            parts = urlsplit(page.url)
            origin = origins.setdefault(page.host, f"{parts.scheme}://{parts.netloc}")
            by_host.setdefault(origin, []).append(page)
        return by_host

    @cached_property
    def _origins(self) -> dict[str, str]:
        """The origin (``scheme://host``) each host's pages are listed under, by host name."""
        return {urlsplit(origin).hostname or "": origin for origin in self.hosts}

    @property
    def proxy(self) -> str:
        """The proxy's address, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """The process environment with every request sent through the proxy."""
        env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[name] = self.proxy
        return env

    def sources_toml(self, *, follow: Iterable[str] = ()) -> str:
        """A sources file with one source per host: its home page and its sitemap; the
        sources of the ``follow`` origins also follow their home page's links."""
        blocks = []
        for number, origin in enumerate(sorted(self.hosts)):
            host = urlsplit(origin).hostname or ""
            name = f"h{number:03d}-{''.join(c if c.isalnum() or c in '.-' else '-' for c in host)}"
            blocks.append(
                f'[[source]]\nname = "{name[:60]}"\nurl = "{origin}/"\n'
                f'sitemaps = ["{origin}{SITEMAP_PATH}"]\n'
                f"follow = {str(origin in follow).lower()}\ndepth = 1\n"
            )
        return "\n".join(blocks)

    def url_list(self) -> str:
        """Every page URL, one a line (for ``crawl --url-file``)."""
        return "".join(f"{url}\n" for url in self.pages)

    def counts(self) -> Counter[str]:
        """How many requests of each kind were answered."""
        with self._lock:
            return Counter(r.kind for r in self.requests)

    def missing(self) -> list[str]:
        """URLs asked for that the replay does not hold (a rewritten URL shows up here)."""
        with self._lock:
            return [r.url for r in self.requests if r.kind == "missing"]

    def page_fetches(self) -> Counter[str]:
        """How many times each recorded page was fetched."""
        with self._lock:
            return Counter(r.url for r in self.requests if r.kind == "page")

    def __enter__(self) -> ReplaySite:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._certs.folder.cleanup()

    def answer(self, method: str, url: str) -> tuple[int, str, bytes, str]:
        """Return (status, content type, body, kind) for a request of ``url``; record it."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        # a host serves its robots.txt, sitemap and home page under either scheme
        pages = self.hosts.get(self._origins.get(parts.hostname or "", ""), [])
        status, ctype, body, kind = 404, "text/html", NOT_FOUND, "missing"
        if url in self.pages:
            status, body, kind = 200, self.pages[url].body(), "page"
        elif pages and parts.path == "/robots.txt" and not parts.query:
            body = f"User-agent: *\nDisallow:\nSitemap: {origin}{SITEMAP_PATH}\n".encode()
            status, ctype, kind = 200, "text/plain", "robots"
        elif pages and parts.path == SITEMAP_PATH:
            status, ctype, kind = 200, "application/xml", "sitemap"
            body = _sitemap(pages)
        elif pages and parts.path == "/" and not parts.query:
            status, kind, body = 200, "home", _home(origin, pages)
        elif parts.path.startswith(PROBE_PATH):
            kind = "probe"  # the crawl asks each site for its own 404 page
        with self._lock:
            self.requests.append(Request(method, url, status, kind))
        return status, ctype, body, kind

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            tunnel: str | None = None  # "https://host[:port]" inside a CONNECT tunnel

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_CONNECT(self) -> None:
                host, _, port = self.path.rpartition(":")
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                context = site._certs.context(host)
                try:
                    tls = context.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    self.close_connection = True
                    return
                self.connection = tls
                self.rfile = tls.makefile("rb")
                self.wfile = socket.SocketIO(tls, "wb")  # type: ignore[assignment]
                self.tunnel = f"https://{host}" + (f":{port}" if port not in ("443", "") else "")
                self.close_connection = False

            def _serve(self, method: str) -> None:
                # the request target as sent: http.server turns a leading "//" into "/"
                target = self.raw_requestline.split()[1].decode("latin-1")
                url = self.tunnel + target if self.tunnel else target
                status, ctype, body, _ = site.answer(method, url)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_HEAD(self) -> None:
                self._serve("HEAD")

        return Handler


def _sitemap(pages: list[ReplayPage]) -> bytes:
    entries = "".join(f"<url><loc>{escape(p.url)}</loc></url>" for p in pages)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def _home(origin: str, pages: list[ReplayPage]) -> bytes:
    links = "".join(f'<li><a href="{escape(p.url)}">{escape(p.url)}</a></li>' for p in pages)
    head = f"<!doctype html><html><head><title>{origin}</title></head>"
    return f"{head}<body><ul>{links}</ul></body></html>".encode()

