"""Crawl throughput: end-to-end articles/s against the extraction-only ceiling.

    .venv/bin/python bench/crawl.py            # 2,100 articles (700 per outlet)
    .venv/bin/python bench/crawl.py --per-outlet 3400   # a ~10,000-page crawl (RSS check)
    .venv/bin/python bench/crawl.py --navigation-only   # Scrapy alone: the floor


Serves a synthetic copy of the demo site (three templates) on 127.0.0.1, crawls it
through ``search_cli.py crawl`` with politeness delays off, and prints: articles/s end
to end, the extraction-only ceiling (the same pages through ``extract_page`` on every
core, no crawling), their ratio, the peak RSS of the crawl's process tree (main
process + extraction workers + index writer) and the CPU time per article of each part.
The CPU times are steadier than the rates on a busy machine: the "CPU-bound ratio"
(extraction CPU over the crawl's CPU per article) is the ratio an idle machine would
give if every core were kept busy.

The peer is trafilatura's own command line (downloads on threads, extraction on
``--parallel`` processes) given the list of article URLs: its sitemap crawler refuses
IP-address hosts (courlan), so it cannot discover a loopback site by itself.

``--navigation-only`` measures the floor: the same spider, settings and downloader
middlewares, but no item pipelines (extraction, store, index) and no WARC writing. Its
CPU per article is what Scrapy alone costs the main process; the best CPU-bound ratio
reachable with it is extraction / (extraction + that).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trafilatura.settings import use_config  # noqa: E402

from crawler import settings as crawl_settings  # noqa: E402
from crawler.demosite import DemoSite, sources_toml  # noqa: E402
from crawler.demosite.content import stories  # noqa: E402
from crawler.processes.workers import extract_page  # noqa: E402

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
# --navigation-only: no pipelines, every downloader middleware but the WARC writer.
NAVIGATION_ONLY = [
    "-s",
    "ITEM_PIPELINES={}",
    "-s",
    "DOWNLOADER_MIDDLEWARES="
    + json.dumps(
        {**crawl_settings.DOWNLOADER_MIDDLEWARES, "crawler.warc.writer.WarcMiddleware": None}
    ),
]
TICKS = os.sysconf("SC_CLK_TCK")
# trafilatura's downloader: no pause between requests, loopback allowed (SSRF guard off).
PEER_SETTINGS = {"SLEEP_TIME": "0", "SSRF_PROTECTION": "off"}


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _proc(pid: int) -> tuple[float, float, float, float] | None:
    """Return (RSS in MB, PSS in MB, CPU seconds used, private MB) of a live process, or
    None.

    PSS counts the pages a process shares with others (workers share the modules their
    fork server loaded) in proportion, so PSS adds up across processes; RSS does not.
    The private pages (USS) are those only this process maps: what its exit would free.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        smaps = Path(f"/proc/{pid}/smaps_rollup").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rss = re.search(r"VmRSS:\s+(\d+) kB", status)
    pss = re.search(r"^Pss:\s+(\d+) kB", smaps, re.M)
    fields = stat.rsplit(")", 1)[1].split()
    private = sum(int(kb) for kb in re.findall(r"^Private_\w+:\s+(\d+) kB", smaps, re.M))
    return (
        int(rss.group(1)) / 1024 if rss else 0.0,
        int(pss.group(1)) / 1024 if pss else 0.0,
        (int(fields[11]) + int(fields[12])) / TICKS,
        private / 1024,
    )


