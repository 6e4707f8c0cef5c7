"""SARIF 2.1.0 output: `coverage --format sarif` and `diff --format sarif`.

One result per site, in path/line order:

- `ruleId` by family: the rule the family module that owns the family declares
  (`SARIF_RULES`: MS-OPEN, MS-PATHLIB, MS-JSON, MS-PICKLE, MS-UNSUPPORTED, MS-SCRATCH,
  MS-THIRD-PARTY, MS-LIFECYCLE, MS-EXISTENCE), one per `Family` member, listed in the enum's order.
- `coverage --format sarif` leads the run's `properties` with `leftToDo`: the pending and
  unmigrated sites grouped by reason and family, with counts.
- `kind`/`level` by status: pending and unmigrated sites are `fail`/`warning` (they count
  against the coverage); migrated sites are `pass` and local ones `informational`, both
  with level `none` (SARIF requires `none` for any kind but `fail`), and so are
  existence checks that are pending or unmigrated (they are not in the coverage).
  Code-scanning UIs show only the failures.
- `locations`: the path relative to the current folder (`uriBaseId` SRCROOT, which
  `originalUriBaseIds` maps to the current folder), `startLine` and `startColumn` 1-based,
  columns counted in Unicode code points (`columnKind`), as LibCST counts them.
- `message.text`: status, call and reason (or strategy); the same in `properties`.

Fixes (`diff` only): the rewrite of a file is one unit (its sites share one added import),
so each pending site of a file carries the same single `fix`: the whole file's rewrite, one
replacement per changed hunk, each `deletedRegion` given by `byteOffset`/`byteLength`
(exact for any encoding and CRLF) and `insertedContent.text` (or `.binary`, base64, when
the new lines are not UTF-8). Applying any one site's fix applies the file's rewrite.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from migrate_storage.codemods import __version__
from migrate_storage.codemods.model import (
    Family,
    FileStatus,
    Site,
    Status,
    counts_in_cover,
)
from migrate_storage.codemods.pipeline.diffing import unified_diff
from migrate_storage.codemods.pipeline.hunks import (
    Hunk,
    apply_hunks,
    line_offsets,
    matches,
    parse_unified,
)

if TYPE_CHECKING:  # for the signatures only: the CLI imports this module, not the reverse
    from migrate_storage.codemods.families.protocol import FamilyModule, SarifRule
    from migrate_storage.codemods.pipeline.runner import RunResult
    from migrate_storage.codemods.report.model import CoverageReport

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
SRCROOT = "SRCROOT"

_KIND = {
    Status.PENDING: ("fail", "warning"),
    Status.UNMIGRATED: ("fail", "warning"),
    Status.MIGRATED: ("pass", "none"),
    Status.LOCAL: ("informational", "none"),
}
Fix = dict[str, Any]


def rules() -> tuple[SarifRule, ...]:
    """One rule per Family member, in the enum's order (`ruleIndex` counts in it): what
    the family modules declare (`SARIF_RULES`, families/protocol.py)."""
    from migrate_storage.codemods.families import registry

    return _declared_rules(registry.FAMILY_MODULES)


@cache
def _declared_rules(modules: tuple[FamilyModule, ...]) -> tuple[SarifRule, ...]:
    declared: dict[Family, SarifRule] = {}
    for module in modules:
        for rule in module.SARIF_RULES:
            if rule.family in declared:
                raise ValueError(f"two SARIF rules for {rule.family}: {declared[rule.family].id}, {rule.id}")
            declared[rule.family] = rule
    missing = [family.name for family in Family if family not in declared]
    if missing:
        raise ValueError(f"no family module declares a SARIF rule for {', '.join(missing)}")
    return tuple(declared[family] for family in Family)


def rule_id(family: Family) -> str:
    return rules()[_index(family)].id


def _index(family: Family) -> int:
    return list(Family).index(family)


def _uri(path: str) -> str:
    return quote(path.replace(os.sep, "/"), safe="/")


def _message(site: Site) -> str:
    call = f"{site.name}()"
    if site.status is Status.PENDING:
        strategy = f" (strategy {site.strategy.value})" if site.strategy else ""
        return f"pending: {call} will be rewritten onto the storage runtime{strategy}"
    if site.status is Status.MIGRATED:
        return f"migrated: {call} already goes through the storage runtime"
    reason = f": {site.reason.value}" if site.reason else ""
    return f"{site.status.value}: {call} left alone{reason}"


def _location(site: Site, uri: str) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
            "region": {"startLine": max(1, site.line), "startColumn": site.column + 1},
        }
    }


def site_result(site: Site, path: str, fix: Fix | None = None) -> dict[str, Any]:
    """One SARIF result for `site`, located in the file shown as `path`."""
    kind, level = _KIND[site.status]
    if kind == "fail" and not counts_in_cover(site):
        # an existence check does not count against the coverage: never a failure
        kind, level = "informational", "none"
    uri = _uri(path)
    result: dict[str, Any] = {
        "ruleId": rule_id(site.family),
        "ruleIndex": _index(site.family),
        "kind": kind,
        "level": level,
        "message": {"text": _message(site)},
        "locations": [_location(site, uri)],
        "properties": {"status": site.status.value, "call": site.name},
    }
    if site.reason is not None:
        result["properties"]["reason"] = site.reason.value
    if site.strategy is not None:
        result["properties"]["strategy"] = site.strategy.value
    if fix is not None and site.status is Status.PENDING:
        result["fixes"] = [fix]
    return result


def _content(lines: Iterable[bytes]) -> dict[str, str]:
    data = b"".join(lines)
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"binary": base64.b64encode(data).decode("ascii")}


def file_fix(path: str, source: bytes, hunks: Sequence[Hunk], sites: int) -> Fix | None:
    """The whole-file rewrite as one SARIF fix, or None when `source` no longer matches."""
    if not hunks or not all(matches(source, h) for h in hunks):
        return None
    offsets = line_offsets(source)
    replacements = []
    for hunk in hunks:
        begin = offsets[hunk.start]
        end = offsets[hunk.start + len(hunk.old)]
        replacements.append(
            {
                "deletedRegion": {"byteOffset": begin, "byteLength": end - begin},
                "insertedContent": _content(hunk.new),
            }
        )
    return {
        "description": {
            "text": f"Rewrite {path} onto the storage runtime ({sites} site(s))"
        },
        "artifactChanges": [
            {
                "artifactLocation": {"uri": _uri(path), "uriBaseId": SRCROOT},
                "replacements": replacements,
            }
        ],
    }


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": rule.id,
            "name": rule.family.value,
            "shortDescription": {"text": rule.description},
            "properties": {"family": rule.family.value},
        }
        for rule in rules()
    ]


def document(
    results: list[dict[str, Any]],
    *,
    cwd: Path,
    notifications: Sequence[str] = (),
    rules_file: str | None = None,
    left_to_do: list[dict[str, Any]] | None = None,
) -> str:
    """The SARIF log (one run) as indented JSON text ending in a newline."""
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": text}} for text in notifications
        ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "migrate-storage",
                "version": __version__,
                "informationUri": "https://pypi.org/project/migrate-storage/",
                "rules": _rules(),
            }
        },
        "originalUriBaseIds": {
            SRCROOT: {"uri": Path(os.path.abspath(cwd)).as_uri() + "/"}
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
    }
    properties: dict[str, Any] = {}
    if left_to_do is not None:
        properties["leftToDo"] = left_to_do
    if rules_file:
        properties["rulesFile"] = rules_file
    if properties:
        run["properties"] = properties
    log = {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def render(report: CoverageReport, options: object = None) -> str:
    """`coverage --format sarif`: a CoverageReport as SARIF (no fixes: a scan rewrites nothing)."""
    results = [
        site_result(site, file.path) for file in report.files for site in file.sites
    ]
    notes = [f.message or f.path for f in report.failed]
    left = [
        {
            "status": g.status.value,
            "reason": g.label,
            "family": g.family.value,
            "ruleId": rule_id(g.family),
            "sites": g.count,
            "files": g.files,
        }
        for g in report.left
    ]
    return document(
        results,
        cwd=Path.cwd(),
        notifications=notes,
        rules_file=report.rules,
        left_to_do=left,
    )


def _minimal_hunks(source: bytes, diff: bytes) -> list[Hunk]:
    """The diff's changes as hunks without context lines (a 3-line-context diff merges
    nearby changes into one hunk); the diff's own hunks if `source` no longer matches it."""
    hunks = parse_unified(diff)
    if not all(matches(source, h) for h in hunks):
        return hunks
    new = apply_hunks(source, hunks)
    return parse_unified(unified_diff(source, new, "f", context=0))


def render_run(result: RunResult, *, cwd: Path | None = None) -> str:
    """`diff --format sarif`: a diff-mode RunResult as SARIF, with a fix per pending site."""
    results: list[dict[str, Any]] = []
    for report in result.files:
        fix = None
        if report.diff:
            try:
                source = Path(report.real_path).read_bytes()
            except OSError:
                source = b""
            fix = file_fix(
                report.path,
                source,
                _minimal_hunks(source, report.diff),
                len(report.rewritten),
            )
        for site in sorted(
            report.sites, key=lambda s: (s.line, s.column, s.family.value)
        ):
            results.append(site_result(site, report.path, fix))
    # Files skipped on purpose (@generated) are not problems worth a notification.
    on_purpose = {
        f.message or f.path for f in result.files if f.status is FileStatus.SKIPPED
    }
    notes = [line for line in result.problems if line not in on_purpose]
    return document(
        results, cwd=cwd or Path.cwd(), notifications=notes if result.has_errors else ()
    )
