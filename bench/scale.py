"""Scale benchmark: one synthetic archive grown through several sizes, with the growth
exponent of every figure.

    python bench/scale.py                                  # 100k, 300k, 1M articles
    python bench/scale.py --sizes 10000,30000,90000 --dir /tmp/scale
    python bench/scale.py --engine tantivy --sizes 100000,300000,600000

The archive is bench/search.py's (same generator, build and query timing). At each size
it prints: the build times per article added (store; index: a rebuild at the first size,
then a sync of the new articles, as an archive grows, and ``index --compact`` before the
queries); bytes per article on disk of the store (and of its articles and syndication
tables with their indexes, and the rest), the index (its current generation; the files of
superseded ones, kept a while for readers, apart) and the WARC files, beside the zlib'd
text, and the store plus index over the zlib'd text; p50/p95 per query kind
(bench/search.py's kinds and "common phrase", a phrase of two very common words) and
the CPU p50 (this process's own: steadier than the wall on a loaded machine); a
whole ``search`` process (wall, peak RSS); indexing 1,000 new articles (which the archive
keeps); ``index --compact`` after them; ``export``
to SQLite and to JSONL; ``stats`` and ``show`` (wall). Then a table of every figure per
size with its growth exponent b, fitted by least squares on log(figure) = a + b
log(articles): 1 is linear, 0 flat.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import (
    Corpus,
    build,
    fill_store,
    query_mix,
    time_new_articles,
    time_process,
    time_queries,
)
from indexer.layout import DataDir
from indexer.search.engines import DEFAULT_ENGINE, ENGINES, TANTIVY_DIR, engine_of, open_index
from indexer.search.whoosh.schema import INDEX_NAME, quiet_whoosh_import
from indexer.store import Archive

COMMON = 10  # the "very common" words: bench/search.py's very common term draws these


def growth_exponent(sizes: list[float], values: list[float]) -> float | None:
    """Return b of the least-squares fit log(value) = a + b log(size); None when fewer
    than two positive values."""
    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def common_phrase(corpus: Corpus, rng: random.Random) -> str:
    """Return a quoted phrase of two adjacent words of an article, both very common."""
    common = set(corpus.words[:COMMON])
    while True:
        text = corpus.article(rng.randrange(corpus.size)).text
        words = [w.strip(".").lower() for w in text.split()]
        pairs = [(a, b) for a, b in itertools.pairwise(words)
                 if a in common and b in common and a != b]
        if pairs:
            return '"{} {}"'.format(*rng.choice(pairs))


def disk_bytes(path: Path) -> int:
    """Return the bytes of a file (with its SQLite -wal and -shm) or of a folder's files."""
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def index_bytes(path: Path) -> tuple[int, int]:
    """Return the bytes of the index's current generation and those of superseded ones,
    kept a while for searchers still reading them (of the recorded engine)."""
    if engine_of(path) == "tantivy":
        return tantivy_index_bytes(path / TANTIVY_DIR)
    return whoosh_index_bytes(path)


def tantivy_index_bytes(path: Path) -> tuple[int, int]:
    """Return the bytes of a tantivy index's live segments (files named after a segment
    of its meta.json) with its other files, and those of segments no longer live."""
    live = {s["segment_id"].replace("-", "") for s in
            json.loads((path / "meta.json").read_text())["segments"]}
    current = superseded = 0
    for file in path.iterdir():
        segment = file.name.split(".")[0]
        dead = len(segment) == 32 and segment not in live
        size = file.stat().st_size
        superseded += size if dead else 0
        current += 0 if dead else size
    return current, superseded


def whoosh_index_bytes(path: Path) -> tuple[int, int]:
    """Return the bytes of a Whoosh index's current generation (its TOC, its segments'
    files and every file of no generation) and those of superseded generations, which a
    commit keeps for a grace period (``GRACE_SECONDS``)."""
    with quiet_whoosh_import():
        from whoosh.filedb.filestore import FileStorage
        from whoosh.index import TOC

    storage = FileStorage(str(path))
    tocs = TOC._pattern(INDEX_NAME)
    segments = TOC._segment_pattern(INDEX_NAME)
    latest = TOC._latest_generation(storage, INDEX_NAME)
    live = {s.segment_id() for s in TOC.read(storage, INDEX_NAME, latest).segments}
    current = superseded = 0
    for name in storage:
        size = storage.file_length(name)
        toc, segment = tocs.match(name), segments.match(name)
        if (toc and int(toc.group(1)) != latest) or (segment and segment.group(1) not in live):
            superseded += size
        else:
            current += size
    return current, superseded


# The store's parts reported per article: each table with its indexes
STORE_PARTS = {"articles": ("articles",), "syndication": ("syndication", "syndication_bands")}


def store_parts(path: Path) -> dict[str, int]:
    """Return the bytes of each of :data:`STORE_PARTS` in an SQLite store and of the rest
    (SQLite's dbstat: the pages of each table and of its indexes)."""
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        tables = dict(db.execute("SELECT name, tbl_name FROM sqlite_schema").fetchall())
        pages = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    parts = dict.fromkeys([*STORE_PARTS, "other"], 0)
    for name, size in pages:
        table = tables.get(name, name)
        part = next((p for p, members in STORE_PARTS.items() if table in members), "other")
        parts[part] += size
    return parts


