"""Every call shape the codemods emit is one its runtime target accepts exactly when the
original call was accepted by its own target (issue 13 item 3), on the running Python.

The shapes come from every family's EXAMPLES, every fixture under fixtures/cases and
fixtures/fidelity, and generated argument combinations (open/io.open/builtins.open,
the pathlib methods, json/pickle collapses: modes, text keywords, wrong keywords, too
many positionals; every one-shot third-party writer of the table, whose path is
published after it). Each emitted runtime call (`open`, `storage.open(..., call=io.open)`,
`storage.<helper>`, under whatever name the rewrite imported it) is bound with `inspect.signature` of the runtime
object; the original call with the same arguments is bound against builtin open's or
pathlib's signature. `Path(x).read_text(newline="")` on 3.11 must stay a TypeError after
the rewrite, and a valid call must stay valid. A collapse has no one original call: its
emitted shape must bind.

A second, differential test runs original and migrated collapses and renamed opens under
a patched `builtins.open` / `io.open` and compares what the patch recorded.
"""

from __future__ import annotations

import ast
import copy
import inspect
import io
import itertools
import json
import os
import pathlib
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
import storage_runtime
from codemod_cases import run_code
from migrate_storage.codemods.families import (
    existence,
    json_pickle,
    lifecycle,
    open_calls,
    pathlib_io,
    publish_after,
    third_party,
)
from migrate_storage.codemods.families.examples import Rewritten, Unchanged
from migrate_storage.codemods.model import FileStatus
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy
from storage_runtime import Storage

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = "storage_runtime"

# -- the targets -------------------------------------------------------------------------

_OPEN = inspect.signature(io.open)
_PATHLIB = {
    name: inspect.signature(getattr(pathlib.Path, name))
    for name in ("read_text", "read_bytes", "write_text", "write_bytes", "open")
}
_RUNTIME_FUNCTIONS = {
    "open": inspect.signature(storage_runtime.open),
    "io_open": inspect.signature(storage_runtime.io_open),
}
_STORAGE_METHODS = (
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "path_open",
    "open",
    "dump_json",
    "load_json",
    "dump_pickle",
    "load_pickle",
    "publish",
)
_HELPER_OF = {"path_open": "open"}  # storage helper -> the pathlib method it stands for
# The lifecycle and existence stand-ins -> what they stand for ("os.replace",
# "pathlib.Path.unlink", "os.path.exists").
_LIFECYCLE = {
    **{stand_in: name for name, stand_in in lifecycle.FUNCTIONS.items()},
    **{stand_in: f"pathlib.Path.{m}" for m, stand_in in lifecycle.PATH_METHODS.items()},
    **{stand_in: name for name, stand_in in existence.FUNCTIONS.items()},
    **{stand_in: f"pathlib.Path.{m}" for m, stand_in in existence.PATH_METHODS.items()},
}
_EXISTENCE_SIGNATURES = {
    **{name: inspect.signature(getattr(os.path, name.rpartition(".")[2]))
       for name in existence.FUNCTIONS},
    **{f"pathlib.Path.{m}": inspect.signature(getattr(pathlib.Path, m))
       for m in existence.PATH_METHODS},
}


class _ChecksUndone(ast.NodeTransformer):
    """An existence stand-in nested in an argument, back in the original's spelling
    (`storage.exists(p, call=os.path.exists)` -> `os.path.exists(p)`, `storage.path_exists(
    p)` -> `p.exists()`), so an emitted call's arguments read as the original's did."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return node
        if func.attr in existence.FUNCTIONS.values():
            call = [k.value for k in node.keywords if k.arg == "call"]
            rest = [k for k in node.keywords if k.arg != "call"]
            if call:
                return ast.Call(call[0], node.args, rest)
        path_methods = {v: k for k, v in existence.PATH_METHODS.items()}
        if func.attr in path_methods and node.args:
            return ast.Call(ast.Attribute(node.args[0], path_methods[func.attr]),
                            node.args[1:], node.keywords)
        return node


def _checks_undone(call: ast.Call) -> ast.Call:
    """`call` with the existence stand-ins in its arguments undone (`_ChecksUndone`)."""
    undo = _ChecksUndone()
    return ast.Call(
        call.func,
        [undo.visit(copy.deepcopy(a)) for a in call.args],
        [undo.visit(copy.deepcopy(k)) for k in call.keywords],
    )


def _binds(
    signature: inspect.Signature, args: list[object], kwargs: dict[str, object]
) -> bool:
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _shape(call: ast.Call) -> tuple[list[str], dict[str, str]] | None:
    """Positional and keyword argument texts, None when a `*`/`**` makes it dynamic (the
    runtime passes those through unchanged, so the target raises its own TypeError)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return None
    return [ast.unparse(a) for a in call.args], {
        k.arg: ast.unparse(k.value) for k in call.keywords
    }  # type: ignore[misc]


