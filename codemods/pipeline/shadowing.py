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

A file's import root is the folder above its outermost package (the highest folder
above it with an `__init__.py`; a folder without one inside a package is a namespace
portion of it), or its own folder when none above it is a package: a script's folder.
A folder that holds a `*.dist-info` folder is an installation (`site-packages`, a wheel
unpacked): an entry of `sys.path` with no scripts in it, so a file below it with no
package above is in a namespace package (`langgraph/types.py`, no `__init__.py`),
imported from there. (Not so a source tree's `*.egg-info`: its `scripts/` may be run.)
Elsewhere a namespace package with no `__init__.py` anywhere looks like a script folder,
and a module named like the standard library's in it leaves the run alone (safe, costs
cover). What matters is the folder of the script that runs, and a script in one import
root of the run may import a module of any other (`scripts/train.py` beside
`scripts/shutil.py`, importing `src/pkg/writer.py`): so one shadowing module in any
import root of the run leaves every file of the run alone (`run_shadow`). A module there
shadows when it is named like one of `RUNTIME_STDLIB` (`name.py`, or a folder `name/`
with an `__init__.py`; a folder without one is a namespace portion, which the standard
library's module wins over), unless the folder is the standard library's own, or an
installation, which comes after it on `sys.path` (but not one that holds a script of the
run: a bundle made by `pip install -t .` runs its handler from there). Modules loaded when the interpreter starts (os,
io, codecs, ...) are imported before the script's folder is on `sys.path`, so none of
them is shadowed that way and none is listed.
"""

from __future__ import annotations

import functools
import os
import sysconfig
from pathlib import Path

#: The standard library's top-level modules that importing `storage_runtime` (any
#: backend, every module of it) loads beyond those a bare interpreter loads before the
#: script's folder is on `sys.path` (`python -I -S` plus `site` itself, no `.pth` file: a
#: venv's `.pth` files load more, pathlib and re among them, but a program may run on a
#: bare interpreter), less the modules compiled into it (no file can shadow those);
#: measured on CPython 3.11, which CI runs. tests/codemods/pipeline/test_shadowing.py
#: measures it again on the running interpreter: when the runtime's imports change, it
#: fails.
RUNTIME_STDLIB = frozenset(
    {
        "__future__", "_bisect", "_blake2", "_bz2", "_compat_pickle", "_compression",
        "_datetime", "_hashlib", "_json", "_lzma", "_opcode", "_pickle", "_random",
        "_sha512", "_socket", "_sqlite3", "_ssl", "_struct", "_typing", "_uuid",
        "_weakrefset", "argparse", "array", "ast", "base64", "binascii", "bisect", "bz2",
        "calendar", "collections", "contextlib", "copy", "copyreg", "dataclasses",
        "datetime", "dis", "email", "enum", "fcntl", "fnmatch", "functools", "gettext",
        "hashlib", "hmac", "http", "importlib", "inspect", "ipaddress", "json", "keyword",
        "linecache", "locale", "logging", "lzma", "math", "ntpath", "opcode", "operator",
        "pathlib", "pickle", "platform", "quopri", "random", "re", "reprlib", "secrets",
        "select", "selectors", "shutil", "socket", "sqlite3", "ssl", "string", "struct",
        "textwrap", "threading", "token", "tokenize", "traceback", "types", "typing",
        "urllib", "uuid", "warnings", "weakref", "zlib",
    }
)


def import_root(path: Path) -> Path:
    """The folder on `sys.path` when the module at `path` runs: the one above its
    outermost package (the highest folder above it with an `__init__.py`: a folder
    without one inside a package is a namespace portion of it, `litellm/files/`), or its
    own folder when no folder above it is a package."""
    return _above_package(path.parent) or _installed(path.parent) or path.parent


@functools.cache
def _above_package(folder: Path) -> Path | None:
    """The parent of the highest folder at or above `folder` with an `__init__.py`, or
    None. Cached per folder, and each answer builds on its parent's: the files of a run
    share their folders, so each folder of the tree is looked at once, not once a file."""
    if folder.parent != folder and (up := _above_package(folder.parent)) is not None:
        return up
    return folder.parent if (folder / "__init__.py").is_file() else None


@functools.cache
def _is_installation(folder: Path) -> bool:
    """`folder` holds a `*.dist-info` folder: what pip installs into, or a wheel unpacked."""
    try:
        return any(name.endswith(".dist-info") for name in os.listdir(folder))
    except OSError:
        return False


@functools.cache
def _installed(folder: Path) -> Path | None:
    """The nearest installation (`_is_installation`) at or above `folder`, or None."""
    if _is_installation(folder):
        return folder
    return None if folder.parent == folder else _installed(folder.parent)


@functools.lru_cache(maxsize=4096)
def _shadow_in(folder: Path, script: bool) -> Path | None:
    """`script`: a file of the run stands in `folder` itself, so it may run from there."""
    if folder.resolve() == Path(sysconfig.get_path("stdlib")).resolve():
        return None  # the standard library scanned as a codebase: its modules are its own
    if folder.name in ("site-packages", "dist-packages") or (_is_installation(folder) and not script):
        # after the standard library on sys.path: what is there shadows nothing. Not so a
        # folder with the run's own scripts beside the metadata: a bundle made by `pip
        # install -t .` (an AWS Lambda package) runs its handler from there, first on
        # sys.path
        return None
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return None
    for entry in entries:
        name, dot, suffix = entry.partition(".")
        if name not in RUNTIME_STDLIB:
            continue
        found = folder / entry
        module = found.is_file() if dot and suffix == "py" else not dot and (found / "__init__.py").is_file()
        if module and not _same_as_stdlib(found):
            return found
    return None


def _same_as_stdlib(found: Path) -> bool:
    """`found` (a module, or a package folder) is a copy of the running standard library's
    own, byte for byte (every module of the package but its tests): importing it is
    importing that module, so it shadows nothing (a vendored or copied standard library,
    as `bench/codemod_throughput.py` scans)."""
    stdlib = Path(sysconfig.get_path("stdlib")) / found.name
    if found.is_file():
        return _same_bytes(found, stdlib)
    if not stdlib.is_dir():
        return False
    for module in stdlib.rglob("*.py"):
        relative = module.relative_to(stdlib)
        if {"test", "tests"} & set(relative.parts[:-1]):
            continue
        if not _same_bytes(found / relative, module):
            return False
    return True


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def shadowed_by(path: Path) -> Path | None:
    """The module beside `path`'s import root that shadows a standard-library module the
    runtime imports, or None. A file that is itself such a module is no exception: the
    runtime's import would find it (or its sibling) just the same."""
    root = import_root(path)
    return _shadow_in(root, root == path.parent)


def run_shadow(paths: list[Path]) -> Path | None:
    """The first shadowing module (`shadowed_by`) beside any import root of the files of
    one run, or None: a script there may import any module of the run."""
    found = {shadow for path in paths if (shadow := shadowed_by(path)) is not None}
    return min(found) if found else None


def clear() -> None:
    """Forget what was read (a run reads each folder once; a test changes the tree)."""
    _shadow_in.cache_clear()
    _above_package.cache_clear()
    _is_installation.cache_clear()
    _installed.cache_clear()
