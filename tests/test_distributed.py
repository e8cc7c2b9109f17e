"""Distributed mode end to end: a real redis-server, real worker and ingester processes."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.demosite import expected_articles
from crawler.distributed.frontier import KEYS, Frontier, connect
from crawler.distributed.health import workers_health
from crawler.distributed.messages import encode_item
from crawler.items import ArticleItem
from indexer.article import Article
from indexer.store import Archive
from indexer.warcfile import iter_responses
from search_cli import cli
from tests.conftest import FAST, REFERENCE_DIR, ROOT
from tests.sites.logging_site import LoggingSite, closest_starts, most_at_once
from tests.sites.redis_server import local_redis

pytestmark = [pytest.mark.integration, pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (apt-get install redis-server)",
)]

DEAD_AFTER = ["-s", "DISTRIBUTED_WORKER_TTL=3"]
SEEDED_ELSEWHERE = "seeded by another worker"
# A place is taken in Redis just before the request is sent; on a loaded machine the
# worker may be descheduled between the two (measured: up to 40 ms at load 8 on 2 cores).
TIMING_SLACK = 0.1
# No worker dies here: the default TTL, so that a worker whose reactor stalls a few
# seconds on a loaded machine (its extraction pool starting) is not taken for dead.
ALIVE = ["-s", "DISTRIBUTED_WORKER_TTL=15"]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1, on a free port."""
    with local_redis(tmp_path) as url:
        yield url