def _runtime_names(tree: ast.Module) -> dict[str, str]:
    """{bound name: runtime object} for the runtime imports the rewrite added."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == RUNTIME:
            for alias in node.names:
                found[alias.asname or alias.name] = alias.name
    return found


def _original_key(
    kind: str, positional: list[str], keywords: dict[str, str]
) -> tuple[object, ...]:
    return (kind, tuple(positional), tuple(sorted(keywords.items())))


def _originals(source: str) -> dict[tuple[object, ...], bool]:
    """Every open-like and pathlib-method call of the original, keyed by its arguments,
    with whether its own target accepts them."""
    found: dict[tuple[object, ...], bool] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        shape = _shape(node)
        if shape is None:
            continue
        positional, keywords = shape
        func = node.func
        name = (
            func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        )
        placeholders = [object()] * len(positional), dict.fromkeys(keywords, object())
        # Any call, by its callee's text: the lifecycle stand-ins name theirs (`call=`).
        found[("call", ast.unparse(func), *_original_key("", positional, keywords)[1:])] = True
        if name in ("open", "o", "io_open"):
            found[_original_key("open", positional, keywords)] = _binds(
                _OPEN, *placeholders
            )
        if isinstance(func, ast.Attribute) and name in _PATHLIB:
            found[_original_key(f"path.{name}", positional, keywords)] = _binds(
                _PATHLIB[name], [object(), *placeholders[0]], placeholders[1]
            )
    return found


def _emitted(source: str, new: str) -> Iterator[tuple[str, bool, bool | None]]:
    """(emitted call text, emitted binds, original binds or None when there is no single
    original call: a collapse) for each runtime call the rewrite produced."""
    tree = ast.parse(new)
    names = _runtime_names(tree)
    originals = _originals(source)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        shape = _shape(_checks_undone(node))
        if shape is None:
            continue
        positional, keywords = shape
        placeholders = [object()] * len(positional)
        values = dict.fromkeys(keywords, object())
        if isinstance(func, ast.Name) and names.get(func.id) in _RUNTIME_FUNCTIONS:
            emitted = _binds(_RUNTIME_FUNCTIONS[names[func.id]], placeholders, values)
            rest = {k: v for k, v in keywords.items() if k != "pin"}
            yield (
                ast.unparse(node),
                emitted,
                originals.get(_original_key("open", positional, rest)),
            )
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and names.get(func.value.id) == "storage"
            and func.attr in _STORAGE_METHODS
        ):
            signature = inspect.signature(getattr(Storage, func.attr))
            emitted = _binds(signature, [None, *placeholders], values)
            method = _HELPER_OF.get(func.attr, func.attr)
            original = None
            if func.attr == "open":  # `io.open(...)` -> `storage.open(..., call=io.open)`
                rest = {k: v for k, v in keywords.items() if k not in ("pin", "call")}
                original = originals.get(_original_key("open", positional, rest))
                spelled = ("call", keywords.get("call"), *_original_key("", positional, rest)[1:])
                if "call" in keywords and spelled not in originals:  # the original's callee
                    yield ast.unparse(node) + " (no such original call)", emitted, not emitted
                    continue
            elif method in _PATHLIB and positional:
                rest = {k: v for k, v in keywords.items() if k != "pin"}
                original = originals.get(
                    _original_key(f"path.{method}", positional[1:], rest)
                )
            yield ast.unparse(node), emitted, original
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and names.get(func.value.id) == "storage"
            and func.attr in _LIFECYCLE
        ):
            yield _lifecycle_emitted(node, func.attr, positional, keywords, originals)


def _lifecycle_emitted(
    node: ast.Call,
    stand_in: str,
    positional: list[str],
    keywords: dict[str, str],
    originals: dict[tuple[object, ...], bool],
) -> tuple[str, bool, bool | None]:
    """A lifecycle stand-in binds exactly when what it stands for binds the original's
    arguments; those must be an original call's, spelled as the source did (`call=` is
    the callee, a Path method's receiver is the first argument)."""
    signature = inspect.signature(getattr(Storage, stand_in))
    emitted = _binds(
        signature, [None, *[object()] * len(positional)], dict.fromkeys(keywords, object())
    )
    rest = {k: v for k, v in keywords.items() if k not in ("pin", "call")}
    original_name = _LIFECYCLE[stand_in]
    from storage_runtime import lifecycle as runtime_lifecycle

    lifecycle_signature = _EXISTENCE_SIGNATURES.get(original_name) or (
        runtime_lifecycle.signature_of(original_name)
    )
    if original_name.startswith("pathlib."):
        if not positional:
            return ast.unparse(node), emitted, False
        receiver = ast.parse(positional[0], mode="eval").body
        callee = ast.unparse(ast.Attribute(receiver, original_name.rpartition(".")[2]))
        args = [object(), *[object()] * (len(positional) - 1)]
        target = ("call", callee, tuple(positional[1:]), tuple(sorted(rest.items())))
    else:
        callee = keywords.get("call", "")
        args = [object()] * len(positional)
        target = ("call", callee, tuple(positional), tuple(sorted(rest.items())))
    if target not in originals:  # not the original's arguments: must not bind
        return ast.unparse(node) + " (no such original call)", emitted, not emitted
    return ast.unparse(node), emitted, _binds(
        lifecycle_signature, args, dict.fromkeys(rest, object())
    )


