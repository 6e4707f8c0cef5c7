"""Each format renders the same CoverageReport: golden files, escaping, and the JSON schema.

Regenerate the golden files with `pytest tests/report --snapshot-update` and review the diff.
"""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from migrate_storage.codemods.model import Status
from migrate_storage.codemods.report import html, markdown, text
from migrate_storage.codemods.report import json as json_report
from migrate_storage.codemods.report._common import ReportOptions, line_ranges
from migrate_storage.codemods.report.model import (
    CoverageReport,
    build_report,
)
from report_helpers import file_result, site

OPTION_SETS = {
    "default": ReportOptions(),
    "missing_p1": ReportOptions(show_missing=True, precision=1),
    "skip_sort_cover": ReportOptions(skip_covered=True, sort="-cover"),
}


@pytest.mark.parametrize("variant", OPTION_SETS)
def test_text_golden(report: CoverageReport, snapshot_dir, variant: str) -> None:  # type: ignore[no-untyped-def]
    snapshot_dir.assert_match(text.render(report, OPTION_SETS[variant]), f"synthetic_{variant}.txt")


@pytest.mark.parametrize("variant", OPTION_SETS)
def test_markdown_golden(report: CoverageReport, snapshot_dir, variant: str) -> None:  # type: ignore[no-untyped-def]
    snapshot_dir.assert_match(markdown.render(report, OPTION_SETS[variant]), f"synthetic_{variant}.md")


def test_json_golden(report: CoverageReport, snapshot_dir) -> None:  # type: ignore[no-untyped-def]
    snapshot_dir.assert_match(json_report.render(report, ReportOptions(precision=1)), "synthetic.json")


def _table(out: str) -> list[str]:
    """The per-file table of a text report: from its "Name" header on (what is left to
    do comes first)."""
    lines = out.splitlines()
    return lines[next(i for i, x in enumerate(lines) if x.startswith("Name")) :]


def test_text_table_is_aligned_and_ends_with_total(report: CoverageReport) -> None:
    out = text.render(report, ReportOptions(show_missing=True))
    lines = _table(out)
    table = lines[: lines.index(next(x for x in lines if x.startswith("TOTAL"))) + 1]
    # Every number column ends at the same offset on every row, header included.
    header = table[0]
    ends = [m.end() for m in re.finditer(r"\S+", header)][1:7]
    for row in table[2:]:
        if row.startswith("-"):
            assert row == "-" * len(row) and len(row) == len(header)
            continue
        cells = list(re.finditer(r"\S+", row))
        assert [c.end() for c in cells[1:7]] == ends, row
    assert table[-1].startswith("TOTAL")
    assert "pkg/loader.py" in out and "3, 5, 12-13" in out


def test_text_columns_grow_with_the_data() -> None:
    long_name = "a/" + "x" * 70 + ".py"
    many = [site(long_name, n, Status.PENDING) for n in range(1, 12346)]
    out = text.render(build_report([file_result(long_name, many)]))
    header, rule, row, _, total = _table(out)
    assert row.startswith(long_name + "   ") and "12345" in row
    assert len(header) == len(rule) == len(row) == len(total)


def test_sort_orders(report: CoverageReport) -> None:
    def names(sort: str) -> list[str]:
        lines = text.render(report, ReportOptions(sort=sort)).splitlines()
        first, second = [i for i, line in enumerate(lines) if line.startswith("---")]
        return [line.split()[0] for line in lines[first + 1 : second]]

    assert names("name") == sorted(names("name"))
    assert names("cover") == ["pkg/models/convert.py", "pkg/loader.py", "pkg/clean.py", "pkg/secrets_store.py"]
    assert names("-sites")[0] == "pkg/loader.py"
    assert names("-Pending")[0] == "pkg/models/convert.py"
    with pytest.raises(ValueError, match="--sort must be one of"):
        ReportOptions(sort="size")


def test_skip_covered_keeps_totals(report: CoverageReport) -> None:
    full = text.render(report).splitlines()
    skipped = text.render(report, ReportOptions(skip_covered=True)).splitlines()
    assert not any(line.startswith(("pkg/clean.py", "pkg/secrets_store.py")) for line in skipped)
    total = next(line for line in full if line.startswith("TOTAL"))
    assert total.split() == next(line for line in skipped if line.startswith("TOTAL")).split()
    assert "2 files skipped due to complete migration." in skipped


