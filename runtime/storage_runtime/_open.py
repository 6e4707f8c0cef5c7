"""Builtin `open`, rebuilt from the real `io` classes, with one hook: tell the backend when
a writable file is closed.

`open_tracked` does what CPython's `io.open` does (Modules/_io/_iomodule.c; `_pyio.open` is
the Python transcription), step for step, except that the raw layer is `TrackedFileIO`, an
`io.FileIO` subclass whose `close()` calls `backend.after_write(path, pin=pin)` once the
descriptor is closed without error, if the open created or truncated the file or the file
was modified while open (a `r+b` open only to read or lock publishes nothing). The
`BufferedWriter` / `BufferedReader` / `BufferedRandom` / `TextIOWrapper` the program gets
are the builtin types (not subclasses), so `isinstance`, `.name`, `.mode`, `fileno()`,
`os.fsync`, `fcntl` locks and `mmap` behave as with builtin open. The raw layer is the one
visible difference: `f.raw` (or, with `buffering=0`, the object itself) is a `TrackedFileIO`,
so `isinstance(f, io.FileIO)` holds and `type(f) is io.FileIO` does not. A C `FileIO` has
no Python-level close to hook, so an exact type would mean never hearing about the close.

Argument validation is not re-implemented: `MODES` lists every mode string builtin open
accepts, and any call outside the plainly valid shapes is handed to builtin open itself,
which raises its own exception with its own message. `call_io_open` is builtin open called
from this package with the one warning builtin open raises for its caller (binary
`buffering=1`) attributed to the program's line, as the builtin's own is.
"""

from __future__ import annotations

import _io
import builtins
import io
import itertools
import logging
import operator
import os
import stat
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

from storage_runtime import _os_calls
from storage_runtime._backend import begin_write
from storage_runtime._os_calls import io_open as _io_open

if TYPE_CHECKING:
    from storage_runtime._backend import Backend

__all__ = [
    "MODES",
    "ModeSpec",
    "TrackedFileIO",
    "bind_open_args",
    "OPEN_STAND_INS",
    "call_io_open",
    "fs_is_real",
    "io_open_is_real",
    "open_is_real",
    "module_open",
    "no_builtin_open",
    "open_tracked",
    "warn_at_caller",
    "warns_line_buffering",
]

#: The real `io.open` and `os` module again, in a tuple: pyfakefs rebinds, in every loaded
#: module (this package's too), the globals that hold the `os` or `io` module or an open
#: function (`_io_open` above becomes its fake open), never what a tuple holds. Only these
#: tell its fake file system from the real one (`open_is_real`, `fs_is_real`).
REAL = (_io.open, os)


def open_is_real() -> bool:
    """`builtins.open` and `io.open` are the real builtin open (not deleted, patched,
    wrapped or faked) and the file system is not faked."""
    return getattr(builtins, "open", None) is REAL[0] and io.open is REAL[0] and fs_is_real()


def io_open_is_real() -> bool:
    """`io.open`, which pathlib's methods open through, is the real builtin open and the
    file system is not faked (a replaced `builtins.open` does not reach pathlib)."""
    return io.open is REAL[0] and fs_is_real()


def fs_is_real() -> bool:
    """The file system is not faked: pyfakefs has not rebound this module's `os` (nor was
    it pyfakefs's when this module was imported: a module, not its FakeOsModule)."""
    return os is REAL[1] and isinstance(os, types.ModuleType)


def no_builtin_open() -> NameError:
    """What a bare `open(...)` raises when `builtins.open` is gone (deleted by a sandbox,
    or the builtins cleared at shutdown, when a `__del__` runs): a stand-in for that call
    that finds no `builtins.open` raises this, not AttributeError."""
    return NameError("name 'open' is not defined", name="open")

log = logging.getLogger("storage_runtime")

def _closefd_takes_any_object() -> bool:
    """3.12+ parses `closefd` as a truth value, 3.11 as an int: ask the builtin itself (a
    negative descriptor fails after argument parsing, with no I/O)."""
    try:
        _io_open(-1, "rb", -1, None, None, None, "x")
    except TypeError:
        return False
    except (ValueError, OSError):
        return True
    return True  # pragma: no cover - -1 is never a descriptor


#: Whether builtin open accepts any object as `closefd` on this Python.
CLOSEFD_ANY = _closefd_takes_any_object()

