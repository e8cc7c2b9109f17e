"""The bulk paths (import-warc, reextract): extraction overlapped with storing and reading."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.processes.overlap import overlapped
from crawler.warc import importer, reextract
from indexer import syndication
from indexer.store import Archive
from search_cli import cli
from tests.sites.hostile import article_html, prose
from tests.test_warc import _warc_of


def test_the_next_batch_goes_to_the_pool_before_the_one_before_is_stored() -> None:
    events: list[str] = []

    async def extract(batch: int) -> int:
        events.append(f"extract {batch}")
        await asyncio.sleep(0)
        return batch * 10

    def batches() -> list[int]:
        return [1, 2, 3]

    asyncio.run(overlapped(
        batches(),
        lambda batch: asyncio.ensure_future(extract(batch)),
        lambda batch, result: events.append(f"store {batch}={result}"),
    ))
    assert events == ["extract 1", "extract 2", "store 1=10", "extract 3", "store 2=20",
                      "store 3=30"]


def _stories(data: Path, urls: list[str]) -> set[str]:
    """The stories of the articles at these addresses."""
    with Archive(data / "archive.db") as archive:
        ids = [x.id for x in archive.iter_articles() if x.url in urls]
        assert len(ids) == len(urls)
        return set(archive.stories(ids).values())


def test_import_and_reextract_in_overlapped_batches_take_each_address_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of two. An address recurring in the batch after its first (read while that
    one is still extracted) is known once the first is stored, as when batches ran one at
    a time: not stored again with its new text. The syndication signatures come from the
    workers: none is computed in this process."""
    monkeypatch.setattr(importer, "BATCH", 2)
    monkeypatch.setattr(reextract, "BATCH", 2)
    computed: list[str] = []
    real_signature = syndication.signature

    def signature(text: str) -> object:
        computed.append(text)
        return real_signature(text)

    monkeypatch.setattr(syndication, "signature", signature)
    story = article_html("Harbour dues rise", prose("Harbour dues rise"))
    rewritten = article_html("Orchard cooperative", "".join(  # no word in common with prose
        f"<p>Orchard growers gathered {day} morning, weighing plum yields against frost "
        "damage; cooperative members voted unanimously for cheaper cider presses, fresh "
        "pruning ladders and wider irrigation ditches before autumn.</p>"
        for day in ("Monday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))
    a, b, c, d = (f"https://{host}.example/2024/05/01/harbour-dues-rise" for host in "abcd")
    bridge = "https://a.example/2024/05/02/bridge-closed"
    bridge_page = article_html("Bridge closed", prose("Bridge closed"))
    files = [_warc_of(tmp_path / f"{n}.warc.gz", pages) for n, pages in enumerate([
        {a: story, b: story},
        {b: rewritten, c: story,
         bridge: bridge_page, d: story},
        {b: story, bridge: bridge_page},
    ])]
    data = tmp_path / "data"
    # batches [a, b] [b again, c] [bridge, d] [b, bridge]
    result = CliRunner().invoke(cli, ["--data", str(data), "import-warc",
                                      *map(str, files), "-q"])
    assert result.exit_code == 0, result.stderr
    assert "imported 5 new articles from 8 responses: 3 already archived" in result.stdout
    assert computed == []
    with Archive(data / "archive.db") as archive:
        assert [x.title for x in archive.iter_articles() if x.url == b] == ["Harbour dues rise"]
    copies = _stories(data, [a, b, c, d])
    assert len(copies) == 1  # the four copies are one story

    result = CliRunner().invoke(cli, ["--data", str(data), "reextract", "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("re-extracted 5 articles: 0 updated, 5 unchanged")
    assert _stories(data, [a, b, c, d]) == copies
