"""One worker of test_exclusive_claim_workers.py: a separate process on its own root.

    python _claim_worker.py WHO N ROUNDS BARRIER_DIR

Round i: wait at a file barrier with the N workers, then create `r<i>/claim.txt`
exclusively through the runtime, pinned, in turn: `storage.open(p, "x")` (writing WHO),
`storage.path_touch(Path(p), exist_ok=False)` (then writing WHO with `write_text`), and
a handle writer, `tarfile.open(p, "x:gz")` called through `storage.claiming` (one member
named WHO; published after its `with`, as the migration publishes handle writers). Prints one line per round: `won i` or `lost i <errno> <filename is p>
<what the loser's disk holds there>`. After every worker's rounds (a last barrier) it
reads every round's file through the runtime (`read i <content>`).
"""

from __future__ import annotations

import os
import sys
import tarfile
from pathlib import Path

from _barrier import wait_all
from storage_runtime import storage

who, n, rounds, barrier = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def content(f: object, path: str) -> str:
    if path.endswith(".tgz"):
        with tarfile.open(fileobj=f, mode="r:gz") as tar:  # type: ignore[arg-type]
            return " ".join(tar.getnames())
    return f.read().decode()  # type: ignore[attr-defined]


def local(path: str) -> str:
    try:
        with open(path, "rb") as f:  # builtin open: the disk as it is, nothing restored
            return repr(content(f, path))
    except FileNotFoundError:
        return "-"


def name(i: int) -> str:
    return f"r{i}/claim." + ("txt", "flag", "tgz")[i % 3]


for i in range(rounds):
    path = name(i)
    os.makedirs(f"r{i}", exist_ok=True)
    wait_all(barrier, f"start{i}", who, n)
    try:
        if i % 3 == 0:
            with storage.open(path, "x", pin=True) as f:
                f.write(who)
        elif i % 3 == 1:
            storage.path_touch(Path(path), exist_ok=False, pin=True)
            storage.write_text(Path(path), who, pin=True)
        else:
            with storage.claiming(tarfile.open, path=0, pin=True)(path, "x:gz") as tar:
                tar.addfile(tarfile.TarInfo(who))
            storage.publish(path, pin=True)
    except FileExistsError as exc:
        print("lost", i, exc.errno, exc.filename == path, local(path), flush=True)
    else:
        print("won", i, flush=True)
wait_all(barrier, "end", who, n)
for i in range(rounds):
    with storage.open(name(i), "rb") as f:
        print("read", i, content(f, name(i)), flush=True)
