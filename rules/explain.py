"""`rules explain PATH`: which rule decides a path, family by family, and why.

Pure function over a RuleSet: returns the text, prints nothing (the CLI prints it).
"""

from __future__ import annotations

from pathlib import Path

from migrate_storage.codemods.model import Family
from migrate_storage.rules.matcher import Decision, RuleSet
from migrate_storage.rules.schema import Rule, rewritable_families


def explain(ruleset: RuleSet, path: Path | str) -> str:
    """Say, family by family, which rule decides `path`, and which rules it overrode.

    Returns lines joined by newlines, without a trailing newline (the CLI's echo adds one).

    Covers: no rules file (built-in defaults), a path outside the rules root (default
    applies), an excluded path (and what would apply were it not excluded), rules matched
    but overridden (by which later rule, for which families), and secret-looking paths.
    """
    lines = [str(path)]
    if ruleset.source is None:
        lines.append(
            f"  rules: none found, built-in defaults (default strategy "
            f"{ruleset.default.value}, runtime {ruleset.runtime})"
        )
    else:
        lines.append(f"  rules: {ruleset.source} (globs relative to {ruleset.root})")
    rel = ruleset.relative(path)
    if rel is None:
        lines.append(
            f"  outside {ruleset.root}: no rule or exclude glob can match it; "
            f"the default strategy {ruleset.default.value} applies to every family"
        )
        return "\n".join(lines)
    lines.append(f"  matched as: {rel}")
    excluded_by = ruleset.excluding_glob(path)
    if excluded_by is not None:
        lines.append(f"  excluded by {excluded_by}: its sites are reported, never rewritten")
        lines.append("  were it not excluded:")
    matched = ruleset.matching_rules(path)
    if matched:
        decisions = ruleset.decisions(path)
        lines.extend(_decided(decisions))
        lines.extend(_overridden(matched, decisions))
    else:
        lines.append(f"  no rule matches it: every family gets the default strategy {ruleset.default.value}")
    if ruleset.is_secret(path):
        lines.append(
            "  note: this path looks like a secret (default deny list): the runtime "
            "never publishes it unless allow_secrets lists it"
        )
    return "\n".join(lines)


def _decided(decisions: dict[Family, Decision]) -> list[str]:
    """One line per group of families decided the same way, in family order."""
    groups: dict[tuple[object, ...], list[Family]] = {}
    for family in rewritable_families():
        d = decisions[family]
        groups.setdefault((d.strategy, id(d.rule), d.glob), []).append(family)
    lines = []
    for families in groups.values():
        d = decisions[families[0]]
        names = ", ".join(f.value for f in families)
        if d.rule is None:
            why = "the default strategy (no matching rule covers " + ("them)" if len(families) > 1 else "it)")
        else:
            why = f"{d.rule.describe()} via {d.glob!r}"
        lines.append(f"  {names}: {d.strategy.value}, decided by {why}")
        if d.rule is not None and d.rule.description:
            lines.append(f"    ({d.rule.description})")
    return lines


def _overridden(matched: list[tuple[Rule, str]], decisions: dict[Family, Decision]) -> list[str]:
    """The matching rules that lost some family to a later rule, and to which."""
    lines = []
    for rule, glob in matched:
        lost = [f for f in rewritable_families() if rule.covers(f) and decisions[f].rule is not rule]
        if not lost:
            continue
        by = sorted({r.index for f in lost if (r := decisions[f].rule) is not None})
        kept = [f.value for f in rewritable_families() if decisions[f].rule is rule]
        verb = f"decides {', '.join(kept)}; overridden" if kept else "overridden"
        lines.append(
            f"    {rule.describe()} via {glob!r}: {verb} for {', '.join(f.value for f in lost)} "
            f"by later {'rule' if len(by) == 1 else 'rules'} {', '.join(f'#{i}' for i in by)}"
        )
    if lines:
        lines.insert(0, "  matched but overridden (the last matching rule wins):")
    return lines
