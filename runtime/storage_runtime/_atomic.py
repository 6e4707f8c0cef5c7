"""Atomic whole-file writes: a crash leaves the old file or the new one, never a torn one.

An explicit opt-in (`Storage.atomic_write`): the plain write helpers write in place, as the
code they stand in for does, and codemods emit this only where the source already replaced
its file atomically.

`AtomicWrite(path, "w" | "wb", ...)` is a context manager yielding a file object opened on
a temporary file in the target's folder; on a clean exit it flushes, fsyncs, renames the
temporary file over the target with `os.replace` and fsyncs the folder. On any error the
temporary file is removed and the target is untouched.

What the program sees stays what builtin `open(path, "w")` gives it:

- a new file gets the permissions builtin open would give (0666 minus the umask, and any
  default ACL): the temporary file is created with `os.open(..., 0o666)`, never `mkstemp`
  (which is 0600);
- an existing file keeps its permission bits (and its owner, where the process may set it);
- the errors are builtin open's: a directory raises IsADirectoryError, a missing folder
  FileNotFoundError, an unwritable file PermissionError, all naming the path as given; a
  full disk raises `OSError(ENOSPC)` from the write, as builtin does;
- a symlink is written through (its target is replaced; the link stays a link);
- a path that is not a regular file (FIFO, /dev/null, character device) is written in place
  with builtin open, since renaming over a device would replace the device node.

Not what builtin `open(path, "w")` does (the reason it is an opt-in): the file gets a new
inode, so other hard links and open readers keep the old content, extended attributes are
not copied, a writable file in a read-only or sticky folder cannot be replaced
(PermissionError), and a name near NAME_MAX fails for the longer temporary name.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from types import TracebackType
from typing import IO, Any

from storage_runtime import _os_calls
from storage_runtime._os_calls import io_open as _io_open

__all__ = ["TEMP_SUFFIX", "AtomicWrite"]

#: Temporary files are named `.<name>.<random>.storage-tmp` next to their target.
TEMP_SUFFIX = ".storage-tmp"
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class AtomicWrite:
    """Context manager: `with AtomicWrite(path, "w", encoding=...) as f: f.write(...)`.

    After a clean exit `target` is the absolute path that was replaced (None when the path
    was not a regular file and was written in place).
    """

    def __init__(
        self,
        path: str | bytes | os.PathLike[Any] | int,
        mode: str = "w",
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> None:
        if mode not in ("w", "wb"):
            raise ValueError(f"AtomicWrite supports modes 'w' and 'wb', not {mode!r}")
        self._path = path
        self._mode = mode
        self._text_args = (encoding, errors, newline) if mode == "w" else (None, None, None)
        self._file: IO[Any] | None = None
        self._tmp: str | None = None
        self._fd = -1
        self._final: str | None = None
        self.target: str | None = None

    def __enter__(self) -> IO[Any]:
        path = self._path
        encoding, errors, newline = self._text_args
        if isinstance(path, int):
            # An int descriptor cannot be replaced: write in place, as builtin open does.
            self._file = _io_open(path, self._mode, -1, encoding, errors, newline)
            return self._file
        name = os.fspath(path)
        real = os.path.realpath(name)
        try:
            st: os.stat_result | None = os.stat(real)
        except OSError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            # Directory (raises IsADirectoryError as builtin), FIFO, device: in place.
            self._file = _io_open(name, self._mode, -1, encoding, errors, newline)
            return self._file
        if st is not None:
            _probe_writable(real, name)
        folder, base = os.path.split(os.fsdecode(real))
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o666)
        except OSError as exc:
            # Same errno builtin open(path, "w") would get (missing or unwritable folder).
            raise OSError(exc.errno, os.strerror(exc.errno or errno.EIO), name) from None
        try:
            if st is not None:
                _copy_owner_and_mode(fd, st)
            # closefd=False: the descriptor stays ours to fsync and close, whatever happens
            self._file = _io_open(fd, self._mode, -1, encoding, errors, newline, False)
        except BaseException:
            os.close(fd)
            _unlink_quietly(tmp)
            raise
        self._fd, self._tmp = fd, tmp
        self._final = os.fsdecode(real)
        return self._file

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        f, tmp, fd = self._file, self._tmp, self._fd
        self._file = self._tmp = None
        self._fd = -1
        if f is None:
            return
        if tmp is None:  # written in place
            f.close()
            return
        try:
            try:
                if exc_type is None:
                    f.flush()
                    os.fsync(fd)
            finally:
                try:
                    f.close()  # flushes again (no-op after a good flush); fd stays open
                finally:
                    os.close(fd)
            if exc_type is None:
                os.replace(tmp, self._final)  # type: ignore[arg-type]
                tmp = None
                fsync_quietly(os.path.dirname(self._final))  # type: ignore[arg-type]
                self.target = self._final
        finally:
            if tmp is not None:
                _unlink_quietly(tmp)


def _probe_writable(real: str, name: str | bytes) -> None:
    """Raise what builtin open(name, "w") would raise for an existing regular file that
    this process may not write (EACCES, EROFS, ETXTBSY), without modifying it."""
    try:
        fd = os.open(real, os.O_WRONLY | _O_CLOEXEC)
    except OSError as exc:
        raise OSError(exc.errno, os.strerror(exc.errno or errno.EIO), name) from None
    os.close(fd)


def _copy_owner_and_mode(fd: int, st: os.stat_result) -> None:
    if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except OSError:
            pass  # not permitted (not root): the file becomes ours, as any rewrite would
    os.fchmod(fd, stat.S_IMODE(st.st_mode))


def fsync_quietly(path: str) -> None:
    """Best-effort fsync of a file or folder by path: the data is already written, and
    some file systems refuse fsync on a directory."""
    try:  # the runtime's own calls (`_os_calls`): a program's patch never sees them
        fd = _os_calls.open_fd(path or ".", os.O_RDONLY | _O_CLOEXEC)
    except OSError:
        return
    try:
        _os_calls.fsync(fd)
    except OSError:
        pass
    finally:
        _os_calls.close(fd)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
