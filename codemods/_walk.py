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
method does not read that way keeps LibCST's path. tests/codemods/test_codemod_walk.py
checks the hooks against LibCST's own walk over real modules.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import weakref
from collections.abc import Callable
from typing import Any

from libcst import CSTNode, CSTVisitor, MaybeSentinel

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
    `_visit_and_replace_children` is not a plain sequence of `visit_*` helper calls."""
    method = cls._visit_and_replace_children  # type: ignore[attr-defined]
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    except (OSError, TypeError, SyntaxError):
        return None
    guarded: set[int] = set()  # ids of the nodes under `... if ... else None`
    calls: list[tuple[int, int, str, int]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.IfExp)
            and isinstance(node.orelse, ast.Constant)
            and node.orelse.value is None
        ):
            guarded.update(id(n) for n in ast.walk(node.body))
        elif isinstance(node, ast.Attribute) and node.attr == "visit":
            return None  # a child visited directly, not through a helper
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _HELPERS:
                field = node.args[1] if len(node.args) > 1 else None
                if not (
                    isinstance(field, ast.Constant) and isinstance(field.value, str)
                ):
                    return None
                calls.append((node.lineno, node.col_offset, field.value, id(node)))
            elif node.func.id.startswith("visit"):
                return None
    order: dict[str, bool] = {}  # field -> only when set; in source (= visiting) order
    for _, _, field, call in sorted(calls):
        order[field] = order.get(field, True) and call in guarded
    return tuple(order.items())


def _fields(cls: type) -> Fields | None:
    try:
        return _FIELDS[cls]
    except KeyError:
        fields = _FIELDS[cls] = _read_fields(cls)
        return fields


# One step of a walk over one field: its name, whether to skip it when None, and the
# names of the visitor's attribute hooks to call before and after (None: no such hook).
Step = tuple[str, bool, "str | None", "str | None"]
# Per visitor class that keeps CSTVisitor's attribute dispatch: its steps per node class.
# Most fields have no hook, and CSTVisitor looks the hook up by a formatted name at each.
_STEPS: weakref.WeakKeyDictionary[type, dict[type, tuple[Step, ...] | None]] = (
    weakref.WeakKeyDictionary()
)


def _steps(visitor_class: type, cls: type) -> tuple[Step, ...] | None:
    fields = _fields(cls)
    if fields is None:
        return None
    return tuple(
        (
            name,
            only_when_set,
            _hook(visitor_class, f"visit_{cls.__name__}_{name}"),
            _hook(visitor_class, f"leave_{cls.__name__}_{name}"),
        )
        for name, only_when_set in fields
    )


def _hook(visitor_class: type, name: str) -> str | None:
    return name if hasattr(visitor_class, name) else None


def _walk(
    node: CSTNode, visitor: CSTVisitor, steps: dict[type, tuple[Step, ...] | None]
) -> None:
    """`node.visit(visitor)` for a visitor whose attribute hooks are CSTVisitor's."""
    cls = type(node)
    try:
        plan = steps[cls]
    except KeyError:
        plan = steps[cls] = _steps(type(visitor), cls)
    if plan is None:
        _ORIGINAL["visit"](node, visitor)
        return
    if visitor.on_visit(node):
        for name, only_when_set, enter, leave in plan:
            value = getattr(node, name)
            if value is None and only_when_set:
                continue
            if enter is not None:
                getattr(visitor, enter)(node)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    _walk(child, visitor, steps)
            elif value is not None and value is not MaybeSentinel.DEFAULT:
                _walk(value, visitor, steps)
            if leave is not None:
                getattr(visitor, leave)(node)
    visitor.on_leave(node)


def _walk_hooked(node: CSTNode, visitor: CSTVisitor) -> None:
    """`node.visit(visitor)` for a visitor with its own attribute hooks."""
    fields = _fields(type(node))
    if fields is None:
        _ORIGINAL["visit"](node, visitor)
        return
    if visitor.on_visit(node):
        for name, only_when_set in fields:
            value = getattr(node, name)
            if value is None and only_when_set:
                continue
            visitor.on_visit_attribute(node, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    _walk_hooked(child, visitor)
            elif value is not None and value is not MaybeSentinel.DEFAULT:
                _walk_hooked(value, visitor)
            visitor.on_leave_attribute(node, name)
    visitor.on_leave(node)


def _visit(self: CSTNode, visitor: Any) -> Any:
    if isinstance(visitor, CSTVisitor):
        visitor_class = type(visitor)
        if (
            visitor_class.on_visit_attribute is CSTVisitor.on_visit_attribute
            and visitor_class.on_leave_attribute is CSTVisitor.on_leave_attribute
        ):
            steps = _STEPS.get(visitor_class)
            if steps is None:
                steps = _STEPS[visitor_class] = {}
            _walk(self, visitor, steps)
        else:
            _walk_hooked(self, visitor)
        return self
    return _ORIGINAL["visit"](self, visitor)


class CachedDispatch:
    """CSTVisitor's `on_visit`/`on_leave`, with each node class's `visit_<Class>` and
    `leave_<Class>` methods looked up once per visitor class rather than by a formatted
    name at every node (most nodes have neither). Mix in before the visitor base class."""

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
