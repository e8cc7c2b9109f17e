"""Crawls the web cannot break: hostile loopback sites next to a normal source.

    .venv/bin/python bench/hostile.py                      # every case, --runtime 60
    .venv/bin/python bench/hostile.py --cases sitemaps --runtime 120

Each case serves one trap site (tests/sites/traps.py) and a normal news site of 30
articles on 127.0.0.1, crawls both through ``search_cli.py crawl --max-runtime N`` with
politeness delays off, and prints per case: the wall time of the whole command against
N + the grace period, the peak RSS of the crawl's process tree (main process, fork server,
extraction workers, index writer, resource tracker; summed, so a page several processes
share counts once per process: the figure checked against 600 MB) and its PSS (shared
pages counted once), the articles archived from the normal sources, and from the traps.

Cases: ``links`` (every page links 20,000 new pages), ``hang`` (50 pages that never
answer), ``sitemaps`` (an index of 500 sitemaps of 50,000 URLs each, 8.6 MB apiece),
``feed`` (an RSS feed of 100,000 items, 15 MB), ``all`` (the four traps at once),
``many`` (a link trap and a hanging site beside 100 normal sources of 5 articles),
``crowd`` (a link trap among 200 sources: 199 normal ones of 5 articles), ``calm`` (the
same 199 normal sources without the trap: what the machine does in the budget).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crawl import FAST, run_measured  # noqa: E402
from tests.sites.traps import TrapSite, write_sources  # noqa: E402

CASES = {"links": ["links"], "hang": ["hang"], "sitemaps": ["sitemaps"], "feed": ["feed"],
         "all": ["links", "hang", "sitemaps", "feed"], "many": ["links", "hang"],
         "crowd": ["links"], "calm": []}
NORMAL_SOURCES = {"many": 100, "crowd": 199, "calm": 199}  # beside the traps (default 1)
NORMAL_ARTICLES = {"many": 5, "crowd": 5, "calm": 5}  # articles of each (default 30)
GRACE = 30.0  # CRAWL_GRACE_PERIOD's default
LIMIT_MB = 600


def run_case(name: str, runtime: int, extra: list[str]) -> dict[str, object]:
    """Crawl the traps of case ``name`` beside a normal source; return the figures."""
    traps = [TrapSite(kind).start() for kind in CASES[name]]
    articles = NORMAL_ARTICLES.get(name, 30)
    normal = [TrapSite("news", articles=articles).start()
              for _ in range(NORMAL_SOURCES.get(name, 1))]
    try:
        with tempfile.TemporaryDirectory(prefix=f"hostile-{name}-") as folder:
            data = Path(folder) / "data"
            tables = [t.toml(f"trap-{t.kind}") for t in traps]
            tables += [n.toml(f"news-{i}") for i, n in enumerate(normal)]
            sources = write_sources(Path(folder) / "sources.toml", *tables)
            cmd = [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), "crawl",
                   "--sources", str(sources), "--max-runtime", str(runtime), *FAST, *extra]
            result, wall, usage = run_measured(cmd, cwd=ROOT)
            with sqlite3.connect(data / "archive.db") as db:
                counts = dict(db.execute("select source, count(*) from articles group by 1"))
    finally:
        for site in (*traps, *normal):
            site.stop()
    return {
        "case": name,
        "exit": result.returncode,
        "wall": wall,
        "bound": runtime + GRACE,
        "peak_mb": usage.peak_mb,
        "pss_mb": usage.peak_pss_mb,
        "normal": sum(v for k, v in counts.items() if k.startswith("news-")),
        "normal_of": articles * len(normal),
        "trap": sum(v for k, v in counts.items() if k.startswith("trap-")),
        "roles": ", ".join(f"{role} {mb:.0f}" for role, mb in usage.peak_by_role().items()),
        "summary": result.stdout.strip().splitlines()[-1:] or [result.stderr[-300:]],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the cases; print one line per case; exit 1 when a case misses a bound."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="links,hang,sitemaps,feed,all,many,crowd,calm",
                        help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--runtime", type=int, default=60, help="--max-runtime of each crawl")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[],
                        metavar="KEY=VALUE", help="extra Scrapy setting for the crawls")
    args = parser.parse_args(argv)
    extra = [a for pair in args.settings for a in ("-s", pair)]
    missed = 0
    print(f"{'case':<9} {'exit':>4} {'wall s':>7} {'bound':>6} {'RSS MB':>8} {'PSS MB':>7} "
          f"{'normal':>7} {'trap':>6}")
    for name in args.cases.split(","):
        r = run_case(name, args.runtime, extra)
        ok = (r["wall"] <= r["bound"] and r["peak_mb"] < LIMIT_MB  # type: ignore[operator]
              and r["normal"] == r["normal_of"])
        missed += not ok
        print(f"{name:<9} {r['exit']:>4} {r['wall']:>7.1f} {r['bound']:>6.0f} "
              f"{r['peak_mb']:>8.0f} {r['pss_mb']:>7.0f} {r['normal']:>3}/{r['normal_of']:<3} "
              f"{r['trap']:>6}  {'ok' if ok else 'MISSED'}", flush=True)
        print(f"          RSS at the peak, MB: {r['roles']}", flush=True)
        print(f"          {r['summary'][0]}", flush=True)  # type: ignore[index]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
