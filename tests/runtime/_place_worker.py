"""One worker of test_place_contended_workers.py: a separate process on its own root.

    python _place_worker.py WHO N ROUNDS BARRIER_DIR

Round i: wait at a file barrier with the N workers, then write `state<i>.txt` pinned
(`storage.open(p, "w", pin=True)`), strict: a publish that fails raises here. Prints
`ok i` or the error.
"""

from __future__ import annotations

import sys

from _barrier import wait_all
from storage_runtime import storage

who, n, rounds, barrier = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

for i in range(rounds):
    wait_all(barrier, str(i), who, n)
    try:
        with storage.open(f"state{i}.txt", "w", pin=True) as f:
            f.write(f"{who} round {i}")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        print("failed", i, type(exc).__name__, exc, flush=True)
    else:
        print("ok", i, flush=True)
