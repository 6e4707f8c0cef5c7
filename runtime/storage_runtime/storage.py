"""`Storage`: builtin file semantics for the program, plus a backend told about writes.

The program keeps every observable behaviour of the code the runtime stands in for; the
backend is told only that a file under the root was closed after writing (publish it) or
is about to be read (restore it first if the shared namespace has it).

`open` is builtin open. When `builtins.open` has been replaced (`mock.patch`, an audit
wrapper, pyfakefs) it calls the replacement with exactly the arguments it was given, minus
`pin`, so a migrated call is intercepted as the unmigrated one was. With the local backend
it is a straight call to builtin open. With another backend, opens that can never matter
to it (int descriptors, paths outside the root, special files, secret-looking names, the
runtime's own state) are straight calls too; a read-only open is builtin open, and only
when that raises FileNotFoundError is the backend asked to restore the file (then the
open is retried); only writable opens of publishable files get a tracked raw layer
(`r+`, `a`, `a+` also ask the backend first, since their current content matters).

The pathlib helpers (`read_text`, `read_bytes`, `write_text`, `write_bytes`, `path_open`)
stand in for the method call `p.read_text(...)`: they call that method, looked up on `p`
as the original did, so a subclass's override, a str or None (AttributeError), a mock,
`zipfile.Path` and `mock.patch.object(Path, ...)` behave exactly as before. Only when `p`
is a plain `PosixPath`/`WindowsPath` whose methods are pathlib's own and `io.open` is the
real one does the backend hear about it (restore before a read, publish after a write);
the file I/O is still pathlib's. Their signatures are the running Python's pathlib
methods' (plus keyword-only `pin` on writes): `inspect.signature` shows them.

The json/pickle helpers stand in for `with open(path, mode, ...) as f: json.dump(obj, f)`
and its siblings: they open with `open` above (so mocks of `builtins.open` see the same
call) and write in place, like the code they replace; an exception while serialising
leaves the same partial file, and is not published. Atomic replacement is an explicit
opt-in: `atomic_write` (see `_atomic`).

Trust boundary: `load_pickle` runs code from the pickle. With the ipfs backend a missing
file may be restored from the shared namespace first; limit restores to pinned entries of
namespaces you trust with STORAGE_RUNTIME_RESTORE_NAMESPACES, or keep `load_pickle` for
files this machine wrote.
"""

from __future__ import annotations

import atexit
import builtins
import codecs
import contextlib
import dataclasses
import functools
import inspect
import io
import json
import logging
import os
import pathlib
import pickle
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import IO, Any

from storage_runtime import _after_call, _claim, _codecs, _exists, _receiver, lifecycle
from storage_runtime._atomic import AtomicWrite
from storage_runtime._backend import Backend, LocalBackend, begin_write
from storage_runtime._claim import exclusive_open, parent_here
from storage_runtime._open import (
    LINE_BUFFERING_MESSAGE,
    MODES,
    REAL,
    WARN_DEFAULT_ENCODING,
    bind_open_args,
    call_io_open,
    disarm,
    io_open_is_real,
    module_open,
    no_builtin_open,
    open_tracked,
    plain_buffering,
    warn_at_caller,
    warns_line_buffering,
)
from storage_runtime._os_calls import io_open as _io_open
from storage_runtime._paths import PATHLIB_OWN, PLAIN_PATHS, publishable
from storage_runtime.config import (
    INDEX_FILE_NAME,
    STATE_DIR_NAME,
    Settings,
    make_backend,
)

__all__ = ["Storage"]


log = logging.getLogger("storage_runtime")


class _NotGiven:
    """The default of a collapsed open's text keyword the source did not pass (None is a
    value the source may pass, and a patched open records it)."""

    def __repr__(self) -> str:
        return "<not given>"


NOT_GIVEN: Any = _NotGiven()

