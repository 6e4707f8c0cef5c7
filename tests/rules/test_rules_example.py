"""rules/example.toml loads cleanly and does what its comments say."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from migrate_storage.codemods.families.registry import REWRITABLE_FAMILIES
from migrate_storage.codemods.model import Strategy
from migrate_storage.rules import EXAMPLE_RULES, RuleSet, check, load_rules

PIN, CACHE, LOCAL = Strategy.PIN, Strategy.CACHE, Strategy.LOCAL

# One source file per claim in the example's comments, plus the secrets it mentions.
TREE = (
    "models/convert_llama.py",
    "src/app/convert_onnx.py",
    "src/app/export/weights.py",
    "src/app/api/responses.py",
    "src/app/clients/http.py",
    "src/app/embedding_cache.py",
    "eval/mmlu/run.py",
    "src/app/clients/session_store.py",
    "src/app/secrets/vault.py",
    "src/app/secrets/README.md",
    "src/app/settings.py",
    "src/app/credentials_loader.py",
    "src/app/main.py",
    "vendor/lib/x.py",
    "app/migrations/0001_initial.py",
    "build/lib/app.py",
    "tests/fixtures/selfsigned.pem",
)


@pytest.fixture
def ruleset(tmp_path: Path) -> RuleSet:
    shutil.copy(EXAMPLE_RULES, tmp_path / "migrate-storage.toml")
    for rel in TREE:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    return load_rules(None, tmp_path)


def test_example_loads_strictly_and_checks_clean(ruleset: RuleSet) -> None:
    assert [r.name for r in ruleset.rules] == [
        "model artefacts",
        "API and response caches",
        "evaluation reports",
        "client sessions",
        "secrets",
    ]
    assert ruleset.runtime == "storage_runtime" and ruleset.default is CACHE
    assert check(ruleset, [ruleset.root]) == []


def test_example_as_pyproject_section_behaves_the_same(tmp_path: Path) -> None:
    body = EXAMPLE_RULES.read_text().replace("[[rules]]", "[[tool.migrate-storage.rules]]")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.migrate-storage]\n' + body)
    ruleset = load_rules(None, tmp_path)
    assert len(ruleset.rules) == 5
    assert ruleset.policy_for(tmp_path / "models" / "m.py").strategy is PIN


FAMILIES = REWRITABLE_FAMILIES  # the expected tuples below spell out this order


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        # open, pathlib, json, pickle, lifecycle, third-party, existence (FAMILIES)
        ("models/convert_llama.py", (PIN, PIN, PIN, PIN, PIN, PIN, PIN)),  # 1. model conversions pinned
        ("src/app/convert_onnx.py", (PIN, PIN, PIN, PIN, PIN, PIN, PIN)),
        ("src/app/export/weights.py", (PIN, PIN, PIN, PIN, PIN, PIN, PIN)),
        ("src/app/api/responses.py", (CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE)),  # 2. API/response caches
        ("src/app/clients/http.py", (CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE)),
        ("src/app/embedding_cache.py", (CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE)),
        ("eval/mmlu/run.py", (CACHE, CACHE, PIN, CACHE, CACHE, CACHE, CACHE)),  # 3. only JSON reports pinned
        ("src/app/clients/session_store.py", (CACHE, CACHE, CACHE, LOCAL, CACHE, CACHE, CACHE)),  # 4. session pickles local
        ("src/app/secrets/vault.py", (LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL)),  # 5. secrets local, last wins
        ("src/app/settings.py", (LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL)),
        ("src/app/credentials_loader.py", (LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL)),
        ("src/app/api/credentials.py", (LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL, LOCAL)),  # 5 wins over 2
        ("src/app/main.py", (CACHE, CACHE, CACHE, CACHE, CACHE, CACHE, CACHE)),  # default
    ],
)
def test_example_policy(ruleset: RuleSet, rel: str, expected: tuple[Strategy, ...]) -> None:
    policy = ruleset.policy_for(ruleset.root / rel)
    assert tuple(policy.strategy_for(f) for f in FAMILIES) == expected
    assert not policy.excluded


@pytest.mark.parametrize(
    "rel", ["vendor/lib/x.py", "app/migrations/0001_initial.py", "build/lib/app.py", ".venv/x.py"]
)
def test_example_excludes(ruleset: RuleSet, rel: str) -> None:
    assert ruleset.is_excluded(ruleset.root / rel)


def test_example_allows_its_test_certificate_only(ruleset: RuleSet) -> None:
    assert not ruleset.is_secret(ruleset.root / "tests/fixtures/selfsigned.pem")
    assert ruleset.is_secret(ruleset.root / "tests/fixtures/other.pem")
    # the secrets rule's own negation keeps its README out of it
    assert ruleset.matching_rules(ruleset.root / "src/app/secrets/README.md") == []