#: `-X warn_default_encoding`: builtin open warns its caller about a missing encoding.
WARN_DEFAULT_ENCODING = bool(sys.flags.warn_default_encoding)

#: Frames in this folder are the runtime's own; a warning meant for the program skips them.
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
LINE_BUFFERING_MESSAGE = (
    "line buffering (buffering=1) isn't supported in binary mode, "
    "the default buffer size will be used"
)


class ModeSpec(NamedTuple):
    rawmode: str  # the mode io.open passes to FileIO
    binary: bool
    buffered: type  # BufferedRandom / BufferedWriter / BufferedReader
    writable: bool  # w, a, x or +
    reads_existing: bool  # r or a: the file's current content matters

    @property
    def sees_existing(self) -> bool:
        """r or a (its content matters) or x (whether it exists does): a writable open in
        such a mode restores a file another worker published first."""
        return self.reads_existing or self.rawmode[0] == "x"


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

    Reports only when the descriptor closed without error, no write on it failed (a
    disk-full write leaves no publish behind), and the file changed: the open created or
    truncated it (`w`, `x`, `a` of a missing file), a write or truncate through this object
    succeeded, or its size, mtime or ctime differ from when it was opened (a write through
    `mmap` or `os.write(f.fileno())`). The backend's own failure never breaks the program's
    close, except in strict mode, where it is raised.
    """

    _sr_backend: Backend | None = None
    _sr_path: str = ""
    _sr_pin: bool = False
    _sr_strict: bool = False
    _sr_failed: bool = False
    _sr_dirty: bool = False
    _sr_baseline: tuple[int, int, int] | None = None
    _sr_release: Any = None  # ends the backend's "open for writing" mark (begin_write)

    def _sr_end_write(self, changed: bool = True, failed: bool = False) -> None:
        release, self._sr_release = self._sr_release, None
        if release is not None:
            release(changed, failed)

    def write(self, b: Any) -> int | None:
        try:
            n = super().write(b)
        except OSError:
            self._sr_failed = True
            raise
        if n:
            self._sr_dirty = True
        return n

    def truncate(self, size: Any = None) -> int:
        result = super().truncate(size)
        self._sr_dirty = True
        return result

    def __repr__(self) -> str:
        # The builtin's repr names `_io.FileIO` (3.13 names the subclass): keep the builtin's.
        text = super().__repr__()
        own = f"<{type(self).__name__}"
        return "<_io.FileIO" + text[len(own):] if text.startswith(own) else text

    def disarm(self) -> None:
        """Report nothing at close (a helper whose write raised half-way)."""
        self._sr_backend = None

    def _changed(self) -> bool:
        if self._sr_dirty:
            return True
        try:
            st = _os_calls.fstat(self.fileno())
        except (OSError, ValueError):
            return True  # cannot tell: publishing an unchanged file is only a cost
        return _stamp(st) != self._sr_baseline

    def close(self) -> None:
        backend = self._sr_backend
        if backend is None or self.closed:
            try:
                return super().close()
            finally:
                # Disarmed (a helper's write raised) or closed already: nothing is
                # published, and a row this open made for a new file goes.
                self._sr_end_write(failed=True)
        self._sr_backend = None  # report at most once
        changed = True
        try:
            changed = self._changed()
            super().close()  # raises on a failed close: nothing is reported then
        finally:
            # Before after_write (its publish must see no writer), and also when nothing
            # changed: an unchanged handle publishes nothing but was still a writer.
            self._sr_end_write(changed or self._sr_failed, self._sr_failed)
        if self._sr_failed:
            log.warning("storage_runtime: not publishing %s: a write to it failed", self._sr_path)
            return None
        if not changed:
            return None
        try:
            backend.after_write(self._sr_path, pin=self._sr_pin)
        except Exception:
            if self._sr_strict:
                raise
            log.warning("storage_runtime: publishing %s failed", self._sr_path, exc_info=True)
        return None


def _stamp(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def disarm(f: Any) -> None:
    """Make the tracked handle `f` (any layer) report nothing at close; no-op otherwise."""
    raw = getattr(getattr(f, "buffer", f), "raw", f)
    if isinstance(raw, TrackedFileIO):
        raw.disarm()


#: The runtime's own `open` stand-ins (filled by `storage_runtime/__init__.py`).
OPEN_STAND_INS: list[Any] = []


def module_open(caller_globals: dict[str, Any]) -> Any | None:
    """The calling module's own global `open` when it is something other than the runtime's
    `open`: what the source's bare `open(...)` would have called (a bare name is looked up
    in the module's globals first). The codemods rewrite a bare `open` only where it
    resolves to the builtin, so such a global appears only at run time, from
    `mock.patch("pkg.mod.open", ..., create=True)` or a monkeypatch; a migrated bare call
    that goes through another name (a collapsed `storage.dump_json`, the `_storage_open`
    alias of a star-imported module) must still reach it. `builtins.open(...)` sites
    become `storage.open(...)`, which never looks here. None: call builtin open as usual."""
    found = caller_globals.get("open")
    if found is None or any(found is s for s in OPEN_STAND_INS):
        return None
    return found


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """`warnings.warn` attributed to the nearest frame outside this package, whatever the
    call depth inside it: where builtin open's own warning points."""
    frame = sys._getframe(1)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_RUNTIME_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, level)


