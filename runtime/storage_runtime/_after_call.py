"""Around the calls the runtime does not see: `publish(path, pin=...)` after a third-party
writer, `restored(path)` before a third-party reader, and `publishing(fn, path=...)` /
`restoring(fn, path=...)`, which call such a writer or reader through and do the same
after or before it, for calls whose path cannot be evaluated again (see their docstrings).

A third-party writer (`df.to_csv(p)`, `np.save(p, a)`, `torch.save(obj, p)`,
`fig.savefig(p)`, `model.save_pretrained(d)`) opens, writes and closes its file itself,
through builtin open or C code, so no runtime handle sees the close. The migration keeps
such a call exactly as written and adds `storage.publish(p, pin=...)` after it: once the
call has returned, its file is closed and complete, and `p` (a name or a literal, so
evaluating it again gives the same value) names it.

`publish` never changes what the program sees. It returns None and never raises for
backend trouble (strict mode raises `PublishError`, as it does for every write); it
ignores, silently:

- everything on the local backend (there is nothing to publish to);
- what is not a path (`None`, a buffer, an int descriptor) and a path with no file or
  folder behind it: the writer wrote elsewhere (a URL, `":memory:"`, a buffer the name
  held), or did not write at all;
- every path while `builtins.open` or `io.open` is replaced (`mock.patch`, pyfakefs): the
  writer wrote to the replacement, and a file already on disk at that path is not what it
  wrote.

On a publishing backend a file is published exactly as a closed write is
(`Storage._after_write`): only under the root, never a secret-looking name, a special
file or the runtime's own state; recorded pending first, so a daemon that is down leaves
it pending (`sync` publishes it); a file open for writing through the runtime on this
machine is left to that writer's last close; pinned (`pin=True`) or cache (`pin=False`).

A folder (`save_pretrained(d)`, `to_parquet(d, partition_cols=...)`, a `tarfile`
extraction) is published as its files: every regular file below it, each by the rules
above, walked without following symlinked folders and without the runtime's state
folder. A writer rewrites the folder it was given, so every file is published again (an
unchanged file gives the same CID: no new version). The root itself is never walked: a
writer given the whole root has nothing published by `publish` (that would upload every
file of the project for one call).

`suffix` is for writers that add one to a path that lacks it (`np.save(p, a)` writes
`p + ".npy"` unless `p` ends with it; `np.savez` adds ".npz"): `publish(p, suffix=".npy")`
publishes the file the writer actually wrote.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from storage_runtime import _os_calls
from storage_runtime._open import open_is_real
from storage_runtime._paths import (
    SPECIAL_ROOTS,
    is_inside,
    names_a_path_quietly,
    publishable,
)

if TYPE_CHECKING:
    from storage_runtime.storage import Storage

__all__ = [
    "held",
    "publish",
    "publish_held",
    "publishing",
    "restore_held",
    "restored",
    "restoring",
]


def publish(
    storage: Storage, path: Any, *, pin: bool = False, suffix: str | None = None
) -> None:
    """Publish the file, or every file of the folder, at `path` (see the module doc);
    with `suffix`, at `path + suffix` when `path` does not end with it."""
    if storage._local or not open_is_real():
        return
    if suffix is not None:
        path = _suffixed(path, suffix)
    kind, real = _kind(storage, path)
    if kind == "file":
        storage._after_write(real, pin)  # outside the root, secret, special: nothing
    if kind != "folder":
        return  # no file there: a missing path is never recorded (no "gone" row)
    failure: BaseException | None = None
    # A folder written into again (`save_pretrained(d)` over a checkpoint, nested saves of
    # the same folder) holds files this call did not rewrite: those already published as
    # they are on disk are not read and sent again.
    as_is = getattr(storage.backend, "published_as_is", None)
    for base, dirs, files in os.walk(real):
        dirs[:] = sorted(
            d
            for d in dirs
            if not is_inside(os.path.join(base, d), storage.settings.state_dir)
        )
        for name in sorted(files):
            full = os.path.join(base, name)
            if not _os_calls.path.isfile(full):  # a broken symlink, a FIFO: nothing to publish
                continue
            if as_is is not None and as_is(full, pin):
                continue
            try:
                storage._after_write(full, pin)
            except Exception as exc:  # noqa: BLE001 - strict mode: record every file, then raise
                failure = failure or exc
    if failure is not None:
        raise failure


def restored(storage: Storage, path: Any) -> Any:
    """`path` itself, unchanged, once a missing file there has been restored from the
    shared namespace, exactly as a read-only open through the runtime would restore it
    (`Storage._before_read`: never restores a file this machine wrote or deleted, never
    outside the root, a secret name or a special file). For a third-party reader, which
    opens the file itself: `np.load(storage.restored(p))`.

    Nothing happens, and nothing can be seen to happen, for: the local backend; a
    replaced `builtins.open` or `io.open` (`mock.patch`, pyfakefs: the reader reads the
    replacement); a file that exists; anything that is not a str, bytes or pathlib path
    (a file object, a buffer, a list of lines: the reader's business; a custom PathLike,
    whose `__fspath__` is not called an extra time); a URL (`"s3://..."`). A refused or
    failed restore leaves the file missing, and the reader raises its own error; only
    strict mode raises the runtime's."""
    if storage._local or not open_is_real():
        return path
    if not names_a_path_quietly(path):
        return path
    if isinstance(path, str) and "://" in path:
        return path
    target = publishable(path, storage.settings)
    if target is not None and not _os_calls.path.lexists(target):
        storage._before_read(target)
    return path


