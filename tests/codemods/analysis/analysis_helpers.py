"""Build what the analyses read (module, scopes, bindings, findings) from a dedented snippet."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import libcst as cst
from libcst.metadata import MetadataWrapper, Scope
from migrate_storage.codemods.analysis.collect import Collector
from migrate_storage.codemods.analysis.finder import Findings, find_sites
from migrate_storage.codemods.pipeline import prefilter
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.codemods.speedups import scopes as scope_provider

RUNTIME = "storage_runtime"


def analysed(code: str) -> tuple[cst.Module, Mapping[cst.CSTNode, Scope | None], Collector]:
    """The module, the scope of each node, and the collector's walk (its `bindings`)."""
    source = textwrap.dedent(code)
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    scopes = scope_provider.scopes(wrapper)
    scan = prefilter.scan(source.encode(), source, RUNTIME)
    collector = Collector((scan.module_names, scan.from_names))
    wrapper.module.visit(collector)
    return wrapper.module, scopes, collector


def findings(code: str, policy: FilePolicy | None = None) -> Findings:
    source = textwrap.dedent(code)
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    scan = prefilter.scan(source.encode(), source, RUNTIME)
    return find_sites(wrapper, scan, "m.py", policy or FilePolicy())


def last_call_receiver(module: cst.Module) -> cst.BaseExpression:
    """The receiver of the module's last statement's call: `x` in `x.read_text()`."""
    statement = module.body[-1]
    assert isinstance(statement, cst.SimpleStatementLine)
    expr = statement.body[0]
    assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
    func = expr.value.func
    assert isinstance(func, cst.Attribute)
    return func.value