def bind_open_args(
    file: Any,
    mode: Any = "r",
    buffering: Any = -1,
    encoding: Any = None,
    errors: Any = None,
    newline: Any = None,
    closefd: Any = True,
    opener: Any = None,
) -> tuple[Any, ...]:
    """The builtin's parameters, bound (raises TypeError where the builtin would)."""
    return (file, mode, buffering, encoding, errors, newline, closefd, opener)


def _is_number(value: Any) -> bool:
    kind = type(value)
    return any(hasattr(kind, name) for name in ("__index__", "__int__", "__float__"))


def warns_line_buffering(bound: tuple[Any, ...]) -> bool:
    """True when builtin open, given these arguments, warns about binary line buffering:
    after its argument checks pass and before it opens anything (see _iomodule.c)."""
    file, mode, buffering, encoding, errors, newline, closefd, _ = bound
    spec = MODES.get(mode) if isinstance(mode, str) else None
    if spec is None or not spec.binary:
        return False
    if encoding is not None or errors is not None or newline is not None:
        return False
    if not (CLOSEFD_ANY or isinstance(closefd, int)):
        return False
    try:
        if operator.index(buffering) != 1:
            return False
    except TypeError:
        return False
    return isinstance(file, (str, bytes, os.PathLike)) or _is_number(file)


def call_io_open(
    args: tuple[Any, ...], kwargs: dict[str, Any], *, retry: bool = False
) -> Any:
    """`io.open(*args, **kwargs)` called from this package: the same result and errors, and
    the warnings builtin open raises for its caller raised at the program's line (the
    builtin names its direct caller, which would be this file): binary `buffering=1`
    (after which builtin open behaves as with `buffering=-1`, which is what it is then
    given), and under -X warn_default_encoding a text open without an encoding (see
    `build_stack`). `retry=True`: the same call again after a restore; builtin open warned
    about line buffering before it failed the first time, so it is not warned again."""
    if WARN_DEFAULT_ENCODING:
        built = _open_warning_encoding(args, kwargs)
        if built is not _NOT_BUILT:
            return built
    if len(args) > 2 or "buffering" in kwargs:
        try:
            bound = bind_open_args(*args, **kwargs)
        except TypeError:
            return _io_open(*args, **kwargs)  # the builtin's own TypeError
        if warns_line_buffering(bound):
            if not retry:
                warn_at_caller(LINE_BUFFERING_MESSAGE, RuntimeWarning)
            if len(args) > 2:
                args = (*args[:2], -1, *args[3:])
            else:
                kwargs = {**kwargs, "buffering": -1}
    return _io_open(*args, **kwargs)


_NOT_BUILT = object()


