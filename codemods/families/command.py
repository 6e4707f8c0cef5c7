"""The base of the LibCST codemod commands: one class per family plus one for all.

Each command runs the very pass `transform_source` runs (the shared finder, then the
rewriters restricted to the command's families), so `python -m libcst.tool codemod
commands.MigrateStorageCommand --no-format src/` gives what `migrate-storage apply
src/` gives (minus the engine's file-level checks: prefilter, `@generated` (libcst has
its own marker check), encoding and the safety net).
"""

from __future__ import annotations

import argparse
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile
from migrate_storage.codemods import speedups
from migrate_storage.codemods.families.registry import REWRITABLE_FAMILIES
from migrate_storage.codemods.model import Family, Status, Strategy
from migrate_storage.codemods.policy import DEFAULT_RUNTIME_MODULE, FilePolicy


class StorageCodemodCommand(CodemodCommand):
    """Rewrite file I/O of the selected families into storage_runtime calls."""

    DESCRIPTION: str = "Rewrite file I/O into storage_runtime calls."
    FAMILIES: ClassVar[tuple[Family, ...]] = REWRITABLE_FAMILIES

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--strategy",
            choices=[s.value for s in Strategy],
            default=None,
            help="pin (persistent) or cache (unpinned) for every file; default: the rules file's, else cache",
        )
        arg_parser.add_argument(
            "--runtime-module",
            dest="runtime_module",
            default=None,
            help=f"module to import open/storage from (default: {DEFAULT_RUNTIME_MODULE})",
        )
        arg_parser.add_argument(
            "--rules",
            default=None,
            help="a migrate-storage rules file; default: the nearest pyproject.toml / migrate-storage.toml",
        )

    def __init__(
        self,
        context: CodemodContext,
        strategy: str | None = None,
        runtime_module: str | None = None,
        rules: str | None = None,
    ) -> None:
        super().__init__(context)
        speedups.install()  # what the engine installs, so libcst.tool runs as fast
        self.strategy = Strategy(strategy) if strategy else None
        self.runtime_module = runtime_module
        self.rules = rules

    def policy(self) -> FilePolicy:
        """The rules file's policy for this file, overridden by --strategy/--runtime-module."""
        policy = FilePolicy()
        filename = self.context.filename
        if self.rules is not None or filename is not None:
            policy = _policy_from_rules(self.rules, filename) or policy
        changes: dict[str, object] = {}
        if self.strategy is not None:
            changes.update(
                strategy=self.strategy, families=None, fallback=None, by_family=None
            )
        if self.runtime_module:
            changes["runtime_module"] = self.runtime_module
        if filename is not None:
            from pathlib import Path

            from migrate_storage.codemods.pipeline.package_facts import view_for_file

            changes["package"] = view_for_file(Path(filename))
        if changes:
            from dataclasses import replace

            policy = replace(policy, **changes)  # type: ignore[arg-type]
        return policy

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        from migrate_storage.codemods.pipeline import rewrite

        result = rewrite.run_source_pass(
            tree,
            self.context.filename or "<module>",
            self.policy(),
            families=self.FAMILIES,
        )
        for site in result.sites:
            if site.status is Status.UNMIGRATED and site.family in self.FAMILIES:
                self.warn(
                    f"{site.line}:{site.column}: {site.name} left alone: {site.reason.value if site.reason else ''}"
                )
        if result.module is None:
            # Nothing to rewrite: say so, so libcst.tool keeps the file's own bytes (its
            # re-rendering of an untouched module is not always byte-identical).
            raise SkipFile("no file I/O to migrate")
        return result.module


def _policy_from_rules(rules: str | None, filename: str | None) -> FilePolicy | None:
    """Ask the rules package (if installed and a rules file is found); None otherwise."""
    from pathlib import Path

    try:
        from migrate_storage.rules import load_rules  # type: ignore[import-not-found]
    except ImportError:
        return None
    start = Path(filename).resolve().parent if filename else Path.cwd()
    ruleset = load_rules(Path(rules) if rules else None, start)
    if filename is None:
        return None
    return ruleset.policy_for(Path(filename).resolve())  # type: ignore[no-any-return]
