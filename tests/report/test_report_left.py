"""What is left to do: the pending and unmigrated sites grouped by reason and family, with
counts, built once in the model and shown FIRST by every format."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import jsonschema
from migrate_storage.codemods.model import Family, Reason, Status
from migrate_storage.codemods.report import html, markdown, sarif, text
from migrate_storage.codemods.report import json as json_report
from migrate_storage.codemods.report.model import (
    PENDING_LABEL,
    CoverageReport,
    build_report,
    restrict_to_lines,
)
from report_helpers import file_result, site

A, B = "pkg/a.py", "pkg/b.py"
TP = Family.THIRD_PARTY


def _report() -> CoverageReport:
    return build_report(
        [
            file_result(
                A,
                [
                    site(A, 1, Status.PENDING),
                    site(A, 2, Status.UNMIGRATED, family=TP, name="numpy.save", reason=Reason.THIRD_PARTY_WRITER),
                    site(A, 3, Status.UNMIGRATED, family=TP, name="torch.save", reason=Reason.THIRD_PARTY_WRITER),
                    site(A, 4, Status.UNMIGRATED, family=TP, name="pandas.read_csv", reason=Reason.THIRD_PARTY_READER),
                    site(A, 5, Status.LOCAL, family=Family.SCRATCH, name="tempfile.mkstemp",
                         reason=Reason.TEMPORARY_FILE),
                    site(A, 6, Status.MIGRATED),
                ],
            ),
            file_result(
                B,
                [
                    site(B, 1, Status.UNMIGRATED, family=TP, name="torch.save", reason=Reason.THIRD_PARTY_WRITER),
                    site(B, 2, Status.UNMIGRATED, family=Family.PATHLIB, name="?.read_text",
                         reason=Reason.RECEIVER_UNKNOWN),
                    site(B, 3, Status.PENDING, family=Family.PATHLIB, name="pathlib.Path.read_text"),
                    site(B, 4, Status.PENDING),
                    site(B, 5, Status.UNMIGRATED, family=Family.OPEN, reason=Reason.THIRD_PARTY_WRITER),
                ],
            ),
        ]
    )


def test_groups_count_sites_and_files_largest_first() -> None:
    left = _report().left
    got = [(g.status, g.reason, g.family, g.count, g.files) for g in left]
    assert got == [
        (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER, TP, 3, 2),
        (Status.PENDING, None, Family.OPEN, 2, 2),  # ties: pending first
        (Status.PENDING, None, Family.PATHLIB, 1, 1),
        # then by reason text, then family
        (Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN, Family.PATHLIB, 1, 1),
        (Status.UNMIGRATED, Reason.THIRD_PARTY_READER, TP, 1, 1),
        (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER, Family.OPEN, 1, 1),  # same reason, other family
    ]
    report = _report()
    assert sum(g.count for g in report.left) == report.totals.not_migrated  # LOCAL/MIGRATED never
    assert left[1].label == PENDING_LABEL and left[0].label == "third-party writer"


def test_diff_base_view_regroups() -> None:
    view = restrict_to_lines(_report(), {A: frozenset({2, 6})}, "main")
    assert [(g.reason, g.count) for g in view.left] == [(Reason.THIRD_PARTY_WRITER, 1)]


def test_nothing_left() -> None:
    report = build_report([file_result(A, [site(A, 1, Status.MIGRATED)])])
    assert report.left == ()
    out = text.render(report)
    assert out.startswith("Left to do: nothing")
    assert markdown.render(report).splitlines()[4].startswith("### Left to do\\: nothing")


def test_text_leads_with_the_groups() -> None:
    lines = text.render(_report()).splitlines()
    assert lines[0] == "Left to do: 9 sites (3 pending, 6 unmigrated), by reason and family:"
    rows = [re.split(r"\s{3,}", line.strip()) for line in lines[2:8]]
    assert rows[0] == ["3", "2", "third-party", "third-party writer"]
    assert rows[1] == ["2", "2", "open", PENDING_LABEL]
    assert lines[8] == "" and lines[9].startswith("Name")


def test_markdown_leads_with_the_groups() -> None:
    out = markdown.render(_report())
    assert out.index("### Left to do") < out.index("### Files") < out.index("| Name |")
    assert "| 3 | 2 | third\\-party | third\\-party writer |" in out


def test_json_groups_come_right_after_meta_and_validate() -> None:
    data = json.loads(json_report.render(_report()))
    jsonschema.validate(data, json_report.SCHEMA)
    assert list(data) == ["meta", "left_to_do", "files", "totals"]
    assert data["meta"]["format"] == 6
    assert data["left_to_do"][0] == {
        "status": "unmigrated",
        "reason": "third_party_writer",
        "family": "third-party",
        "sites": 3,
        "files": 2,
    }
    assert data["left_to_do"][1]["reason"] is None
    assert sum(g["sites"] for g in data["left_to_do"]) == data["totals"]["pending"] + data["totals"]["unmigrated"]
    assert all(g["reason"] is None or g["reason"] in data["meta"]["reasons"] for g in data["left_to_do"])


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(dict(attrs).get("class") or "")
        elif tag == "tr" and self.tables[-1] == "left":
            self.rows.append([])
        elif tag == "td" and self.tables[-1] == "left":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_html_index_leads_with_the_groups() -> None:
    parser = _Tables()
    parser.feed(html.render(_report())["index.html"])
    assert parser.tables == ["left", "index"]
    body = [r for r in parser.rows if r]
    assert body[0] == ["3", "2", "third-party", "third-party writer"]
    assert len(body) == 6


def test_sarif_rule_ids_for_new_families_and_left_to_do() -> None:
    log = json.loads(sarif.render(_report()))
    run = log["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"MS-SCRATCH", "MS-THIRD-PARTY"} <= ids
    assert len(ids) == len(Family)  # one rule per family, none missing
    by_call = {r["properties"]["call"]: r["ruleId"] for r in run["results"]}
    assert by_call["numpy.save"] == "MS-THIRD-PARTY" and by_call["tempfile.mkstemp"] == "MS-SCRATCH"
    assert run["properties"]["leftToDo"][0] == {
        "status": "unmigrated",
        "reason": "third-party writer",
        "family": "third-party",
        "ruleId": "MS-THIRD-PARTY",
        "sites": 3,
        "files": 2,
    }
