"""storage_runtime: a drop-in builtin `open()` that publishes closed files to IPFS.

    from storage_runtime import open      # rebinds this module's open, like smart_open
    from storage_runtime import storage   # the default Storage (read_text, dump_json, ...)

The default instance reads its settings from the `STORAGE_RUNTIME_*` environment
variables at import (cheap: no I/O beyond `getcwd`/`realpath`); its backend is built on
first use. With the default `local` backend every call is builtin file I/O and nothing
else. This package imports without `ipfshttpclient`, `libcst` or `click`.
"""

from __future__ import annotations

import io
import sys
from typing import Any

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


def _default_storage() -> Storage:
    """The default instance from the environment. A bad variable fails the import, so a
    migrated program stops at once, except under the CLI, which reports it as an error
    (exit 2) instead of a traceback."""
    try:
        return Storage()
    except ValueError:
        if _runs_as_the_cli():
            return Storage(Settings())
        raise


#: The default instance. `open` below delegates to whatever this name holds at call time.
storage: Storage = _default_storage()


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
    default = storage
    if getattr(default, "_local", False) is True:  # Storage.open inlined: one frame
        return _io_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
    return default.open(
        file, mode, buffering, encoding, errors, newline, closefd, opener, pin=pin
    )
