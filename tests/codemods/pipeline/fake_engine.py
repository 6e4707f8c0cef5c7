"""A tiny stand-in for engine.transform_source, for the runner's unit tests only.

It rewrites every `old_io(` into `new_io(` (idempotent: a second pass finds nothing), calls
each `mystery.read_text(` a site left alone (receiver type unknown), skips `@generated`
files and fails files that do not parse, with the engine's `path:line: reason` messages.
Every call is appended to CALLS (per process) so tests can see what reached the engine.
"""

from __future__ import annotations

import ast

from migrate_storage.codemods.model import (
    Family,
    FileResult,
    FileStatus,
    Reason,
    Site,
    Status,
)
from migrate_storage.codemods.policy import FilePolicy

CALLS: list[str] = []


def _sites(source: bytes, path: str, policy: FilePolicy) -> tuple[Site, ...]:
    sites = []
    for number, line in enumerate(source.split(b"\n"), start=1):
        column = line.find(b"old_io(")
        if column >= 0:
            status = Status.UNMIGRATED if policy.excluded else Status.PENDING
            reason = Reason.EXCLUDED_FILE if policy.excluded else None
            sites.append(Site(path, number, column, Family.OPEN, "open", status, reason,
                              policy.strategy_for(Family.OPEN)))
        column = line.find(b"mystery.read_text(")
        if column >= 0:
            sites.append(Site(path, number, column, Family.PATHLIB, "pathlib.Path.read_text",
                              Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN))
    return tuple(sites)


def transform_source(source: bytes, path: str, policy: FilePolicy, *, rewrite: bool = True) -> FileResult:
    CALLS.append(path)
    if b"@generated" in source[:2000]:
        return FileResult(path, FileStatus.SKIPPED, source=source, message=f"{path}:1: @generated file; skipped",
                          skipped_on_purpose=True)
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return FileResult(path, FileStatus.SKIPPED, source=source,
                          message=f"{path}:{exc.lineno}: cannot parse: {exc.msg}; skipped")
    sites = _sites(source, path, policy)
    if not rewrite or policy.excluded or not any(s.status is Status.PENDING for s in sites):
        return FileResult(path, FileStatus.UNCHANGED, sites=sites, source=source)
    return FileResult(path, FileStatus.CHANGED, sites=sites, source=source,
                      new_source=source.replace(b"old_io(", b"new_io("))
