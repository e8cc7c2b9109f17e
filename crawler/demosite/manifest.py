"""What the demo site holds, for tests and ``make demo``: expected articles and a sources file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.demosite.content import OUTLETS, stories
from crawler.demosite.site import LAYOUTS

DEPTH = 3
ARTICLE_URLS: dict[str, tuple[str, ...]] = {
    "gazette": (r"/stories/[a-z0-9-]+-\d+$", r"/news/\d{4}-\d{2}-\d{2}/[a-z0-9-]+$"),
}
LISTED_SITEMAPS = ("courier", "gazette")  # ledger's sitemaps are announced in robots.txt only
# Politeness off: the site is ours and on loopback (the demo, tests and benchmarks).
LOOPBACK_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def expected_articles(outlets: dict[str, str],
                      reference_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """Return the ground truth: one record per article page the running site serves."""
    return [
        {
            "url": outlets[s.outlet] + s.path.lstrip("/"),
            "source": s.outlet,
            "title": s.title,
            "authors": list(s.authors),
            "agencies": list(s.agencies),
            "published": s.published.date().isoformat(),
            "language": s.language,
        }
        for s in stories(reference_dir)
    ]


def setting_args(settings: dict[str, Any]) -> list[str]:
    """Return ``settings`` as ``crawl`` command-line options: ``-s KEY=VALUE`` each."""
    return [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]


def _array(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def sources_toml(outlets: dict[str, str]) -> str:
    """Return a TOML sources file with one ``[[source]]`` table per demo outlet."""
    blocks = ["# The demo site's outlets (crawler.demosite); ports change on every start.\n"]
    for name, base in outlets.items():
        layout = LAYOUTS[name]
        sitemaps = [base + layout.sitemap.lstrip("/")] if name in LISTED_SITEMAPS else []
        lines = [
            "[[source]]",
            f"name = {json.dumps(name)}",
            f"# {OUTLETS[name].title}",
            f"url = {json.dumps(base)}",
            f"feeds = {_array([base + layout.feed.lstrip('/')])}",
            f"sitemaps = {_array(sitemaps)}",
            "follow = true",
            f"depth = {DEPTH}",
        ]
        if name in ARTICLE_URLS:
            patterns = ", ".join(f"'{p}'" for p in ARTICLE_URLS[name])
            lines.append(f"article_urls = [{patterns}]")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
