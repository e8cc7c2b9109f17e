"""Real sites, replayed: crawl ../shared's labelled pages under their real host names.

    .venv/bin/python bench/replay.py                 # the whole replay (~650 pages, ~570 hosts)
    .venv/bin/python bench/replay.py --hosts 30      # a sample
    .venv/bin/python bench/replay.py --trafilatura T --news-please P   # beside two peers

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

With ``--trafilatura`` / ``--news-please`` (see bench/peers.py: each from a virtualenv of
its own), those crawlers fetch the same URL list through the same proxy, and a table
compares them with our ``--url-file`` crawl: wall time and CPU seconds of the process tree,
pages/s, documents out of the pages, titles, dates and authors right against the labels
(scored as bench/extraction.py scores), the requests the proxy saw and the listed URLs not
requested as listed. Then the script runs in a network namespace of its own, with the
loopback device only (``unshare --net``, as root): nothing can leave the machine, so every
request of every crawler is one the proxy saw.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import peers  # noqa: E402 (after the path set-up)
from bench.crawl import run_measured  # noqa: E402
from bench.extraction import FIELDS, Case, Result, load_set, score_results  # noqa: E402
from crawler.extraction.article import extract_article  # noqa: E402
from indexer.aliases import same_text  # noqa: E402
from indexer.article import Article  # noqa: E402
from indexer.store import Archive  # noqa: E402
from indexer.urls import normalize_url  # noqa: E402
from tests.sites.replay import (  # noqa: E402
    SETS,
    ReplayPage,
    ReplaySite,
    load_pages,
    sample,
    wire_url,
)

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
    cpu: float = 0.0  # CPU seconds of the process tree

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
               result.returncode, sum(usage.cpu.values()))


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


@dataclass
class PeerRun:
    """One crawler over the URL list: its documents by URL, the proxy's requests, its cost."""

    name: str
    docs: dict[str, Result]
    requests: list
    seconds: float
    cpu: float
    returncode: int


def labelled_cases(shared: Path, pages: dict[str, ReplayPage]) -> dict[str, Case]:
    """The labelled pages of the replay in bench/extraction.py's form, by wire URL."""
    cases: dict[str, Case] = {}
    for name in SETS:
        for case in load_set(name, shared):
            if case.url and (url := wire_url(case.url)) in pages:
                cases.setdefault(url, case)
    return cases


def ours(run: Run) -> PeerRun:
    """Our crawl's articles in the peers' form, by fetched URL."""
    with Archive(run.data / "archive.db") as archive:
        docs = {a.fetched_url or a.url: Result(a.title, a.authors, a.published or "", a.text)
                for a in archive.iter_articles()}
    return PeerRun("ours (crawl --url-file)", docs, run.requests, run.seconds, run.cpu,
                   run.returncode)


def run_peer(site: ReplaySite, name: str, cmd: list[str], env: dict[str, str],
             read: Callable[[], dict[str, peers.Doc]]) -> PeerRun:
    """Run a peer crawler through the proxy; read its documents."""
    before = len(site.requests)
    result, wall, usage = run_measured(cmd, cwd=ROOT, env=env)
    if result.returncode:
        print(f"  {name} exit {result.returncode}: {result.stderr.strip()[-300:]}")
    docs = {url: Result(d["title"], d["authors"], d["date"], d["text"])
            for url, d in read().items()}
    return PeerRun(name, docs, site.requests[before:], wall, sum(usage.cpu.values()),
                   result.returncode)


def compare(runs: list[PeerRun], urls: list[str], cases: dict[str, Case]) -> None:
    """Print the crawlers side by side: cost, yield, accuracy, requests."""
    print(f"== crawlers over the URL list ({len(urls)} pages, {len(cases)} labelled)")
    print(f"  {'crawler':26} {'wall s':>7} {'cpu s':>6} {'pages/s':>7} {'docs':>5}"
          + "".join(f" {f:>7}" for f in FIELDS) + f" {'with':>6} {'proxy saw':>9}"
          " not as listed")
    for run in runs:
        score = score_results((case, run.docs.get(url, Result())) for url, case in cases.items())
        asked = {r.url for r in run.requests}
        rewritten = [u for u in urls if u not in asked]
        print(f"  {run.name:26} {run.seconds:7.1f} {run.cpu:6.1f}"
              f" {len(urls) / run.seconds:7.2f} {len(run.docs):5d}"
              + "".join(f" {score.rate(f):7.1%}" for f in FIELDS)
              + f" {score.rate('with'):6.1%} {len(run.requests):9d} {len(rewritten)}"
              f" {rewritten[:2]}")


def peer_runs(site: ReplaySite, args: argparse.Namespace, folder: Path, urls: Path
              ) -> list[PeerRun]:
    """Run the peers named on the command line through the proxy."""
    plain = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    runs = []
    if args.trafilatura:
        out = folder / "trafilatura"
        runs.append(run_peer(site, "trafilatura -i", peers.trafilatura_command(
            args.trafilatura, urls, out), {**plain, "all_proxy": site.proxy},
            lambda: peers.trafilatura_docs(out)))
    if args.news_please:
        out = folder / "news-please.jsonl"
        runs.append(run_peer(site, "news-please from_urls", [
            args.news_please, str(ROOT / "bench" / "peers.py"), str(urls), str(out)],
            site.env(), lambda: peers.news_please_docs(out)))
    return runs


def isolate(args: argparse.Namespace) -> None:
    """With peers to run, go on in a network namespace of our own (loopback only):
    re-run this script under ``unshare --net``; exit when that cannot be."""
    if not (args.trafilatura or args.news_please):
        return
    if {name for _, name in socket.if_nameindex()} == {"lo"}:
        print("network: loopback only (isolated namespace): nothing leaves the machine")
        return
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        sys.exit("peers run only in a network namespace of their own: run as root, with"
                 " unshare and ip installed")
    os.execvp("unshare", ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"',
                          "sh", sys.executable, *sys.argv])


def main() -> None:
    """Serve the replay, crawl it three times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--hosts", type=int, default=0, help="a sample of this many hosts")
    parser.add_argument("--trafilatura", help="trafilatura's command (its own virtualenv)")
    parser.add_argument("--news-please", help="the Python of a virtualenv with news-please")
    args = parser.parse_args()
    isolate(args)
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
        if args.trafilatura or args.news_please:
            cases = labelled_cases(args.shared, by_url)
            runs = [ours(listed), *peer_runs(site, args, folder, urls)]
            compare(runs, list(by_url), cases)


if __name__ == "__main__":
    main()
