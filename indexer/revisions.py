"""Versions of an article: the earlier ones the store kept, the current one, word diffs."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from indexer.store import Archive, StoreError
from indexer.warcfile import WarcLocation

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Version:
    """One version of an article: number 1 is the first archived, the last is current."""

    number: int
    fetched_at: str | None
    replaced_at: str | None  # when a newer version replaced it; None for the current one
    title: str
    text: str

    @property
    def current(self) -> bool:
        """Whether this is the version the archive shows and searches."""
        return self.replaced_at is None


def history(archive: Archive, article_id: str) -> list[Version]:
    """Return every version of an archived article, oldest first; empty when unknown."""
    article = archive.get(article_id)
    if article is None:
        return []
    versions = [
        Version(row["revision"], row["fetched_at"], row["saved_at"], row["title"] or "",
                row["text"] or "")
        for row in archive.revisions(article.id)
    ]
    versions.append(Version(len(versions) + 1, article.fetched_at, None, article.title,
                            article.text))
    return versions


def version_html(archive: Archive, article_id: str, number: int) -> bytes | None:
    """Return the raw page of version ``number`` of an article (1 is the first archived,
    the last is current), as fetched, from its WARC record; None when no page was kept
    for it. Raise StoreError when the article has no such version."""
    kept = archive.revisions(article_id)
    if not 1 <= number <= len(kept) + 1:
        raise StoreError(
            f"article {article_id} has no version {number} (it has "
            + ("only version 1)" if not kept else f"versions 1-{len(kept) + 1})")
        )
    if number == len(kept) + 1:
        return archive.raw_html(article_id)
    row = kept[number - 1]
    if not row["warc_file"]:
        return None
    return archive.read_warc(WarcLocation(row["warc_file"], row["warc_offset"])).body


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Return a word-level diff as ``(op, text)`` pieces: op is ``=``, ``-`` or ``+``."""
    before, after = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("=", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("-", "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(("+", "".join(after[j1:j2])))
    return pieces


def changed_lines(pieces: list[tuple[str, str]], mark: dict[str, tuple[str, str]]) -> list[str]:
    """Render a word diff, keeping only the lines (paragraphs) that hold a change.

    ``mark`` maps ``-`` and ``+`` to the strings put around removed and added words, for
    example ``{"-": ("[-", "-]"), "+": ("{+", "+}")}``.
    """
    lines: list[tuple[bool, str]] = [(False, "")]
    for op, text in pieces:
        for number, part in enumerate(text.split("\n")):
            if number:
                lines.append((False, ""))
            if not part:
                continue
            changed, line = lines[-1]
            if op == "=":
                lines[-1] = (changed, line + part)
            else:
                start, end = mark[op]
                lines[-1] = (True, line + start + part + end)
    return [line for changed, line in lines if changed]
