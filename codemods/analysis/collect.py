"""One LibCST walk that gathers what the finder needs: candidate calls and bindings.

The walk itself is cheap next to scope analysis; it records
- every call whose shape may be a site (the same rule as the `ast` scan), and every
  reference that may be a file function used as a value: a name or attribute read
  where it stands (Python's Load context), neither called nor looked into (`staticmethod(
  open)`, `retry(os.replace, a, b)`; the same rule as the scan's `Scan.values`),
- the value bound to a name by `x = v`, `x: T = v`, `(x := v)` and `with v as x`,
- for receivers.py: the annotation of `x: T [= v]`, the iterable of `for x in v` (also in
  comprehensions), augmented assignments and `del` of names, and every store to an
  attribute (`a.x = v`, `a.x: T = v`, `a.x += v`, `a.x, b = ...`, `for a.x in ...`),
- for each `with` whose body is one statement built on one call: that call,
- which Name nodes sit inside another `with` body that rebinds the same name (so the
  json/pickle collapse can tell "`f` used after the block" from "a later block's own `f`"),
- whether the module has a star import (which may bind `open` or `storage` unseen), and
  what each one names, as (level, dotted module) (pipeline/star_binds.py answers them).
"""

from __future__ import annotations

import libcst as cst
from migrate_storage.codemods.analysis.names import dotted
from migrate_storage.codemods.pipeline.prefilter import (
    Shape,
    candidates,
    is_candidate,
    is_value_candidate,
)
from migrate_storage.codemods.speedups.walk import CachedDispatch


def call_shape(func: cst.BaseExpression) -> Shape | None:
    """(name, root) of a callee, as `prefilter._shape` computes it for `ast`."""
    if isinstance(func, cst.Name):
        return (func.value, None)
    if isinstance(func, cst.Attribute):
        node = func.value
        while isinstance(node, cst.Attribute):
            node = node.value
        return (func.attr.value, node.value if isinstance(node, cst.Name) else "")
    return None


def single_small_statement(
    body: cst.BaseSuite,
) -> tuple[cst.BaseSmallStatement, cst.CSTNode] | None:
    """The one small statement of a block (and its line), or None."""
    if isinstance(body, cst.SimpleStatementSuite):
        return (body.body[0], body) if len(body.body) == 1 else None
    if isinstance(body, cst.IndentedBlock) and len(body.body) == 1:
        line = body.body[0]
        if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
            return line.body[0], line
    return None


def value_call(small: cst.BaseSmallStatement) -> cst.Call | None:
    """The call a `call(...)`, `x = call(...)`, `x: T = call(...)` or `return call(...)` makes."""
    if isinstance(small, cst.Expr | cst.Assign | cst.AnnAssign | cst.Return):
        value = small.value
        return value if isinstance(value, cst.Call) else None
    return None


# Nodes whose Name children are identifiers, not expressions (`ast` holds them as str).
_IDENTIFIER_HOLDERS = tuple(
    getattr(cst, name)
    for name in (
        "ImportAlias", "ImportFrom", "AsName", "FunctionDef", "ClassDef", "NameItem",
        "MatchAs", "MatchStar", "MatchKeywordElement", "MatchMapping", "TypeAlias",
        "TypeVar", "TypeVarTuple", "ParamSpec",
    )
    if hasattr(cst, name)
)
# What a tuple or list target is made of (`a, *b = ...`): its names are stored too.
_TARGET_PARTS = (cst.Element, cst.StarredElement, cst.Tuple, cst.List)


def loaded_reference(node: cst.Name | cst.Attribute, stack: list[cst.CSTNode]) -> bool:
    """Whether `node` (`stack[-1]`, its ancestors below it) is read where it stands, as
    `ast`'s Load context says, and is neither the callee of a call nor the object of an
    attribute (`f(...)`, `f.__name__`): the `ast` scan's rule for `Scan.values`."""
    parent = stack[-2]
    if isinstance(parent, cst.Call):
        return parent.func is not node
    if isinstance(parent, (cst.Attribute, *_IDENTIFIER_HOLDERS)):
        return False  # `x.node`, `node.x`, `import node`, `def node`, `as node`, ...
    if isinstance(parent, cst.Param):
        return parent.default is node
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return False
    top, at = node, len(stack) - 2
    while at > 0 and isinstance(stack[at], _TARGET_PARTS):
        top, at = stack[at], at - 1
    holder = stack[at]
    if isinstance(holder, (cst.AssignTarget, cst.Del)):
        return False
    if isinstance(
        holder, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For, cst.CompFor)
    ):
        return holder.target is not top
    return True


