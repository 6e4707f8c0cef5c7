"""Every codemod's EXAMPLES, run through the engine: output, sites, safety, idempotency."""

from __future__ import annotations

import textwrap

import pytest
from codemod_cases import pending, run_code
from migrate_storage.codemods.families import (
    codecs_open,
    function_values,
    runtime_calls,
    scratch,
    third_party,
)
from migrate_storage.codemods.families.examples import Rewritten, Unchanged
from migrate_storage.codemods.families.registry import FAMILY_MODULES
from migrate_storage.codemods.model import FileStatus, Status
from migrate_storage.codemods.pipeline.engine import transform_source

MODULES = FAMILY_MODULES
# no COMMAND: they rewrite nothing
CLASSIFY_ONLY = (scratch, third_party, runtime_calls, function_values)
# No COMMAND of their own: their sites are another module's kind, rewritten by its command
# (codecs.open sites are the open family's: OpenCallsCodemod).
REWRITTEN_BY_ANOTHER = (codecs_open,)
EXAMPLES = [
    pytest.param(example, id=f"{module.__name__.rpartition('.')[2]}-{index}")
    for module in MODULES
    for index, example in enumerate(module.EXAMPLES)
]
REWRITTEN = [p for p in EXAMPLES if isinstance(p.values[0], Rewritten)]
UNCHANGED = [p for p in EXAMPLES if isinstance(p.values[0], Unchanged)]


@pytest.mark.parametrize("example", REWRITTEN)
def test_rewritten_example(example: Rewritten) -> None:
    result = run_code(example.before, example.policy)
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    assert result.new_source.decode() == textwrap.dedent(example.after)
    # Every site the rewrite touched was PENDING before, and nothing is left pending.
    assert result.pending, "a change without a pending site"
    again = transform_source(result.new_source, "mod.py", example.policy)
    assert again.status is FileStatus.UNCHANGED, again.message
    assert pending(again) == []
    # The pending sites are migrated on the second run (a collapsed pair is one site
    # then); what was left alone stays left, with its reason.
    families = {r.family for r in result.pending}
    left = sorted(
        str(s.reason) for s in result.sites
        if s.family in families and s.status is Status.UNMIGRATED
    )
    assert left == sorted(
        str(s.reason) for s in again.sites
        if s.family in families and s.status is not Status.MIGRATED
    )


@pytest.mark.parametrize("example", UNCHANGED)
def test_unchanged_example(example: Unchanged) -> None:
    result = run_code(example.code, example.policy)
    assert result.status is FileStatus.UNCHANGED, example.reason
    assert pending(result) == []
    reasons = {s.reason for s in result.sites}
    if example.site_reason is None:
        assert result.sites == (), f"{example.reason}: unexpected {result.sites}"
    else:
        assert example.site_reason in reasons, reasons


def test_every_module_documents_itself() -> None:
    for module in MODULES:
        doc = module.__doc__ or ""
        assert "**Rewrites**" in doc and "**Leaves alone (why)**" in doc, (
            module.__name__
        )
        assert module.DESCRIPTION and "\n" not in module.DESCRIPTION
        kinds = {type(e) for e in module.EXAMPLES}
        # A family that only classifies rewrites nothing: Unchanged only, and no command.
        assert (module.COMMAND is None) == (
            module in CLASSIFY_ONLY + REWRITTEN_BY_ANOTHER
        ), module.__name__
        assert kinds == (
            {Unchanged} if module in CLASSIFY_ONLY else {Rewritten, Unchanged}
        ), module.__name__
        for example in module.EXAMPLES:
            if isinstance(example, Unchanged):
                assert example.reason.startswith("Should do nothing, since ")
