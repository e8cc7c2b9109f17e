"""Tests for crawler.extract: the reference page, encodings, limits and rejections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract import ExtractOptions, extract_article, extract_with_reason
from indexer.urls import normalize_url
from tests.conftest import REFERENCE_DIR, need_shared

REFERENCE_PAGE = (
    REFERENCE_DIR
    / "site"
    / "kremlin-claims-ukraine-exited-peace-talks-on-us-orders-a79213.html"
)
REFERENCE_URL = (
    "http://127.0.0.1:8000/2022/10/27/kremlin-claims-ukraine-exited-peace-talks-on-us-orders-a79213"
)
CANONICAL = "https://www.themoscowtimes.com/2022/10/27/kremlin-claims-ukraine-exited-peace-talks-on-us-orders-a79213"

PARAGRAPH = (
    "The city council voted on Tuesday to expand the tram network by twelve kilometres, "
    "a project that officials say will take four years and cost about 300 million euros."
)


def page(body: str, head: str = "", charset: str = "utf-8") -> str:
    """Build a small article page around ``body``."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}</head>'
        f"<body><nav><a href='/'>Home</a></nav><article>{body}</article>"
        "<footer>© Example</footer></body></html>"
    )


def paragraphs(text: str = PARAGRAPH, count: int = 4) -> str:
    """Return ``count`` distinct paragraphs of ``text``."""
    return "".join(f"<p>{text} Paragraph {i}.</p>" for i in range(count))


@pytest.fixture(scope="module")
def reference_article():
    """The reference page extracted as a crawler would, fetched from the demo host."""
    article = extract_article(need_shared(REFERENCE_PAGE).read_bytes(), REFERENCE_URL)
    assert article is not None
    return article


def test_reference_metadata(reference_article):
    assert reference_article.title == "Kremlin Claims Ukraine Exited Peace Talks on U.S. Orders"
    assert reference_article.published.startswith("2022-10-27")
    assert reference_article.published == "2022-10-27T15:29:00+03:00"
    assert reference_article.published_source == "json-ld"
    assert reference_article.modified == "2022-10-27T15:31:00+03:00"
    assert reference_article.canonical_url == CANONICAL
    assert reference_article.fetched_url == REFERENCE_URL
    assert reference_article.site_name == "The Moscow Times"
    assert reference_article.language == "en"
    assert reference_article.section == "News"
    assert reference_article.tags[:2] == ["Ukraine war", "Peace talks"]


def test_reference_credits(reference_article):
    assert reference_article.agencies == ["AFP"]
    assert reference_article.credit == "AFP contributed reporting."
    assert reference_article.authors == []
    assert reference_article.image_credit == "kremlin.ru"
    assert reference_article.image_credit_url == "https://kremlin.ru"
    assert reference_article.image.endswith("79213_8c1e3f.jpg")


def test_reference_body(reference_article):
    markdown = reference_article.markdown
    assert markdown.startswith("The Kremlin blamed the United States")
    assert "**Related article:** [Putin Rejected Early Ukraine Peace Deal" in markdown
    assert markdown.endswith("*AFP contributed reporting.*")
    assert "Mr. President [Putin] said" in markdown
    assert "Support us" not in markdown
    assert "Most read" not in markdown
    assert "**" not in reference_article.text
    assert "](" not in reference_article.text
    assert reference_article.word_count == len(reference_article.text.split())


def test_identity_is_fetched_url_when_canonical_on_another_host(reference_article):
    assert reference_article.url == normalize_url(REFERENCE_URL)


def test_identity_is_canonical_on_same_site():
    head = '<link rel="canonical" href="https://www.example.org/news/tram?utm_source=x">'
    article = extract_article(page(paragraphs(), head), "https://example.org/news/tram?page=1")
    assert article is not None
    assert article.canonical_url == "https://www.example.org/news/tram?utm_source=x"
    assert article.url == normalize_url("https://www.example.org/news/tram")


def test_windows_1251_bytes_are_decoded():
    text = "Городской совет во вторник проголосовал за расширение трамвайной сети."
    html = page(f"<h1>Трамвай</h1>{paragraphs(text)}", charset="windows-1251").encode("cp1251")
    article = extract_article(html, "https://example.ru/news/tram")
    assert article is not None
    assert text in article.text
    assert article.language == "ru"


