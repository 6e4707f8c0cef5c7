"""The HTML report in a real browser: headless Chromium loads the index and a file page from
disk (file:// URLs) with no console error, no exception and no failed load, and the figures
it shows are the JSON report's.

Needs Chromium (Debian: `apt-get install -y chromium`). Skipped when it is missing, except
under CI (env CI set), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from chromium_helpers import Browser, find_chromium
from click.testing import CliRunner
from migrate_storage.codemods.cli.main import main
from migrate_storage.codemods.report.html import page_name

pytestmark = pytest.mark.browser

MIXED = Path(__file__).resolve().parents[2] / "fixtures" / "report" / "mixed_pkg"

ROWS_JS = """
Array.from(document.querySelectorAll('table.index tr.file, table.index tr.total')).map(function (tr) {
  var row = {name: tr.cells[0].innerText.trim()};
  tr.querySelectorAll('td[data-col]').forEach(function (td) { row[td.dataset.col] = td.innerText.trim(); });
  return row;
})
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI is set: apt-get install -y chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    tree = tmp_path_factory.mktemp("browser") / "mixed_pkg"
    shutil.copytree(MIXED, tree)
    old = Path.cwd()
    os.chdir(tree)
    try:
        runner = CliRunner()
        html = runner.invoke(main, ["coverage", "-j", "1", ".", "--format", "html", "-o", "html", "--precision", "1"])
        assert html.exit_code == 0, html.stderr
        data = runner.invoke(main, ["coverage", "-j", "1", ".", "--format", "json", "--precision", "1"])
        assert data.exit_code == 0, data.stderr
    finally:
        os.chdir(old)
    return tree / "html", json.loads(data.stdout)


def expected_cells(summary: dict) -> dict[str, str]:  # type: ignore[type-arg]
    cells = {k: str(summary[k]) for k in ("sites", "migrated", "pending", "unmigrated", "local")}
    cells["cover"] = summary["percent_covered_display"] + "%"
    return cells


def test_index_renders_without_errors_and_matches_json(chromium: str, reports: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    folder, data = reports
    with Browser(chromium) as browser:
        page = browser.open((folder / "index.html").as_uri())
        assert page.problems() == []
        assert page.evaluate("document.documentElement.dataset.reportReady") == "1"  # report.js ran
        rows = page.evaluate(ROWS_JS)
        shown = {row.pop("name"): row for row in rows}
        scanned = {p: f for p, f in data["files"].items() if f["state"] == "scanned"}
        assert set(shown) == {*scanned, "TOTAL"}
        for path, file in scanned.items():
            assert shown[path] == expected_cells(file["summary"]), path
        assert shown["TOTAL"] == expected_cells(data["totals"])
        # The stylesheet applied (it is a separate file: a failed load would show here).
        weight = page.evaluate("getComputedStyle(document.querySelector('tfoot td')).fontWeight")
        assert weight in ("700", "bold")
        # Clicking a header sorts the rows (and raises nothing).
        page.evaluate("document.querySelectorAll('table.index th')[6].click()")
        order = page.evaluate("Array.from(document.querySelectorAll('tr.file td[data-col=cover]')).map(td => parseFloat(td.dataset.sort))")
        assert order == sorted(order)
        assert page.problems() == []


def test_file_page_renders_without_errors_and_matches_json(chromium: str, reports: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    folder, data = reports
    path = "mixed/unsupported.py"
    file = data["files"][path]
    with Browser(chromium) as browser:
        page = browser.open((folder / page_name(path)).as_uri())
        assert page.problems() == []
        assert page.evaluate("document.querySelector('h1').innerText") == path
        marks = page.evaluate(
            "Array.from(document.querySelectorAll('tr[id^=L] .site')).map(s => "
            "[parseInt(s.closest('tr').id.slice(1)), s.dataset.status, s.title])"
        )
        assert sorted((m[0], m[1]) for m in marks) == sorted((s["line"], s["status"]) for s in file["sites"])
        for (_, status, title), site in zip(sorted(marks), sorted((s["line"], s["status"], s) for s in file["sites"])):
            assert title.startswith(f"{status}: ")
            if site[2]["reason"]:
                assert "reason: " in title
        figures = page.evaluate(
            "Object.fromEntries(Array.from(document.querySelectorAll('[data-fig]')).map(s => [s.dataset.fig, s.querySelector('b').innerText]))"
        )
        assert figures == expected_cells(file["summary"])
        lines = page.evaluate("document.querySelectorAll('table.source tr').length")
        source = (folder.parent / path).read_text()
        assert lines == len(source.splitlines())
        # An unmigrated line is highlighted (the stylesheet is applied on this page too).
        line = min(s["line"] for s in file["sites"] if s["status"] == "unmigrated")
        background = page.evaluate(f"getComputedStyle(document.querySelector('#L{line} td.t')).backgroundColor")
        plain = page.evaluate("getComputedStyle(document.querySelector('#L1 td.t')).backgroundColor")
        assert background != plain