# -- the shapes --------------------------------------------------------------------------


def _examples() -> Iterator[str]:
    for module in (open_calls, pathlib_io, json_pickle, publish_after, lifecycle, existence):
        for example in module.EXAMPLES:
            assert isinstance(example, (Rewritten, Unchanged))
            yield example.before if isinstance(example, Rewritten) else example.code


def _fixture_files() -> Iterator[Path]:
    yield from sorted((ROOT / "fixtures" / "cases").rglob("*.py"))
    yield from sorted((ROOT / "fixtures" / "fidelity").rglob("*.py"))


_OPEN_EXTRAS = (
    "buffering=1",
    "encoding='utf-8'",
    "errors='strict'",
    "newline=''",
    "closefd=True",
    "opener=None",
    "bogus=1",
    "mode='w'",
    "file='x'",
)
_PATH_EXTRAS = (
    "encoding='utf-8'",
    "errors='strict'",
    "newline=''",
    "bogus=1",
    "mode='r'",
    "buffering=-1",
)


def _generated_opens() -> str:
    lines = ["import builtins", "import io", "", "def f(p, m):"]
    for callee in ("open", "io.open", "builtins.open"):
        for positional in (
            ["p"],
            ["p", "'w'"],
            ["p", "m"],
            ["p", "'rb'", "-1"],
            ["p", "'r'", "-1", "None", "None", "None", "True", "None"],
            ["p", "'r'", "-1", "None", "None", "None", "True", "None", "9"],
            [],
        ):
            for count in range(3):
                for extras in itertools.combinations(_OPEN_EXTRAS, count):
                    lines.append(f"    {callee}({', '.join([*positional, *extras])})")
    return "\n".join(lines) + "\n"


def _generated_paths() -> str:
    lines = ["from pathlib import Path", "", "def f(p: Path):"]
    heads = {
        "read_text": [
            [],
            ["'utf-8'"],
            ["'utf-8'", "'strict'"],
            ["'utf-8'", "'strict'", "''"],
        ],
        "read_bytes": [[], ["1"]],
        "write_text": [
            ["'d'"],
            ["'d'", "'utf-8'"],
            ["'d'", "'utf-8'", "'strict'", "''"],
            ["'d'", "'utf-8'", "'strict'", "''", "1"],
            [],
        ],
        "write_bytes": [["b'd'"], ["b'd'", "1"], []],
        "open": [
            [],
            ["'w'"],
            ["'rb'", "-1"],
            ["'r'", "-1", "None", "None", "None", "1"],
        ],
    }
    for method, positionals in heads.items():
        for positional in positionals:
            for count in range(3):
                for extras in itertools.combinations(_PATH_EXTRAS, count):
                    lines.append(f"    p.{method}({', '.join([*positional, *extras])})")
    return "\n".join(lines) + "\n"


_OPEN_TEXT = (
    "encoding='utf-8'",
    "errors='replace'",
    "newline=''",
    "encoding=None",
    "buffering=1",
)
_JSON_KEYWORDS = (
    "indent=2",
    "default=str",
    "sort_keys=True",
    "cls=None",
    "encoding='x'",
    "mode='w'",
)


