"""explain(): the exact text `rules explain PATH` prints."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from migrate_storage.rules import RuleSet, explain, load_rules

RULES = """\
exclude = ["vendor/**"]

[[rules]]
name = "models"
description = "weights must survive"
paths = ["src/**"]
strategy = "pin"

[[rules]]
paths = ["src/api/**"]
strategy = "cache"
families = ["json", "pickle"]

[[rules]]
paths = ["src/api/session.py"]
strategy = "local"
families = ["pickle"]
"""

R1 = "migrate-storage.toml:3 [[rules]] #1 'models' paths=['src/**'] strategy=pin"
R2 = "migrate-storage.toml:9 [[rules]] #2 paths=['src/api/**'] strategy=cache families=['json', 'pickle']"
R3 = "migrate-storage.toml:14 [[rules]] #3 paths=['src/api/session.py'] strategy=local families=['pickle']"


@pytest.fixture
def ruleset(tmp_path: Path) -> RuleSet:
    (tmp_path / ".git").mkdir()
    (tmp_path / "migrate-storage.toml").write_text(RULES)
    return load_rules(None, tmp_path)


def _expect(ruleset: RuleSet, path: str, body: str) -> str:
    head = f"{path}\n  rules: {ruleset.source} (globs relative to {ruleset.root})\n"
    return head + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")


def test_each_family_and_the_overridden_rules(ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ruleset.root)
    assert explain(ruleset, Path("src/api/session.py")) == _expect(
        ruleset,
        "src/api/session.py",
        f"""
          matched as: src/api/session.py
          open, pathlib, lifecycle, third-party, existence: pin, decided by {R1} via 'src/**'
            (weights must survive)
          json: cache, decided by {R2} via 'src/api/**'
          pickle: local, decided by {R3} via 'src/api/session.py'
          matched but overridden (the last matching rule wins):
            {R1} via 'src/**': decides open, pathlib, lifecycle, third-party, existence; overridden for json, pickle by later rules #2, #3
            {R2} via 'src/api/**': decides json; overridden for pickle by later rule #3
    """,
    )


def test_a_single_rule_decides_everything(ruleset: RuleSet) -> None:
    path = ruleset.root / "src" / "models" / "convert.py"
    assert explain(ruleset, path) == _expect(
        ruleset,
        str(path),
        f"""
          matched as: src/models/convert.py
          open, pathlib, json, pickle, lifecycle, third-party, existence: pin, decided by {R1} via 'src/**'
            (weights must survive)
    """,
    )


def test_family_rule_with_the_default_for_the_rest(tmp_path: Path) -> None:
    (tmp_path / "migrate-storage.toml").write_text(
        '[[rules]]\npaths = ["eval/"]\nstrategy = "pin"\nfamilies = ["json"]\n'
    )
    ruleset = load_rules(None, tmp_path)
    path = tmp_path / "eval" / "run.py"
    rule = "migrate-storage.toml:1 [[rules]] #1 paths=['eval/'] strategy=pin families=['json']"
    assert explain(ruleset, path) == _expect(
        ruleset,
        str(path),
        f"""
          matched as: eval/run.py
          open, pathlib, pickle, lifecycle, third-party, existence: cache, decided by the default strategy (no matching rule covers them)
          json: pin, decided by {rule} via 'eval/'
    """,
    )
    (tmp_path / "migrate-storage.toml").write_text(
        '[[rules]]\npaths = ["eval/"]\nstrategy = "pin"\nfamilies = ["open", "pathlib", "json"]\n'
    )
    assert "\n  pickle, lifecycle, third-party, existence: cache, decided by the default strategy (no matching rule covers them)" in explain(
        load_rules(None, tmp_path), path
    )


def test_no_rule_matches(ruleset: RuleSet) -> None:
    path = ruleset.root / "tools" / "x.py"
    assert explain(ruleset, path) == _expect(
        ruleset,
        str(path),
        """
          matched as: tools/x.py
          no rule matches it: every family gets the default strategy cache
    """,
    )


def test_excluded(ruleset: RuleSet) -> None:
    path = ruleset.root / "vendor" / "src" / "lib.py"
    assert explain(ruleset, path) == _expect(
        ruleset,
        str(path),
        """
          matched as: vendor/src/lib.py
          excluded by migrate-storage.toml:1 exclude 'vendor/**': its sites are reported, never rewritten
          were it not excluded:
          no rule matches it: every family gets the default strategy cache
    """,
    )


def test_outside_the_root(ruleset: RuleSet, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("other") / "src" / "a.py"
    assert explain(ruleset, path) == _expect(
        ruleset,
        str(path),
        f"""
          outside {ruleset.root}: no rule or exclude glob can match it; the default strategy cache applies to every family
    """,
    )


def test_secret_looking_path_gets_a_note(ruleset: RuleSet) -> None:
    text = explain(ruleset, ruleset.root / "src" / "credentials.py")
    assert text.endswith(
        "  note: this path looks like a secret (default deny list): the runtime never "
        "publishes it unless allow_secrets lists it"
    )


def test_built_in_defaults(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    ruleset = load_rules(None, tmp_path)
    assert explain(ruleset, tmp_path / "a.py") == (
        f"{tmp_path / 'a.py'}\n"
        "  rules: none found, built-in defaults (default strategy cache, runtime storage_runtime)\n"
        "  matched as: a.py\n"
        "  no rule matches it: every family gets the default strategy cache"
    )
