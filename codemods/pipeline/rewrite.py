"""One pass over one parsed module: find the sites, rewrite the PENDING ones, add imports.

Shared by the engine (`transform_source`), the safety net's second pass and the LibCST
codemod commands, so all three produce the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper
from migrate_storage.codemods import speedups
from migrate_storage.codemods.analysis.finder import PairingError, find_sites
from migrate_storage.codemods.analysis.plan import Plan
from migrate_storage.codemods.families.registry import REWRITABLE_FAMILIES
from migrate_storage.codemods.model import Family, Site
from migrate_storage.codemods.pipeline import prefilter, prune
from migrate_storage.codemods.policy import FilePolicy


@dataclass(frozen=True, slots=True)
class PassResult:
    sites: tuple[Site, ...]
    module: cst.Module | None  # the rewritten module; None when nothing was rewritten
    plan: Plan | None


def run_pass(
    module: cst.Module,
    scan: prefilter.Scan,
    path: str,
    policy: FilePolicy,
    *,
    rewrite: bool = True,
    families: Iterable[Family] = REWRITABLE_FAMILIES,
    pruned: prune.Pruned | None = None,
) -> PassResult:
    """Classify `module`'s sites and (when `rewrite`) apply the plan for `families`.

    `pruned`: `module` is already cut (engine._analyse_cut: the byte cut is the one
    pruning mechanism) and this is what was cut; otherwise `module` is analysed whole."""
    families = frozenset(families)
    if not scan.candidates and not scan.values:
        return PassResult((), None, None)
    if pruned is None:
        pruned = prune.Pruned(module)
    elif scan.tree is not None:
        raise ValueError("a cut module is not pruned again: pass a scan without a tree")
    try:
        wrapper = MetadataWrapper(pruned.module, unsafe_skip_copy=True)
        findings = find_sites(
            wrapper, scan, path, policy, pruned=pruned, families=families
        )
    except PairingError:
        if not pruned.exact_lines:  # a cut module: only the whole source can do better
            raise
        # The `ast` and LibCST calls did not pair up: LibCST's own positions.
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        findings = find_sites(
            wrapper, scan, path, policy, pruned=None, families=families
        )
    if not rewrite or not findings.plan:
        return PassResult(findings.sites, None, findings.plan)
    return PassResult(
        findings.sites,
        apply_plan(wrapper.module, findings.plan, policy.runtime_module),
        findings.plan,
    )


def run_source_pass(
    module: cst.Module,
    path: str,
    policy: FilePolicy,
    *,
    families: Iterable[Family] = REWRITABLE_FAMILIES,
) -> PassResult:
    """`run_pass` for a module that was parsed elsewhere (the codemod commands)."""
    scan = prefilter.scan(module.bytes, module.code, policy.runtime_module)
    return run_pass(module, scan, path, policy, families=families)


class _PlanTransformer(cst.CSTTransformer):
    """Replaces each planned node with what its edit builds (families/*: `Edit.apply`)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Subtrees without an edit are kept as they are, not rebuilt node by node.
        return node in self.plan.path_nodes and super().on_visit(node)

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        updated = super().on_leave(original_node, updated_node)
        edit = self.plan.edits.get(original_node)
        if edit is None or not isinstance(updated, cst.CSTNode):
            return updated
        return edit.apply(updated, self.plan.names)


def apply_plan(module: cst.Module, plan: Plan, runtime_module: str) -> cst.Module:
    """Rewrite the planned nodes, then add the runtime imports the PENDING sites need
    (the plan holds only the families this run selected)."""
    # libcst.codemod (via libcst.matchers) takes ~1.5 s to import: only when rewriting.
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    speedups.before_adding_imports()
    new = module.visit(_PlanTransformer(plan))
    context = CodemodContext()
    for obj, alias in plan.imports:
        AddImportsVisitor.add_needed_import(context, runtime_module, obj, alias)
    if plan.imports:
        new = _add_imports(new, AddImportsVisitor(context))
    return new


def _add_imports(module: cst.Module, visitor: cst.CSTTransformer) -> cst.Module:
    """Run AddImportsVisitor over the module's head only: the statements up to the first
    one that is not an import (it edits nothing further down), with that statement
    replaced by a `pass` carrying its leading lines when it is compound (a class or a
    function can be most of the file). Visited directly: `transform_module` would
    deep-copy the module for metadata AddImportsVisitor does not use."""
    body = list(module.body)
    end = _first_non_import(body)
    if end >= len(body):
        return module.visit(visitor)
    statement = body[end]
    if isinstance(statement, cst.SimpleStatementLine):
        head = module.with_changes(body=body[: end + 1]).visit(visitor)
        return module.with_changes(body=[*head.body, *body[end + 1 :]])
    stand_in = cst.SimpleStatementLine(
        [cst.Pass()], leading_lines=statement.leading_lines
    )
    head = module.with_changes(body=[*body[:end], stand_in]).visit(visitor)
    *top, moved = head.body
    restored = statement.with_changes(leading_lines=moved.leading_lines)
    return module.with_changes(body=[*top, restored, *body[end + 1 :]])


def _first_non_import(body: list[cst.BaseStatement]) -> int:
    from migrate_storage.codemods.analysis.bindings import _is_docstring

    start = 1 if body and _is_docstring(body[0]) else 0
    for index in range(start, len(body)):
        statement = body[index]
        if not (
            isinstance(statement, cst.SimpleStatementLine)
            and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)
        ):
            return index
    return len(body)
