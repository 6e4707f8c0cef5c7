"""The existence family end to end: what is found, what `apply` writes, what it leaves, and
that the cover does not move.

Every case runs the whole engine (prefilter, prune, finder, rewrite, safety net). The
CLI case checks that `coverage` and `apply` agree (pending == rewritten, a second apply
changes nothing) and that migrating the checks changes no counted figure; the behaviour
cases run original and migrated modules in this process, on the local backend, under the
patches a test suite would use.
"""

from __future__ import annotations

import contextlib
import json
import os
import textwrap
import types
from pathlib import Path
from typing import Any
from unittest import mock

import libcst as cst
import pytest
from click.testing import CliRunner
from codemod_cases import run_code
from libcst.codemod import CodemodContext
from migrate_storage.codemods.cli.main import main
from migrate_storage.codemods.commands import ExistenceCodemod
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)


def sites(code: str, policy: FilePolicy = PIN) -> list[tuple[str, Status, Reason | None]]:
    result = run_code(textwrap.dedent(code), policy)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.name, s.status, s.reason) for s in result.sites if s.family is Family.EXISTENCE]


def rewritten(code: str, policy: FilePolicy = PIN) -> str:
    result = run_code(textwrap.dedent(code), policy)
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    again = run_code(result.new_source.decode(), policy)
    assert again.status is FileStatus.UNCHANGED  # idempotent
    return result.new_source.decode()


# -- recognition ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "after"),
    [
        ("import os\nos.path.exists(p)\n", "os.path.exists",
         "storage.exists(p, call=os.path.exists)"),
        ("import os.path\nos.path.isfile(p)\n", "os.path.isfile",
         "storage.isfile(p, call=os.path.isfile)"),
        ("import os.path as osp\nosp.lexists(p)\n", "os.path.lexists",
         "storage.lexists(p, call=osp.lexists)"),
        ("from os import path\npath.exists(p)\n", "os.path.exists",
         "storage.exists(p, call=path.exists)"),
        ("from os.path import exists as there\nthere(path=p)\n", "os.path.exists",
         "storage.exists(path=p, call=there)"),
        ("import os as o\nif not o.path.isfile(\n    p,\n):\n    pass\n", "os.path.isfile",
         "storage.isfile(\n    p,\n    call=o.path.isfile,\n)"),
        ("from pathlib import Path\nPath(p).exists()\n", "pathlib.Path.exists",
         "storage.path_exists(Path(p))"),
        ("from pathlib import Path\ndef f(p: Path):\n    return p.is_file()\n",
         "pathlib.Path.is_file", "storage.path_is_file(p)"),
        ("from pathlib import Path\nfor q in Path('d').glob('*'):\n    q.exists()\n",
         "pathlib.Path.exists", "storage.path_exists(q)"),
        ("from pathlib import Path\nPath(p).exists(follow_symlinks=False)\n",
         "pathlib.Path.exists", "storage.path_exists(Path(p), follow_symlinks=False)"),
    ],
)
def test_each_spelling_is_found_and_rewritten(code: str, name: str, after: str) -> None:
    assert sites(code) == [(name, Status.PENDING, None)]
    assert after in rewritten(code)


