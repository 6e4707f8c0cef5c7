"""Exclusive creation of a pinned path: one atomic claim in the shared namespace.

What it covers: `open(p, "x")` (and "xb", "x+", ...) through `Storage.open` with
`pin=True`, `storage.path_touch(p, exist_ok=False, pin=True)`, and a handle writer
opening its file exclusively called through `storage.claiming(fn, path=0, pin=True)`
(`tarfile.open(p, "x:gz")`, `zipfile.ZipFile(p, "x")`, `gzip.open(p, "x")`,
`h5py.File(p, "x")`), on a publishing backend. The restore before the open (`Storage._before_read`) refuses a path another
worker published earlier; that is a check, then a create. Here, once the local create
succeeded, the backend claims the path in the namespace (`IpfsBackend.claim`: a
`files/cp` the node refuses onto an existing entry), so of several workers creating one
new path at once exactly one wins, as `O_EXCL` on one shared disk.

A lost claim: the call's own create is undone exactly (the file it made is removed, and
only that file: the same inode; its handle closed unpublished, its index row gone), and
the program gets the FileExistsError the builtin raises for an existing file, raised by
the builtin itself (the same call made again while that file is still there), so type,
errno, strerror and filename are its own. Nothing is restored then
(`IpfsBackend.claim_lost`): the first read restores the winner's version, and a retry
claims the path again once the winner removed it.

Left alone (the create stands as before): cache writes (`pin=False`: no namespace entry),
an `opener` (the program's code opens the file), the local backend, a backend without
claims, and a claim that cannot be made (the daemon down: see `IpfsBackend.claim`).
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Callable
from typing import Any

from storage_runtime import _os_calls
from storage_runtime._open import disarm

__all__ = ["claiming", "exclusive_open", "exclusive_touch", "parent_here"]

log = logging.getLogger("storage_runtime")


def parent_here(path: Any) -> bool:
    """The folder `path` is created in exists on this disk, so the create can succeed and
    be claimed. Where it does not, the call takes the check of the other exclusive
    creates instead (restore first): a file another worker published is restored with
    its folders and the builtin refuses it with FileExistsError, as one shared disk would;
    claiming first, the create failed on the missing folder (FileNotFoundError)."""
    try:
        folder = _os_calls.path.dirname(os.fspath(path))
        return _os_calls.path.isdir(folder or (b"." if isinstance(folder, bytes) else "."))
    except (TypeError, ValueError):
        return False


def _claimed(backend: Any, path: str) -> bool:
    """True unless the backend says another worker's entry was at `path` first."""
    claim = getattr(backend, "claim", None)
    return claim is None or bool(claim(path))


def exclusive_open(backend: Any, handle: Any, path: str, again: Callable[[], Any]) -> Any:
    """`handle`, just created exclusively at `path`, once the backend's claim is won.
    Lost: the create is undone and `again()` (the same open once more) raises the
    builtin's own FileExistsError, which is raised."""
    if _claimed(backend, path):
        return handle
    raw = getattr(getattr(handle, "buffer", handle), "raw", handle)
    try:
        made = _os_calls.fstat(raw.fileno())
    except (OSError, ValueError):
        made = None
    disarm(handle)  # nothing published; the row this open made goes at close
    handle.close()
    error = _refusal(again, path)
    _remove_own(path, made)
    backend.claim_lost(path)
    raise error


def exclusive_touch(backend: Any, path: Any, target: str, again: Callable[[], Any]) -> None:
    """After `path.touch(exist_ok=False)` created `target`: claim it; lost, undo the create
    and raise the FileExistsError `again()` (the same touch) raises."""
    try:
        made = _os_calls.lstat(target)
    except OSError:
        return  # gone already: nothing of ours to claim or undo
    if _claimed(backend, target):
        return
    error = _refusal(again, path)
    _remove_own(target, made)
    backend.claim_lost(target)
    raise error


def claiming(storage: Any, fn: Callable[..., Any], *, path: int | str,
             pin: bool = False) -> Callable[..., Any]:
    """`fn` itself, called through, for a writer that creates its file exclusively
    (`storage.claiming(tarfile.open, path=0, pin=True)(p, "x:gz")`): the very arguments,
    its result, its exceptions. Pinned, once it has created the file at its `path`
    argument (index or keyword), the path is claimed; a lost claim closes what it
    returned, removes the file it made and raises the FileExistsError `fn` itself raises
    when called again (its exclusive open refuses the file still there, before it reads
    anything else). A cache write gets the check `restored` makes; anything `restored`
    leaves alone (the local backend, a replaced open, not a path) is only the call."""
    from storage_runtime import _after_call
    from storage_runtime._paths import publishable

    def call(*args: Any, **kwargs: Any) -> Any:
        given = _after_call._given(args, kwargs, path)
        if given is _after_call._MISSING or not pin:
            if given is not _after_call._MISSING:
                _after_call.restored(storage, given)  # the check, as before
            return fn(*args, **kwargs)
        target = None
        if (not storage._local and _after_call.open_is_real()
                and _after_call.names_a_path_quietly(given)
                and not (isinstance(given, str) and "://" in given)):
            target = publishable(given, storage.settings)
        if target is not None and not parent_here(target):
            _after_call.restored(storage, given)  # no folder to create in: the check
            return fn(*args, **kwargs)
        if target is None or _os_calls.path.lexists(target):
            return fn(*args, **kwargs)  # nothing to claim, or its own refusal
        result = fn(*args, **kwargs)
        try:
            made = _os_calls.lstat(target)
        except OSError:
            return result  # it wrote nothing there
        if _claimed(storage.backend, target):
            return result
        try:
            close = getattr(result, "close", None)
            if callable(close):
                close()
        except Exception:  # what it wrote goes with the file: the refusal is the answer
            log.debug("storage_runtime: closing the writer of %s", target, exc_info=True)
        error = _refusal(lambda: fn(*args, **kwargs), given)
        _remove_own(target, made)
        storage.backend.claim_lost(target)
        raise error

    return call


def _refusal(again: Callable[[], Any], path: Any) -> FileExistsError:
    """The FileExistsError of the same call made again while the file this call created is
    still there (the builtin's own). Should the file have gone meanwhile (another process
    of this machine removed it), the call creates it again: that one is closed and
    removed too, and the error is built as the builtin builds it."""
    try:
        made = again()
    except FileExistsError as exc:
        return exc.with_traceback(None)
    target = os.fspath(path)
    if made is not None:
        made.close()
    try:
        _os_calls.unlink(target)
    except OSError:
        pass
    return FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), target)


def _remove_own(path: str, made: os.stat_result | None) -> None:
    """Remove `path` when it is still the file this call created (same device and inode),
    nothing else: another process may have replaced it meanwhile."""
    if made is None:
        return
    try:
        if _os_calls.samestat(made, _os_calls.lstat(path)):
            _os_calls.unlink(path)
    except OSError:
        log.debug("storage_runtime: undoing the create of %s", path, exc_info=True)
