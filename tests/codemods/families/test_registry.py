"""families/registry.py and the protocol of families/protocol.py: a family is one module
listed once. A stand-in family, added to the registry here, is recognised, decided and
rewritten by the finder and the rewriter without either knowing it."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

import libcst as cst
import pytest
from migrate_storage.codemods.analysis import finder
from migrate_storage.codemods.analysis.context import Context
from migrate_storage.codemods.analysis.found import Found, Position
from migrate_storage.codemods.families import json_pickle, scratch
from migrate_storage.codemods.families.registry import FAMILY_MODULES
from migrate_storage.codemods.model import REWRITABLE_FAMILIES, Family, Reason, Status
from migrate_storage.codemods.pipeline import prefilter
from migrate_storage.codemods.pipeline.rewrite import run_pass
from migrate_storage.codemods.policy import FilePolicy


@dataclass(frozen=True)
class _CopyEdit:
    """`os.fdopen(a, b)` -> `storage.fdopen(a, b)`: the shape of a family's Edit."""

    node: cst.Call
    region: tuple[int, int]
    family: Family = Family.UNSUPPORTED

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        func = cst.Attribute(cst.Name(names["storage"]), cst.Name("fdopen"))
        return node.with_changes(func=func)


def _recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    if ctx.names(call) != {"os.fdopen"}:
        return None
    return Found(call, position, "fdopen", Family.UNSUPPORTED, "os.fdopen")


SEEN_BY_DECIDE: list[tuple[Status, Reason | None]] = []


def _decide(items: list[Found], ctx: Context) -> None:
    for item in items:
        SEEN_BY_DECIDE.append((item.status, item.reason))
        if item.status is Status.PENDING:
            item.edit = _CopyEdit(item.call, (item.position.line, item.position.end_line))
            item.needs = ("storage",)


# A family is a module: this one is made here rather than written as a file.
COPY_FAMILY = ModuleType("copy_family")
COPY_FAMILY.DERIVED = False  # type: ignore[attr-defined]
COPY_FAMILY.EXAMPLES = ()  # type: ignore[attr-defined]
COPY_FAMILY.recognise = _recognise  # type: ignore[attr-defined]
COPY_FAMILY.decide = _decide  # type: ignore[attr-defined]


def _run(code: str, policy: FilePolicy | None = None) -> tuple[str, list[tuple[str, Status, Reason | None]]]:
    source = textwrap.dedent(code)
    policy = policy or FilePolicy()
    scan = prefilter.scan(source.encode(), source, policy.runtime_module)
    families = (*REWRITABLE_FAMILIES, Family.UNSUPPORTED)
    result = run_pass(cst.parse_module(source), scan, "m.py", policy, families=families)
    new = result.module.code if result.module is not None else source
    return new, [(s.name, s.status, s.reason) for s in result.sites]


def test_a_module_listed_in_the_registry_is_recognised_decided_and_rewritten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = "import os\n\nos.fdopen(a, b)\n"
    before, sites = _run(code)
    assert before == code  # without it: scratch claims the call, "unsupported family"
    assert sites == [("os.fdopen", Status.UNMIGRATED, Reason.UNSUPPORTED_FAMILY)]
    # Listed before scratch, whose table holds os.fdopen too: the first claim wins.
    index = FAMILY_MODULES.index(scratch)
    registry = (*FAMILY_MODULES[:index], COPY_FAMILY, *FAMILY_MODULES[index:])
    monkeypatch.setattr(finder, "FAMILY_MODULES", registry)
    after, sites = _run(code)
    assert after == "import os\nfrom storage_runtime import storage\n\nstorage.fdopen(a, b)\n"
    assert sites == [("os.fdopen", Status.PENDING, None)]


def test_the_rules_apply_to_a_non_derived_family_before_it_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = (COPY_FAMILY, *FAMILY_MODULES)
    monkeypatch.setattr(finder, "FAMILY_MODULES", registry)
    code = "import os\n\nos.fdopen(a, b)\n"
    SEEN_BY_DECIDE.clear()
    after, sites = _run(code, FilePolicy(excluded=True))
    assert SEEN_BY_DECIDE == [(Status.UNMIGRATED, Reason.EXCLUDED_FILE)]
    assert after == code
    assert sites == [("os.fdopen", Status.UNMIGRATED, Reason.EXCLUDED_FILE)]


def test_the_registry_lists_each_module_once_and_derived_ones_read_the_others() -> None:
    assert len(set(FAMILY_MODULES)) == len(FAMILY_MODULES)
    assert [m for m in FAMILY_MODULES if m.DERIVED] == [json_pickle]
    for module in FAMILY_MODULES:
        assert callable(module.recognise) and callable(module.decide), module.__name__
