"""What the distributed mode reads from Redis: JSON requests and messages, checked."""

from __future__ import annotations

import zlib

import pytest
from scrapy import Request, Spider

from crawler.distributed.messages import (
    BadMessage,
    decode_item,
    decode_request,
    dumps,
    encode_item,
    encode_request,
)
from crawler.items import ArticleItem, FailureItem
from indexer.article import Article


class _Spider(Spider):
    name = "test"

    def parse_page(self, response: object) -> None:
        """A callback."""

    def on_error(self, failure: object) -> None:
        """An errback."""


def test_a_request_survives_the_round_trip() -> None:
    spider = _Spider()
    request = Request(
        "https://example.org/a",
        callback=spider.parse_page,
        errback=spider.on_error,
        headers={"If-None-Match": '"x"'},
        meta={"identity": "https://example.org/a", "sitemaps_after": ("s1", "s2")},
        cb_kwargs={"source": "ex", "depth": 1},
        body=b"\xff\x00",
        method="POST",
    )
    back = decode_request(encode_request(request, spider), spider)
    assert back.url == request.url
    assert back.callback == spider.parse_page
    assert back.errback == spider.on_error
    assert back.headers[b"If-None-Match"] == b'"x"'
    assert back.meta["sitemaps_after"] == ["s1", "s2"]
    assert back.cb_kwargs == {"source": "ex", "depth": 1}
    assert back.body == b"\xff\x00"
    assert back.method == "POST"


@pytest.mark.parametrize(
    "entry",
    [
        b"\x80\x04garbage",
        b"[1, 2]",
        b'{"url": 3}',
        b'{"url": "https://example.org/", "_class": "os.system"}',
        b'{"url": "https://example.org/", "callback": "__init__"}',
        b'{"url": "https://example.org/", "callback": "no_such_method"}',
        b'{"url": "https://example.org/", "headers": {"A": "b"}}',
        b'{"url": "https://example.org/", "body": {"$b": "not base64!"}}',
    ],
)
def test_a_foreign_queue_entry_is_refused(entry: bytes) -> None:
    with pytest.raises(BadMessage):
        decode_request(entry, _Spider())


def test_articles_and_failures_survive_the_round_trip() -> None:
    item = ArticleItem(
        article=Article(url="https://example.org/a", title="T", authors=["A"], word_count=3),
        raw=b"<html>\xe9</html>",
        warc="crawl-1.warc.gz:12",
        reached_by=["https://example.org/old"],
    )
    back = decode_item(encode_item(item))
    assert isinstance(back, ArticleItem)
    assert (back.article, back.raw, back.warc, back.reached_by) == (
        item.article, item.raw, item.warc, item.reached_by
    )
    failure = FailureItem(url="https://example.org/b", source="ex", error="timeout", status=None)
    assert decode_item(encode_item(failure)) == failure


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "article", "article": {"url": "u"}, "raw": "text, not bytes"},
        {"kind": "article", "article": {"url": "u", "word_count": "many"}, "raw": b""},
        {"kind": "article", "article": {"url": "u", "authors": [1]}, "raw": b""},
        {"kind": "article", "article": {"title": "no url"}, "raw": b""},
        {"kind": "failure", "url": "u", "source": "s", "error": 3},
        {"kind": "exec", "code": "print()"},
    ],
)
def test_a_foreign_message_is_refused(payload: dict[str, object]) -> None:
    with pytest.raises(BadMessage):
        decode_item(zlib.compress(dumps(payload)))


def test_a_decompression_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crawler.distributed.messages.MAX_MESSAGE", 1000)
    with pytest.raises(BadMessage, match="too large"):
        decode_item(zlib.compress(b" " * 100_000))