def _start(data: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``search_cli.py --data DATA ARGS...`` in its own process group."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore::SyntaxWarning"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "search_cli.py"), "--data", str(data), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def _worker(data: Path, sources: Path, url: str, *args: str) -> subprocess.Popen[str]:
    return _start(
        data, "crawl", "--sources", str(sources), "--redis", url, *FAST, *DEAD_AFTER, *args
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 90) -> str:
    """Wait for a process; assert it succeeded; return its stdout and stderr."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return out + err


def _stop_ingester(proc: subprocess.Popen[str], url: str) -> str:
    """Wait until the ingester has taken and committed everything, then SIGTERM it."""
    server = connect(url)
    deadline = time.monotonic() + 30
    while server.llen(KEYS.articles) or server.llen(KEYS.processing):
        assert time.monotonic() < deadline, "the ingester did not drain the queue"
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    return _finish(proc)


def _archived(data: Path) -> list[str]:
    with sqlite3.connect(data / "archive.db") as db:
        return [r[0] for r in db.execute("select url from articles")]


def test_two_workers_and_an_ingester_archive_every_article_once(
    demo_site: dict[str, str], demo_sources: Path, redis_url: str, tmp_path: Path
) -> None:
    expected = {a["url"] for a in expected_articles(demo_site, REFERENCE_DIR / "site")}
    archive = tmp_path / "archive"
    ingester = _start(archive, "ingest", "--redis", redis_url)
    workers = [_worker(tmp_path / f"worker{i}", demo_sources, redis_url, "-v") for i in (1, 2)]
    lines = [_finish(w) for w in workers]
    report = _stop_ingester(ingester, redis_url)

    urls = _archived(archive)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected
    assert f"articles {len(expected)} new" in report
    pages = [int(re.search(r"(\d+) pages fetched", line).group(1)) for line in lines]
    assert all(pages), f"a worker fetched nothing: {pages}"
    assert sum(SEEDED_ELSEWHERE in line for line in lines) == 1, "not seeded exactly once"
    # The workers' health, as the ingester recorded it in its crawl record.
    shown = CliRunner().invoke(cli, ["--data", str(archive), "stats", "--json"])
    workers = json.loads(shown.stdout)["last_crawl"]["stats"]["workers"]
    assert sorted(w["pages"] for w in workers.values()) == sorted(pages)
    handed = [int(re.search(r"handed over (\d+) articles", line).group(1)) for line in lines]
    assert sorted(w["articles"] for w in workers.values()) == sorted(handed)
    assert sum(handed) >= len(expected)
    assert not any(w["alive"] for w in workers.values())
    table = CliRunner().invoke(cli, ["--data", str(archive), "stats"]).stdout
    assert "workers      2 (0 alive)" in table
    server = connect(redis_url)
    assert not server.exists(KEYS.seed, KEYS.dupefilter, KEYS.requests), "run not cleared"
    assert server.smembers(KEYS.archived) == {u.encode() for u in expected}

    # The next run seeds again, and fetches no archived article (one source, for time).
    courier = [
        a for a in expected_articles(demo_site, REFERENCE_DIR / "site") if a["source"] == "courier"
    ]
    again = _finish(
        _worker(tmp_path / "worker1", demo_sources, redis_url, "--source", "courier", "-v")
    )
    assert f"{len(courier)} skipped (known)" in again
    assert SEEDED_ELSEWHERE not in again


def test_workers_health_tells_alive_from_gone(redis_url: str) -> None:
    server = connect(redis_url)
    server.hset(KEYS.health, "earlier-run", json.dumps({"pages": 9, "beat": 1.0}))
    since = time.time()
    running, stopped = Frontier(server, "running", 15), Frontier(server, "stopped", 15)
    running.beat({"pages": 5, "articles": 3})
    stopped.beat({"pages": 1, "articles": 0})
    stopped.leave({"pages": 4, "articles": 2})
    server.hset(KEYS.health, "garbled", b"\x80not json")

    health = workers_health(server, since)
    assert {name: (w["alive"], w["pages"], w["articles"]) for name, w in health.items()} == {
        "running": (True, 5, 3), "stopped": (False, 4, 2)
    }
    assert health["running"]["last_beat"] >= time.strftime("%Y-%m-%d", time.gmtime(since))


def test_killing_a_worker_midway_loses_nothing(
    demo_site: dict[str, str], demo_sources: Path, redis_url: str, tmp_path: Path
) -> None:
    expected = {a["url"] for a in expected_articles(demo_site, REFERENCE_DIR / "site")}
    archive = tmp_path / "archive"
    ingester = _start(archive, "ingest", "--redis", redis_url)
    victim, survivor = (_worker(tmp_path / f"worker{i}", demo_sources, redis_url) for i in (1, 2))
    server = connect(redis_url)
    deadline = time.monotonic() + 60
    handed_over = 0
    while handed_over < len(expected) // 4:
        assert time.monotonic() < deadline, "no progress"
        assert victim.poll() is None, "the worker ended before it could be killed"
        time.sleep(0.05)
        handed_over = sum(
            (server.llen(KEYS.articles), server.llen(KEYS.processing), server.scard(KEYS.archived))
        )
    os.killpg(victim.pid, signal.SIGKILL)
    victim.communicate()
    log = _finish(survivor)
    _stop_ingester(ingester, redis_url)

    assert "leased by dead or stopped workers" in log
    urls = _archived(archive)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected


def test_ingester_takes_back_what_a_killed_ingester_left(redis_url: str, tmp_path: Path) -> None:
    """Messages taken but not acknowledged (the ingester died) are stored, each once."""
    items = [
        ArticleItem(
            article=Article(url=f"https://example.org/news/{n}", title=f"Story {n}", text="Words."),
            raw=b"<html><body><p>Words.</p></body></html>",
        )
        for n in range(3)
    ]
    server = connect(redis_url)
    server.lpush(KEYS.articles, encode_item(items[0]), b"not a message")
    # Story 1 was committed before the kill but not acknowledged; story 2 was not committed.
    server.lpush(KEYS.processing, encode_item(items[1]), encode_item(items[2]))
    archive = tmp_path / "archive"
    with Archive(archive / "archive.db") as store:
        store.add_articles([(items[1].article, items[1].raw)])
    out = _finish(_start(archive, "ingest", "--redis", redis_url, "--idle-exit", "1"))

    assert "articles 2 new / 0 updated / 1 unchanged" in out
    assert "2 requeued at start" in out
    assert "1 unreadable" in out
    assert sorted(_archived(archive)) == sorted(i.article.url for i in items)
    assert not server.llen(KEYS.processing)
    assert server.lrange(KEYS.rejected, 0, -1) == [b"not a message"]
    assert server.scard(KEYS.archived) == 3


def test_malformed_and_pickled_entries_go_to_dead_letters(
    demo_site: dict[str, str], demo_sources: Path, redis_url: str, tmp_path: Path
) -> None:
    """Nothing in Redis is unpickled: a planted pickle (that would run a command when
    unpickled), a request naming a class to load and garbage are set aside, and the
    worker and the ingester go on."""
    marker = tmp_path / "pwned"
    pickled = pickle.dumps(_RunsCommand(f"touch {marker}"))
    planted_requests = [
        pickled,
        b'{"url": "http://127.0.0.1:1/", "_class": "os.system"}',
        b'{"url": "http://127.0.0.1:1/", "callback": "__init__"}',
        b"\x00garbage",
    ]
    server = connect(redis_url)
    server.lpush(KEYS.requests, *planted_requests)
    server.lpush(KEYS.articles, pickled, zlib.compress(b'{"kind": "article", "raw": 1}'))
    archive = tmp_path / "archive"
    ingester = _start(archive, "ingest", "--redis", redis_url)
    log = _finish(_worker(tmp_path / "worker", demo_sources, redis_url, "--source", "courier"))
    report = _stop_ingester(ingester, redis_url)

    assert not marker.exists()
    assert sorted(server.lrange(KEYS.dead_requests, 0, -1)) == sorted(planted_requests)
    assert "Moved an unreadable request" in log
    assert len(server.lrange(KEYS.rejected, 0, -1)) == 2
    assert "2 unreadable messages" in report
    courier = [
        a for a in expected_articles(demo_site, REFERENCE_DIR / "site") if a["source"] == "courier"
    ]
    assert sorted(_archived(archive)) == sorted(a["url"] for a in courier)


class _RunsCommand:
    """Unpickled, runs a shell command (what a pickle planted in Redis could do)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


