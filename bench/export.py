"""SQLite export benchmark: one synthetic archive grown through several sizes, exported at
each, with the growth exponent of every figure and its value at 1,000,000 articles.

    python bench/export.py --sizes 60000,200000 --dir /tmp/export-bench
    python bench/export.py --sizes 60000,200000 --cli OLD/search_cli.py --cli search_cli.py

The archive is bench/search.py's (its generator and store build; no search index: the
export does not read it). At each size, ``search_cli.py export --format sqlite`` runs in a
child process into a new file (``--again``: then once more into that file, every article
unchanged): its wall time, CPU (user, system), bytes written (``/proc/self/io``, which
counts a child once it is reaped), peak RSS (spawned by a small go-between: a child forked
from this process would count its pages), the file's size and the load average. Then a
table of each figure per size, its growth exponent b (least squares on log(figure) = a +
b log(articles); 1 is linear) and its value extrapolated to 1,000,000 articles along
that fit from the largest size. ``--cli`` (repeatable) times other checkouts' CLIs on the
same archive, each in turn at every size (before and after a change).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scale import growth_exponent
from bench.search import LAUNCHER, ROOT, Corpus, fill_store
from indexer.layout import DataDir
from indexer.store import Archive

MILLION = 1_000_000


def written_bytes() -> int:
    """Bytes this process and its reaped children have caused to be written to storage."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["write_bytes"]) - int(fields["cancelled_write_bytes"])


def time_export(cli: Path, data: DataDir, out: Path) -> dict[str, float]:
    """Run ``export OUT --format sqlite --quiet`` in a child process; return its figures."""
    command = [sys.executable, str(cli), "--data", str(data.root), "export", str(out),
               "--format", "sqlite", "--quiet"]
    before, cpu = written_bytes(), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([sys.executable, "-c", LAUNCHER, *command], cwd=cli.parent,
                            capture_output=True, text=True, check=True)
    wall, rss, status, _ = result.stdout.split()
    if status != "0":
        raise RuntimeError(f"{' '.join(command)} failed with status {status}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # (and the go-between's, ~0.03 s)
    return {
        "wall s": float(wall),
        "CPU user s": usage.ru_utime - cpu.ru_utime,
        "CPU sys s": usage.ru_stime - cpu.ru_stime,
        "written GB": (written_bytes() - before) / 1e9,
        "peak RSS MB": float(rss),
        "file MB": out.stat().st_size / 1e6,
        "load average": os.getloadavg()[0],
    }


def measure(cli: Path, data: DataDir, again: bool) -> dict[str, float]:
    """Export the archive with ``cli`` into a new file (and ``again`` into it); return the
    figures."""
    with Archive(data.archive, readonly=True) as archive:
        count = archive.count()
    figures: dict[str, float] = {"articles": count}
    with tempfile.TemporaryDirectory(dir=data.root.parent) as tmp:
        out = Path(tmp) / "export.db"
        runs = {"new file": time_export(cli, data, out)}
        if again:
            runs["again into it"] = time_export(cli, data, out)
    for run, result in runs.items():
        for name, value in result.items():
            figures[f"{run}: {name}"] = value
        figures[f"{run}: ms/article"] = 1000 * result["wall s"] / count
        figures[f"{run}: KB written/article"] = 1e6 * result["written GB"] / count
    for name, value in figures.items():
        print(f"  {name}: {value:,.2f}")
    return figures


def print_table(results: list[dict[str, float]]) -> None:
    """Print each figure per size, its growth exponent and its value at 1M articles."""
    counts = [r["articles"] for r in results]
    print(f"\n{'figure':<34}" + "".join(f"{int(n):>12,}" for n in counts)
          + f"{'exponent':>10}{'at 1M':>12}")
    for name in results[0]:
        if name == "articles":
            continue
        values = [r[name] for r in results]
        b = None if name.endswith("load average") else growth_exponent(counts, values)
        extra = "" if b is None else f"{b:>10.2f}{values[-1] * (MILLION / counts[-1]) ** b:>12.1f}"
        print(f"{name:<34}" + "".join(f"{v:>12.2f}" for v in values) + extra)


def main() -> None:
    """Grow the archive through the sizes, exporting it at each; then the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60000,200000",
                        help="articles at each step, ascending (default 60000,200000)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "export-bench",
                        help="archive folder (kept: grown on the next run)")
    parser.add_argument("--cli", type=Path, action="append",
                        help="a search_cli.py to time (repeatable; default this checkout's)")
    parser.add_argument("--again", action="store_true",
                        help="export once more into the same file at each size")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    data = DataDir(args.dir)
    corpus = Corpus(args.seed, sizes[-1])
    clis = [cli.resolve() for cli in args.cli or [ROOT / "search_cli.py"]]
    results: dict[Path, list[dict[str, float]]] = {cli: [] for cli in clis}
    for size in sizes:
        fill_store(data, size, corpus)
        for cli in clis:
            print(f"{size:,} articles, {cli} (load average {os.getloadavg()[0]:.2f}):")
            results[cli].append(measure(cli, data, args.again))
    for cli, figures in results.items():
        print(f"\n{cli}:", end="")
        print_table(figures)


if __name__ == "__main__":
    main()
