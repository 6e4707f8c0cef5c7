"""Look-alikes that are NOT provably scratch: they stay "unsupported family"."""
import os
import shutil
import tempfile
from storage_runtime import storage


def keep_named_temp(data: bytes) -> str:
    # delete=False and never replaced or removed: the caller keeps the file. Not
    # scratch: written, then closed on a line of its own, it is published after that
    # line (families/publish_after.py).
    tmp = tempfile.NamedTemporaryFile(delete=False, suffix=".bin")
    tmp.write(data)
    tmp.close()
    storage.publish(tmp.name, pin=True)
    return tmp.name


def pid_lock(lock_path: str) -> None:
    # A "lock" that holds data: the pid is written into it.
    fd = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)


def leaked_descriptor(directory: str) -> int:
    # Read-only, but the descriptor escapes: nothing proves it is only fsynced.
    fd = os.open(storage.restored(directory), os.O_RDONLY)
    os.fsync(fd)
    return fd


def written_fd(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    os.write(fd, b"data")
    os.close(fd)


def kept_mkstemp() -> str:
    fd, name = tempfile.mkstemp()
    os.write(fd, b"header")
    os.close(fd)
    return name


def removed_on_failure_only(run, root: str) -> str:
    out = tempfile.mkdtemp(dir=root)
    try:
        run(out)
    except Exception:
        storage.rmtree(out, call=shutil.rmtree)
        raise
    return out


def delete_from_a_variable(flag: bool) -> None:
    with tempfile.NamedTemporaryFile(delete=flag) as tmp:
        tmp.write(b"x")


def rebound(path: str) -> None:
    fd = os.open(storage.restored(path), os.O_RDONLY)
    os.fsync(fd)
    fd = os.open(storage.restored(path), os.O_RDONLY)
    os.close(fd)