@pytest.mark.parametrize(
    "code",
    [
        "exists(p)\n",  # a builtin? no: a NameError, not os.path's
        "def f(exists):\n    return exists(p)\n",  # a parameter
        "from os.path import *\nexists(p)\n",  # a star import: cannot be known
        "import os\nany(map(os.path.exists, paths))\n",  # a value: not a call site
        "import os\nos.path.isdir(p) or os.listdir(p) or os.path.getsize(p)\n",
        "import glob\nglob.glob('*.txt')\n",
        "def f(store, key):\n    return store.exists(key)\n",  # unknown receiver
        "from pathlib import Path\ndef f(p):\n    return p.exists()\n",  # not known a Path
        "from pathlib import PurePath\nPurePath('a').exists()\n",  # no such method
        "import os\ndef exists(p):\n    return True\nexists('a')\n",  # a local def
        "import os\nos.path.exists\n",
        "import os\ndef f(os):\n    return os.path.exists(p)\n",  # a parameter `os`
        "from pathlib import Path\nclass P(Path):\n    def ok(self):\n        return self.is_file()\n",
    ],
)
def test_look_alikes_are_not_sites(code: str) -> None:
    assert sites(code) == []
    assert run_code(code, PIN).status is FileStatus.UNCHANGED


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("import os\nos.path.exists(*parts)\n", Reason.DYNAMIC_CALL),
        ("import os\nos.path.exists(p, q)\n", Reason.DYNAMIC_CALL),  # the original's TypeError
        ("import os\nos.path.exists(p, follow_symlinks=False)\n", Reason.DYNAMIC_CALL),
        ("import os\nos.path.exists(p, call=q)\n", Reason.DYNAMIC_CALL),
        ("import os\nos.path.exists(**options)\n", Reason.DYNAMIC_CALL),
        (
            (
                "try:\n    from os.path import exists\nexcept ImportError:\n"
                "    def exists(p): return False\nexists('a')\n"
            ),
            Reason.DYNAMIC_CALL,
        ),
        # `os` may be None: the original raised before `make()` ran
        ("try:\n    import os\nexcept ImportError:\n    os = None\nos.path.exists(make())\n",
         Reason.DYNAMIC_CALL),
        ("from pathlib import Path\nPath(p).exists(follow_symlinks=flag())\n",
         Reason.DYNAMIC_CALL),
        ("from pathlib import Path\nPath(p).is_file(True)\n", Reason.DYNAMIC_CALL),
    ],
)
def test_what_cannot_be_exact_is_left_with_a_reason(code: str, reason: Reason) -> None:
    found = sites(code)
    assert len(found) == 1 and found[0][1:] == (Status.UNMIGRATED, reason), found
    assert run_code(code, PIN).status is FileStatus.UNCHANGED


def test_a_check_nested_in_another_rewrite_is_rewritten_too() -> None:
    new = rewritten(
        "import os, shutil\n\nshutil.copy(a if os.path.exists(a) else b, dst)\n"
    )
    assert (
        "storage.copy(a if storage.exists(a, call=os.path.exists) else b, dst, pin=True, "
        "call=shutil.copy)" in new
    )


def test_secret_local_and_excluded_paths_are_kept() -> None:
    assert sites("import os\nos.path.exists('.env')\n") == [
        ("os.path.exists", Status.LOCAL, Reason.SECRET_PATH)
    ]
    local = FilePolicy(strategy=Strategy.PIN, by_family=((Family.EXISTENCE, Strategy.LOCAL),))
    code = "import os\nos.path.exists(p)\n"
    assert run_code(code, local).status is FileStatus.UNCHANGED
    assert sites(code, local) == [("os.path.exists", Status.LOCAL, Reason.LOCAL_RULE)]


def test_a_star_imported_module_uses_the_private_alias() -> None:
    new = rewritten("from shutil import *\nimport os\n\nos.path.exists(p)\n")
    assert "from storage_runtime import storage as _storage\n" in new
    assert "_storage.exists(p, call=os.path.exists)" in new


def test_the_family_command_rewrites_its_family_only() -> None:
    code = "import os\n\nif os.path.exists(p):\n    os.remove(p)\n"
    context = CodemodContext(filename="mod.py")
    new = ExistenceCodemod(context, strategy="pin").transform_module(cst.parse_module(code)).code
    assert "if storage.exists(p, call=os.path.exists):\n    os.remove(p)\n" in new
    from migrate_storage.codemods.families import existence

    assert existence.ExistenceCodemod is ExistenceCodemod


def test_migrated_checks_are_migrated_sites() -> None:
    code = (
        "import os\nfrom pathlib import Path\nfrom storage_runtime import storage\n\n"
        "storage.exists(p, call=os.path.exists)\nstorage.path_is_file(Path(p))\n"
    )
    assert sites(code) == [
        ("storage_runtime.storage.exists", Status.MIGRATED, None),
        ("storage_runtime.storage.path_is_file", Status.MIGRATED, None),
    ]


# -- coverage and apply agree; the cover does not move --------------------------------------

_TREE = {
    "pkg/__init__.py": "",
    "pkg/queue.py": """\
        import os
        from pathlib import Path


        def load_info(path):
            if os.path.exists(path):
                with open(path) as f:
                    return f.read()
            return ""


        def fresh(cache: Path) -> bool:
            return not cache.is_file() and not os.path.isfile(*[str(cache)])
        """,
}


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, ["--jobs", "1", *args], catch_exceptions=False)


