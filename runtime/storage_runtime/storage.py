"""`Storage`: builtin file semantics for the program, plus a backend told about writes.

The program keeps every observable behaviour of builtin `open`; the backend is told only
that a file under the root was closed after writing (publish it) or is about to be read
(restore it first if the shared namespace has it). With the local backend `open` is a
straight call to builtin open. With another backend, opens that can never matter to it
(int descriptors, paths outside the root, special files, secret-looking names, the
runtime's own state) are straight calls too; a read-only open is builtin open, and only
when that raises FileNotFoundError is the backend asked to restore the file (then the
open is retried); only writable opens of publishable files get a tracked raw layer
(`r+`, `a`, `a+` also ask the backend first, since their current content matters).

Write helpers (`write_text`, `write_bytes`, `dump_json`, `dump_pickle`) are atomic
(see `_atomic`): the result on success is byte-for-byte what the non-atomic builtin
pattern writes, and a crash or an exception mid-way leaves the old file intact.

Trust boundary: `load_pickle` runs code from the pickle. With the ipfs backend a missing
file may be restored from the shared namespace first; limit restores to pinned entries of
namespaces you trust with STORAGE_RUNTIME_RESTORE_NAMESPACES, or keep `load_pickle` for
files this machine wrote.
"""

from __future__ import annotations

import atexit
import dataclasses
import io
import json
import logging
import operator
import os
import pickle
import threading
from typing import Any

from storage_runtime import lifecycle
from storage_runtime._atomic import AtomicWrite
from storage_runtime._backend import Backend, LocalBackend
from storage_runtime._open import MODES, open_tracked
from storage_runtime._paths import publishable
from storage_runtime.config import (
    INDEX_FILE_NAME,
    STATE_DIR_NAME,
    Settings,
    make_backend,
)

__all__ = ["Storage"]

#: The real builtin open (C `io.open`), bound once: never the name `open`, which may be
#: rebound (to storage_runtime.open) or patched in `builtins`.
_io_open = io.open

