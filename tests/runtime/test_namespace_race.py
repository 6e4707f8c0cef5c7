"""Races on the namespace and its pins, forced into the one instant where they bite.

Two machines editing one MFS entry between a `stat` and a removal or a rename: the MFS API
has no compare-and-swap, so `_namespace` takes an entry by moving it aside and reading what
it took. These tests put another machine's pinned publish (a second in-process backend with
its own root and index, on the real node) exactly inside that window, by running it right
after the first machine's `stat` of the entry, and check the promises: the version that
left the namespace is unpinned, the one in the namespace is pinned, a conditional removal
spares a version it did not know, and a rename carries its own version only.

One machine (two processes, two roots sharing one index) unpinning bytes that another path
pins at that instant: the release is run up to its unpin, the other process is let run
until it ends or waits for the lock on those bytes (seen in /proc/locks), and the bytes
must stay pinned under the other path.

A writable open of a file a publisher is reading (uploading): the writer is started after
the publisher's first read and let run as far as it can; every byte streamed to the node
must belong to one complete version (a torn upload is thrown away by the generation check,
but its blocks would stay on the node). And a close whose publish finds `sync` already
uploading the same file: it must not return before that publish is in the namespace.
"""

from __future__ import annotations

import errno
import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import PYTHON, is_pinned, mfs_cid
from storage_runtime import _namespace, _publish
from storage_runtime._cid import cid_of_bytes
from storage_runtime._ipfs_errors import PublishError
from storage_runtime._locks import cid_lock_folder

pytestmark = pytest.mark.ipfs


def _write(storage: Any, rel: str, data: bytes) -> str:
    with storage.open(os.path.join(storage.backend.settings.root, rel), "wb", pin=True) as f:
        f.write(data)
    return cid_of_bytes(data)


