"""What travels through Redis, as JSON: requests, and the workers' messages to the ingester.

Nothing read from Redis is unpickled: a shared or compromised Redis must not be able to
run code on the machines. Requests are Scrapy's ``Request.to_dict`` with bytes tagged
(``{"$b": BASE64}``), and are checked when read: their callbacks must be public methods
of the spider, their class Scrapy's own ``Request``. Messages are zlib-compressed JSON
objects with a ``kind``. Whatever does not pass raises :class:`BadMessage`; the reader
logs it, moves it to a dead-letter list and goes on.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import asdict, dataclass, fields
from typing import Any

from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict

from crawler.items import ArticleItem, FailureItem
from crawler.warc.writer import Exchange
from indexer.article import Article

MAX_MESSAGE = 256 * 1024 * 1024  # decompressed bytes: a zlib bomb stops here
_BYTES = "$b"
EXCHANGE = "exchange:"
_REQUEST_CLASSES = frozenset({"scrapy.http.request.Request", "scrapy.Request"})
_ARTICLE_TYPES = {f.name: str(f.type) for f in fields(Article)}


class BadMessage(ValueError):
    """A request or message read from Redis that is not one of ours."""


@dataclass(frozen=True)
class Exchanged:
    """A response and its request, fetched by a worker, for the ingester's WARC files."""

    id: str  # articles of this response name it as their WARC location: exchange:ID
    exchange: Exchange

    @property
    def location(self) -> str:
        """What a worker puts in ``request.meta["warc"]`` until the ingester writes it."""
        return f"{EXCHANGE}{self.id}"


def exchange_id(warc: str | None) -> str | None:
    """The exchange an article's WARC location names (``exchange:ID``), if it names one."""
    return warc.removeprefix(EXCHANGE) if warc and warc.startswith(EXCHANGE) else None


# --- JSON with bytes ---