def _report() -> dict[str, Any]:
    result = _cli("coverage", "pkg", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _checks(report: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in report["files"].values():
        for site in entry["sites"]:
            if site["family"] == "existence":
                counts[site["status"]] = counts.get(site["status"], 0) + 1
    return counts


def test_coverage_and_apply_agree_and_the_cover_does_not_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "proj"
    for rel, text in _TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    monkeypatch.chdir(root)
    before = _report()
    assert _checks(before) == {"pending": 2, "unmigrated": 1}
    assert before["totals"]["checks"] == 3
    assert before["totals"]["checks_pending"] == 2
    counted = before["totals"]["counted"]
    assert counted == before["totals"]["pending"] > 0  # the open
    assert all(g["family"] != "existence" for g in before["left_to_do"])
    text = _cli("coverage", "pkg").stdout
    assert "Checks" in text and "TOTAL" in text
    # the headline adds up to what apply reports: the open, and the two checks
    assert "(1 pending, 0 unmigrated), by reason and family; plus 2 existence checks that apply rewrites" in text

    first = _cli("apply", "pkg")
    assert first.exit_code == 0, first.stderr
    assert "existence/cache 2" in first.stderr, first.stderr
    assert _cli("apply", "pkg").stderr.count("rewrote") == 0
    after = _report()
    assert _checks(after) == {"migrated": 2, "unmigrated": 1}
    assert after["totals"]["checks"] == 3
    assert after["totals"]["checks_pending"] == 0
    assert _cli("coverage", "pkg").stdout.startswith("Left to do: nothing (no pending or unmigrated site).\n")
    # the counted figures moved only by the open family's own rewrite
    assert (after["totals"]["counted"], after["totals"]["migrated"]) == (counted, counted)
    sarif = json.loads(_cli("coverage", "pkg", "--format", "sarif").stdout)
    kinds = {
        (r["ruleId"], r["properties"]["status"], r["kind"])
        for r in sarif["runs"][0]["results"]
        if r["ruleId"] == "MS-EXISTENCE"
    }
    # not in the coverage: migrated ones pass, the one left alone is no failure
    assert kinds == {("MS-EXISTENCE", "migrated", "pass"),
                     ("MS-EXISTENCE", "unmigrated", "informational")}
    source = (root / "pkg/queue.py").read_text()
    assert "if storage.exists(path, call=os.path.exists):" in source
    assert "return not storage.path_is_file(cache) and not os.path.isfile(*[str(cache)])" in source


# -- behaviour under patches ---------------------------------------------------------------

_PROGRAM = """\
    import os
    from os.path import isfile
    from pathlib import Path


    def state(path):
        return os.path.exists(path), isfile(path), Path(path).exists(), Path(path).is_file()
    """


def _module(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - the test's own code
    return module


@pytest.fixture
def both(monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, types.ModuleType]:
    monkeypatch.setenv("STORAGE_RUNTIME_BACKEND", "local")
    source = textwrap.dedent(_PROGRAM)
    new = rewritten(source)
    assert "storage.isfile(path, call=isfile)" in new
    return _module(source, "original"), _module(new, "migrated")


@pytest.mark.parametrize(
    "patch",
    [
        lambda m: mock.patch("os.path.exists", return_value="patched"),
        lambda m: mock.patch.object(m, "os"),
        lambda m: mock.patch.object(m, "isfile", side_effect=OSError(5, "patched")),
        lambda m: mock.patch("os.stat", side_effect=PermissionError(13, "patched")),
        lambda m: mock.patch.object(Path, "exists", return_value="method"),
        lambda m: contextlib.nullcontext(mock.Mock()),
    ],
    ids=["os.path.exists", "module os", "from-imported isfile", "os.stat", "Path.exists",
         "none"],
)
def test_a_patch_reaches_the_same_calls(
    both: tuple[types.ModuleType, types.ModuleType], tmp_path: Path, patch: Any
) -> None:
    outcomes = []
    for module in both:
        (tmp_path / "here.txt").write_text("x")
        row = []
        for leaf in ("here.txt", "missing.txt"):
            with patch(module) as patched:
                try:
                    value = module.state(str(tmp_path / leaf))
                    row.append(("ok", tuple(v if isinstance(v, (bool, str)) else type(v).__name__
                                            for v in value)))
                except OSError as exc:
                    row.append(("raised", type(exc).__name__, exc.errno))
                recorded = [str(c).replace(str(tmp_path), "<T>") for c in patched.mock_calls]
            row.append(tuple(recorded))
        outcomes.append(row)
    assert outcomes[0] == outcomes[1]
    assert os.path.exists.__module__ == "genericpath"  # nothing leaks out
