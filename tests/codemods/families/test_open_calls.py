"""families/open_calls.py on its own: what it recognises as builtin open, and what it decides."""

from __future__ import annotations

import libcst as cst
import pytest
from migrate_storage.codemods.analysis.found import Position
from migrate_storage.codemods.families import open_calls
from migrate_storage.codemods.model import Reason, Status

CALL = cst.parse_expression("open(p)")
AT = Position(1, 0, 1, None)


@pytest.mark.parametrize(
    ("names", "spelled"),
    [({"builtins.open"}, "open"), ({"io.open"}, "io.open"), ({"builtins.open", "io.open"}, "open")],
)
def test_builtin_open_under_each_name_that_reaches_it(names: set[str], spelled: str) -> None:
    item = open_calls.site_for(CALL, AT, names, star_import=False)  # type: ignore[arg-type]
    assert item is not None and item.name == spelled and item.status is Status.PENDING


@pytest.mark.parametrize("names", [set(), {"gzip.open"}, {"builtins.open", "gzip.open"}, {"m.open"}])
def test_anything_that_may_be_another_open_is_not_recognised(names: set[str]) -> None:
    """Should find nothing, since the name may resolve to something other than builtin open."""
    assert open_calls.site_for(CALL, AT, names, star_import=False) is None  # type: ignore[arg-type]


def test_a_bare_open_under_a_star_import_is_left_alone() -> None:
    item = open_calls.site_for(CALL, AT, {"builtins.open"}, star_import=True)  # type: ignore[arg-type]
    assert item is not None and item.status is Status.UNMIGRATED and item.reason is Reason.STAR_IMPORT
    io_open = cst.parse_expression("io.open(p)")
    attribute = open_calls.site_for(io_open, AT, {"io.open"}, star_import=True)  # type: ignore[arg-type]
    assert attribute is not None and attribute.status is Status.PENDING  # `io.open` is spelled out
