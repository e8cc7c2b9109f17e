"""Tests for indexer.render: the reference Markdown layout, plain text and JSON."""

from __future__ import annotations

import json
import re

import pytest

from indexer.article import Article
from indexer.render import byline, display_date, to_json, to_markdown, to_text
from tests.conftest import REFERENCE_DIR, need_shared

REFERENCE_URL = (
    "http://127.0.0.1:8000/2022/10/27/kremlin-claims-ukraine-exited-peace-talks-on-us-orders-a79213"
)
LINK_TARGET_RE = re.compile(r"\]\([^)]*\)")


def without_link_targets(markdown: str) -> str:
    """Replace every Markdown link target by "#", so that only link texts are compared."""
    return LINK_TARGET_RE.sub("](#)", markdown)


def sample(**changes) -> Article:
    """A small article with every rendered field filled."""
    fields = {
        "url": "https://example.org/a",
        "title": "Tram network grows",
        "canonical_url": "https://www.example.org/a",
        "fetched_url": "https://example.org/a?x=1",
        "published": "2024-02-03T08:15:00+01:00",
        "authors": ["Jane Doe", "John Smith", "Ann Lee"],
        "image_credit": "Example Photo",
        "image_credit_url": "https://photo.example",
        "markdown": "First *paragraph*.\n\nSecond [link](https://x.example).",
        "text": "First paragraph.\nSecond link.",
    }
    return Article(**{**fields, **changes})


def test_reference_page_renders_as_the_reference_file():
    from crawler.extract import extract_article

    pages = sorted(need_shared(REFERENCE_DIR / "site").glob("*.html"))
    assert pages, f"no reference page in {REFERENCE_DIR / 'site'}"
    article = extract_article(pages[0].read_bytes(), REFERENCE_URL)
    assert article is not None
    expected = need_shared(REFERENCE_DIR / "000_73e57eb49fa2454d.txt").read_text(encoding="utf-8")
    assert without_link_targets(to_markdown(article)) == without_link_targets(expected)


def test_markdown_layout():
    assert to_markdown(sample()) == (
        "\n\n# Tram network grows\n\nFebruary 3, 2024\n\nBy Jane Doe, John Smith and Ann Lee\n\n"
        "[Example Photo](https://photo.example)\n\n"
        "First *paragraph*.\n\nSecond [link](https://x.example).\n\n"
        "Original url:\n\n<https://www.example.org/a>"
    )


def test_kicker_goes_above_the_headline():
    assert to_markdown(sample(kicker="Tunesien")).startswith(
        "\n\n*Tunesien*\n\n# Tram network grows\n\nFebruary 3, 2024\n\n"
    )
    assert to_text(sample(kicker="Tunesien")).startswith("Tunesien\n\nTram network grows\n\n")


def test_markdown_keeps_empty_slots():
    rendered = to_markdown(
        sample(published=None, authors=[], image_credit=None, canonical_url=None)
    )
    assert rendered.startswith("\n\n# Tram network grows\n\n\n\n\n\n\n\nFirst *paragraph*.")
    assert rendered.endswith("Original url:\n\n<https://example.org/a?x=1>")


def test_image_credit_without_link_is_plain_text():
    rendered = to_markdown(sample(image_credit_url=None))
    assert "\n\nExample Photo\n\n" in rendered


@pytest.mark.parametrize(
    ("authors", "expected"),
    [([], ""), (["A"], "By A"), (["A", "B"], "By A and B"), (["A", "B", "C"], "By A, B and C")],
)
def test_byline(authors, expected):
    assert byline(authors) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-10-27T15:29:00+03:00", "October 27, 2022"),
        ("2021-03-04", "March 4, 2021"),
        (None, ""),
        ("yesterday", ""),
        ("2021-02-30", ""),
    ],
)
def test_display_date(value, expected):
    assert display_date(value) == expected


def test_text_rendering():
    text = to_text(sample())
    assert text == (
        "Tram network grows\n\nFebruary 3, 2024\n\nBy Jane Doe, John Smith and Ann Lee\n\n"
        "First paragraph.\nSecond link.\n\nhttps://www.example.org/a\n"
    )
    assert "*" not in text


def test_json_has_every_field():
    article = sample(title="Straßenbahn wächst")
    data = json.loads(to_json(article))
    assert data == article.to_dict()
    assert "Straßenbahn" in to_json(article)
    assert Article.from_dict(data) == article
