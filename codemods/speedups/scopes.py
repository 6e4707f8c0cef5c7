"""LibCST's ScopeProvider without the ExpressionContextProvider pass it depends on.

ScopeProvider asks ExpressionContextProvider one thing: whether a `Name` it visits is
stored to (an assignment) or not (an access); LOAD, DEL and "no context" all count as an
access. Computing that for the whole module is a full extra walk, about 40% of the scope
analysis here. `ScopeProvider` below learns the stored names during its own walk instead:
ScopeVisitor visits each assignment-like node before the names under it, and at that
moment the targets are marked the way ExpressionContextVisitor marks them: names reached
through tuples, lists and starred elements, not through attributes or subscripts.

The scopes are the same as LibCST's (checked over real modules by
tests/codemods/speedups/test_scopes.py) but for one fix: the target of a walrus inside a
comprehension (`[p := s for s in names]`) is assigned in the enclosing function or module
scope, as PEP 572 says, not in the comprehension's (LibCST 1.9 records it there, so `p`
after the comprehension would look bound only to what it was before). The finder resolves
this provider instead of LibCST's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import libcst as cst
from libcst.metadata import (
    ComprehensionScope,
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    Scope,
    scope_provider,
)
from libcst.metadata.base_provider import BaseMetadataProvider
from libcst.metadata.scope_provider import ScopeVisitor
from migrate_storage.codemods.speedups.walk import CachedDispatch

__all__ = ["ScopeProvider", "scopes"]


def _mark(target: cst.BaseExpression, stores: set[cst.Name]) -> None:
    if isinstance(target, cst.Name):
        stores.add(target)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _mark(element.value, stores)
    elif isinstance(target, cst.StarredElement):
        _mark(target.value, stores)
    # Attribute and Subscript targets store into an object: their names are loads.


def _comprehension_targets(node: cst.BaseComp) -> Iterator[cst.BaseExpression]:
    # The first `for` target is visited directly, not through a CompFor visit.
    for_in: cst.CompFor | None = node.for_in
    while for_in is not None:
        yield for_in.target
        for_in = for_in.inner_for_in


# What each assignment-like node stores to, as ExpressionContextVisitor sees it.
_TARGETS: dict[type[cst.CSTNode], Callable[[Any], Iterable[cst.BaseExpression]]] = {
    cst.Assign: lambda node: [t.target for t in node.targets],
    cst.AnnAssign: lambda node: [node.target],
    cst.AugAssign: lambda node: [node.target],
    cst.NamedExpr: lambda node: [node.target],
    cst.AsName: lambda node: [node.name],
    cst.For: lambda node: [node.target],
    cst.CompFor: lambda node: [node.target],
    cst.ListComp: _comprehension_targets,
    cst.SetComp: _comprehension_targets,
    cst.DictComp: _comprehension_targets,
    cst.GeneratorExp: _comprehension_targets,
}


# Node class -> whether ScopeVisitor counts it as assignment-like (see on_leave below).
_ASSIGNMENT_LIKE: dict[type, bool] = {}
# The classes it tests (LibCST 1.9); without them, ScopeVisitor's own on_leave runs.
_ASSIGNMENT_LIKE_NODES = getattr(scope_provider, "_ASSIGNMENT_LIKE_NODES", None)


class _Visitor(CachedDispatch, ScopeVisitor):
    """ScopeVisitor, marking an assignment's targets before it visits them."""

    SKIPS_WHITESPACE = True  # no scope is asked of a comment (speedups/walk.py)

    def __init__(self, provider: ScopeProvider) -> None:
        super().__init__(provider)
        self._stores = provider.stores
        self._walrus_targets: set[cst.Name] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        targets = _TARGETS.get(type(node))
        if targets is not None:
            for target in targets(node):
                _mark(target, self._stores)
            if isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
                self._walrus_targets.add(node.target)
        return super().on_visit(node)

    def visit_Name(self, node: cst.Name) -> bool | None:
        if node in self._walrus_targets and isinstance(self.scope, ComprehensionScope):
            # PEP 572: the target binds in the nearest enclosing non-comprehension scope
            # (a class body there is a SyntaxError, so it is a function's or the module's).
            target: Scope = self.scope
            while isinstance(target, ComprehensionScope):
                target = target.parent
            target.record_assignment(node.value, node)
            target._assignment_count += 1  # later accesses there see it as earlier
            return None
        return super().visit_Name(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        # ScopeVisitor.on_leave, with its `isinstance` over a tuple of 18 node classes
        # (each an ABC check, for every node: a tenth of the analysis) answered once
        # per class.
        if _ASSIGNMENT_LIKE_NODES is None:
            ScopeVisitor.on_leave(self, original_node)
            return
        self.provider.set_metadata(original_node, self.scope)
        cls = type(original_node)
        counts = _ASSIGNMENT_LIKE.get(cls)
        if counts is None:
            counts = _ASSIGNMENT_LIKE[cls] = isinstance(
                original_node, _ASSIGNMENT_LIKE_NODES
            )
        if counts:
            self.scope._assignment_count += 1
        CachedDispatch.on_leave(self, original_node)


class ScopeProvider(BaseMetadataProvider["Scope | None"]):
    """LibCST's ScopeProvider, with the stored names found during its own walk.
    Resolve it with `scopes()`, not `MetadataWrapper.resolve`."""

    def _gen_impl(self, module: cst.Module) -> None:
        self.stores: set[cst.Name] = set()
        visitor = _Visitor(self)
        module.visit(visitor)
        visitor.infer_accesses()

    def get_metadata(self, key: Any, node: cst.CSTNode, *default: Any) -> Any:
        if key is ExpressionContextProvider:  # asked by ScopeVisitor.visit_Name only
            return ExpressionContext.STORE if node in self.stores else None
        return super().get_metadata(key, node, *default)


def scopes(wrapper: MetadataWrapper) -> Mapping[cst.CSTNode, Scope | None]:
    """The scope of every node of `wrapper.module`.

    `MetadataWrapper.resolve` would add a walk over every node of the module that does
    nothing: it runs its batched walk even with no batchable provider to feed (and with
    LibCST's own ScopeProvider, which does all its work from `visit_Module`, that walk
    only visits)."""
    return ScopeProvider()._gen(wrapper)