def test_undeclared_utf8_with_bom_is_decoded():
    text = "Der Stadtrat hat am Dienstag beschlossen, das Straßenbahnnetz zu erweitern."
    html = "\ufeff" + page(paragraphs(text)).replace('<meta charset="utf-8">', "")
    article = extract_article(html.encode("utf-8"), "https://example.de/tram")
    assert article is not None
    assert text in article.text
    assert article.language == "de"


def test_nul_bytes_are_removed():
    html = page(paragraphs(PARAGRAPH.replace("tram", "tr\x00am"))).encode("utf-8")
    article = extract_article(html, "https://example.org/tram")
    assert article is not None
    for value in (article.text, article.markdown, article.title):
        assert "\x00" not in value
        value.encode("utf-8")
    assert "tram network" in article.text


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (b"", "empty input"),
        ("", "empty input"),
        (b"%PDF-1.4 binary stuff", "not HTML"),
        (page("<p>Too short to be an article.</p>"), "too short"),
        ("<html><head><title>Empty</title></head><body></body></html>", "no main text"),
    ],
)
def test_non_articles_are_rejected_with_a_reason(html, reason):
    article, why = extract_with_reason(html, "https://example.org/x")
    assert article is None
    assert reason in why


def test_min_text_chars_is_an_option():
    html = page("<p>" + PARAGRAPH + "</p>")
    assert extract_with_reason(html, "https://example.org/x")[0] is None
    article, reason = extract_with_reason(
        html, "https://example.org/x", ExtractOptions(min_text_chars=50)
    )
    assert reason is None
    assert article is not None


def test_oversized_input_is_refused():
    html = page(paragraphs(count=50))
    article, reason = extract_with_reason(
        html, "https://example.org/x", ExtractOptions(max_html_bytes=5_000)
    )
    assert article is None
    assert reason.startswith("too large")
    assert extract_article(html, "https://example.org/x") is not None


def test_page_without_metadata_takes_date_from_url():
    html = page(f"<h1>Tram network grows</h1>{paragraphs()}")
    article = extract_article(html, "https://example.org/2021/03/04/tram-network-grows")
    assert article is not None
    assert article.published == "2021-03-04"
    assert article.published_source == "url"
    assert article.modified is None
    assert article.canonical_url is None
    assert article.url == normalize_url("https://example.org/2021/03/04/tram-network-grows")
    assert article.authors == []
    assert article.agencies == []
    assert article.credit == ""
    assert article.title == "Tram network grows"


def test_future_dates_are_ignored():
    head = '<meta property="article:published_time" content="2030-01-01T10:00:00+01:00">'
    now = datetime(2025, 6, 1, tzinfo=UTC)
    article = extract_article(
        page(paragraphs(), head), "https://example.org/2025/05/30/x", ExtractOptions(now=now)
    )
    assert article is not None
    assert article.published == "2025-05-30"
    assert article.published_source == "url"


def test_meta_date_keeps_time_and_zone():
    head = '<meta property="article:published_time" content="2024-02-03T08:15:00Z">'
    article = extract_article(page(paragraphs(), head), "https://example.org/x")
    assert article is not None
    assert article.published == "2024-02-03T08:15:00+00:00"
    assert article.published_source == "meta"


def test_title_loses_site_name_and_byline_is_cleaned():
    head = (
        "<title>Tram network grows | Example Times</title>"
        '<meta property="og:site_name" content="Example Times">'
    )
    body = '<p class="byline">By Jane Doe and John Smith, Staff Writers</p>' + paragraphs()
    article = extract_article(page(body, head), "https://example.org/x")
    assert article is not None
    assert article.title == "Tram network grows"
    assert article.authors == ["Jane Doe", "John Smith"]


def test_wire_byline_goes_to_agencies():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tram",'
        ' "author": [{"@type": "Person", "name": "Jane Doe"},'
        ' {"@type": "Organization", "name": "Associated Press"}]}</script>'
    )
    body = "<p>WASHINGTON (AP) — " + PARAGRAPH + "</p>" + paragraphs()
    article = extract_article(page(body, head), "https://example.org/x")
    assert article is not None
    assert article.authors == ["Jane Doe"]
    assert article.agencies == ["AP"]
    assert article.credit.startswith("WASHINGTON (AP)")


