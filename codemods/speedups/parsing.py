"""`parse_module` without LibCST's validation of every node it builds.

Every `CSTNode` validates itself after construction (`__post_init__` calls `_validate`):
that its parentheses pair up, that a keyword has the whitespace it needs, and so on. For
nodes the parser builds from source text this re-checks what the grammar already
enforced, and it was about a quarter of a parse (LibCST's own comment on
`CSTNode.__post_init__` notes the same). With `install()`, `parse_module` builds the tree
without it; every node the codemods build themselves is still validated, as is every
node built on another thread meanwhile (the switch is per thread).
tests/codemods/speedups/test_parsing.py validates every node of unvalidated parses of
real modules afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import libcst as cst
from libcst._nodes.base import CSTNode

__all__ = ["install", "parse_module", "uninstall"]

_ORIGINAL: dict[str, Callable[..., Any]] = {}
_parsing = threading.local()


def _post_init(self: CSTNode) -> None:
    if not getattr(_parsing, "on", False):
        self._validate()


def parse_module(source: bytes | str) -> cst.Module:
    """`libcst.parse_module(source)`, without node validation when installed."""
    if not _ORIGINAL:
        return cst.parse_module(source)
    _parsing.on = True
    try:
        return cst.parse_module(source)
    finally:
        _parsing.on = False


def install() -> None:
    """Let `parse_module` skip node validation (idempotent)."""
    if "post_init" not in _ORIGINAL:
        _ORIGINAL["post_init"] = CSTNode.__post_init__
        CSTNode.__post_init__ = _post_init  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore LibCST's `__post_init__`."""
    if "post_init" in _ORIGINAL:
        CSTNode.__post_init__ = _ORIGINAL.pop("post_init")  # type: ignore[method-assign]