def test_three_workers_keep_one_politeness_per_site(redis_url: str, tmp_path: Path) -> None:
    """The site's own log: never more requests at once than the per-host limit, never two
    starts closer than the delay, though three workers crawl it (each alone would keep
    its limit, and together send three times as much)."""
    limit, delay = 2, 0.3
    with LoggingSite(14, latency=1.0) as site:  # without a limit, 4 at once
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml(), encoding="utf-8")
        # CONCURRENT_REQUESTS=2: a worker takes no more from the queue, so all three work
        politeness = ["-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={limit}",
                      "-s", f"DOWNLOAD_DELAY={delay}", "-s", "CONCURRENT_REQUESTS=2",
                      *ALIVE]
        archive = tmp_path / "archive"
        ingester = _start(archive, "ingest", "--redis", redis_url)
        workers = [_worker(tmp_path / f"w{i}", sources, redis_url, *politeness) for i in range(3)]
        logs = [_finish(worker) for worker in workers]
        _stop_ingester(ingester, redis_url)
        hits = site.all_hits()

    assert sorted(_archived(archive)) == sorted(site.article_urls())
    assert most_at_once(hits) == limit
    assert closest_starts(hits) >= delay - TIMING_SLACK
    pages = [int(re.search(r"(\d+) pages fetched", log).group(1)) for log in logs]
    assert all(pages), f"a worker fetched nothing: {pages}"
    assert sorted(h.path for h in hits).count("/robots.txt") == 3, "robots.txt once per worker"
    assert len({h.path for h in hits}) == len(hits) - 2, "a page fetched twice"


