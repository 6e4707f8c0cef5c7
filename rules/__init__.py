"""migrate_storage.rules: the rules file that picks pin, cache or local per source file.

    from migrate_storage.rules import load_rules, explain, check
    ruleset = load_rules(None, Path("src"))          # --rules FILE, pyproject, or defaults
    policy = ruleset.policy_for(Path("src/models/convert.py"))
    print(explain(ruleset, Path("src/models/convert.py")))

See loader.py (where rules come from), schema.py (keys and checks), matcher.py (how a path
is matched: last matching rule wins, per family) and example.toml (a realistic policy).
"""

from __future__ import annotations

from pathlib import Path

from migrate_storage.codemods.errors import RulesError
from migrate_storage.rules.check import check
from migrate_storage.rules.explain import explain
from migrate_storage.rules.loader import (
    DEDICATED_NAME,
    PYPROJECT_NAME,
    find_rules_file,
    load_rules,
)
from migrate_storage.rules.matcher import Decision, RuleSet
from migrate_storage.rules.schema import Problem, Rule, Settings
from storage_runtime.secret_paths import DEFAULT_SECRET_GLOBS

EXAMPLE_RULES = Path(__file__).with_name("example.toml")

__all__ = [
    "DEDICATED_NAME",
    "DEFAULT_SECRET_GLOBS",
    "EXAMPLE_RULES",
    "PYPROJECT_NAME",
    "Decision",
    "Problem",
    "Rule",
    "RuleSet",
    "RulesError",
    "Settings",
    "check",
    "explain",
    "find_rules_file",
    "load_rules",
]
