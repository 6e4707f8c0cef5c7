"""families/registry.py and the protocol of families/protocol.py: a family is one module
listed once. Stand-in families, added to the registry here, are let through by the
prefilter, recognised, decided and rewritten by the finder and the rewriter, run as a
LibCST command and reported under their SARIF rule, without any of them knowing it."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import libcst as cst
import pytest
from migrate_storage.codemods.analysis.context import Context
from migrate_storage.codemods.analysis.found import Found, Position
from migrate_storage.codemods.families import (
    json_pickle,
    registry,
    scratch,
    third_party,
)
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.families.registry import (
    FAMILY_MODULES,
    REWRITABLE_FAMILIES,
)
from migrate_storage.codemods.model import Family, FileStatus, Reason, Site, Status
from migrate_storage.codemods.pipeline import prefilter
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.pipeline.rewrite import run_pass
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.codemods.report import sarif


@dataclass(frozen=True)
class _CallEdit:
    """`f(args)` -> `storage.<method>(args)`: the shape of a family's Edit."""

    node: cst.Call
    region: tuple[int, int]
    family: Family
    method: str

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        func = cst.Attribute(cst.Name(names["storage"]), cst.Name(self.method))
        return node.with_changes(func=func)


SEEN_BY_DECIDE: list[tuple[Status, Reason | None]] = []


def _family(
    name: str,
    qualified: str,
    family: Family,
    method: str,
    candidates: Candidates,
    command: Command | None = None,
    sarif_rules: tuple[SarifRule, ...] = (),
) -> ModuleType:
    """A family is a module: this one, made here rather than written as a file, claims
    the calls that resolve to `qualified` alone and rewrites them to `storage.<method>`."""

    def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
        if ctx.names(call) != {qualified}:
            return None
        # its path is the first argument: the secret-path rule judges it (Found.target)
        first = call.args[0].value if call.args and call.args[0].keyword is None else None
        return Found(call, position, name, family, qualified, target=first)

    def decide(items: list[Found], ctx: Context) -> None:
        for item in items:
            SEEN_BY_DECIDE.append((item.status, item.reason))
            if item.status is Status.PENDING:
                region = (item.position.line, item.position.end_line)
                item.edit = _CallEdit(item.call, region, family, method)
                item.needs = ("storage",)

    module = ModuleType(name)
    module.__dict__.update(
        DERIVED=False,
        EXAMPLES=(),
        recognise=recognise,
        decide=decide,
        CANDIDATES=candidates,
        COMMAND=command,
        SARIF_RULES=sarif_rules,
    )
    return module


# Reports under scratch's kind (os.fdopen is in its table too): no SARIF rule of its own.
COPY_FAMILY = _family(
    "copy_family",
    "os.fdopen",
    Family.UNSUPPORTED,
    "fdopen",
    Candidates(
        text=("fdopen",),
        module_roots=frozenset({"os"}),
        module_functions=frozenset({"fdopen"}),
    ),
)


def _run(
    code: str, policy: FilePolicy | None = None
) -> tuple[str, list[tuple[str, Status, Reason | None]]]:
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
    patched = (*FAMILY_MODULES[:index], COPY_FAMILY, *FAMILY_MODULES[index:])
    monkeypatch.setattr(registry, "FAMILY_MODULES", patched)
    after, sites = _run(code)
    assert (
        after
        == "import os\nfrom storage_runtime import storage\n\nstorage.fdopen(a, b)\n"
    )
    assert sites == [("os.fdopen", Status.PENDING, None)]


def test_the_rules_apply_to_a_non_derived_family_before_it_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patched = (COPY_FAMILY, *FAMILY_MODULES)
    monkeypatch.setattr(registry, "FAMILY_MODULES", patched)
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


# -- a family the pipeline has never heard of: `mylib.save(obj, path)` -------------------
# It declares everything the pipeline reads of a family: the names the prefilter must let
# through (no other family knows `mylib`), its command, and its SARIF rule. `Family` is
# the report's vocabulary and cannot grow inside a test, so this family takes over the
# third-party kind: its registry leaves third_party out (publish_after, which reports
# under that kind too, keeps reading third_party's table itself).


MYLIB = _family(
    "mylib_family",
    "mylib.save",
    Family.THIRD_PARTY,
    "mylib_save",
    Candidates(
        text=("mylib",),
        module_roots=frozenset({"mylib"}),
        module_functions=frozenset({"save"}),
    ),
    Command(
        "MylibCodemod",
        "Route mylib.save through the storage runtime.",
        (Family.THIRD_PARTY,),
        order=6,
    ),
    (SarifRule(Family.THIRD_PARTY, "MS-MYLIB", "mylib.save of a file"),),
)
WITH_MYLIB = tuple(MYLIB if m is third_party else m for m in FAMILY_MODULES)
SAVE = "import mylib\n\nmylib.save(obj, 'out.bin')\n"
SAVED = "import mylib\nfrom storage_runtime import storage\n\nstorage.mylib_save(obj, 'out.bin')\n"


