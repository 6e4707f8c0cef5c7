"""storage_runtime: a drop-in builtin `open()` that publishes closed files to IPFS.

    from storage_runtime import open      # rebinds this module's open, like smart_open
    from storage_runtime import storage   # the default Storage (read_text, dump_json, ...)

The default instance's settings are read from the `STORAGE_RUNTIME_*` environment
variables at import (cheap: no I/O beyond `getcwd`/`realpath`), so a bad variable fails the
import; the instance itself is built on first use (`storage_runtime.storage`, or the first
`open`), and its backend after that. Importing a submodule alone (the secret-path rule,
`storage_runtime.secret_paths`, which migrate-storage uses) builds nothing. With the default `local` backend every call is builtin file I/O and nothing
else. This package imports without `ipfshttpclient`, `libcst` or `click`.
"""

from __future__ import annotations

import io
import sys
import threading
from typing import TYPE_CHECKING, Any

from storage_runtime._ipfs_errors import PublishError, RestoreError, RestoreRefused
from storage_runtime.config import Settings
from storage_runtime.storage import Storage

__all__ = [
    "PublishError",
    "RestoreError",
    "RestoreRefused",
    "Settings",
    "Storage",
    "open",
    "storage",
]

#: The real builtin open (C `io.open`), bound once: never the name `open`, which may be
#: rebound (to storage_runtime.open) or patched in `builtins`.
_io_open = io.open


def _runs_as_the_cli() -> bool:
    """`python -m storage_runtime ...`: runpy imports this package before __main__."""
    argv = getattr(sys, "orig_argv", ())
    return any(a == "-m" and b == __name__ for a, b in zip(argv, argv[1:]))


def _settings_from_env() -> Settings:
    """The default instance's settings, read once at import. A bad variable fails the
    import, so a migrated program stops at once, except under the CLI, which reports it
    as an error (exit 2) instead of a traceback."""
    try:
        return Settings.from_env()
    except ValueError:
        if _runs_as_the_cli():
            return Settings()
        raise


_SETTINGS = _settings_from_env()
_BUILD_LOCK = threading.Lock()

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


def open(  # a drop-in for the builtin, on purpose
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
    """Builtin `open`, through the default `storage`; `pin=True` keeps a written file
    persistent (pinned), `pin=False` (default) publishes it as cache."""
    try:
        default = storage  # a plain global lookup once built: open() stays one frame
    except NameError:
        default = _default()
    if getattr(default, "_local", False) is True:  # Storage.open inlined: one frame
        return _io_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
    return default.open(
        file, mode, buffering, encoding, errors, newline, closefd, opener, pin=pin
    )
