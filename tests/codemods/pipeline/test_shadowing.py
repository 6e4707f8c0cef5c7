"""A module beside a file's import root named like a standard-library module the runtime
imports (pipeline/shadowing.py): the runtime would import that file, so the file is left
alone (reason STDLIB_SHADOWED); the program runs the same before and after `apply`."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import storage_runtime
from migrate_storage.codemods.model import Reason, Status
from migrate_storage.codemods.pipeline import shadowing
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.settings import Mode, Settings

WRITE = 'def save(p, text):\n    with open(p, "w") as f:\n        f.write(text)\n'
MAIN = "import shutil\n\n" + WRITE + '\nsave("out.txt", shutil.helper())\nprint(open("out.txt").read())\n'
OWN_SHUTIL = 'def helper():\n    return "own shutil"\n'


def go(root: Path, mode: Mode, cache: bool = True) -> RunResult:
    return run([str(root)], Settings(mode=mode, jobs=1, use_cache=cache), cwd=root)


def open_sites(result: RunResult, path: str) -> list[tuple[Status, Reason | None]]:
    (file,) = [f for f in result.files if f.path == path]
    return [(s.status, s.reason) for s in file.sites if s.name == "open"]


SHADOWED = [(Status.UNMIGRATED, Reason.STDLIB_SHADOWED)] * 2


def test_the_list_holds_every_module_the_runtime_loads_after_start_up() -> None:
    """Import every module of the runtime and every standard-library module its source
    names (some only at call time, the ipfs backend's too), in a fresh interpreter; what
    that loads beyond start-up must be listed."""
    runtime_dir = Path(storage_runtime.__file__).parent
    named: set[str] = set()
    for module in runtime_dir.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_bytes())):
            if isinstance(node, ast.Import):
                named.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                named.add(node.module)
    stdlib = sorted(n for n in named if n.split(".")[0] in sys.stdlib_module_names)
    ours = sorted(f"storage_runtime.{m.stem}" for m in runtime_dir.glob("*.py") if m.stem != "__main__")
    code = (
        "import importlib, json, sys\n"
        f"for m in {stdlib + ours!r}:\n    importlib.import_module(m)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    # a bare interpreter's start-up: `site` itself, no `.pth` file (a venv's load more)
    start = subprocess.run(
        [sys.executable, "-I", "-S", "-c", "import sys, site; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    started = {m.split(".")[0] for m in start} | set(sys.builtin_module_names)
    missing = {m for m in loaded if m in sys.stdlib_module_names} - started - shadowing.RUNTIME_STDLIB
    assert not missing, f"add to shadowing.RUNTIME_STDLIB: {sorted(missing)}"
    assert {"shutil", "types", "re"} <= shadowing.RUNTIME_STDLIB
    assert not {"os", "errno"} & shadowing.RUNTIME_STDLIB


def _run(root: Path, script: str = "main.py") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, script], cwd=root, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "STORAGE_RUNTIME_BACKEND": "local"},
    )


def test_a_script_beside_a_shadowing_module_is_left_alone_and_runs_the_same(tree) -> None:
    root = tree({"main.py": MAIN, "shutil.py": OWN_SHUTIL})
    before = _run(root)
    assert before.returncode == 0 and before.stdout == "own shutil\n", before.stderr
    assert open_sites(go(root, Mode.SCAN), "main.py") == SHADOWED
    applied = go(root, Mode.APPLY)
    assert applied.changed == ()
    after = _run(root)
    assert (after.returncode, after.stdout, after.stderr) == (0, before.stdout, before.stderr)


def test_without_the_shadowing_module_the_same_script_is_migrated(tree) -> None:
    root = tree({"main.py": MAIN.replace("shutil.helper()", '"stdlib"'), "helpers.py": OWN_SHUTIL})
    assert open_sites(go(root, Mode.SCAN), "main.py") == [(Status.PENDING, None)] * 2
    applied = go(root, Mode.APPLY)
    assert [f.path for f in applied.changed] == ["main.py"]
    after = _run(root)
    assert (after.returncode, after.stdout) == (0, "stdlib\n"), after.stderr


@pytest.mark.parametrize(
    ("files", "path", "shadowed"),
    [
        # a package imported from the folder that holds a shadowing package
        ({"logging/__init__.py": "", "pkg/__init__.py": "", "pkg/io_.py": WRITE}, "pkg/io_.py", True),
        # deeper: the import root is above the outermost package
        ({"json.py": "", "pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/w.py": WRITE},
         "pkg/sub/w.py", True),
        # a module of a package is `pkg.shutil`, no top-level module
        ({"pkg/__init__.py": "", "pkg/shutil.py": "", "pkg/w.py": WRITE}, "pkg/w.py", False),
        # a folder without `__init__.py` inside a package is a namespace portion of it
        ({"pkg/__init__.py": "", "pkg/ns/types.py": "", "pkg/ns/w.py": WRITE}, "pkg/ns/w.py", False),
        # a folder without `__init__.py` is a namespace portion: the stdlib's module wins
        ({"shutil/x.py": "", "w.py": WRITE}, "w.py", False),
        # loaded at start-up, before the script's folder is on sys.path: not shadowed
        ({"os.py": "", "stat.py": "", "w.py": WRITE}, "w.py", False),
        # compiled into the interpreter: no file can shadow it
        ({"errno.py": "", "itertools.py": "", "w.py": WRITE}, "w.py", False),
        # loaded at start-up only by a venv's .pth files: a bare interpreter imports it later
        ({"types.py": "", "w.py": WRITE}, "w.py", True),
        # a script beside another folder's shadowing module may import this one
        ({"tools/json.py": "", "w.py": WRITE}, "w.py", True),
        ({"tools/json.py": "", "tools/w.py": WRITE}, "tools/w.py", True),
        ({"scripts/shutil.py": "", "scripts/train.py": "import pkg.w\n", "src/pkg/__init__.py": "",
          "src/pkg/w.py": WRITE}, "src/pkg/w.py", True),
        # a namespace package (no `__init__.py`) in an installation: `ns.types`, no
        # top-level module
        ({"ns-1.0.dist-info/METADATA": "", "ns/types.py": "", "ns/sub/w.py": WRITE}, "ns/sub/w.py", False),
        # an installation that holds a script of the run (`pip install -t .`, a Lambda
        # bundle) runs it from there: its own modules come first on sys.path
        ({"pkg-1.0.dist-info/METADATA": "", "logging.py": "", "handler.py": WRITE}, "handler.py", True),
        # a source tree's egg-info marks no installation: its scripts' folder may be run
        ({"proj.egg-info/PKG-INFO": "", "scripts/shutil.py": "", "scripts/w.py": WRITE}, "scripts/w.py", True),
        # without metadata, the same namespace folder may be a script's
        ({"ns/types.py": "", "ns/sub/w.py": WRITE}, "ns/sub/w.py", True),
    ],
    ids=["package beside", "nested package", "inside a package", "namespace portion", "namespace folder",
         "start-up module", "builtin module", "venv start-up module", "other folder",
         "same folder", "script's folder", "installed namespace package",
         "bundle with a script", "egg-info scripts", "namespace folder without metadata"],
)
def test_only_a_module_on_the_files_own_import_root_shadows(tree, files, path, shadowed) -> None:
    root = tree(files)
    want = SHADOWED[:1] if shadowed else [(Status.PENDING, None)]
    assert open_sites(go(root, Mode.SCAN), path) == want


def test_a_warm_run_sees_a_shadowing_module_come_and_go(tree) -> None:
    root = tree({"main.py": WRITE})
    assert open_sites(go(root, Mode.CHECK), "main.py") == [(Status.PENDING, None)]
    (root / "secrets.py").write_text("TOKEN = 'x'\n")
    assert open_sites(go(root, Mode.CHECK), "main.py") == SHADOWED[:1]
    assert go(root, Mode.APPLY).changed == ()
    (root / "secrets.py").unlink()
    assert open_sites(go(root, Mode.CHECK), "main.py") == [(Status.PENDING, None)]


def test_installed_packages_and_the_stdlib_itself_shadow_nothing(tree) -> None:
    # site-packages comes after the standard library on sys.path (runs skip the folder,
    # so this asks the module itself)
    root = tree({"site-packages/json.py": "", "site-packages/pkg/__init__.py": "", "site-packages/pkg/w.py": ""})
    shadowing.clear()
    assert shadowing.shadowed_by(root / "site-packages/pkg/w.py") is None
    root = tree({"lib/json.py": "", "lib/pkg/__init__.py": "", "lib/pkg/w.py": ""})
    assert shadowing.shadowed_by(root / "lib/pkg/w.py") == root / "lib/json.py"
    assert shadowing.shadowed_by(Path(shutil.__file__)) is None


def test_a_copy_of_the_standard_library_s_own_module_shadows_nothing(tree) -> None:
    # importing a byte-for-byte copy is importing the module itself (a vendored or copied
    # standard library); one byte changed, or a module of the package missing, and it shadows
    stdlib = Path(shutil.__file__).parent
    files = {"main.py": WRITE, "shutil.py": (stdlib / "shutil.py").read_text()}
    files.update({f"json/{m.name}": m.read_text() for m in (stdlib / "json").glob("*.py")})
    root = tree(files)
    assert open_sites(go(root, Mode.SCAN), "main.py") == [(Status.PENDING, None)]
    (root / "json" / "decoder.py").write_text((stdlib / "json" / "decoder.py").read_text() + "#\n")
    assert open_sites(go(root, Mode.SCAN, cache=False), "main.py") == SHADOWED[:1]
    (root / "json" / "decoder.py").unlink()
    assert open_sites(go(root, Mode.SCAN, cache=False), "main.py") == SHADOWED[:1]
    shutil.rmtree(root / "json")
    (root / "shutil.py").write_text((stdlib / "shutil.py").read_text() + "#\n")
    assert open_sites(go(root, Mode.SCAN, cache=False), "main.py") == SHADOWED[:1]