def _after_first_stat(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run `action` (once) just after the next `entry_cid` call returns."""
    real = _namespace.entry_cid
    pending = [action]

    def stat_then_race(backend: Any, rel: str) -> str | None:
        result = real(backend, rel)
        if pending:
            pending.pop()()
        return result

    monkeypatch.setattr(_namespace, "entry_cid", stat_then_race)


def test_a_version_placed_between_stat_and_replace_is_unpinned_when_replaced(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    v1 = _write(a, "x.bin", f"v1 {namespace}".encode())
    data_b = f"v-b {namespace}".encode()
    _after_first_stat(monkeypatch, lambda: _write(b, "x.bin", data_b))
    v2 = _write(a, "x.bin", f"v2 {namespace}".encode())  # its stat sees v1, then b places
    v_b = cid_of_bytes(data_b)
    assert mfs_cid(ipfs_client, f"{namespace}/x.bin") == v2  # the last placement wins
    assert is_pinned(ipfs_client, v2)
    assert not is_pinned(ipfs_client, v1)
    assert not is_pinned(ipfs_client, v_b), "a replaced version kept its pin"


def test_a_removal_spares_a_version_placed_between_stat_and_removal(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    v1 = _write(a, "x.bin", f"v1 {namespace}".encode())
    data_b = f"v-b {namespace}".encode()
    _after_first_stat(monkeypatch, lambda: _write(b, "x.bin", data_b))
    a.remove(os.path.join(a.backend.settings.root, "x.bin"))  # its stat sees v1
    v_b = cid_of_bytes(data_b)
    assert mfs_cid(ipfs_client, f"{namespace}/x.bin") == v_b  # the newer version stays
    assert is_pinned(ipfs_client, v_b)
    assert not is_pinned(ipfs_client, v1)


def test_a_rename_never_carries_a_version_placed_at_its_source_meanwhile(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    root = a.backend.settings.root
    v_a = _write(a, "x.json.tmp", f"v-a {namespace}".encode())
    data_b = f"v-b {namespace}".encode()
    # a's rename checks that its source entry holds v_a; b pins its own `.tmp` right then
    _after_first_stat(monkeypatch, lambda: _write(b, "x.json.tmp", data_b))
    a.replace(os.path.join(root, "x.json.tmp"), os.path.join(root, "x.json"))
    v_b = cid_of_bytes(data_b)
    assert mfs_cid(ipfs_client, f"{namespace}/x.json") == v_a, "the rename carried b's version"
    assert mfs_cid(ipfs_client, f"{namespace}/x.json.tmp") == v_b, "b's newer version was lost"
    assert is_pinned(ipfs_client, v_a)
    assert is_pinned(ipfs_client, v_b)
    assert a.backend.index.entry("x.json") == (v_a, True)
    assert a.backend.index.entry("x.json.tmp") is None


def _blocked_on(folder: str) -> bool:
    """True when some descriptor waits for a `flock` on a file in `folder` (/proc/locks)."""
    try:
        inodes = {str(os.stat(os.path.join(folder, n)).st_ino) for n in os.listdir(folder)}
    except FileNotFoundError:
        return False
    with open("/proc/locks") as f:
        return any(" -> FLOCK " in f" {line}" and line.split()[-3].rsplit(":", 1)[-1] in inodes
                   for line in f)


@pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="needs Linux /proc/locks")
def test_an_unpin_never_takes_the_pin_another_path_just_took_for_the_same_bytes(
    make_storage: Callable[..., Any], ipfs_settings: Callable[..., Any], ipfs_client: Any,
    namespace: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = str(tmp_path / "shared-index.sqlite3")
    a = make_storage("a", index=index)
    same = f"same bytes {namespace}".encode()
    v = _write(a, "x.bin", same)
    backend = a.backend
    real_in_use = backend.index.cid_in_use
    other: list[subprocess.Popen[str]] = []
    # Another process of this machine (root b, the same index) pins the same bytes.
    pin_same = ("import os; from storage_runtime import storage\n"
                "with storage.open(os.path.join(storage.settings.root, 'y.bin'), 'wb',"
                " pin=True) as f:\n    f.write(bytes.fromhex(os.environ['SAME']))\n")
    env = {**os.environ, **ipfs_settings("b", index=index).as_env(), "SAME": same.hex()}

    def in_use_then_race(cid: str, **kwargs: Any) -> bool:
        answer = real_in_use(cid, **kwargs)
        if cid == v and not other:  # a decided whether to unpin v: b pins v at y.bin now
            other.append(subprocess.Popen([PYTHON, "-c", pin_same], env=env, text=True,
                                          stderr=subprocess.PIPE))
            deadline = time.monotonic() + 60  # b finishes, or waits for a's lock on v
            while (other[0].poll() is None and not _blocked_on(cid_lock_folder(backend))
                   and time.monotonic() < deadline):
                time.sleep(0.01)
        return answer

    monkeypatch.setattr(backend.index, "cid_in_use", in_use_then_race)
    _write(a, "x.bin", f"other bytes {namespace}".encode())  # supersedes v at x.bin
    _out, err = other[0].communicate(timeout=60)
    assert other[0].returncode == 0, err
    assert mfs_cid(ipfs_client, f"{namespace}/y.bin") == v
    assert is_pinned(ipfs_client, v), "y.bin's pin was taken by x.bin's release"


def test_a_writer_never_changes_a_file_while_a_publisher_uploads_it(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = make_storage("a")
    path = os.path.join(storage.backend.settings.root, "big.bin")
    v1 = b"v1" + os.urandom(1 << 20) + namespace.encode()  # several reads of the uploader
    v2 = b"v2" + os.urandom(1 << 20) + namespace.encode()
    streamed = bytearray()  # what the first publish (of v1) sent to the node
    readers: list[Any] = []
    writer: list[threading.Thread] = []

    def rewrite() -> None:
        with storage.open(path, "wb", pin=True) as f:
            f.write(v2)

    real_read = _publish._HashingReader.read

    def read_then_race(self: Any, size: int = -1) -> bytes:
        data = real_read(self, size)
        if not readers:  # the first publish read its first piece: v2 is written now
            readers.append(self)
            writer.append(threading.Thread(target=rewrite))
            writer[0].start()
            writer[0].join(2)  # done, or held off until this upload ends
        if self is readers[0]:
            streamed.extend(data)
        return data

    monkeypatch.setattr(_publish._HashingReader, "read", read_then_race)
    with storage.open(path, "wb", pin=True) as f:
        f.write(v1)
    writer[0].join(60)
    assert not writer[0].is_alive()
    uploaded = cid_of_bytes(bytes(streamed))
    assert uploaded in (cid_of_bytes(v1), cid_of_bytes(v2)), "a half-rewritten file was uploaded"
    assert mfs_cid(ipfs_client, f"{namespace}/big.bin") == cid_of_bytes(v2)


def test_a_close_returns_after_a_sync_publishing_the_same_version_placed_it(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = make_storage("a")
    backend = storage.backend
    path = os.path.join(backend.settings.root, "x.bin")
    data = f"v {namespace}".encode()
    syncing, closed = threading.Event(), threading.Event()
    syncer: list[threading.Thread] = []
    real_read = _publish._HashingReader.read

    def slow_read(self: Any, size: int = -1) -> bytes:
        if threading.current_thread() in syncer:
            syncing.set()
            closed.wait(3)  # the close returns meanwhile, or waits for this upload
        return real_read(self, size)

    real_pending = backend.index.mark_pending

    def pending_then_sync(rel: str, pin: bool) -> Any:
        answer = real_pending(rel, pin)
        if not syncer:  # a `sync` picks the row up before the close publishes it
            syncer.append(threading.Thread(target=_publish.publish_one,
                                           args=(backend, rel, answer[0], pin)))
            syncer[0].start()
            assert syncing.wait(30)
        return answer

    monkeypatch.setattr(_publish._HashingReader, "read", slow_read)
    monkeypatch.setattr(backend.index, "mark_pending", pending_then_sync)
    with storage.open(path, "wb", pin=True) as f:
        f.write(data)
    in_namespace = mfs_cid(ipfs_client, f"{namespace}/x.bin")
    closed.set()
    syncer[0].join(60)
    assert in_namespace == cid_of_bytes(data), "the close returned before its version was placed"


def test_a_restored_copy_of_a_renamed_file_does_not_keep_its_pin_forever(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    root_a, root_b = a.backend.settings.root, b.backend.settings.root
    v = _write(a, "m.json.tmp", f"v {namespace}".encode())
    assert b.read_bytes(Path(root_b, "m.json.tmp")) == f"v {namespace}".encode()  # restored
    a.replace(os.path.join(root_a, "m.json.tmp"), os.path.join(root_a, "m.json"))
    z = _write(b, "m.json", f"z {namespace}".encode())  # b replaces v, which it also restored
    assert mfs_cid(ipfs_client, f"{namespace}/m.json") == z
    assert mfs_cid(ipfs_client, f"{namespace}/m.json.tmp") is None
    assert is_pinned(ipfs_client, z)
    assert not is_pinned(ipfs_client, v), "no entry holds v, yet it stayed pinned"


def test_a_version_whose_placement_failed_is_unpinned_by_the_next_publish(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = make_storage("a")
    real_place = _namespace.place

    def fail_once(backend: Any, rel: str, cid: str) -> set[str]:
        monkeypatch.setattr(_namespace, "place", real_place)
        raise PublishError(errno.EIO, "injected: the node failed while placing")

    monkeypatch.setattr(_namespace, "place", fail_once)
    x = _write(a, "p.bin", f"x {namespace}".encode())  # pinned, never placed: pending
    assert is_pinned(ipfs_client, x)
    assert mfs_cid(ipfs_client, f"{namespace}/p.bin") is None
    z = _write(a, "p.bin", f"z {namespace}".encode())
    assert mfs_cid(ipfs_client, f"{namespace}/p.bin") == z
    assert is_pinned(ipfs_client, z)
    assert not is_pinned(ipfs_client, x), "the version that never reached its entry kept its pin"
