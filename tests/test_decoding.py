"""One decoder (issue 18, fault 7; issue 21, fault 11): the crawl, ``reextract``,
``import-warc`` and ``extract_article(bytes, url)`` read page bytes alike, as browsers do."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.extraction.article import extract_article
from crawler.extraction.html_input import decode_html, header_charset, to_unicode
from crawler.processes.workers import process_page
from tests.conftest import SHARED, need_shared

MAX = 10_000_000
SENTENCE = "The council met on Monday and agreed the budget for the coming year after a debate. "


def _corpus_pages() -> list[Path]:
    return [
        page
        for name in ("corpus", "corpus-news", "corpus-dates")
        for page in sorted((need_shared(SHARED / name) / "pages").iterdir())
    ]


def _body(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


@pytest.mark.slow  # every corpus page: a few seconds
def test_crawl_and_library_decode_every_corpus_page_alike() -> None:
    pages = _corpus_pages()
    assert len(pages) > 850
    worse = []
    for path in pages:
        body = _body(path)
        # as the replay serves it, and the spider hands it to the extraction worker
        response = HtmlResponse("https://example.org/a", body=body,
                                headers={"Content-Type": "text/html"})
        crawl = to_unicode(body, MAX, header_charset(response.headers.get("Content-Type")))
        assert crawl == to_unicode(body, MAX), path.name
        literal = body.count("\ufffd".encode())  # U+FFFD written in the page itself
        if crawl.count("\ufffd") - literal > response.text.count("\ufffd"):
            worse.append(path.name)
    # where Scrapy's own decoding differs, it read valid UTF-8 as the declared legacy charset
    assert worse == []


def _page(text: str, head: str = "") -> str:
    return (f"<html><head>{head}<title>Grüße aus Köln</title></head><body><article>"
            f"<h1>Grüße aus Köln</h1><p>{text}</p></article></body></html>")


@pytest.mark.parametrize("charset_header", [None, "text/html; charset=windows-1250"])
def test_mostly_ascii_cp1250_page_keeps_its_umlauts(charset_header: str | None) -> None:
    body = _page(SENTENCE * 40 + "Die Brücke bleibt gesperrt.").encode("cp1250")
    assert len(body) > 1000 * 3  # one broken UTF-8 sequence in more than a thousand bytes
    charset = header_charset(charset_header)
    article = extract_article(body, "https://example.org/news/koeln-bruecke-bleibt-zu")
    crawled = process_page(body, charset, "https://example.org/news/koeln-bruecke-bleibt-zu",
                           False).article
    assert article is not None
    assert crawled is not None
    assert "Brücke" in article.text
    assert "\ufffd" not in article.text
    assert crawled.text == article.text


def test_gb2312_is_read_as_gb18030() -> None:
    text = "市政府周一公布了新的预算。" * 40 + "𠀀"  # the last one exists in GB18030 only
    body = _page(text, '<meta charset="gb2312">').replace("Grüße aus Köln", "预算").encode(
        "gb18030")
    assert decode_html(body).count("𠀀") == 1
    assert "\ufffd" not in decode_html(body)


@pytest.mark.parametrize("meta", ['<meta charset="utf-16">',
                                  '<meta http-equiv="Content-Type" content="text/html; '
                                  'charset=UTF-16LE">'])
def test_utf8_page_declaring_utf16_is_read_as_utf8(meta: str) -> None:
    body = _page(SENTENCE * 10, meta).encode("utf-8")
    assert "Grüße aus Köln" in decode_html(body)
    assert "Grüße aus Köln" in decode_html(body, header_charset("text/html; charset=utf-16"))
    article = extract_article(body, "https://example.org/news/koeln-bruecke-bleibt-zu")
    assert article is not None
    assert article.title == "Grüße aus Köln"
