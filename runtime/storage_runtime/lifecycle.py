"""Stand-ins for the file lifecycle calls: rename/replace/move, remove/unlink/rmtree, copies.

Each function makes exactly the call it stands for first (looked up at call time, so
`mock.patch("os.replace")` still takes effect; Path methods are called on the receiver,
so subclasses and duck types keep their own behaviour), with the arguments as given:
the same exceptions, the same return value. Then, with a publishing backend, it tells
the namespace what happened:

| stand-in | for | then |
| --- | --- | --- |
| `replace(storage, src, dst, **kw)` | `os.replace(src, dst, **kw)` | destination published, source dropped |
| `rename(storage, src, dst, **kw)` | `os.rename(src, dst, **kw)` | same |
| `path_replace(storage, path, target)` | `path.replace(target)` | same |
| `path_rename(storage, path, target)` | `path.rename(target)` | same |
| `move(storage, src, dst, *a, **kw)` | `shutil.move(src, dst, *a, **kw)` | same, for the destination it returns |
| `remove(storage, path, **kw)` | `os.remove(path, **kw)` | namespace entry dropped |
| `unlink(storage, path, **kw)` | `os.unlink(path, **kw)` | same |
| `path_unlink(storage, path, *a, **kw)` | `path.unlink(*a, **kw)` | same |
| `rmtree(storage, path, *a, **kw)` | `shutil.rmtree(path, *a, **kw)` | entries of the removed files dropped (also when it raised part-way) |
| `copy`, `copy2`, `copyfile`, `copytree` | `shutil.<same>(src, dst, *a, **kw)` | each copied file published |

`pin` (keyword-only, every stand-in that creates a file): True pinned, False cache, None
(the default) the source's pin as this machine recorded it (cache when unknown). The pin
keyword never reaches the real call. A namespace update that fails is logged and the
call's result stands (strict mode raises), as for a write. On the local backend each
stand-in is just the call.

Paths given relative to a `dir_fd` (`src_dir_fd`, `dst_dir_fd`, `dir_fd`) are resolved
through `/proc/self/fd`; where that is not possible the namespace is not told.
"""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import nullcontext
from typing import Any

__all__ = [
    "copy",
    "copy2",
    "copyfile",
    "copytree",
    "move",
    "path_rename",
    "path_replace",
    "path_unlink",
    "remove",
    "rename",
    "replace",
    "rmtree",
    "unlink",
]

log = logging.getLogger("storage_runtime")


def _at(path: Any, dir_fd: Any) -> Any:
    """`path` as the OS resolved it for `dir_fd` (None when that cannot be known)."""
    if dir_fd is None or os.path.isabs(os.fsdecode(path)):
        return path
    try:
        return os.path.join(os.readlink(f"/proc/self/fd/{int(dir_fd)}"), os.fsdecode(path))
    except (OSError, TypeError, ValueError):
        return None


def _tell(storage: Any, method: str, *args: Any, **kwargs: Any) -> None:
    """Call `backend.<method>` (when the backend has it); failures are logged, not raised
    (strict mode raises), as for a write."""
    hook = getattr(storage.backend, method, None)
    if hook is None or any(a is None for a in args):
        return
    try:
        hook(*args, **kwargs)
    except Exception:
        if storage.settings.strict:
            raise
        log.warning("storage_runtime: updating the namespace after %s%r failed", method,
                    args, exc_info=True)


def _renamed(storage: Any, src: Any, dst: Any, pin: bool | None) -> None:
    _tell(storage, "after_rename", src, dst, pin=pin)


def _published(storage: Any, src: Any, dst: Any, pin: bool | None) -> None:
    """Publish the file (or every file of the folder) at `dst`, copied from `src`."""
    if pin is None:
        pin_of = getattr(storage.backend, "pin_of", None)
        pin = bool(pin_of(src)) if pin_of is not None and src is not None else False
    target = os.fsdecode(os.fspath(dst))
    if os.path.isdir(target):
        for folder, _dirs, files in os.walk(target):
            for name in files:
                storage._after_write(os.path.join(folder, name), pin)
    else:
        storage._after_write(target, pin)


def _writing(storage: Any, src: Any, dst: Any) -> Any:
    """Mark the file a copy writes open for writing while it is written (as a writable
    `open` does, see `Storage._writing`), so no publisher reads it half copied."""
    target: Any = None
    if not storage._local:
        try:
            target = os.fsdecode(os.fspath(dst))
            if os.path.isdir(target):
                target = os.path.join(target, os.path.basename(os.fsdecode(os.fspath(src))))
        except (TypeError, ValueError):  # the copy raises its own error for these
            target = None
    return storage._writing(target) if target is not None else nullcontext()


# -- rename / replace / move ----------------------------------------------------------------


def replace(storage: Any, src: Any, dst: Any, *args: Any, pin: bool | None = None,
            **kwargs: Any) -> None:
    """`os.replace(src, dst, *args, **kwargs)`, then the namespace follows the move."""
    os.replace(src, dst, *args, **kwargs)
    if not storage._local:
        _renamed(storage, _at(src, kwargs.get("src_dir_fd")), _at(dst, kwargs.get("dst_dir_fd")),
                 pin)


