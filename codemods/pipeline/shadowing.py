"""Project modules that shadow a standard-library module the runtime imports.

Migrated code imports `storage_runtime`, which imports modules of the standard library
(`shutil`, `json`, `logging`, `sqlite3`, ...). Python looks a module up in `sys.path`
order, and `sys.path[0]` is the folder of the script run (or the folder a package is
imported from): a program whose folder holds `shutil.py`, or a package `logging/`, imports
that for every `import shutil`, the runtime's own included. The original program may never
have imported the standard library's module at all; the migrated one fails at import
(`AttributeError: module 'shutil' has no attribute 'rmtree'`). The runtime cannot be exact
there, so such a file is left alone: its sites that would be rewritten are unmigrated,
reason "a module beside it shadows a standard-library module the runtime imports".

A file's import root is the nearest folder above it that is no package (no
`__init__.py`): the script's own folder, or the folder its outermost package sits in.
A module there shadows when it is named like one of `RUNTIME_STDLIB` (`name.py`, or a
folder `name/` with an `__init__.py`; a folder without one is a namespace portion, which
the standard library's module wins over), unless the folder is the standard library's
own, or an installation's `site-packages`, which comes after it on `sys.path`. Modules loaded when the interpreter starts (os,
io, codecs, ...) are imported before the script's folder is on `sys.path`, so none of
them is shadowed that way and none is listed.
"""

from __future__ import annotations

import functools
import os
import sysconfig
from pathlib import Path

#: The standard library's top-level modules that importing `storage_runtime` (any
#: backend, every module of it) loads beyond those the interpreter (`python -I`) loads at
#: start-up (measured on CPython 3.11, which CI runs). tests/codemods/pipeline/
#: test_shadowing.py measures it again on the running interpreter: when the runtime's
#: imports change, it fails.
RUNTIME_STDLIB = frozenset(
    {
        "_ast", "_bisect", "_blake2", "_bz2", "_compat_pickle", "_compression", "_datetime",
        "_hashlib", "_json", "_locale", "_lzma", "_opcode", "_pickle", "_random", "_sha512",
        "_socket", "_sqlite3", "_ssl", "_string", "_struct", "_typing", "_uuid",
        "_weakrefset", "argparse", "array", "ast", "atexit", "base64", "binascii", "bisect",
        "bz2", "calendar", "copy", "dataclasses", "datetime", "dis", "email", "fcntl",
        "gettext", "hashlib", "hmac", "http", "inspect", "json", "linecache", "locale",
        "logging", "lzma", "math", "opcode", "pickle", "platform", "quopri", "random",
        "secrets", "select", "selectors", "shutil", "socket", "sqlite3", "ssl", "string",
        "struct", "textwrap", "threading", "token", "tokenize", "traceback", "typing",
        "uuid", "weakref", "zlib",
    }
)


def import_root(path: Path) -> Path:
    """The folder on `sys.path` when the module at `path` runs: its own folder, or the
    one above its outermost package."""
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


@functools.lru_cache(maxsize=4096)
def _shadow_in(folder: Path) -> Path | None:
    if folder.resolve() == Path(sysconfig.get_path("stdlib")).resolve():
        return None  # the standard library scanned as a codebase: its modules are its own
    if folder.name in ("site-packages", "dist-packages"):
        return None  # after the standard library on sys.path: what is there shadows nothing
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return None
    for entry in entries:
        name, dot, suffix = entry.partition(".")
        if name not in RUNTIME_STDLIB:
            continue
        if dot and suffix == "py" and (folder / entry).is_file():
            return folder / entry
        if not dot and (folder / entry / "__init__.py").is_file():
            return folder / entry
    return None


def shadowed_by(path: Path) -> Path | None:
    """The module beside `path`'s import root that shadows a standard-library module the
    runtime imports, or None. A file that is itself such a module is no exception: the
    runtime's import would find it (or its sibling) just the same."""
    return _shadow_in(import_root(path))


def clear() -> None:
    """Forget what was read (a run reads each folder once; a test changes the tree)."""
    _shadow_in.cache_clear()
