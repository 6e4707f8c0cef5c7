"""Shared pieces for the local runtime tests: a recording backend (a fake, used only to make
`Storage` take its tracked path, and to see what it would publish) and path normalising."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage_runtime import Settings, Storage


@dataclass
class RecordingBackend:
    """Backend fake: records `after_write` / `before_read`; can be told to fail."""

    name: str = "recording"
    writes: list[tuple[str, bool]] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    fail_write: BaseException | None = None
    fail_read: BaseException | None = None
    closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def after_write(self, path: str, *, pin: bool) -> None:
        with self._lock:
            self.writes.append((path, pin))
        if self.fail_write is not None:
            raise self.fail_write

    def before_read(self, path: str) -> None:
        with self._lock:
            self.reads.append(path)
        if self.fail_read is not None:
            raise self.fail_read

    def close(self) -> None:
        self.closed = True


def tracked_storage(root: str | os.PathLike[str], **overrides: Any) -> tuple[Storage, RecordingBackend]:
    """A Storage rooted at `root` whose opens of files under it take the tracked path."""
    backend = RecordingBackend()
    storage = Storage(Settings(root=os.fspath(root), **overrides), backend_impl=backend)
    return storage, backend


def local_storage(root: str | os.PathLike[str]) -> Storage:
    return Storage(Settings(root=os.fspath(root), backend="local"))


def normalise(value: object, folder: str, marker: str = "<D>") -> object:
    """`value` (any nested str/bytes/tuple/list) with `folder` replaced by `marker`."""
    if isinstance(value, str):
        return value.replace(folder, marker)
    if isinstance(value, bytes):
        return value.replace(os.fsencode(folder), marker.encode())
    if isinstance(value, (list, tuple)):
        return type(value)(normalise(v, folder, marker) for v in value)
    return value


def describe_exception(exc: BaseException, folder: str) -> tuple[object, ...]:
    """What a program can observe of an exception, with the folder normalised."""
    return normalise(
        (
            type(exc),
            repr(exc),
            str(exc),
            getattr(exc, "errno", None),
            getattr(exc, "filename", None),
        ),
        folder,
    )  # type: ignore[return-value]


def run_as_nobody(fn: Any) -> Any:
    """Run `fn()` in a forked child with uid/gid 65534 (root bypasses permission bits, so
    a real PermissionError needs an unprivileged process); return its result (pickled).
    When not root, run `fn()` directly: the bits apply already."""
    import pickle
    import traceback

    if os.geteuid() != 0:
        return fn()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        status = 0
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            payload = pickle.dumps(("ok", fn()))
        except BaseException:  # noqa: BLE001 - reported to the parent
            payload = pickle.dumps(("error", traceback.format_exc()))
            status = 1
        try:
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(data)
    if kind != "ok":
        raise AssertionError(f"child failed:\n{value}")
    return value


def shared_tempdir() -> str:
    """A temporary folder an unprivileged child can enter: under /tmp, not under pytest's
    temporary folder (0700, and tests/conftest.py points `tempfile` there), where the child
    could not even reach it and every permission case would fail for the wrong reason."""
    import tempfile

    path = tempfile.mkdtemp(prefix="sr-nobody-", dir="/tmp" if os.path.isdir("/tmp") else None)
    os.chmod(path, 0o777)
    return path


def mount_small_tmpfs(folder: str, size: str = "64k") -> bool:
    """Mount a tiny tmpfs on `folder` (a real full disk); False when not permitted."""
    import subprocess

    if os.geteuid() != 0:
        return False
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", folder],
            capture_output=True, timeout=10, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def unmount(folder: str) -> None:
    import subprocess

    subprocess.run(["umount", folder], capture_output=True, timeout=10, check=False)


@contextlib.contextmanager
def small_tmpfs(parent: Path) -> Iterator[Path]:
    """A real full disk: a 64 KiB tmpfs on `parent`/mnt, unmounted after; skips the test
    where mounting is not permitted."""
    import pytest

    mnt = parent / "mnt"
    mnt.mkdir()
    if not mount_small_tmpfs(str(mnt)):
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield mnt
    finally:
        unmount(str(mnt))
