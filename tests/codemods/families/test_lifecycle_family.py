"""The lifecycle family end to end: what is found, what `apply` writes, what it leaves.

Every case runs the whole engine (prefilter, prune, finder, rewrite, safety net). The
CLI cases check that `coverage` and `apply` agree (pending == rewritten, a second apply
changes nothing, coverage after apply counts the sites migrated), that a `local` rule
for the family keeps the calls local, and that the migrated code does what the original
did under mock patches of the module the source named (run in this process on the local
backend; tests/fidelity runs programs on both backends).
"""

from __future__ import annotations

import json
import os
import shutil
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
from migrate_storage.codemods.commands import LifecycleCodemod
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.pipeline import prefilter
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)


def sites(code: str, policy: FilePolicy = PIN) -> list[tuple[str, Status, Reason | None]]:
    result = run_code(textwrap.dedent(code), policy)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.name, s.status, s.reason) for s in result.sites if s.family is Family.LIFECYCLE]


def rewritten(code: str, policy: FilePolicy = PIN) -> str:
    result = run_code(textwrap.dedent(code), policy)
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    return result.new_source.decode()


# -- recognition ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("import os\nos.remove(p)\n", "os.remove"),
        ("import os as o\no.unlink(p)\n", "os.unlink"),
        ("from os import replace as r\nr(a, b)\n", "os.replace"),
        ("import os.path\nos.rename(a, b)\n", "os.rename"),
        ("import os\nos.link(tmp, path)\n", "os.link"),
        ("from shutil import move\nmove(a, b)\n", "shutil.move"),
        ("import shutil as sh\nsh.copytree(a, b, dirs_exist_ok=True)\n", "shutil.copytree"),
        ("from pathlib import Path\nPath(a).unlink(missing_ok=True)\n", "pathlib.Path.unlink"),
        ("import pathlib\np = pathlib.Path(a)\np.with_suffix('.t').replace(p)\n",
         "pathlib.Path.replace"),
        ("from pathlib import Path\ndef f(p: Path | None, q):\n    p.rename(q)\n",
         "pathlib.Path.rename"),
        ("from pathlib import Path\np = Path('a').parent / 'b'\np.rename(p.parent / 'x')\n",
         "pathlib.Path.rename"),
    ],
)
def test_each_spelling_is_found_and_pending(code: str, name: str) -> None:
    assert sites(code) == [(name, Status.PENDING, None)]


@pytest.mark.parametrize(
    ("code", "rewritten"),
    [
        # None: 'NoneType' object has no attribute 'rename', not ... 'parent'
        ("from pathlib import Path\ndef f(p: Path | None):\n    p.rename(p.parent / 'x')\n",
         "storage.path(p, pin=True).rename(p.parent / 'x')"),
        # a str: the AttributeError comes before final() runs, which prints
        ("from pathlib import Path\ndef f(tmp: Path):\n    tmp.replace(final())\n",
         "storage.path(tmp, pin=True).replace(final())"),
        ("from pathlib import Path\ndef f(p: Path):\n    p.unlink(missing_ok=flag())\n",
         "storage.path(p).unlink(missing_ok=flag())"),
    ],
)
def test_arguments_evaluated_after_the_lookup_keep_it_first(code: str, rewritten: str) -> None:
    """`recv.m(args)` looks `m` up before evaluating `args`; `storage.m(recv, args)`
    after: unless the arguments are names and literals, or `recv` is a Path built right
    there, a lifecycle site gets the lookup-first form (`storage.path(recv, ...).m(args)`)."""
    result = run_code(textwrap.dedent(code), PIN)
    assert [s.status for s in result.sites] == [Status.PENDING]
    assert rewritten in (result.new_source or b"").decode()


