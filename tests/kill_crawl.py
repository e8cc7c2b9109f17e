"""Kill real crawls of the demo site with SIGKILL at random moments; check nothing is lost.

    .venv/bin/python tests/kill_crawl.py --kills 30      (CI runs this: `make killtest`)

After every kill: SQLite's integrity and foreign-key checks pass, no article committed
before is missing, none is stored twice, every article has its raw page. After every
group of kills, one crawl runs to the end: it must leave every demo article archived
exactly once and indexed exactly once (articles stored but not indexed get indexed).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demosite import (  # noqa: E402
    LOOPBACK_SETTINGS,
    DemoSite,
    expected_articles,
    setting_args,
    sources_toml,
)
from indexer.search.whoosh.index import ArchiveIndex  # noqa: E402

FAST = setting_args(
    {**LOOPBACK_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "STORE_BATCH_SIZE": 5}
)
GROUP = 6  # kills per fresh archive, so that kills land in busy crawls


@dataclass
class KillReport:
    """What the kills did and found."""

    kills: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)


def _crawl_cmd(data: Path, sources: Path) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "search_cli.py"),
        "--data",
        str(data),
        "crawl",
        "--sources",
        str(sources),
        *FAST,
    ]


def _snapshot(data: Path) -> tuple[set[str], int, list[str]]:
    """(stored urls, rows, problems) of the store as it is on disk."""
    path = data / "archive.db"
    if not path.exists():
        return set(), 0, []
    problems = []
    with sqlite3.connect(path) as db:
        if (check := db.execute("pragma integrity_check").fetchone()[0]) != "ok":
            problems.append(f"integrity_check: {check}")
        if db.execute("pragma foreign_key_check").fetchall():
            problems.append("foreign_key_check failed")
        urls = [r[0] for r in db.execute("select url from articles")]
        orphans = db.execute(
            "select count(*) from articles a where not exists "
            "(select 1 from pages p where p.article_id = a.id)"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{orphans} articles without their raw page")
    return set(urls), len(urls), problems


def _indexed_ids(data: Path) -> list[str]:
    with ArchiveIndex(data / "index").searcher() as searcher:
        return [fields["id"] for fields in searcher.all_stored_fields()]


def run(kills: int, seed: int, log: bool = True) -> KillReport:
    """Kill ``kills`` crawls at random moments; return what was found."""
    rng = random.Random(seed)
    report = KillReport()
    with DemoSite() as site, tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(sources_toml(site.outlets), encoding="utf-8")
        expected = {a["url"] for a in expected_articles(site.outlets)}
        data = Path(tmp) / "data-0"
        before: set[str] = set()
        for n in range(kills):
            if n and n % GROUP == 0:
                report.problems += _finish(data, sources, expected, report)
                data, before = Path(tmp) / f"data-{n}", set()
            proc = subprocess.Popen(
                _crawl_cmd(data, sources),
                cwd=ROOT,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            delay = rng.uniform(0.5, 7.0)
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            report.kills += 1
            urls, rows, problems = _snapshot(data)
            report.lost += len(before - urls)
            report.duplicated += rows - len(urls)
            report.problems += problems
            if log:
                print(
                    f"kill {n + 1:2d} after {delay:4.1f}s: {len(urls):3d} articles stored, "
                    f"lost {len(before - urls)}, problems {problems or 'none'}",
                    flush=True,
                )
            before = urls
        report.problems += _finish(data, sources, expected, report)
    return report


def _finish(data: Path, sources: Path, expected: set[str], report: KillReport) -> list[str]:
    """Crawl to the end after kills: every article archived once and indexed once."""
    result = subprocess.run(
        _crawl_cmd(data, sources),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    problems = [] if result.returncode == 0 else [f"resume crawl failed: {result.stderr[-500:]}"]
    urls, rows, found = _snapshot(data)
    problems += found
    if urls != expected:
        problems.append(
            f"after resuming: {len(expected - urls)} missing, {len(urls - expected)} unexpected"
        )
    report.duplicated += rows - len(urls)
    ids = _indexed_ids(data)
    if len(ids) != len(set(ids)) or len(ids) != rows:
        problems.append(f"index holds {len(ids)} docs ({len(set(ids))} distinct) for {rows}")
    with sqlite3.connect(data / "archive.db") as db:
        pending = db.execute("select count(*) from articles where indexed_at is null").fetchone()
    if pending[0]:
        problems.append(f"{pending[0]} articles left unindexed")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    report = run(args.kills, args.seed)
    print(
        f"{report.kills} kills: {report.lost} lost, {report.duplicated} duplicated, "
        f"{len(report.problems)} problems"
    )
    for problem in report.problems:
        print(f"  {problem}")
    return 0 if not (report.lost or report.duplicated or report.problems) else 1


if __name__ == "__main__":
    raise SystemExit(main())
