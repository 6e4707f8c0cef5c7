"""The JSON report: every site and every figure, in a versioned schema.

Anchor: coverage.py's `jsonreport.py` (`meta.format`, a comment per version). Unlike the
table formats, JSON ignores `--skip-covered` and `--sort`: it is complete and ordered by
path, so that two runs can be diffed. It carries no timestamp for the same reason.

Format versions (`meta.format`), bump on any change a consumer could notice:
  1: first version. meta{format, generator, version, rules, diff_base, precision,
     reasons}; files{path: {state, message, summary, sites[]}}; totals. Each site:
     path, line (1-based), column (0-based), family, name, status, reason (an id from
     meta.reasons, or null), strategy (or null). Summaries: sites, migrated, pending,
     unmigrated, local, counted, percent_covered, percent_covered_display.
  2: adds `left_to_do` (second key, after meta): what is left to do, the pending and
     unmigrated sites grouped by (status, reason, family), largest group first; each
     group: status, reason (an id from meta.reasons, null for pending), family, sites,
     files. New families (scratch, third-party) and reasons (temporary_file, ...).
  3: family `lifecycle` (renames, removals, copies); `codecs.open` sites are in family
     `open` (they were third-party readers/writers); `os.replace` & co. are sites.
  4: file functions and classes used as values are sites of their function's family
     (`retry(os.replace, a, b)`, `staticmethod(open)`, `{"xz": lzma.LZMAFile}`), reason
     `function_value` (unmigrated), or local with a scratch reason; the reasons
     `package_data`, `private_file`, `system_file`, `foreign_descriptor` added since 3.
  5: family `existence` (os.path.exists/isfile/lexists, Path.exists/is_file), and
     `checks` in every summary: the existence sites, whatever their status, which are in
     `sites` but in none of migrated/pending/unmigrated/local/counted (not in the cover).
  6: `checks_pending` in every summary: the existence checks `apply` would rewrite, so
     that `pending + checks_pending` is what `apply` reports as rewritten.
"""

from __future__ import annotations

import json
from typing import Any

from migrate_storage.codemods.model import Family, Reason, Site, Status, Strategy
from migrate_storage.codemods.report._common import ReportOptions
from migrate_storage.codemods.report.model import (
    CoverageReport,
    LeftGroup,
    Tally,
    file_tally,
    is_scanned,
)

FORMAT_VERSION = 6

# A file's `state` is "skipped" or "failed" (its FileStatus) when it was not counted, and
# this for every counted file, whatever the scan found in it: the schema's word since
# format 1, kept so that consumers see no change.
SCANNED = "scanned"


def reason_id(reason: Reason) -> str:
    """The stable identifier of a Reason in the JSON report ("receiver_unknown")."""
    return reason.name.lower()


def summary(tally: Tally, precision: int) -> dict[str, Any]:
    return {
        "sites": tally.sites,
        "migrated": tally.migrated,
        "pending": tally.pending,
        "unmigrated": tally.unmigrated,
        "local": tally.local,
        "checks": tally.checks,
        "checks_pending": tally.checks_pending,
        "counted": tally.counted,
        "percent_covered": tally.pc_covered,
        "percent_covered_display": tally.pc_covered_str(precision),
    }


def site_dict(site: Site) -> dict[str, Any]:
    return {
        "path": site.path,
        "line": site.line,
        "column": site.column,
        "family": site.family.value,
        "name": site.name,
        "status": site.status.value,
        "reason": reason_id(site.reason) if site.reason is not None else None,
        "strategy": site.strategy.value if site.strategy is not None else None,
    }


def left_dict(group: LeftGroup) -> dict[str, Any]:
    return {
        "status": group.status.value,
        "reason": reason_id(group.reason) if group.reason is not None else None,
        "family": group.family.value,
        "sites": group.count,
        "files": group.files,
    }


