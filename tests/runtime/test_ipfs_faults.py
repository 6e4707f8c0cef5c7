"""Fault paths of the ipfs backend, with a fake RPC client (the real-node tests sit next
to these). The fake is only a fault injector: CIDs are computed by the real `_cid`."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from storage_runtime._rpc import NodeUnreachable as IpfsConnectionError
from storage_runtime._rpc import ErrorResponse
from storage_runtime import Storage
from storage_runtime._cid import cid_of_bytes
from storage_runtime._ipfs import IpfsBackend
from storage_runtime._ipfs_errors import PublishError, RestoreError, RestoreRefused
from storage_runtime._restore import check_target, safe_name
from storage_runtime.config import Settings


@pytest.fixture(autouse=True)
def _fresh_process_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a fresh process would: no "once per process" warning given."""
    import storage_runtime._ipfs as ipfs

    monkeypatch.setattr(ipfs, "_warned", set())


class _Files:
    def __init__(self, node: FakeNode) -> None:
        self.node = node

    def cp(self, src: str, dst: str) -> None:
        self.node.check()
        if dst in self.node.mfs:
            raise ErrorResponse("directory already has entry by that name", None)
        self.node.mfs[dst] = src.removeprefix("/ipfs/")

    def mkdir(self, path: str, parents: bool = False) -> None:
        self.node.check()

    def rm(self, path: str) -> None:
        self.node.check()
        if self.node.mfs.pop(path, None) is None:
            raise ErrorResponse("file does not exist", None)

    def stat(self, path: str, opts: Any = None) -> dict[str, Any]:
        self.node.check()
        if path not in self.node.mfs:
            raise ErrorResponse(f"{path} does not exist", None)
        return {"Type": "file", "Hash": self.node.mfs[path]}


class _Pins:
    def __init__(self, node: FakeNode) -> None:
        self.node = node
        self.pinned: set[str] = set()

    def add(self, cid: str) -> None:
        self.node.check()
        self.pinned.add(cid)

    def rm(self, cid: str) -> None:
        self.node.check()
        if cid not in self.pinned:
            raise ErrorResponse("not pinned or pinned indirectly", None)
        self.pinned.discard(cid)


class FakeNode:
    """What the fault tests need of a node: add/cat/files, and injected failures."""

    def __init__(self) -> None:
        self.blocks: dict[str, bytes] = {}
        self.mfs: dict[str, str] = {}
        self.down = False
        self.calls = 0
        self.lie = False  # add answers a CID of other bytes
        self.corrupt_cat = False
        self.hold: tuple[threading.Event, threading.Event] | None = None
        self.files = _Files(self)
        self.pin = _Pins(self)

    def check(self) -> None:
        self.calls += 1
        if self.down:
            raise IpfsConnectionError(OSError("Connection refused"))

    def add(self, reader: Any, **kwargs: Any) -> dict[str, Any]:
        self.check()
        data = reader.read()
        while chunk := reader.read(65536):
            data += chunk
        cid = cid_of_bytes(data + (b"!" if self.lie else b""))
        self.blocks[cid] = data
        if self.hold is not None:  # a slow add: the bytes are read, the answer waits
            entered, gate = self.hold
            self.hold = None
            entered.set()
            assert gate.wait(10)
        return {"Hash": cid, "Name": cid, "Size": len(data)}

    def cat(self, cid: str, stream: bool = False, opts: Any = None) -> Any:
        self.check()
        data = self.blocks[cid]
        if self.corrupt_cat:
            data = data[:-1] + b"X"
        return iter([data[:3], data[3:]])

    def version(self) -> dict[str, str]:
        self.check()
        return {"Version": "fake"}

    def close(self) -> None:
        pass


def _storage(tmp_path: Any, node: FakeNode, name: str = "root", **overrides: Any) -> Storage:
    (tmp_path / name).mkdir(exist_ok=True)
    settings = Settings(backend="ipfs", root=str(tmp_path / name), **overrides)
    backend = IpfsBackend(settings, client_factory=lambda s: node, drain_on_start=False)
    return Storage(settings, backend_impl=backend)