@dataclass
class TreeUsage:
    """Peak memory of a process tree and the CPU seconds each of its processes used."""

    peak_mb: float = 0.0  # sum of the processes' RSS
    peak_pss_mb: float = 0.0
    peak_parts: dict[int, float] = field(default_factory=dict)
    own_peaks: dict[int, float] = field(default_factory=dict)  # each process's own peak RSS
    own_private: dict[int, float] = field(default_factory=dict)  # and of its private pages
    cpu: dict[int, float] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (monotonic s, PSS MB)

    def sample(self, root: int) -> None:
        """Read every process of the tree under ``root`` once."""
        rss: dict[int, float] = {}
        pss = 0.0
        todo = [root]
        while todo:
            pid = todo.pop()
            seen = _proc(pid)
            if seen is None:
                continue
            rss[pid], proportional, self.cpu[pid], private = seen
            self.own_peaks[pid] = max(self.own_peaks.get(pid, 0.0), rss[pid])
            self.own_private[pid] = max(self.own_private.get(pid, 0.0), private)
            pss += proportional
            with contextlib.suppress(OSError):  # read again: a new process names itself
                self.names[pid] = _role(pid, root)
            todo += _children(pid)
        self.peak_pss_mb = max(self.peak_pss_mb, pss)
        self.timeline.append((time.monotonic(), pss))
        if sum(rss.values()) > self.peak_mb:
            self.peak_mb, self.peak_parts = sum(rss.values()), rss

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds summed per role (main, workers, index, other)."""
        return self._by_role(self.cpu)

    def peak_by_role(self) -> dict[str, float]:
        """RSS in MB per role at the peak."""
        return self._by_role(self.peak_parts)

    def _by_role(self, by_pid: dict[int, float]) -> dict[str, float]:
        roles: dict[str, float] = {}
        for pid, value in by_pid.items():
            role = self.names.get(pid, "other")
            roles[role] = roles.get(role, 0.0) + value
        return roles

    def own_peaks_by_role(self, *, private: bool = False) -> dict[str, list[float]]:
        """Each process's own peak RSS (or private memory) in MB, whenever it came, per role."""
        roles: dict[str, list[float]] = {}
        for pid, mb in (self.own_private if private else self.own_peaks).items():
            roles.setdefault(self.names.get(pid, "other"), []).append(mb)
        return roles


ROLES = {"news-extract": "workers", "news-index": "index"}  # process names (comm)


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "main"
    comm = Path(f"/proc/{pid}/comm").read_text().strip()
    if comm in ROLES:
        return ROLES[comm]
    return "forkserver" if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes() else "other"


