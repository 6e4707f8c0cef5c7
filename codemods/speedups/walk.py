"""A read-only walk for LibCST visitors that does not rebuild the tree.

`CSTNode.visit` always descends through the node's `_visit_and_replace_children`, which
constructs (and validates) a new copy of every node it passes, even for a `CSTVisitor`,
which cannot change anything and whose copy is thrown away. The finder walks each
module twice that way (scope analysis, collecting calls), and the copying is about half
of what a walk costs.

`install()` makes `CSTNode.visit` walk a `CSTVisitor` without the copy: the same hooks
(`on_visit`, `on_visit_attribute`, `on_leave_attribute`, `on_leave`) on the same nodes,
with the same arguments, in the same order. Transformers keep LibCST's own path. The
order of each node class's fields is read once from its `_visit_and_replace_children`,
which names them, in order, in its calls of LibCST's `visit_*` helpers; a class whose
method does not read that way keeps LibCST's path. LibCST's visitor base class defines an
empty placeholder for every possible hook, so the hooks a visitor class really has are
looked up once per node class and the placeholders are not called (`CachedDispatch` does
the same for `visit_<Class>`/`leave_<Class>`). tests/codemods/speedups/test_walk.py checks
the hooks against LibCST's own walk, over real modules and trees built by code.

Whitespace, newlines and comments are more than half of the nodes of real code, and
no analysis visitor reads them, nor the tokens that hold only them (`Comma`, `Dot`,
parentheses, operators): a visitor class that sets `SKIPS_WHITESPACE = True` is walked
past every field whose type admits only those (`whitespace_before`, `leading_lines`,
`comma`, `lpar`, `operator`, ...; read from LibCST's field annotations) and for which it
has no named attribute hook, nor a hook for such a token. Everything else is visited as
LibCST would.
"""

from __future__ import annotations

import ast
import collections.abc
import dataclasses
import inspect
import textwrap
import types
import typing
import weakref
from collections.abc import Callable
from typing import Any

from libcst import (
    BaseParenthesizableWhitespace,
    Comment,
    CSTNode,
    CSTVisitor,
    EmptyLine,
    MaybeSentinel,
    Newline,
    TrailingWhitespace,
)

__all__ = ["CachedDispatch", "install", "uninstall"]

# Field name, and whether its hooks run only when the field is set (LibCST visits
# `format_spec` through `visit_sequence(...) if format_spec is not None else None`).
Fields = tuple[tuple[str, bool], ...]

_HELPERS = frozenset(
    {
        "visit_required",
        "visit_optional",
        "visit_sentinel",
        "visit_iterable",
        "visit_sequence",
        "visit_body_iterable",
        "visit_body_sequence",
    }
)
_FIELDS: dict[type, Fields | None] = {}
_ORIGINAL: dict[str, Callable[..., Any]] = {}


def _read_fields(cls: type) -> Fields | None:
    """The visited fields of `cls` in visiting order, or None when its
    `_visit_and_replace_children` is not one expression of `visit_*` helper calls (a
    conditional arm may skip a field when it is None, or visit it another way)."""
    method = cls._visit_and_replace_children  # type: ignore[attr-defined]
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    except (OSError, TypeError, SyntaxError):
        return None
    guarded: set[int] = set()  # ids of the nodes under `... if ... else None`
    calls: list[tuple[int, int, str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.For, ast.While, ast.Try, ast.Match)):
            return None  # statements could visit fields in some other order
        if isinstance(node, ast.IfExp):
            if isinstance(node.orelse, ast.Constant) and node.orelse.value is None:
                guarded.update(id(n) for n in ast.walk(node.body))
            elif _visited_field(node.body) is None or (
                _visited_field(node.body) != _visited_field(node.orelse)
            ):
                return None  # the arms must visit the same field
        elif isinstance(node, ast.Attribute) and node.attr == "visit":
            return None  # a child visited directly, not through a helper
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _HELPERS:
                field = _visited_field(node)
                if field is None:
                    return None
                calls.append((node.lineno, node.col_offset, field, id(node)))
            elif node.func.id.startswith("visit"):
                return None
    order: dict[str, bool] = {}  # field -> only when set; in source (= visiting) order
    for _, _, field, call in sorted(calls):
        order[field] = order.get(field, True) and call in guarded
    return tuple(order.items())