def test_unscanned_files_are_listed_in_every_format(report: CoverageReport) -> None:
    message = "pkg/broken.py:4: cannot parse: invalid syntax"
    assert f"skipped: {message}" in text.render(report)
    assert "pkg\\/broken\\.py\\:4\\:" in markdown.render(report)
    data = json.loads(json_report.render(report))
    assert data["files"]["pkg/broken.py"]["state"] == "skipped"
    assert data["files"]["pkg/broken.py"]["message"] == message
    assert html.e(message) in html.render(report)["index.html"]


def test_line_ranges_group_consecutive_lines_only() -> None:
    assert line_ranges([10, 1, 2, 5, 2, 11, 12]) == [(1, 2), (5, 5), (10, 12)]
    assert line_ranges([]) == []


def test_json_matches_schema_and_model(report: CoverageReport) -> None:
    data = json.loads(json_report.render(report))
    jsonschema.validate(data, json_report.SCHEMA)
    assert data["meta"]["format"] == json_report.FORMAT_VERSION == 6
    assert data["totals"]["migrated"] == report.totals.migrated == 3
    assert data["totals"]["counted"] == 9
    assert data["totals"]["percent_covered"] == pytest.approx(100 / 3)
    assert data["totals"]["percent_covered_display"] == "33"
    sites = [s for f in data["files"].values() for s in f["sites"]]
    assert len(sites) == report.totals.sites
    first = data["files"]["pkg/loader.py"]["sites"][0]
    assert first == {"path": "pkg/loader.py", "line": 3, "column": 4, "family": "open", "name": "open",
                     "status": "pending", "reason": None, "strategy": "pin"}
    reasons = {s["reason"] for s in sites} - {None}
    assert reasons <= set(data["meta"]["reasons"])


def test_json_ignores_presentation_options(report: CoverageReport) -> None:
    plain = json.loads(json_report.render(report))
    shown = json.loads(json_report.render(report, ReportOptions(skip_covered=True, sort="-cover")))
    assert plain == shown


def test_markdown_escapes_punctuation() -> None:
    name = "pkg/a_b*c|d[e](f)<g>`h`.py"
    out = markdown.render(build_report([file_result(name, [site(name, 1, Status.PENDING)])]))
    row = next(line for line in out.splitlines() if line.startswith("| pkg"))
    assert row.startswith("| pkg\\/a\\_b\\*c\\|d\\[e\\]\\(f\\)\\<g\\>\\`h\\`\\.py |")
    # The escaped pipe does not add a column.
    assert len(re.findall(r"(?<!\\)\|", row)) == 8
    assert markdown.escape("a\nb") == "a b"


def test_html_escapes_every_value() -> None:
    name = 'evil/<script>alert("x")</script>.py'
    src = b"x = '<script>alert(1)</script>' & open('a')\n"
    report = build_report([file_result(name, [site(name, 1, Status.PENDING)], source=src)])
    pages = html.render(report)
    for content in (pages["index.html"], pages[html.page_name(name)]):
        assert "<script>alert" not in content
        assert "&lt;script&gt;" in content
        assert content.count("<script") == 1  # only report.js
    assert "&amp; open(&#x27;a&#x27;)" in pages[html.page_name(name)]


def test_html_has_no_external_resources(report: CoverageReport) -> None:
    pages = html.render(report)
    assert set(pages) >= {"index.html", "report.css", "report.js"}
    assert len([p for p in pages if p.endswith(".html")]) == 1 + len(report.scanned)
    for name, content in pages.items():
        assert "http://" not in content.replace("http://www.w3.org", "") and "https://" not in content, name
        assert "//cdn" not in content and "@import" not in content
    for link in re.findall(r'(?:href|src)="([^"#]+)"', pages["index.html"]):
        assert link in pages or link == "data:,", link


def test_html_page_marks_each_site(report: CoverageReport) -> None:
    page = html.render(report)[html.page_name("pkg/loader.py")]
    assert '<tr id="L5" class="l-unmigrated">' in page  # the worst status of the line wins
    assert 'title="unmigrated: os.fdopen (unsupported) at column 0; reason: unsupported family"' in page
    assert page.count('class="site ') == 6
    assert '<tr id="L15">' in page


def test_page_names_are_unique_and_safe() -> None:
    names = {html.page_name(p) for p in ["a/b.py", "a_b.py", "a/b_py", "A/B.py"]}
    assert len(names) == 4
    assert all(re.fullmatch(r"[A-Za-z0-9_]+\.html", n) for n in names)
