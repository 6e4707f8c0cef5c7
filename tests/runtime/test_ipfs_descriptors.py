"""Which descriptors the ipfs backend keeps in the program between its calls (against the
real node): no socket (one connection per RPC call) and no `writers.lock` once no file is
open for writing; the index's sqlite files only (kept for the process: closing them per
call costs 1.4-70x, bench/descriptor_cost.py; README "The only differences").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd")


def _targets() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return found


def _runtime_owned(before: list[str], root: str) -> list[str]:
    """Descriptors opened since `before` that are sockets or under the runtime's state."""
    new = list(_targets())
    for target in before:
        if target in new:
            new.remove(target)
    return sorted(t if ".storage-runtime" in t else "socket" for t in new
                  if t.startswith("socket:") or ".storage-runtime" in t)


@pytest.mark.ipfs
def test_between_calls_only_the_index_stays_open(make_storage: Callable[..., Any]) -> None:
    storage = make_storage()
    root = storage.settings.root
    path = os.path.join(root, "spill.bin")
    before = _targets()
    with storage.open(path, "wb") as f:  # open for writing: its lock byte is held
        f.write(b"value")
        held = _runtime_owned(before, root)
        assert os.path.join(root, ".storage-runtime", "writers.lock") in held
    state = os.path.join(root, ".storage-runtime")
    index = [os.path.join(state, "index.sqlite3" + suffix) for suffix in ("", "-shm", "-wal")]
    assert _runtime_owned(before, root) == index
    storage.write_bytes(Path(path), b"again")
    os.remove(path)
    with pytest.raises(FileNotFoundError):  # a namespace lookup for a missing file
        storage.open(os.path.join(root, "never.bin"), "rb")
    assert _runtime_owned(before, root) == index