def _visited_field(node: ast.expr) -> str | None:
    """The field a `visit_*(self, "field", ...)` helper call visits, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id not in _HELPERS or len(node.args) < 2:
        return None
    field = node.args[1]
    if isinstance(field, ast.Constant) and isinstance(field.value, str):
        return field.value
    return None


def _fields(cls: type) -> Fields | None:
    try:
        return _FIELDS[cls]
    except KeyError:
        fields = _FIELDS[cls] = _read_fields(cls)
        return fields


def _hook(visitor_class: type, name: str) -> str | None:
    """`name` when `visitor_class` has a method by that name that does something: LibCST's
    visitor base class defines an empty one (marked `_is_no_op`) for every possible hook,
    and a subclass may set a hook to None to turn it off."""
    method = getattr(visitor_class, name, None)
    if method is None or getattr(method, "_is_no_op", False):
        return None
    return name


# One step of a walk over one field: its name, whether to skip it when None, and what
# to call before and after it: None for nothing, "" for the visitor's own
# `on_visit_attribute`/`on_leave_attribute`, else the name of the hook CSTVisitor's
# would call.
Step = tuple[str, bool, "str | None", "str | None"]
_LIBCST = object()  # the plan of a node class whose fields could not be read
# Per visitor class: the steps for each node class (_LIBCST: take LibCST's own walk).
_PLANS: weakref.WeakKeyDictionary[type, dict[type, Any]] = weakref.WeakKeyDictionary()


# The node classes whose subtrees are only layout: whitespace, newlines and comments.
# The node classes whose subtrees are only layout: whitespace, newlines and comments.
_LAYOUT = (BaseParenthesizableWhitespace, TrailingWhitespace, EmptyLine, Newline, Comment)


def _admitted(annotation: object) -> frozenset[type] | None:
    """The concrete node classes a field annotated `annotation` can hold (None, and
    MaybeSentinel.DEFAULT, aside); None when that cannot be read."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        found: set[type] = set()
        for member in typing.get_args(annotation):
            if member in (type(None), MaybeSentinel):
                continue
            inner = _admitted(member)
            if inner is None:
                return None
            found |= inner
        return frozenset(found)
    if origin in (collections.abc.Sequence, list, tuple):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return _admitted(args[0]) if len(args) == 1 else None
    if not (isinstance(annotation, type) and issubclass(annotation, CSTNode)):
        return None
    concrete: set[type] = set()
    pending = [annotation]
    while pending:
        cls = pending.pop()
        if dataclasses.is_dataclass(cls) and not inspect.isabstract(cls):
            concrete.add(cls)
        pending.extend(cls.__subclasses__())
    return frozenset(concrete)


_ADMITTED: dict[tuple[type, str], frozenset[type] | None] = {}


def _token(cls: type) -> bool:
    """A node with nothing but layout under it: `Comma`, `Dot`, `LeftParen`, `Add`, ..."""
    fields = _fields(cls)
    return fields is not None and all(
        _layout_only(cls, name) for name, _ in fields
    )


def _field_classes(cls: type, name: str) -> frozenset[type] | None:
    key = (cls, name)
    if key not in _ADMITTED:
        annotation = next((f.type for f in dataclasses.fields(cls) if f.name == name), None)
        _ADMITTED[key] = _admitted(annotation)
    return _ADMITTED[key]


def _layout_only(cls: type, name: str) -> bool:
    classes = _field_classes(cls, name)
    return bool(classes) and all(issubclass(c, _LAYOUT) for c in classes)  # type: ignore[arg-type]


def _skippable(visitor_class: type, cls: type, name: str) -> bool:
    """Whether a visitor that SKIPS_WHITESPACE can be walked past the field `name` of
    `cls`: it holds only layout, or tokens the visitor has no hook for."""
    classes = _field_classes(cls, name)
    return bool(classes) and all(
        issubclass(c, _LAYOUT)
        or (
            _token(c)
            and _hook(visitor_class, f"visit_{c.__name__}") is None
            and _hook(visitor_class, f"leave_{c.__name__}") is None
        )
        for c in classes  # type: ignore[union-attr]
    )


