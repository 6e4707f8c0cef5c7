"""The finder's working record for one candidate call, and open-mode analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import libcst as cst
from migrate_storage.codemods.analysis.plan import Edit
from migrate_storage.codemods.model import Family, Reason, Site, Status, Strategy


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int
    end_line: int
    with_span: tuple[int, int] | None = None  # when the call is a `with` item


@dataclass(slots=True)
class Found:
    call: cst.Call
    position: Position
    kind: str  # open | path | handle | runtime | unsupported | scratch | third-party
    # | lifecycle | path-lifecycle | existence | path-existence | value (then `call` is the reference itself, a Name
    # or Attribute not called where it stands: families/function_values.py)
    family: Family
    name: str
    status: Status = Status.PENDING
    reason: Reason | None = None
    strategy: Strategy | None = None
    # Set by the family's `decide` for a PENDING site: the node rewrite (None: the call
    # text stays) and the runtime objects its migration needs imported (plan.RUNTIME_OBJECTS).
    edit: Edit | None = None
    needs: tuple[str, ...] = ()
    consumed: bool = False  # an open folded into a json/pickle collapse
    # Set by the recognising family: the expression that names the file the call reads or
    # writes (the secret-path rule judges it when it is a literal: analysis/secret_paths.py),
    # and whether the call returns a file handle (a json/pickle call on that handle
    # follows it: analysis/handles.py).
    target: cst.BaseExpression | None = None
    opens_handle: bool = False

    def unmigrated(self, reason: Reason) -> Found:
        self.status, self.reason, self.edit = Status.UNMIGRATED, reason, None
        return self

    def site(self, path: str) -> Site:
        return Site(
            path=path,
            line=self.position.line,
            column=self.position.column,
            family=self.family,
            name=self.name,
            status=self.status,
            reason=self.reason,
            strategy=None if self.status is Status.MIGRATED else self.strategy,
        )


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN_MODE"


UNKNOWN_MODE: Final = _Unknown()
#: A literal mode; the literal modes a conditional expression chooses among (`"a" if
#: append else "w"`: every branch a literal, in source order); None: not given (the
#: read-only default); UNKNOWN_MODE: anything else.
Mode = str | tuple[str, ...] | None | _Unknown


def literal_string(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, else None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal is simply not a known mode
            return None
        return value if isinstance(value, str) else None
    return None


def rejected_path_literal(node: cst.BaseExpression | None) -> bool:
    """A literal str/bytes path the OS rejects on its own terms (a NUL, an empty name, a
    trailing separator, a last component `.` or `..`): such a call keeps the original's
    error only if it stays exactly as written (issue 13 item 5)."""
    if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return False
    try:
        value = node.evaluated_value
    except Exception:  # noqa: BLE001 - not a literal we can judge
        return False
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return False
    last = value.rpartition("/")[2]
    return "\0" in value or not value or value.endswith("/") or last in (".", "..")


def path_argument(call: cst.Call) -> cst.BaseExpression | None:
    """The file argument of `open(file, ...)` (first positional or `file=`)."""
    return argument(call, 0, ("file",))


def argument(
    call: cst.Call, index: int, keywords: tuple[str, ...]
) -> cst.BaseExpression | None:
    """The argument at positional `index` or named one of `keywords`; None when it is not
    given or a `*args`/`**kwargs` may hold it."""
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value in keywords:
                return arg.value
            continue
        if position == index:
            return arg.value
        position += 1
    return None


def open_mode(call: cst.Call, index: int) -> Mode:
    """The mode argument of `open(file, mode)` (index 1) or `Path.open(mode)` (index 0)."""
    position = 0
    double_star = False
    for arg in call.args:
        if arg.star == "*":
            if position <= index:
                return UNKNOWN_MODE
            continue
        if arg.star == "**":
            double_star = True
            continue
        if arg.keyword is None:
            if position == index:
                return _mode_value(arg.value)
            position += 1
        elif arg.keyword.value == "mode":
            return _mode_value(arg.value)
    return UNKNOWN_MODE if double_star else None


def _mode_value(node: cst.BaseExpression) -> Mode:
    return mode_of(node)


def mode_of(
    node: cst.BaseExpression,
    value_of: Callable[[cst.Name], cst.BaseExpression | None] | None = None,
) -> Mode:
    """A mode argument as written: its literal; the literals a conditional expression of
    literals chooses among (the test is evaluated once, where the program evaluates it,
    and one of them is the mode); with `value_of` (a name's one binding, uses.py
    `Flow.local_value_of`), the same for a name bound once to such an expression (srsly:
    `mode = "a" if append else "w"`, then `gzip.open(p, mode=mode)`); else UNKNOWN_MODE."""
    if value_of is not None and isinstance(node, cst.Name):
        node = value_of(node) or node
    choices = literal_choices(node)
    if choices is None:
        return UNKNOWN_MODE
    return choices[0] if len(choices) == 1 else choices


def literal_choices(node: cst.BaseExpression) -> tuple[str, ...] | None:
    """The str literals `node` evaluates to: one for a literal, every branch's for a
    conditional expression whose branches are literals or such expressions themselves
    (`"a" if append else "w"`); for an f-string whose text starts with a file mode and a
    `:` or `|` (`f"r:{compression}"`), that start (`"r:"`, see `_separated_mode`); None
    for anything else."""
    if isinstance(node, cst.IfExp):
        body, orelse = literal_choices(node.body), literal_choices(node.orelse)
        if body is None or orelse is None:
            return None
        return body + tuple(mode for mode in orelse if mode not in body)
    if isinstance(node, cst.FormattedString):
        start = _separated_mode(node)
        return None if start is None else (start,)
    value = literal_string(node)
    return None if value is None else (value,)


def _separated_mode(node: cst.FormattedString) -> str | None:
    """`"w:"` for `f"w:{compression}"` (weasel's remote storage): tarfile's mode is the
    file mode, then `:` or `|` and a compression, so what follows the separator never
    turns a read into a write or back (an unknown compression raises at the open); every
    other opener rejects a mode holding `:` or `|` (ValueError), before and after a
    rewrite alike. So the text up to the first separator stands for the whole mode,
    where only mode letters come before it; a plain f-string prefix (`f"r{extra}"`, which
    may be `"r+"`) is not a mode."""
    if node.start not in ('f"', "f'") or not node.parts:
        return None
    first = node.parts[0]
    if not isinstance(first, cst.FormattedStringText):
        return None
    for index, char in enumerate(first.value):
        if char in ":|":
            return first.value[: index + 1] if index else None
        if char not in "rwxab+t":
            return None
    return None


def may_write(mode: Mode) -> bool:
    """A mode that is not a literal may write; a literal writes with w, a, x or +; a
    choice of literals may write when one of them does (all reading: a reader; all
    writing, or mixed: a writer, as for a mode that is not known)."""
    if isinstance(mode, _Unknown):
        return True
    if isinstance(mode, tuple):
        return any(may_write(choice) for choice in mode)
    return mode is not None and any(c in mode for c in "wax+")
