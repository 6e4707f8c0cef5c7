"""The `os` functions the runtime calls for its own bookkeeping, captured at import.

Builtin `open` never calls `os.fstat` or `os.stat` through the `os` module, so a program
that replaces one of them (`os.fstat = raising`, as CPython's test_fileinput does, or
`mock.patch("os.stat")` around its own code) must not see the runtime's calls: the
stand-in's check of the file it opened, its `stat` of an appended file, the publish's
read of the closed file. They go through these, which a later patch of the `os` module
does not reach. Calls made on the program's behalf (its callee, `call=`) are looked up
when they run, as the program's own code would.
"""

from __future__ import annotations

import _io
import os
import posixpath
import types
from stat import S_ISDIR
from typing import Any

#: The real builtin open (C `io.open`), bound once and imported from here as `_io_open`:
#: never the name `open`, which may be rebound (to storage_runtime.open) or patched in
#: `builtins`. pyfakefs rebinds each module's global that holds it to its fake open, so
#: under a Patcher the runtime's own reads and writes go to the fake disk too.
io_open = _io.open
fstat = os.fstat
stat = os.stat
lstat = os.lstat
unlink = os.unlink
access = os.access
readlink = os.readlink
#: The descriptor calls of the runtime's own locks and restores (`_writers`, `_locks`,
#: `_restore`): a program counting or failing `os.open`, `os.close`, `fcntl.flock`,
#: `fcntl.fcntl` for its own code (a locking library's tests) never sees them.
open_fd = os.open
close = os.close
fsync = os.fsync
link = os.link
replace = os.replace
try:
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    flock = fcntl = None
else:
    flock = _fcntl.flock
    fcntl = _fcntl.fcntl
samestat = os.path.samestat
scandir = os.scandir
mkdir = os.mkdir


def _captured_path_module() -> Any:
    """`os.path` (posixpath) as it is now, its functions rebound to a snapshot of the `os`
    module: `path.realpath`, `path.lexists`, `path.isdir`... make the calls the standard
    library's own do (its code objects, this Python's), through the `os` functions as
    they were at import. A program that patches `os.lstat`, `os.stat` or
    `os.path.exists` for its own code (`mock.patch("os.lstat", wraps=os.lstat)` counting
    calls) sees none of the runtime's bookkeeping: `publishable`'s realpath alone is an
    `lstat` per component of every path it checks."""
    snapshot = types.ModuleType("os")
    snapshot.__dict__.update(os.__dict__)
    snapshot.path = types.ModuleType("posixpath")  # type: ignore[attr-defined]
    namespace: dict[str, Any] = dict(vars(posixpath))
    namespace["os"] = snapshot
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType):  # genericpath's ones too: same names
            clone = types.FunctionType(value.__code__, namespace, value.__name__,
                                       value.__defaults__, value.__closure__)
            clone.__kwdefaults__ = value.__kwdefaults__
            namespace[name] = clone
    for name in ("stat", "genericpath"):  # modules the functions use by these names
        namespace.setdefault(name, __import__(name))
    snapshot.path.__dict__.update(namespace)  # type: ignore[attr-defined]
    return snapshot.path  # type: ignore[attr-defined]


#: `os.path` for the runtime's own checks (see `_captured_path_module`).
path = _captured_path_module() if os.path is posixpath else os.path


def _is_dir(path: str) -> bool:
    try:
        return S_ISDIR(stat(path).st_mode)
    except (OSError, ValueError):
        return False


def makedirs(name: str, mode: int = 0o777) -> None:
    """`os.makedirs(name, mode, exist_ok=True)`, step for step, through the captured calls:
    os.makedirs asks `os.path.exists`/`isdir`, that is `os.stat` as the program left it."""
    head, tail = os.path.split(name)
    if not tail:
        head, tail = os.path.split(head)
    if head and tail and not _is_dir(head):
        try:
            makedirs(head, mode)
        except FileExistsError:
            pass  # made meanwhile by another thread or process
    try:
        mkdir(name, mode)
    except OSError:
        if not _is_dir(name):
            raise
