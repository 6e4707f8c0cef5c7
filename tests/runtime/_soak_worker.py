"""One soak worker (run as a script): random file operations on the shared namespace.

    python _soak_worker.py WORKER SEED SECONDS LOG LOCK

Settings come from the STORAGE_RUNTIME_* environment (the worker's own root). Until the
time is up it draws operations: write (in place, or with the atomic helper), append,
a slow write (opened and half written, then the global lock is released while it stays
open, then finished), replace (a `.tmp` written then `storage.replace`d into place),
remove, and read (which restores paths this worker never knew). Each is pinned or cache
at random. Every operation runs under a global file lock shared by the workers, and is
appended to the shared LOG (one JSON line) while that lock is held, so the log is the
order in which the namespace saw them; the test replays it with an oracle. Meanwhile a
thread of this process runs `sync` (its check for files changed on disk included) every
few tenths of a second without that lock: it must never publish a file open for writing.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage_runtime import Storage
from storage_runtime._cid import CHUNK_SIZE, cid_of_bytes
from storage_runtime._ipfs import IpfsBackend
from storage_runtime._publish import sync
from storage_runtime.config import Settings

PATHS = [f"p{i}.bin" for i in range(10)] + [f"d/q{i}.bin" for i in range(4)]


class Soak:
    def __init__(self, worker: str, seed: int, log: str, lock: str) -> None:
        self.worker = worker
        self.rnd = random.Random(seed)
        self.settings = Settings.from_env()
        self.backend = IpfsBackend(self.settings, drain_on_start=False)
        self.storage = Storage(self.settings, backend_impl=self.backend)
        self.log_fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.lock_fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        self.n = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self.lock_fd, fcntl.LOCK_UN)

    def record(self, **entry: Any) -> None:
        os.write(self.log_fd, (json.dumps({"w": self.worker, **entry}) + "\n").encode())

    def version(self, data: bytes) -> None:
        """Log a complete version's raw blocks before it is written: the test checks that
        every raw block on the node is one of these (never a torn file's)."""
        if len(data) <= CHUNK_SIZE:
            blocks = [cid_of_bytes(data)]
        else:
            blocks = [cid_of_bytes(data[i : i + CHUNK_SIZE])
                      for i in range(0, len(data), CHUNK_SIZE)]
        self.record(op="version", blocks=blocks)

    def path(self, rel: str) -> str:
        full = os.path.join(self.settings.root, *rel.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def content(self) -> bytes:
        self.n += 1
        size = 300_000 if self.rnd.random() < 0.03 else self.rnd.randrange(1, 4000)
        return f"{self.worker}:{self.n}:".encode() + self.rnd.randbytes(size)

    def read(self, rel: str) -> bytes | None:
        # Times (CLOCK_MONOTONIC, shared by the processes) let the oracle tell an answer
        # of the negative cache (a path found absent moments ago) from a failed restore.
        start = time.monotonic()
        try:
            data = self.storage.read_bytes(Path(self.path(rel)))
        except FileNotFoundError:
            self.record(op="read", path=rel, cid=None, start=start, end=time.monotonic())
            return None
        self.record(op="read", path=rel, cid=cid_of_bytes(data), start=start,
                    end=time.monotonic())
        return data

    def step(self) -> None:
        rnd, rel, pin = self.rnd, self.rnd.choice(PATHS), self.rnd.random() < 0.6
        op = rnd.choices(["write", "append", "slow", "replace", "remove", "read"],
                         [4, 2, 1, 2, 1, 4])[0]
        if op == "slow":
            self.slow_write(rel, pin)
            return
        with self.turn():
            if op == "read":
                self.read(rel)
            elif op == "write":
                data = self.content()
                self.version(data)
                if rnd.random() < 0.5:
                    self.storage.write_bytes(Path(self.path(rel)), data, pin=pin)
                else:
                    with self.storage.open(self.path(rel), "wb", pin=pin) as f:
                        f.write(data)
                self.record(op="write", path=rel, cid=cid_of_bytes(data), pin=pin)
            elif op == "append":
                old = self.read(rel) or b""  # the read is what restores, if anything
                extra = self.content()
                self.version(old + extra)
                with self.storage.open(self.path(rel), "ab", pin=pin) as f:
                    f.write(extra)
                self.record(op="write", path=rel, cid=cid_of_bytes(old + extra), pin=pin)
            elif op == "replace":
                data = self.content()
                self.version(data)
                with self.storage.open(self.path(rel + ".tmp"), "wb", pin=pin) as f:
                    f.write(data)
                self.storage.replace(self.path(rel + ".tmp"), self.path(rel))
                self.record(op="replace", path=rel, cid=cid_of_bytes(data), pin=pin)
            elif os.path.exists(self.path(rel)):  # remove
                self.storage.remove(self.path(rel))
                self.record(op="remove", path=rel)

    def slow_write(self, rel: str, pin: bool) -> None:
        data = self.content()
        with self.turn():
            self.version(data)
            f = self.storage.open(self.path(rel), "wb", pin=pin)
            f.write(data[: len(data) // 2])
            f.flush()
        time.sleep(self.rnd.uniform(0.05, 0.4))  # other workers (and syncs) run meanwhile
        with self.turn():
            f.write(data[len(data) // 2 :])
            f.close()
            self.record(op="write", path=rel, cid=cid_of_bytes(data), pin=pin)


def main() -> int:
    worker, seed, seconds, log, lock = sys.argv[1:6]
    soak = Soak(worker, int(seed), log, lock)
    stop = threading.Event()
    failed: list[BaseException] = []

    def syncing() -> None:
        pause = random.Random(seed)
        try:
            while not stop.wait(pause.uniform(0.1, 0.4)):
                sync(soak.backend, attempts=1)
        except BaseException as exc:  # reported by the exit code below
            failed.append(exc)
            raise

    syncer = threading.Thread(target=syncing, daemon=True)
    syncer.start()
    deadline = time.monotonic() + float(seconds)
    steps = 0
    while time.monotonic() < deadline:
        soak.step()
        steps += 1
    stop.set()
    syncer.join(30)
    soak.backend.close()
    print(json.dumps({"worker": worker, "steps": steps}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
