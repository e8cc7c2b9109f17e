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


def _failures(archive: Archive) -> dict[tuple[int, str], int]:
    """Failed fetches per (crawl, source), from each crawl's recorded stats."""
    counts: dict[tuple[int, str], int] = {}
    for crawl in archive.db.execute("select id, stats from crawls").fetchall():
        stats = json.loads(crawl[1] or "{}")
        for key, value in stats.items():
            parts = key.split("/")
            if len(parts) == 3 and parts[0] == "source" and parts[2] == "failed":
                counts[(crawl[0], parts[1])] = int(value)
    return counts


def source_health(archive: Archive) -> list[SourceHealth]:
    """Per crawl and source, the health figures of the new articles, oldest crawl first."""
    failures = _failures(archive)
    rows = []
    for crawl, started, source, new, no_date, no_author, short in archive.db.execute(HEALTH_SQL):
        rows.append(
            SourceHealth(
                crawl=crawl,
                started=started or "",
                source=source or "",
                new=new,
                no_date=no_date / new,
                no_author=no_author / new,
                short_body=short / new,
                failures=failures.pop((crawl, source), 0),
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
