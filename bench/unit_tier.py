"""Time the unit tier (`make test-fast`'s tests): wall and CPU seconds, with the load.

    .venv/bin/python bench/unit_tier.py

The target is under 60 s of wall time. On a machine shared with other jobs the wall
time grows with the load average while the CPU time stays put, so both are printed.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-m", "not integration and not slow"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = next((line for line in reversed(done.stdout.splitlines())
                    if re.search(r"\d+ (passed|failed)", line)), "no summary")
    print(f"unit tier: {summary.strip('= ')}")
    print(f"wall {wall:.1f} s, CPU {usage.ru_utime + usage.ru_stime:.1f} s "
          f"(user {usage.ru_utime:.1f}, sys {usage.ru_stime:.1f}), "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"{os.cpu_count()} CPUs")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
