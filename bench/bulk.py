"""Bulk paths against the extraction ceiling: ``import-warc`` and ``reextract``.

    .venv/bin/python bench/bulk.py                       # 20,000 responses
    .venv/bin/python bench/bulk.py --responses 50000 --dir /tmp/bulk

Builds a WARC of ``--responses`` HTTP responses from the real labelled pages of
``../shared`` (corpus, corpus-news, corpus-dates; each page repeated under distinct
addresses: copy k of a page is served by host ``c{k}.{its host}``, same path), then, in
one run on this machine:

1. ``search_cli.py import-warc`` of the WARC into a fresh archive;
2. ``search_cli.py reextract`` over that archive;

each between two measurements of its extraction-only ceiling, just before and just after it:
the sample's responses (``--ceiling-sample``) through ``extract_page`` on ``--workers``
processes (default: every core), nothing stored; for ``reextract``, the sample's article pages
alone. Its ratio is to the mean of the two, so that a load that changes during a long run
(another program starting) moves both sides.

Printed per step: responses per second, the ratio to the ceiling, articles stored, and the
peak PSS of the command's process tree (shared pages counted once), with the load average.
The target (issue "A million articles"): both commands at >= 0.9 x the ceiling, PSS under
500 MB and flat.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from bench.crawl import TreeUsage, run_measured  # noqa: E402
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
    path: Path, pages: list[tuple[bytes, str]], responses: int, *, write: bool = True
) -> list[tuple[bytes, str]]:
    """Write ``responses`` responses cycling over ``pages``; return (body, url) of each.

    Each record is a gzip member of its own, as in CC-NEWS files, compressed at level 1:
    warcio's own level 9 would take over 20 minutes for 50,000 pages here. Without
    ``write``, only the list is made (the file is there from an earlier run).
    """
    written: list[tuple[bytes, str]] = []
    with path.open("wb") if write else io.BytesIO() as out:
        for n in count():
            if len(written) >= responses:
                break
            body, url = pages[n % len(pages)]
            address = copy_url(url, n // len(pages))
            if not write:
                written.append((body, address))
                continue
            headers = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            plain = io.BytesIO()
            writer = WARCWriter(plain, gzip=False)
            record = writer.create_warc_record(
                address, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)
            member = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS + 16)
            out.write(member.compress(plain.getvalue()) + member.flush())
            written.append((body, address))
    return written


def ceiling(pages: list[tuple[bytes, str]], workers: int) -> tuple[float, list[bool]]:
    """Return responses per second through ``extract_page`` on ``workers`` processes (as
    the import calls it: no charset from the headers), and which pages gave an article."""
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(extract_page, *zip(*[(b, None, u) for b, u in pages[:workers]], strict=True)))
        start = time.perf_counter()
        results = list(pool.map(
            extract_page, (b for b, _ in pages), (None for _ in pages), (u for _, u in pages),
            chunksize=16,
        ))
        seconds = time.perf_counter() - start
    return len(pages) / seconds, [article is not None for article, _ in results]


def spread(items: list[tuple[bytes, str]], size: int) -> list[tuple[bytes, str]]:
    """Return ``size`` items taken at even steps over the whole list (all when 0)."""
    if size <= 0 or size >= len(items):
        return items
    step = len(items) / size
    return [items[int(i * step)] for i in range(size)]


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points (0 with fewer than two)."""
    if len(points) < 2:
        return 0.0
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def _stored(db: Path) -> int | None:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return None


def _index_mtime(data: Path) -> float:
    index = data / "index"
    return max((f.stat().st_mtime for f in index.rglob("*") if f.is_file()), default=0.0)


