"""A worker process for the multi-worker namespace tests (run as a script).

Reads one JSON command per line on stdin, runs it with a `Storage` on the ipfs backend
configured from the STORAGE_RUNTIME_* environment (its own root), and answers one JSON
line: {"ok": result} or {"error": "<exception type>", "message": ...}. Paths are relative
to the worker's root. Handles opened by `begin` stay open until `finish`, so a test can
act in other workers while this one has a file open for writing.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path
from typing import Any

from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend
from storage_runtime._publish import sync
from storage_runtime.config import Settings

settings = Settings.from_env()
backend = IpfsBackend(settings, drain_on_start=False)
storage = Storage(settings, backend_impl=backend)
handles: dict[str, Any] = {}


def _path(rel: str) -> str:
    path = os.path.join(settings.root, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def write(rel: str, data: str, pin: bool, how: str = "open") -> None:
    if how == "helper":
        storage.write_bytes(Path(_path(rel)), data.encode(), pin=pin)
        return
    with storage.open(_path(rel), "wb", pin=pin) as f:
        f.write(data.encode())


def append(rel: str, data: str, pin: bool) -> None:
    with storage.open(_path(rel), "ab", pin=pin) as f:
        f.write(data.encode())


def lock_only(rel: str, pin: bool) -> None:
    """Open read/write only to hold an fcntl lock; nothing is written."""
    with storage.open(_path(rel), "r+b", pin=pin) as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        f.read()
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def read(rel: str) -> str:
    with storage.open(_path(rel), "rb") as f:
        return f.read().decode()


def begin(rel: str, data: str, pin: bool, mode: str = "wb") -> None:
    f = storage.open(_path(rel), mode, pin=pin)
    f.write(data.encode())
    f.flush()
    handles[rel] = f


def finish(rel: str, data: str) -> None:
    f = handles.pop(rel)
    f.write(data.encode())
    f.close()


def replace(src: str, dst: str, pin: bool | None = None) -> None:
    storage.replace(_path(src), _path(dst), pin=pin)


def remove(rel: str) -> None:
    storage.remove(_path(rel))


def run_sync() -> dict[str, Any]:
    report = sync(backend, attempts=1)
    return {"published": report.published, "busy": report.busy, "stale": report.stale,
            "dropped": report.dropped, "remaining": report.remaining,
            "unreachable": report.unreachable}


OPS = {f.__name__: f for f in (write, append, lock_only, read, begin, finish, replace,
                                remove, run_sync)}


def main() -> int:
    for line in sys.stdin:
        command = json.loads(line)
        op = command.pop("op")
        try:
            answer: dict[str, Any] = {"ok": OPS[op](**command)}
        except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
            answer = {"error": type(exc).__name__, "message": str(exc)}
        print(json.dumps(answer), flush=True)
    backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