def _generated_collapses() -> str:
    # Every statement has its own names (`f3`, `x3`): the safety net's line diff then
    # aligns the rewritten lines one way only.
    n = itertools.count()
    lines = ["import json", "import pickle", "", "def f(p, obj):"]

    def add(template: str) -> None:
        i = next(n)
        lines.append(template.format(f=f"f{i}", x=f"x{i}"))

    for mode in ("", "'w'", "'a'", "'x'", "'w+'", "'r'", "'rb'", "'wb'"):
        bare = ", ".join(["p", *([mode] if mode else [])])
        for text in itertools.chain(
            [()],
            itertools.combinations(_OPEN_TEXT, 1),
            [("encoding='utf-8'", "newline=''")],
        ):
            for keywords in itertools.chain(
                [()], itertools.combinations(_JSON_KEYWORDS, 1)
            ):
                opener = ", ".join(["p", *([mode] if mode else []), *text])
                kw = "".join(f", {k}" for k in keywords)
                add(
                    f"    with open({opener}) as {{f}}:\n        json.dump(obj, {{f}}{kw})"
                )
                add(
                    f"    with open({opener}) as {{f}}:\n        {{x}} = json.load({{f}}{kw})"
                )
                add(f"    {{x}} = json.dump(obj, open({opener}){kw})")
                add(f"    {{x}} = json.load(open({opener}){kw})")
        for protocol in (
            "",
            ", 4",
            ", protocol=4",
            ", fix_imports=False",
            ", 4, fix_imports=False",
        ):
            add(
                f"    with open({bare}) as {{f}}:\n        pickle.dump(obj, {{f}}{protocol})"
            )
            add(f"    {{x}} = pickle.dump(obj, open({bare}){protocol})")
        add(f"    with open({bare}) as {{f}}:\n        {{x}} = pickle.load({{f}})")
        add(f"    {{x}} = pickle.load(open({bare}), encoding='bytes')")
    return "\n".join(lines) + "\n"


def _generated_publishes() -> str:
    """Every one-shot writer of the table, its path positional and by keyword, a name and
    a literal (with an extension: savefig needs one)."""
    writers = {n: e for n, e in third_party.FUNCTIONS.items() if e.closes}
    methods = {n: e for n, e in third_party.METHODS.items() if e.closes}
    modules = sorted({n.rpartition(".")[0] for n in writers})
    lines = [f"import {m}" for m in modules] + ["", "def f(p, x, df):"]
    calls = [*writers.items(), *((f"df.{m}", e) for m, e in methods.items())]
    for callee, entry in calls:
        index, keywords = entry.path
        for path in ("p", "'out.bin'"):
            if index is not None:
                before = ["x"] * index
                lines.append(f"    {callee}({', '.join([*before, path, 'x'])})")
            for keyword in keywords:
                lines.append(f"    {callee}({keyword}={path})")
    return "\n".join(lines) + "\n"


_LIFECYCLE_EXTRAS = (
    "src_dir_fd=3",
    "dst_dir_fd=3",
    "dir_fd=3",
    "follow_symlinks=False",
    "copy_function=c",
    "ignore_errors=True",
    "onerror=c",
    "onexc=c",
    "dirs_exist_ok=True",
    "symlinks=True",
    "ignore=c",
    "ignore_dangling_symlinks=True",
    "missing_ok=True",
    "target='t'",
    "bogus=1",
)


def _generated_lifecycle() -> str:
    lines = [
        "import os",
        "import shutil as sh",
        "from os import unlink as ul",
        "from pathlib import Path",
        "",
        "def f(a, b, c, p: Path):",
    ]
    callees = ["os.replace", "os.rename", "os.remove", "ul", "sh.move", "sh.rmtree",
               "sh.copy", "sh.copy2", "sh.copyfile", "sh.copytree",
               "p.replace", "p.rename", "p.unlink"]
    for callee in callees:
        for positional in ([], ["a"], ["a", "b"], ["a", "b", "c"], ["a", "b", "c", "c", "c", "c"]):
            for count in range(2):
                for extras in itertools.combinations(_LIFECYCLE_EXTRAS, count):
                    lines.append(f"    {callee}({', '.join([*positional, *extras])})")
    return "\n".join(lines) + "\n"


