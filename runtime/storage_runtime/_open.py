"""Builtin `open`, rebuilt from the real `io` classes, with one hook: tell the backend when
a writable file is closed.

`open_tracked` does what CPython's `io.open` does (Modules/_io/_iomodule.c; `_pyio.open` is
the Python transcription), step for step, except that the raw layer is `TrackedFileIO`, an
`io.FileIO` subclass whose `close()` calls `backend.after_write(path, pin=pin)` once the
descriptor is closed without error. Everything else is the real C machinery: the
`BufferedWriter` / `BufferedReader` / `BufferedRandom` / `TextIOWrapper` the program gets
are the builtin types (not subclasses), so `isinstance`, `.name`, `.mode`, `fileno()`,
`os.fsync`, `fcntl` locks and `mmap` behave as with builtin open.

Argument validation is not re-implemented: `MODES` lists every mode string builtin open
accepts, and any call outside the plainly valid shapes is handed to builtin open itself,
which raises its own exception with its own message.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import stat
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from storage_runtime._backend import Backend

__all__ = ["MODES", "ModeSpec", "TrackedFileIO", "open_tracked"]

#: The real builtin open (C `io.open`), bound once: never the name `open`, which may be
#: rebound (to storage_runtime.open) or patched in `builtins`.
_io_open = io.open

log = logging.getLogger("storage_runtime")


class ModeSpec(NamedTuple):
    rawmode: str  # the mode io.open passes to FileIO
    binary: bool
    buffered: type  # BufferedRandom / BufferedWriter / BufferedReader
    writable: bool  # w, a, x or +
    reads_existing: bool  # r or a: the file's current content matters


def _build_modes() -> dict[str, ModeSpec]:
    modes: dict[str, ModeSpec] = {}
    for main in "rwax":
        for extra in ("", "+", "b", "t", "+b", "+t"):
            chars = main + extra
            for perm in itertools.permutations(chars):
                mode = "".join(perm)
                updating = "+" in chars
                rawmode = main + ("+" if updating else "")
                if updating:
                    buffered: type = io.BufferedRandom
                elif main == "r":
                    buffered = io.BufferedReader
                else:
                    buffered = io.BufferedWriter
                modes[mode] = ModeSpec(
                    rawmode, "b" in chars, buffered, main != "r" or updating, main in "ra"
                )
    return modes


#: Every mode string builtin open accepts (order-free, no repeats, one of r/w/a/x).
MODES: dict[str, ModeSpec] = _build_modes()


class TrackedFileIO(io.FileIO):
    """`io.FileIO` that reports a successful close after writing to the backend.

    Reports only when the descriptor closed without error and no write on it failed
    (a disk-full write leaves no publish behind). The backend's own failure never breaks
    the program's close, except in strict mode, where it is raised.
    """

    _sr_backend: Backend | None = None
    _sr_path: str = ""
    _sr_pin: bool = False
    _sr_strict: bool = False
    _sr_failed: bool = False
    _sr_release: Any = None  # ends the backend's "open for writing" mark (begin_write)

    def _sr_end_write(self) -> None:
        release, self._sr_release = self._sr_release, None
        if release is not None:
            release()

    def write(self, b: Any) -> int | None:
        try:
            return super().write(b)
        except OSError:
            self._sr_failed = True
            raise

    def close(self) -> None:
        backend = self._sr_backend
        if backend is None or self.closed:
            try:
                return super().close()
            finally:
                self._sr_end_write()
        self._sr_backend = None  # report at most once
        try:
            super().close()  # raises on a failed close: nothing is reported then
        finally:
            self._sr_end_write()  # before after_write: its publish must see no writer
        if self._sr_failed:
            log.warning("storage_runtime: not publishing %s: a write to it failed", self._sr_path)
            return None
        try:
            backend.after_write(self._sr_path, pin=self._sr_pin)
        except Exception:
            if self._sr_strict:
                raise
            log.warning("storage_runtime: publishing %s failed", self._sr_path, exc_info=True)
        return None


def open_tracked(
    name: str | bytes,
    spec: ModeSpec,
    mode: str,
    buffering: int,
    encoding: str | None,
    errors: str | None,
    newline: str | None,
    closefd: bool,
    opener: Any,
    *,
    backend: Backend,
    path: str,
    pin: bool,
    strict: bool,
) -> Any:
    """`io.open(name, mode, ...)` with a `TrackedFileIO` raw layer reporting `path`.

    The caller has checked that the arguments are of the plainly valid shapes (see
    `Storage.open`); what remains to fail (the OS call, an unknown encoding or newline)
    fails inside the real io classes with their own messages.
    """
    if spec.binary and buffering == 1:
        warnings.warn(
            "line buffering (buffering=1) isn't supported in binary mode, "
            "the default buffer size will be used",
            RuntimeWarning,
            4,  # open_tracked, _open_published, Storage.open, the caller
        )
    # Mark the path open for writing before the open truncates it (see `_publish`).
    begin = getattr(backend, "begin_write", None)
    release = None
    if begin is not None:
        try:
            release = begin(path)
        except Exception:  # the program's open never fails because of the backend
            log.debug("storage_runtime: begin_write(%s) failed", path, exc_info=True)
    try:
        raw = TrackedFileIO(name, spec.rawmode, closefd, opener)
    except BaseException:
        if release is not None:
            release()
        raise
    raw._sr_release = release
    result: Any = raw
    try:
        line_buffering = False
        if buffering == 1 or (buffering < 0 and raw.isatty()):
            buffering = -1
            line_buffering = True
        if buffering < 0:
            buffering = raw._blksize  # type: ignore[attr-defined]
        if buffering == 0:
            if not spec.binary:
                raise ValueError("can't have unbuffered text I/O")
        else:
            result = spec.buffered(raw, buffering)
            if not spec.binary:
                result = io.TextIOWrapper(result, encoding, errors, newline, line_buffering)
                result.mode = mode
    except BaseException:
        result.close()  # raw not armed yet: an open() that raised reports nothing
        raise
    if not _is_regular_file_at(raw.fileno(), path):
        return result  # an opener handed out something else: nothing to publish
    raw._sr_path = path
    raw._sr_pin = bool(pin)
    raw._sr_strict = strict
    raw._sr_backend = backend
    return result


def _is_regular_file_at(fd: int, path: str) -> bool:
    """True when `fd` is a regular file and is the file at `path`: an `opener` may open a
    tty, a pipe, or a file elsewhere (`dir_fd=`); only the file at `path` is reported."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return False
    try:
        return os.path.samestat(st, os.stat(path))
    except OSError:
        return False