@pytest.mark.parametrize(
    ("code", "rewritten"),
    [
        ("def f(p, chunks):\n    p.write_text(''.join(chunks))\n",
         "storage.path(p, pin=True).write_text(''.join(chunks))"),
        ("from pathlib import Path\ndef f(p: Path, obj):\n    p.open(obj.mode)\n",
         "storage.path(p, pin=True).open(obj.mode)"),
        # a name bound twice is not proven built
        ("from pathlib import Path\np = Path('a')\np = other()\np.write_bytes(data())\n",
         "storage.path(p, pin=True).write_bytes(data())"),
    ],
)
def test_a_pathlib_call_whose_arguments_follow_the_lookup_looks_it_up_first(
    code: str, rewritten: str
) -> None:
    """The pathlib family keeps those sites with the lookup-first form
    (`storage.path(recv, pin=...).m(args)`: the runtime's `_receiver.py`)."""
    result = run_code(textwrap.dedent(code), PIN)
    assert [s.status for s in result.sites] == [Status.PENDING]
    assert rewritten in (result.new_source or b"").decode()


@pytest.mark.parametrize(
    "code",
    [
        "from pathlib import Path\nPath('a').write_text(render())\n",
        "from pathlib import Path\nout = Path.home() / 'x'\nout.with_suffix('.j').write_text(dumps(o))\n",
        "def f(p, data, encoding):\n    p.write_text(data, encoding=encoding)\n",
        "def f(p):\n    return p.read_text('utf-8', 'strict')\n",
    ],
)
def test_arguments_or_receivers_that_keep_the_order_are_rewritten(code: str) -> None:
    assert [s.status for s in run_code(textwrap.dedent(code), PIN).sites] == [Status.PENDING]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import os\nos.replace(*pair)\n", [("os.replace", Status.UNMIGRATED, Reason.DYNAMIC_CALL)]),
        ("import shutil\nshutil.copy(a, b, **kw)\n",
         [("shutil.copy", Status.UNMIGRATED, Reason.DYNAMIC_CALL)]),
        ("import os\nos.remove(a, pin=True)\n",
         [("os.remove", Status.UNMIGRATED, Reason.DYNAMIC_CALL)]),
        ("import os\nos.remove(a, call=1)\n",
         [("os.remove", Status.UNMIGRATED, Reason.DYNAMIC_CALL)]),
        ("import os\nos.remove('.env')\n", [("os.remove", Status.LOCAL, Reason.SECRET_PATH)]),
        ("from pathlib import Path\nPath('id_rsa').unlink()\n",
         [("pathlib.Path.unlink", Status.LOCAL, Reason.SECRET_PATH)]),
        ("def f(lock):\n    lock.unlink()\n",
         [("lock.unlink", Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)]),
        # Not called here: counted where it is handed on (families/function_values.py).
        ("import atexit, shutil\natexit.register(shutil.rmtree, d)\n",
         [("shutil.rmtree", Status.UNMIGRATED, Reason.FUNCTION_VALUE)]),
    ],
)
def test_what_cannot_be_exact_is_left_with_a_reason(
    code: str, expected: list[tuple[str, Status, Reason | None]]
) -> None:
    assert sites(code) == expected


def test_unlink_with_pathlibs_missing_ok_is_rewritten_on_any_receiver() -> None:
    """prefect 3.9.1's `flow_run_path.unlink(missing_ok=True)`, dagster's `UPath`:
    `missing_ok` is pathlib's keyword; the runtime calls the receiver's own `unlink` and
    follows the namespace only for pathlib's own on a Path, so any receiver gets exactly
    its call (fidelity `unlink_missing_ok_any_receiver`). Without the keyword, awaited
    (`anyio.Path`), or on a receiver provably no Path, nothing changes."""
    code = textwrap.dedent(
        """\
        class Thing:
            def unlink(self, missing_ok=False):
                return 1

        def f(a, b, c):
            a.unlink(missing_ok=True)
            b.unlink(missing_ok=pick())
            c.unlink()
            Thing().unlink(missing_ok=True)

        async def g(apath):
            await apath.unlink(missing_ok=True)
        """
    )
    assert sites(code) == [
        ("pathlib.Path.unlink", Status.PENDING, None),
        ("pathlib.Path.unlink", Status.PENDING, None),
        ("c.unlink", Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN),
    ]
    new = (run_code(code, PIN).new_source or b"").decode()
    assert "storage.path_unlink(a, missing_ok=True)" in new
    assert "storage.path(b).unlink(missing_ok=pick())" in new