def publishing(
    storage: Storage,
    fn: Callable[..., Any],
    *,
    path: int | str | None = None,
    pin: bool = False,
    suffix: str | None = None,
    returned: bool = False,
) -> Callable[..., Any]:
    """`fn` itself, called through: `publishing(torch.save, path=1)(obj, os.path.join(d,
    n))` calls `torch.save(obj, os.path.join(d, n))` with the very arguments it is given,
    returns what it returns, raises what it raises, and once it has returned publishes its
    path argument (`path`: the positional index, or the keyword, the call gave it at) as
    `publish` does. For a writer whose path is an expression that may not be evaluated
    twice: the program evaluates everything once, in its own order (the callee first, then
    the arguments), and the publish comes after the call, where `publish(p)` on the next
    line would be. With `returned=True` (no `path`) what the call returns is the path
    published: `shutil.make_archive(base, "gztar", root)` writes `base + ".tar.gz"` and
    returns that name; only when `fn` is that function itself (captured at import: a
    mock's return value names no file the call wrote) and not on a dry run, which
    returns the name and writes nothing (publishing a file already there would replace
    another worker's newer entry with it)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if returned:
            given = result if _wrote_what_it_returned(fn, args, kwargs) else _MISSING
        else:
            given = _given(args, kwargs, path) if path is not None else _MISSING
        if given is not _MISSING:
            publish(storage, given, pin=pin, suffix=suffix)
        return result

    return call


def restoring(storage: Storage, fn: Callable[..., Any], *, path: int | str) -> Callable[..., Any]:
    """`fn` itself, called through: `restoring(torch.load, path=0)(f, map_location=dev())`
    calls `torch.load(f, map_location=dev())` with the very arguments it is given, after
    `restored(f)`: every argument is evaluated first, in the program's order, and the
    restore runs right before the reader opens the file (see `restored`)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        given = _given(args, kwargs, path)
        if given is not _MISSING:
            restored(storage, given)
        return fn(*args, **kwargs)

    return call


# -- the frame-free form of a reader called through: held(p) ... **restore_held() ----------
#
# `restoring(fn, path=0)(p, k=dev())` calls `fn` from the runtime's own frame, so a warning
# the reader attributes to its caller (torch 2.4/2.5 `torch.load`'s FutureWarning with
# stacklevel=2, pandas' `find_stack_level`) names storage_runtime instead of the program's
# line: the default filter shows it once for every such call together, and a `module=`
# filter no longer matches it. The migration writes such a call as
# `torch.load(storage.held(p), k=dev(), **storage.restore_held())` instead: the reader is
# the program's own call, made from the program's frame; `held` gives back the path itself
# and remembers it for the calling frame, and `restore_held`, the call's last argument,
# evaluated after every other one, restores it and unpacks to nothing.

#: Paths held, per calling frame (its id), last held last. An exception between `held` and
#: `restore_held` leaves its path here; a later pair in any frame pushes and pops its own
#: entry on top, so a left entry is never taken for another call's (see `restore_held`).
_HELD: dict[int, list[Any]] = {}
_HELD_LOCK = threading.Lock()
#: Frames with a path held at once, at most: beyond this the oldest entries (left by calls
#: that raised, whose frames are gone) are forgotten.
_HELD_FRAMES = 4096
#: Paths held in one frame, at most: beyond this the bottom half (paths left by calls that
#: raised, in a loop) is forgotten. The entries of calls still being evaluated are the top
#: ones, as many as held calls nest in one expression, which Python's parser bounds far
#: below this (200 nested parentheses).
_HELD_PER_FRAME = 1024


