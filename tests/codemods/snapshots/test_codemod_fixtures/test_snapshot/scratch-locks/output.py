"""Lock files: created exclusively and never written, or locked with fcntl."""
import fcntl
import os


def acquire(lock_path: str) -> int:
    fd = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.close(fd)
    return 0


def try_lock(lock_path: str) -> bool:
    try:
        os.close(os.open(lock_path, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


def with_flock(lock_path: str, work) -> None:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        work()
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
