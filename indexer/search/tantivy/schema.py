"""The tantivy index's fields and the document of an article.

Text fields (``title``, ``body``, and ``spell``: the unstemmed words of titles and
descriptions, for "did you mean") take our terms as they are (tantivy's
``PreTokenizedString``): the words of :class:`indexer.search.terms.TextAnalysis`, at the
positions Whoosh gives them (stop words take none), so phrases match as in Whoosh.
``title_grams`` and ``body_grams`` hold the pairs of adjacent common words of each
(:mod:`indexer.search.tantivy.grams`).
Keys (``author``, ``agency``, ``source``, ``tag``, ``lang``, ``section``) are whole terms.
``published`` (``yyyymmdd``, 0 when unknown) is indexed for date ranges and a fast
field for sorting newest first; ``oldest`` (the same, undated last) for oldest first.
Facets read fast fields: ``source``, ``lang``, ``tag``, ``authors`` and ``agencies``
(display names), and ``published`` for years and months.

Only the article's id is stored (its 8 bytes after a NUL), as ``hit``: what a hit shows
(:class:`indexer.search.engine.Match`) is read from the store
(:mod:`indexer.search.hit_fields`). Documents indexed by earlier versions keep
it all in ``hit`` (:data:`HIT_FIELDS` after the id), read as it is: 220 B per article
of the index (bench articles) that the store already holds.
"""

from __future__ import annotations

import json
from typing import Any

from tantivy import Document, PreTokenizedString, Schema, SchemaBuilder, Token

from indexer.article import ARTICLE_ID, Article
from indexer.search.tantivy.grams import grams_field, pairs
from indexer.search.terms import (
    WORD_PATTERN,
    date_key,
    display_names,
    fold,
    lang_key,
    name_keys,
    word_form,
)

# The version of the index written (its documents store only the id: an older tool
# refuses the index, "outdated schema: rebuild it"), and those read: 1, documents that
# keep what a hit shows too (or a mix, written into such an index before it was marked 2)
SCHEMA_VERSION = 2
READ_VERSIONS = frozenset({1, 2})
TEXT_FIELDS = ("title", "body")
KEY_FIELDS = ("author", "agency", "source", "tag", "lang", "section")
FACET_FIELDS = ("source", "lang", "tag", "authors", "agencies")
UNDATED_LAST = 99_999_999  # ``oldest`` of an undated article
# What documents indexed by earlier versions store after the id, in order
HIT_FIELDS = ("url", "title", "published_iso", "source", "authors", "agencies", "lead")


def build_schema() -> Schema:
    """Return the index schema (see the module docstring)."""
    builder = SchemaBuilder()
    builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, index_option="position")
    builder.add_text_field("spell", index_option="basic")
    for name in KEY_FIELDS:
        builder.add_text_field(
            name, fast=name in FACET_FIELDS, tokenizer_name="raw", index_option="basic"
        )
    for name in ("authors", "agencies"):
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("published", indexed=True, fast=True)
    builder.add_unsigned_field("oldest", fast=True)
    builder.add_bytes_field("hit", stored=True)
    for name in TEXT_FIELDS:  # (last: an index made before them has the same field ids)
        builder.add_text_field(grams_field(name), index_option="freq")
    return builder.build()


SCHEMA = build_schema()


def _words(text: str, *, stemmed: bool) -> list[tuple[str, int]]:
    """Return the text's words as index terms with Whoosh's positions: stop words take
    no position, and the first kept word is at its raw position."""
    words: list[tuple[str, int]] = []
    pos: int | None = None
    for raw_pos, raw in enumerate(WORD_PATTERN.findall(text)):
        form = word_form(raw) if stemmed else fold(raw)
        if not form:
            continue
        pos = raw_pos if pos is None else pos + 1
        words.append((form, pos))
    return words


def _add_words(doc: Document, name: str, words: list[tuple[str, int]]) -> None:
    tokens = [Token(form, pos, 0, 0) for form, pos in words]
    doc.add_pre_tokenized_text(name, PreTokenizedString("", tokens))


def text_fields(article: Article) -> dict[str, str]:
    """Return the text of each of :data:`TEXT_FIELDS` of an article."""
    return {"title": article.title or "", "body": article.text or article.description or ""}


def article_document(article: Article, common: frozenset[str] = frozenset()) -> Document:
    """Return the tantivy document of an article, with the pairs of its ``common`` words
    (see :mod:`indexer.search.tantivy.grams`)."""
    doc = Document()
    doc.add_text("id", article.id)
    texts = text_fields(article)
    for name, text in texts.items():
        words = _words(text, stemmed=True)
        _add_words(doc, name, words)
        if common and (found := pairs([form for form, _ in words], common)):
            _add_words(doc, grams_field(name), [(term, 0) for term in found])
    title = texts["title"]
    spell = f"{title}\n{article.description or ''}"
    _add_words(doc, "spell", _words(spell, stemmed=False))
    authors, agencies = display_names(article.authors), display_names(article.agencies)
    keys: dict[str, list[str]] = {
        "author": name_keys(article.authors, last_names=True),
        "agency": name_keys(article.agencies),
        "source": [article.source.strip().lower()] if article.source.strip() else [],
        "tag": name_keys(article.tags),
        "lang": [key] if (key := lang_key(article.language)) else [],
        "section": name_keys([article.section or ""]),
        "authors": list(dict.fromkeys(authors)),
        "agencies": list(dict.fromkeys(agencies)),
    }
    for name, values in keys.items():
        for value in values:
            doc.add_text(name, value)
    published = date_key(article.published)
    doc.add_unsigned("published", published)
    doc.add_unsigned("oldest", published or UNDATED_LAST)
    doc.add_bytes("hit", _stored_id(article.id))
    return doc


_RAW_ID = b"\x00"  # what no JSON starts with


def _stored_id(article_id: str) -> bytes:
    """An article id as ``hit`` keeps it: a NUL byte, then the 8 bytes of its 16 hex
    digits (any other id as a one-item JSON list)."""
    if ARTICLE_ID.fullmatch(article_id):
        return _RAW_ID + bytes.fromhex(article_id)
    return json.dumps([article_id]).encode()


def stored_fields(doc: Document) -> dict[str, Any]:
    """Return a document's stored fields as a :class:`~indexer.search.engine.Match` has
    them (empty values left out, as Whoosh leaves them out): its id only, but in
    documents indexed by earlier versions (see the module docstring)."""
    stored = doc.get_first("hit") or b"[]"
    if stored.startswith(_RAW_ID):
        return {"id": stored[1:].hex()}
    article_id, *values = json.loads(stored)
    fields = {"id": article_id}
    if values:
        fields.update((k, v) for k, v in zip(HIT_FIELDS, values, strict=True)
                      if v not in ("", None))
    return fields
