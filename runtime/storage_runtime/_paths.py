"""Which paths the runtime may publish or restore, and which it must leave alone.

One decision, shared by `Storage` (local side) and the IPFS backend: `publishable(path,
settings)` returns the canonical absolute path of a file the network may know about, or
None when the open must pass straight through. A path is publishable only when all hold:

- it is a path (str, bytes, os.PathLike), never an int file descriptor;
- its real location (symlinks resolved) is inside `settings.root`, so a link in the tree
  pointing out of it never leaks the outside file;
- it is not a special file: nothing under /proc, /dev or /sys, and, when it exists, a
  regular file (not a FIFO, socket, character or block device, directory);
- it does not look like a secret (`is_secret`: the one rule, in secret_paths.py), unless
  configuration allows it, and it is not a hard link to a file that does under another
  name inside the root (`secret_hard_link`);
- it is not the runtime's own state (the `.storage-runtime` folder under the root, the index
  file and its SQLite side files).

A publishable file may still have a name the namespace cannot hold: `unpublishable_name`
says why (not valid UTF-8, a backslash); the backend records such a file as refused with
that reason instead of publishing it.
"""

from __future__ import annotations

import os
import pathlib
import stat
import threading
from typing import TYPE_CHECKING, Any

from storage_runtime import _os_calls
from storage_runtime.secret_paths import DEFAULT_SECRET_GLOBS, SECRET_DIRS
from storage_runtime.secret_paths import is_secret as _is_secret

if TYPE_CHECKING:
    from storage_runtime.config import Settings

__all__ = [
    "DEFAULT_SECRET_GLOBS",
    "SECRET_DIRS",
    "SPECIAL_ROOTS",
    "is_inside",
    "is_secret",
    "is_special",
    "names_a_path_quietly",
    "other_links",
    "publishable",
    "secret_hard_link",
    "unpublishable_name",
]

#: Pseudo file systems: never published, never restored.
SPECIAL_ROOTS: tuple[str, ...] = ("/proc", "/dev", "/sys")


#: The concrete Path classes whose methods the runtime may call as pathlib's own.
PLAIN_PATHS = frozenset({pathlib.PosixPath, pathlib.WindowsPath})
PATHLIB_FSPATH = pathlib.PurePath.__fspath__


def names_a_path_quietly(path: object) -> bool:
    """A str, bytes or pathlib path whose `__fspath__` is pathlib's own: what the runtime
    may read a path from after the program's call, on its own account. Anything else (a
    custom PathLike, a Mock, a file object) would see an extra `__fspath__` call, which
    the program never made: the runtime leaves it alone."""
    return isinstance(path, (str, bytes)) or (
        isinstance(path, pathlib.PurePath) and type(path).__fspath__ is PATHLIB_FSPATH
    )
#: pathlib's own methods, captured at import: one whose class attribute is not this object
#: (patched, overridden, pyfakefs) is not "own", and the runtime only calls it through.
PATHLIB_OWN: dict[str, Any] = {
    name: getattr(pathlib.Path, name)
    for name in ("read_text", "read_bytes", "write_text", "write_bytes", "open", "exists",
                 "is_file", "stat", "replace", "rename", "unlink", "touch")
}


def is_inside(path: str, folder: str) -> bool:
    """True when absolute `path` is `folder` or below it (string test, no I/O)."""
    if path == folder:
        return True
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return path.startswith(prefix)


def is_special(path: str) -> bool:
    """True for paths under /proc, /dev, /sys, and for existing non-regular files."""
    if any(is_inside(path, special) for special in SPECIAL_ROOTS):
        return True
    try:
        st = _os_calls.stat(path)
    except (OSError, ValueError):
        return False  # missing: if it gets created by open(), it is a regular file
    return not stat.S_ISREG(st.st_mode)


def is_secret(path: str | bytes | os.PathLike[Any], settings: Settings | None = None) -> bool:
    """True when `path` looks like a secret (the deny list of `secret_paths`) and no
    allow-glob in `settings` matches it. Allow-globs match the file name or the path
    relative to the root."""
    text = _as_str(path)
    allow = settings.allow_secrets if settings is not None else ()
    if not allow:
        return _is_secret(text)
    absolute = _os_calls.path.abspath(text)
    rel = (
        os.path.relpath(absolute, settings.root) if settings is not None else absolute
    ).replace(os.sep, "/")
    return _is_secret(text, allow, rel)