class Collector(CachedDispatch, cst.CSTVisitor):
    SKIPS_WHITESPACE = True  # no hook reads layout (speedups/walk.py)

    def __init__(
        self,
        scan_names: tuple[frozenset[str], frozenset[str]],
        value_names: tuple[frozenset[str], frozenset[str]] | None = None,
    ) -> None:
        self._scan_names = scan_names
        self.calls: list[tuple[cst.Call, Shape]] = []
        # `value_names`: (module names, from-imported value functions) of the scan
        # (`prefilter.is_value_candidate`); None collects no values.
        self._value_names = value_names
        self._value_words: frozenset[str] = frozenset()
        if value_names is not None:
            self._value_words = candidates().value_functions | value_names[1]
        self.values: list[tuple[cst.BaseExpression, Shape]] = []
        self.bindings: dict[cst.Name, cst.BaseExpression] = {}
        self.with_bodies: dict[
            cst.Call, tuple[cst.With, cst.BaseSmallStatement, cst.CSTNode]
        ] = {}
        self.with_of_item: dict[cst.Call, cst.With] = {}
        self.enclosing: dict[cst.With, tuple[cst.With, ...]] = {}
        self.shielded: dict[cst.Name, cst.With] = {}
        self.star_import = False
        self.star_targets: list[tuple[int, str]] = []
        self.star_statements: list[cst.ImportFrom] = []  # in the order of star_targets
        # receivers.py: annotations of annotated names, loop targets, `x op= v`, `del x`,
        # the names a `match` pattern captures (`case [p]`, `case str() as p`, `case
        # {**p}`: LibCST's scopes record no assignment for them, so a name they rebind
        # looks bound once), and every attribute store as (target, value or None when not
        # a plain `=`, annotation or None).
        self.annotations: dict[cst.Name, cst.Annotation] = {}
        self.loops: dict[cst.Name, cst.BaseExpression] = {}
        self.augmented: dict[cst.Name, cst.AugAssign] = {}
        self.deleted: list[cst.Name] = []
        self.captured: list[cst.Name] = []
        self.attribute_stores: list[
            tuple[cst.Attribute, cst.BaseExpression | None, cst.Annotation | None]
        ] = []
        # The nodes enclosing each candidate call and `with`: the rewriter descends only
        # into these (a full-tree transformer costs as much as parsing).
        self.ancestors: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = {}
        #: Each node's parent (the walk visits every node: no hook returns False).
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._stack: list[cst.CSTNode] = []
        self._with_stack: list[tuple[cst.With, frozenset[str]]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        stack = self._stack
        if stack:
            self.parents[node] = stack[-1]
        stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self._stack.pop()

    def visit_Call(self, node: cst.Call) -> None:
        shape = call_shape(node.func)
        if shape is not None and is_candidate(shape, self._scan_names):
            self.calls.append((node, shape))
            self.ancestors[node] = tuple(self._stack)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.bindings[target.target] = node.value
            elif isinstance(target.target, cst.Attribute):
                self.attribute_stores.append((target.target, node.value, None))
            else:
                self._store_unknown(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.annotations[node.target] = node.annotation
            if node.value is not None:
                self.bindings[node.target] = node.value
        elif isinstance(node.target, cst.Attribute):
            self.attribute_stores.append((node.target, node.value, node.annotation))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.augmented[node.target] = node
        else:
            self._store_unknown(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._store_unknown(node.target, deleting=True)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.captured.append(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.captured.append(node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self.captured.append(node.rest)

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.target, cst.Name):
            self.loops[node.target] = node.iter
        else:
            self._store_unknown(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if isinstance(node.target, cst.Name):
            self.loops[node.target] = node.iter
        else:
            self._store_unknown(node.target)

    def _store_unknown(
        self, target: cst.BaseExpression, deleting: bool = False
    ) -> None:
        """Attributes (and, for `del`, names) stored or deleted with no value we can type."""
        if isinstance(target, cst.Attribute):
            self.attribute_stores.append((target, None, None))
        elif isinstance(target, cst.Name):
            if deleting:
                self.deleted.append(target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store_unknown(element.value, deleting)
        elif isinstance(target, cst.StarredElement):
            self._store_unknown(target.value, deleting)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self.bindings[node.target] = node.value

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self.star_import = True
            module = "" if node.module is None else dotted(node.module) or "?"
            self.star_targets.append((len(node.relative), module))
            self.star_statements.append(node)

    def visit_With(self, node: cst.With) -> None:
        self.enclosing[node] = tuple(w for w, _ in self._with_stack)
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self.bindings[item.asname.name] = item.item
            elif item.asname is not None:
                self._store_unknown(item.asname.name)
            if isinstance(item.item, cst.Call):
                self.with_of_item[item.item] = node
        single = single_small_statement(node.body)
        if single is not None and len(node.items) == 1 and node.asynchronous is None:
            call = value_call(single[0])
            if call is not None:
                self.with_bodies[call] = (node, single[0], single[1])
                self.ancestors[node] = tuple(self._stack)

    def visit_With_body(self, node: cst.With) -> None:
        bound = frozenset(
            item.asname.name.value
            for item in node.items
            if item.asname is not None and isinstance(item.asname.name, cst.Name)
        )
        self._with_stack.append((node, bound))

    def leave_With_body(self, node: cst.With) -> None:
        self._with_stack.pop()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in self._value_words:
            self._value(node)

    def _value(self, node: cst.Name | cst.Attribute) -> None:
        shape = call_shape(node)
        if (
            shape is not None
            and self._value_names is not None
            and is_value_candidate(shape, self._value_names)
            and loaded_reference(node, self._stack)
        ):
            self.values.append((node, shape))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self._value_words:
            self._value(node)
        if not self._with_stack:
            return
        for with_node, bound in reversed(self._with_stack):
            if node.value in bound:
                self.shielded[node] = with_node
                return
