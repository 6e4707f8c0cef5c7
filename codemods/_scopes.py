"""LibCST's ScopeProvider without the ExpressionContextProvider pass it depends on.

ScopeProvider asks ExpressionContextProvider one thing: whether a `Name` it visits is
stored to (an assignment) or not (an access); LOAD, DEL and "no context" all count as an
access. Computing that for the whole module is a full extra walk, about 40% of the scope
analysis here. `ScopeProvider` below learns the stored names during its own walk instead:
ScopeVisitor visits each assignment-like node before the names under it, and at that
moment the targets are marked the way ExpressionContextVisitor marks them: names reached
through tuples, lists and starred elements, not through attributes or subscripts.

The scopes are the same as LibCST's (checked over real modules by
tests/codemods/test_codemod_scopes.py); the finder resolves this provider instead of
LibCST's.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider
from libcst.metadata import ScopeProvider as _LibCSTScopeProvider
from libcst.metadata.scope_provider import ScopeVisitor

__all__ = ["ScopeProvider"]


def _mark(target: cst.BaseExpression, stores: set[cst.Name]) -> None:
    if isinstance(target, cst.Name):
        stores.add(target)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _mark(element.value, stores)
    elif isinstance(target, cst.StarredElement):
        _mark(target.value, stores)
    # Attribute and Subscript targets store into an object: their names are loads.


class _Visitor(ScopeVisitor):
    def __init__(self, provider: ScopeProvider) -> None:
        super().__init__(provider)
        self._stores = provider.stores

    def visit_Assign(self, node: cst.Assign) -> bool | None:
        for target in node.targets:
            _mark(target.target, self._stores)
        return super().visit_Assign(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool | None:
        _mark(node.target, self._stores)
        return super().visit_AnnAssign(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> bool | None:
        _mark(node.target, self._stores)
        return super().visit_AugAssign(node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool | None:
        _mark(node.target, self._stores)
        return super().visit_NamedExpr(node)

    def visit_AsName(self, node: cst.AsName) -> bool | None:
        _mark(node.name, self._stores)  # type: ignore[arg-type]
        return super().visit_AsName(node)

    def visit_For(self, node: cst.For) -> bool | None:
        _mark(node.target, self._stores)
        return super().visit_For(node)

    def visit_CompFor(self, node: cst.CompFor) -> bool | None:
        _mark(node.target, self._stores)
        return super().visit_CompFor(node)

    # A comprehension's first `for` target is visited directly, not through visit_CompFor.
    def _mark_comprehension(self, node: cst.BaseComp) -> None:
        for_in: cst.CompFor | None = node.for_in
        while for_in is not None:
            _mark(for_in.target, self._stores)
            for_in = for_in.inner_for_in

    def visit_ListComp(self, node: cst.ListComp) -> bool | None:
        self._mark_comprehension(node)
        return super().visit_ListComp(node)

    def visit_SetComp(self, node: cst.SetComp) -> bool | None:
        self._mark_comprehension(node)
        return super().visit_SetComp(node)

    def visit_DictComp(self, node: cst.DictComp) -> bool | None:
        self._mark_comprehension(node)
        return super().visit_DictComp(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool | None:
        self._mark_comprehension(node)
        return super().visit_GeneratorExp(node)


class ScopeProvider(_LibCSTScopeProvider):
    """LibCST's ScopeProvider, with the stored names found during its own walk."""

    METADATA_DEPENDENCIES = ()

    @classmethod
    def get_inherited_dependencies(cls) -> frozenset[Any]:
        # LibCST unions METADATA_DEPENDENCIES over the MRO, which would bring the
        # ExpressionContextProvider pass back in from the base class.
        return frozenset()

    def visit_Module(self, node: cst.Module) -> bool | None:
        self.stores: set[cst.Name] = set()
        visitor = _Visitor(self)
        node.visit(visitor)
        visitor.infer_accesses()
        return None

    def get_metadata(self, key: Any, node: cst.CSTNode, *default: Any) -> Any:
        if key is ExpressionContextProvider:  # asked by ScopeVisitor.visit_Name only
            return ExpressionContext.STORE if node in self.stores else None
        return super().get_metadata(key, node, *default)