def as_dict(report: CoverageReport, precision: int = 0) -> dict[str, Any]:
    return {
        "meta": {
            "format": FORMAT_VERSION,
            "generator": "migrate-storage",
            "version": report.tool_version,
            "rules": report.rules,
            "diff_base": report.diff_base,
            "precision": precision,
            "reasons": {reason_id(r): r.value for r in Reason},
        },
        "left_to_do": [left_dict(group) for group in report.left],
        "files": {
            file.path: {
                "state": SCANNED if is_scanned(file) else file.status.value,
                "message": file.message,
                "summary": summary(file_tally(file), precision),
                "sites": [site_dict(s) for s in file.sites],
            }
            for file in report.files
        },
        "totals": summary(report.totals, precision),
    }


def render(report: CoverageReport, options: ReportOptions = ReportOptions()) -> str:
    return (
        json.dumps(as_dict(report, options.precision), indent=2, ensure_ascii=False)
        + "\n"
    )


_COUNT = {"type": "integer", "minimum": 0}
_SUMMARY = {
    "type": "object",
    "required": [
        "sites",
        "migrated",
        "pending",
        "unmigrated",
        "local",
        "checks",
        "checks_pending",
        "counted",
        "percent_covered",
        "percent_covered_display",
    ],
    "additionalProperties": False,
    "properties": {
        "sites": _COUNT,
        "migrated": _COUNT,
        "pending": _COUNT,
        "unmigrated": _COUNT,
        "local": _COUNT,
        "checks": _COUNT,
        "checks_pending": _COUNT,
        "counted": _COUNT,
        "percent_covered": {"type": "number", "minimum": 0, "maximum": 100},
        "percent_covered_display": {"type": "string"},
    },
}
_SITE = {
    "type": "object",
    "required": [
        "path",
        "line",
        "column",
        "family",
        "name",
        "status",
        "reason",
        "strategy",
    ],
    "additionalProperties": False,
    "properties": {
        "path": {"type": "string"},
        "line": {"type": "integer", "minimum": 1},
        "column": {"type": "integer", "minimum": 0},
        "family": {"enum": [f.value for f in Family]},
        "name": {"type": "string"},
        "status": {"enum": [s.value for s in Status]},
        "reason": {"enum": [None, *(reason_id(r) for r in Reason)]},
        "strategy": {"enum": [None, *(s.value for s in Strategy)]},
    },
}
_LEFT = {
    "type": "object",
    "required": ["status", "reason", "family", "sites", "files"],
    "additionalProperties": False,
    "properties": {
        "status": {"enum": [Status.PENDING.value, Status.UNMIGRATED.value]},
        "reason": {"enum": [None, *(reason_id(r) for r in Reason)]},
        "family": {"enum": [f.value for f in Family]},
        "sites": {"type": "integer", "minimum": 1},
        "files": {"type": "integer", "minimum": 1},
    },
}

#: JSON Schema (draft 2020-12) of the current format version, for consumers and the tests.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": f"migrate-storage coverage report, format {FORMAT_VERSION}",
    "type": "object",
    "required": ["meta", "left_to_do", "files", "totals"],
    "additionalProperties": False,
    "properties": {
        "meta": {
            "type": "object",
            "required": [
                "format",
                "generator",
                "version",
                "rules",
                "diff_base",
                "precision",
                "reasons",
            ],
            "properties": {
                "format": {"const": FORMAT_VERSION},
                "generator": {"const": "migrate-storage"},
                "version": {"type": "string"},
                "rules": {"type": ["string", "null"]},
                "diff_base": {"type": ["string", "null"]},
                "precision": {"type": "integer", "minimum": 0},
                "reasons": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                },
            },
        },
        "left_to_do": {"type": "array", "items": _LEFT},
        "files": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["state", "message", "summary", "sites"],
                "additionalProperties": False,
                "properties": {
                    "state": {"enum": ["scanned", "skipped", "failed"]},
                    "message": {"type": ["string", "null"]},
                    "summary": _SUMMARY,
                    "sites": {"type": "array", "items": _SITE},
                },
            },
        },
        "totals": _SUMMARY,
    },
}