def unpublishable_name(rel: str) -> str | None:
    """Why the relative POSIX path `rel` cannot be a namespace entry, or None when it can.

    MFS names are UTF-8 text: a name that is not valid UTF-8 (decoded with surrogate
    escapes, e.g. b"caf\\xe9.txt") has no MFS spelling. A backslash is a separator on
    Windows, the node refuses it (js-ipfs answers "destination did not exist"), and
    every restore refuses it (`_restore.safe_name`). Decided per name, without I/O."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape")
        return f"the name {shown!r} is not valid UTF-8; the namespace (MFS) holds text names"
    if "\\" in rel:
        return f"the name {rel!r} holds a backslash, which no worker would restore"
    return None


def publishable(path: object, settings: Settings) -> str | None:
    """The canonical absolute path (str, symlinks resolved) of `path` when the runtime may
    publish or restore it under `settings`, else None. Never raises for odd input."""
    if isinstance(path, int):
        return None
    try:
        text = _as_str(path)  # type: ignore[arg-type]
    except TypeError:
        return None
    if not text or "\0" in text:
        return None
    try:
        real = _os_calls.path.realpath(text)
    except (OSError, ValueError):
        return None
    root = settings.root
    if real == root or not is_inside(real, root):
        return None
    if is_inside(real, settings.state_dir) or real.startswith(settings.index):
        return None
    if is_secret(text, settings) or (real != _os_calls.path.abspath(text) and is_secret(real, settings)):
        return None
    if is_special(real):
        return None
    if secret_hard_link(real, settings):
        return None
    return real


#: How many folder entries `secret_hard_link` looks at before it gives up and treats the
#: file as secret (the safe answer): bounds the cost of a multiply-linked file in a huge root.
LINK_SCAN_LIMIT = 200_000

# (st_dev, st_ino) -> (st_nlink, st_ctime_ns, other names or None): a link count change
# moves ctime, so a new link to the file is looked at again; per process and bounded.
_link_answers: dict[tuple[int, int], tuple[int, int, tuple[str, ...] | None]] = {}
_link_lock = threading.Lock()


def secret_hard_link(real: str, settings: Settings) -> bool:
    """True when the regular file `real` has more than one hard link and another of its
    names inside the root looks secret (`ln .env notes.txt` must not publish the `.env`).

    Only a multiply-linked file costs anything: a walk of the root (the runtime's state
    folder left out) for the other names, bounded by LINK_SCAN_LIMIT entries (past it the
    file counts as secret), remembered per inode until its link count or ctime moves.
    Names outside the root cannot be seen; a file linked from outside the root is
    published unless its own name looks secret."""
    names = _names_of(real, settings)
    if names is None:
        return True
    return any(is_secret(name, settings) for name in names)


def other_links(real: str, settings: Settings) -> list[str]:
    """The other names inside the root of the regular file `real` (hard links: one inode,
    so a write through one name changes them all), none when it has one link, when one
    of them looks secret or when the walk passed LINK_SCAN_LIMIT (see `secret_hard_link`,
    whose walk this is)."""
    names = _names_of(real, settings)
    if not names or any(is_secret(name, settings) for name in names):
        return []
    return list(names)


def _names_of(real: str, settings: Settings) -> tuple[str, ...] | None:
    """`real`'s other names inside the root (empty: a single link, or not a regular file;
    None: too many entries to look at)."""
    try:
        st = _os_calls.stat(real)
    except (OSError, ValueError):
        return ()
    if not stat.S_ISREG(st.st_mode) or st.st_nlink < 2:
        return ()
    key = (st.st_dev, st.st_ino)
    with _link_lock:
        known = _link_answers.get(key)
    if known is not None and known[:2] == (st.st_nlink, st.st_ctime_ns):
        names = known[2]
        return None if names is None else tuple(n for n in names if n != real)
    names = _other_names(real, st, settings)
    with _link_lock:
        if len(_link_answers) > 4096:
            _link_answers.clear()
        _link_answers[key] = (st.st_nlink, st.st_ctime_ns,
                              None if names is None else (*names, real))
    return names


def _other_names(real: str, st: os.stat_result, settings: Settings) -> tuple[str, ...] | None:
    seen = 0
    found: list[str] = []
    stack = [settings.root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(_os_calls.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > LINK_SCAN_LIMIT:
                return None
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not is_inside(entry.path, settings.state_dir):
                        stack.append(entry.path)
                    continue
                if not entry.is_file(follow_symlinks=False) or entry.path == real:
                    continue
                est = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if (est.st_dev, est.st_ino) != (st.st_dev, st.st_ino):
                continue
            found.append(entry.path)
            if len(found) + 1 >= st.st_nlink:
                return tuple(found)  # every name accounted for
    return tuple(found)


def _as_str(path: str | bytes | os.PathLike[Any]) -> str:
    value = os.fspath(path)
    return os.fsdecode(value) if isinstance(value, bytes) else value