def test_the_prefilter_lets_through_what_a_listed_family_asks_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not prefilter.may_contain_target(SAVE.encode(), "storage_runtime")
    assert prefilter.scan(SAVE.encode(), SAVE, "storage_runtime").candidates == ()
    monkeypatch.setattr(registry, "FAMILY_MODULES", WITH_MYLIB)
    assert prefilter.may_contain_target(SAVE.encode(), "storage_runtime")
    found = prefilter.scan(SAVE.encode(), SAVE, "storage_runtime").candidates
    assert [(c.shape, c.line) for c in found] == [(("save", "mylib"), 3)]


def test_a_new_family_is_recognised_decided_and_rewritten_by_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (
        transform_source(SAVE.encode(), "m.py", FilePolicy()).status
        is FileStatus.UNCHANGED
    )
    monkeypatch.setattr(registry, "FAMILY_MODULES", WITH_MYLIB)
    result = transform_source(SAVE.encode(), "m.py", FilePolicy())
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source == SAVED.encode()
    assert [(s.name, s.family, s.status) for s in result.sites] == [
        ("mylib.save", Family.THIRD_PARTY, Status.PENDING)
    ]


def test_a_new_family_s_literal_secret_path_stays_local(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rules apply to a new family's sites through what it says its file is
    (`Found.target`): no other module has to learn its call shape."""
    code = "import mylib\n\nmylib.save('.env', data)\nmylib.save('out.bin', data)\n"
    monkeypatch.setattr(registry, "FAMILY_MODULES", WITH_MYLIB)
    result = transform_source(code.encode(), "m.py", FilePolicy())
    assert [(s.status, s.reason) for s in result.sites] == [
        (Status.LOCAL, Reason.SECRET_PATH),
        (Status.PENDING, None),
    ]


def test_a_new_family_s_command_runs_through_libcst(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from libcst.codemod import CodemodContext, TransformSuccess, transform_module
    from migrate_storage.codemods import commands

    assert not hasattr(commands, "MylibCodemod")
    monkeypatch.setattr(registry, "FAMILY_MODULES", WITH_MYLIB)
    command_class = commands.MylibCodemod
    assert command_class.__name__ == "MylibCodemod"
    assert command_class.DESCRIPTION == "Route mylib.save through the storage runtime."
    assert command_class.FAMILIES == (Family.THIRD_PARTY,)
    context = CodemodContext(filename=str(tmp_path / "m.py"))  # no rules file above it
    result = transform_module(command_class(context), SAVE)
    assert isinstance(result, TransformSuccess), result
    assert result.code == SAVED


def test_a_new_family_s_sarif_rule_is_the_one_its_sites_report_under(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    site = Site("m.py", 3, 0, Family.THIRD_PARTY, "mylib.save", Status.PENDING)
    assert sarif.site_result(site, "m.py")["ruleId"] == "MS-THIRD-PARTY"
    monkeypatch.setattr(registry, "FAMILY_MODULES", WITH_MYLIB)
    result = sarif.site_result(site, "m.py")
    assert (result["ruleId"], result["ruleIndex"]) == (
        "MS-MYLIB",
        list(Family).index(Family.THIRD_PARTY),
    )
    driver = json.loads(sarif.document([result], cwd=tmp_path))["runs"][0]["tool"][
        "driver"
    ]
    assert {
        "id": "MS-MYLIB",
        "name": "third-party",
        "shortDescription": {"text": "mylib.save of a file"},
        "properties": {"family": "third-party"},
    } in driver["rules"]
    assert [r["id"] for r in driver["rules"]].count("MS-THIRD-PARTY") == 0


def test_every_kind_has_one_sarif_rule_declared_by_one_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owners: dict[Family, list[str]] = {}
    for module in FAMILY_MODULES:
        for rule in module.SARIF_RULES:
            owners.setdefault(rule.family, []).append(module.__name__)
    assert {family: len(names) for family, names in owners.items()} == {
        family: 1 for family in Family
    }
    rules = sarif.rules()
    assert [rule.family for rule in rules] == list(Family)  # `ruleIndex` counts in it
    # Two modules claiming one kind is an error, not a silent choice.
    monkeypatch.setattr(registry, "FAMILY_MODULES", (*FAMILY_MODULES, MYLIB))
    with pytest.raises(
        ValueError,
        match="two SARIF rules for Family.THIRD_PARTY: MS-THIRD-PARTY, MS-MYLIB",
    ):
        sarif.rules()


def test_the_rewritable_families_are_what_the_commands_declare() -> None:
    declared = [m.COMMAND for m in FAMILY_MODULES if m.COMMAND is not None]
    assert set(REWRITABLE_FAMILIES) == {f for c in declared for f in c.rewrites}
    # A second module rewriting a kind adds no second entry; its order places new kinds.
    assert registry.rewritable_families(WITH_MYLIB) == REWRITABLE_FAMILIES


def test_each_family_command_is_found_through_its_module() -> None:
    """What `python -m libcst.tool codemod open_calls.OpenCallsCodemod` looks up: a module
    that declares a command answers its name (`lazy_command`) with commands.py's class."""
    from migrate_storage.codemods import commands

    declared = [m for m in FAMILY_MODULES if m.COMMAND is not None]
    assert declared
    for module in declared:
        name = module.COMMAND.name
        assert getattr(module, name) is getattr(commands, name), module.__name__
        assert getattr(commands, name).FAMILIES == module.COMMAND.rewrites
