"""A rewritten call reaches what its callee reached, under every patch a test can make
(differential, before and after `apply`).

`io.open(...)`/`builtins.open(...)`/`o(...)` become `storage.open(..., call=<callee>)` and a
collapsed json/pickle block `storage.dump_json(..., call=<callee>)` & co.: the callee as the
source spelled it. Each program below is imported as a real module, unmigrated and
migrated, and run once per patch: of the module's own name for the module or function
(`mock.patch.object(mod, "json")`, an alias, a from-imported name) and of the function
itself (`mock.patch("json.dump")`, `io.open`, `builtins.open`). What the patch recorded,
what the program returned or raised, and the files it left must be the same. A patch of
one spelling must not reach a call of another (`json.dump` does not reach `dump(...)`
after `from json import dump`, before or after).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import itertools
import os
import sys
import textwrap
import types
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from migrate_storage.codemods.model import FileStatus, Reason, Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

#: name -> the source of a module whose `run(p)` opens, dumps and loads through `p`.
PROGRAMS: dict[str, str] = {
    "json_module": """
        import json

        def run(p):
            obj = {"a": 1}
            with open(p, "w") as f:
                json.dump(obj, f, indent=1)
            with open(p) as f:
                first = json.load(f)
            json.dump([2], open(p + "2", "w"))
            return first, json.load(open(p + "2"))
    """,
    "json_alias": """
        import json as j

        def run(p):
            obj = {"a": 1}
            with open(p, "w", encoding="utf-8") as f:
                j.dump(obj, f)
            with open(p, encoding="utf-8") as f:
                return j.load(f)
    """,
    "json_from_import": """
        from json import dump, load as ld

        def run(p):
            obj = {"a": 1}
            with open(p, "w") as f:
                dump(obj, f, sort_keys=True)
            with open(p) as f:
                return ld(f), ld(open(p))
    """,
    "pickle_module": """
        import pickle

        def run(p):
            with open(p, "wb") as f:
                pickle.dump([1], f, 2)
            pickle.dump([2], open(p + "2", "wb"), protocol=3)
            with open(p, "rb") as f:
                return pickle.load(f), pickle.load(open(p + "2", "rb"))
    """,
    "pickle_from_import": """
        from pickle import dump as pd, load

        def run(p):
            with open(p, "wb") as f:
                pd([1], f)
            with open(p, "rb") as f:
                return load(f)
    """,
    "io_alias": """
        import io as iox

        def run(p):
            with iox.open(p, "w", encoding="utf-8") as f:
                f.write("alias")
            with iox.open(p, encoding="utf-8") as f:
                return f.read()
    """,
    "open_from_io": """
        from io import open as o

        def run(p):
            with o(p, "w") as f:
                f.write("o")
            with o(p) as f:
                return f.read()
    """,
}

# `io.open(...)` and `builtins.open(...)`: the same program under either module's name.
for _module in ("io", "builtins"):
    PROGRAMS[f"{_module}_module"] = f"""
        import {_module}

        def run(p):
            with {_module}.open(p, "w") as f:
                f.write("{_module}")
            return {_module}.open(p).read()
    """

#: Every patch each program meets: a module's own name (by attribute of the module under
#: test) or a standard-library attribute (by dotted name).
OWN_NAMES = (
    "json",
    "j",
    "dump",
    "ld",
    "pickle",
    "pd",
    "load",
    "io",
    "iox",
    "builtins",
    "o",
)
STDLIB_TARGETS = (
    "json.dump",
    "json.load",
    "pickle.dump",
    "pickle.load",
    "io.open",
    "builtins.open",
)


def _fake(name: str) -> Any:
    """A patch for `name`: a mock_open for an open, a MagicMock (returning a value that
    shows in the result) otherwise."""
    if name in ("o", "io.open", "builtins.open"):
        return mock.mock_open(read_data="mocked")
    if name in ("io", "iox", "builtins"):
        fake = mock.MagicMock()
        fake.open = mock.mock_open(read_data="mocked")
        return fake
    return mock.MagicMock(return_value="patched")


def _plain(value: Any) -> Any:
    """Recorded values without identities: a file handle by its type and mode, a mock by
    its name, an exception by its type and message."""
    if isinstance(value, io.IOBase):
        return ("handle", type(value).__name__, getattr(value, "mode", None))
    if isinstance(value, mock.NonCallableMock):
        return ("mock", value._extract_mock_name())
    if isinstance(value, BaseException):  # handed to a mocked handle's __exit__
        return ("exception", type(value).__name__, str(value))
    if isinstance(value, types.TracebackType):
        return "traceback"
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):  # a recorded mock.call too
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_counter = itertools.count()


def _import(source: str, folder: Path) -> Any:
    name = f"callee_program_{next(_counter)}"
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _observe(module: Any, target: str, folder: Path) -> dict[str, Any]:
    """Run the program in `folder` (the current directory: recorded paths are the same
    before and after) under one patch, or none: what the patch recorded, what it
    returned or raised, the files it left."""
    folder.mkdir()
    os.chdir(folder)
    fake = _fake(target)
    if target == "none":
        patcher: Any = contextlib.nullcontext()
    elif "." in target:
        patcher = mock.patch(target, fake)
    else:
        patcher = mock.patch.object(module, target, fake)
    with patcher:
        try:
            outcome: Any = ("returned", _plain(module.run("data")))
        except Exception as exc:  # noqa: BLE001 - compared, not expected
            outcome = ("raised", type(exc).__name__)
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    return {"recorded": _plain(fake.mock_calls), "outcome": outcome, "files": files}


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name, source in PROGRAMS.items():
        names = [n for n in OWN_NAMES if _binds(textwrap.dedent(source), n)]
        for target in [*names, *STDLIB_TARGETS, "none"]:
            cases.append((name, target))
    return cases


def _binds(source: str, name: str) -> bool:
    """Whether an import statement of `source` binds `name`."""
    return any(
        (alias.asname or alias.name) == name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    )


def _migrated(source: str) -> str:
    result = transform_source(source.encode(), "mod.py", FilePolicy())
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    return result.new_source.decode()


CASES = _cases()


@pytest.mark.parametrize(
    ("program", "target"), CASES, ids=[f"{p}-{t}" for p, t in CASES]
)
def test_a_patch_reaches_the_migrated_call_as_it_reached_the_original(
    program: str, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = textwrap.dedent(PROGRAMS[program])
    new = _migrated(source)
    assert "call=" in new  # every program has a call that takes its callee
    monkeypatch.chdir(tmp_path)  # restored after the test
    before, after = (
        _observe(_import(code, tmp_path), target, tmp_path / label)
        for label, code in (("before", source), ("after", new))
    )
    assert before == after, new
    if target == "none":  # the real calls: the program's own files were written
        assert before["files"] and before["outcome"][0] == "returned"


# -- where `call=` would move a lookup that can be seen: not rewritten -----------------


@pytest.mark.parametrize(
    "code",
    [
        # `json` may be None: the original truncated the file, then raised.
        (
            "try:\n    import json\nexcept ImportError:\n    json = None\n"
            "with open(p, 'w') as f:\n    json.dump(obj, f)\n"
        ),
        # `io` may be None: the original raised before `target()` ran.
        "try:\n    import io\nexcept ImportError:\n    io = None\nio.open(target(), 'w')\n",
        # the helper would take these as its own
        "import json\nwith open(p, 'w') as f:\n    json.dump(obj, f, call=x)\n",
        "import io\nio.open(p, 'w', call=x)\n",
        "import builtins\nbuiltins.open(p, pin=True)\n",
    ],
)
def test_a_call_whose_callee_cannot_move_is_not_given_call(code: str) -> None:
    result = transform_source(code.encode(), "mod.py", FilePolicy())
    new = (result.new_source or code.encode()).decode()
    assert "call=" not in new.replace("call=x", "")


@pytest.mark.parametrize(
    "code",
    [
        "import json\njson.dump(obj, open(p, 'w'))\n",
        "import json\nx = json.load(open(p))\n",
        "import pickle\npickle.dump(obj, open(p, 'wb'), 4)\n",
    ],
)
def test_a_one_liner_is_migrated_through_its_handle_not_collapsed(code: str) -> None:
    """Collapsed, the helper would close the handle the original leaks (what a patched
    open records, the ResourceWarning): the open is migrated, the call stays."""
    result = transform_source(code.encode(), "mod.py", FilePolicy())
    new = _migrated(code)
    assert "storage." not in new and "from storage_runtime import open" in new
    assert new.splitlines()[-1].split("(")[0] == code.splitlines()[-1].split("(")[0]
    assert {s.status for s in result.sites} == {Status.PENDING}


def test_an_unmovable_io_open_is_counted_with_its_reason() -> None:
    code = "try:\n    import io\nexcept ImportError:\n    io = None\nio.open(target(), 'w')\n"
    result = transform_source(code.encode(), "mod.py", FilePolicy())
    assert [(s.status, s.reason) for s in result.sites] == [
        (Status.UNMIGRATED, Reason.DYNAMIC_CALL)
    ]