def _plan(visitor_class: type, cls: type) -> tuple[Step, ...] | object:
    fields = _fields(cls)
    if fields is None:
        return _LIBCST
    if (
        visitor_class.on_visit_attribute is not CSTVisitor.on_visit_attribute  # type: ignore[attr-defined]
        or visitor_class.on_leave_attribute is not CSTVisitor.on_leave_attribute  # type: ignore[attr-defined]
    ):
        return tuple((name, only_when_set, "", "") for name, only_when_set in fields)
    steps = tuple(
        (
            name,
            only_when_set,
            _hook(visitor_class, f"visit_{cls.__name__}_{name}"),
            _hook(visitor_class, f"leave_{cls.__name__}_{name}"),
        )
        for name, only_when_set in fields
    )
    if getattr(visitor_class, "SKIPS_WHITESPACE", False):
        steps = tuple(
            step
            for step in steps
            if step[2] is not None
            or step[3] is not None
            or not _skippable(visitor_class, cls, step[0])
        )
    return steps


def _walk(node: CSTNode, visitor: CSTVisitor, plans: dict[type, Any]) -> None:
    cls = type(node)
    plan = plans.get(cls)
    if plan is None:
        plan = plans[cls] = _plan(type(visitor), cls)
    if plan is _LIBCST:
        _ORIGINAL["visit"](node, visitor)
        return
    if visitor.on_visit(node):
        for name, only_when_set, enter, leave in plan:
            value = getattr(node, name)
            if value is None and only_when_set:
                continue
            if enter is not None:
                if enter:
                    getattr(visitor, enter)(node)
                else:
                    visitor.on_visit_attribute(node, name)
            if value is None or value is MaybeSentinel.DEFAULT:
                pass
            elif (
                type(value) is tuple
                or type(value) is list
                or not isinstance(value, CSTNode)
            ):
                for child in value:
                    _child(child, visitor, plans)
            else:
                _child(value, visitor, plans)
            if leave is not None:
                if leave:
                    getattr(visitor, leave)(node)
                else:
                    visitor.on_leave_attribute(node, name)
    visitor.on_leave(node)


def _child(node: CSTNode, visitor: CSTVisitor, plans: dict[type, Any]) -> None:
    # A node class with its own `visit` (Module) is visited through it, as LibCST does.
    if type(node).visit is _visit:
        _walk(node, visitor, plans)
    else:
        node.visit(visitor)


def _visit(self: CSTNode, visitor: Any) -> Any:
    if isinstance(visitor, CSTVisitor):
        visitor_class = type(visitor)
        plans = _PLANS.get(visitor_class)
        if plans is None:
            plans = _PLANS[visitor_class] = {}
        _walk(self, visitor, plans)
        return self
    return _ORIGINAL["visit"](self, visitor)


class CachedDispatch:
    """CSTVisitor's `on_visit`/`on_leave`, with each node class's `visit_<Class>` and
    `leave_<Class>` methods looked up once per visitor class rather than by a formatted
    name at every node (most nodes have neither that does anything). Mix in before the
    visitor base class."""

    _hooks: dict[type, tuple[str | None, str | None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._hooks = {}

    def _hooks_for(self, cls: type) -> tuple[str | None, str | None]:
        hooks = self._hooks.get(cls)
        if hooks is None:
            own = type(self)
            hooks = self._hooks[cls] = (
                _hook(own, f"visit_{cls.__name__}"),
                _hook(own, f"leave_{cls.__name__}"),
            )
        return hooks

    def on_visit(self, node: CSTNode) -> bool:
        visit = self._hooks_for(type(node))[0]
        return visit is None or getattr(self, visit)(node) is not False

    def on_leave(self, original_node: CSTNode) -> None:
        leave = self._hooks_for(type(original_node))[1]
        if leave is not None:
            getattr(self, leave)(original_node)


def install() -> None:
    """Walk read-only visitors without rebuilding the tree (idempotent)."""
    if "visit" not in _ORIGINAL:
        _ORIGINAL["visit"] = CSTNode.visit
        CSTNode.visit = _visit  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore LibCST's own walk (tests compare both)."""
    if "visit" in _ORIGINAL:
        CSTNode.visit = _ORIGINAL.pop("visit")  # type: ignore[method-assign]
