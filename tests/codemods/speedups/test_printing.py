"""speedups/printing.py: modules print the same bytes, and LibCST's position metadata (the
state that records positions) is untouched."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest
from libcst._nodes.internal import CodegenState
from libcst.metadata import MetadataWrapper, PositionProvider
from migrate_storage.codemods.speedups import printing

STDLIB = Path(sys.modules["os"].__file__).parent  # type: ignore[arg-type]


def _positions(module: cst.Module) -> list[tuple[int, int, int, int]]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return sorted(
        (r.start.line, r.start.column, r.end.line, r.end.column)
        for r in wrapper.resolve(PositionProvider).values()
    )


@pytest.mark.parametrize("name", ["tarfile.py", "typing.py", "asyncio/base_events.py"])
def test_printing_and_positions_are_libcsts(name: str) -> None:
    source = (STDLIB / name).read_bytes()
    module = cst.parse_module(source)
    edited = module.visit(_Renamer())  # printed nodes built by code, not parsed
    printing.install()
    try:
        assert CodegenState.record_syntactic_position is printing._record_nothing
        fast = (module.bytes, edited.bytes, _positions(module))
    finally:
        printing.uninstall()
    assert CodegenState.record_syntactic_position is not printing._record_nothing
    assert fast == (module.bytes, edited.bytes, _positions(module))
    assert fast[0] == source and fast[1] != source


class _Renamer(cst.CSTTransformer):
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=updated_node.value + "_x")
