"""What the fast walk leaves out for a visitor that SKIPS_WHITESPACE, told independently of
speedups/walk.py: layout nodes, and nodes with nothing but layout under them."""

from __future__ import annotations

import libcst as cst

LAYOUT = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
)


def only_layout_under(node: cst.CSTNode) -> bool:
    """Nothing under `node` but whitespace, newlines and comments (LibCST's `children`)."""
    return all(isinstance(c, LAYOUT) and only_layout_under(c) for c in node.children)