@pytest.mark.parametrize(
    "code",
    [
        "from pathlib import Path\nname = 'a-b'.replace('-', '_')\n",
        "from pathlib import Path\ndef f(df):\n    return df.rename(columns={})\n",
        "import dataclasses\ndataclasses.replace(obj, x=1)\n",
        "from os import *\nreplace(a, b)\n",
        "import os\ndef replace(a, b):\n    pass\nreplace(a, b)\n",
        "import os\nos.path.join(a, b).replace('/', '_')\n",
    ],
)
def test_look_alikes_are_not_sites(code: str) -> None:
    assert sites(code) == []
    assert run_code(code, PIN).status is FileStatus.UNCHANGED


def test_str_replace_in_a_module_without_pathlib_is_no_candidate() -> None:
    """The prefilter keeps `.replace(...)`/`.rename(...)` out unless pathlib is imported
    (a module full of `str.replace` must not be parsed by LibCST for them)."""
    code = "import os\n\ndef f(s):\n    return s.replace('a', 'b').rename()\n"
    assert prefilter.scan(code.encode(), code, "storage_runtime").candidates == ()
    code = "import os\nimport pathlib\n\ndef f(s):\n    return s.replace('a', 'b')\n"
    assert len(prefilter.scan(code.encode(), code, "storage_runtime").candidates) == 1
    assert prefilter.may_contain_target(b"import os\nos.remove(p)\n", "storage_runtime")
    assert prefilter.may_contain_target(b"import os as o\no.unlink(p)\n", "storage_runtime")
    assert not prefilter.may_contain_target(b"x = s.replace('a', 'b')\n", "storage_runtime")


# -- rewriting -----------------------------------------------------------------------------


def test_a_star_imported_module_uses_the_private_alias() -> None:
    new = rewritten("from shutil import *\nimport os\n\nos.replace(a, b)\n")
    assert "from storage_runtime import storage as _storage\n" in new
    assert "_storage.replace(a, b, pin=True, call=os.replace)" in new


def test_a_module_with_its_own_storage_gets_an_alias() -> None:
    new = rewritten("import os\nstorage = {}\n\nos.remove(p)\n")
    assert "storage_runtime_storage.remove(p, call=os.remove)" in new


def test_the_rule_decides_the_pin_and_local_keeps_the_calls() -> None:
    code = "import os, shutil\nos.replace(a, b)\nshutil.copy(a, b)\nos.remove(a)\n"
    cache = rewritten(code, FilePolicy(strategy=Strategy.CACHE))
    assert "pin=False, call=os.replace" in cache and "pin=False, call=shutil.copy" in cache
    assert "storage.remove(a, call=os.remove)" in cache
    local = FilePolicy(strategy=Strategy.PIN, by_family=((Family.LIFECYCLE, Strategy.LOCAL),))
    assert run_code(code, local).status is FileStatus.UNCHANGED
    assert {s for _, s, _ in sites(code, local)} == {Status.LOCAL}


def test_the_family_command_rewrites_its_family_only() -> None:
    code = "import os\n\nwith open(p, 'w') as f:\n    f.write('x')\nos.replace(p, q)\n"
    context = CodemodContext(filename="mod.py")
    new = LifecycleCodemod(context, strategy="pin").transform_module(cst.parse_module(code)).code
    assert "with open(p, 'w') as f:" in new  # the open family is not this command's
    assert "storage.replace(p, q, pin=True, call=os.replace)" in new
    from migrate_storage.codemods.families import lifecycle

    assert lifecycle.LifecycleCodemod is LifecycleCodemod  # as .libcst.codemod.yaml finds it


# -- coverage and apply agree --------------------------------------------------------------

