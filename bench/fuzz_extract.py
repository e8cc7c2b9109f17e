"""Fuzz the article extractor with random and mutated HTML, each input under a time bound.

Run:  .venv/bin/python bench/fuzz_extract.py [--n 10000] [--seed 1] [--bound 2] [--workers 2]
                                             [--corpus DIR] [--save DIR]

Inputs are random pages from a small HTML grammar (nesting, entities, scripts, JSON-LD,
comments, odd characters) and mutations (flipped bytes, cut, duplicated and spliced
ranges, inserted tags and tokens, NUL bytes, charset declarations, deep nesting) of seed
pages: the demo site's pages rendered in-process, the hostile site's articles and, when
present, the labelled corpus. Input ``i`` is rebuilt from ``random.Random(f"{seed}-{i}")``.
Each input runs ``crawler.extract.extract_with_reason`` in a pool of worker processes; an
input is killed after a minute. Prints the count, the exceptions (raised, or caught by
extract_with_reason's safety net: the page is lost all the same), the inputs over the
bound (CPU time), the max and mean time and the slowest input's size, and saves every
failing input to --save. Exit status 1 when any input failed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from crawler.extract import extract_with_reason  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "pages"
MAX_INPUT_BYTES = 1_000_000
MAX_SEED_BYTES = 200_000  # larger corpus pages make the run slow, not more thorough
CAUGHT = "extraction failed"  # extract_with_reason's reason for an exception it caught
KILL_AFTER = 60.0  # seconds: an input still running then is a hang (counted as an exception)
URLS = (
    "https://news.example.org/2024/05/01/council-backs-new-cycle-lanes",
    "http://127.0.0.1:8080/world/a-story-about-things-123",
    "https://www.example.de/politik/artikel.html?id=5#top",
    "https://xn--bcher-kva.example/2023/12/31/",
    "",
)
TAGS = (
    "p", "div", "span", "article", "section", "main", "header", "footer", "nav", "aside",
    "h1", "h2", "h3", "a", "b", "i", "em", "strong", "ul", "ol", "li", "table", "tr", "td",
    "th", "blockquote", "figure", "figcaption", "img", "br", "hr", "pre", "code", "script",
    "style", "noscript", "template", "svg", "math", "iframe", "form", "select", "option",
    "textarea", "time", "meta", "link", "title", "head", "body", "html", "object", "address",
)
ATTRIBUTES = (
    "class", "id", "href", "src", "content", "property", "name", "itemprop", "datetime",
    "rel", "type", "charset", "lang", "style", "hidden", "itemtype", "itemscope", "data-x",
)
VALUES = (
    "article", "byline", "author", "og:title", "og:type", "article:published_time", "date",
    "2024-05-01T09:00:00Z", "31/12/1999", "0000-00-00", "9999-99-99T99:99", "yesterday",
    "application/ld+json", "canonical", "https://example.org/x", "javascript:alert(1)",
    "file:///etc/passwd", "//cdn.example.org/a.jpg", "utf-16", "x-bogus", "By Ada Quill",
    "Ada Quill and Bo Lee", "AFP", "Reuters/dpa", "NewsArticle", "", "\x00", "\"'><",
)
TOKENS = (
    "&amp;", "&nbsp;", "&#0;", "&#x110000;", "&#55296;", "&bogus;", "&lt;p&gt;", "<!--",
    "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml version='1.0'?>", "\x00", "\ufeff",
    "\ud800", "</", "<", ">", '"', "'", "=", "\r\n", "\u2028", "\U0001f600", "\u202e", "é",
    "Привет мир", "中文新闻", "مرحبا", "\x0b\x0c", "\\u0000", "{{", "}}", "</p></div></body>",
)
WORDS = (
    "the", "council", "said", "on", "Tuesday", "that", "harbour", "budget", "minister",
    "police", "reported", "a", "new", "study", "shows", "prices", "rose", "by", "3%", "in",
    "2024", "Berlin", "Reuters", "AFP", "—", "“quoted”", "(update)", "Mr.", "Dr", "U.S.",
)
CHARSETS = ("utf-8", "utf-16", "utf-16le", "windows-1252", "iso-8859-1", "koi8-r", "x-bogus",
            "utf-7", "shift_jis", "big5", "gb18030", "latin1")


def words(rng: random.Random, n: int) -> str:
    """``n`` random words and, now and then, odd tokens."""
    return " ".join(rng.choice(TOKENS) if rng.random() < 0.05 else rng.choice(WORDS)
                    for _ in range(n))


def json_ld(rng: random.Random, depth: int = 0) -> str:
    """A JSON-LD-like value: often valid, sometimes broken or deeply nested."""
    kind = rng.random()
    if depth > 6 or kind < 0.3:
        return json.dumps(rng.choice((*VALUES, 1, 1e308, None, True, [])))
    if kind < 0.4:
        return "[" * rng.randint(1, 300) + "{" + "]" * rng.randint(0, 3)
    keys = ("@type", "@graph", "headline", "author", "name", "datePublished", "publisher",
            "articleBody", "mainEntityOfPage", "image", "url")
    members = ", ".join(f'"{rng.choice(keys)}": {json_ld(rng, depth + 1)}'
                        for _ in range(rng.randint(0, 5)))
    return "{" + members + "}" if rng.random() < 0.5 else "[{" + members + "}]"


def element(rng: random.Random, budget: list[int], depth: int = 0) -> str:
    """One random element with attributes and children, possibly unclosed or misnested.

    ``budget`` (a one-item list) is the number of elements still allowed in the page.
    """
    budget[0] -= 1
    tag = rng.choice(TAGS)
    attrs = "".join(f' {rng.choice(ATTRIBUTES)}="{rng.choice(VALUES)}"'
                    for _ in range(rng.randint(0, 3)))
    if tag == "script" and rng.random() < 0.6:
        return f'<script type="application/ld+json">{json_ld(rng)}</script>'
    children = "".join(
        element(rng, budget, depth + 1) if rng.random() < 0.45 and budget[0] > 0 and depth < 40
        else words(rng, rng.randint(0, 40))
        for _ in range(rng.randint(0, 6))
    )
    close = f"</{tag}>" if rng.random() < 0.9 else rng.choice(("", f"</{rng.choice(TAGS)}>"))
    return f"<{tag}{attrs}>{children}{close}"


def random_html(rng: random.Random) -> str:
    """A random page: sometimes a plausible article skeleton, sometimes tag soup."""
    budget = [rng.choice((10, 100, 1000))]
    body = "".join(element(rng, budget) for _ in range(rng.randint(1, 30)))
    if rng.random() < 0.5:
        paragraphs = "".join(f"<p>{words(rng, rng.randint(5, 60))}</p>"
                             for _ in range(rng.randint(1, 25)))
        body = f"<article><h1>{words(rng, 6)}</h1>{paragraphs}{body}</article>"
    head = "".join(rng.choice((
        f'<meta charset="{rng.choice(CHARSETS)}">',
        f'<meta property="{rng.choice(VALUES)}" content="{rng.choice(VALUES)}">',
        f"<title>{words(rng, 8)}</title>",
        f'<script type="application/ld+json">{json_ld(rng)}</script>',
    )) for _ in range(rng.randint(0, 6)))
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def _flip(rng: random.Random, data: bytearray, other: bytes) -> None:
    for _ in range(rng.randint(1, 20)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)


def _cut(rng: random.Random, data: bytearray, other: bytes) -> None:
    start = rng.randrange(len(data) + 1)
    del data[start:start + rng.randint(1, 5000)]


def _duplicate(rng: random.Random, data: bytearray, other: bytes) -> None:
    start = rng.randrange(len(data) + 1)
    chunk = bytes(data[start:start + rng.randint(1, 2000)])
    at = rng.randrange(len(data) + 1)
    data[at:at] = chunk * rng.randint(1, 50)


def _splice(rng: random.Random, data: bytearray, other: bytes) -> None:
    start = rng.randrange(len(other) + 1)
    at = rng.randrange(len(data) + 1)
    data[at:] = other[start:start + rng.randint(1, 50_000)]


def _insert(rng: random.Random, data: bytearray, other: bytes) -> None:
    for _ in range(rng.randint(1, 10)):
        text = element(rng, [5]) if rng.random() < 0.5 else rng.choice(TOKENS)
        at = rng.randrange(len(data) + 1)
        data[at:at] = text.encode("utf-8", "surrogatepass")


def _truncate(rng: random.Random, data: bytearray, other: bytes) -> None:
    del data[rng.randrange(len(data) + 1):]


def _nul(rng: random.Random, data: bytearray, other: bytes) -> None:
    for _ in range(rng.randint(1, 50)):
        data.insert(rng.randrange(len(data) + 1), 0)


def _charset(rng: random.Random, data: bytearray, other: bytes) -> None:
    declaration = f'<meta charset="{rng.choice(CHARSETS)}">'.encode()
    data[0:0] = rng.choice((b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) + declaration


def _nest(rng: random.Random, data: bytearray, other: bytes) -> None:
    depth = rng.choice((50, 300, 1000, 5000))
    tag = rng.choice(("div", "span", "b", "table", "li", "a")).encode()
    at = rng.randrange(len(data) + 1)
    data[at:at] = (b"<" + tag + b">") * depth


MUTATIONS: tuple[Callable[[random.Random, bytearray, bytes], None], ...] = (
    _flip, _cut, _duplicate, _splice, _insert, _truncate, _nul, _charset, _nest,
)


def mutate(rng: random.Random, seed: bytes, other: bytes) -> bytes:
    """Apply one to four random mutations to ``seed`` (``other`` is spliced from)."""
    data = bytearray(seed)
    for _ in range(rng.randint(1, 4)):
        rng.choice(MUTATIONS)(rng, data, other)
    return bytes(data[:MAX_INPUT_BYTES])


@cache
def demo_seeds() -> tuple[bytes, ...]:
    """The demo site's HTML pages and the hostile site's articles, rendered in-process."""
    from crawler.demosite.content import OUTLETS, stories
    from crawler.demosite.site import OutletSite
    from tests.sites.hostile import GOOD, article_html, prose

    everything = stories(None)
    pages = [page.body for name in OUTLETS
             for page in OutletSite(name, "http://127.0.0.1:8000/", everything).routes.values()
             if page.content_type.startswith("text/html")]
    pages += [article_html(title, prose(title)).encode() for title in GOOD.values()]
    return tuple(pages)


def corpus_seeds(folder: Path | None) -> tuple[bytes, ...]:
    """The corpus pages in ``folder`` up to MAX_SEED_BYTES (none when it is missing)."""
    if folder is None or not folder.is_dir():
        return ()
    pages = (p.read_bytes() for p in sorted(folder.glob("*.html")))
    return tuple(page for page in pages if len(page) <= MAX_SEED_BYTES)


def make_input(seed: int, i: int, groups: tuple[tuple[bytes, ...], ...]
               ) -> tuple[str, str | bytes, str]:
    """Input ``i``: (kind, html as str or bytes, url), the same again from the same seeds.

    ``groups`` are lists of seed pages (demo, corpus): the first is picked twice as often.
    """
    rng = random.Random(f"{seed}-{i}")
    url = rng.choice(URLS)
    groups = tuple(g for g in (groups[0], *groups) if g)
    if not groups or rng.random() < 0.3:
        html = random_html(rng)
        as_bytes = rng.random() < 0.5
        return "random", html.encode("utf-8", "surrogatepass") if as_bytes else html, url
    seeds = rng.choice(groups)
    return "mutated", mutate(rng, rng.choice(seeds), rng.choice(seeds)), url


def warm_up() -> None:
    """Pay a worker's one-off costs (imports, models, compiled patterns) before timing."""
    for page in demo_seeds()[:20]:
        extract_with_reason(page, URLS[0])