class Storage:
    """A file store with builtin-open semantics and a pluggable publishing backend.

    `Storage()` reads its settings from the environment (`Settings.from_env()`);
    `Storage(settings)` uses the given ones; keyword overrides replace single fields,
    e.g. `Storage(root="/data", backend="ipfs")`. `backend_impl=` injects a ready backend
    object (tests, embedding); otherwise the backend is built on first use.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backend_impl: Backend | None = None,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = Settings.from_env()
        if overrides:
            if "root" in overrides and "index" not in overrides and settings.index == (
                os.path.join(settings.root, STATE_DIR_NAME, INDEX_FILE_NAME)
            ):
                overrides["index"] = ""  # a defaulted index follows the new root
            settings = dataclasses.replace(settings, **overrides)
        self.settings = settings
        self._backend = backend_impl
        self._owns_backend = False
        self._lock = threading.Lock()
        if backend_impl is None:
            self._local = settings.backend == "local"
        else:
            self._local = isinstance(backend_impl, LocalBackend)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled by reference: a function shipped by value to another process (cloudpickle
        for `__main__` in dask, ray, joblib's loky backend, pyspark; dill's `recurse=True`)
        carries the globals it names, and migrated code names `storage`. The default
        instance arrives as the receiver's own default (configured from its environment);
        another instance as a new `Storage` with the same settings. Its lock, index and
        node connection never travel."""
        import storage_runtime

        if storage_runtime.__dict__.get("storage") is self:
            return (storage_runtime._default, ())
        return (Storage, (self.settings,))

    def __repr__(self) -> str:
        name = self._backend.name if self._backend is not None else self.settings.backend
        return f"<Storage backend={name!r} root={self.settings.root!r}>"

    @property
    def backend(self) -> Backend:
        """The backend, built from the settings on first use (closed at exit)."""
        backend = self._backend
        if backend is None:
            if sys.is_finalizing():
                # First used by a `__del__` at shutdown: imports fail then, and nothing
                # could be published anyway (`_ipfs`'s module doc): the file alone.
                return LocalBackend()
            with self._lock:
                backend = self._backend
                if backend is None:
                    backend = make_backend(self.settings)
                    self._backend = backend
                    self._owns_backend = True
                    atexit.register(backend.close)
        return backend

    def close(self) -> None:
        """Close a backend this instance built (idempotent)."""
        with self._lock:
            backend, owned = self._backend, self._owns_backend
            if owned and backend is not None:
                self._backend = None
                self._owns_backend = False
                atexit.unregister(backend.close)
                backend.close()

    # -- open ------------------------------------------------------------------------

    def open(self, *args: Any, pin: bool = False, call: Any = None, **kwargs: Any) -> Any:
        """Builtin `open(file, mode="r", buffering=-1, encoding=None, errors=None,
        newline=None, closefd=True, opener=None)`, exactly; `pin` says how the backend
        keeps a written file (True: persistent, pinned; False: cache). A replaced
        `builtins.open` is called instead, with the same arguments minus `pin`.

        `call=` (what the codemods emit for `io.open(...)` and `builtins.open(...)`): the
        function as the source spelled it, evaluated at the call site (`call=io.open`).
        Only it decides: when it is not builtin open itself (a patch of `io.open`, of the
        module's own `io` or `builtins` name, pyfakefs) it is called as it is, with the
        arguments minus `pin`; a replaced `builtins.open` matters only when it is what
        `call` names, as it mattered to the original call."""
        if call is not None:
            replaced = call
        else:
            try:
                replaced = builtins.open
            except AttributeError:
                raise no_builtin_open() from None  # as the bare `open(...)` did
        if replaced is not REAL[0]:  # not `_io_open`: pyfakefs rebinds that one too
            return replaced(*args, **kwargs)
        if self._local:
            return call_io_open(args, kwargs)
        return self._open_published(args, kwargs, pin)

    def _open_published(self, args: tuple[Any, ...], kwargs: dict[str, Any], pin: bool) -> Any:
        try:
            file, mode, buffering, encoding, errors, newline, closefd, opener = bind_open_args(
                *args, **kwargs
            )
        except TypeError:
            return _io_open(*args, **kwargs)  # the builtin's own TypeError
        spec = MODES.get(mode) if isinstance(mode, str) else None
        if spec is None or isinstance(file, int):
            return call_io_open(args, kwargs)  # an fd, or builtin raises its own error
        size = plain_buffering(spec, buffering, encoding, errors, newline, closefd)
        if size is not None and _path_like(file):
            # Builtin open's first step once its arguments' types are checked is
            # `os.fspath(file)`: done once here, and the str or bytes goes on to the builtin
            # and to the backend, which would each call a program's `__fspath__` again.
            file = os.fspath(file)
            args, kwargs = _with_file(args, kwargs, file)
        if not spec.writable:
            # Read-only: builtin first; the backend matters only for a missing file.
            try:
                return call_io_open(args, kwargs)
            except FileNotFoundError:
                path = publishable(file, self.settings)
                if path is None:
                    raise
            self._before_read(path)
            return call_io_open(args, kwargs, retry=True)  # restored, or FileNotFoundError
        if size is None:
            return call_io_open(args, kwargs)  # builtin raises its TypeError/ValueError
        path = publishable(file, self.settings)
        if path is None:
            return call_io_open(args, kwargs)
        claims = bool(pin) and spec.rawmode[0] == "x" and opener is None and parent_here(path)
        if spec.sees_existing and not claims:
            # r+, a, a+: the current content matters. x, x+: whether the file exists does:
            # one another worker published is on disk first, so the builtin refuses it with
            # its own FileExistsError, as one shared disk would. (A pinned x claims instead,
            # below: restoring first would keep a winner's empty claim here for good.)
            self._before_read(path)
        handle = open_tracked(
            file, spec, mode, size, encoding, errors, newline, closefd, opener,
            backend=self.backend, path=path, pin=pin, strict=self.settings.strict,
        )
        if claims:
            # Created here: now claim the path in the namespace, atomically (`_claim`); a
            # worker that claimed it first makes this the builtin's FileExistsError.
            return exclusive_open(self.backend, handle, path,
                                  lambda: call_io_open(args, kwargs, retry=True))
        return handle

    def _before_read(self, path: str) -> None:
        try:
            self.backend.before_read(path)
        except FileNotFoundError:
            # A refused or failed restore (the backend logged why): the file stays missing,
            # and the program gets the builtin's FileNotFoundError from its own open, strict
            # mode or not: the same type, errno, message and filename (as the caller gave
            # it, not the absolute path the backend works with), so `str(exc)` is the same.
            pass
        except Exception:
            if self.settings.strict:
                raise
            log.warning("storage_runtime: restoring %s failed", path, exc_info=True)

    def _after_write(self, target: Any, pin: bool) -> None:
        if self._local or target is None:
            return
        path = publishable(target, self.settings)
        if path is None:
            return
        try:
            self.backend.after_write(path, pin=pin)
        except Exception:
            if self.settings.strict:
                raise
            log.warning("storage_runtime: publishing %s failed", path, exc_info=True)

    @contextlib.contextmanager
    def _writing(self, target: Any) -> Iterator[None]:
        """Mark `target` open for writing while a helper writes it in place without the
        tracked `open` (pathlib's write_text/write_bytes, a copy), as a writable `open`
        marks it: no publisher reads it half written. Released before `_after_write`.
        A new file gets no row here (no pin is given): the helper is one call, and what
        it may leave (a symlink a copy made, a file under a patched callee) is decided by
        `_after_write` after it, not by a row `sync` would publish."""
        release = None
        if not self._local:
            path = publishable(target, self.settings)  # never raises
            if path is not None:
                release = begin_write(self.backend, path)
        try:
            yield
        except BaseException:
            if release is not None:
                release(failed=True)
            raise
        if release is not None:
            release()

    # -- atomic replacement: an explicit opt-in ------------------------------------------

    @contextlib.contextmanager
    def atomic_write(
        self,
        path: Any,
        mode: str = "w",
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        pin: bool = False,
    ) -> Iterator[IO[Any]]:
        """`with storage.atomic_write(path, "w" | "wb", ...) as f:` write a temporary file
        next to `path`, fsync it, `os.replace` it over `path` on a clean exit (publishing
        it), remove it on an exception (the old file stays). Not what `open(path, "w")`
        does: the file gets a new inode (other hard links keep the old content), a writable
        file in a read-only folder cannot be replaced, and special files are written in
        place. Codemods emit it only where the source already replaced atomically."""
        writer = AtomicWrite(path, mode, encoding=encoding, errors=errors, newline=newline)
        with writer as f:
            yield f
        self._after_write(writer.target, pin)

    # -- pathlib methods, guarded ----------------------------------------------------------

    def _hooked(self, path: Any, method: str) -> bool:
        """True when `path.<method>(...)` is pathlib's own on a plain Path, reaching the real
        `io.open`: only then does the backend hear about it. Otherwise the helper is the
        bare method call, whatever `path` is."""
        if self._local or type(path) not in PLAIN_PATHS:
            return False
        kind = type(path)
        return (
            getattr(kind, method, None) is PATHLIB_OWN[method]
            and getattr(kind, "open", None) is PATHLIB_OWN["open"]
            and io_open_is_real()
        )

    def read_text(self, path: Any, /, *args: Any, **kwargs: Any) -> Any:
        """`path.read_text(*args, **kwargs)`; a missing file under the root may be restored
        first (then read again)."""
        if WARN_DEFAULT_ENCODING:
            args, kwargs = _encoding_warned(path, "read_text", args, kwargs)
        if not self._hooked(path, "read_text"):
            return path.read_text(*args, **kwargs)
        return self._read_restoring(path, path.read_text, args, kwargs)

    def read_bytes(self, path: Any, /, *args: Any, **kwargs: Any) -> Any:
        """`path.read_bytes(*args, **kwargs)`, restoring a missing file as `read_text`."""
        if not self._hooked(path, "read_bytes"):
            return path.read_bytes(*args, **kwargs)
        return self._read_restoring(path, path.read_bytes, args, kwargs)

    def write_text(self, path: Any, /, *args: Any, pin: bool = False, **kwargs: Any) -> Any:
        """`path.write_text(*args, **kwargs)` (in place, as pathlib writes), then publish."""
        if WARN_DEFAULT_ENCODING:
            args, kwargs = _encoding_warned(path, "write_text", args, kwargs)
        if not self._hooked(path, "write_text"):
            return path.write_text(*args, **kwargs)
        with self._writing(path):
            result = path.write_text(*args, **kwargs)
        self._after_write(path, pin)
        return result

    def write_bytes(self, path: Any, /, *args: Any, pin: bool = False, **kwargs: Any) -> Any:
        """`path.write_bytes(*args, **kwargs)` (in place), then publish."""
        if not self._hooked(path, "write_bytes"):
            return path.write_bytes(*args, **kwargs)
        with self._writing(path):
            result = path.write_bytes(*args, **kwargs)
        self._after_write(path, pin)
        return result

    def path_open(self, path: Any, /, *args: Any, pin: bool = False, **kwargs: Any) -> Any:
        """`path.open(*args, **kwargs)`; on a plain Path it is pathlib's `Path.open` done
        through `open` above, so a writable handle is published at close."""
        if WARN_DEFAULT_ENCODING:
            args, kwargs = _encoding_warned(path, "open", args, kwargs)
        if not self._hooked(path, "open"):
            return path.open(*args, **kwargs)
        try:
            bound = _PATHLIB_SIGNATURES["open"].bind(path, *args, **kwargs)
        except TypeError:
            return path.open(*args, **kwargs)  # pathlib's own TypeError
        bound.apply_defaults()
        _, mode, buffering, encoding, errors, newline = bound.args
        if not isinstance(mode, str):
            return path.open(*args, **kwargs)  # pathlib's own error for this mode
        if "b" not in mode:  # what Path.open does (3.11 to 3.13)
            encoding = io.text_encoding(encoding)
        if warns_line_buffering((path, mode, buffering, encoding, errors, newline, True, None)):
            _warn_in_pathlib_open(LINE_BUFFERING_MESSAGE)  # where the original's warning was
            buffering = -1  # what builtin open does after that warning
        return self._open_published(
            (path, mode, buffering, encoding, errors, newline), {}, pin
        )

    def _read_restoring(
        self, path: Any, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        try:
            return method(*args, **kwargs)
        except FileNotFoundError:
            target = publishable(path, self.settings)
            if target is None:
                raise
        self._before_read(target)
        return method(*args, **kwargs)  # restored, or pathlib's FileNotFoundError again

    # -- json / pickle: `with open(path, mode, ...) as f: json.dump(obj, f)` ----------------

    def _collapsed(
        self,
        caller: dict[str, Any],
        path: Any,
        mode: str | None,
        default_mode: str,
        pin: bool,
        **text: Any,
    ) -> Any:
        """The `open(...)` call a collapsed with-block made: `path`, then `mode` only if the
        source passed it, then the text arguments the source passed (an explicit None
        too: a patched open records it). The codemod collapses only a bare `open`, so the
        calling module's own global `open` (`caller`), when something set one at run
        time, is what the block called."""
        args = (path,) if mode is None else (path, mode)
        kwargs = {k: v for k, v in text.items() if v is not NOT_GIVEN}
        if mode is None and default_mode != "r":
            args = (path, default_mode)
        replaced = module_open(caller)
        if replaced is not None:
            return replaced(*args, **kwargs)
        return self.open(*args, pin=pin, **kwargs)

    # `call=` (what the codemods emit): the json/pickle function as the source spelled it,
    # evaluated at the call site (`call=json.dump`, `call=j.dump`, `call=dump` after `from
    # json import dump`): a patch of it or of the module the source named reaches the
    # call as it reached the original. Without it (code migrated before `call=`), the
    # standard library's function as it is at call time (`mock.patch("json.dump")`).

    def dump_json(
        self,
        obj: Any,
        path: Any,
        mode: str | None = None,
        *,
        pin: bool = False,
        encoding: Any = NOT_GIVEN,
        errors: Any = NOT_GIVEN,
        newline: Any = NOT_GIVEN,
        call: Any = None,
        **json_kwargs: Any,
    ) -> Any:
        """`with open(path, mode or "w", encoding=..., ...) as f: return call(obj, f,
        **json_kwargs)` (`call`: `json.dump`, which returns None): in place; an exception
        while serialising leaves the file as the original left it (truncated, partly
        written) and publishes nothing."""
        with self._collapsed(
            sys._getframe(1).f_globals,
            path, mode, "w", pin, encoding=encoding, errors=errors, newline=newline
        ) as f:
            return _unpublished_on_error(
                f, json.dump if call is None else call, obj, f, **json_kwargs
            )

    def load_json(
        self,
        path: Any,
        mode: str | None = None,
        *,
        encoding: Any = NOT_GIVEN,
        errors: Any = NOT_GIVEN,
        newline: Any = NOT_GIVEN,
        call: Any = None,
        **json_kwargs: Any,
    ) -> Any:
        """`with open(path[, mode], encoding=..., ...) as f: return call(f, **json_kwargs)`
        (`call`: `json.load`)."""
        with self._collapsed(
            sys._getframe(1).f_globals,
            path, mode, "r", False, encoding=encoding, errors=errors, newline=newline
        ) as f:
            return (json.load if call is None else call)(f, **json_kwargs)

    def dump_pickle(
        self,
        obj: Any,
        path: Any,
        mode: str | None = None,
        *args: Any,
        pin: bool = False,
        call: Any = None,
        **pickle_kwargs: Any,
    ) -> Any:
        """`with open(path, mode or "wb") as f: return call(obj, f, *args, **pickle_kwargs)`
        (`call`: `pickle.dump`; `args`: its `protocol` when the source passed it
        positionally, so a patched dump records the call as the source made it), in place
        like `dump_json`."""
        with self._collapsed(sys._getframe(1).f_globals, path, mode, "wb", pin) as f:
            return _unpublished_on_error(
                f, pickle.dump if call is None else call, obj, f, *args, **pickle_kwargs
            )

    def load_pickle(
        self, path: Any, mode: str | None = None, *, call: Any = None, **kwargs: Any
    ) -> Any:
        """`with open(path, mode or "rb") as f: return call(f, **kwargs)` (`call`:
        `pickle.load`).

        Unpickling runs code: load only pickles from a source you trust (see the module
        docstring for restores from the network)."""
        with self._collapsed(sys._getframe(1).f_globals, path, mode, "rb", False) as f:
            return (pickle.load if call is None else call)(f, **kwargs)

    # -- the file lifecycle: exact stand-ins, then the namespace (see `lifecycle`) ------
    # Their signatures (`inspect.signature`) are the running Python's os/shutil/pathlib
    # ones plus keyword-only `pin` (on those that create a file) and `call` (see
    # `lifecycle`): set at the end of this module.

    def replace(self, /, *args: Any, pin: bool | None = None, call: Any = None,
                **kwargs: Any) -> Any:
        """`os.replace(src, dst, **kwargs)`; then `dst` is published, `src` dropped."""
        return lifecycle.replace(self, *args, pin=pin, call=call, **kwargs)

    def rename(self, /, *args: Any, pin: bool | None = None, call: Any = None,
               **kwargs: Any) -> Any:
        """`os.rename(src, dst, **kwargs)`; then `dst` is published, `src` dropped."""
        return lifecycle.rename(self, *args, pin=pin, call=call, **kwargs)

    def path_replace(self, path: Any, /, *args: Any, pin: bool | None = None,
                     **kwargs: Any) -> Any:
        """`path.replace(target)`; then `target` is published, `path` dropped."""
        return lifecycle.path_replace(self, path, *args, pin=pin, **kwargs)

    def path_rename(self, path: Any, /, *args: Any, pin: bool | None = None,
                    **kwargs: Any) -> Any:
        """`path.rename(target)`; then `target` is published, `path` dropped."""
        return lifecycle.path_rename(self, path, *args, pin=pin, **kwargs)

    def move(self, /, *args: Any, pin: bool | None = None, call: Any = None,
             **kwargs: Any) -> Any:
        """`shutil.move(src, dst, ...)`; then its destination is published, `src` dropped."""
        return lifecycle.move(self, *args, pin=pin, call=call, **kwargs)

    def link(self, /, *args: Any, pin: bool | None = None, call: Any = None,
             **kwargs: Any) -> Any:
        """`os.link(src, dst, **kwargs)`; then `dst` is published."""
        return lifecycle.link(self, *args, pin=pin, call=call, **kwargs)

    def remove(self, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
        """`os.remove(path, **kwargs)`; then its namespace entry is dropped."""
        return lifecycle.remove(self, *args, call=call, **kwargs)

    def unlink(self, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
        """`os.unlink(path, **kwargs)`; then its namespace entry is dropped."""
        return lifecycle.unlink(self, *args, call=call, **kwargs)

    def path_unlink(self, path: Any, /, *args: Any, **kwargs: Any) -> Any:
        """`path.unlink(...)`; then its namespace entry is dropped."""
        return lifecycle.path_unlink(self, path, *args, **kwargs)

    def path_touch(self, path: Any, /, *args: Any, pin: bool | None = None,
                   **kwargs: Any) -> Any:
        """`path.touch(...)`; then a file it created is published (an empty file, as the
        closed `open(path, "a")` that created it is)."""
        return lifecycle.path_touch(self, path, *args, pin=pin, **kwargs)

    def path(self, target: Any, /, *, pin: bool = False) -> _receiver.Receiver:
        """`storage.path(x, pin=...).write_text(...)`: `x.write_text(...)` with the method
        looked up on `x` before the arguments are evaluated, as the original does, then
        read or written through this storage where `x` is a plain Path (_receiver.py)."""
        return _receiver.Receiver(self, target, pin)

    def rmtree(self, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
        """`shutil.rmtree(path, ...)`; then the entries of the removed files are dropped."""
        return lifecycle.rmtree(self, *args, call=call, **kwargs)

    def copy(self, /, *args: Any, pin: bool | None = None, call: Any = None,
             **kwargs: Any) -> Any:
        """`shutil.copy(src, dst, **kwargs)`; then the copy is published."""
        return lifecycle.copy(self, *args, pin=pin, call=call, **kwargs)

    def copy2(self, /, *args: Any, pin: bool | None = None, call: Any = None,
              **kwargs: Any) -> Any:
        """`shutil.copy2(src, dst, **kwargs)`; then the copy is published."""
        return lifecycle.copy2(self, *args, pin=pin, call=call, **kwargs)

    def copyfile(self, /, *args: Any, pin: bool | None = None, call: Any = None,
                 **kwargs: Any) -> Any:
        """`shutil.copyfile(src, dst, **kwargs)`; then the copy is published."""
        return lifecycle.copyfile(self, *args, pin=pin, call=call, **kwargs)

    def copytree(self, /, *args: Any, pin: bool | None = None, call: Any = None,
                 **kwargs: Any) -> Any:
        """`shutil.copytree(src, dst, ...)`; then every copied file is published."""
        return lifecycle.copytree(self, *args, pin=pin, call=call, **kwargs)

    # -- codecs.open: the standard library's code on `open` above (see `_codecs`) ---------

    def codecs_open(self, /, *args: Any, pin: bool = False, call: Any = None,
                    **kwargs: Any) -> Any:
        """`codecs.open(filename, mode="r", encoding=None, errors="strict", buffering=-1)`,
        exactly: the standard library's own function, whose `builtins.open(...)` is `open`
        above with `pin`. `call=` (what the codemods emit): the function as the source
        spelled it, evaluated at the call site; a patch of it, or any function other than
        the standard library's, is called as it is, with the arguments minus `pin`."""
        function = codecs.open if call is None else call
        if function is not _codecs.OWN_OPEN or self._local:
            return function(*args, **kwargs)
        return _codecs.run_with_open(functools.partial(self.open, pin=pin), args, kwargs)

    # -- after a call the runtime does not see (a third-party writer) ---------------------

    def publish(self, path: Any, *, pin: bool = False, suffix: str | None = None) -> None:
        """Publish the file, or every file of the folder, that a third-party writer just
        wrote at `path` (`df.to_csv(p)` then `storage.publish(p)`), as a closed write is
        published. Returns None; never raises for backend trouble (strict mode raises, as
        for a write); a missing path, a non-path (also a custom PathLike or a Mock: its
        `__fspath__` is never called), the local backend, or a replaced
        `builtins.open`/`io.open`: nothing. `suffix`: the writer adds it to a path that
        lacks it (`np.save`'s ".npy"). See `_after_call`."""
        return _after_call.publish(self, path, pin=pin, suffix=suffix)

    def publishing(
        self,
        fn: Any,
        *,
        path: int | str | None = None,
        pin: bool = False,
        suffix: str | None = None,
        returned: bool = False,
    ) -> Any:
        """`fn`, called through, then its `path` argument (positional index or keyword)
        published: `storage.publishing(torch.save, path=1, pin=True)(obj, os.path.join(d,
        n))`; with `returned=True`, what it returns: `storage.publishing(
        shutil.make_archive, returned=True, pin=True)(base, "zip", root)`. See
        `_after_call.publishing`."""
        return _after_call.publishing(
            self, fn, path=path, pin=pin, suffix=suffix, returned=returned
        )

    def claiming(self, fn: Any, *, path: int | str, pin: bool = False) -> Any:
        """`fn`, called through, for a writer that creates its file exclusively:
        `storage.claiming(tarfile.open, path=0, pin=True)(p, "x:gz")`; pinned, the path is
        claimed in the namespace once created, atomically (see `_claim.claiming`)."""
        return _claim.claiming(self, fn, path=path, pin=pin)

    def restoring(self, fn: Any, *, path: int | str) -> Any:
        """`fn`, called through, with its `path` argument restored first:
        `storage.restoring(torch.load, path=0)(f, map_location=dev())`. See
        `_after_call.restoring`."""
        return _after_call.restoring(self, fn, path=path)

    def held(self, path: Any, /) -> Any:
        """`path` itself, remembered for the `**storage.restore_held()` that ends the same
        call: `torch.load(storage.held(f), map_location=dev(), **storage.restore_held())`
        restores `f` after every argument, right before the reader runs, from no frame of
        the runtime's (see `_after_call.held`)."""
        return _after_call.held(path, sys._getframe(1))

    def restore_held(self) -> dict[str, Any]:
        """Restore the path this call's `storage.held(...)` gave (as `restored` does);
        returns an empty mapping, so `**storage.restore_held()` passes nothing."""
        return _after_call.restore_held(self, sys._getframe(1))

    def publish_held(self, *, pin: bool = False, suffix: str | None = None) -> None:
        """Publish (as `publish` does) the path this frame's last `storage.held(...)`
        gave: the line after a writer called with it, `df.to_csv(storage.held(out(n)),
        sep=sep())`, which runs only once the writer returned (see
        `_after_call.publish_held`)."""
        _after_call.publish_held(self, sys._getframe(1), pin=pin, suffix=suffix)

    def restored(self, path: Any) -> Any:
        """`path` itself, after restoring a missing file there from the shared namespace,
        as a read-only open would: for a third-party reader that opens it itself
        (`np.load(storage.restored(p))`). Never changes what the reader is given. See
        `_after_call.restored`."""
        return _after_call.restored(self, path)

    # -- existence checks that see the shared namespace (see `_exists`) -----------------

    def exists(self, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
        """`os.path.exists(path)`, exactly (`call=`: the function as the source spelled
        it); a False for a file another worker published is asked again once a restore
        has put it there, as a read-only open would. See `_exists`."""
        return _exists.check(self, "os.path.exists", call, args, kwargs)

    def isfile(self, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
        """`os.path.isfile(path)`, answered as `exists` is."""
        return _exists.check(self, "os.path.isfile", call, args, kwargs)

    def lexists(self, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
        """`os.path.lexists(path)`, answered as `exists` is."""
        return _exists.check(self, "os.path.lexists", call, args, kwargs)

    def path_exists(self, path: Any, /, *args: Any, **kwargs: Any) -> Any:
        """`path.exists(...)`, looked up on the receiver; on a plain Path, answered as
        `exists` is."""
        return _exists.path_check(self, "exists", path, args, kwargs)

    def path_is_file(self, path: Any, /, *args: Any, **kwargs: Any) -> Any:
        """`path.is_file(...)`, looked up on the receiver; on a plain Path, answered as
        `exists` is."""
        return _exists.path_check(self, "is_file", path, args, kwargs)


def _path_like(file: Any) -> bool:
    """Whether builtin open would call `file.__fspath__()`: not a str or bytes, not a
    number (a descriptor, which it takes first), a type with `__fspath__`."""
    if isinstance(file, (str, bytes, int, float, complex)):
        return False
    kind = type(file)
    if any(hasattr(kind, n) for n in ("__index__", "__int__", "__float__")):
        return False  # PyNumber_Check: builtin open takes it as a descriptor
    return hasattr(kind, "__fspath__")


def _with_file(
    args: tuple[Any, ...], kwargs: dict[str, Any], file: Any
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The open call's arguments with `file` (first positional, or `file=`) replaced."""
    if args:
        return (file, *args[1:]), kwargs
    return args, {**kwargs, "file": file}


def _unpublished_on_error(f: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)`, returned; if it raises, the tracked handle `f` publishes
    nothing at close (a half-serialised file must not reach other workers)."""
    try:
        return fn(*args, **kwargs)
    except BaseException:
        disarm(f)
        raise


def _encoding_warned(
    path: Any, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Under -X warn_default_encoding pathlib's own text methods warn their caller about a
    missing encoding; called from a helper, that would name the helper's line. On a plain
    Path the warning is raised here, at the program's line, and the method is given the
    encoding it would have chosen (what it then passes to `io.open` is unchanged)."""
    kind = type(path)
    if kind not in PLAIN_PATHS or getattr(kind, method, None) is not PATHLIB_OWN[method]:
        return args, kwargs
    try:
        bound = _PATHLIB_SIGNATURES[method].bind(path, *args, **kwargs)
    except TypeError:
        return args, kwargs  # pathlib raises its own TypeError
    bound.apply_defaults()
    if bound.arguments.get("encoding") is not None:
        return args, kwargs
    mode = bound.arguments.get("mode", "")
    if not isinstance(mode, str) or "b" in mode:
        return args, kwargs
    warn_at_caller("'encoding' argument not specified", EncodingWarning)
    bound.arguments["encoding"] = "utf-8" if sys.flags.utf8_mode else "locale"
    return bound.args[1:], bound.kwargs


def _warn_in_pathlib_open(message: str) -> None:
    """The RuntimeWarning builtin open raises for its direct caller, attributed where the
    original `p.open(...)` had it: the `io.open(...)` line of pathlib's `Path.open`."""
    import dis  # only on this rare path

    code = PATHLIB_OWN["open"].__code__
    line = code.co_firstlineno
    previous = None
    for ins in dis.get_instructions(code):  # `io` then `.open`: the line of `io.open(`
        if previous is not None and previous.argval == "io" and ins.argval == "open":
            line = (previous.positions and previous.positions.lineno) or line
            break
        previous = ins
    module = sys.modules.get(PATHLIB_OWN["open"].__module__)
    module_globals = vars(module) if module is not None else {}
    warnings.warn_explicit(
        message, RuntimeWarning, code.co_filename, line,
        module=PATHLIB_OWN["open"].__module__,
        registry=module_globals.setdefault("__warningregistry__", {}),
        module_globals=module_globals,
    )


_PATHLIB_METHODS = ("read_text", "read_bytes", "write_text", "write_bytes", "open")
_PATHLIB_SIGNATURES = {name: inspect.signature(PATHLIB_OWN[name]) for name in _PATHLIB_METHODS}


def _helper_signature(name: str, *, pin: bool) -> inspect.Signature:
    """`(self, path, /, <pathlib's parameters on this Python>[, *, pin=False])`."""
    positional_only = inspect.Parameter.POSITIONAL_ONLY
    params = [
        inspect.Parameter("self", positional_only),
        inspect.Parameter("path", positional_only),
        *list(_PATHLIB_SIGNATURES[name].parameters.values())[1:],
    ]
    if pin:
        keyword = inspect.Parameter("pin", inspect.Parameter.KEYWORD_ONLY, default=False)
        var_kw = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
        params = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
        params += [keyword, *var_kw]
    return inspect.Signature(params)


def _open_signature(*, call: bool = False) -> inspect.Signature:
    """`(self, <builtin open's parameters>, *, pin=False[, call=None])`."""
    params = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(p.replace(annotation=inspect.Parameter.empty)
          for p in inspect.signature(bind_open_args).parameters.values()),
        inspect.Parameter("pin", inspect.Parameter.KEYWORD_ONLY, default=False),
    ]
    if call:
        params.append(inspect.Parameter("call", inspect.Parameter.KEYWORD_ONLY, default=None))
    return inspect.Signature(params)


Storage.open.__signature__ = _open_signature(call=True)  # type: ignore[attr-defined]
for _name, _pin in (("read_text", False), ("read_bytes", False), ("write_text", True),
                    ("write_bytes", True), ("path_open", True)):
    getattr(Storage, _name).__signature__ = _helper_signature(  # type: ignore[attr-defined]
        "open" if _name == "path_open" else _name, pin=_pin
    )




def _stand_in_signature(original: inspect.Signature, *, path: bool, pin: bool, call: bool,
                        pin_default: bool | None = None) -> inspect.Signature:
    """`(self, [path, /,] <the original's parameters on this Python>, *, [pin=None,]
    [call=None])`: what a stand-in accepts is what the original accepts, plus these."""
    kinds = inspect.Parameter
    params = [kinds("self", kinds.POSITIONAL_ONLY)]
    original_params = list(original.parameters.values())
    if path:  # the receiver: `path.unlink(...)` -> `storage.path_unlink(path, ...)`
        params.append(kinds("path", kinds.POSITIONAL_ONLY))
        original_params = original_params[1:]
    extra = [kinds("pin", kinds.KEYWORD_ONLY, default=pin_default)] if pin else []
    if call:
        extra.append(kinds("call", kinds.KEYWORD_ONLY, default=None))
    var_kw = [p for p in original_params if p.kind is kinds.VAR_KEYWORD]
    plain = [p for p in original_params if p.kind is not kinds.VAR_KEYWORD]
    return inspect.Signature([*params, *plain, *extra, *var_kw])


for _name, _original, _flags in (
    ("replace", "os.replace", (False, True, True)),
    ("rename", "os.rename", (False, True, True)),
    ("link", "os.link", (False, True, True)),
    ("path_replace", "pathlib.Path.replace", (True, True, False)),
    ("path_rename", "pathlib.Path.rename", (True, True, False)),
    ("move", "shutil.move", (False, True, True)),
    ("remove", "os.remove", (False, False, True)),
    ("unlink", "os.unlink", (False, False, True)),
    ("path_unlink", "pathlib.Path.unlink", (True, False, False)),
    ("path_touch", "pathlib.Path.touch", (True, True, False)),
    ("rmtree", "shutil.rmtree", (False, False, True)),
    ("copy", "shutil.copy", (False, True, True)),
    ("copy2", "shutil.copy2", (False, True, True)),
    ("copyfile", "shutil.copyfile", (False, True, True)),
    ("copytree", "shutil.copytree", (False, True, True)),
):
    getattr(Storage, _name).__signature__ = _stand_in_signature(  # type: ignore[attr-defined]
        lifecycle.signature_of(_original), path=_flags[0], pin=_flags[1], call=_flags[2]
    )
for _name, _original, _flags in (
    ("exists", os.path.exists, (False, False, True)),
    ("isfile", os.path.isfile, (False, False, True)),
    ("lexists", os.path.lexists, (False, False, True)),
    ("path_exists", pathlib.Path.exists, (True, False, False)),
    ("path_is_file", pathlib.Path.is_file, (True, False, False)),
):
    getattr(Storage, _name).__signature__ = _stand_in_signature(  # type: ignore[attr-defined]
        inspect.signature(_original), path=_flags[0], pin=_flags[1], call=_flags[2]
    )
Storage.codecs_open.__signature__ = _stand_in_signature(  # type: ignore[attr-defined]
    inspect.signature(_codecs.OWN_OPEN), path=False, pin=True, call=True, pin_default=False
)
