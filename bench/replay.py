"""Real sites, replayed: crawl ../shared's labelled pages under their real host names.

    .venv/bin/python bench/replay.py                 # the whole replay (~650 pages, ~570 hosts)
    .venv/bin/python bench/replay.py --hosts 30      # a sample

The replay proxy (tests/sites/replay.py) serves every page at its original URL, with a
robots.txt, a sitemap and a home page per host, and answers 404 to anything else; the
crawl reaches it through ``http_proxy``/``https_proxy``, so nothing leaves the machine.
One source per host, default politeness. The script crawls the replay from the sitemaps,
then from ``--url-file`` into a fresh archive, then the sitemaps again (the second crawl)
and prints, per crawl: pages served and fetched; articles stored and not stored by reason;
the share of labelled pages stored; identity collisions (a page whose text is archived
under another page's identity, or nowhere); requests for URLs the replay does not hold
(rewritten URLs); whether the summary's counts add up to the pages fetched; how often the
archive's metadata equals a direct ``extract_article`` call on the same bytes; wall time,
articles/s and the peak RSS of the crawl's process tree; for the second crawl, the
article pages fetched again, and whether the log file (written without ``-v``) has a
DEBUG line.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crawl import run_measured  # noqa: E402 (after the path set-up)
from crawler.extraction.article import extract_article  # noqa: E402
from indexer.aliases import same_text  # noqa: E402
from indexer.article import Article  # noqa: E402
from indexer.store import Archive  # noqa: E402
from indexer.urls import normalize_url  # noqa: E402
from tests.sites.replay import ReplayPage, ReplaySite, load_pages, sample  # noqa: E402

COMPARED = ("url", "title", "published", "authors", "agencies", "text", "language")


@dataclass
class Run:
    """One crawl: its summary line, the replay's requests, its archive, time and memory."""

    name: str
    line: str
    requests: list
    data: Path
    log: Path
    seconds: float
    peak_mb: float
    returncode: int

    def stats(self) -> dict[str, int]:
        with Archive(self.data / "archive.db") as archive:
            return archive.crawls()[-1]["stats"]


def crawl(site: ReplaySite, name: str, data: Path, *args: str) -> Run:
    """Run ``search_cli.py crawl`` through the replay proxy; measure it."""
    log = data.with_suffix(".log")
    before = len(site.requests)
    cmd = [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), "crawl", *args,
           "--log-file", str(log)]
    env = {**site.env(), "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore::SyntaxWarning"}
    result, wall, usage = run_measured(cmd, cwd=ROOT, env=env)
    line = (result.stdout.strip().splitlines() or [result.stderr.strip()[-300:]])[-1]
    return Run(name, line, site.requests[before:], data, log, wall, usage.peak_mb,
               result.returncode)


def direct(pages: list[ReplayPage]) -> dict[str, Article | None]:
    """What ``extract_article`` returns for each page, by URL (the reference)."""
    return {p.url: extract_article(p.body(), p.url) for p in pages}


def _same(stored: Article, reference: Article) -> bool:
    return all(getattr(stored, f) == getattr(reference, f) for f in COMPARED)


