"""Other crawlers over the replay, for bench/replay.py: trafilatura's and news-please's own
downloaders, each from a virtualenv of its own (never one of our dependencies).

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install trafilatura pycurl
    python3 -m venv /tmp/np && /tmp/np/bin/pip install news-please
    .venv/bin/python bench/replay.py --trafilatura /tmp/peers/bin/trafilatura \\
        --news-please /tmp/np/bin/python

trafilatura runs as its command line does over a URL list (``trafilatura -i URLS -o DIR
--json --with-metadata``); with pycurl, libcurl takes the proxy from ``all_proxy`` (without
pycurl, trafilatura's urllib3 downloader ignores proxy variables, and with PySocks it wants
a SOCKS proxy in ``http_proxy``). news-please runs :func:`newsplease.NewsPlease.from_urls`
(``requests``, which reads ``http_proxy``/``https_proxy``) through this file run by the
news-please virtualenv's Python: ``python bench/peers.py URLS OUT.jsonl``; it imports
nothing of ours.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# A peer's document in common form: url, title, authors, date (YYYY-MM-DD...), text
Doc = dict[str, Any]
CHUNK = 50  # URLs news-please fetches at once (one thread each)


def trafilatura_command(program: str, urls: Path, out: Path) -> list[str]:
    """The command line of trafilatura over the URL list ``urls``, writing JSON into ``out``."""
    return [program, "-i", str(urls), "-o", str(out), "--json", "--with-metadata"]


def trafilatura_docs(out: Path) -> dict[str, Doc]:
    """trafilatura's JSON documents in ``out``, by URL."""
    docs = {}
    for path in sorted(out.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        authors = [a.strip() for a in (data.get("author") or "").split(";") if a.strip()]
        docs[data.get("source") or ""] = {
            "title": data.get("title") or "", "authors": authors,
            "date": data.get("date") or "", "text": data.get("text") or "",
        }
    return docs


def news_please_docs(jsonl: Path) -> dict[str, Doc]:
    """The documents :func:`main` wrote, by URL."""
    lines = jsonl.read_text(encoding="utf-8").splitlines() if jsonl.exists() else []
    return {doc.pop("url"): doc for doc in map(json.loads, lines)}


def main() -> None:
    """news-please over a URL list (run by news-please's own Python): one JSON line per page
    it extracted, to the output file."""
    from newsplease import NewsPlease  # the peer's virtualenv only

    urls_file, out = sys.argv[1:3]
    urls = Path(urls_file).read_text(encoding="utf-8").split()
    found = {}
    for start in range(0, len(urls), CHUNK):  # a thread per URL: not all at once
        found.update(NewsPlease.from_urls(urls[start : start + CHUNK],
                                          request_args={"timeout": 30}, fetch_images=False))
    with open(out, "w", encoding="utf-8") as file:
        for url, article in found.items():
            if article is None or not getattr(article, "maintext", None):
                continue
            date = article.date_publish
            file.write(json.dumps({
                "url": url, "title": article.title or "", "authors": article.authors or [],
                "date": date.isoformat() if date else "", "text": article.maintext,
            }) + "\n")


if __name__ == "__main__":
    main()