def _extract(html: str | bytes, url: str) -> str | None:
    """Extract once; return an exception's traceback, or the reason of one it caught itself."""
    try:
        _, reason = extract_with_reason(html, url)
    except Exception:
        return traceback.format_exc()
    return reason if reason and reason.startswith(CAUGHT) else None


def run_one(html: str | bytes, url: str, bound: float) -> tuple[float, float, str | None]:
    """Extract one input; return (CPU seconds, CPU seconds run again, error or None).

    CPU time, so a busy machine does not count against the extractor. An input over
    ``bound`` is run a second time: a first call can still pay one-off costs (dateparser
    compiles a language's patterns on its first page in that language, up to 7 s).
    """
    start = time.process_time()
    error = _extract(html, url)
    first = time.process_time() - start
    if error or first <= bound:
        return first, first, error
    start = time.process_time()
    _extract(html, url)
    return first, time.process_time() - start, None


@dataclass
class Report:
    """What a fuzz run found; times are steady-state (an input's second run if it had one)."""

    count: int = 0
    exceptions: int = 0
    over_bound: int = 0
    first_call_only: int = 0  # over the bound on a first call only
    total: float = 0.0
    slowest: float = 0.0
    slowest_size: int = 0
    slowest_index: int = -1

    def add(self, index: int, size: int, seconds: float) -> None:
        """Count one finished input."""
        self.count += 1
        self.total += seconds
        if seconds > self.slowest:
            self.slowest, self.slowest_size, self.slowest_index = seconds, size, index

    def lines(self, bound: float) -> list[str]:
        """The summary, one figure per line."""
        mean = self.total / self.count * 1000 if self.count else 0.0
        return [
            f"inputs: {self.count}",
            f"exceptions (uncaught, or caught by extract_with_reason): {self.exceptions}",
            f"over the {bound:g}s bound: {self.over_bound}",
            f"over the bound on a first call only (one-off warm-up): {self.first_call_only}",
            f"CPU time per input: max {self.slowest * 1000:.0f} ms, mean {mean:.1f} ms",
            f"slowest input: #{self.slowest_index}, {self.slowest_size} bytes",
        ]


