"""What every engine's translation of a query shares: the index's words a prefix stands
for (capped), and the translation's result."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from indexer.search.query import Prefix, QueryError

MAX_EXPANSIONS = 500  # words one prefix may expand to, in each field

EngineQuery = TypeVar("EngineQuery")
WordsOf = Callable[[str, str, int], Iterable[str]]  # (field, stem, at most) -> index words


@dataclass
class Translation(Generic[EngineQuery]):
    """An engine's query of a query tree, and the words its prefixes expanded to (to mark
    in snippets)."""

    query: EngineQuery
    highlight: set[str] = field(default_factory=set)


def prefix_words(node: Prefix, words_of: WordsOf, highlight: set[str]) -> list[tuple[str, str]]:
    """Return the (field, word) pairs of the index's words starting with the prefix's
    stems, sorted per field, adding the words to ``highlight`` if the prefix is marked;
    raise QueryError if a field has more than :data:`MAX_EXPANSIONS` (a cut would make
    totals inexact)."""
    pairs: list[tuple[str, str]] = []
    for name in node.fields:
        words = {w for stem in node.stems for w in words_of(name, stem, MAX_EXPANSIONS + 1)}
        if len(words) > MAX_EXPANSIONS:
            raise QueryError(f"{node.text[:40]!r} matches too many words: make the prefix longer")
        if node.highlight:
            highlight.update(words)
        pairs.extend((name, w) for w in sorted(words))
    return pairs
