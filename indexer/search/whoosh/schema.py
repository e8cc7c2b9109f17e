"""The index's schema and text analysis (the terms a text becomes), and the Whoosh
document of an article; see :mod:`indexer.search.whoosh.index` for the choices."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from indexer.article import Article
from indexer.search.terms import (
    LEAD_CHARS,
    WORD_PATTERN,
    date_key,
    display_names,
    lang_key,
    lead,
    name_keys,
    normalize_key,
)

__all__ = ["LEAD_CHARS", "WORD_PATTERN", "date_key", "lang_key", "normalize_key"]


@contextmanager
def quiet_whoosh_import() -> Iterator[None]:
    """Silence whoosh 2.7.4's SyntaxWarnings (invalid escapes, ``is 0``) while importing it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        yield


with quiet_whoosh_import():
    from whoosh.analysis import (
        CharsetFilter,
        LowercaseFilter,
        RegexTokenizer,
        StemFilter,
        StopFilter,
    )
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
    from whoosh.formats import Positions
    from whoosh.lang import stemmer_for_language
    from whoosh.support.charset import accent_map
    from whoosh.system import pack_uint

INDEX_NAME = "MAIN"
SCHEMA_VERSION = "1"
_VERSION_FIELD = f"schema_v{SCHEMA_VERSION}"

TEXT_ANALYZER = (
    RegexTokenizer()
    | CharsetFilter(accent_map)  # before lowercasing: it maps fullwidth letters to capitals
    | LowercaseFilter()
    | StopFilter(minsize=1)
    | StemFilter(cachesize=50_000)
)
SPELL_ANALYZER = RegexTokenizer() | CharsetFilter(accent_map) | LowercaseFilter()
WORD_CACHE_SIZE = 500_000  # analysed forms of raw words kept per analyzer


class FastText(TEXT):
    """A TEXT field whose :meth:`index` gives Whoosh's postings about 6 times faster.

    Whoosh runs a chain of generators per token. Here the text is split with the
    tokenizer's pattern at once and each distinct raw word is analysed once (then
    cached), which is exact for our analyzers: a RegexTokenizer with the default pattern
    followed by filters that look at one token at a time."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """Yield (term bytes, frequency, weight, encoded postings value) per distinct term."""
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        positions: dict[str, list[int]] = {}
        first, words = analyzed_words(self.analyzer, value)
        for pos, word in enumerate(words, first):
            positions.setdefault(word, []).append(pos)
        fmt = self.format
        boost = fmt.field_boost
        if type(fmt) is not Positions:
            for word, found in positions.items():
                n = len(found)
                yield word.encode("utf-8"), n, n * boost, pack_uint(n)
            return
        single = _ONE_POSITION
        for word, found in positions.items():
            if len(found) == 1:  # most words of a text: Positions.encode, cached
                if (encoded := single.get(found[0])) is None:
                    encoded = fmt.encode(found)
                    if len(single) < ONE_POSITION_CACHE:
                        single[found[0]] = encoded
                yield word.encode("utf-8"), 1, boost, encoded
            else:
                n = len(found)
                yield word.encode("utf-8"), n, n * boost, fmt.encode(found)


ONE_POSITION_CACHE = 100_000
_ONE_POSITION: dict[int, bytes] = {}  # position -> Positions.encode([position])


_word_forms: dict[int, tuple[Any, dict[str, str | None]]] = {}


def analyzed_words(analyzer: Any, text: str) -> tuple[int, list[str]]:
    """Return the indexed words of ``text`` in order, as ``analyzer`` makes them, and the
    position of the first one; see :class:`FastText` for the analyzers this is exact for.

    Whoosh's stop filter numbers the words it keeps from the raw position of the first
    one: ``the economy grows`` gives ``economi`` at 1 and ``grow`` at 2."""
    entry = _word_forms.get(id(analyzer))
    if entry is None or len(entry[1]) > WORD_CACHE_SIZE:
        entry = _word_forms[id(analyzer)] = (analyzer, {})  # keeps the analyzer's id taken
    forms = entry[1]
    raws = WORD_PATTERN.findall(text)
    if new := [raw for raw in dict.fromkeys(raws) if raw not in forms]:
        forms.update(zip(new, _word_forms_of(analyzer, new), strict=True))
    first = next((pos for pos, raw in enumerate(raws) if forms[raw] is not None), 0)
    return first, [form for raw in raws if (form := forms[raw]) is not None]


def _word_forms_of(analyzer: Any, words: list[str]) -> list[str | None]:
    """Return each raw word's indexed form (None for a stop word).

    The filters this knows are applied to the words directly (their own code, a word at
    a time, without a Token and a generator per filter: about twice as fast); with any
    other filter, the analyzer runs over the words, a space apart (one token each)."""
    steps: list[Callable[[str], str | None]] = []
    for item in analyzer.items[1:]:
        kind = type(item)
        if kind is CharsetFilter:
            steps.append(partial(_translate, table=item.charmap))
        elif kind is LowercaseFilter:
            steps.append(str.lower)
        elif kind is StopFilter:
            steps.append(partial(_unless_stopped, stop=item))
        elif kind is StemFilter:
            stem = stemmer_for_language(item.lang) if item.lang else item.stemfn
            steps.append(partial(_stem, stem=stem, ignore=item.ignore))
        else:
            tokens = analyzer(" ".join(words), removestops=False)
            return [None if token.stopped else token.text for token in tokens]
    forms: list[str | None] = []
    for word in words:
        form = word
        for step in steps:
            if (next_form := step(form)) is None:
                forms.append(None)
                break
            form = next_form
        else:
            forms.append(form)
    return forms


def _translate(word: str, table: dict[int, Any]) -> str:
    return word.translate(table)


def _unless_stopped(word: str, stop: Any) -> str | None:
    """StopFilter's test: None for a word it stops."""
    size = len(word)
    if size < stop.min or (stop.max is not None and size > stop.max) or word in stop.stops:
        return None
    return word


