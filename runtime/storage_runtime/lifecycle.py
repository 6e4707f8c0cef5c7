"""Stand-ins for the file lifecycle calls: rename/replace/move, remove/unlink/rmtree, copies.

Each function makes exactly the call it stands for first, with the arguments as given
(so the same TypeError for wrong ones, the same exceptions, the same return value), and
the function it calls is the one the original call would have reached:

- `call=` (what the codemods emit): the function as the source spelled it, evaluated at
  the call site: `storage.replace(a, b, pin=True, call=os.replace)`. A patch of the
  module the source named (`mock.patch("pkg.mod.os")`, `mock.patch("pkg.mod.move")`
  after `from shutil import move`) reaches the call exactly as it reached the original.
- without `call=`: the module attribute looked up at call time (`os.replace`,
  `shutil.copy2`), so `mock.patch("os.replace")` takes effect.
- Path methods are looked up on the receiver (`path.replace`), so subclasses, duck types
  and `mock.patch.object(Path, "unlink")` keep their own behaviour.

Then, with a publishing backend and only when the function called is the standard
library's own (captured at import: a patched or replaced function's effects are its own
business, as for a patched `builtins.open`), the namespace is told what happened:

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
| `path_touch(storage, path, *a, **kw)` | `path.touch(*a, **kw)` | same |
| `rmtree(storage, path, *a, **kw)` | `shutil.rmtree(path, *a, **kw)` | entries of the removed files dropped (also when it raised part-way) |
| `copy`, `copy2`, `copyfile`, `copytree` | `shutil.<same>(src, dst, *a, **kw)` | each copied file published (also when copytree raised `shutil.Error` after copying the rest) |

A missing source of a rename, move or removal (not of `rmtree`: no folder listing) is
first restored as a read-only open would (a file another worker published and this one
never had), so the one call moves or removes it as on a shared disk.

`pin` (keyword-only, every stand-in that creates a file): True pinned, False cache, None
(the default) the source's pin as this machine recorded it (cache when unknown). `pin`
and `call` never reach the real call. A namespace update that fails is logged and the
call's result stands (strict mode raises), as for a write; after a call that raised
(`rmtree` part-way) the call's own exception is what the program gets, strict or not.
On the local backend each
stand-in is just the call.

Paths given relative to a `dir_fd` (`src_dir_fd`, `dst_dir_fd`, `dir_fd`) are resolved
through `/proc/self/fd`; where that is not possible the namespace is not told.
"""

from __future__ import annotations

import inspect
import logging
import os
import pathlib
import shutil
from contextlib import nullcontext
from typing import Any

from storage_runtime import _after_call, _os_calls
from storage_runtime._claim import exclusive_touch, parent_here
from storage_runtime._open import fs_is_real
from storage_runtime._paths import PATHLIB_OWN, publishable

__all__ = [
    "OWN",
    "copy",
    "copy2",
    "copyfile",
    "copytree",
    "link",
    "move",
    "path_rename",
    "path_replace",
    "path_touch",
    "path_unlink",
    "remove",
    "rename",
    "replace",
    "rmtree",
    "signature_of",
    "unlink",
]

log = logging.getLogger("storage_runtime")

#: The standard library's own functions, captured at import, by qualified name: only a
#: call that reached one of these (not a patch, not a replacement) is followed by the
#: namespace.
OWN: dict[str, Any] = {
    **{f"os.{n}": getattr(os, n) for n in ("replace", "rename", "link", "remove", "unlink")},
    **{
        f"shutil.{n}": getattr(shutil, n)
        for n in ("move", "rmtree", "copy", "copy2", "copyfile", "copytree")
    },
}
_PATH_METHODS = ("replace", "rename", "unlink", "touch")
_MODULES = {"os": os, "shutil": shutil}
_SIGNATURES = {name: inspect.signature(fn) for name, fn in {**OWN, **{
    f"pathlib.Path.{n}": PATHLIB_OWN[n] for n in _PATH_METHODS}}.items()}


def signature_of(name: str) -> inspect.Signature:
    """The running Python's signature of `name` ("os.replace", "pathlib.Path.unlink")."""
    return _SIGNATURES[name]


def _function(name: str, call: Any) -> Any:
    """What the original call reaches: `call` when the source's spelling was passed, else
    the module attribute as it is now (a patch of it included)."""
    if call is not None:
        return call
    module, _, attr = name.partition(".")
    return getattr(_MODULES[module], attr)


