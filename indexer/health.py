"""Extraction health per source and crawl: catch a site that changed its templates.

For each crawl and source: how many new articles came in, the share of them with no
date, no author, or an empty or very short body, and the failed fetches. A source
whose latest shares jump above its own history raises an alarm.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from indexer.store import Archive

SHORT_BODY_WORDS = 50
MIN_NEW = 5  # a crawl with fewer new articles for a source is too small to judge
JUMP = 0.3  # an alarm when a share rises by this much over the source's history
EXIT_ALARM = 6  # `stats --health` with an alarm exits like a crawl that raised one

METRICS = {
    "no_date": "without a date",
    "no_author": "without an author",
    "short_body": "with an empty or very short body",
}

HEALTH_SQL = f"""
select a.first_seen_crawl as crawl, c.started as started, a.source as source,
       count(*) as new,
       sum(a.published is null or a.published = '') as no_date,
       sum(not exists (select 1 from article_authors aa where aa.article_id = a.id))
           as no_author,
       sum(coalesce(a.word_count, 0) < {SHORT_BODY_WORDS}) as short_body
from articles a join crawls c on c.id = a.first_seen_crawl
group by a.first_seen_crawl, a.source
order by a.first_seen_crawl, a.source
"""


@dataclass
class SourceHealth:
    """One source in one crawl: new articles, shares of poor extractions, failures."""

    crawl: int
    started: str
    source: str
    new: int
    no_date: float
    no_author: float
    short_body: float
    failures: int

    def to_dict(self) -> dict[str, Any]:
        """Return the row as a JSON-ready dict."""
        return asdict(self)


def _crawled_sources(archive: Archive) -> dict[int, tuple[str, list[str], dict[str, int]]]:
    """Per crawl: its start, the sources it covered and their failed fetches.

    A crawl records its failures per source as ``<source>/failed`` in its stats.
    """
    crawls = {}
    for crawl, started, sources, stats in archive.db.execute(
        "select id, started, sources, stats from crawls order by id"
    ).fetchall():
        failed = {
            key[: -len("/failed")]: int(value)
            for key, value in json.loads(stats or "{}").items()
            if key.endswith("/failed") and key.count("/") == 1
        }
        crawls[crawl] = (started or "", json.loads(sources or "[]"), failed)
    return crawls


def source_health(archive: Archive) -> list[SourceHealth]:
    """Per crawl and source, the health figures of the new articles, oldest crawl first.

    Every source a crawl covered has a row, also one that brought no new article (a dead
    site shows its failed fetches); its shares are then 0.
    """
    crawls = _crawled_sources(archive)
    found = {
        (crawl, source or ""): (new, no_date, no_author, short)
        for crawl, _, source, new, no_date, no_author, short in archive.db.execute(HEALTH_SQL)
    }
    keys = set(found) | {
        (crawl, source) for crawl, (_, sources, failed) in crawls.items()
        for source in [*sources, *failed]
    }
    rows = []
    for crawl, source in sorted(keys):
        new, no_date, no_author, short = found.get((crawl, source), (0, 0, 0, 0))
        started, _, failed = crawls.get(crawl, ("", [], {}))
        rows.append(
            SourceHealth(
                crawl=crawl,
                started=started,
                source=source,
                new=new,
                no_date=no_date / new if new else 0.0,
                no_author=no_author / new if new else 0.0,
                short_body=short / new if new else 0.0,
                failures=failed.get(source, 0),
            )
        )
    return rows


def alarms(rows: list[SourceHealth], crawl: int | None = None) -> list[str]:
    """Messages for sources whose shares in ``crawl`` (default: their latest) jumped.

    A share counts as a jump when it is at least ``JUMP`` above the source's mean over
    its earlier crawls; crawls with fewer than ``MIN_NEW`` new articles are ignored.
    """
    messages = []
    for source in sorted({r.source for r in rows}):
        history = [r for r in rows if r.source == source and r.new >= MIN_NEW]
        if crawl is not None:
            history = [r for r in history if r.crawl <= crawl]
        if len(history) < 2 or (crawl is not None and history[-1].crawl != crawl):
            continue
        *earlier, latest = history
        for metric, label in METRICS.items():
            before = sum(getattr(r, metric) for r in earlier) / len(earlier)
            now = getattr(latest, metric)
            if now - before >= JUMP:
                messages.append(
                    f"{source}: articles {label} rose from {before:.0%} to {now:.0%} "
                    f"in crawl {latest.crawl} (did the site change its pages?)"
                )
    return messages