def _stem(word: str, stem: Callable[[str], str], ignore: frozenset[str]) -> str:
    return word if word in ignore else stem(word)


def build_schema() -> Schema:
    """Return the index schema (see the module docstring for the choices)."""
    keyword = {"commas": True, "scorable": True}
    return Schema(
        id=ID(unique=True, stored=True),
        url=ID(stored=True),
        title=FastText(analyzer=TEXT_ANALYZER, stored=True, field_boost=2.0),
        body=FastText(analyzer=TEXT_ANALYZER),
        lead=STORED(),  # description, else the text's start: snippets without the store
        # Display names, case kept: stored for hits, indexed for facets.
        authors=KEYWORD(stored=True, **keyword),
        agencies=KEYWORD(stored=True, **keyword),
        # Normalised keys for matching: lowercase, accents folded, plus last names.
        author=KEYWORD(**keyword),
        agency=KEYWORD(**keyword),
        source=KEYWORD(stored=True, lowercase=True, **keyword),
        tag=KEYWORD(**keyword),
        lang=KEYWORD(**keyword),
        section=KEYWORD(**keyword),
        published=NUMERIC(int, bits=32, signed=False, sortable=True, default=0),
        published_iso=STORED(),
        year=ID(),
        month=ID(),
        # Unstemmed words of titles and descriptions: the vocabulary of "did you mean".
        spell=FastText(analyzer=SPELL_ANALYZER, phrase=False),
        **{_VERSION_FIELD: STORED()},
    )


def article_document(article: Article) -> dict[str, Any]:
    """Return the Whoosh document of an article."""
    published = date_key(article.published)
    doc: dict[str, Any] = {
        "id": article.id,
        "url": article.url,
        "title": article.title or "",
        "body": article.text or article.description or "",
        "lead": lead(article.description, article.text),
        "authors": ",".join(display_names(article.authors)),
        "agencies": ",".join(display_names(article.agencies)),
        "author": ",".join(name_keys(article.authors, last_names=True)),
        "agency": ",".join(name_keys(article.agencies)),
        "source": article.source or "",
        "tag": ",".join(name_keys(article.tags)),
        "lang": lang_key(article.language),
        "section": ",".join(name_keys([article.section or ""])),
        "published": published,
        "published_iso": article.published,
        "spell": f"{article.title or ''}\n{article.description or ''}",
    }
    if published:
        doc["year"] = str(published // 10_000)
        doc["month"] = f"{published // 10_000:04d}-{published // 100 % 100:02d}"
    return {k: v for k, v in doc.items() if v not in ("", None)}


class WhooshAnalysis:
    """The index's text analysis, for the query parser and snippets
    (:class:`indexer.search.query.Analysis`)."""

    word_pattern = WORD_PATTERN

    def words(self, text: str) -> list[str]:
        """Return the indexed forms of the words of a text (stop words left out)."""
        return [t.text for t in TEXT_ANALYZER(text)]

    def folded(self, text: str) -> list[str]:
        """Return the words of a text lowercased and accent-folded, not stemmed."""
        return [t.text for t in SPELL_ANALYZER(text)]

    def fold(self, text: str) -> str:
        """Return a text accent-folded and lowercased, character for character."""
        return text.translate(accent_map).lower()

    def key(self, value: str) -> str:
        """Return the matching form of a name or keyword."""
        return normalize_key(value)

    def lang(self, value: str) -> str:
        """Return the matching form of a language tag."""
        return lang_key(value)


ANALYSIS = WhooshAnalysis()
