"""Results of the real-package harness: per-test outcomes, comparisons, the printed table.

Split from bench/realworld.py (which runs the steps) so each stays small: this module only
reads what the steps left behind (pytest's junit XML, `coverage --format json`, `apply`'s
summary) and decides what counts as a difference.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from _measure import format_seconds, render_table


@dataclass(slots=True)
class Report:
    """Everything measured for one target; `differences` empty means it passed."""

    name: str
    version: str
    steps: dict[str, float] = field(default_factory=dict)
    coverage_before: dict[str, float] = field(default_factory=dict)
    coverage_after: dict[str, float] = field(default_factory=dict)
    runs: dict[str, SuiteResult] = field(default_factory=dict)
    rewritten: int | None = None  # what `apply` says it rewrote
    published: int | None = None  # files the ipfs run published (runtime status)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    workdir: str | None = None


@dataclass(frozen=True, slots=True)
class SuiteResult:
    """One run of a target's suite: which tests passed, failed, were skipped (pytest ids)."""

    label: str
    returncode: int
    seconds: float
    passed: frozenset[str] = frozenset()
    failed: frozenset[str] = frozenset()
    skipped: frozenset[str] = frozenset()
    note: str | None = None
    warnings: int = 0  # from pytest's summary line

    def summary(self) -> dict[str, object]:
        return {
            "returncode": self.returncode,
            "seconds": round(self.seconds, 2),
            "passed": len(self.passed),
            "failed": sorted(self.failed),
            "skipped": len(self.skipped),
            "warnings": self.warnings,
            "note": self.note,
        }


def read_junit(path: Path, *, label: str, returncode: int, seconds: float) -> SuiteResult:
    """Per-test outcomes from pytest's junit XML; a missing or broken file is a note."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        return SuiteResult(label, returncode, seconds, note=f"no junit report ({exc}); see the log")
    outcomes: dict[str, set[str]] = {"passed": set(), "failed": set(), "skipped": set()}
    for case in root.iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        tags = {child.tag for child in case}
        kind = "failed" if tags & {"failure", "error"} else "skipped" if "skipped" in tags else "passed"
        outcomes[kind].add(test_id)
    return SuiteResult(label, returncode, seconds, **{k: frozenset(v) for k, v in outcomes.items()})


def compare_runs(runs: dict[str, SuiteResult]) -> list[str]:
    """Differences between the baseline's passed set and each migrated run's, both ways."""
    baseline = runs.get("baseline")
    if baseline is None or not baseline.passed:
        return ["the baseline passed no test: nothing to compare against"]
    found = []
    for label, run in runs.items():
        if label == "baseline":
            continue
        lost, gained = sorted(baseline.passed - run.passed), sorted(run.passed - baseline.passed)
        if lost:
            where = ", ".join(
                f"{t} ({'failed' if t in run.failed else 'skipped' if t in run.skipped else 'not run'})"
                for t in lost[:8]
            )
            found.append(
                f"{label}: {len(lost)} test(s) passed in the baseline but not here: {where}{' ...' if len(lost) > 8 else ''}"
            )
        if gained:
            found.append(
                f"{label}: {len(gained)} test(s) pass here but not in the baseline: {', '.join(gained[:8])}"
            )
    return found


def coverage_counts(data: dict[str, object]) -> dict[str, float]:
    """Totals from `coverage --format json`: sites by status and the percentage.

    Counts the per-site list when present (it is the schema's ground truth), else takes
    the totals block.
    """
    counts = {"sites": 0.0, "migrated": 0.0, "pending": 0.0, "unmigrated": 0.0, "local": 0.0}
    totals = data["totals"]
    assert isinstance(totals, dict)
    for key in counts:
        counts[key] = float(totals.get(key, 0))
    counted = counts["migrated"] + counts["pending"] + counts["unmigrated"]
    counts["percent"] = 100.0 * counts["migrated"] / counted if counted else 100.0
    # Existence checks (format 5) are in no total but `checks` (format 6 adds
    # `checks_pending`); apply rewrites the pending ones too, so what it says it rewrote
    # is compared with every pending site listed, the schema's ground truth.
    files = data.get("files")
    if isinstance(files, dict):
        counts["rewritable"] = float(sum(
            1 for f in files.values() for site in f.get("sites", ())
            if site.get("status") == "pending"
        ))
    return counts


def check_counts(report: Report, apply_output: str) -> None:
    """The contract: what coverage called pending is what apply says it rewrote; 0 after.

    (Migrated-after may be lower than pending-before: a json/pickle collapse folds the open
    and the dump into one runtime call, two sites into one.)
    """
    found = re.search(r"Rewrote (\d+) sites?", apply_output)
    report.rewritten = int(found.group(1)) if found else None
    before, after = report.coverage_before, report.coverage_after
    if not before or not after:
        return
    pending_before = before.get("rewritable", before.get("pending", 0))
    pending_after = after.get("rewritable", after.get("pending", 0))
    if pending_after:
        report.differences.append(f"{pending_after:.0f} sites still pending after apply")
    if report.rewritten is None:
        report.notes.append("apply printed no 'Rewrote N sites' line; pending vs rewritten not checked")
    elif report.rewritten != pending_before:
        report.differences.append(
            f"coverage said {pending_before:.0f} pending but apply rewrote {report.rewritten}"
        )


def render(reports: list[Report]) -> str:
    """The summary table: one row per package and run, then the notes and differences."""
    headers = [
        "package",
        "run",
        "passed",
        "failed",
        "skipped",
        "sites",
        "rewritten",
        "cover",
        "published",
        "time",
    ]
    rows: list[list[str]] = []
    for r in reports:
        for label, run in r.runs.items():
            cov = r.coverage_before if label == "baseline" else r.coverage_after
            rows.append(
                [
                    f"{r.name} {r.version}" if label == "baseline" else "",
                    label,
                    str(len(run.passed)),
                    str(len(run.failed)),
                    str(len(run.skipped)),
                    f"{cov['sites']:.0f}" if "sites" in cov else "-",
                    str(r.rewritten) if label != "baseline" and r.rewritten is not None else "-",
                    f"{cov['percent']:.1f}%" if "percent" in cov else "-",
                    str(r.published) if label == "ipfs" and r.published is not None else "-",
                    format_seconds(run.seconds),
                ]
            )
    lines = [render_table(headers, rows), ""]
    for r in reports:
        steps = ", ".join(f"{k} {format_seconds(v)}" for k, v in r.steps.items())
        lines.append(f"{r.name}: {'OK' if not r.differences else 'DIFFERENT'}; steps: {steps}")
        lines.extend(f"  note: {n}" for n in r.notes)
        lines.extend(f"  DIFFERENCE: {d}" for d in r.differences)
    return "\n".join(lines)


def as_json(report: Report) -> dict[str, object]:
    data = asdict(report)
    data["runs"] = {k: v.summary() for k, v in report.runs.items()}
    return data