def _arguments(storage: Any, name: str, fn: Any, args: Any, kwargs: Any) -> dict[str, Any] | None:
    """The call's arguments by parameter name (defaults applied) when the namespace must
    follow it: a publishing backend and the standard library's own function on the real
    file system (pyfakefs runs `shutil`'s own functions on its fake one); else None (also
    when they do not bind: the call raises its own TypeError)."""
    if storage._local or fn is not OWN[name] or not fs_is_real():
        return None
    try:
        bound = _SIGNATURES[name].bind(*args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    return bound.arguments


def _path_arguments(
    storage: Any, method: Any, name: str, path: Any, args: Any, kwargs: Any
) -> dict[str, Any] | None:
    """As `_arguments`, for a Path method: only pathlib's own method, bound to a Path."""
    if (
        storage._local
        or getattr(method, "__func__", None) is not PATHLIB_OWN[name]
        or not fs_is_real()
    ):
        return None
    if not isinstance(path, pathlib.Path):
        return None
    try:
        bound = _SIGNATURES[f"pathlib.Path.{name}"].bind(path, *args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    return bound.arguments


def _at(path: Any, dir_fd: Any) -> Any:
    """`path` as the OS resolved it for `dir_fd` (None when that cannot be known)."""
    try:
        if dir_fd is None or os.path.isabs(os.fsdecode(path)):
            return path
        return os.path.join(os.readlink(f"/proc/self/fd/{int(dir_fd)}"), os.fsdecode(path))
    except (OSError, TypeError, ValueError):
        return None


def _tell(storage: Any, method: str, *args: Any, quiet: bool = False, **kwargs: Any) -> None:
    """Call `backend.<method>` (when the backend has it); failures are logged, not raised
    (strict mode raises, as for a write, unless `quiet`: the program's own call raised,
    and its exception is the one it must see)."""
    hook = getattr(storage.backend, method, None)
    if hook is None or any(a is None for a in args):
        return
    try:
        hook(*args, **kwargs)
    except Exception:
        if storage.settings.strict and not quiet:
            raise
        log.warning("storage_runtime: updating the namespace after %s%r failed", method,
                    args, exc_info=True)


def _renamed(storage: Any, src: Any, dst: Any, pin: bool | None) -> None:
    _tell(storage, "after_rename", src, dst, pin=pin)


def _pin_of(storage: Any, src: Any) -> bool:
    """The pin this machine recorded for `src` (False when unknown or unreadable)."""
    pin_of = getattr(storage.backend, "pin_of", None)
    if pin_of is None or src is None:
        return False
    try:
        return bool(pin_of(src))
    except Exception:
        if storage.settings.strict:
            raise
        log.warning("storage_runtime: reading the pin of %r failed", src, exc_info=True)
        return False


def _published(storage: Any, src: Any, dst: Any, pin: bool | None) -> None:
    """Publish the file (or every file of the folder) at `dst`, copied from `src`."""
    try:
        target = os.fsdecode(os.fspath(dst))
    except (TypeError, ValueError):
        return
    if pin is None:
        pin = _pin_of(storage, src)
    if _os_calls.path.isdir(target):
        for folder, _dirs, files in os.walk(target):
            for name in files:
                storage._after_write(os.path.join(folder, name), pin)
    else:
        storage._after_write(target, pin)


def _writing(storage: Any, arguments: dict[str, Any] | None) -> Any:
    """Mark the file a copy writes open for writing while it is written (as a writable
    `open` does, see `Storage._writing`), so no publisher reads it half copied."""
    if arguments is None:
        return nullcontext()
    try:
        target = os.fsdecode(os.fspath(arguments["dst"]))
        if _os_calls.path.isdir(target):
            target = os.path.join(target, os.path.basename(os.fsdecode(os.fspath(arguments["src"]))))
    except (TypeError, ValueError):  # the copy raises its own error for these
        return nullcontext()
    return storage._writing(target)


# -- rename / replace / move ----------------------------------------------------------------


def _os_move(storage: Any, name: str, call: Any, pin: bool | None, args: Any,
             kwargs: Any) -> Any:
    fn = _function(name, call)
    a = _arguments(storage, name, fn, args, kwargs)
    if a is not None:
        _restore_before_leaving(storage, _at(a["src"], a["src_dir_fd"]))
    result = fn(*args, **kwargs)
    if a is not None:
        _renamed(storage, _at(a["src"], a["src_dir_fd"]), _at(a["dst"], a["dst_dir_fd"]), pin)
    return result


def replace(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
            **kwargs: Any) -> Any:
    """`os.replace(src, dst, **kwargs)`, then the namespace follows the move."""
    return _os_move(storage, "os.replace", call, pin, args, kwargs)


def rename(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
           **kwargs: Any) -> Any:
    """`os.rename(src, dst, **kwargs)`, then the namespace follows the move."""
    return _os_move(storage, "os.rename", call, pin, args, kwargs)


def link(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
         **kwargs: Any) -> Any:
    """`os.link(src, dst, **kwargs)` (returns None), then `dst` is published: a hard link
    made into place (atomicwrites, safer: a no-overwrite write) is the file's new name,
    and the removal of the temporary name that usually follows drops only that entry
    (pin None: the source's pin, cache when unknown). A source still open for writing
    here has its bytes to come: `dst` is published by its writer's last close."""
    fn = _function("os.link", call)
    result = fn(*args, **kwargs)
    a = _arguments(storage, "os.link", fn, args, kwargs)
    if a is not None:
        src, dst = _at(a["src"], a["src_dir_fd"]), _at(a["dst"], a["dst_dir_fd"])
        if src is not None and dst is not None and not _linked_while_open(
                storage, src, dst, pin):
            _published(storage, src, dst, pin)
    return result


def _linked_while_open(storage: Any, src: Any, dst: Any, pin: bool | None) -> bool:
    """True when the backend took `dst` as a name of a file still open for writing (its
    bytes not final: published when the writer closes, not now); see
    `IpfsBackend.after_link_while_open`. Failures are logged (strict mode raises)."""
    hook = getattr(storage.backend, "after_link_while_open", None)
    if hook is None:
        return False
    try:
        return bool(hook(src, dst, pin=pin))
    except Exception:
        if storage.settings.strict:
            raise
        log.warning("storage_runtime: recording the link %r -> %r failed", src, dst,
                    exc_info=True)
        return False


def _path_move(storage: Any, name: str, path: Any, pin: bool | None, args: Any,
               kwargs: Any) -> Any:
    method = getattr(path, name)  # AttributeError as the original's, on None or a str
    return path_method_called(storage, name, path, method, pin, args, kwargs)


def path_method_called(storage: Any, name: str, path: Any, method: Any, pin: bool | None,
                       args: Any, kwargs: Any) -> Any:
    """`method(*args, **kwargs)`, the `replace`/`rename`/`unlink` already looked up on
    `path` (by `_path_move`, or first of all by `storage.path(p).replace(...)`:
    _receiver.py); then the namespace follows where it is pathlib's own on a Path."""
    if isinstance(path, super):
        # `super().unlink(missing_ok=...)` in a Path subclass's own override (rewritten
        # `storage.path_unlink(super(), ...)`): the Path is the instance the method is
        # bound to; the super object is no Path, and the removal went untold (another
        # worker restored the file this one removed)
        path = getattr(method, "__self__", path)
    if name == "touch":
        return _touched(storage, path, method, pin, args, kwargs)
    a = _path_arguments(storage, method, name, path, args, kwargs)
    if a is not None:
        _restore_before_leaving(storage, path)  # unlink, replace, rename: it leaves here
    result = method(*args, **kwargs)
    if a is None:
        return result
    if name == "unlink":
        _tell(storage, "after_remove", path)
    else:
        _renamed(storage, path, a["target"], pin)
    return result


def _touched(storage: Any, path: Any, method: Any, pin: bool | None, args: Any,
             kwargs: Any) -> Any:
    """`path.touch(mode, exist_ok)` as an append open that writes nothing: a file another
    worker published and this one never had is restored first (a touch keeps a file's
    content, and `open(p, "a")` through the runtime restores it too; with
    `exist_ok=False` it is then there to refuse, as `open(p, "x")` through the runtime
    refuses it and one shared disk would).
    A file the call created is published (an empty file, as the closed `open(p, "a")`
    that created it is) when this process can read it (`mode=0o200` makes one it
    cannot); a file that was there is unchanged but for its times, and
    nothing is published. Anything but pathlib's own `touch` on a Path: only the call."""
    a = _path_arguments(storage, method, "touch", path, args, kwargs)
    if a is None:
        return method(*args, **kwargs)
    claims = bool(pin) and not a["exist_ok"] and parent_here(path)
    try:
        if not claims:  # a pinned exclusive touch claims instead (see `_claim`)
            _after_call.restored(storage, path)
    except Exception:  # the call answers as before: it creates the file here
        log.debug("storage_runtime: restoring %r before its touch failed", path,
                  exc_info=True)
    try:
        # exists, not lexists: through a dangling symlink the touch creates the file it
        # points to, which is published (by its own path) as `open(link, "w")` does
        existed = _os_calls.path.exists(path)
    except (OSError, ValueError):  # the call raises its own error for such a path
        existed = True
    result = method(*args, **kwargs)
    if not existed and claims:
        # Created here: claim it in the namespace, atomically (`_claim`); a worker that
        # claimed it first makes this touch's own FileExistsError.
        target = publishable(path, storage.settings)
        if target is not None:
            exclusive_touch(storage.backend, path, target, lambda: method(*args, **kwargs))
    # A mode without the owner's read bit (`touch(mode=0o200)`, a sentinel at 0o000) made
    # a file this process cannot read: publishing it failed (PublishError in strict mode,
    # a warning on stderr and a row pending for ever otherwise), where the program's
    # touch succeeded. It is left unpublished, as a file the runtime cannot read is.
    if not existed and _readable(path):
        storage._after_write(path, bool(pin))
    return result


def _readable(path: Any) -> bool:
    try:
        return _os_calls.access(path, os.R_OK)
    except (OSError, ValueError):
        return False


def path_replace(storage: Any, path: Any, /, *args: Any, pin: bool | None = None,
                 **kwargs: Any) -> Any:
    """`path.replace(target)` (returns what it returns), then the namespace follows."""
    return _path_move(storage, "replace", path, pin, args, kwargs)


def path_rename(storage: Any, path: Any, /, *args: Any, pin: bool | None = None,
                **kwargs: Any) -> Any:
    """`path.rename(target)` (returns what it returns), then the namespace follows."""
    return _path_move(storage, "rename", path, pin, args, kwargs)


def move(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
         **kwargs: Any) -> Any:
    """`shutil.move(src, dst, ...)` (returns its destination), then the namespace follows
    the move to that destination (`dst` itself, or `dst/<name>` into a folder)."""
    fn = _function("shutil.move", call)
    a = _arguments(storage, "shutil.move", fn, args, kwargs)
    if a is not None:
        _restore_before_leaving(storage, a["src"])
    result = fn(*args, **kwargs)
    if a is not None:
        _renamed(storage, a["src"], result if result is not None else a["dst"], pin)
    return result


# -- remove ---------------------------------------------------------------------------------


def _os_remove(storage: Any, name: str, call: Any, args: Any, kwargs: Any) -> Any:
    fn = _function(name, call)
    a = _arguments(storage, name, fn, args, kwargs)
    target = _at(a["path"], a["dir_fd"]) if a is not None else None
    _restore_before_leaving(storage, target)
    result = fn(*args, **kwargs)
    if a is not None:
        _tell(storage, "after_remove", target)
    return result


def _restore_before_leaving(storage: Any, target: Any) -> None:
    """Before the program removes or renames `target`: a file another worker published
    and this one never had is restored first, as a read-only open would
    (`_after_call.restored`: only a missing file, nothing on the local backend or under a
    patched open), so that the program's one call removes (renames) it and its namespace
    entry goes (moves), as on a shared disk (`os.path.exists(p)` says True for it; a log
    rotated or a state file renamed aside on a second worker raised FileNotFoundError and
    left the entry). Trouble restoring: nothing (the program's call answers as before,
    FileNotFoundError for a missing file)."""
    if target is None:
        return
    try:
        _after_call.restored(storage, target)
    except Exception:
        log.debug("storage_runtime: restoring %r before its removal failed", target,
                  exc_info=True)


def remove(storage: Any, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
    """`os.remove(path, **kwargs)`, then the file's namespace entry is dropped."""
    return _os_remove(storage, "os.remove", call, args, kwargs)


def unlink(storage: Any, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
    """`os.unlink(path, **kwargs)`, then the file's namespace entry is dropped."""
    return _os_remove(storage, "os.unlink", call, args, kwargs)


def path_unlink(storage: Any, path: Any, /, *args: Any, **kwargs: Any) -> Any:
    """`path.unlink(...)` (`missing_ok`), then the file's namespace entry is dropped."""
    return path_method_called(storage, "unlink", path, path.unlink, None, args, kwargs)


def path_touch(storage: Any, path: Any, /, *args: Any, pin: bool | None = None,
               **kwargs: Any) -> Any:
    """`path.touch(...)` (`mode`, `exist_ok`; returns None), then a file it created is
    published (see `_touched`)."""
    return path_method_called(storage, "touch", path, path.touch, pin, args, kwargs)


def rmtree(storage: Any, /, *args: Any, call: Any = None, **kwargs: Any) -> Any:
    """`shutil.rmtree(path, ...)`, then the entries of the files it removed are dropped
    (also when it raised part-way: what is gone is gone)."""
    fn = _function("shutil.rmtree", call)
    try:
        result = fn(*args, **kwargs)
    except BaseException:
        # what is gone is gone; but the program sees rmtree's own error, strict or not
        _removed_tree(storage, fn, args, kwargs, quiet=True)
        raise
    _removed_tree(storage, fn, args, kwargs, quiet=False)
    return result


def _removed_tree(storage: Any, fn: Any, args: Any, kwargs: Any, *, quiet: bool) -> None:
    a = _arguments(storage, "shutil.rmtree", fn, args, kwargs)
    if a is not None:
        _tell(storage, "after_remove", _at(a["path"], a.get("dir_fd")), tree=True,
              quiet=quiet)


# -- copies ---------------------------------------------------------------------------------


def _copy(storage: Any, name: str, call: Any, pin: bool | None, args: Any,
          kwargs: Any) -> Any:
    fn = _function(name, call)
    a = _arguments(storage, name, fn, args, kwargs)
    if a is not None:
        # A copy reads its source as an open does: a file another worker published and
        # this one never had is restored first, exactly as a read-only open restores it.
        _after_call.restored(storage, a["src"])
    with _writing(storage, a):
        result = fn(*args, **kwargs)
    if a is not None:
        _published(storage, a["src"], result, pin)
    return result


def copy(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
         **kwargs: Any) -> Any:
    """`shutil.copy(src, dst, **kwargs)` (returns its destination), then it is published.
    A missing source is first restored as a read-only open would (so for `copy2` and
    `copyfile`)."""
    return _copy(storage, "shutil.copy", call, pin, args, kwargs)


def copy2(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
          **kwargs: Any) -> Any:
    """`shutil.copy2(src, dst, **kwargs)` (returns its destination), then it is published."""
    return _copy(storage, "shutil.copy2", call, pin, args, kwargs)


def copyfile(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
             **kwargs: Any) -> Any:
    """`shutil.copyfile(src, dst, **kwargs)` (returns `dst`), then it is published."""
    return _copy(storage, "shutil.copyfile", call, pin, args, kwargs)


def copytree(storage: Any, /, *args: Any, pin: bool | None = None, call: Any = None,
             **kwargs: Any) -> Any:
    """`shutil.copytree(src, dst, ...)` (returns `dst`), then every file under it is
    published (pin None: each file's source pin, cache when unknown)."""
    fn = _function("shutil.copytree", call)
    try:
        result = fn(*args, **kwargs)
    except shutil.Error:
        # copytree copies every file it can and raises the errors it collected at the end
        # (a dangling symlink, an unreadable file): what it copied is on disk, and is
        # published as after a copy that succeeded; the program sees the copy's own
        # error, strict or not (another worker found none of the copied files)
        a = _arguments(storage, "shutil.copytree", fn, args, kwargs)
        if a is not None and _is_folder(a["dst"]):  # not when it failed before making it
            try:
                _copied_tree(storage, a, a["dst"], pin)
            except Exception:
                log.warning("storage_runtime: publishing what a failed copytree copied "
                            "failed", exc_info=True)
        raise
    a = _arguments(storage, "shutil.copytree", fn, args, kwargs)
    if a is not None:
        _copied_tree(storage, a, result, pin)
    return result


def _is_folder(path: Any) -> bool:
    try:
        return _os_calls.path.isdir(path) and not _os_calls.path.islink(path)
    except (TypeError, ValueError):
        return False


def _copied_tree(storage: Any, a: dict[str, Any], result: Any, pin: bool | None) -> None:
    """Publish every file under `result`, copytree's destination (pin None: each file's
    source pin as this machine recorded it, cache when unknown)."""
    if pin is not None:
        _published(storage, a["src"], result, pin)
        return
    try:
        base_src, base_dst = os.fsdecode(os.fspath(a["src"])), os.fsdecode(os.fspath(result))
    except (TypeError, ValueError):
        return
    for folder, _dirs, files in os.walk(base_dst):
        for name in files:
            full = os.path.join(folder, name)
            _published(storage, os.path.join(base_src, os.path.relpath(full, base_dst)),
                       full, None)
