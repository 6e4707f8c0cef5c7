"""speedups/parsing.py: `parse_module` without node validation builds the same trees, every
node of which still passes LibCST's validation; nodes built outside it are validated."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import libcst as cst
import pytest
from libcst._nodes.base import CSTNode
from migrate_storage.codemods.speedups import parsing

STDLIB = Path(sys.modules["os"].__file__).parent  # type: ignore[arg-type]
MODULES = [
    "os.py",
    "tarfile.py",
    "dataclasses.py",
    "asyncio/base_events.py",
    "typing.py",
]


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[CSTNode] = []

    def on_visit(self, node: CSTNode) -> bool:
        self.nodes.append(node)
        return True


@pytest.fixture
def installed():
    parsing.install()
    try:
        yield
    finally:
        parsing.uninstall()


@pytest.mark.parametrize("name", MODULES)
def test_an_unvalidated_parse_is_the_same_tree_and_every_node_validates(
    installed: None, name: str
) -> None:
    source = (STDLIB / name).read_bytes()
    fast = parsing.parse_module(source)
    parsing.uninstall()
    slow = cst.parse_module(source)
    assert fast.deep_equals(slow) and fast.bytes == source
    walker = _Nodes()
    fast.visit(walker)
    assert len(walker.nodes) > 1000
    for node in walker.nodes:
        node._validate()  # raises CSTValidationError on a node LibCST would refuse


def test_nodes_built_outside_a_parse_are_still_validated(installed: None) -> None:
    parsing.parse_module(b"x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")  # an empty name: LibCST refuses it
    # And on another thread while this one parses: the switch is per thread.
    refused: list[bool] = []

    def build() -> None:
        try:
            cst.Name("")
            refused.append(False)
        except cst.CSTValidationError:
            refused.append(True)

    parsing._parsing.on = True
    try:
        other = threading.Thread(target=build)
        other.start()
        other.join()
    finally:
        parsing._parsing.on = False
    assert refused == [True]


def test_uninstall_restores_libcst_validation() -> None:
    original = CSTNode.__post_init__
    parsing.install()
    assert CSTNode.__post_init__ is not original
    parsing.uninstall()
    assert CSTNode.__post_init__ is original
