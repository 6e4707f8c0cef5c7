"""codemods/_scopes.ScopeProvider gives the scopes LibCST's ScopeProvider gives: the same
scope for every node, the same assignments and accesses in each, and the same links
between them, on code full of assignment forms and on real standard-library modules; but
for a walrus inside a comprehension, whose target it binds in the enclosing scope (PEP
572), where LibCST binds it in the comprehension's."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest
from layout_helpers import LAYOUT, only_layout_under
from libcst.metadata import MetadataWrapper
from libcst.metadata import ScopeProvider as LibCSTScopeProvider
from migrate_storage.codemods.speedups import scopes as _scopes

STDLIB = Path(sys.modules["os"].__file__).parent  # type: ignore[arg-type]

FORMS = '''\
import os, json as j
from pathlib import Path as P, PurePath
a = b = 1
c, (d, *e) = [f, g] = range(5)
h: int = 2
h += a
obj.attr = obj[i] = (k := 3)
x[y], z.w = 1, 2
del a, obj.attr
for i, (m, n) in pairs:
    pass
else:
    o = i
with open("p") as fh, ctx() as (q, r):
    pass
try:
    pass
except OSError as err:
    s = err
lst = [t for t in ts if t]
st = {v for w in ws for v in w}
dc = {kk: vv for kk, vv in items}
gen = (yy for yy in range(3))
fn = lambda lp, *la, lk=1, **lkw: lp + lk
total = 0


def outer(arg, /, pos, *args, kw=a, **kws) -> P:
    global total
    total += 1
    inner_var = arg

    def inner():
        nonlocal inner_var
        inner_var = 2
        return inner_var

    return inner


class Box(Base, metaclass=Meta):
    field: int
    size = 3
    doubled = [size for _ in range(2)]

    def method(self, other: "Box") -> None:
        self.size = other.size
        for self.cursor in range(3):
            pass


@decorator(a)
def decorated(p: P = P("x")) -> None:
    print(p.read_text())


match command:
    case [first, *rest]:
        pass
    case {"k": value, **others}:
        pass
    case Point(x=px) as point:
        pass
'''


def _scope_key(scope: object) -> tuple[str, int]:
    node = getattr(scope, "node", None)
    return (type(scope).__name__, id(node))


# Whitespace, newlines and comments, and the tokens holding only them: ours are walked
# past (no scope is asked of them).
_TOKENS = (
    cst.Comma,
    cst.Dot,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.Asynchronous,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.ImportStar,
    cst.ParamStar,
    cst.ParamSlash,
)


class _Nodes(cst.CSTVisitor):
    """The module's own nodes but layout and the tokens that hold only layout (`Comma`)."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, LAYOUT) and not (
            isinstance(node, _TOKENS) and only_layout_under(node)
        ):
            self.ids.add(id(node))
        return True


def _dump(module: cst.Module, provider: type) -> tuple[object, ...]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    # Ours the way the finder computes them; LibCST's through its own resolver.
    scopes = _scopes.scopes(wrapper) if provider is _scopes.ScopeProvider else wrapper.resolve(provider)
    # String annotations are parsed anew on each run: only the module's own nodes compare.
    own = _Nodes()
    module.visit(own)
    per_node = sorted(
        (id(node), _scope_key(scope))
        for node, scope in scopes.items()
        if scope is not None and id(node) in own.ids
    )
    described = {}
    for scope in {s for s in scopes.values() if s is not None}:
        assignments = sorted(
            (a.name, type(a).__name__, id(getattr(a, "node", None)), sorted(id(r.node) for r in a.references))
            for a in scope.assignments
        )
        accesses = sorted(
            (id(acc.node), sorted((r.name, id(getattr(r, "node", None))) for r in acc.referents))
            for acc in scope.accesses
        )
        parent = getattr(scope, "parent", None)
        described[_scope_key(scope)] = (assignments, accesses, _scope_key(parent) if parent is not scope else None)
    return per_node, sorted(described.items())


def test_every_assignment_form_gives_libcsts_scopes() -> None:
    module = cst.parse_module(FORMS)
    ours, theirs = _dump(module, _scopes.ScopeProvider), _dump(module, LibCSTScopeProvider)
    assert ours == theirs
    assert len(ours[1]) > 10  # module, functions, class, lambdas, comprehensions


@pytest.mark.parametrize("name", ["tarfile.py", "argparse.py", "inspect.py", "typing.py", "dataclasses.py"])
def test_real_modules_give_libcsts_scopes(name: str) -> None:
    path = STDLIB / name
    if not path.exists():
        pytest.skip(f"{name} not in this Python")
    module = cst.parse_module(path.read_bytes())
    assert _dump(module, _scopes.ScopeProvider) == _dump(module, LibCSTScopeProvider)


def test_scopes_are_computed_without_another_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    # MetadataWrapper.resolve runs a batched walk (and would run ExpressionContextProvider,
    # a dependency of LibCST's ScopeProvider): `scopes()` must need neither.
    from libcst import _batched_visitor
    from libcst.metadata import wrapper as wrapper_module

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a batched walk ran")

    monkeypatch.setattr(_batched_visitor, "visit_batched", refuse)
    monkeypatch.setattr(wrapper_module, "visit_batched", refuse, raising=False)
    module = cst.parse_module(FORMS)
    found = _scopes.scopes(MetadataWrapper(module, unsafe_skip_copy=True))
    assert found[module.body[0]] is not None


def test_without_the_assignment_like_table_scopevisitors_own_on_leave_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Another LibCST may not have the private table the fast on_leave reads.
    monkeypatch.setattr(_scopes, "_ASSIGNMENT_LIKE_NODES", None)
    module = cst.parse_module(FORMS)
    assert _dump(module, _scopes.ScopeProvider) == _dump(module, LibCSTScopeProvider)


WALRUS = """\
p = 1
lst = [p := t for t in ts]
print(p)


def f(xs):
    q = 0
    [[q := x for x in row] for row in xs]
    return q
"""


def test_a_walrus_in_a_comprehension_binds_in_the_enclosing_scope() -> None:
    """PEP 572: `[p := t for t in ts]` rebinds the module's (or function's) `p`; LibCST
    records it in the comprehension, so a later `p` would look bound only to `1`."""
    module = cst.parse_module(WALRUS)
    scopes = _scopes.scopes(MetadataWrapper(module, unsafe_skip_copy=True))
    global_scope = scopes[module]
    assert {type(a.node).__name__ for a in global_scope["p"]} == {"Name"}
    assert len(global_scope.assignments["p"]) == 2
    printed = module.body[2].body[0].value.args[0].value  # the `p` in print(p)
    access = next(a for a in global_scope.accesses if a.node is printed)
    assert len(access.referents) == 2  # `p = 1` and the walrus
    function = module.body[3]
    returned = function.body.body[2].body[0].value  # the `q` in `return q`
    function_scope = scopes[returned]
    assert len(function_scope.assignments["q"]) == 2
    comprehensions = {
        s for s in scopes.values() if type(s).__name__ == "ComprehensionScope"
    }
    assert comprehensions and all("p" not in s.assignments and "q" not in s.assignments for s in comprehensions)
    # LibCST itself records them in the comprehensions: the difference is on purpose.
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(LibCSTScopeProvider)
    assert len(theirs[module].assignments["p"]) == 1
