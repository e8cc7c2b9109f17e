"""Render an Article as Markdown (the archive's reference layout), plain text or JSON."""

from __future__ import annotations

import json
import re
from datetime import date

from indexer.article import Article

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ISO_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def display_date(value: str | None) -> str:
    """Format the day of an ISO 8601 date as "October 27, 2022"; empty when absent or invalid."""
    match = ISO_DAY_RE.match(value or "")
    if not match:
        return ""
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return ""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def byline(authors: list[str]) -> str:
    """Join author names as "By A, B and C"; empty when there are none."""
    if not authors:
        return ""
    names = authors[0] if len(authors) == 1 else f"{', '.join(authors[:-1])} and {authors[-1]}"
    return f"By {names}"


def image_credit_line(article: Article) -> str:
    """Return the lead image credit as a Markdown link when it has one, else its text."""
    if not article.image_credit:
        return ""
    if article.image_credit_url:
        return f"[{article.image_credit}]({article.image_credit_url})"
    return article.image_credit


def to_markdown(article: Article) -> str:
    """Render the reference layout: (kicker), title, date, byline, image credit, body, URL."""
    blocks = [
        *([f"*{article.kicker}*"] if article.kicker else []),
        f"# {article.title}",
        display_date(article.published),
        byline(article.authors),
        image_credit_line(article),
        article.markdown or article.text,
        "Original url:",
        f"<{article.original_url}>",
    ]
    return "\n\n" + "\n\n".join(blocks)


def to_text(article: Article) -> str:
    """Render plain text: kicker, title, date, byline, text and original URL, one block each."""
    blocks = [
        article.kicker,
        article.title,
        display_date(article.published),
        byline(article.authors),
        article.text,
        article.original_url,
    ]
    return "\n\n".join(block for block in blocks if block) + "\n"


def to_json(article: Article) -> str:
    """Render every field as indented JSON, non-ASCII kept as is."""
    return json.dumps(article.to_dict(), indent=2, ensure_ascii=False)
