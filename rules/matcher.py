"""RuleSet: a loaded rules file, and the one place that decides a source file's policy.

Matching (gitignore semantics through pathspec's GitIgnoreSpec, as CODEOWNERS does it):

* A path is first made absolute (relative paths are relative to the current directory),
  then relative to `root`, the folder of the rules file, and matched as a posix string.
  A path outside `root` matches no rule and no `exclude` glob: the default applies to it.
* The last matching rule wins, **per family**: for each family, the deciding rule is the
  last rule that matches the path *and* covers that family (a rule without `families`
  covers them all, including the unsupported family). With no such rule, `default` applies.
* `exclude` globs mark a file excluded (sites are reported, never rewritten); the rules
  are still evaluated so `rules explain` can tell what would apply.

FilePolicy encoding: `strategy`/`families` are those of the last matching rule (or the
default and None), `fallback` is what the other families get (the last matching rule that
covers every family, or the default). When family-specific rules give the other families
more than one strategy, that cannot be said with one fallback, so `by_family` then lists
every family's strategy and `FilePolicy.strategy_for` reads it first.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from migrate_storage.codemods.model import Family, Strategy
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.rules.schema import (
    Problem,
    Rule,
    Settings,
    compile_globs,
)
from pathspec import GitIgnoreSpec
from storage_runtime import secret_paths


@dataclass(frozen=True, slots=True)
class Decision:
    """Who decides one family for one path: the rule (None means the default) and its glob."""

    family: Family
    strategy: Strategy
    rule: Rule | None
    glob: str | None


@dataclass(frozen=True)
class RuleSet:
    """A validated rules file (or the built-in defaults), ready to match paths."""

    root: Path
    source: Path | None
    settings: Settings
    digest: str
    # Problems found while loading leniently (`load_rules(..., strict=False)`); else empty.
    load_problems: tuple[Problem, ...] = ()
    _exclude: GitIgnoreSpec = field(init=False, repr=False, compare=False)
    _allowed: GitIgnoreSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_exclude", compile_globs(self.settings.exclude))
        object.__setattr__(self, "_allowed", compile_globs(self.settings.allow_secrets))

    @classmethod
    def build(
        cls,
        root: Path,
        source: Path | None,
        data: bytes,
        settings: Settings,
        load_problems: tuple[Problem, ...] = (),
    ) -> RuleSet:
        """A RuleSet whose digest covers the file's bytes and the runtime module."""
        h = hashlib.sha256()
        h.update(b"migrate-storage rules\0" + data + b"\0" + settings.runtime.encode())
        return cls(Path(os.path.abspath(root)), source, settings, h.hexdigest(), load_problems)

    @property
    def runtime(self) -> str:
        return self.settings.runtime

    @property
    def default(self) -> Strategy:
        return self.settings.default

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.settings.rules

    # -- paths --------------------------------------------------------------------------

    def relative(self, path: Path | str) -> str | None:
        """`path` as a posix string relative to `root`, or None when it lies outside root."""
        absolute = Path(os.path.abspath(path))
        try:
            rel = absolute.relative_to(self.root)
        except ValueError:
            try:  # the same place reached through a symlink (e.g. /tmp -> /private/tmp)
                rel = absolute.resolve().relative_to(self.root.resolve())
            except (ValueError, OSError):
                return None
        text = rel.as_posix()
        return None if text in ("", ".") else text

    def _match_key(self, path: Path | str) -> str | None:
        rel = self.relative(path)
        if rel is not None and Path(path).is_dir():
            rel += "/"  # so that 'build/' style globs match the folder itself
        return rel

    def is_excluded(self, path: Path | str) -> bool:
        """Whether an `exclude` glob matches `path` (a folder matches as 'folder/')."""
        rel = self._match_key(path)
        return rel is not None and bool(self._exclude.match_file(rel))

    def excluding_glob(self, path: Path | str) -> str | None:
        """Describe the `exclude` glob that excludes `path` ("x.toml:3 exclude 'build/'"), or None."""
        rel = self._match_key(path)
        if rel is None:
            return None
        result = self._exclude.check_file(rel)
        if not result.include or result.index is None:
            return None
        where = self.source.name if self.source is not None else "defaults"
        line = self.settings.exclude_lines[result.index]
        if line is not None:
            where = f"{where}:{line}"
        return f"{where} exclude {self.settings.exclude[result.index]!r}"

    def is_secret(self, path: Path | str) -> bool:
        """Whether `path` looks like a secret (default deny list) and `allow_secrets` does not allow it.

        Paths outside root are checked by their name alone (the deny list is name-based).
        """
        rel = self.relative(path) or Path(os.path.abspath(path)).name
        text = Path(rel).as_posix()
        # The runtime's rule (case-insensitive names, secret folders, its allow globs); an
        # allow glob also matches in the rules file's own gitignore dialect (`/certs/*.pem`).
        return secret_paths.is_secret(text, self.settings.allow_secrets, text) and not (
            self._allowed.match_file(text)
        )

    # -- decisions ----------------------------------------------------------------------

    def matching_rules(self, path: Path | str) -> list[tuple[Rule, str]]:
        """Every rule matching `path`, in file order, with the glob that matched."""
        rel = self.relative(path)
        if rel is None:
            return []
        found = []
        for rule in self.settings.rules:
            glob = rule.matching_glob(rel)
            if glob is not None:
                found.append((rule, glob))
        return found

    def decisions(self, path: Path | str) -> dict[Family, Decision]:
        """Per family (all of them, unsupported too): the deciding rule, last match wins."""
        return self._decide(self.matching_rules(path))

    def _decide(self, matched: list[tuple[Rule, str]]) -> dict[Family, Decision]:
        result = {}
        for family in Family:
            decision = Decision(family, self.settings.default, None, None)
            for rule, glob in matched:
                if rule.covers(family):
                    decision = Decision(family, rule.strategy, rule, glob)
            result[family] = decision
        return result

    def policy_for(self, path: Path | str) -> FilePolicy:
        """The FilePolicy for one source file (see the module docstring for the encoding)."""
        matched = self.matching_rules(path)
        decisions = self._decide(matched)
        base = decisions[Family.UNSUPPORTED].strategy  # last all-family rule, or the default
        excluded_by = self.excluding_glob(path)
        if not matched:
            strategy, families, fallback, rule_text = base, None, None, None
        else:
            last = matched[-1][0]
            strategy, families, rule_text = last.strategy, last.families, last.describe()
            fallback = None if families is None else base
        by_family = None
        if families is not None and any(
            d.strategy is not base for f, d in decisions.items() if f not in families
        ):
            by_family = tuple((f, d.strategy) for f, d in decisions.items())
        if excluded_by is not None:
            rule_text = excluded_by
        return FilePolicy(
            strategy=strategy,
            families=families,
            fallback=fallback,
            runtime_module=self.settings.runtime,
            excluded=excluded_by is not None,
            rule=rule_text,
            by_family=by_family,
            allow_secrets=self.settings.allow_secrets,
        )
