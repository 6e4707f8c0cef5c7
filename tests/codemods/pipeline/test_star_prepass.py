"""The runner's star-import pre-pass (pipeline/star_imports.py, issue 13 item 4), with the
real engine: a module that another module of the tree star-imports gets private runtime
names, relative and absolute imports resolve, and the cache knows which answer an entry
was made for."""

from __future__ import annotations

from pathlib import Path

from migrate_storage.codemods.pipeline import star_imports
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.settings import Mode, Settings

HELPERS = "def read(p):\n    with open(p) as f:\n        return f.read()\n"


def go(root: Path, mode: Mode) -> RunResult:
    return run([str(root)], Settings(mode=mode, jobs=1), cwd=root)


def test_targets_are_read_from_the_bytes_in_order_once() -> None:
    source = b"from os import *\nif x:\n    from ..pkg.core import *  # noqa\nfrom . import *\nfrom os import *\n'from json import *'\n"
    assert star_imports.targets(source) == ((0, "os"), (2, "pkg.core"), (1, ""))
    assert star_imports.targets(b"from os import path\nx = a * b\n") == ()


def test_relative_absolute_and_package_targets_resolve_to_files(tmp_path: Path) -> None:
    files = [tmp_path / p for p in ("pkg/__init__.py", "pkg/core.py", "pkg/sub/util.py", "main.py", "other/core.py")]
    targets = {
        files[0]: ((1, "core"),),  # pkg/__init__: from .core import *
        files[2]: ((2, ""),),  # pkg/sub/util: from .. import *  -> pkg/__init__
        files[3]: ((0, "pkg"),),  # main: from pkg import *
    }
    assert star_imports.star_imported(files, targets) == {files[0], files[1]}


def test_a_star_imported_module_gets_private_names_and_the_cache_follows(tree) -> None:
    root = tree({"helpers.py": HELPERS, "main.py": "print(1)\n"})
    diff = go(root, Mode.DIFF)
    assert b"from storage_runtime import open\n" in diff.changed[0].diff
    (root / "main.py").write_text("from helpers import *\nprint(read('x'))\n")
    again = go(root, Mode.DIFF)  # helpers.py is unchanged, but now star-imported
    assert [f.path for f in again.changed] == ["helpers.py"]
    assert b"from storage_runtime import open as _storage_open" in again.changed[0].diff
    assert b"with _storage_open(p) as f:" in again.changed[0].diff
    applied = go(root, Mode.APPLY)
    assert [f.path for f in applied.changed] == ["helpers.py"]
    assert go(root, Mode.CHECK).exit_code == 0
    (root / "main.py").write_text("print(2)\n")
    # No longer star-imported: the private names stay correct, nothing to do.
    assert go(root, Mode.CHECK).exit_code == 0
