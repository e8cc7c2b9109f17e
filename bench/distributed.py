"""Distributed crawl rate: 1, 2 and 3 workers beside the embedded crawl, on the demo site.

    .venv/bin/python bench/distributed.py                  # 300 articles per outlet
    .venv/bin/python bench/distributed.py --per-outlet 700 --workers 1 2 3 --delay 0.05

Serves a synthetic copy of the demo site on 127.0.0.1, starts a throwaway redis-server
on a free port, and crawls the whole site into a fresh archive: first with the embedded
crawl (``search_cli.py crawl``), then for each worker count with ``search_cli.py crawl
--redis`` workers and one ``search_cli.py ingest``. Prints articles per second from the
crawl's start until the last article is stored, how many were stored twice (none should
be) and how many of the site's were not found (with links not followed, a few are in no
feed or sitemap: both crawls miss the same). Politeness (``--per-domain``, ``--delay``;
by default 8 requests per host at once and no delay) holds for the whole distributed
crawl, as for the embedded one: N workers send a site what one would. All processes
share this machine's cores: N workers here are no N machines.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demosite import LOOPBACK_SETTINGS, DemoSite, setting_args, sources_toml  # noqa: E402
from crawler.demosite.content import stories  # noqa: E402
from crawler.distributed.frontier import KEYS, connect  # noqa: E402
from tests.sites.redis_server import local_redis  # noqa: E402

FAST = setting_args(LOOPBACK_SETTINGS)


def cli(data: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``search_cli.py --data DATA ARGS...``."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def archived(data: Path) -> list[str]:
    """The identity URLs in an archive."""
    with sqlite3.connect(data / "archive.db") as db:
        return [r[0] for r in db.execute("select url from articles")]


def report(label: str, data: Path, seconds: float, expected: set[str], summary: str) -> float:
    """Print a run's figures; return its articles per second."""
    urls = archived(data)
    print(
        f"{label}: {len(urls) / seconds:6.1f} articles/s ({len(urls)} articles in "
        f"{seconds:.1f}s; {len(urls) - len(set(urls))} stored twice, "
        f"{len(expected - set(urls))} of the site's not found); {summary}"
    )
    return len(urls) / seconds


def embedded(sources: Path, expected: set[str], tmp: Path, extra: list[str]) -> float:
    """Crawl the site with the embedded crawl; return articles per second."""
    data = tmp / "archive-embedded"
    start = time.perf_counter()
    proc = cli(data, "crawl", "--sources", str(sources), *FAST, *extra)
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"the embedded crawl failed:\n{err[-3000:]}")
    return report("embedded", data, time.perf_counter() - start, expected, out.strip())


def run(
    workers: int, sources: Path, url: str, expected: set[str], tmp: Path, extra: list[str]
) -> float:
    """Crawl the site with ``workers`` workers; return articles per second."""
    server = connect(url)
    server.flushdb()
    data = tmp / f"archive-{workers}"
    ingester = cli(data, "ingest", "--redis", url)
    time.sleep(2)  # the ingester opens the archive and index before the clock starts
    start = time.perf_counter()
    procs = [
        cli(
            tmp / f"worker-{workers}-{i}",
            "crawl",
            "--sources",
            str(sources),
            "--redis",
            url,
            *FAST,
            *extra,
        )
        for i in range(workers)
    ]
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode:
            sys.exit(f"a worker failed:\n{err[-3000:]}")
        print(f"  worker: {out.strip()}")
    while server.llen(KEYS.articles) or server.llen(KEYS.processing):
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    ingester.send_signal(signal.SIGTERM)
    out, _ = ingester.communicate()
    return report(f"{workers} worker(s)", data, seconds, expected, out.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-outlet", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument(
        "--per-domain", type=int, help="CONCURRENT_REQUESTS_PER_DOMAIN, crawl-wide (default 8)"
    )
    parser.add_argument("--delay", type=float, help="DOWNLOAD_DELAY, crawl-wide (default 0)")
    args = parser.parse_args()
    with (
        DemoSite(per_outlet=args.per_outlet, reference_dir="/nonexistent") as site,
        tempfile.TemporaryDirectory() as tmpdir,
        local_redis(tmpdir) as url,
    ):
        tmp = Path(tmpdir)
        expected = {
            site.outlets[s.outlet] + s.path.lstrip("/")
            for s in stories("/nonexistent", args.per_outlet)
        }
        sources = tmp / "sources.toml"
        text = sources_toml(site.outlets).replace("follow = true", "follow = false")
        sources.write_text(text, encoding="utf-8")
        print(
            f"site: {len(expected)} articles on {len(site.outlets)} outlets, {os.cpu_count()} cores"
        )
        extra = (
            ["-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain}"] if args.per_domain else []
        ) + (["-s", f"DOWNLOAD_DELAY={args.delay}"] if args.delay is not None else [])
        embedded(sources, expected, tmp, extra)
        for workers in args.workers:
            run(workers, sources, url, expected, tmp, extra)


if __name__ == "__main__":
    main()