def _state(storage: Storage, rel: str) -> tuple[str, str | None]:
    row = storage.backend.index.get(rel)  # type: ignore[attr-defined]
    assert row is not None
    return row.state, row.cid


def test_daemon_down_keeps_the_write_pending_and_warns_once(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    node = FakeNode()
    node.down = True
    storage = _storage(tmp_path, node)
    root = storage.settings.root
    with caplog.at_level(logging.WARNING, logger="storage_runtime"):
        with storage.open(os.path.join(root, "a.txt"), "w", pin=True) as f:
            f.write("kept")
        storage.write_text(Path(os.path.join(root, "b.txt")), "also kept")
    assert Path(root, "a.txt").read_text() == "kept"
    assert _state(storage, "a.txt") == ("pending", None)
    assert _state(storage, "b.txt") == ("pending", None)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "sync" in warnings[0].getMessage()
    assert node.calls == 1  # the second write did not wait on a dead daemon again


def test_sync_publishes_pending_writes_when_the_daemon_is_back(tmp_path: Any) -> None:
    from storage_runtime._publish import sync

    node = FakeNode()
    node.down = True
    storage = _storage(tmp_path, node)
    storage.write_text(Path(os.path.join(storage.settings.root, "a.txt")), "x", pin=True)
    node.down = False
    report = sync(storage.backend)  # type: ignore[arg-type]
    assert (report.published, report.remaining) == (1, 0)
    assert _state(storage, "a.txt") == ("published", cid_of_bytes(b"x"))
    assert node.mfs["/migrate-storage/a.txt"] == cid_of_bytes(b"x")


def test_strict_mode_raises_but_the_file_is_written_and_pending(tmp_path: Any) -> None:
    node = FakeNode()
    node.down = True
    storage = _storage(tmp_path, node, strict=True)
    path = os.path.join(storage.settings.root, "a.txt")
    with pytest.raises(PublishError):
        storage.write_text(Path(path), "strict")
    assert Path(path).read_text() == "strict"
    assert _state(storage, "a.txt") == ("pending", None)


def test_a_node_storing_other_bytes_is_not_recorded_as_published(tmp_path: Any) -> None:
    node = FakeNode()
    node.lie = True
    storage = _storage(tmp_path, node)
    storage.write_bytes(Path(os.path.join(storage.settings.root, "a.bin")), b"data")
    assert _state(storage, "a.bin") == ("pending", None)


def test_next_process_publishes_pending_in_the_background(tmp_path: Any) -> None:
    node = FakeNode()
    node.down = True
    first = _storage(tmp_path, node)
    first.write_text(Path(os.path.join(first.settings.root, "a.txt")), "later")
    node.down = False
    settings = first.settings
    backend = IpfsBackend(settings, client_factory=lambda s: node)  # drain on first use
    second = Storage(settings, backend_impl=backend)
    second.write_text(Path(os.path.join(settings.root, "b.txt")), "now")
    backend.wait_drain(10)
    assert _state(second, "a.txt") == ("published", cid_of_bytes(b"later"))


def test_a_corrupt_index_never_breaks_the_write(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    node = FakeNode()
    storage = _storage(tmp_path, node)
    index = storage.settings.index
    os.makedirs(os.path.dirname(index))
    with open(index, "wb") as f:
        f.write(b"this is not a database" * 100)
    path = os.path.join(storage.settings.root, "a.txt")
    with caplog.at_level(logging.WARNING, logger="storage_runtime"):
        storage.write_text(Path(path), "safe")
    assert Path(path).read_text() == "safe"
    assert any("reindex" in r.getMessage() for r in caplog.records)


def test_a_bad_fetch_never_leaves_a_file(tmp_path: Any) -> None:
    node = FakeNode()
    writer = _storage(tmp_path, node, "writer")
    writer.write_text(Path(os.path.join(writer.settings.root, "m.txt")), "model", pin=True)
    node.corrupt_cat = True
    reader = _storage(tmp_path, node, "reader")
    path = os.path.join(reader.settings.root, "m.txt")
    with pytest.raises(RestoreError, match="does not match"):
        reader.backend.before_read(path)
    assert os.listdir(reader.settings.root) == [".storage-runtime"]
    node.corrupt_cat = False
    assert reader.read_text(Path(path)) == "model"


def test_index_rows_stay_valid_sqlite(tmp_path: Any) -> None:
    node = FakeNode()
    storage = _storage(tmp_path, node)
    for i in range(5):
        storage.write_text(Path(os.path.join(storage.settings.root, f"f{i}.txt")), str(i), pin=i % 2 == 0)
    conn = sqlite3.connect(storage.settings.index)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT COUNT(*) FROM files WHERE state = 'published'").fetchone()[0] == 5
    conn.close()


@pytest.mark.parametrize("pin", [False, True])
def test_a_slow_publish_of_old_bytes_never_overwrites_a_newer_record(
    tmp_path: Any, pin: bool
) -> None:
    node = FakeNode()
    entered, gate = threading.Event(), threading.Event()
    node.hold = (entered, gate)
    storage = _storage(tmp_path, node)
    path = os.path.join(storage.settings.root, "f.bin")
    slow = threading.Thread(target=storage.write_bytes, args=(Path(path), b"old"), kwargs={"pin": pin})
    slow.start()
    assert entered.wait(10)  # the first publish has read b"old" and waits for the node
    storage.write_bytes(Path(path), b"new", pin=pin)  # a newer write, published meanwhile
    gate.set()
    slow.join(10)
    assert _state(storage, "f.bin") == ("published", cid_of_bytes(b"new"))
    assert node.mfs.get("/migrate-storage/f.bin") == (cid_of_bytes(b"new") if pin else None)


@pytest.mark.parametrize("rel", ["../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a\\..\\b"])
def test_check_target_refuses_escaping_paths(tmp_path: Any, rel: str) -> None:
    with pytest.raises(RestoreRefused, match="escapes the root"):
        check_target(str(tmp_path), rel)
    assert not safe_name("..") and not safe_name("") and safe_name("a.txt")


def test_restore_with_the_daemon_down_leaves_the_file_missing(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    node = FakeNode()
    node.down = True
    storage = _storage(tmp_path, node)
    path = os.path.join(storage.settings.root, "shared.txt")
    with caplog.at_level(logging.WARNING, logger="storage_runtime"), pytest.raises(
        FileNotFoundError
    ) as info:
        storage.read_text(Path(path))
    assert type(info.value) is FileNotFoundError  # the builtin's own error, unchanged
    assert any("cannot reach IPFS" in r.getMessage() for r in caplog.records)
    # Strict mode is about publishing: a read still fails exactly as the builtin's did
    # (it once raised RestoreError "not restored: IPFS unreachable" with the absolute path).
    strict = _storage(tmp_path, node, "strict", strict=True)
    with pytest.raises(FileNotFoundError) as info:
        strict.read_text(Path(os.path.join(strict.settings.root, "shared.txt")))
    assert type(info.value) is FileNotFoundError
    assert info.value.strerror == "No such file or directory"


@pytest.mark.parametrize("pin", [False, True])
def test_an_open_that_changes_nothing_while_a_publish_runs_does_not_strand_it(
    tmp_path: Any, pin: bool
) -> None:
    # The writable open bumps the generation (a publish that read the file meanwhile may
    # have read it half written); closed unchanged, it publishes nothing itself, so the
    # publish it overtook must still end published, not pending until the next sync.
    node = FakeNode()
    entered, gate = threading.Event(), threading.Event()
    node.hold = (entered, gate)
    storage = _storage(tmp_path, node)
    path = Path(storage.settings.root, "f.bin")
    slow = threading.Thread(target=storage.write_bytes, args=(path, b"data"), kwargs={"pin": pin})
    slow.start()
    assert entered.wait(10)  # the first publish has read b"data" and waits for the node
    with storage.open(path, "r+b", pin=pin) as f:
        assert f.read() == b"data"
    gate.set()
    slow.join(10)
    assert _state(storage, "f.bin") == ("published", cid_of_bytes(b"data"))
    assert node.mfs.get("/migrate-storage/f.bin") == (cid_of_bytes(b"data") if pin else None)


# -- a writable open of a new file records it at once (what a killed writer leaves) --------


@pytest.mark.parametrize("pin", [False, True])
def test_a_new_file_open_for_writing_is_pending_and_sync_leaves_it_to_its_close(
    tmp_path: Any, pin: bool
) -> None:
    from storage_runtime._publish import sync

    node = FakeNode()
    storage = _storage(tmp_path, node)
    path = os.path.join(storage.settings.root, "log.txt")
    f = storage.open(path, "w", pin=pin)
    f.write("half")
    f.flush()
    row = storage.backend.index.get("log.txt")  # type: ignore[attr-defined]
    assert (row.state, row.pin, row.cid, row.gen) == ("pending", pin, None, 1)  # its bump
    report = sync(storage.backend)  # type: ignore[arg-type]
    assert (report.published, report.busy) == (0, 1)  # open for writing: not read
    f.write(" and done")
    f.close()
    assert _state(storage, "log.txt") == ("published", cid_of_bytes(b"half and done"))


def test_failed_or_unchanged_opens_of_unknown_files_leave_no_row(tmp_path: Any) -> None:
    """A row made by an open that then failed (or changed nothing) would make the path one
    this machine knew: never restored again, or published though the program wrote
    nothing. They go again; a later restore of the path still works."""
    node = FakeNode()
    storage = _storage(tmp_path, node)
    root = storage.settings.root
    index = storage.backend.index  # type: ignore[attr-defined]
    with pytest.raises(FileNotFoundError):
        storage.open(os.path.join(root, "missing", "a.txt"), "w", pin=True)
    with pytest.raises(FileNotFoundError):
        storage.write_text(Path(root, "missing", "b.txt"), "x", pin=True)
    with pytest.raises(IsADirectoryError):
        storage.open(root, "w", pin=True)
    foreign = Path(root, "foreign.txt")
    foreign.write_text("not ours")  # written behind the runtime's back: no row
    with pytest.raises(FileExistsError):
        storage.open(str(foreign), "x", pin=True)
    with storage.open(str(foreign), "r+", pin=True) as f:
        assert f.read() == "not ours"  # read, nothing changed: nothing to publish
    with pytest.raises(LookupError):
        storage.open(os.path.join(root, "enc.txt"), "w", encoding="no-such-codec", pin=True)
    assert [r.path for r in index.rows()] == []
    assert node.mfs == {}
    # The path is still one this machine never knew: another worker's version restores.
    data = b"from worker A"
    cid = cid_of_bytes(data)
    node.blocks[cid] = data
    node.mfs["/migrate-storage/missing/a.txt"] = cid
    assert storage.read_bytes(Path(root, "missing", "a.txt")) == data


def test_nested_handles_that_change_nothing_ask_nothing_of_a_down_daemon(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """syrupy's nested lock file with the daemon down (unseen9 S1): the inner unchanged
    close once re-marked the file pending and tried to publish it (the daemon warning,
    then a row `sync` published). Nothing was written: no node call, no warning, no row.
    When one of the handles writes, the last close defers it like any other write."""
    from storage_runtime._publish import sync

    node = FakeNode()
    node.down = True
    storage = _storage(tmp_path, node)
    lock = Path(storage.settings.root, "snap.lock")
    lock.write_bytes(b"\0")
    with caplog.at_level(logging.WARNING, logger="storage_runtime"):
        with storage.open(str(lock), "r+b", pin=True) as outer:
            with storage.open(str(lock), "r+b", pin=True) as inner:
                assert inner.read() == b"\0"
            assert outer.read() == b"\0"
    assert storage.backend.index.rows() == []  # type: ignore[attr-defined]
    assert node.calls == 0
    assert [r for r in caplog.records if r.levelno == logging.WARNING] == []

    outer = storage.open(str(lock), "r+b", pin=True)
    with storage.open(str(lock), "r+b", pin=True) as inner:
        inner.write(b"L")
    assert node.calls == 0  # the outer handle is still open: nothing read yet
    outer.close()
    assert _state(storage, "snap.lock") == ("pending", None)
    node.down = False
    report = sync(storage.backend)  # type: ignore[arg-type]
    assert report.published == 1
    assert _state(storage, "snap.lock") == ("published", cid_of_bytes(b"L"))
    assert node.mfs["/migrate-storage/snap.lock"] == cid_of_bytes(b"L")