_TREE = {
    "pkg/__init__.py": "",
    "pkg/atomic.py": """\
        import json
        import os
        import tempfile
        from pathlib import Path


        def save(obj, path: Path) -> None:
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            try:
                with os.fdopen(fd, "w") as f:
                    json.dump(obj, f)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise


        def rotate(path: Path) -> None:
            old = path.with_suffix(".old")
            old.unlink(missing_ok=True)
            path.rename(old)
        """,
    "pkg/tree.py": """\
        import shutil as sh
        from shutil import rmtree


        def snapshot(src, dst):
            rmtree(dst, ignore_errors=True)
            return sh.copytree(src, dst)


        def archive(path, folder, *extra):
            sh.copy2(path, folder, *extra)
            return sh.move(path, folder)
        """,
}


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, ["--jobs", "1", *args], catch_exceptions=False)


def _statuses(root: Path, lifecycle: bool = True) -> dict[tuple[str, str], int]:
    """{(family, status): sites} of the lifecycle family (or of every other one)."""
    result = _cli("coverage", "pkg", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    counts: dict[tuple[str, str], int] = {}
    for entry in report["files"].values():
        for site in entry["sites"]:
            if (site["family"] == "lifecycle") == lifecycle:
                key = (site["family"], site["status"])
                counts[key] = counts.get(key, 0) + 1
    return counts


def _lifecycle_statuses(root: Path) -> dict[str, int]:
    return {status: n for (_, status), n in _statuses(root).items()}


def test_coverage_and_apply_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "proj"
    for rel, text in _TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    monkeypatch.chdir(root)
    before = _lifecycle_statuses(root)
    others = _statuses(root, lifecycle=False)
    # mkstemp, its fdopen and the temp file's removal on failure (os.unlink(tmp)): scratch
    assert others[("scratch", "local")] == 3
    # os.replace, unlink, rename, rmtree, copytree, move; copy2(*extra) stays.
    assert before == {"pending": 6, "unmigrated": 1}, before
    first = _cli("apply", "pkg")
    assert first.exit_code == 0, first.stderr
    assert "lifecycle/cache 6" in first.stderr, first.stderr
    assert _cli("apply", "pkg").stderr.count("rewrote") == 0
    assert _cli("check", "pkg").exit_code == 0
    assert _lifecycle_statuses(root) == {"migrated": 6, "unmigrated": 1}
    assert _statuses(root, lifecycle=False) == others  # the temp file is still scratch
    assert "storage.path_rename(path, old, pin=False)" in (root / "pkg/atomic.py").read_text()


# -- behaviour under patches ---------------------------------------------------------------

_PROGRAM = """\
    import os
    import shutil
    from shutil import move


    def commit(tmp, path):
        os.replace(tmp, path)
        return move(path, path + ".moved")


    def drop(path):
        os.remove(path)
        shutil.rmtree(path + ".d", ignore_errors=True)
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
    assert "storage.replace(tmp, path, pin=True, call=os.replace)" in new
    assert "storage.move(path, path + \".moved\", pin=True, call=move)" in new
    return _module(source, "original"), _module(new, "migrated")


def test_the_migrated_module_does_what_the_original_did(
    both: tuple[types.ModuleType, types.ModuleType], tmp_path: Path
) -> None:
    outcomes = []
    for module in both:
        folder = tmp_path / module.__name__
        folder.mkdir()
        (folder / "t").write_text("T")
        result = module.commit(str(folder / "t"), str(folder / "p"))
        missing = None
        try:
            module.commit(str(folder / "t"), str(folder / "p"))
        except FileNotFoundError as exc:
            missing = (exc.errno, exc.strerror, os.path.basename(exc.filename))
        module.drop(str(folder / "p.moved"))
        outcomes.append((os.path.relpath(result, folder), missing, sorted(os.listdir(folder))))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] is not None


@pytest.mark.parametrize(
    "patch",
    [
        lambda m: mock.patch("os.replace", return_value=None),
        lambda m: mock.patch.object(m, "os"),
        lambda m: mock.patch.object(m, "move", return_value="moved"),
        lambda m: mock.patch("shutil.move", return_value="global"),
        lambda m: mock.patch.object(m, "shutil"),
        lambda m: mock.patch("shutil.rmtree", side_effect=OSError(5, "patched")),
    ],
    ids=["os.replace", "module os", "from-imported move", "shutil.move", "module shutil",
         "shutil.rmtree"],
)
def test_a_patch_reaches_the_same_calls(
    both: tuple[types.ModuleType, types.ModuleType], tmp_path: Path, patch: Any
) -> None:
    """Whatever the test patches (the function, the module the source named, a name it
    imported), the migrated module's calls reach the patch exactly when the original's did,
    with the same arguments, and the same files are left."""
    outcomes = []
    for module in both:
        folder = tmp_path / module.__name__
        folder.mkdir()
        (folder / "t").write_text("T")
        (folder / "p.d").mkdir()
        with patch(module) as patched:
            outcome: list[Any] = []
            for fn, args in ((module.commit, (str(folder / "t"), str(folder / "p"))),
                             (module.drop, (str(folder / "p"),))):
                try:
                    value = fn(*args)
                    outcome.append(("ok", value if not isinstance(value, str)
                                    else value.replace(str(folder), "<F>")))
                except OSError as exc:
                    outcome.append(("raised", type(exc).__name__, exc.errno))
            recorded = [str(c).replace(str(folder), "<F>") for c in patched.mock_calls]
        outcomes.append((outcome, recorded, sorted(os.listdir(folder))))
    assert outcomes[0] == outcomes[1]


def test_shutil_in_the_test_namespace_is_untouched() -> None:
    assert shutil.move.__module__ == "shutil"  # no patch leaks out of the cases above


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (
            (
                "try:\n    import shutil\nexcept ImportError:\n    shutil = None\n"
                "shutil.copy(src(), dst)\n"
            ),
            "shutil.copy",
        ),
        (
            "import os\ndef f():\n    os.replace(a, target())\nos = None\n",
            "os.replace",
        ),
        (
            (
                "try:\n    import codecs\nexcept ImportError:\n    codecs = None\n"
                "codecs.open(name(), 'w')\n"
            ),
            "codecs.open",
        ),
    ],
)
def test_a_callee_that_may_fail_before_the_arguments_keeps_the_call(
    code: str, name: str
) -> None:
    """`shutil.copy(src(), dst)` with `shutil` None raised AttributeError before `src()`
    ran; `storage.copy(src(), dst, call=shutil.copy)` would run it first."""
    found = run_code(textwrap.dedent(code), PIN).sites
    assert [(s.name, s.status, s.reason) for s in found] == [
        (name, Status.UNMIGRATED, Reason.DYNAMIC_CALL)
    ]


@pytest.mark.parametrize(
    "code",
    [
        # literal and name arguments: the order cannot be seen
        "try:\n    import shutil\nexcept ImportError:\n    shutil = None\nshutil.copy('a', b)\n",
        # a module bound only by imports, at any depth
        "import os\nimport os.path\ndef f():\n    os.replace(a(), b())\n",
        "from shutil import move\nmove(src(), dst())\n",
        "import codecs as c\nc.open(name(), 'w')\n",
    ],
)
def test_callees_that_cannot_fail_are_rewritten(code: str) -> None:
    assert [s.status for s in run_code(textwrap.dedent(code), PIN).sites] == [
        Status.PENDING
    ]


def test_a_hard_link_made_into_place_publishes_its_destination() -> None:
    """atomicwrites/safer's no-overwrite write: `os.link(tmp, path)` gets the rule's pin and
    the callee as spelled; the temporary it links is no scratch (its content lives on)."""
    code = (
        "import os, tempfile\n"
        "def write_new(path, data):\n"
        "    fd, tmp = tempfile.mkstemp()\n"
        "    with os.fdopen(fd, 'w') as f:\n"
        "        f.write(data)\n"
        "    os.link(tmp, path)\n"
        "    os.unlink(tmp)\n"
    )
    new = rewritten(code)
    assert "storage.link(tmp, path, pin=True, call=os.link)" in new
    statuses = {s.name: s.status for s in run_code(code, PIN).sites}
    assert statuses["tempfile.mkstemp"] is Status.UNMIGRATED
    assert statuses["os.unlink"] is Status.PENDING