def _save(folder: Path | None, index: int, kind: str, html: str | bytes, note: str) -> None:
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    data = html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html
    (folder / f"{index:06d}-{kind}.html").write_bytes(data)
    (folder / f"{index:06d}-{kind}.txt").write_text(note, encoding="utf-8")


Pending = tuple[int, str, str | bytes, "Future[tuple[float, float, str | None]]"]


def fuzz(n: int, seed: int, bound: float, workers: int, corpus: Path | None,
         save: Path | None) -> Report:
    """Run ``n`` inputs through the extractor in ``workers`` processes; return the report."""
    groups = (demo_seeds(), corpus_seeds(corpus))
    report = Report()
    kinds: Counter[str] = Counter()
    pending: deque[Pending] = deque()

    def collect() -> None:
        index, kind, html, future = pending.popleft()
        size = len(html)
        try:
            first, steady, error = future.result()
        except (FutureTimeout, ProcessExpired) as exc:
            first, steady, error = KILL_AFTER, KILL_AFTER, f"killed: {exc!r}"
        report.add(index, size, steady)
        if error:
            report.exceptions += 1
            print(f"#{index} ({kind}, {size} bytes): {error.strip().splitlines()[-1]}")
            _save(save, index, kind, html, error)
        elif steady > bound:
            report.over_bound += 1
            print(f"#{index} ({kind}, {size} bytes): {first:.2f}s, again {steady:.2f}s")
            _save(save, index, kind, html, f"{first:.3f}s, again {steady:.3f}s")
        elif first > bound:
            report.first_call_only += 1

    with ProcessPool(max_workers=workers, initializer=warm_up) as pool:
        for i in range(n):
            kind, html, url = make_input(seed, i, groups)
            kinds[kind] += 1
            future = pool.schedule(run_one, args=(html, url, bound), timeout=KILL_AFTER)
            pending.append((i, kind, html, future))
            while len(pending) >= workers * 4:
                collect()
            if (i + 1) % 1000 == 0:
                print(f"... {i + 1} inputs", file=sys.stderr, flush=True)
        while pending:
            collect()
    print(", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
    return report


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the fuzzer, print the report; 1 when any input failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of inputs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bound", type=float, default=2.0, help="seconds allowed per input")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="folder of seed HTML pages (skipped when missing)")
    parser.add_argument("--save", type=Path, default=None, help="where to save failing inputs")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    report = fuzz(args.n, args.seed, args.bound, args.workers, args.corpus, args.save)
    print("\n".join(report.lines(args.bound)))
    print(f"wall time: {time.perf_counter() - start:.0f}s")
    return 1 if report.exceptions or report.over_bound else 0


if __name__ == "__main__":
    sys.exit(main())
