"""Shared helpers for the codemod tests: fixture discovery and the policy of each case."""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

from migrate_storage.codemods.model import Site, Status, Strategy
from migrate_storage.codemods.pipeline.engine import (
    FileResult,
    FileStatus,
    transform_source,
)
from migrate_storage.codemods.policy import FilePolicy

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "fixtures" / "cases"
PIN = FilePolicy(strategy=Strategy.PIN)


def case_files() -> list[Path]:
    return sorted(CASES.rglob("*.py"))


def case_id(path: Path) -> str:
    return path.relative_to(CASES).with_suffix("").as_posix().replace("/", "-")


def policy_for(path: Path) -> FilePolicy:
    """Cases under policy/ pick their policy by file name; every other case is `pin`."""
    name = path.name
    if name.startswith("local_"):
        return FilePolicy(strategy=Strategy.LOCAL)
    if name.startswith("cache_"):
        return FilePolicy(strategy=Strategy.CACHE)
    if name.startswith("excluded_"):
        return FilePolicy(strategy=Strategy.PIN, excluded=True)
    return PIN


@functools.cache
def run(path: Path) -> FileResult:
    """The engine's result for one fixture (cached: results are immutable)."""
    rel = path.relative_to(ROOT).as_posix()
    return transform_source(path.read_bytes(), rel, policy_for(path))


def run_code(code: str, policy: FilePolicy = PIN, path: str = "mod.py") -> FileResult:
    return transform_source(textwrap.dedent(code).encode(), path, policy)


def output(result: FileResult) -> bytes:
    return result.new_source if result.new_source is not None else result.source


def describe_sites(sites: tuple[Site, ...]) -> str:
    """One line per site, the form the snapshots keep."""
    lines = []
    for s in sites:
        reason = f" ({s.reason.name})" if s.reason else ""
        strategy = f" [{s.strategy.value}]" if s.strategy else ""
        lines.append(
            f"{s.line}:{s.column} {s.family.value} {s.name} {s.status.value}{reason}{strategy}"
        )
    return "\n".join(lines) + "\n"


def pending(result: FileResult) -> list[Site]:
    return [s for s in result.sites if s.status is Status.PENDING]


__all__ = [
    "CASES",
    "PIN",
    "FileStatus",
    "case_files",
    "case_id",
    "describe_sites",
    "output",
    "pending",
    "policy_for",
    "run",
    "run_code",
]