def held(path: Any, frame: Any) -> Any:
    """`path` itself, remembered as the path of the call being evaluated in `frame` (the
    program's), for that call's `restore_held`."""
    with _HELD_LOCK:
        stack = _HELD.get(id(frame))
        if stack is None:
            if len(_HELD) >= _HELD_FRAMES:
                for key in list(_HELD)[: _HELD_FRAMES // 2]:
                    del _HELD[key]
            stack = _HELD[id(frame)] = []
        stack.append(path)
        if len(stack) > _HELD_PER_FRAME:
            del stack[: len(stack) - _HELD_PER_FRAME // 2]
    return path


def restore_held(storage: Storage, frame: Any) -> dict[str, Any]:
    """Restore the path `held` last in `frame` (as `restored` does) and return an empty
    mapping: `**storage.restore_held()` adds no argument. Evaluated last, after every
    argument of the call, in the program's order; a path held by a call that raised
    before its `restore_held` lies below, in its own frame's entry or under this one's,
    never on top of this call's own."""
    with _HELD_LOCK:
        stack = _HELD.get(id(frame))
        path = stack.pop() if stack else _MISSING
        if stack is not None and not stack:
            del _HELD[id(frame)]
    if path is not _MISSING:
        restored(storage, path)
    return {}


# The same for a writer called through: `storage.publishing(df.to_csv, path=0)(out(n),
# sep=sep())` calls the writer from the runtime's `call` frame, so a warning pandas'
# find_stack_level attributes to its caller names storage_runtime. Where the writer's call
# is a whole statement, the migration writes `df.to_csv(storage.held(out(n)), sep=sep())`
# and then, on the next line, `storage.publish_held(pin=...)`: the writer is the program's
# own call, from its own frame, and the next line runs only if it returned (an exception
# leaves the held path below, as a raising reader's does: never published, never taken
# for another call's).


def publish_held(
    storage: Storage, frame: Any, *, pin: bool = False, suffix: str | None = None
) -> None:
    """Publish (as `publish` does) the path `held` last in `frame`, by the writer call
    that ended on the line before; nothing when nothing is held there."""
    with _HELD_LOCK:
        stack = _HELD.get(id(frame))
        path = stack.pop() if stack else _MISSING
        if stack is not None and not stack:
            del _HELD[id(frame)]
    if path is not _MISSING:
        publish(storage, path, pin=pin, suffix=suffix)


_MISSING = object()


#: Writers whose result is the path of the file they wrote, captured at import, with the
#: place of the argument that makes them write nothing (positional index, keyword).
_RETURN_WHAT_THEY_WROTE: tuple[tuple[Any, int, str], ...] = ((shutil.make_archive, 5, "dry_run"),)


def _wrote_what_it_returned(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """`fn` is one of `_RETURN_WHAT_THEY_WROTE` (by identity: any callable may come, an
    unhashable one too), called without its dry-run argument set."""
    for writer, index, keyword in _RETURN_WHAT_THEY_WROTE:
        if fn is writer:
            return not (args[index] if len(args) > index else kwargs.get(keyword, False))
    return False


def _given(args: tuple[Any, ...], kwargs: dict[str, Any], path: int | str) -> Any:
    """The argument at positional index or keyword `path`, or _MISSING."""
    if isinstance(path, int):
        return args[path] if 0 <= path < len(args) else _MISSING
    return kwargs.get(path, _MISSING)


def _suffixed(path: Any, suffix: str) -> Any:
    """numpy's rule (`np.save("x", a)` writes `x.npy`): `path` as text, plus `suffix`
    unless it already ends with it. Anything that is not a path is returned as it is."""
    try:
        text = os.fspath(path)
    except TypeError:
        return path
    if isinstance(text, bytes):
        end = os.fsencode(suffix)
        return text if text.endswith(end) else text + end
    return text if text.endswith(suffix) else text + suffix


def _kind(storage: Storage, path: Any) -> tuple[str | None, str]:
    """("file", path) for a regular file, ("folder", its real location) for a folder
    strictly inside the root (not the runtime's state folder, not a pseudo file system),
    (None, "") for anything else. Never raises for odd input."""
    if not names_a_path_quietly(path):  # an int, a custom PathLike, a Mock: left alone
        return None, ""
    try:
        text = os.fsdecode(os.fspath(path))
        if "\0" in text:
            return None, ""
        st = _os_calls.stat(text)
    except (TypeError, ValueError, OSError):
        return None, ""
    if stat.S_ISREG(st.st_mode):
        return "file", text
    if not stat.S_ISDIR(st.st_mode):
        return None, ""
    try:
        real = _os_calls.path.realpath(text)
    except (OSError, ValueError):
        return None, ""
    settings = storage.settings
    if real == settings.root or not is_inside(real, settings.root):
        return None, ""
    if is_inside(real, settings.state_dir) or any(
        is_inside(real, special) for special in SPECIAL_ROOTS
    ):
        return None, ""
    return "folder", real
