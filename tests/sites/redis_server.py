"""A throwaway redis-server on 127.0.0.1, for the distributed-mode tests and benchmark."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from crawler.distributed.frontier import connect


@contextmanager
def local_redis(directory: str | Path, timeout: float = 10.0) -> Iterator[str]:
    """Run a throwaway ``redis-server`` on 127.0.0.1 (a free port); yield its URL.

    Raises FileNotFoundError when redis-server is not installed.
    """
    server = shutil.which("redis-server")
    if server is None:
        raise FileNotFoundError("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = connect(url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
