"""Several writable handles of a file this machine never published, on the real node:
handles that all change nothing leave no row (nothing pending, nothing in the namespace),
however they nest or interleave and whichever process holds them; when one of them
writes, the file is published once the last of them closes; a killed holder leaves a row
`sync` publishes (unseen9's S1: syrupy's nested lock file).

Each open counts one generation and each unchanged close takes its own back
(`Index.unbump`), so the row's fate does not depend on the order of the closes."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import PYTHON, mfs_cid, rows, run_cli
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs

LOCK = b"\0"  # what syrupy's lock file holds: one sentinel byte, written behind the runtime


def _lock_file(storage: Any, name: str = "snap.lock") -> Path:
    path = Path(storage.settings.root, name)
    path.write_bytes(LOCK)  # created with builtin I/O: no row, never published
    return path


def _nothing_known(storage: Any, ipfs_client: Any, namespace: str, name: str) -> None:
    assert name not in rows(storage.settings.index)
    assert mfs_cid(ipfs_client, f"{namespace}/{name}") is None
    status = run_cli(["status"], storage.settings.as_env())
    assert status.returncode == 0, status.stdout + status.stderr


# Orders in which three handles a, b, c (opened in that order) close.
_ORDERS = {
    "nested": "cba",
    "outer first": "abc",
    "middle first": "bac",
}


@pytest.mark.parametrize("order", list(_ORDERS), ids=list(_ORDERS))
@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("pin", [True, False])
def test_handles_that_change_nothing_leave_no_row_whatever_order_they_close_in(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    order: str, count: int, pin: bool,
) -> None:
    storage = make_storage()
    path = _lock_file(storage)
    handles = {name: storage.open(path, "r+b", pin=pin) for name in "abc"[:count]}
    row = rows(storage.settings.index)["snap.lock"]
    assert (row["state"], row["cid"], row["gen"]) == ("pending", None, count)  # one per open
    for name in (n for n in _ORDERS[order] if n in handles):
        assert handles[name].read() == LOCK
        handles[name].close()
    assert path.read_bytes() == LOCK
    _nothing_known(storage, ipfs_client, namespace, "snap.lock")
    # The path is again one this machine never knew: a later write publishes as usual.
    with storage.open(path, "r+b", pin=True) as f:
        f.write(b"L")
    assert mfs_cid(ipfs_client, f"{namespace}/snap.lock") == cid_of_bytes(b"L")


@pytest.mark.parametrize("writer_closes_first", [True, False], ids=["writer first", "writer last"])
@pytest.mark.parametrize("writer", ["outer", "inner"])
def test_when_one_handle_writes_the_last_close_publishes_the_file(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    writer: str, writer_closes_first: bool,
) -> None:
    storage = make_storage()
    path = _lock_file(storage)
    outer = storage.open(path, "r+b", pin=True)
    inner = storage.open(path, "r+b", pin=True)
    (outer if writer == "outer" else inner).write(b"W")
    first, last = (outer, inner) if (writer == "outer") == writer_closes_first else (inner, outer)
    first.close()
    assert mfs_cid(ipfs_client, f"{namespace}/snap.lock") is None  # still open: never torn
    assert rows(storage.settings.index)["snap.lock"]["state"] == "pending"
    last.close()  # changed or not, the last close publishes what the other wrote
    row = rows(storage.settings.index)["snap.lock"]
    assert (row["state"], row["cid"]) == ("published", cid_of_bytes(b"W"))
    assert mfs_cid(ipfs_client, f"{namespace}/snap.lock") == cid_of_bytes(b"W")
    assert run_cli(["status"], storage.settings.as_env()).returncode == 0


# A second process holding the same file `r+b` (syrupy's lock taken by another pytest-xdist
# worker): it opens, says "open", then on each line of stdin writes it (empty: nothing)
# and closes on "close".
_HOLDER = """
import os, sys
from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend
from storage_runtime.config import Settings
settings = Settings.from_env()
storage = Storage(settings, backend_impl=IpfsBackend(settings, drain_on_start=False))
f = storage.open(sys.argv[1], "r+b", pin=True)
print("open", flush=True)
for line in sys.stdin:
    if line.strip() == "close":
        f.close()
        print("closed", flush=True)
        break
    f.write(line.strip().encode())
    f.flush()
    print("wrote", flush=True)