def run_measured(
    cmd: list[str], usage: TreeUsage | None = None, **kwargs: object
) -> tuple[subprocess.CompletedProcess, float, TreeUsage]:
    """Run ``cmd``; return the result, wall seconds and its tree's RSS and CPU use (sampled
    into ``usage`` when given, so that a caller can watch it while the command runs)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )  # type: ignore[call-overload]
    usage = usage if usage is not None else TreeUsage()
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            usage.sample(proc.pid)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, usage


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ceiling(pages: list[tuple[bytes, str]], workers: int) -> tuple[float, float]:
    """Pages per second through extract_page on ``workers`` processes, no crawling,
    and the CPU seconds per page it took."""
    cpu_before = _children_cpu()
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
    cpu = _children_cpu() - cpu_before
    ok = sum(1 for article, _ in results if article is not None)
    print(f"  ceiling run: {ok}/{len(pages)} pages extracted")
    return len(pages) / seconds, cpu / len(pages)


def peer(urls: list[str], tmp: Path, workers: int) -> str:
    """Run trafilatura's command line over the article URLs; return its one-line figure."""
    listing, config, out = tmp / "peer-urls.txt", tmp / "peer.cfg", tmp / "peer"
    listing.write_text("\n".join(urls) + "\n", encoding="utf-8")
    settings = use_config()  # trafilatura's defaults: its CLI needs every key
    settings["DEFAULT"].update(PEER_SETTINGS)
    with config.open("w", encoding="utf-8") as file:
        settings.write(file)
    command = [
        str(Path(sys.executable).parent / "trafilatura"),
        "--config-file",
        str(config),
        "-i",
        str(listing),
        "-o",
        str(out),
        "--parallel",
        str(2 * workers),
    ]
    start = time.perf_counter()
    try:
        subprocess.run(command, capture_output=True, check=False, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"did not run: {exc}"
    seconds = time.perf_counter() - start
    total = len(list(out.glob("*"))) if out.exists() else 0
    return f"{total / seconds:7.1f} articles/s  ({total} files in {seconds:.1f}s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-outlet", type=int, default=700)
    parser.add_argument("--no-peer", action="store_true", help="skip trafilatura's crawler")
    parser.add_argument(
        "--navigation-only",
        action="store_true",
        help="Scrapy alone: no pipelines (extraction, store, index), no WARC (the floor)",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Scrapy setting for the crawl (repeatable)",
    )
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    with (
        DemoSite(per_outlet=args.per_outlet, reference_dir="/nonexistent") as site,
        tempfile.TemporaryDirectory() as tmp,
    ):
        outlets = site.outlets
        urls = [
            outlets[s.outlet].rstrip("/") + s.path for s in stories("/nonexistent", args.per_outlet)
        ]
        print(f"site: {len(urls)} articles on {len(outlets)} outlets, {workers} cores")
        sources = Path(tmp) / "sources.toml"
        text = sources_toml(outlets).replace("follow = true", "follow = false")
        sources.write_text(text, encoding="utf-8")

        extra = [arg for setting in args.settings for arg in ("-s", setting)]
        if args.navigation_only:
            extra = NAVIGATION_ONLY + extra
        result, wall, usage = run_measured(
            [
                sys.executable,
                str(ROOT / "search_cli.py"),
                "--data",
                f"{tmp}/data",
                "crawl",
                "--sources",
                str(sources),
                *FAST,
                *extra,
            ],
            cwd=ROOT,
        )
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        print(f"crawl: {summary or result.stderr[-2000:]}")
        new = int(re.search(r"articles (\d+) new", summary).group(1)) if summary else 0
        fetched = int(re.search(r"(\d+) pages fetched", summary).group(1)) if summary else 0
        if args.navigation_only:  # nothing is stored: count the article pages fetched
            new = min(fetched, len(urls))
        crawl_s = float(re.search(r"([\d.]+)s$", summary).group(1)) if summary else wall
        e2e = new / crawl_s if crawl_s else 0.0

        print("fetching the article pages for the ceiling run ...")
        pages = []
        for url in urls:
            with urllib.request.urlopen(url) as response:
                pages.append((response.read(), url))
        top, extract_cpu = ceiling(pages, workers)

        print()
        print(
            f"end to end:      {e2e:7.1f} articles/s  ({new} articles in {crawl_s:.1f}s crawl,"
            f" {wall:.1f}s with start-up and the last index sync)"
        )
        print(f"extraction only: {top:7.1f} pages/s on {workers} processes")
        print(f"ratio:           {e2e / top:7.2f}")
        parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(usage.peak_by_role().items()))
        print(f"peak RSS:        {usage.peak_mb:7.0f} MB, summed over the processes ({parts})")
        for private in (False, True):
            own = ", ".join(
                f"{k} {'+'.join(f'{mb:.0f}' for mb in sorted(v, reverse=True)[:4])}"
                for k, v in sorted(usage.own_peaks_by_role(private=private).items())
            )
            what = "private memory (USS)" if private else "RSS"
            print(f"own peaks:       {own} MB (each process's highest {what}, whenever it came)")
        print(f"peak PSS:        {usage.peak_pss_mb:7.0f} MB (shared pages counted once)")
        roles = usage.cpu_by_role()
        crawl_cpu = sum(roles.values()) / max(new, 1)
        cpu_parts = ", ".join(f"{k} {1000 * v / max(new, 1):.1f}" for k, v in sorted(roles.items()))
        print(
            f"CPU per article: {1000 * crawl_cpu:7.1f} ms crawl ({cpu_parts}),"
            f" {1000 * extract_cpu:.1f} ms extraction only;"
            f" CPU-bound ratio {extract_cpu / crawl_cpu if crawl_cpu else 0:.2f}"
        )

        if args.navigation_only:
            main_cpu = roles.get("main", 0.0) / max(new, 1)
            print(
                f"floor:           Scrapy alone {1000 * main_cpu:.1f} ms per article page;"
                f" best CPU-bound ratio {extract_cpu / (extract_cpu + main_cpu):.2f}"
                " (extraction over extraction + navigation)"
            )
        if not args.no_peer and not args.navigation_only:
            print(
                f"peer (trafilatura -i URLS --parallel {2 * workers}): "
                f"{peer(urls, Path(tmp), workers)}"
            )


if __name__ == "__main__":
    main()
