"""The HTTP side: each outlet on its own 127.0.0.1 port, all served from one process."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.demosite.content import ARTICLES_PER_OUTLET, OUTLETS, stories
from crawler.demosite.site import OutletSite, Page


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True
    site: OutletSite
    verbose = False
    log: list[tuple[str, str]]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (a killed crawler) is not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _OutletServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, with_body: bool) -> None:
        site = self.server.site
        self.server.log.append((site.outlet, self.path))
        page = site.lookup(self.path)
        if page.status == 200 and self._not_modified(page):
            self.send_response(304)
            self._validators(page)
            self.end_headers()
            return
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self._validators(page)
        self.end_headers()
        if with_body:
            self.wfile.write(page.body)

    def _validators(self, page: Page) -> None:
        self.send_header("ETag", page.etag)
        if page.last_modified is not None:
            stamp = formatdate(page.last_modified.timestamp(), usegmt=True)
            self.send_header("Last-Modified", stamp)

    def _not_modified(self, page: Page) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
            return page.etag in wanted or "*" in wanted
        since_header = self.headers.get("If-Modified-Since")
        if not since_header or page.last_modified is None:
            return False
        try:
            since = parsedate_to_datetime(since_header)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=page.last_modified.tzinfo)
        return page.last_modified.replace(microsecond=0) <= since

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class DemoSite:
    """The three demo outlets, each on its own port of ``host``, served in daemon threads.

    Ports are picked free by the system unless ``ports`` fixes some (outlet name -> port).
    """

    def __init__(self, host: str = "127.0.0.1", reference_dir: str | Path | None = None,
                 *, ports: dict[str, int] | None = None, verbose: bool = False,
                 per_outlet: int = ARTICLES_PER_OUTLET) -> None:
        self.host = host
        self.per_outlet = per_outlet
        self.reference_dir = reference_dir
        self.ports = ports or {}
        self.verbose = verbose
        self.requests: list[tuple[str, str]] = []  # (outlet, request target) as served
        self._servers: dict[str, _OutletServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> DemoSite:
        """Bind every outlet (on port 0 unless fixed), render the pages and start serving."""
        for name in OUTLETS:
            try:
                server = _OutletServer((self.host, self.ports.get(name, 0)), _Handler)
            except OSError:  # a fixed port is taken: release the ones bound already
                for bound in self._servers.values():
                    bound.server_close()
                self._servers = {}
                raise
            server.verbose, server.log = self.verbose, self.requests
            self._servers[name] = server
        everything = stories(self.reference_dir, self.per_outlet)
        for name, base in self.outlets.items():
            self._servers[name].site = OutletSite(name, base, everything)
        for server in self._servers.values():
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    @property
    def outlets(self) -> dict[str, str]:
        """Map each outlet name to its base URL, with a trailing slash."""
        if not self._servers:
            raise RuntimeError("DemoSite is not started")
        return {name: f"http://{self.host}:{server.server_address[1]}/"
                for name, server in self._servers.items()}

    def stop(self) -> None:
        """Stop serving and release the ports."""
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()
        self._servers, self._threads = {}, []

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Serve the demo site until SIGTERM or SIGINT; print the outlet URLs as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m crawler.demosite",
                                     description="Serve the demo news site locally.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--reference", metavar="DIR", default=None,
                        help="folder holding the reference HTML page")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--ports", metavar="P1,P2,P3", default=None,
                        help=f"fixed ports for the outlets ({', '.join(OUTLETS)}), in order")
    args = parser.parse_args(argv)
    ports = None
    if args.ports:
        try:
            ports = dict(zip(OUTLETS, (int(p) for p in args.ports.split(",")), strict=True))
        except ValueError:
            parser.error(f"--ports needs {len(OUTLETS)} port numbers separated by commas")
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    with DemoSite(args.host, args.reference, ports=ports, verbose=args.verbose) as site:
        sys.stdout.write(json.dumps({"outlets": site.outlets}) + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    return 0
