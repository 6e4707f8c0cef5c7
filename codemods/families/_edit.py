"""Small node builders shared by the rewriters: add an argument without disturbing layout.

A call written on one line stays on one line; a call with one argument per line gets the
new argument on its own line, with the same indentation and trailing-comma style.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

_NO_SPACE = cst.SimpleWhitespace("")
_ONE_SPACE = cst.SimpleWhitespace(" ")


def keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    """`name=value`, spaced as PEP 8 wants for call keywords."""
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
    )


def bool_name(value: bool) -> cst.Name:
    return cst.Name("True" if value else "False")


def append_arg(call: cst.Call, new: cst.Arg) -> cst.Call:
    """`f(a, b)` -> `f(a, b, new)`, keeping one-per-line layouts one-per-line."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.MaybeSentinel):
        moved = last.whitespace_after_arg
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=_ONE_SPACE), whitespace_after_arg=_NO_SPACE
        )
        args.append(new.with_changes(whitespace_after_arg=moved))
        return call.with_changes(args=args)
    after = last.comma.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace):
        # One argument per line, trailing comma: the new line copies the previous one.
        line_ws = _line_whitespace(args, call)
        args[-1] = last.with_changes(
            comma=last.comma.with_changes(
                whitespace_after=after.with_changes(
                    indent=line_ws.indent, last_line=line_ws.last_line
                )
            )
        )
        closing = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=(),
            indent=after.indent,
            last_line=after.last_line,
        )
        args.append(new.with_changes(comma=cst.Comma(whitespace_after=closing)))
        return call.with_changes(args=args)
    args[-1] = last.with_changes(
        comma=last.comma.with_changes(whitespace_after=_ONE_SPACE)
    )
    args.append(new.with_changes(comma=cst.Comma(whitespace_after=after)))
    return call.with_changes(args=args)


def _line_whitespace(
    args: Sequence[cst.Arg], call: cst.Call
) -> cst.ParenthesizedWhitespace:
    """The whitespace that starts an argument line in this call."""
    if len(args) >= 2:
        previous = args[-2].comma
        if isinstance(previous, cst.Comma) and isinstance(
            previous.whitespace_after, cst.ParenthesizedWhitespace
        ):
            return previous.whitespace_after
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return call.whitespace_before_args
    return cst.ParenthesizedWhitespace(
        indent=True, last_line=cst.SimpleWhitespace("    ")
    )


def prepend_arg(call: cst.Call, value: cst.BaseExpression) -> cst.Call:
    """`f(a)` -> `f(value, a)`; on a one-per-line call, `value` gets the first line."""
    if not call.args:
        return call.with_changes(args=[cst.Arg(value=value)])
    before = call.whitespace_before_args
    after: cst.BaseParenthesizableWhitespace = (
        before if isinstance(before, cst.ParenthesizedWhitespace) else _ONE_SPACE
    )
    first = cst.Arg(value=value, comma=cst.Comma(whitespace_after=after))
    return call.with_changes(args=[first, *call.args])


def strip_parens(node: cst.BaseExpression) -> cst.BaseExpression:
    """`(a / b)` -> `a / b` when the parentheses hold no comment or line break."""
    if not node.lpar:
        return node
    simple = all(
        isinstance(p.whitespace_after, cst.SimpleWhitespace) for p in node.lpar
    ) and all(isinstance(p.whitespace_before, cst.SimpleWhitespace) for p in node.rpar)
    if not simple or isinstance(node, (cst.GeneratorExp, cst.Yield, cst.Tuple)):
        return node
    return node.with_changes(lpar=[], rpar=[])


def flat_args(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Arguments re-joined as `a, b, c` (used where a statement is rebuilt)."""
    out = []
    for index, arg in enumerate(args):
        comma: cst.Comma | cst.MaybeSentinel = (
            cst.Comma(whitespace_after=_ONE_SPACE)
            if index < len(args) - 1
            else cst.MaybeSentinel.DEFAULT
        )
        out.append(arg.with_changes(comma=comma, whitespace_after_arg=_NO_SPACE))
    return out


def count_comments(node: cst.CSTNode | Sequence[cst.CSTNode]) -> int:
    """How many comments a subtree holds (a rewrite that drops code must not drop these)."""
    counter = _CommentCounter()
    for part in node if isinstance(node, Sequence) else [node]:
        part.visit(counter)
    return counter.count


class _CommentCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        self.count = 0

    def visit_Comment(self, node: cst.Comment) -> None:
        self.count += 1