def report(run: Run, pages: dict[str, ReplayPage], reference: dict[str, Article | None]) -> None:
    """Print one crawl's figures."""
    stats = run.stats()
    served = [r for r in run.requests if r.kind == "page"]
    overhead = sum(r.kind in ("robots", "sitemap", "home", "probe") for r in run.requests)
    with Archive(run.data / "archive.db") as archive:
        articles = list(archive.iter_articles())
        owner = dict(archive.db.execute("SELECT url, article_id FROM aliases").fetchall())
    by_id = {a.id: a for a in articles}
    stored_pages = {u for u in pages if normalize_url(u) in owner}
    labelled = [u for u, p in pages.items() if p.labelled]
    fetched_pages = {r.url for r in served}
    collisions = []
    for url in fetched_pages & stored_pages:
        article = by_id.get(owner[normalize_url(url)])
        ref = reference.get(url)
        if article and ref and article.fetched_url != url and not same_text(article.text, ref.text):
            collisions.append(url)
    equal = sum(
        1 for a in articles
        if (ref := reference.get(a.fetched_url)) is not None and _same(a, ref)
    )
    not_stored = {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("not_stored/")}
    stored = sum(stats.get(k, 0) for k in ("new", "updated", "unchanged"))
    fetched = stats.get("pages", 0)
    accounted = stored + sum(not_stored.values()) + overhead + stats.get("failed", 0)
    print(f"== {run.name} (exit {run.returncode}): {run.line}")
    print(f"  pages served {len(served)} ({len(fetched_pages)} distinct of {len(pages)}),"
          f" responses fetched {fetched}")
    print(f"  articles stored {len(articles)}; not stored by reason: {json.dumps(not_stored)}")
    print(f"  labelled pages stored: {len(stored_pages & set(labelled))}/{len(labelled)}"
          f" = {len(stored_pages & set(labelled)) / max(len(labelled), 1):.1%}")
    print(f"  identity collisions: {len(collisions)} {collisions[:3]}")
    missing = [r.url for r in run.requests if r.kind == "missing"]
    print(f"  requests for URLs the replay does not hold: {len(missing)} {missing[:5]}")
    print(f"  pages never served: {sorted(set(pages) - fetched_pages)[:5]}")
    print(f"  summary adds up: {fetched} fetched = {stored} stored + {sum(not_stored.values())}"
          f" not stored + {overhead} robots/sitemaps/home/404 probes"
          f" + {stats.get('failed', 0)} failed"
          f" -> {'yes' if accounted == fetched else f'no ({accounted})'}")
    print(f"  metadata equal to direct extraction: {equal}/{len(articles)}")
    print(f"  wall {run.seconds:.1f}s, {len(articles) / run.seconds:.2f} articles/s,"
          f" peak RSS {run.peak_mb:.0f} MB (process tree)")


def main() -> None:
    """Serve the replay, crawl it three times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--hosts", type=int, default=0, help="a sample of this many hosts")
    args = parser.parse_args()
    pages = load_pages(args.shared)
    if args.hosts:
        pages = sample(pages, args.hosts)
    print(f"replay: {len(pages)} pages on {len({p.host for p in pages})} hosts; machine shared,"
          f" {os.cpu_count()} cores")
    reference = direct(pages)
    by_url = {p.url: p for p in pages}
    with ReplaySite(pages) as site, tempfile.TemporaryDirectory(prefix="replay-") as tmp:
        folder = Path(tmp)
        sources, urls = folder / "sources.toml", folder / "urls.txt"
        sources.write_text(site.sources_toml(), encoding="utf-8")
        urls.write_text(site.url_list(), encoding="utf-8")
        first = crawl(site, "sitemaps", folder / "sitemaps", "--sources", str(sources))
        report(first, by_url, reference)
        listed = crawl(site, "url-file", folder / "listed", "--url-file", str(urls))
        report(listed, by_url, reference)
        with sqlite3.connect(folder / "sitemaps" / "archive.db") as db:  # before the second
            archived = {u for (u,) in db.execute("SELECT fetched_url FROM articles")}
        second = crawl(site, "second crawl (sitemaps)", folder / "sitemaps", "--sources",
                       str(sources))
        again = [r.url for r in second.requests if r.kind == "page" and r.url in archived]
        print(f"== {second.name}: {second.line}")
        print(f"  archived article pages fetched again: {len(again)} {again[:3]}")
        log = first.log.read_text(encoding="utf-8")
        print(f"  log file without -v: {len(log.splitlines())} lines,"
              f" {log.count(' DEBUG: ')} DEBUG, {log.count(' INFO: ')} INFO")


if __name__ == "__main__":
    main()