def _tag(value: Any) -> Any:
    """``value`` with bytes tagged and tuples as lists, for JSON."""
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {str(k if not isinstance(k, bytes) else k.decode("latin-1")): _tag(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tag(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} through Redis: {value!r}")


def _untag(value: Any) -> Any:
    """Undo :func:`_tag` (bytes back from their tags)."""
    if isinstance(value, dict):
        if set(value) == {_BYTES}:
            try:
                return base64.b64decode(value[_BYTES], validate=True)
            except (binascii.Error, TypeError) as exc:
                raise BadMessage(f"bad bytes: {exc}") from exc
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def dumps(obj: Any) -> bytes:
    """Serialise ``obj`` (dicts, lists, text, numbers, bytes) as tagged JSON."""
    return json.dumps(_tag(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """Read tagged JSON written by :func:`dumps`; BadMessage if it is not."""
    try:
        return _untag(json.loads(data))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadMessage(f"not JSON: {exc}") from exc


# --- Requests ---


def encode_request(request: Request, spider: Spider) -> bytes:
    """Serialise a request for the shared queue."""
    return dumps(request.to_dict(spider=spider))


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise BadMessage(what)


def decode_request(data: bytes | str, spider: Spider) -> Request:
    """Rebuild a queued request, checking every field; BadMessage if it is not one."""
    d = loads(data)
    _check(isinstance(d, dict), "a request is a JSON object")
    _check(d.pop("_class", "scrapy.Request") in _REQUEST_CLASSES, "not a plain Request")
    _check(isinstance(d.get("url"), str), "no URL")
    _check(isinstance(d.get("method", "GET"), str), "bad method")
    for name in ("callback", "errback"):
        method = d.get(name)
        if method is None:
            continue
        _check(
            isinstance(method, str) and method.isidentifier() and not method.startswith("_")
            and callable(getattr(spider, method, None)),
            f"{name} {method!r} is not a method of the spider",
        )
    headers = d.get("headers", {})
    _check(isinstance(headers, dict) and all(
        isinstance(v, list) and all(isinstance(x, bytes) for x in v) for v in headers.values()
    ), "bad headers")
    _check(isinstance(d.get("body", b""), bytes), "bad body")
    for name in ("meta", "cb_kwargs", "cookies"):
        _check(isinstance(d.get(name) or {}, (dict, list)), f"bad {name}")
    _check(isinstance(d.get("priority", 0), int), "bad priority")
    try:
        return request_from_dict(d, spider=spider)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise BadMessage(f"not a request: {exc}") from exc


# --- Messages from workers to the ingester ---


def _compress(payload: dict[str, Any]) -> bytes:
    return zlib.compress(dumps(payload))


def _decompress(message: bytes) -> dict[str, Any]:
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(message, MAX_MESSAGE)
    except zlib.error as exc:
        raise BadMessage(f"not compressed: {exc}") from exc
    _check(not inflater.unconsumed_tail, "too large")
    payload = loads(data)
    _check(isinstance(payload, dict), "a message is a JSON object")
    return payload


def encode_item(item: ArticleItem | FailureItem | Exchanged) -> bytes:
    """Serialise an article (with its raw page), a failure or an exchange for the ingester."""
    if isinstance(item, Exchanged):
        return _compress({"kind": "exchange", "id": item.id, **asdict(item.exchange)})
    if isinstance(item, ArticleItem):
        return _compress({
            "kind": "article",
            "article": item.article.to_dict(),
            "raw": item.raw,
            "warc": item.warc,
            "reached_by": item.reached_by,
        })
    return _compress({
        "kind": "failure",
        "url": item.url,
        "source": item.source,
        "error": item.error,
        "status": item.status,
    })


def _article(data: Any) -> Article:
    """An Article from a message's dict, each field of the type it declares."""
    _check(isinstance(data, dict), "bad article")
    for name, value in data.items():
        declared = _ARTICLE_TYPES.get(name)
        if declared is None or (value is None and "None" in declared):
            continue
        kind = {"str": str, "int": int, "list": list}[declared.split("[")[0].split(" ")[0]]
        _check(isinstance(value, kind) and not isinstance(value, bool), f"bad article {name}")
        _check(kind is not list or all(isinstance(x, str) for x in value), f"bad article {name}")
    _check(isinstance(data.get("url"), str) and bool(data["url"]), "article without URL")
    return Article.from_dict(data)


def _strings(value: Any, what: str) -> list[str]:
    _check(isinstance(value, list) and all(isinstance(x, str) for x in value), f"bad {what}")
    return list(value)


def _pairs(value: Any, what: str) -> list[tuple[str, str]]:
    _check(isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value
    ), f"bad {what}")
    return [(name, text) for name, text in value]


def _exchange(payload: dict[str, Any]) -> Exchanged:
    """An exchange from a message's dict, each field checked."""
    texts = ("id", "url", "protocol", "request_line", "date")
    for name in texts:
        _check(isinstance(payload.get(name), str), f"bad exchange {name}")
    _check(isinstance(payload.get("status"), int), "bad exchange status")
    _check(all(isinstance(payload.get(n), bytes) for n in ("body", "request_body")), "bad body")
    ip_address = payload.get("ip_address")
    _check(ip_address is None or isinstance(ip_address, str), "bad exchange ip_address")
    exchange = Exchange(
        url=payload["url"], status=payload["status"], protocol=payload["protocol"],
        headers=_pairs(payload.get("headers"), "headers"), body=payload["body"],
        request_line=payload["request_line"],
        request_headers=_pairs(payload.get("request_headers"), "request headers"),
        request_body=payload["request_body"], ip_address=ip_address, date=payload["date"],
    )
    return Exchanged(payload["id"], exchange)


def decode_item(message: bytes) -> ArticleItem | FailureItem | Exchanged:
    """Read a message written by :func:`encode_item`; BadMessage if it is not one."""
    payload = _decompress(message)
    kind = payload.get("kind")
    if kind == "exchange":
        return _exchange(payload)
    if kind == "article":
        raw, warc = payload.get("raw"), payload.get("warc")
        if not isinstance(raw, bytes):
            raise BadMessage("bad raw page")
        _check(warc is None or isinstance(warc, str), "bad WARC location")
        return ArticleItem(
            article=_article(payload.get("article")),
            raw=raw,
            warc=warc,
            reached_by=_strings(payload.get("reached_by", []), "reached_by"),
        )
    if kind == "failure":
        status = payload.get("status")
        _check(status is None or isinstance(status, int), "bad status")
        for name in ("url", "source", "error"):
            _check(isinstance(payload.get(name), str), f"bad {name}")
        return FailureItem(
            url=payload["url"], source=payload["source"], error=payload["error"], status=status
        )
    raise BadMessage(f"unknown message kind {kind!r}")