def zlib_text_bytes(corpus: Corpus, count: int, sample: int = 300) -> float:
    """Return the mean zlib'd size of an article's title, description and text."""
    step = max(1, count // sample)
    sizes = [
        len(zlib.compress(f"{a.title}\n{a.description}\n{a.text}".encode()))
        for a in (corpus.article(n) for n in range(0, count, step))
    ]
    return sum(sizes) / len(sizes)


def measure(data: DataDir, corpus: Corpus, size: int, per_kind: int, seed: int,
            engine: str = DEFAULT_ENGINE) -> dict[str, float]:
    """Grow the archive to ``size`` (its index of ``engine``) and return every figure at
    that size (ms, s, MB, bytes)."""
    figures: dict[str, float] = {}
    index = open_index(data.index, engine=engine)
    with Archive(data.archive) as archive:
        before = archive.count()
    if before and index.exists():  # grown as an archive grows: stored, then synced
        store_s = fill_store(data, size, corpus)
        with Archive(data.archive) as archive:
            started = time.perf_counter()
            index.sync(archive)
            index_s = time.perf_counter() - started
    else:
        built = build(data, size, corpus, engine)
        store_s, index_s = built["store"], built["index"]
    with Archive(data.archive) as archive:
        count = archive.count()
        some_id = corpus.article(count // 2).id
    figures["grow: store ms/article"] = 1000 * store_s / max(1, count - before)
    figures["grow: index ms/article"] = 1000 * index_s / max(1, count - before)
    # Queries on a compacted index, as after a rebuild (a sync leaves small segments)
    figures["grow: index --compact s"] = time_process(data, ["index", "--compact"])[0]
    for label, path in (("store", data.archive), ("WARC", data.root / "warc")):
        figures[f"disk: {label} B/article"] = disk_bytes(path) / count if path.exists() else 0
    current, superseded = index_bytes(data.index)
    figures["disk: index B/article"] = current / count  # without superseded generations
    figures["disk: index superseded, kept a while B/article"] = superseded / count
    for part, size in store_parts(data.archive).items():
        figures[f"disk: store {part} B/article"] = size / count
    figures["disk: zlib'd text B/article"] = zlib_text_bytes(corpus, count)
    figures["disk: (store + index) / zlib'd text"] = (
        figures["disk: store B/article"] + figures["disk: index B/article"]
    ) / figures["disk: zlib'd text B/article"]

    rng = random.Random(seed + 1)
    mix = query_mix(corpus, rng, per_kind)
    mix["common phrase"] = [{"query": common_phrase(corpus, rng)} for _ in range(per_kind)]
    for kind, (p50, p95, cpu) in time_queries(data, mix).items():
        figures[f"query p50 ms: {kind}"] = p50
        figures[f"query p95 ms: {kind}"] = p95
        figures[f"query CPU p50 ms: {kind}"] = cpu

    word = corpus.words[1000]
    wall, rss, cpu = time_process(data, ["search", word])
    figures["search process s"], figures["search process peak MB"] = wall, rss
    figures["search process CPU s"] = cpu
    figures["index 1,000 new articles s"], figures["index 1,000 new articles CPU s"] = (
        time_new_articles(data, corpus)
    )
    with tempfile.TemporaryDirectory(dir=data.root.parent) as tmp:
        commands = {
            "index --compact": ["index", "--compact"],
            "export sqlite": ["export", "--format", "sqlite", "--quiet", f"{tmp}/export.db"],
            "export jsonl": ["export", "--format", "jsonl", "--quiet", f"{tmp}/export.jsonl"],
            "stats": ["stats"],
            "show": ["show", some_id],
        }
        for name, args in commands.items():  # (wall and CPU: the CPU is steadier under load)
            wall, _, cpu = time_process(data, args)
            figures[f"{name} s"], figures[f"{name} CPU s"] = wall, cpu
    figures["articles"] = count
    figures["load average"] = os.getloadavg()[0]
    return figures


def print_table(sizes: list[int], results: list[dict[str, float]]) -> None:
    """Print each figure per size and its growth exponent over the sizes."""
    counts = [r["articles"] for r in results]
    print(f"\n{'figure':<44}" + "".join(f"{n:>12,}" for n in sizes) + f"{'exponent':>10}")
    for name in results[0]:
        if name == "articles":
            continue
        values = [r[name] for r in results]
        b = None if name == "load average" else growth_exponent(counts, values)
        exponent = "" if b is None else f"{b:.2f}"
        print(f"{name:<44}" + "".join(f"{v:>12.1f}" for v in values) + f"{exponent:>10}")


def main() -> None:
    """Grow the archive through the sizes, printing the figures at each, then the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000",
                        help="articles at each step, ascending (default 100000,300000,1000000)")
    parser.add_argument("--dir", type=Path, help="archive folder (default in the temp dir)")
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                        help="the index's engine (an existing archive keeps its own)")
    parser.add_argument("--per-kind", type=int, default=40, help="queries per kind and size")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--fresh", action="store_true", help="delete the folder first")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    root = args.dir or Path(tempfile.gettempdir()) / "news-archive-scale"
    if args.fresh:
        shutil.rmtree(root, ignore_errors=True)
    data = DataDir(root)
    results = []
    for size in sizes:
        corpus = Corpus(args.seed, size)
        print(f"\n== {size:,} articles", flush=True)
        figures = measure(data, corpus, size, args.per_kind, args.seed, args.engine)
        for name, value in figures.items():
            print(f"  {name:<44}{value:>12.1f}", flush=True)
        results.append(figures)
    print_table(sizes, results)
    print(f"\nengine {engine_of(data.index)}; {os.cpu_count()} CPUs; "
          "exponent b: figure ~ articles^b (1 linear, 0 flat)")


if __name__ == "__main__":
    main()
