"""`rules check`: every problem in a rules file, errors and warnings, with file and line.

Errors (unknown keys, wrong types, unknown strategies or families, malformed globs) come
from loading: load with `load_rules(..., strict=False)` to get all of them here (a strict
load raises the first one instead). Warnings need the tree, so `check` walks `paths`:

* a rule that matches no file under `paths`;
* a pin or cache rule that decides a secret-looking file (default deny list: `.env`,
  `*.pem`, `id_rsa*`, ...; not the ones `allow_secrets` allows, not excluded files), or
  whose glob names such files outright (`*.pem`, `config/.env`) even when none exist yet.
  The runtime refuses to publish these anyway; the warning says the rules ask for it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from migrate_storage.codemods.model import Strategy
from migrate_storage.rules.matcher import RuleSet
from migrate_storage.rules.schema import Problem, Rule
from storage_runtime.secret_paths import DEFAULT_SECRET_GLOBS

_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
_PUBLISHED = (Strategy.PIN, Strategy.CACHE)
_SHOWN = 3  # secret files named per warning


def _files(ruleset: RuleSet, paths: Sequence[Path]) -> list[str]:
    """Every file under `paths` (VCS folders skipped, symlinks not followed), relative to root."""
    found: set[str] = set()
    for top in paths:
        if os.path.isfile(top):
            candidates = [str(top)]
        else:
            candidates = []
            for folder, dirs, names in os.walk(top):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                candidates.extend(os.path.join(folder, n) for n in names)
        for name in candidates:
            rel = ruleset.relative(name)
            if rel is not None:
                found.add(rel)
    return sorted(found)


def _names_secret(glob: str, ruleset: RuleSet) -> bool:
    """Whether a glob names secret-looking files outright, whether or not any exist yet.

    Its last component is one of the deny-list globs ('*.pem', 'keys/*.key'), or a literal
    name the deny list matches ('config/.env'). `allow_secrets` silences it when it lists the
    glob itself or that last component (the literal case goes through `is_secret`).
    """
    if glob.startswith("!"):
        return False
    last = glob.rstrip("/").rsplit("/", 1)[-1]
    if last in DEFAULT_SECRET_GLOBS:
        allowed = ruleset.settings.allow_secrets
        return glob not in allowed and last not in allowed
    if any(c in last for c in "*?[\\"):
        return False
    return ruleset.is_secret(Path(ruleset.root, glob.lstrip("/")))


def _warning(ruleset: RuleSet, rule: Rule, message: str) -> Problem:
    return Problem(ruleset.source, rule.line, f"{rule.label} #{rule.index}: {message}", "warning")


def check(ruleset: RuleSet, paths: Sequence[Path]) -> list[Problem]:
    """Load problems plus warnings for the tree under `paths`, sorted by line."""
    problems = list(ruleset.load_problems)
    if ruleset.source is None:
        return problems
    files = _files(ruleset, paths)
    where = ", ".join(str(p) for p in paths) or "."
    secrets: dict[int, list[str]] = {}
    for rel in files:
        if not ruleset.is_secret(rel_path := ruleset.root / rel) or ruleset.is_excluded(rel_path):
            continue
        deciders = {
            d.rule.index: d.rule
            for d in ruleset.decisions(rel_path).values()
            if d.rule is not None and d.strategy in _PUBLISHED
        }
        for index in deciders:
            secrets.setdefault(index, []).append(rel)
    for rule in ruleset.rules:
        if not any(rule.spec.match_file(rel) for rel in files):
            problems.append(_warning(ruleset, rule, f"matches no file under {where}"))
        if rule.strategy not in _PUBLISHED:
            continue
        fix = 'add a later rule with strategy = "local" for them, or list them in allow_secrets'
        if rule.index in secrets:
            names = secrets[rule.index]
            shown = ", ".join(names[:_SHOWN]) + (
                f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
            )
            problems.append(
                _warning(
                    ruleset,
                    rule,
                    f"strategy {rule.strategy.value} applies to secret-looking files: {shown}; {fix}",
                )
            )
        else:
            named = [g for g in rule.paths if _names_secret(g, ruleset)]
            if named:
                problems.append(
                    _warning(
                        ruleset,
                        rule,
                        f"strategy {rule.strategy.value} with globs that "
                        f"name secret-looking files: "
                        f"{', '.join(map(repr, named))}; {fix}",
                    )
                )
    problems.sort(key=lambda p: (p.line is None, p.line or 0, p.level != "error"))
    return problems
