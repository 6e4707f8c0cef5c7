"""The start barrier of the racing workers (`_ipfs_helpers.race_workers`): each worker
process marks its arrival with a file, then waits, bounded, until all N have arrived."""

from __future__ import annotations

import os
import time
from pathlib import Path


def wait_all(barrier: str, tag: str, who: str, n: int, timeout: float = 60) -> None:
    """Mark `who` arrived at `tag` in the folder `barrier`; return once `n` have."""
    Path(barrier, f"{tag}.{who}").touch()
    deadline = time.monotonic() + timeout
    while sum(name.startswith(f"{tag}.") for name in os.listdir(barrier)) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"barrier {tag}: timed out")
        time.sleep(0.0005)