def _open_warning_encoding(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Under -X warn_default_encoding: a text open without an encoding, built in Python
    (`build_stack`, the real io classes) so that the warning names the program's line;
    `_NOT_BUILT` for every other call (left to the builtin)."""
    try:
        bound = bind_open_args(*args, **kwargs)
    except TypeError:
        return _NOT_BUILT
    file, mode, buffering, encoding, errors, newline, closefd, opener = bound
    spec = MODES.get(mode) if isinstance(mode, str) else None
    size = plain_buffering(spec, buffering, encoding, errors, newline, closefd)
    if spec is None or spec.binary or encoding is not None or size is None:
        return _NOT_BUILT
    if not isinstance(file, (str, bytes, int)):
        try:
            file = os.fspath(file)
        except TypeError:
            return _NOT_BUILT  # the builtin raises its own TypeError
    return build_stack(
        io.FileIO, file, spec, mode, size, None, errors, newline, closefd, opener
    )[1]


def plain_buffering(
    spec: ModeSpec | None, buffering: Any, encoding: Any, errors: Any, newline: Any,
    closefd: Any,
) -> int | None:
    """`buffering` as an int when builtin open would accept these arguments' types and
    combination, so the stack can be built in Python; None sends the call to builtin open,
    which raises its own TypeError/ValueError/OverflowError."""
    if spec is None:
        return None
    try:
        size = operator.index(buffering)
    except TypeError:
        return None
    if not (-(2**31) <= size < 2**31) or not (CLOSEFD_ANY or isinstance(closefd, int)):
        return None
    for value in (encoding, errors, newline):
        if value is not None and (spec.binary or not isinstance(value, str)):
            return None
    return size


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
        warn_at_caller(LINE_BUFFERING_MESSAGE, RuntimeWarning)
    # `w` and `x` create or truncate: publish even if nothing is written. `a` creates a
    # missing file (stat first: after the open it exists); `r+` never creates.
    created = spec.rawmode[0] in "wx"
    if spec.rawmode[0] == "a":
        try:
            _os_calls.stat(path)
        except FileNotFoundError:
            created = True
        except OSError:
            pass
    # Mark the path open for writing before the open truncates it (see `_publish`).
    release = begin_write(backend, path, bool(pin))
    try:
        raw = TrackedFileIO(name, spec.rawmode, closefd, opener)
    except BaseException:
        if release is not None:
            # The OS refused the open (`x` of an existing file, a missing folder, a
            # folder, no permission): nothing was created or truncated, so its bump goes
            # back as an unchanged handle's, whoever else holds the file. An opener is the
            # program's code, which may have changed the file before raising.
            release(changed=opener is not None, failed=True)
        raise
    try:
        result = stack_on(raw, spec, mode, buffering, encoding, errors, newline)
        st = _regular_file_at(raw.fileno(), path)
    except BaseException:
        if release is not None:
            release(failed=True)
        raise
    if st is None:
        if release is not None:
            release(False)  # the handle is not the file at `path`: it changes nothing there
        return result  # an opener handed out something else: nothing to publish
    raw._sr_release = release
    raw._sr_baseline = _stamp(st)
    raw._sr_dirty = created
    raw._sr_path = path
    raw._sr_pin = bool(pin)
    raw._sr_strict = strict
    raw._sr_backend = backend
    return result


def build_stack(
    raw_class: type[io.FileIO],
    name: Any,
    spec: ModeSpec,
    mode: str,
    buffering: int,
    encoding: str | None,
    errors: str | None,
    newline: str | None,
    closefd: Any,
    opener: Any,
) -> tuple[Any, Any]:
    """(raw, the object builtin open returns), built as `io.open` builds it, on a raw layer
    of `raw_class`. The EncodingWarning builtin open raises under `-X
    warn_default_encoding` (text mode, no encoding, after the file opened) is raised at
    the program's line, and the encoding is then the one builtin open would use."""
    raw = raw_class(name, spec.rawmode, closefd, opener)
    return raw, stack_on(raw, spec, mode, buffering, encoding, errors, newline)


def stack_on(
    raw: io.FileIO,
    spec: ModeSpec,
    mode: str,
    buffering: int,
    encoding: str | None,
    errors: str | None,
    newline: str | None,
) -> Any:
    """The object builtin open returns, built on `raw` (already open) as `io.open` builds
    it; `raw` is closed when that raises."""
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
                if encoding is None and WARN_DEFAULT_ENCODING:
                    warn_at_caller("'encoding' argument not specified", EncodingWarning)
                    encoding = "utf-8" if sys.flags.utf8_mode else "locale"
                result = io.TextIOWrapper(result, encoding, errors, newline, line_buffering)
                result.mode = mode
    except BaseException:
        result.close()  # raw not armed yet: an open() that raised reports nothing
        raise
    return result


def _regular_file_at(fd: int, path: str) -> os.stat_result | None:
    """`fd`'s stat when it is a regular file and is the file at `path` (else None): an
    `opener` may open a tty, a pipe, or a file elsewhere (`dir_fd=`); only the file at
    `path` is reported."""
    st = _os_calls.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        return st if _os_calls.samestat(st, _os_calls.stat(path)) else None
    except OSError:
        return None

