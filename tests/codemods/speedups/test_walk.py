"""codemods/walk.py walks a read-only visitor over the same nodes, with the same hooks in
the same order, as LibCST's own `visit` does, without rebuilding the tree; transformers
keep LibCST's path."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import libcst as cst
import pytest
from layout_helpers import only_layout_under
from migrate_storage.codemods.speedups import walk

STDLIB = Path(sys.modules["os"].__file__).parent  # type: ignore[arg-type]

# Node kinds with unusual visiting: conditional fields (`names` of ImportFrom, an
# f-string's `format_spec`), sentinels (semicolons, commas), optional parts, match.
SHAPES = '''\
from os import *
from . import (a, b as c,)
import json as j; x = 1;
@decorator(arg)
async def f(p, /, q: int = 2, *r, s, **t) -> "T":
    global g
    async with open(p) as h, other():
        await h.read()
    async for i in aiter():
        yield i
    return [k async for k in gen() if k]
class C(Base, metaclass=M):
    v: int = 3
    def m(self): return lambda y=1, *z: (y, z)
s = f"{x!r:>{width}} {x=} {y:{z}.{w}}" "plain"; bb = rb"bytes" b"more"
t = x if y else z
u = {**d, 'k': v, **e}
w = [*a, *b]
del t[0], u.k
try:
    pass
except* (OSError, ValueError) as e:
    raise RuntimeError from e
else:
    pass
finally:
    pass
match command.split():
    case [action, *rest] if rest:
        pass
    case {"k": v, **kw}:
        pass
    case Point(x=0, y=yy) | None:
        pass
while (n := next(it)) is not None: break
else: pass
print(*args, sep="", **kw)
assert x, "message"
x[1:2, ::3] += 1
'''


class _Recorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[object, ...]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("visit", id(node), type(node).__name__))
        return not isinstance(node, cst.Lambda)  # a pruned subtree, as visitors do

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.events.append(("visit_attribute", id(node), attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.events.append(("leave_attribute", id(original_node), attribute))


class _HookRecorder(_Recorder):
    """Keeps CSTVisitor's attribute dispatch (the walk's cached path): named hooks only."""

    on_visit_attribute = cst.CSTVisitor.on_visit_attribute  # type: ignore[assignment]
    on_leave_attribute = cst.CSTVisitor.on_leave_attribute  # type: ignore[assignment]


# Named attribute hooks, as a visitor class would define them: hook name -> event.
_HOOKS = {
    "visit_With_body": "with body",
    "leave_With_body": "left with body",
    "visit_ClassDef_bases": "bases",
    "visit_FormattedStringExpression_format_spec": "format spec",
    "leave_ImportFrom_names": "import names",
    "visit_Param_default": "default",
}
for _name, _event in _HOOKS.items():
    setattr(
        _HookRecorder,
        _name,
        lambda self, node, _event=_event: self.events.append((_event, id(node))),
    )


def _events(
    module: cst.CSTNode, *, fast: bool, recorder: type[_Recorder] = _Recorder
) -> list[tuple[object, ...]]:
    installed = "visit" in walk._ORIGINAL
    walk.install() if fast else walk.uninstall()
    try:
        visitor = recorder()
        module.visit(visitor)
        return visitor.events
    finally:
        walk.install() if installed else walk.uninstall()


def _modules() -> Iterator[tuple[str, cst.Module]]:
    yield "shapes", cst.parse_module(SHAPES)
    for name in ("tarfile.py", "argparse.py", "typing.py", "dataclasses.py", "pathlib.py"):
        path = STDLIB / name
        if path.exists():
            yield name, cst.parse_module(path.read_bytes())


@pytest.mark.parametrize("name, module", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_hooks_are_libcsts_own(name: str, module: cst.Module) -> None:
    fast = _events(module, fast=True)
    assert fast == _events(module, fast=False)
    assert len(fast) > 100


@pytest.mark.parametrize("name, module", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_named_attribute_hooks_are_called_as_libcst_calls_them(name: str, module: cst.Module) -> None:
    fast = _events(module, fast=True, recorder=_HookRecorder)
    assert fast == _events(module, fast=False, recorder=_HookRecorder)
    if name == "shapes":
        assert set(_HOOKS.values()) <= {event[0] for event in fast}


class _CodeRecorder(_HookRecorder):
    SKIPS_WHITESPACE = True


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.by_id: dict[int, cst.CSTNode] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.by_id[id(node)] = node
        return True


@pytest.mark.parametrize("name, module", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_visitor_that_skips_whitespace_sees_every_other_node_as_libcst_shows_it(
    name: str, module: cst.Module
) -> None:
    """LibCST's own hooks, in its order, minus those of nodes that hold nothing but layout
    (whitespace, newlines, comments; tokens such as `Comma`, `Dot`, parentheses and
    operators); every other node is visited, with its named attribute hooks."""
    libcst_events = _events(module, fast=False, recorder=_HookRecorder)
    fast = _events(module, fast=True, recorder=_CodeRecorder)
    kept = {e[1] for e in fast if e[0] == "visit"}
    nodes = _Nodes()
    walk.uninstall()
    try:
        module.visit(nodes)
    finally:
        walk.install()
    skipped = [nodes.by_id[e[1]] for e in libcst_events if e[0] == "visit" and e[1] not in kept]
    assert fast == [e for e in libcst_events if e[1] in kept or e[0] not in ("visit", "leave")]
    assert all(only_layout_under(node) for node in skipped)
    assert len(skipped) > len(kept) / 2  # there was something to skip
    assert any(isinstance(n, cst.Comma) for n in skipped)


def test_every_libcst_node_class_takes_the_fast_path() -> None:
    classes = [
        cls
        for cls in vars(cst).values()
        if isinstance(cls, type) and issubclass(cls, cst.CSTNode)
    ]
    assert len(classes) > 150  # every node class LibCST exports
    fallen_back = sorted(cls.__name__ for cls in classes if walk._read_fields(cls) is None)
    assert fallen_back == []


def test_conditional_fields_are_read_from_libcst() -> None:
    fields = dict(walk._read_fields(cst.FormattedStringExpression) or ())
    assert fields["format_spec"] is True  # visited only when set
    assert fields["expression"] is False
    names = [name for name, _ in walk._read_fields(cst.ImportFrom) or ()]
    assert names.count("names") == 1
    assert names.index("module") < names.index("names")
    decorated = [name for name, _ in walk._read_fields(cst.FunctionDef) or ()]
    assert decorated.index("decorators") < decorated.index("name") < decorated.index("body")


class _Direct(cst.Name):
    """A node class that visits a child itself: the fast walk must not guess its order."""

    def _visit_and_replace_children(self, visitor: cst.CSTVisitorT) -> cst.Name:
        for paren in self.lpar:
            paren.visit(visitor)
        return self


def test_a_class_it_cannot_read_keeps_libcsts_path() -> None:
    assert walk._read_fields(_Direct) is None
    node = _Direct("x", lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    with_fast, without = _events(node, fast=True), _events(node, fast=False)
    assert [e[0] for e in with_fast] == [e[0] for e in without]
    visited = [e[2] for e in with_fast if e[0] == "visit"]
    assert visited == ["_Direct", "LeftParen", "SimpleWhitespace"]


class _Traced(cst.Name):
    """A node class with its own `visit`: LibCST calls it for every such child."""

    def visit(self, visitor: cst.CSTVisitorT) -> cst.Name:  # type: ignore[override]
        visitor.events.append(("own visit", id(self)))  # type: ignore[union-attr]
        return super().visit(visitor)  # type: ignore[return-value]


class _Body(Sequence[cst.BaseStatement]):
    """A sequence that is not a tuple or list, as code building a tree may pass."""

    def __init__(self, items: list[cst.BaseStatement]) -> None:
        self._items = items

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)


def test_trees_built_by_code_are_walked_as_libcst_walks_them() -> None:
    call = cst.Call(_Traced("f"), args=[cst.Arg(_Traced("x"))])
    module = cst.Module(body=_Body([cst.SimpleStatementLine([cst.Expr(call)])]))
    fast = _events(module, fast=True)
    assert fast == _events(module, fast=False)
    assert [e[0] for e in fast].count("own visit") == 2
    assert "Call" in {e[2] for e in fast if e[0] == "visit"}


class _SwitchedOff(_Recorder):
    """A hook set to None is no hook, for LibCST's dispatch."""

    on_visit_attribute = cst.CSTVisitor.on_visit_attribute  # type: ignore[assignment]
    on_leave_attribute = cst.CSTVisitor.on_leave_attribute  # type: ignore[assignment]
    visit_Call_args = None
    leave_Call_func = None