sys.stdin.readline()
"""


def _holder(storage: Any, path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [PYTHON, "-c", _HOLDER, str(path)], env={**os.environ, **storage.settings.as_env()},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "open\n"
    return proc


def _tell(proc: subprocess.Popen[str], line: str) -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return proc.stdout.readline()


def _end(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(30) == 0


@pytest.mark.parametrize("first", ["this process", "the other process"])
def test_a_handle_in_another_process_that_changes_nothing_leaves_no_row(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str, first: str
) -> None:
    storage = make_storage()
    path = _lock_file(storage)
    mine = storage.open(path, "r+b", pin=True)  # this process made the row
    other = _holder(storage, path)
    try:
        if first == "this process":
            mine.close()
            assert rows(storage.settings.index)["snap.lock"]["state"] == "pending"  # held
            assert _tell(other, "close") == "closed\n"
        else:
            assert _tell(other, "close") == "closed\n"
            assert rows(storage.settings.index)["snap.lock"]["state"] == "pending"  # held
            mine.close()
    finally:
        _end(other)
    _nothing_known(storage, ipfs_client, namespace, "snap.lock")


def test_a_write_in_another_process_is_published_by_the_last_close_here(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    path = _lock_file(storage)
    mine = storage.open(path, "r+b", pin=True)
    other = _holder(storage, path)
    try:
        assert _tell(other, "X") == "wrote\n"
        assert _tell(other, "close") == "closed\n"  # busy: this process still holds it
        assert mfs_cid(ipfs_client, f"{namespace}/snap.lock") is None
    finally:
        _end(other)
    mine.close()  # unchanged here, but the last writer: publishes the other's bytes
    assert mfs_cid(ipfs_client, f"{namespace}/snap.lock") == cid_of_bytes(b"X")


def test_a_killed_holder_leaves_a_row_that_is_published(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """The README's rule for a writer that never closes: a kill between the closes still
    leaves what it may have written to be published (here by the last close, which
    finds no other writer; `sync` when there is none)."""
    storage = make_storage()
    path = _lock_file(storage)
    mine = storage.open(path, "r+b", pin=True)
    other = _holder(storage, path)
    assert _tell(other, "K") == "wrote\n"
    other.send_signal(signal.SIGKILL)
    assert other.wait(30) == -signal.SIGKILL
    assert rows(storage.settings.index)["snap.lock"]["state"] == "pending"
    mine.close()
    assert mfs_cid(ipfs_client, f"{namespace}/snap.lock") == cid_of_bytes(b"K")


_NESTED_THEN_KILLED = """
import os, signal, sys
from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend
from storage_runtime.config import Settings
settings = Settings.from_env()
storage = Storage(settings, backend_impl=IpfsBackend(settings, drain_on_start=False))
outer = storage.open(sys.argv[1], "r+b", pin=True)
with storage.open(sys.argv[1], "r+b", pin=True) as inner:
    inner.read()
os.kill(os.getpid(), signal.SIGKILL)  # between the inner close and the outer one
"""


def test_a_kill_between_the_closes_of_nested_handles_leaves_a_row_sync_publishes(
    ipfs_settings: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    settings = ipfs_settings()
    path = Path(settings.root, "snap.lock")
    path.write_bytes(LOCK)
    proc = subprocess.run(
        [PYTHON, "-c", _NESTED_THEN_KILLED, str(path)], env={**os.environ, **settings.as_env()},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    row = rows(settings.index)["snap.lock"]
    assert (row["state"], row["cid"]) == ("pending", None)
    status = run_cli(["status"], settings.as_env())
    assert status.returncode == 1 and "pending: snap.lock" in status.stderr
    synced = run_cli(["sync"], settings.as_env())
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert mfs_cid(ipfs_client, f"{namespace}/snap.lock") == cid_of_bytes(LOCK)


@pytest.mark.parametrize("mode", ["xb", "x"])
def test_a_failed_exclusive_open_while_another_handle_holds_the_file_takes_its_bump_back(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str, mode: str,
) -> None:
    """`open(p, "x")` on an existing file raises FileExistsError before anything is
    opened: its bump was kept (the row not new, the open "failed"), so the holder's
    unchanged close left a pending row no writer owned, which that close then published
    (a file nobody wrote, in the namespace)."""
    storage = make_storage()
    path = _lock_file(storage)
    holder = storage.open(path, "r+b", pin=True)
    with pytest.raises(FileExistsError) as raised:
        storage.open(path, mode, pin=True)
    assert raised.value.filename == str(path)
    assert rows(storage.settings.index)["snap.lock"]["gen"] == 1  # the holder's bump only
    assert holder.read() == LOCK
    holder.close()
    assert path.read_bytes() == LOCK
    _nothing_known(storage, ipfs_client, namespace, "snap.lock")
