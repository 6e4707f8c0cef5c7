"""Existence checks that see the shared namespace: `os.path.exists(p)`, `os.path.isfile`,
`os.path.lexists`, `Path.exists()`, `Path.is_file()`.

A missing file is restored by the calls that read it (`open`, the pathlib and json/pickle
helpers, `restored`); an existence check asks the local disk only. So the common guard
`if os.path.exists(p): load(p)` (persist-queue's `info`, a cache's `if cache.exists():`)
took the "missing" branch on a worker that never had the file, though an open there would
have restored it. The stand-ins here make the check first, exactly as the program did:
the callee the source named (`call=`, or the receiver's own method), called once with the
very argument object, its answer or exception returned as it is. Only when that answer is
false, and the check could not have been told otherwise by the namespace, do they ask:

- a publishing backend (the local backend: the answer, nothing else);
- the standard library's own function (captured at import), and `os.stat`/`os.lstat`,
  `builtins.open` and `io.open` not replaced: a patch (`mock.patch("os.path.exists")`,
  pyfakefs) answers for the disk it fakes;
- a str, bytes or pathlib path (a custom PathLike's `__fspath__` is never called again, an
  int descriptor names no path);
- a path under the root that a read-only open would restore (`Storage._before_read`: not
  a file this machine wrote, restored or deleted, as the index says; not a secret name, a
  special file or the runtime's state), within the negative cache: a path found absent
  everywhere is not asked about again for 2 s, so a polling loop costs at most one
  namespace lookup per path per period. A daemon that is down or a refused entry leaves
  the answer as it was (logged, bounded by the backend's timeout and breaker).

When the restore put a file there, the check is made once more and that answer returned
(the only case where the callee is called twice). Not covered, on purpose:
`os.path.isdir`, `os.listdir`, `glob`, `os.scandir`, `os.stat`: the namespace restores
regular files by path, it has no folder listing to answer a directory question with, and
restoring every file under a folder to answer `isdir` would fetch a tree for one bool.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from storage_runtime import _os_calls
from storage_runtime._open import open_is_real
from storage_runtime._paths import (
    PATHLIB_FSPATH,
    PATHLIB_OWN,
    PLAIN_PATHS,
    names_a_path_quietly,
    publishable,
)

if TYPE_CHECKING:
    from storage_runtime.storage import Storage

__all__ = ["OWN", "check", "path_check"]

log = logging.getLogger("storage_runtime")

#: The standard library's own checks, captured at import: only a call that reached one of
#: these (not a patch, not a replacement) may be answered by the namespace.
OWN: dict[str, Any] = {
    "os.path.exists": os.path.exists,
    "os.path.isfile": os.path.isfile,
    "os.path.lexists": os.path.lexists,
}
#: What the checks themselves call: a patch of one of these fakes the disk they look at.
_OS_STAT, _OS_LSTAT = os.stat, os.lstat


def check(storage: Storage, name: str, call: Any, args: tuple[Any, ...],
          kwargs: dict[str, Any]) -> Any:
    """`fn(*args, **kwargs)`, where `fn` is `call` (the callee as the source spelled it) or,
    without it, `os.path.<name>` as it is now; a false answer on a path the namespace
    may hold is asked again after a restore (see the module doc)."""
    fn = getattr(os.path, name.rpartition(".")[2]) if call is None else call
    answer = fn(*args, **kwargs)
    # Whose answer it is first: the truth of a replacement's answer (a Mock) is not asked.
    if storage._local or fn is not OWN[name] or answer or not _disk_is_real():
        return answer
    path = _path_argument(args, kwargs)
    if path is None or not _restored(storage, path):
        return answer
    return fn(*args, **kwargs)


def path_check(storage: Storage, name: str, path: Any, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> Any:
    """`path.<name>(*args, **kwargs)` (`exists`, `is_file`), the method looked up on the
    receiver as the original did; on a plain Path with pathlib's own methods, a false
    answer is asked again after a restore (see the module doc)."""
    method = getattr(path, name)  # the original's lookup, and its AttributeError
    answer = method(*args, **kwargs)
    if storage._local or not _own_path(path, name) or answer or not _disk_is_real():
        return answer
    if not _restored(storage, path):
        return answer
    return method(*args, **kwargs)


def _disk_is_real() -> bool:
    """Nothing the checks or a restore go through is replaced (mock.patch, pyfakefs)."""
    return (
        os.stat is _OS_STAT
        and os.lstat is _OS_LSTAT
        and open_is_real()  # deleted (a sandbox), patched, faked (pyfakefs): not real
    )


def _own_path(path: Any, name: str) -> bool:
    kind = type(path)
    return (
        kind in PLAIN_PATHS
        and getattr(kind, name, None) is PATHLIB_OWN[name]
        and getattr(kind, "stat", None) is PATHLIB_OWN["stat"]
        and getattr(kind, "__fspath__", None) is PATHLIB_FSPATH
    )


def _path_argument(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The checked path (`path`, first positional or `path=`) when it is a str, bytes or
    a plain pathlib path whose `__fspath__` is pathlib's own; else None (a descriptor,
    a custom PathLike: its `__fspath__` is not called a second time)."""
    if len(args) == 1 and not kwargs:
        path = args[0]
    elif not args and set(kwargs) == {"path"}:
        path = kwargs["path"]
    else:
        return None
    return path if names_a_path_quietly(path) else None


def _restored(storage: Storage, path: Any) -> bool:
    """Restore a missing file at `path` as a read-only open would; True when there is a
    file there afterwards. Never raises: trouble leaves the program's answer as it was."""
    target = publishable(path, storage.settings)  # never raises
    if target is None or _os_calls.path.lexists(target):
        return False
    try:
        storage.backend.before_read(target)
    except Exception as exc:  # noqa: BLE001 - a refusal, the daemon down: the answer stands
        log.info("storage_runtime: existence check of %s not answered by the namespace: %s",
                 target, exc)
        return False
    return _os_calls.path.lexists(target)