def _sources() -> Iterator[tuple[str, str]]:
    for index, source in enumerate(_examples()):
        yield f"example-{index}", source
    for path in _fixture_files():
        try:  # fixtures in other encodings, or that do not parse on purpose, hold no shape
            source = path.read_text(encoding="utf-8")
            ast.parse(source)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue
        yield str(path.relative_to(ROOT)), source
    yield "generated-opens", _generated_opens()
    yield "generated-paths", _generated_paths()
    yield "generated-collapses", _generated_collapses()
    yield "generated-publishes", _generated_publishes()
    yield "generated-lifecycle", _generated_lifecycle()


SOURCES = list(_sources())


@pytest.mark.parametrize("star_imported", [False, True], ids=["public", "private"])
@pytest.mark.parametrize(("name", "source"), SOURCES, ids=[n for n, _ in SOURCES])
def test_every_emitted_call_binds_when_the_original_did(
    name: str, source: str, star_imported: bool
) -> None:
    result = run_code(source, FilePolicy(star_imported=star_imported))
    if result.status is not FileStatus.CHANGED:
        return
    assert result.new_source is not None
    wrong = []
    for text, emitted, original in _emitted(source, result.new_source.decode()):
        expected = True if original is None else original
        if emitted != expected:
            wrong.append(
                f"{text}: binds {emitted}, the original {'did' if expected else 'did not'}"
            )
    assert wrong == []


def test_the_generated_shapes_are_rewritten() -> None:
    """The generated programs exercise the emitters, not the refusals only."""
    counts = {}
    for name, source in SOURCES:
        if not name.startswith("generated-"):
            continue
        result = run_code(source)
        assert result.status is FileStatus.CHANGED, result.message
        counts[name] = sum(1 for _ in _emitted(source, result.new_source.decode()))  # type: ignore[union-attr]
    assert counts["generated-opens"] > 300
    assert counts["generated-paths"] > 100
    assert counts["generated-collapses"] > 100
    assert counts["generated-publishes"] > 40
    assert counts["generated-lifecycle"] > 150


# -- what a patched open records ---------------------------------------------------------


def _collapse_programs() -> Iterator[str]:
    for mode in ("", "'w'", "'a'", "'r'", "'wt'"):
        for text in ((), ("encoding='utf-8'",), ("errors='replace'", "newline=''"),
                     ("encoding=None",)):
            opener = ", ".join(["p", *([mode] if mode else []), *text])
            yield f"with open({opener}) as f:\n    json.dump(obj, f, indent=1)\n"
            yield f"with open({opener}) as f:\n    out = json.load(f)\n"
            yield f"json.dump(obj, open({opener}), sort_keys=True)\n"
            yield f"out = json.load(open({opener}))\n"
    yield "with open(p, 'w', encoding=enc) as f:\n    json.dump(obj, f)\n"  # enc is None
    for mode in ("'wb'", "'rb'"):
        yield f"with open(p, {mode}) as f:\n    pickle.dump(obj, f, 2)\n"
        yield f"with open(p, {mode}) as f:\n    pickle.dump(obj, f, protocol=3)\n"
    for callee in ("io.open", "builtins.open", "open"):
        yield f"{callee}(p, 'w', encoding='utf-8').close()\n"
        yield f"{callee}(p, mode='a', newline='').close()\n"
        yield f"{callee}(file=p).close()\n"


COLLAPSES = list(_collapse_programs())


@pytest.mark.parametrize("body", COLLAPSES)
def test_a_patched_open_records_the_same_calls(
    body: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(
        tmp_path
    )  # a call the other patch does not see writes a real file
    source = "import builtins\nimport io\nimport json\nimport pickle\n\n" + body
    result = transform_source(source.encode(), "mod.py", FilePolicy())
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    records = []
    for code in (source, result.new_source.decode()):
        recorded = []
        for target in ("builtins.open", "io.open"):
            handle = mock.mock_open(read_data='{"a": 1}')
            with mock.patch(target, handle):
                try:
                    namespace = {"p": "never-written.json", "obj": {"a": 1}, "enc": None}
                    exec(compile(code, "mod.py", "exec"), namespace)  # noqa: S102
                except Exception as exc:  # noqa: BLE001 - compared, not expected
                    recorded.append(type(exc).__name__)
            recorded.append((target, handle.call_args_list))
        records.append(recorded)
    assert records[0] == records[1], result.new_source.decode()
    assert json.dumps(str(records[0]))  # something was recorded
    assert any(calls for _, calls in (r for r in records[0] if isinstance(r, tuple)))
