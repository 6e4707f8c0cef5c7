"""Printing without a context manager per node.

`CSTNode._codegen_impl` wraps most nodes' printing in
`state.record_syntactic_position(...)`, a `@contextmanager` that, for the plain
`CodegenState` that `Module.code` uses, only yields: a generator and a context-manager
object made and thrown away per node, about a third of printing a module. `install()`
makes the plain state's method return one shared `contextlib.nullcontext()` instead; the
state that records positions (`PositionProvidingCodegenState`, LibCST's metadata) defines
its own and is untouched. tests/codemods/speedups/test_printing.py prints real modules both
ways.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from libcst._nodes.internal import CodegenState

__all__ = ["install", "uninstall"]

_ORIGINAL: dict[str, Callable[..., Any]] = {}
_NOTHING = contextlib.nullcontext()  # reentrant and reusable: enter and exit do nothing


def _record_nothing(
    self: CodegenState, node: Any, *, start_node: Any = None, end_node: Any = None
) -> contextlib.nullcontext[None]:
    return _NOTHING


def install() -> None:
    """Print with the shared null context (idempotent)."""
    if "record" not in _ORIGINAL:
        _ORIGINAL["record"] = CodegenState.record_syntactic_position
        CodegenState.record_syntactic_position = _record_nothing  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore LibCST's method."""
    if "record" in _ORIGINAL:
        CodegenState.record_syntactic_position = _ORIGINAL.pop("record")  # type: ignore[method-assign]
