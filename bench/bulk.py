"""Bulk paths against the extraction ceiling: ``import-warc`` and ``reextract``.

    .venv/bin/python bench/bulk.py                       # 20,000 responses
    .venv/bin/python bench/bulk.py --responses 50000 --dir /tmp/bulk

Builds a WARC of ``--responses`` HTTP responses from the real labelled pages of
``../shared`` (corpus, corpus-news, corpus-dates; each page repeated under distinct
addresses: copy k of a page is served by host ``c{k}.{its host}``, same path), then, in
one run on this machine:

1. the extraction-only ceiling: every response through ``extract_page`` on ``--workers``
   processes (default: every core), nothing stored;
2. ``search_cli.py import-warc`` of the WARC into a fresh archive;
3. ``search_cli.py reextract`` over that archive.

Printed per step: responses per second, the ratio to the ceiling, articles stored, and the
peak PSS of the command's process tree (shared pages counted once), with the load average.
The target (issue "A million articles"): both commands at >= 0.9 x the ceiling, PSS under
500 MB and flat.
"""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from bench.crawl import run_measured  # noqa: E402
from bench.extraction import SETS, load_set  # noqa: E402
from crawler.processes.workers import extract_page  # noqa: E402

TARGET_RATIO = 0.9
PSS_LIMIT_MB = 500


def real_pages() -> list[tuple[bytes, str]]:
    """Return (body, url) of every labelled page of ../shared that has an address."""
    pages = []
    for name in SETS:
        for case in load_set(name):
            if case.url and case.url.startswith(("http://", "https://")):
                pages.append((case.html(), case.url))
    return pages


def copy_url(url: str, copy: int) -> str:
    """Return the address of copy ``copy`` of a page: the same path on host c{copy}.HOST."""
    if copy == 0:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"c{copy}.{parts.netloc}"))


def build_warc(
    path: Path, pages: list[tuple[bytes, str]], responses: int
) -> list[tuple[bytes, str]]:
    """Write ``responses`` responses cycling over ``pages``; return (body, url) of each."""
    written: list[tuple[bytes, str]] = []
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in count():
            if len(written) >= responses:
                break
            body, url = pages[n % len(pages)]
            address = copy_url(url, n // len(pages))
            headers = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                address, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)
            written.append((body, address))
    return written


def ceiling(pages: list[tuple[bytes, str]], workers: int) -> tuple[float, int]:
    """Return responses per second through ``extract_page`` on ``workers`` processes (as
    the import calls it: no charset from the headers), and how many gave an article."""
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(extract_page, *zip(*[(b, None, u) for b, u in pages[:workers]], strict=True)))
        start = time.perf_counter()
        results = list(pool.map(
            extract_page, (b for b, _ in pages), (None for _ in pages), (u for _, u in pages),
            chunksize=16,
        ))
        seconds = time.perf_counter() - start
    return len(pages) / seconds, sum(article is not None for article, _ in results)


def cli(data: Path, *args: str) -> tuple[float, float, str]:
    """Run one search_cli.py command; return (wall seconds, peak PSS MB, stdout)."""
    cmd = [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), *args]
    result, wall, usage = run_measured(cmd, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed ({result.returncode}): {result.stderr}")
    return wall, usage.peak_pss_mb, result.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="bulk-"))
    work.mkdir(parents=True, exist_ok=True)
    warc = work / "bulk.warc.gz"
    pages = real_pages()
    if not pages:
        raise SystemExit("no labelled pages found: ../shared is needed")
    written = build_warc(warc, pages, args.responses)
    print(f"{len(written)} responses ({len(pages)} real pages) in {warc}, "
          f"{warc.stat().st_size / 1e6:.0f} MB; {args.workers} workers")

    rate, articles = ceiling(written, args.workers)
    print(f"load average before the steps: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'step':<14} {'wall s':>8} {'resp/s':>8} {'x ceiling':>9} {'PSS MB':>7}  summary")
    print(f"{'ceiling':<14} {len(written) / rate:>8.1f} {rate:>8.1f} {1:>9.2f} {'':>7}  "
          f"{articles} articles")
    data = work / "data"
    for step, extra in (("import-warc", ["import-warc", str(warc), "-q"]),
                        ("reextract", ["reextract", "-q"])):
        wall, pss, out = cli(data, *extra)
        per_s = len(written) / wall
        flag = "" if per_s >= TARGET_RATIO * rate and pss < PSS_LIMIT_MB else "  (below target)"
        print(f"{step:<14} {wall:>8.1f} {per_s:>8.1f} {per_s / rate:>9.2f} {pss:>7.0f}  "
              f"{out.splitlines()[-1][:90]}{flag}")
    with sqlite3.connect(data / "archive.db") as db:
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"articles stored: {stored} of {len(written)} responses; "
          f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