class Watch:
    """Prints a command's PSS, load and stored articles every ``every`` seconds while it
    runs, and notes when its index folder first changes (the index sync's start)."""

    def __init__(self, usage: TreeUsage, data: Path, every: float) -> None:
        self.usage, self.data, self.every = usage, data, every
        self.start = time.monotonic()
        self.index_before = _index_mtime(data) if (data / "index").exists() else 0.0
        self.index_from: float | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        last = self.start
        while not self.done.wait(2):
            now = time.monotonic()
            if self.index_from is None and (self.data / "index").exists():
                try:
                    if _index_mtime(self.data) > self.index_before:
                        self.index_from = now - self.start
                except OSError:
                    pass
            if now - last >= self.every and self.usage.timeline:
                last = now
                print(f"    t={now - self.start:7.0f}s  PSS {self.usage.timeline[-1][1]:6.0f} MB  "
                      f"load {os.getloadavg()[0]:4.1f}  stored {_stored(self.data / 'archive.db')}",
                      flush=True)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def pss_report(usage: TreeUsage, wall: float, responses: int) -> str:
    """PSS at the start, middle and end of the run, its peak, and its slope over the
    middle 80% of the run (MB per 10,000 responses, at the run's mean rate)."""
    line = usage.timeline
    if not line:
        return "no PSS samples"
    t0 = line[0][0]
    points = [(t - t0, pss) for t, pss in line if pss > 0]  # 0: the command had ended

    def at(frac: float) -> float:
        return min(points, key=lambda p: abs(p[0] - frac * wall))[1]

    body = [p for p in points if 0.1 * wall <= p[0] <= 0.9 * wall]
    per_s = slope(body)
    per_10k = per_s * wall / responses * 10_000
    return (f"PSS MB at 10% {at(0.1):.0f}, 50% {at(0.5):.0f}, 90% {at(0.9):.0f}, end "
            f"{points[-1][1]:.0f}, peak {usage.peak_pss_mb:.0f}; slope over 10-90%: "
            f"{per_s * 60:+.2f} MB/min = {per_10k:+.1f} MB per 10,000 responses")


def cli(data: Path, every: float, *args: str) -> tuple[float, TreeUsage, str, float | None]:
    """Run one search_cli.py command; return (wall seconds, its tree's usage, stdout, and
    the second its index folder first changed)."""
    cmd = [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), *args]
    usage = TreeUsage()
    watch = Watch(usage, data, every)
    try:
        result, wall, usage = run_measured(cmd, usage, cwd=ROOT)
    finally:
        watch.stop()
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed ({result.returncode}): {result.stderr}")
    return wall, usage, result.stdout.strip(), watch.index_from


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--ceiling-sample", type=int, default=0, help="measure the ceiling "
                        "on this many responses spread over the WARC (default: all)")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between PSS lines")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true",
                        help="take the WARC an earlier run left in --dir (same --responses)")
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="bulk-"))
    work.mkdir(parents=True, exist_ok=True)
    warc = work / "bulk.warc.gz"
    pages = real_pages()
    if not pages:
        raise SystemExit("no labelled pages found: ../shared is needed")
    written = build_warc(warc, pages, args.responses, write=not (args.reuse and warc.exists()))
    if (data := work / "data").exists():
        shutil.rmtree(data)
    print(f"{len(written)} responses ({len(pages)} real pages) in {warc}, "
          f"{warc.stat().st_size / 1e6:.0f} MB; {args.workers} workers", flush=True)

    sample = spread(written, args.ceiling_sample)
    before, gave = ceiling(sample, args.workers)
    articles_only = [page for page, ok in zip(sample, gave, strict=True) if ok]
    print(f"ceiling on {len(sample)} responses: {before:.1f} responses/s, {sum(gave)} articles "
          f"(reextract's ceiling: on those {len(articles_only)} article pages alone); load "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    for step, extra, units, pages_of_step in (
        ("import-warc", ["import-warc", str(warc), "-q"], len(written), sample),
        ("reextract", ["reextract", "-q"], None, articles_only),
    ):
        if units is None:
            units = _stored(data / "archive.db") or 0
        top_before = before if pages_of_step is sample else ceiling(pages_of_step, args.workers)[0]
        print(f"{step}: {units} pages to extract; ceiling just before {top_before:.1f}/s; load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        wall, usage, out, index_from = cli(data, args.every, *extra)
        top_after = ceiling(pages_of_step, args.workers)[0]
        top = (top_before + top_after) / 2
        per_s = units / wall
        below = per_s < TARGET_RATIO * top or usage.peak_pss_mb >= PSS_LIMIT_MB
        sync = f"{wall - index_from:.0f} s" if index_from is not None else "?"
        print(f"{step}: {wall:.1f} s wall, {per_s:.1f} pages/s = {per_s / top:.2f} x ceiling "
              f"({top:.1f}/s: the mean of {top_before:.1f} just before and {top_after:.1f} just "
              f"after, the load changing){'  (BELOW TARGET)' if below else ''}; index written "
              f"in the last {sync} (counted in the wall); load after {os.getloadavg()[0]:.1f}",
              flush=True)
        print(f"  {pss_report(usage, wall, units)}", flush=True)
        print(f"  {out}", flush=True)
        before = top_after
    with sqlite3.connect(data / "archive.db") as db:
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"articles stored: {stored} of {len(written)} responses; "
          f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
