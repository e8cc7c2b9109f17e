"""The extraction worker pool: results come back, and a page over the time limit is given up."""

from __future__ import annotations

import asyncio

from crawler.workers import ExtractorPool

PAGE = (
    "<html><head><title>Harbour reopens</title></head><body><article><h1>Harbour reopens</h1>"
    + "".join(
        f"<p>The harbour reopened on Monday after repairs, officials said ({i}).</p>"
        for i in range(20)
    )
    + "</article></body></html>"
).encode()


def test_pool_extracts_and_gives_up_on_slow_pages() -> None:
    async def run() -> tuple:
        fast = ExtractorPool(workers=1, timeout=30)
        slow = ExtractorPool(workers=1, timeout=0.001)
        try:
            return (
                await fast.extract(PAGE, "utf-8", "http://127.0.0.1:9/2024/05/01/harbour"),
                await slow.extract(PAGE, "utf-8", "http://127.0.0.1:9/2024/05/01/harbour"),
            )
        finally:
            fast.close()
            slow.close()

    (article, reason), (none, why) = asyncio.run(run())
    assert article is not None, reason
    assert article.title == "Harbour reopens"
    assert none is None
    assert why == "extraction took over 0.001s"
