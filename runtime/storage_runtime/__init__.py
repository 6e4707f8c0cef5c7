"""storage_runtime: a drop-in builtin `open()` that publishes closed files to IPFS.

    from storage_runtime import open      # rebinds this module's open, like smart_open
    from storage_runtime import io_open   # the stand-in for `io.open(...)` calls
    from storage_runtime import storage   # the default Storage (read_text, dump_json, ...)
    from storage_runtime import publish   # after a third-party writer: storage.publish(p)

The default instance's settings are read from the `STORAGE_RUNTIME_*` environment
variables at import (cheap: no I/O beyond `getcwd`/`realpath`), so a bad variable fails the
import; the instance itself is built on first use (`storage_runtime.storage`, or the first
`open`), and its backend after that. Importing a submodule alone (the secret-path rule,
`storage_runtime.secret_paths`, which migrate-storage uses) builds nothing. With the default `local` backend every call is builtin file I/O and nothing
else. This package imports nothing outside the standard library (no `libcst`, `click`,
`ipfshttpclient`, `requests`); with the ipfs backend configured its import also binds the
RPC transport (`_transport`: the standard library's `http.client`), before a program's
HTTP mocks can be installed.
"""

from __future__ import annotations

import builtins
import io
import os
import sys
import threading
import types
from typing import TYPE_CHECKING, Any

from storage_runtime import _log
from storage_runtime._ipfs_errors import PublishError, RestoreError, RestoreRefused
from storage_runtime._open import (
    OPEN_STAND_INS,
    REAL,
    WARN_DEFAULT_ENCODING,
    call_io_open,
    module_open,
    no_builtin_open,
)
from storage_runtime._os_calls import io_open as _io_open
from storage_runtime.config import Settings
from storage_runtime.storage import Storage, _open_signature

__all__ = [
    "PublishError",
    "RestoreError",
    "RestoreRefused",
    "Settings",
    "Storage",
    "io_open",
    "open",
    "publish",
    "storage",
]



#: Calls that may warn their caller take `call_io_open`: binary `buffering=1` (only with
#: a third argument or `buffering=`), and any text open under -X warn_default_encoding.
_SLOW_CHECKS = WARN_DEFAULT_ENCODING


def _runs_as_the_cli() -> bool:
    """`python -m storage_runtime ...`: runpy imports this package before __main__."""
    argv = getattr(sys, "orig_argv", ())
    return any(a == "-m" and b == __name__ for a, b in zip(argv, argv[1:]))


def _settings_from_env() -> Settings:
    """The default instance's settings, and where the runtime's log records go (`_log`),
    read once at import. A bad variable fails the import, so a migrated program stops at
    once, except under the CLI, which reports it as an error (exit 2) instead of a
    traceback."""
    try:
        log_choice = _log.choice()
        if _log.ENV_LOG in os.environ or not _log.configured_by_the_program():
            _log.configure(log_choice)
        return Settings.from_env()
    except ValueError:
        if _runs_as_the_cli():
            return Settings()
        raise


_SETTINGS = _settings_from_env()
_BUILD_LOCK = threading.Lock()

if _SETTINGS.backend == "ipfs":
    # Bind the RPC transport now, while `http.client` and `socket` are still the standard
    # library's own: the program's HTTP mocks are installed later (test fixtures) and must
    # not see or answer the runtime's calls (see `_transport`). The local backend imports
    # none of it.
    from storage_runtime import _rpc  # noqa: F401

# `from storage_runtime.storage import Storage` above bound the submodule to the name
# `storage`; the name belongs to the default instance, built by `__getattr__` on first use.
globals().pop("storage", None)

if TYPE_CHECKING:
    #: The default instance. `open` below delegates to whatever this name holds at call time.
    storage: Storage


