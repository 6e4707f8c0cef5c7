"""The lookup-first form `storage.path(recv, pin=...).method(args)`: built here, read here.

`recv.method(args)` looks `method` up on `recv` before it evaluates `args`; the simple
rewrite `storage.method(recv, args)` evaluates them first. Where that could be seen (an
argument that runs code while `recv` may lack the method: None, a str), the pathlib and
lifecycle families write the lookup-first form instead, which the runtime's
`_receiver.py` answers in the original's order. `runtime_calls` counts it as migrated
through `held_path`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import argument
from migrate_storage.codemods.analysis.handles import is_inert
from migrate_storage.codemods.analysis.path_api import (
    PATH_CONSTRUCTORS,
    PATH_TO_PATH_ATTRIBUTES,
    PATH_TO_PATH_METHODS,
)
from migrate_storage.codemods.families._edit import (
    append_arg,
    bool_name,
    keyword,
    strip_parens,
)
from migrate_storage.codemods.model import Family

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context


def lookup_order_kept(call: cst.Call, ctx: Context) -> bool:
    """Whether `storage.m(recv, args)` is indistinguishable from `recv.m(args)`, whose
    method lookup comes before its arguments are evaluated (the rewrite looks it up
    after): every argument is a name or a literal, or the lookup cannot fail or run code
    because `recv` is a Path built in the expression itself."""
    if all(not arg.star and is_inert(arg.value) for arg in call.args):
        return True
    assert isinstance(call.func, cst.Attribute)
    return _built_path(call.func.value, ctx)


def _built_path(node: cst.BaseExpression, ctx: Context, depth: int = 0) -> bool:
    """`node` evaluates to a concrete pathlib Path whenever it evaluates at all:
    `Path(...)`, `Path.home()`, `/`, `.parent`, `.with_suffix(...)`... of one, and a
    function's local name bound once, to one of those. (An annotation does not prove it:
    `Optional[Path]` may be None, and callers pass str to `p: Path`; nor does a module's
    `OUT = Path("out")`: a test's monkeypatch or another module may set `mod.OUT` to a
    PurePath or a resource Traversable, which has `/` but no `write_text`.)"""
    if depth > 8:
        return False
    if isinstance(node, cst.Name):
        value = ctx.flow.local_value_of(node)
        return value is not None and _built_path(value, ctx, depth + 1)
    if isinstance(node, cst.Call):
        func = node.func
        names = _names.qualified_names(ctx.scopes.get(func), func)
        if names and names <= PATH_CONSTRUCTORS:
            return True
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in PATH_TO_PATH_METHODS
            and _built_path(func.value, ctx, depth + 1)
        )
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return _built_path(node.left, ctx, depth + 1)
    if isinstance(node, cst.Attribute) and node.attr.value in PATH_TO_PATH_ATTRIBUTES:
        return _built_path(node.value, ctx, depth + 1)
    return False


@dataclass(frozen=True, slots=True)
class LookupFirstEdit:
    """`p.method(args)` -> `storage.path(p[, pin=...]).method(args)`: the method is looked
    up on `p` before `args` are evaluated, as in the original, and every argument is
    passed on as written (the runtime's `_receiver.py`)."""

    node: cst.Call
    region: tuple[int, int]
    pin: bool | None
    family: Family = Family.PATHLIB

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.Call:
        assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
        held = cst.Call(
            func=cst.Attribute(value=cst.Name(names["storage"]), attr=cst.Name("path")),
            args=[cst.Arg(strip_parens(node.func.value))],
        )
        if self.pin is not None:
            held = append_arg(held, keyword("pin", bool_name(self.pin)))
        return node.with_changes(func=node.func.with_changes(value=held))


def held_path(receiver: cst.BaseExpression) -> cst.BaseExpression | None:
    """`p` of a receiver `storage.path(p, ...)` (the pathlib_io LookupFirstEdit's form)."""
    if (
        isinstance(receiver, cst.Call)
        and isinstance(receiver.func, cst.Attribute)
        and receiver.func.attr.value == "path"
    ):
        return argument(receiver, 0, ())
    return None
