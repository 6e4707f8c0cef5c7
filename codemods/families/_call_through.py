"""The call-through form of a third-party writer or reader: `torch.save(obj, os.path.join(d,
n))` -> `storage.publishing(torch.save, path=1, pin=True)(obj, os.path.join(d, n))`.

Where a writer's path cannot be evaluated again after the call (an attribute, a call, an
operator: families/publish_after.py's `storage.publish(p)` line needs a name or a literal),
or a reader has arguments after its path that may run code (families/restore_before.py's
`storage.restored(p)` would restore before them), the callee is wrapped instead: the
runtime's `publishing`/`restoring` return a function that calls it with the very arguments
it is given and publishes (after) or restores (before) the argument at `path`, the
positional index or the keyword the call gives it at. The program's own expressions are
evaluated once, in their own order: the callee first, then the arguments, then the call;
the wrapper adds nothing visible in between.

Shared by publish_after (writers) and restore_before (readers): the edit, the argument's
place, and the recognition of a call already in this form (MIGRATED; the site is the inner
call `storage.publishing(torch.save, ...)`, whose callee names the writer). Readers are no
longer written this way (restore_before's HeldEdit restores from the program's own frame,
so a warning the reader attributes to its caller still names the program's line); a call
an earlier version wrote as `storage.restoring(...)` is still recognised as migrated.
Neither is a writer whose call is a whole expression statement (publish_after's
HeldPublishEdit: `storage.held(p)` in the call, `storage.publish_held()` on the next
line); the writer's other shapes (`return w(...)`, an assignment, inside an expression)
are still called through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.families._edit import bool_name, keyword
from migrate_storage.codemods.model import Family

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

PUBLISHING = "publishing"
RESTORING = "restoring"
#: The frame-free form's runtime calls: `storage.held(p)` in place of the path, then
#: `**storage.restore_held()` last (readers) or a `storage.publish_held(...)` line after
#: the statement (writers): families/restore_before.py, families/publish_after.py.
HELD = "held"
RESTORE_HELD = "restore_held"
PUBLISH_HELD = "publish_held"


def hold(args: list[cst.Arg], path: int | str, storage: str) -> list[cst.Arg]:
    """`args` with the argument at `path` (a positional index or a keyword) wrapped in
    `storage.held(...)`; one already held is left as it is (a second `held` would leave
    an entry no partner takes)."""
    args = list(args)
    if isinstance(path, str):
        at = next(
            i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == path
        )
    else:
        at = [i for i, a in enumerate(args) if a.keyword is None and not a.star][path]
    func = cst.Attribute(cst.Name(storage), cst.Name(HELD))
    value = args[at].value
    if not (isinstance(value, cst.Call) and value.func.deep_equals(func)):
        args[at] = args[at].with_changes(value=cst.Call(func=func, args=[cst.Arg(value)]))
    return args


def pin_keywords(
    pin: bool | None, suffix: str | None, first: list[cst.Arg] | None = None
) -> list[cst.Arg]:
    """`first`, then `pin=...` and `suffix="..."` when given, comma-separated."""
    args = list(first or [])
    if pin is not None:
        args.append(keyword("pin", bool_name(pin)))
    if suffix is not None:
        args.append(keyword("suffix", cst.SimpleString(f'"{suffix}"')))
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [a.with_changes(comma=comma) for a in args[:-1]] + args[-1:]


def place(path: cst.BaseExpression, ctx: Context) -> int | str | None:
    """Where `path` sits in its call: its positional index, or its keyword; None when a
    `*args` before it hides its index (analysis/uses.py `Flow.as_argument`)."""
    use = ctx.flow.as_argument(path)
    if use is None:
        return None
    return use.keyword if use.keyword is not None else use.index


def wrapped(call: cst.Call, ctx: Context, method: str) -> cst.BaseExpression | None:
    """The callee of a call already in this form, asked of its inner call
    `storage.<method>(callee, path=...)` (the site: the outer call has no name to find)."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != method:
        return None
    if not ctx.on_runtime_storage(call):
        return None
    first = call.args[0] if call.args else None
    if first is None or first.keyword is not None or first.star:
        return None
    return first.value


@dataclass(frozen=True, slots=True)
class CallThroughEdit:
    """The call's callee -> `storage.<method>(<callee as written>, path=..., [pin=...,
    suffix=...])`."""

    node: cst.BaseExpression
    region: tuple[int, int]
    method: str
    path: int | str | None  # None: `returned=True`, what the call returns is the path
    pin: bool | None = None
    suffix: str | None = None
    family: Family = Family.THIRD_PARTY

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.CSTNode:
        assert isinstance(node, cst.BaseExpression)
        if self.path is None:
            given = keyword("returned", cst.Name("True"))
        else:
            given = keyword("path", (
                cst.Integer(str(self.path))
                if isinstance(self.path, int)
                else cst.SimpleString(repr(self.path))
            ))
        args = pin_keywords(self.pin, self.suffix, [cst.Arg(node), given])
        func = cst.Attribute(cst.Name(names["storage"]), cst.Name(self.method))
        return cst.Call(func=func, args=args)