def test_a_hook_set_to_none_is_skipped() -> None:
    module = cst.parse_module("f(x)\n")
    assert _events(module, fast=True, recorder=_SwitchedOff) == _events(
        module, fast=False, recorder=_SwitchedOff
    )


def test_transformers_still_rebuild_the_tree() -> None:
    class Rename(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            return updated_node.with_changes(value=updated_node.value.upper())

    walk.install()
    assert cst.parse_module("a = b(c)\n").visit(Rename()).code == "A = B(C)\n"


class _Plain(cst.CSTVisitor):
    """visit_/leave_ hooks, one of them pruning, dispatched by CSTVisitor."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.events.append(("def", id(node)))
        return node.name.value != "m"  # a pruned subtree

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.events.append(("left def", id(original_node)))

    def visit_Name(self, node: cst.Name) -> None:  # returns None: children still visited
        self.events.append(("name", id(node)))


class _Cached(walk.CachedDispatch, _Plain):
    pass


@pytest.mark.parametrize("name, module", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_cached_dispatch_calls_the_hooks_cstvisitor_calls(name: str, module: cst.Module) -> None:
    plain, cached = _Plain(), _Cached()
    module.visit(plain)
    module.visit(cached)
    assert cached.events == plain.events
    assert {"def", "left def", "name"} <= {event for event, _ in plain.events}