def _default() -> Storage:
    """The default instance: whatever `storage` holds (it may be replaced or patched),
    built from the import-time settings the first time it is asked for."""
    found = globals().get("storage")
    if found is None:
        with _BUILD_LOCK:
            found = globals().get("storage")
            if found is None:
                found = globals()["storage"] = Storage(_SETTINGS)
    return found  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    if name == "storage":
        return _default()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _stand_in(module: Any, name: str, doc: str, *, calls_module_open: bool) -> Any:
    """The drop-in for a call of `module.open`: when `module.open` has been replaced at call
    time (mock.patch, monkeypatch, an audit wrapper, pyfakefs) the replacement is called
    with exactly the caller's arguments minus `pin`, on every backend; otherwise builtin
    open through the default `storage`. One factory for `open` and `io_open`, so each is
    still a single frame between the program and builtin open (warnings name the caller)."""

    def stand_in(*args: Any, pin: bool = False, **kwargs: Any) -> Any:
        if not calls_module_open:
            # `io_open`: pyfakefs (and `mock.patch("pkg.mod.io")`) replaces the calling
            # module's `io` (this module's too: `module` is the io module, kept in the
            # closure), not the io module's `open`; the original `io.open(...)` went there
            # (a module the caller named `io`, `import skimage.io as io`, is not that: the
            # call it stands for may have spelled `_io.open` with `import io as _io`)
            seen = sys._getframe(1).f_globals.get("io", module)
            if (
                seen is not module
                and not isinstance(seen, types.ModuleType)
                and callable(getattr(seen, "open", None))
            ):
                return seen.open(*args, **kwargs)
        try:
            replaced = module.open
        except AttributeError:
            if module is not builtins:
                raise  # `io.open(...)` raised this AttributeError too
            raise no_builtin_open() from None  # as the bare `open(...)` it stands in for
        if replaced is not REAL[0]:  # not `_io_open`: pyfakefs rebinds that one too
            return replaced(*args, **kwargs)
        if calls_module_open:  # `_storage_open(...)`: the module's own open, if patched in
            replaced = module_open(sys._getframe(1).f_globals)
            if replaced is not None:
                return replaced(*args, **kwargs)
        try:
            default = storage  # a plain global lookup once built
        except NameError:
            default = _default()
        if getattr(default, "_local", False) is True:  # Storage.open inlined: one frame less
            if _SLOW_CHECKS or len(args) > 2 or "buffering" in kwargs:
                return call_io_open(args, kwargs)  # its warnings name the caller's line
            return _io_open(*args, **kwargs)
        return _published(default, args, kwargs, pin)

    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__doc__ = doc
    OPEN_STAND_INS.append(stand_in)
    return stand_in


open = _stand_in(  # a drop-in, on purpose
    builtins,
    "open",
    """Builtin `open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None,
    closefd=True, opener=None)`, through the default `storage`; `pin=True` keeps a written
    file persistent (pinned), `pin=False` (default) publishes it as cache.

    Stands in for a call of builtin `open` (or `builtins.open`): when `builtins.open` has
    been replaced (mock.patch, monkeypatch, an audit wrapper, pyfakefs) the replacement is
    called with exactly the arguments given here, minus `pin`, on every backend; so is
    the calling module's own global `open` when it is set to something else at run time
    (`mock.patch("pkg.mod.open", ..., create=True)` while the module calls the runtime's
    open under another name, such as the `_storage_open` alias of a star-imported module).""",
    calls_module_open=True,
)
io_open = _stand_in(
    io,
    "io_open",
    """`open`, standing in for a call of `io.open`: when `io.open` has been replaced
    (`mock.patch("io.open")`, pyfakefs) the replacement is called with exactly these
    arguments minus `pin`. A replaced `builtins.open` does not matter here, as it did not
    to the original `io.open(...)` call.""",
    calls_module_open=False,
)


def _published(default: Any, args: tuple[Any, ...], kwargs: dict[str, Any], pin: bool) -> Any:
    inner = getattr(default, "_open_published", None)
    if inner is None:  # the default replaced by something that is not a Storage
        return default.open(*args, pin=pin, **kwargs)
    return inner(args, kwargs, pin)


# Introspection shows builtin open's parameters plus `pin` (the same as `Storage.open`).
open.__signature__ = io_open.__signature__ = _open_signature().replace(
    parameters=list(_open_signature().parameters.values())[1:]
)


def publish(path: Any, *, pin: bool = False, suffix: str | None = None) -> None:
    """`storage.publish(path, pin=pin, suffix=suffix)` on the default instance: publish the
    file (or the folder's files) a third-party writer just wrote at `path`. Returns None;
    nothing on the local backend, for a missing path or a non-path (see
    `storage_runtime._after_call`)."""
    return _default().publish(path, pin=pin, suffix=suffix)