def test_robots_crawl_delay_holds_across_workers(redis_url: str, tmp_path: Path) -> None:
    """A robots.txt Crawl-delay, read by one worker, spaces the requests of all."""
    crawl_delay = 0.4
    with LoggingSite(5, crawl_delay=crawl_delay) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml(), encoding="utf-8")
        ingester = _start(tmp_path / "archive", "ingest", "--redis", redis_url)
        first = _worker(tmp_path / "w0", sources, redis_url, *ALIVE)
        time.sleep(0.5)  # let it read robots.txt: a worker fetches its own before its first page
        second = _worker(tmp_path / "w1", sources, redis_url, *ALIVE)
        _finish(first)
        _finish(second)
        _stop_ingester(ingester, redis_url)
        pages = site.page_hits()

    assert len(pages) == 5
    assert closest_starts(pages) >= crawl_delay - TIMING_SLACK


def _crawl_once(archive: Path, sources: Path, url: str) -> tuple[str, str]:
    """One run: an ingester (revisiting articles of any age) and one worker; their logs."""
    ingester = _start(archive, "ingest", "--redis", url, "--revisit-days", "36500")
    # No retry within the run: a page failing once is retried by the next run.
    log = _finish(_worker(archive.parent / "worker", sources, url, *ALIVE, "-s", "RETRY_TIMES=0"))
    return log, _stop_ingester(ingester, url)


def test_revisits_retries_and_warc_records_match_the_embedded_crawl(
    redis_url: str, tmp_path: Path
) -> None:
    """Through a worker: every response lands in the ingester's WARC files (so ``raw``,
    ``history`` and ``reextract`` work), a second run revisits archived articles with the
    validators of their archived responses, and retries a page that failed the first."""
    with LoggingSite(3, broken=1) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml() + "revisit_days = 36500\n", encoding="utf-8")
        archive = tmp_path / "archive"
        _, first = _crawl_once(archive, sources, redis_url)
        first_hits = len(site.all_hits())
        site.mend(unlist=True)  # found again only as a retry of the earlier failure
        site.revise("/news/1")
        _, second = _crawl_once(archive, sources, redis_url)
        hits = site.all_hits()
    articles, broken = site.article_urls()[:3], site.article_urls()[3]

    assert "articles 3 new / 0 updated / 0 unchanged" in first
    assert "articles 1 new / 1 updated / 2 unchanged" in second  # 2 answered 304
    revisits = {h.path: h for h in hits[first_hits:] if h.path.startswith("/news/")}
    assert {p: h.if_none_match for p, h in revisits.items()} == {
        f"/news/{n}": f'"news-{n}-v1"' for n in range(3)
    }
    assert all(h.if_modified_since for h in revisits.values())
    assert [h.path for h in hits[first_hits:]].count("/broken/0") == 1
    # Every response the site gave is in the WARC files: 304s, 503s, robots.txt, sitemaps.
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    statuses = Counter(r.status for path in warcs for r in iter_responses(path))
    assert sum(statuses.values()) == len(hits)
    assert statuses[304] == 2
    assert statuses[503] >= 1
    with Archive(archive / "archive.db") as store:
        assert sorted(_archived(archive)) == sorted([*articles, broken])
        assert store.failed_urls() == []
        changed = store.get(articles[1])
        assert changed is not None
        assert "corrected" in changed.title
        stored = [store.get(url) for url in [*articles, broken]]
        assert all(a is not None and store.page_location(a.id) for a in stored)

    runner = CliRunner()
    raw = runner.invoke(cli, ["--data", str(archive), "raw", articles[1]])
    assert raw.exit_code == 0, raw.stderr
    assert "corrected" in raw.stdout
    history = runner.invoke(cli, ["--data", str(archive), "history", articles[1]])
    assert [line.split()[0] for line in history.stdout.splitlines()] == ["v1", "v2"]
    reextract = runner.invoke(cli, ["--data", str(archive), "reextract", "-q"])
    assert reextract.exit_code == 0, reextract.stderr
    assert "re-extracted 4 articles: 0 updated, 4 unchanged" in reextract.stdout
    assert "0 without a raw page" in reextract.stdout