def rename(storage: Any, src: Any, dst: Any, *args: Any, pin: bool | None = None,
           **kwargs: Any) -> None:
    """`os.rename(src, dst, *args, **kwargs)`, then the namespace follows the move."""
    os.rename(src, dst, *args, **kwargs)
    if not storage._local:
        _renamed(storage, _at(src, kwargs.get("src_dir_fd")), _at(dst, kwargs.get("dst_dir_fd")),
                 pin)


def path_replace(storage: Any, path: Any, target: Any, *, pin: bool | None = None) -> Any:
    """`path.replace(target)` (returns what it returns), then the namespace follows."""
    result = path.replace(target)
    if not storage._local:
        _renamed(storage, path, target, pin)
    return result


def path_rename(storage: Any, path: Any, target: Any, *, pin: bool | None = None) -> Any:
    """`path.rename(target)` (returns what it returns), then the namespace follows."""
    result = path.rename(target)
    if not storage._local:
        _renamed(storage, path, target, pin)
    return result


def move(storage: Any, src: Any, dst: Any, *args: Any, pin: bool | None = None,
         **kwargs: Any) -> Any:
    """`shutil.move(src, dst, ...)` (returns its destination), then the namespace follows
    the move to that destination (`dst` itself, or `dst/<name>` into a folder)."""
    result = shutil.move(src, dst, *args, **kwargs)
    if not storage._local:
        _renamed(storage, src, result if result is not None else dst, pin)
    return result


# -- remove ---------------------------------------------------------------------------------


def remove(storage: Any, path: Any, *args: Any, **kwargs: Any) -> None:
    """`os.remove(path, **kwargs)`, then the file's namespace entry is dropped."""
    os.remove(path, *args, **kwargs)
    if not storage._local:
        _tell(storage, "after_remove", _at(path, kwargs.get("dir_fd")))


def unlink(storage: Any, path: Any, *args: Any, **kwargs: Any) -> None:
    """`os.unlink(path, **kwargs)`, then the file's namespace entry is dropped."""
    os.unlink(path, *args, **kwargs)
    if not storage._local:
        _tell(storage, "after_remove", _at(path, kwargs.get("dir_fd")))


def path_unlink(storage: Any, path: Any, *args: Any, **kwargs: Any) -> None:
    """`path.unlink(...)` (`missing_ok`), then the file's namespace entry is dropped."""
    path.unlink(*args, **kwargs)
    if not storage._local:
        _tell(storage, "after_remove", path)


def rmtree(storage: Any, path: Any, *args: Any, **kwargs: Any) -> None:
    """`shutil.rmtree(path, ...)`, then the entries of the files it removed are dropped
    (also when it raised part-way: what is gone is gone)."""
    try:
        shutil.rmtree(path, *args, **kwargs)
    finally:
        if not storage._local:
            _tell(storage, "after_remove", _at(path, kwargs.get("dir_fd")), tree=True)


# -- copies ---------------------------------------------------------------------------------


def copy(storage: Any, src: Any, dst: Any, *args: Any, pin: bool | None = None,
         **kwargs: Any) -> Any:
    """`shutil.copy(src, dst, *args, **kwargs)` (returns its destination), then it is published."""
    with _writing(storage, src, dst):
        result = shutil.copy(src, dst, *args, **kwargs)
    if not storage._local:
        _published(storage, src, result, pin)
    return result


def copy2(storage: Any, src: Any, dst: Any, *args: Any, pin: bool | None = None,
          **kwargs: Any) -> Any:
    """`shutil.copy2(src, dst, *args, **kwargs)` (returns its destination), then it is published."""
    with _writing(storage, src, dst):
        result = shutil.copy2(src, dst, *args, **kwargs)
    if not storage._local:
        _published(storage, src, result, pin)
    return result


def copyfile(storage: Any, src: Any, dst: Any, *args: Any, pin: bool | None = None,
             **kwargs: Any) -> Any:
    """`shutil.copyfile(src, dst, *args, **kwargs)` (returns `dst`), then it is published."""
    with _writing(storage, src, dst):
        result = shutil.copyfile(src, dst, *args, **kwargs)
    if not storage._local:
        _published(storage, src, result, pin)
    return result


def copytree(storage: Any, src: Any, dst: Any, *args: Any, pin: bool | None = None,
             **kwargs: Any) -> Any:
    """`shutil.copytree(src, dst, ...)` (returns `dst`), then every file under it is
    published (pin None: each file's source pin, cache when unknown)."""
    result = shutil.copytree(src, dst, *args, **kwargs)
    if not storage._local:
        if pin is None:
            base_src, base_dst = os.fsdecode(os.fspath(src)), os.fsdecode(os.fspath(result))
            for folder, _dirs, files in os.walk(base_dst):
                for name in files:
                    full = os.path.join(folder, name)
                    _published(storage, os.path.join(base_src, os.path.relpath(full, base_dst)),
                               full, None)
        else:
            _published(storage, src, result, pin)
    return result
