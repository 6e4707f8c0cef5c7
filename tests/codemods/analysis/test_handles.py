"""analysis/handles.py through the finder alone (no engine, no rewrite, no safety check):
a json/pickle call's status is its handle's, and collapses are planned only when exact."""

from __future__ import annotations

import libcst as cst
import pytest
from analysis_helpers import findings
from migrate_storage.codemods.analysis.handles import handle_argument, is_inert
from migrate_storage.codemods.model import Family, Reason, Status


def json_sites(code: str) -> list[tuple[int, Status, Reason | None]]:
    return [(s.line, s.status, s.reason) for s in findings(code).sites if s.family in (Family.JSON, Family.PICKLE)]


def test_a_handle_from_a_pending_open_in_a_one_statement_with_is_collapsed() -> None:
    code = 'import json\nwith open(p, "w") as f:\n    json.dump(x, f)\n'
    found = findings(code)
    assert json_sites(code) == [(3, Status.PENDING, None)]
    assert [type(node) for node in found.plan.collapses] == [cst.With]


def test_a_handle_used_after_the_block_is_pending_but_not_collapsed() -> None:
    code = 'import json\nwith open(p, "w") as f:\n    json.dump(x, f)\nprint(f.closed)\n'
    found = findings(code)
    assert json_sites(code) == [(3, Status.PENDING, None)]
    assert not found.plan.collapses


def test_a_handle_from_the_runtimes_open_is_migrated() -> None:
    code = "import json\nfrom storage_runtime import open\nwith open(p) as f:\n    x = json.load(f)\n"
    assert json_sites(code) == [(4, Status.MIGRATED, None)]


def test_a_handle_of_unknown_origin_is_left_alone_with_a_reason() -> None:
    assert json_sites("import json\ndef f(h):\n    return json.load(h)\n") == [
        (3, Status.UNMIGRATED, Reason.RECEIVER_UNKNOWN)
    ]


@pytest.mark.parametrize("handle", ["sys.stdout", "io.StringIO()"])
def test_handles_that_are_not_files_are_not_sites(handle: str) -> None:
    """Should find nothing, since writing JSON to stdout or a StringIO is not file I/O."""
    assert json_sites(f"import io, json, sys\njson.dump(x, {handle})\n") == []


def test_a_star_argument_hides_the_handle() -> None:
    assert json_sites("import json\njson.dump(*args)\n") == [(2, Status.UNMIGRATED, Reason.DYNAMIC_CALL)]


def test_handle_argument_finds_the_handle_by_position_or_keyword() -> None:
    dump = cst.parse_expression("json.dump(obj, fp=f)")
    load = cst.parse_expression("json.load(f)")
    assert isinstance(dump, cst.Call) and isinstance(load, cst.Call)
    assert cst.Module([]).code_for_node(handle_argument(dump, "dump")) == "f"  # type: ignore[arg-type]
    assert cst.Module([]).code_for_node(handle_argument(load, "load")) == "f"  # type: ignore[arg-type]


def test_is_inert_tells_literals_and_names_from_calls() -> None:
    assert is_inert(cst.parse_expression("'x'")) and is_inert(cst.parse_expression("name"))
    assert not is_inert(cst.parse_expression("f()"))
