"""The SQLite export served by a real Datasette: full-text search and facets work."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.article import Article
from indexer.export import export_sqlite, metadata_path
from indexer.store import Archive

pytestmark = pytest.mark.integration

# No proxy for 127.0.0.1, whatever the environment says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """Return a TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> Any:
    """Fetch and decode a JSON document."""
    with OPENER.open(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def datasette(tmp_path: Path) -> Iterator[str]:
    """Export a small archive to ``db.db`` and serve it; yield the base URL."""
    with Archive(tmp_path / "archive.db") as archive:
        archive.add_articles([
            (Article(url=f"https://{source}.example/{n}", title=f"Story {n}", source=source,
                     text=f"A report on the {word}.", published=f"2022-10-{n + 10}"), b"")
            for n, (source, word) in enumerate([("alpha", "harbour"), ("alpha", "volcano"),
                                                ("beta", "harbours"), ("beta", "glacier"),
                                                ("beta", "meadow")])
        ])
        export_sqlite(archive, tmp_path / "db.db")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(tmp_path / "db.db"),
         "-h", "127.0.0.1", "-p", str(port), "--metadata", str(metadata_path(tmp_path / "db.db"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                get_json(f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"datasette did not start: {server.stderr.read()!r}")
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()  # type: ignore[union-attr]


def test_datasette_search_and_facets(datasette: str) -> None:
    found = get_json(f"{datasette}/db/articles.json?_search=harbour&_shape=array")
    assert sorted(row["title"] for row in found) == ["Story 0", "Story 2"]

    faceted = get_json(f"{datasette}/db/articles.json?_facet=source&_size=0")
    counts = {item["value"]: item["count"]
              for item in faceted["facet_results"]["source"]["results"]}
    assert counts == {"alpha": 2, "beta": 3}

    metadata = get_json(f"{datasette}/-/metadata.json")
    assert "published" in metadata["databases"]["db"]["tables"]["articles"]["columns"]
