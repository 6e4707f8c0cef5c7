"""A writer process for the multi-process and SIGKILL tests (run as a script).

    python _ipfs_writer.py SEED COUNT NPATHS MAXSIZE [DELAY]

Settings come from the STORAGE_RUNTIME_* environment. Writes COUNT files chosen among
NPATHS paths under the root (pinned when the path number is a multiple of 6), mixing
in-place "w" opens, appends and `write_bytes` (in place too). Prints `closing <rel>` before each
close and `closed <rel>` after it returns (flushed), so the parent knows what was closed
before a kill.

WRITER_KILL=<point>:<n> makes the process SIGKILL itself at the n-th occurrence of a point
(deterministic kills, next to the tests' kills at random times):
`add` right after the node accepted an add (mid-publish, before the index records it),
`cp` right before an MFS copy (published in the index, not yet in MFS),
`write` half-way through writing a file (mid-write, before its close).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend, default_client
from storage_runtime.config import Settings

KILL_POINT, _, KILL_AT = os.environ.get("WRITER_KILL", "none:0").partition(":")
_seen = {"add": 0, "cp": 0, "write": 0}


def _maybe_die(point: str) -> None:
    _seen[point] += 1
    if point == KILL_POINT and _seen[point] == int(KILL_AT):
        os.kill(os.getpid(), signal.SIGKILL)


class _Files:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def cp(self, *args: Any, **kwargs: Any) -> Any:
        _maybe_die("cp")
        return self._inner.cp(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Client:
    """The real client, with kill points."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.files = _Files(inner.files)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        result = self._inner.add(*args, **kwargs)
        _maybe_die("add")
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def main() -> int:
    seed, count, npaths, maxsize = (int(a) for a in sys.argv[1:5])
    delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    rnd = random.Random(seed)
    settings = Settings.from_env()
    backend = IpfsBackend(settings, client_factory=lambda s: _Client(default_client(s)))
    storage = Storage(settings, backend_impl=backend)
    root = settings.root
    for i in range(count):
        n = rnd.randrange(npaths)
        rel = f"d{n % 3}/f{n}.bin"
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = f"{seed}:{i}:".encode() + rnd.randbytes(rnd.randrange(1, maxsize))
        kind = rnd.randrange(3)
        pin = n % 6 == 0
        print(f"closing {rel}", flush=True)
        if kind == 1:
            storage.write_bytes(Path(path), data, pin=pin)
        else:
            with storage.open(path, "wb" if kind == 0 else "ab", pin=pin) as f:
                f.write(data[: len(data) // 2])
                f.flush()
                _maybe_die("write")
                f.write(data[len(data) // 2 :])
        print(f"closed {rel}", flush=True)
        if delay:
            time.sleep(delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
