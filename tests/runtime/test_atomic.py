"""The explicit atomic opt-in, `storage.atomic_write`: builtin-open permissions, no
temporary files left, builtin errors, and a crash that leaves the old file or the new one,
never a torn one. (The plain write helpers write in place: see test_write_in_place.py.)"""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import storage_runtime._atomic as atomic_mod
from _local_helpers import (
    describe_exception,
    run_as_nobody,
    shared_tempdir,
    small_tmpfs,
    tracked_storage,
)
from storage_runtime._atomic import TEMP_SUFFIX, AtomicWrite

builtin_open = io.open


def atomic(storage: Any, path: Any, mode: str, write: Any, **kwargs: Any) -> Any:
    with storage.atomic_write(path, mode, **kwargs) as f:
        return write(f)


HELPERS = {
    "text": lambda s, p, **kw: atomic(s, p, "w", lambda f: f.write("new text"), **kw),
    "bytes": lambda s, p, **kw: atomic(s, p, "wb", lambda f: f.write(b"new bytes"), **kw),
    "json": lambda s, p, **kw: atomic(s, p, "w", lambda f: json.dump({"new": 1}, f), **kw),
    "pickle": lambda s, p, **kw: atomic(s, p, "wb", lambda f: pickle.dump({"new": 1}, f), **kw),
}


def leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(TEMP_SUFFIX))


@pytest.fixture
def umask() -> Any:
    old = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(old)


