"""Crawl throughput: end-to-end articles/s against the extraction-only ceiling.

    .venv/bin/python bench/crawl.py            # 2,100 articles (700 per outlet)
    .venv/bin/python bench/crawl.py --per-outlet 3400   # a ~10,000-page crawl (RSS check)

Serves a synthetic copy of the demo site (three templates) on 127.0.0.1, crawls it
through ``search_cli.py crawl`` with politeness delays off, and prints: articles/s end
to end, the extraction-only ceiling (the same pages through ``extract_page`` on every
core, no crawling), their ratio, and the peak RSS of the crawl's process tree (main
process + extraction workers). trafilatura's own sitemap crawler runs on the same site
for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demosite import DemoSite, sources_toml  # noqa: E402
from crawler.demosite.content import stories  # noqa: E402
from crawler.workers import extract_page  # noqa: E402

FAST = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s",
    "CONCURRENT_REQUESTS=48",
]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _tree_rss_mb(pid: int) -> float:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
        todo += _children(current)
    return total / 1024


def run_measured(
    cmd: list[str], **kwargs: object
) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``cmd``; return the result, wall seconds and the peak RSS (MB) of its tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )  # type: ignore[call-overload]
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, _tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, peak


def ceiling(pages: list[tuple[bytes, str]], workers: int) -> float:
    """Pages per second through extract_page on ``workers`` processes, no crawling."""
    with ProcessPoolExecutor(workers) as pool:
        list(
            pool.map(
                extract_page, [pages[0][0]] * workers, ["utf-8"] * workers, [pages[0][1]] * workers
            )
        )  # warm the workers up
        start = time.perf_counter()
        results = list(
            pool.map(
                extract_page,
                [b for b, _ in pages],
                ["utf-8"] * len(pages),
                [u for _, u in pages],
                chunksize=8,
            )
        )
        seconds = time.perf_counter() - start
    ok = sum(1 for article, _ in results if article is not None)
    print(f"  ceiling run: {ok}/{len(pages)} pages extracted")
    return len(pages) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-outlet", type=int, default=700)
    parser.add_argument("--no-peer", action="store_true", help="skip trafilatura's crawler")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    with (
        DemoSite(per_outlet=args.per_outlet, reference_dir="/nonexistent") as site,
        tempfile.TemporaryDirectory() as tmp,
    ):
        outlets = site.outlets
        n_articles = len(stories("/nonexistent", args.per_outlet))
        print(f"site: {n_articles} articles on {len(outlets)} outlets, {workers} cores")
        sources = Path(tmp) / "sources.toml"
        text = sources_toml(outlets).replace("follow = true", "follow = false")
        sources.write_text(text, encoding="utf-8")

        result, wall, peak = run_measured(
            [
                sys.executable,
                str(ROOT / "search_cli.py"),
                "--data",
                f"{tmp}/data",
                "crawl",
                "--sources",
                str(sources),
                *FAST,
            ],
            cwd=ROOT,
        )
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        print(f"crawl: {summary or result.stderr[-2000:]}")
        new = int(re.search(r"articles (\d+) new", summary).group(1)) if summary else 0
        crawl_s = float(re.search(r"([\d.]+)s$", summary).group(1)) if summary else wall
        e2e = new / crawl_s if crawl_s else 0.0

        print("fetching the article pages for the ceiling run ...")
        pages = []
        for story in stories("/nonexistent", args.per_outlet):
            url = outlets[story.outlet].rstrip("/") + story.path
            with urllib.request.urlopen(url) as response:
                pages.append((response.read(), url))
        top = ceiling(pages, workers)

        print()
        print(
            f"end to end:      {e2e:7.1f} articles/s  ({new} articles in {crawl_s:.1f}s crawl,"
            f" {wall:.1f}s with start-up)"
        )
        print(f"extraction only: {top:7.1f} pages/s on {workers} processes")
        print(f"ratio:           {e2e / top:7.2f}")
        print(f"peak RSS:        {peak:7.0f} MB (crawl process + extraction workers)")

        if not args.no_peer:
            out = Path(tmp) / "peer"
            sitemaps = [f"{u}sitemap.xml" for u in outlets.values()]
            start = time.perf_counter()
            total = 0
            for sitemap in sitemaps:
                subprocess.run(
                    [
                        str(Path(sys.executable).parent / "trafilatura"),
                        "--sitemap",
                        sitemap,
                        "-o",
                        str(out),
                        "--parallel",
                        str(2 * workers),
                    ],
                    capture_output=True,
                    check=False,
                    timeout=3600,
                )
            total = len(list(out.glob("*"))) if out.exists() else 0
            seconds = time.perf_counter() - start
            print(
                f"peer (trafilatura --sitemap): {total / seconds:7.1f} articles/s "
                f"({total} files in {seconds:.1f}s)"
            )


if __name__ == "__main__":
    main()