def test_photo_credit_is_not_a_text_credit():
    body = (
        '<figure><img src="/img/tram.jpg"><figcaption>A new tram. Photo: AFP</figcaption></figure>'
        + paragraphs()
    )
    head = '<meta property="og:image" content="https://example.org/img/tram.jpg">'
    article = extract_article(page(body, head), "https://example.org/x")
    assert article is not None
    assert article.agencies == []
    assert article.image_credit == "AFP"


def test_inline_teaser_between_paragraphs_is_kept_trailing_list_is_not():
    teaser = '<p class="related-link"><strong>Read also:</strong> <a href="/y">Bus lanes</a></p>'
    trailing = '<div class="related-stories"><p><a href="/z">Most read: Parking fees</a></p></div>'
    html = page(paragraphs(count=3) + teaser + paragraphs(count=3) + trailing)
    article = extract_article(html, "https://example.org/x")
    assert article is not None
    assert "**Read also:** [Bus lanes](https://example.org/y)" in article.markdown
    assert "Parking fees" not in article.markdown


def test_control_character_references_are_dropped():
    html = page(paragraphs(PARAGRAPH.replace("voted", "voted&#2;&#x1F;")))
    article, reason = extract_with_reason(html, "https://example.org/x")
    assert article is not None, reason
    assert "voted on Tuesday" in article.text
    assert "\x02" not in article.text
    assert "\x1f" not in article.text


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="og:url" content="http://[::1/2024/05/01/story">',
        '<link rel="canonical" href="http://[bad/story">',
    ],
)
def test_malformed_declared_url_is_ignored(head):
    article, reason = extract_with_reason(page(paragraphs(), head), "https://example.org/story")
    assert article is not None, reason
    assert article.canonical_url is None
    assert article.url == normalize_url("https://example.org/story")


def test_link_lists_are_refused_quickly() -> None:
    links = "".join(f'<a href="/p/{i}">item {i}</a> ' for i in range(5_000))
    page = f"<html><body><div><p>{'Some words here. ' * 40}</p>{links}</div></body></html>"
    article, reason = extract_with_reason(page, "http://127.0.0.1:9/links")
    assert article is None
    assert reason == "too many links: 5000 > 4000"


def test_a_menu_laid_out_as_a_table_stays_out_of_the_body() -> None:
    menu = "".join(f'<td><a href="/section/{s}">{s.title()}</a></td>' for s in
                   ("home", "business", "culture", "sport", "weather"))
    html = page(f'<table class="menu"><tr>{menu}</tr></table><h1>Trams</h1>{paragraphs()}')
    article = extract_article(html, "https://news.example.com/2024/05/01/trams")
    assert article is not None
    assert "Business" not in article.text
    assert "Business" not in article.markdown
    assert article.text.startswith("The city council")


def test_a_table_of_data_with_a_few_links_is_kept() -> None:
    rows = "".join(
        f'<tr><td>Line {n}</td><td>{n * 3} km</td><td><a href="/line/{n}">map</a></td></tr>'
        for n in range(1, 5)
    )
    html = page(f"<h1>Trams</h1>{paragraphs(count=2)}<table>{rows}</table>{paragraphs(count=2)}")
    article = extract_article(html, "https://news.example.com/2024/05/01/trams")
    assert article is not None
    assert "12 km" in article.text


def test_the_headline_is_not_repeated_as_the_first_line_of_the_body() -> None:
    html = page(f"<h1>Council votes to expand the tram network</h1>{paragraphs()}")
    article = extract_article(html, "https://news.example.com/2024/05/01/trams")
    assert article is not None
    assert article.title == "Council votes to expand the tram network"
    assert article.text.startswith("The city council")
    assert not article.markdown.lstrip("# ").startswith("Council votes")


def test_a_first_paragraph_that_only_starts_like_the_headline_is_kept() -> None:
    first = "Council votes to expand the tram network, and the opposition walks out."
    html = page(f"<h1>Council votes to expand the tram network</h1><p>{first}</p>{paragraphs()}")
    article = extract_article(html, "https://news.example.com/2024/05/01/trams")
    assert article is not None
    assert article.text.startswith(first)