@pytest.mark.parametrize("helper", sorted(HELPERS))
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o000])
def test_new_file_gets_builtin_permissions(tmp_path: Path, umask: Any, helper: str, mask: int) -> None:
    """Not mkstemp's 0600: exactly what builtin open(path, "w") creates under the umask."""
    umask(mask)
    storage, _ = tracked_storage(tmp_path)
    with builtin_open(tmp_path / "builtin", "w"):
        pass
    HELPERS[helper](storage, tmp_path / "new")
    expected = stat.S_IMODE(os.stat(tmp_path / "builtin").st_mode)
    assert expected == 0o666 & ~mask
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == expected
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("helper", sorted(HELPERS))
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o444 | 0o200, 0o4755])
def test_existing_file_keeps_its_mode(tmp_path: Path, helper: str, mode: int) -> None:
    storage, _ = tracked_storage(tmp_path)
    path = tmp_path / "existing"
    path.write_bytes(b"old")
    os.chmod(path, mode)
    HELPERS[helper](storage, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert path.read_bytes() != b"old"
    assert leftovers(tmp_path) == []


def test_existing_file_keeps_its_owner(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another owner")
    storage, _ = tracked_storage(tmp_path)
    path = tmp_path / "owned"
    path.write_bytes(b"old")
    os.chown(path, 65534, 65534)
    HELPERS["text"](storage, path)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (65534, 65534)


@pytest.mark.parametrize("helper", sorted(HELPERS))
def test_failure_mid_write_leaves_old_file_and_no_temp(tmp_path: Path, helper: str) -> None:
    storage, backend = tracked_storage(tmp_path)
    path = tmp_path / "keep"
    path.write_bytes(b"old content")
    broken = {
        "text": lambda: atomic(storage, path, "w", lambda f: f.write(b"not str")),
        "bytes": lambda: atomic(storage, path, "wb", lambda f: f.write("not bytes")),
        "json": lambda: atomic(storage, path, "w", lambda f: json.dump({"a": object()}, f)),
        "pickle": lambda: atomic(storage, path, "wb", lambda f: pickle.dump(lambda: 0, f)),
    }[helper]
    with pytest.raises((TypeError, AttributeError, pickle.PicklingError)):
        broken()
    assert path.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []
    assert backend.writes == []


def test_exception_inside_atomic_block_removes_temp(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("old")
    with pytest.raises(RuntimeError), AtomicWrite(path, "w") as f:
        f.write("half")
        assert len(leftovers(tmp_path)) == 1
        raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_disk_full_fault_raises_builtin_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the temporary file's descriptor is pointed at /dev/full, so the
    kernel itself answers ENOSPC. Same exception as builtin, old file intact, no temp file,
    nothing published."""
    storage, backend = tracked_storage(tmp_path)
    path = tmp_path / "data.json"
    path.write_text('{"old": true}')
    real_open = atomic_mod._io_open

    def full_disk_open(fd: Any, *args: Any) -> Any:
        if isinstance(fd, int):
            full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(full, fd)
            os.close(full)
        return real_open(fd, *args)

    monkeypatch.setattr(atomic_mod, "_io_open", full_disk_open)
    with pytest.raises(OSError) as ours:
        atomic(storage, path, "w", lambda f: json.dump({"big": "x" * 100_000}, f))
    with pytest.raises(OSError) as builtin, builtin_open("/dev/full", "w") as f:
        json.dump({"big": "x" * 100_000}, f)
    assert describe_exception(ours.value, "") == describe_exception(builtin.value, "")
    assert path.read_text() == '{"old": true}'
    assert leftovers(tmp_path) == []
    assert backend.writes == []


def test_real_full_tmpfs(tmp_path: Path) -> None:
    """A real full disk: a 64 KiB tmpfs (skipped where mounting is not permitted)."""
    with small_tmpfs(tmp_path) as mnt:
        storage, backend = tracked_storage(mnt)
        path = mnt / "state.bin"
        atomic(storage, path, "wb", lambda f: f.write(b"old"), pin=True)
        assert backend.writes == [(str(path), True)]
        with pytest.raises(OSError) as ours:
            atomic(storage, path, "wb", lambda f: f.write(b"x" * (512 * 1024)), pin=True)
        with pytest.raises(OSError) as builtin, builtin_open(mnt / "builtin.bin", "wb") as f:
            f.write(b"x" * (512 * 1024))
        assert describe_exception(ours.value, "") == describe_exception(builtin.value, "")
        assert ours.value.errno == 28
        os.remove(mnt / "builtin.bin")
        assert path.read_bytes() == b"old"
        assert leftovers(mnt) == []
        assert backend.writes == [(str(path), True)]  # the failed write published nothing
        atomic(storage, path, "wb", lambda f: f.write(b"fits"))  # space released: works
        assert path.read_bytes() == b"fits"


@pytest.mark.parametrize(
    ("setup", "name"),
    [("dir", "d"), ("missing-parent", "nope/f"), ("file-parent", "plain/f")],
)
def test_errors_match_builtin_open(tmp_path: Path, setup: str, name: str) -> None:
    storage, _ = tracked_storage(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "plain").write_text("x")
    target = tmp_path / name
    with pytest.raises(OSError) as builtin:
        target.write_text("new")
    with pytest.raises(OSError) as ours:
        HELPERS["text"](storage, target)
    assert describe_exception(ours.value, "") == describe_exception(builtin.value, "")


def test_permission_errors_match_builtin_as_unprivileged_user() -> None:
    base = shared_tempdir()
    try:
        Path(base, "ro.txt").write_text("keep")
        os.chmod(os.path.join(base, "ro.txt"), 0o444)
        os.mkdir(os.path.join(base, "rodir"))
        os.chmod(os.path.join(base, "rodir"), 0o555)
        storage, _ = tracked_storage(base)

        def child() -> list[Any]:
            rows = []
            for name in ("ro.txt", "rodir/new"):
                path = Path(base, name)
                for fn in (lambda p=path: p.write_text("x"),
                           lambda p=path: HELPERS["text"](storage, p),
                           lambda p=path: HELPERS["json"](storage, p)):
                    try:
                        fn()
                        rows.append("wrote")
                    except OSError as exc:
                        rows.append(describe_exception(exc, base))
            return rows

        rows = run_as_nobody(child)
        assert rows[0] == rows[1] == rows[2] and rows[0][0] is PermissionError
        assert rows[3] == rows[4] == rows[5] and rows[3][0] is PermissionError
        assert Path(base, "ro.txt").read_text() == "keep"
        assert os.listdir(os.path.join(base, "rodir")) == []
        assert leftovers(Path(base)) == []
    finally:
        os.chmod(os.path.join(base, "rodir"), 0o755)
        import shutil

        shutil.rmtree(base)


def test_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    (tmp_path / "real.json").write_text("[]")
    (tmp_path / "link.json").symlink_to("real.json")
    atomic(storage, tmp_path / "link.json", "w", lambda f: json.dump([1, 2], f), pin=True)
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "real.json").read_text()) == [1, 2]
    assert backend.writes == [(str(tmp_path / "real.json"), True)]


def test_special_files_are_written_in_place(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    atomic(storage, "/dev/null", "wb", lambda f: f.write(b"discarded"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic(storage, fifo, "w", lambda f: f.write("through the pipe"))
    reader.join(timeout=10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert backend.writes == []


def test_int_descriptor_is_written_in_place(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    fd = os.open(tmp_path / "fd.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    assert atomic(storage, fd, "w", lambda f: f.write("via fd")) == 6
    assert (tmp_path / "fd.txt").read_text() == "via fd"
    with pytest.raises(OSError):
        os.fstat(fd)  # closed, as builtin open(fd, "w") closes it
    assert backend.writes == []


CRASH_WRITER = textwrap.dedent(
    """
    import json, sys
    from storage_runtime import Storage, Settings
    storage = Storage(Settings(root=sys.argv[1], backend="local"))
    path = sys.argv[1] + "/state.json"
    i = 0
    print("ready", flush=True)
    while True:
        i += 1
        with storage.atomic_write(path) as f:
            json.dump({"i": i, "pad": "x" * (i % 7919) * 13}, f)
    """
)


def test_sigkill_mid_write_leaves_old_or_new_file(tmp_path: Path) -> None:
    """Kill a writer that rewrites one JSON file in a loop: the file always parses."""
    storage, _ = tracked_storage(tmp_path)
    HELPERS["json"](storage, tmp_path / "state.json")
    (tmp_path / "state.json").write_text('{"i": 0, "pad": ""}')
    for attempt in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", CRASH_WRITER, str(tmp_path)], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(0.05 + attempt * 0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        data = json.loads((tmp_path / "state.json").read_text())
        assert data["pad"] == "x" * (data["i"] % 7919) * 13
        for name in leftovers(tmp_path):  # a killed writer may leave its temp file...
            os.remove(tmp_path / name)  # ...never a torn target