log = logging.getLogger("storage_runtime")

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

    def __repr__(self) -> str:
        name = self._backend.name if self._backend is not None else self.settings.backend
        return f"<Storage backend={name!r} root={self.settings.root!r}>"

    @property
    def backend(self) -> Backend:
        """The backend, built from the settings on first use (closed at exit)."""
        backend = self._backend
        if backend is None:
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

    def open(
        self,
        file: Any,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        closefd: bool = True,
        opener: Any = None,
        *,
        pin: bool = False,
    ) -> Any:
        """Builtin `open`, exactly; `pin` says how the backend keeps a written file
        (True: persistent, pinned; False: cache)."""
        if self._local:
            return _io_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
        return self._open_published(
            file, mode, buffering, encoding, errors, newline, closefd, opener, pin
        )

    def _open_published(
        self,
        file: Any,
        mode: Any,
        buffering: Any,
        encoding: Any,
        errors: Any,
        newline: Any,
        closefd: Any,
        opener: Any,
        pin: bool,
    ) -> Any:
        args = (file, mode, buffering, encoding, errors, newline, closefd, opener)
        spec = MODES.get(mode) if isinstance(mode, str) else None
        if spec is None or isinstance(file, int):
            return _io_open(*args)  # an fd, or builtin raises its own error
        if not spec.writable:
            # Read-only: builtin first; the backend matters only for a missing file.
            try:
                return _io_open(*args)
            except FileNotFoundError:
                path = publishable(file, self.settings)
                if path is None:
                    raise
            self._before_read(path)
            return _io_open(*args)  # restored, or the builtin's FileNotFoundError again
        size = _plain_buffering(spec, buffering, encoding, errors, newline, closefd)
        if size is None:
            return _io_open(*args)  # builtin raises its TypeError/ValueError
        path = publishable(file, self.settings)
        if path is None:
            return _io_open(*args)
        if spec.reads_existing:  # r+, a, a+: the current content matters
            self._before_read(path)
        name = file if isinstance(file, (str, bytes)) else os.fspath(file)
        return open_tracked(
            name, spec, mode, size, encoding, errors, newline, closefd, opener,
            backend=self.backend, path=path, pin=pin, strict=self.settings.strict,
        )

    def _before_read(self, path: str) -> None:
        try:
            self.backend.before_read(path)
        except FileNotFoundError:
            # A refused or failed restore (the backend logged why): the file stays missing,
            # and the program gets the builtin's FileNotFoundError from its own open.
            if self.settings.strict:
                raise
        except Exception:
            if self.settings.strict:
                raise
            log.warning("storage_runtime: restoring %s failed", path, exc_info=True)

    def _after_write(self, target: str | None, pin: bool) -> None:
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

    def _atomic(self, path: Any, data_writer: Any, mode: str, pin: bool, **text: Any) -> Any:
        writer = AtomicWrite(path, mode, **text)
        with writer as f:
            result = data_writer(f)
        self._after_write(writer.target, pin)
        return result

    # -- pathlib-style helpers ---------------------------------------------------------

    def read_text(self, path: Any, encoding: str | None = None, errors: str | None = None) -> str:
        """`Path(path).read_text(encoding, errors)`."""
        encoding = io.text_encoding(encoding)
        with self.open(path, "r", encoding=encoding, errors=errors) as f:
            return f.read()  # type: ignore[no-any-return]

    def read_bytes(self, path: Any) -> bytes:
        """`Path(path).read_bytes()`."""
        with self.open(path, "rb") as f:
            return f.read()  # type: ignore[no-any-return]

    def write_text(
        self,
        path: Any,
        data: str,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        *,
        pin: bool = False,
    ) -> int:
        """`Path(path).write_text(data, encoding, errors, newline)` (3.10+ `newline`), but
        atomic: the file holds the old content or the new, never a torn mix."""
        if not isinstance(data, str):
            raise TypeError(f"data must be str, not {data.__class__.__name__}")
        encoding = io.text_encoding(encoding)
        return self._atomic(  # type: ignore[no-any-return]
            path, lambda f: f.write(data), "w", pin,
            encoding=encoding, errors=errors, newline=newline,
        )

    def write_bytes(self, path: Any, data: Any, *, pin: bool = False) -> int:
        """`Path(path).write_bytes(data)`, but atomic."""
        view = memoryview(data)
        return self._atomic(path, lambda f: f.write(view), "wb", pin)  # type: ignore[no-any-return]

    # -- json / pickle -------------------------------------------------------------------

    def dump_json(
        self, obj: Any, path: Any, *, pin: bool = False, encoding: str | None = None,
        **json_kwargs: Any,
    ) -> None:
        """`with open(path, "w", encoding=encoding) as f: json.dump(obj, f, **json_kwargs)`,
        atomically (an unserialisable object leaves the old file as it was)."""
        self._atomic(path, lambda f: json.dump(obj, f, **json_kwargs), "w", pin, encoding=encoding)

    def load_json(self, path: Any, *, encoding: str | None = None, **json_kwargs: Any) -> Any:
        """`with open(path, encoding=encoding) as f: return json.load(f, **json_kwargs)`."""
        with self.open(path, "r", encoding=encoding) as f:
            return json.load(f, **json_kwargs)

    def dump_pickle(
        self, obj: Any, path: Any, *, pin: bool = False, protocol: int | None = None
    ) -> None:
        """`with open(path, "wb") as f: pickle.dump(obj, f, protocol)`, atomically."""
        self._atomic(path, lambda f: pickle.dump(obj, f, protocol), "wb", pin)

    def load_pickle(self, path: Any, **kwargs: Any) -> Any:
        """`with open(path, "rb") as f: return pickle.load(f, **kwargs)`.

        Unpickling runs code: load only pickles from a source you trust (see the module
        docstring for restores from the network)."""
        with self.open(path, "rb") as f:
            return pickle.load(f, **kwargs)

    # -- the file lifecycle: exact stand-ins, then the namespace (see `lifecycle`) ------

    def replace(self, src: Any, dst: Any, *args: Any, pin: bool | None = None,
                **kwargs: Any) -> None:
        """`os.replace(src, dst, *args, **kwargs)`; then `dst` is published, `src` dropped."""
        return lifecycle.replace(self, src, dst, *args, pin=pin, **kwargs)

    def rename(self, src: Any, dst: Any, *args: Any, pin: bool | None = None,
               **kwargs: Any) -> None:
        """`os.rename(src, dst, *args, **kwargs)`; then `dst` is published, `src` dropped."""
        return lifecycle.rename(self, src, dst, *args, pin=pin, **kwargs)

    def path_replace(self, path: Any, target: Any, *, pin: bool | None = None) -> Any:
        """`path.replace(target)`; then `target` is published, `path` dropped."""
        return lifecycle.path_replace(self, path, target, pin=pin)

    def path_rename(self, path: Any, target: Any, *, pin: bool | None = None) -> Any:
        """`path.rename(target)`; then `target` is published, `path` dropped."""
        return lifecycle.path_rename(self, path, target, pin=pin)

    def move(self, src: Any, dst: Any, *args: Any, pin: bool | None = None, **kwargs: Any) -> Any:
        """`shutil.move(src, dst, ...)`; then its destination is published, `src` dropped."""
        return lifecycle.move(self, src, dst, *args, pin=pin, **kwargs)

    def remove(self, path: Any, *args: Any, **kwargs: Any) -> None:
        """`os.remove(path, **kwargs)`; then its namespace entry is dropped."""
        return lifecycle.remove(self, path, *args, **kwargs)

    def unlink(self, path: Any, *args: Any, **kwargs: Any) -> None:
        """`os.unlink(path, **kwargs)`; then its namespace entry is dropped."""
        return lifecycle.unlink(self, path, *args, **kwargs)

    def path_unlink(self, path: Any, *args: Any, **kwargs: Any) -> None:
        """`path.unlink(...)`; then its namespace entry is dropped."""
        return lifecycle.path_unlink(self, path, *args, **kwargs)

    def rmtree(self, path: Any, *args: Any, **kwargs: Any) -> None:
        """`shutil.rmtree(path, ...)`; then the entries of the removed files are dropped."""
        return lifecycle.rmtree(self, path, *args, **kwargs)

    def copy(self, src: Any, dst: Any, *args: Any, pin: bool | None = None,
             **kwargs: Any) -> Any:
        """`shutil.copy(src, dst, *args, **kwargs)`; then the copy is published."""
        return lifecycle.copy(self, src, dst, *args, pin=pin, **kwargs)

    def copy2(self, src: Any, dst: Any, *args: Any, pin: bool | None = None,
              **kwargs: Any) -> Any:
        """`shutil.copy2(src, dst, *args, **kwargs)`; then the copy is published."""
        return lifecycle.copy2(self, src, dst, *args, pin=pin, **kwargs)

    def copyfile(self, src: Any, dst: Any, *args: Any, pin: bool | None = None,
                 **kwargs: Any) -> Any:
        """`shutil.copyfile(src, dst, *args, **kwargs)`; then the copy is published."""
        return lifecycle.copyfile(self, src, dst, *args, pin=pin, **kwargs)

    def copytree(self, src: Any, dst: Any, *args: Any, pin: bool | None = None,
                 **kwargs: Any) -> Any:
        """`shutil.copytree(src, dst, ...)`; then every copied file is published."""
        return lifecycle.copytree(self, src, dst, *args, pin=pin, **kwargs)


def _plain_buffering(
    spec: Any, buffering: Any, encoding: Any, errors: Any, newline: Any, closefd: Any
) -> int | None:
    """`buffering` as an int when builtin open would accept these arguments' types and
    combination, so the tracked path can build the stack; None sends the call to builtin
    open, which raises its own TypeError/ValueError/OverflowError."""
    try:
        size = operator.index(buffering)
    except TypeError:
        return None
    if not (-(2**31) <= size < 2**31) or not isinstance(closefd, int):
        return None
    for value in (encoding, errors, newline):
        if value is not None and (spec.binary or not isinstance(value, str)):
            return None
    return size
