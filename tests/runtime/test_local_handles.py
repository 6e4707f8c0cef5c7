"""The tracked handle (writable open under a non-local backend): what programs do with real
file objects beyond read/write, and exactly when the backend hears about a close."""

from __future__ import annotations

import fcntl
import gc
import io
import logging
import mmap
import os
import pty
import resource
import signal
import warnings
from pathlib import Path

import pytest
from _local_helpers import (
    describe_exception,
    small_tmpfs,
    tracked_storage,
)
from storage_runtime._open import TrackedFileIO

builtin_open = io.open


def test_fsync_flock_mmap_work_on_tracked_handle(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    path = tmp_path / "model.bin"
    with storage.open(path, "wb") as f:
        assert isinstance(f.raw, TrackedFileIO)
        f.write(b"\0" * 4096)
        f.flush()
        os.fsync(f.fileno())
    os.utime(path, ns=(10**18, 10**18))  # a past mtime: the mmap write surely moves it
    with storage.open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
        mm[:5] = b"hello"
        mm.flush()
    assert path.read_bytes()[:5] == b"hello"
    with storage.open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # another open file description of the same file cannot take the lock meanwhile
        with builtin_open(path, "rb") as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(f, fcntl.LOCK_UN)
        fcntl.lockf(f, fcntl.LOCK_EX)
        f.write("tail\n")
    assert path.read_bytes().endswith(b"tail\n")
    assert backend.writes == [(str(path), False)] * 3


def test_publishes_once_per_close_with_pin(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    path = tmp_path / "out.txt"
    f = storage.open(path, "w", pin=True)
    f.write("x")
    assert backend.writes == []  # nothing before close
    f.close()
    f.close()
    f.buffer.raw.close()
    assert backend.writes == [(str(path), True)]
    with storage.open(path, "r+", pin=False) as f:
        f.write("y")
    assert backend.writes[-1] == (str(path), False)
    assert backend.reads == [str(path)]  # r+ asks the backend before opening


def test_read_only_open_is_builtin_and_not_published(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    path = tmp_path / "in.txt"
    path.write_text("data")
    with storage.open(path) as f:
        assert type(f.buffer.raw) is io.FileIO
        assert f.read() == "data"
    assert backend.writes == []
    assert backend.reads == []  # present locally: the backend is not consulted
    with pytest.raises(FileNotFoundError) as ours:
        storage.open(tmp_path / "missing.txt", "rb")
    with pytest.raises(FileNotFoundError) as builtin:
        builtin_open(tmp_path / "missing.txt", "rb")
    assert repr(ours.value) == repr(builtin.value) and ours.value.__context__ is None
    assert backend.reads == [str(tmp_path / "missing.txt")]


def test_missing_file_restored_by_backend_is_opened(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    path = tmp_path / "shared" / "model.txt"

    def restore(p: str) -> None:
        backend.reads.append(p)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        Path(p).write_text("from the network")

    backend.before_read = restore  # type: ignore[method-assign]
    with storage.open(path) as f:
        assert f.read() == "from the network"
    assert backend.reads == [str(path)]


def test_garbage_collected_handle_publishes(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    path = tmp_path / "leaked.txt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        f = storage.open(path, "w")
        f.write("leaked handle, as in json.dump(obj, open(p, 'w'))")
        del f
        gc.collect()
    assert path.read_text().startswith("leaked")
    assert backend.writes == [(str(path), False)]


@pytest.mark.parametrize("kind", ["fd", "outside", "secret", "fifo", "state"])
def test_passthrough_opens_are_builtin_and_never_published(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    storage, backend = tracked_storage(root)
    if kind == "fd":
        target: object = os.open(root / "f", os.O_WRONLY | os.O_CREAT, 0o644)
    elif kind == "outside":
        target = tmp_path / "outside.txt"
    elif kind == "secret":
        target = root / ".env"
    elif kind == "state":
        (root / ".storage-runtime").mkdir()
        target = root / ".storage-runtime" / "index.sqlite3"
    else:
        target = root / "pipe"
        os.mkfifo(target)
        reader = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with storage.open(target, "w") as f:
            assert type(f.buffer.raw) is io.FileIO
            f.write("x")
    finally:
        if kind == "fifo":
            os.close(reader)
    assert backend.writes == [] and backend.reads == []


def test_line_buffering_on_a_tty_matches_builtin(tmp_path: Path) -> None:
    """isatty() decides line buffering, as in builtin open; the tty comes from an opener."""
    storage, backend = tracked_storage(tmp_path)
    master, slave = pty.openpty()
    try:
        def opener(path: str, flags: int) -> int:
            return os.dup(slave)

        seen = []
        for fn in (builtin_open, storage.open):
            with fn(tmp_path / "tty.txt", "w", opener=opener) as f:
                seen.append((f.isatty(), f.line_buffering, f.buffer.raw.mode))
                f.write("line\n")
        assert seen[0] == seen[1] == (True, True, "wb")
        echoed = b""
        for _ in range(10):
            echoed += os.read(master, 100)
            if echoed.count(b"line") == 2:
                break
        assert echoed.count(b"line") == 2
    finally:
        os.close(master)
        os.close(slave)
    assert backend.writes == []  # the descriptor was a tty, not a regular file


def test_opener_and_closefd_match_builtin(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    calls = []

    def opener(path: str, flags: int) -> int:
        calls.append((os.path.basename(path), flags))
        return os.open(path, flags | os.O_APPEND, 0o600)

    for fn in (builtin_open, storage.open):
        with fn(tmp_path / "o.txt", "w", opener=opener) as f:
            f.write("a")
    assert calls[0] == calls[1]
    assert (tmp_path / "o.txt").read_text() == "a"
    assert oct((tmp_path / "o.txt").stat().st_mode & 0o777) == "0o600"
    with pytest.raises(ValueError) as bad:
        storage.open(tmp_path / "o.txt", "w", opener=lambda p, fl: -1)
    with pytest.raises(ValueError) as bad_builtin:
        builtin_open(tmp_path / "o.txt", "w", opener=lambda p, fl: -1)
    assert repr(bad.value) == repr(bad_builtin.value)
    assert backend.writes == [(str(tmp_path / "o.txt"), False)]


def test_opener_with_dir_fd_publishes_only_the_file_at_the_path(tmp_path: Path) -> None:
    """An opener may resolve the name elsewhere (tempfile's documented dir_fd pattern): the
    backend must not be told about a file at `path` that was never written."""
    root = tmp_path / "root"
    (root / "elsewhere").mkdir(parents=True)
    storage, backend = tracked_storage(root)
    dir_fd = os.open(root / "elsewhere", os.O_RDONLY)
    old = os.getcwd()
    os.chdir(root)
    try:
        def opener(path: str, flags: int) -> int:
            return os.open(path, flags, 0o666, dir_fd=dir_fd)

        with storage.open("data.txt", "w", opener=opener) as f:
            f.write("in elsewhere/")
        assert (root / "elsewhere" / "data.txt").read_text() == "in elsewhere/"
        assert backend.writes == []  # root/data.txt does not exist
        (root / "data.txt").write_text("a different file")
        with storage.open("data.txt", "w", opener=opener) as f:
            f.write("again")
        assert backend.writes == []  # root/data.txt exists, but is not the file written
        with storage.open("data.txt", "a") as f:
            f.write("!")
        assert backend.writes == [(str(root / "data.txt"), False)]
    finally:
        os.chdir(old)
        os.close(dir_fd)


def test_disk_full_write_raises_like_builtin_and_is_not_published(tmp_path: Path) -> None:
    """A real ENOSPC (the opener hands out /dev/full): same exception as builtin at the
    same call, and the backend hears nothing about a file whose write failed."""
    storage, backend = tracked_storage(tmp_path)

    def full(path: str, flags: int) -> int:
        return os.open("/dev/full", os.O_WRONLY)

    outcomes = []
    for fn in (builtin_open, storage.open):
        f = fn(tmp_path / "full.bin", "wb", opener=full)
        f.write(b"x" * 10)  # buffered: fine
        with pytest.raises(OSError) as info:
            f.write(b"y" * (1 << 20))  # larger than the buffer: written through, fails
        outcomes.append(describe_exception(info.value, str(tmp_path)))
        with pytest.raises(OSError):
            f.close()
        assert f.closed
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][3] == 28  # ENOSPC
    assert backend.writes == []


def test_full_tmpfs_write_raises_like_builtin_and_is_not_published(tmp_path: Path) -> None:
    """A real ENOSPC on a regular file: a 64 KiB tmpfs. The file is torn, as with builtin
    open (that is builtin semantics), but the backend never hears of it."""
    with small_tmpfs(tmp_path) as mnt:
        storage, backend = tracked_storage(mnt)
        outcomes = []
        for name, fn in (("a.bin", builtin_open), ("b.bin", storage.open)):
            f = fn(mnt / name, "wb")
            with pytest.raises(OSError) as info:
                f.write(b"z" * (256 * 1024))
            outcomes.append(describe_exception(info.value, str(mnt)))
            f.close()
            os.remove(mnt / name)
        assert outcomes[0] == outcomes[1] and outcomes[0][3] == 28
        assert backend.writes == []


def test_file_size_limit_write_error_is_not_published(tmp_path: Path) -> None:
    """EFBIG from RLIMIT_FSIZE: a failed write on a regular file, then a clean close."""
    storage, backend = tracked_storage(tmp_path)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    outcomes = []
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
        for name, fn in (("a.bin", builtin_open), ("b.bin", storage.open)):
            with fn(tmp_path / name, "wb", buffering=0) as f:
                assert f.write(b"x" * 4096) == 4096
                with pytest.raises(OSError) as info:
                    f.write(b"y")
                outcomes.append(describe_exception(info.value, str(tmp_path)))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert outcomes[0] == outcomes[1] and outcomes[0][0] is OSError
    assert backend.writes == []


def test_backend_failure_never_breaks_close(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    storage, backend = tracked_storage(tmp_path)
    backend.fail_write = ConnectionError("daemon down")
    backend.fail_read = ConnectionError("daemon down")
    with caplog.at_level(logging.WARNING, logger="storage_runtime"):
        with storage.open(tmp_path / "f.txt", "w") as f:
            f.write("kept")
        with storage.open(tmp_path / "f.txt") as f:
            assert f.read() == "kept"
        with pytest.raises(FileNotFoundError):
            storage.open(tmp_path / "missing.txt")
    assert "publishing" in caplog.text and "restoring" in caplog.text
    assert backend.writes == [(str(tmp_path / "f.txt"), False)]


def test_strict_mode_raises_backend_failures(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path, strict=True)
    backend.fail_write = ConnectionError("daemon down")
    f = storage.open(tmp_path / "f.txt", "w")
    f.write("kept")
    with pytest.raises(ConnectionError):
        f.close()
    assert f.closed and (tmp_path / "f.txt").read_text() == "kept"
    backend.fail_read = ConnectionError("daemon down")
    with storage.open(tmp_path / "f.txt") as f:  # present: no restore, no error
        assert f.read() == "kept"
    with pytest.raises(ConnectionError):
        storage.open(tmp_path / "missing.txt")
    with pytest.raises(ConnectionError):
        storage.open(tmp_path / "f.txt", "a")  # append asks first: its content matters


def test_binary_line_buffering_warning_points_at_caller(tmp_path: Path) -> None:
    storage, _ = tracked_storage(tmp_path)
    with pytest.warns(RuntimeWarning, match="line buffering") as record:
        storage.open(tmp_path / "w.bin", "wb", buffering=1).close()
    assert record[0].filename == __file__
