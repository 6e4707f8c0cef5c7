"""After a `try` whose `finally` closes a writer: when publish_after may add
`storage.publish(path)` after it.

The spelling of a `with` before `with` existed, and still the archive builders' (flit's
sdist: `gz = GzipFile(str(target), mode="wb")`, `tf = TarFile(fileobj=gz)`, `try: ...
finally: tf.close(); gz.close()`): a writer that returns a handle is bound to a name, and
the `try` that fills it closes it in its `finally`. The statement after the `try` is then
the moment the file is complete, as the statement after a `with` is, and the publish goes
there (families/_after_with.py's edit). Exact when:

- the writer is the whole value of `x = <writer>(...)`, alone on its line in a block or
  the module body, `x` a plain name; the lines between it and the `try` are simple
  statements (another writer, `tf = TarFile(fileobj=gz)`), none a `return`, `break` or
  `continue`;
- the `try` has a `finally` whose own top-level lines call `x.close()` (no argument):
  a close under an `if`, a loop or a nested `try` may not run, and nothing is published
  for it; an exception out of the `try` body skips the line after the `try`, so nothing
  is published for an unfinished file, as for a `with`, and it propagates unchanged
  (nothing is added inside the `try`). So an `except` clause is allowed only when it ends
  by raising (`except BaseException: os.unlink(p); raise`): one that handles the
  exception would let the line after the `try` publish an unfinished file;
- neither `x` nor the path's name is bound or deleted between the writer and the line
  after the `try` (analysis as for a `with`: `_after_with.rebound`), the `try` cannot be
  left early (`return`, `break`/`continue` of an outer loop, in any of its parts), and no
  enclosing `with` of the same function names the same path;
- the path is a name or a literal, evaluated again after the `try`; an expression (a
  call, an attribute, an operator) is not evaluated again: where the writer keeps the path
  it opened on the handle (`Entry.name_attribute`: GzipFile's `name`), `x.name` is
  published, else the site stays counted.

The same writer (or a kept `NamedTemporaryFile(delete=False)`, publish_after's) bound so
and closed instead by a line of its own later in the same block, `x.close()` alone on it
(comet-ml's `tmp_file = NamedTemporaryFile(delete=False)`, writes, `tmp_file.close()`,
`return tmp_file.name`; `archive = ZipFile(p, "w")`, `archive.writestr(...)`,
`archive.close()`): the line after the close is the moment the file is complete, and the
publish goes there. The statements in between may be compound (a loop that writes), with
the same conditions: none leaves early, none binds or deletes `x` or the path's name. An
exception before the close skips it and the publish, as it skips the line after a `with`.

Where parts of the source were cut before parsing (pipeline/prune.py: module-level
functions and classes with no site) and one may lie in the `try`, it is left alone: its
last line in the source is not known from the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Scope
from migrate_storage.codemods.families import _after_with

Parent = Callable[[cst.CSTNode], cst.CSTNode | None]

#: The methods that close a handle: `x.close()`, and an async file's `await x.close()`
#: (aiofiles) or `await x.aclose()` (anyio, trio).
_CLOSES = frozenset({"close"})
_ASYNC_CLOSES = frozenset({"close", "aclose"})


@dataclass(frozen=True, slots=True)
class Closing:
    """A writer bound to `handle` on `line`, and the `try` after it (`between`: the simple
    lines in between) whose `finally` closes it, or the later line of the same block that
    is only `handle.close()` (`between`: the statements in between)."""

    handle: cst.Name
    line: cst.SimpleStatementLine
    between: tuple[cst.BaseStatement, ...]
    statement: cst.Try | cst.SimpleStatementLine


def closing_try(
    call: cst.CSTNode, parent: Parent, awaited: bool = False
) -> Closing | None:
    """The `try` that closes the handle `call` returns (see the module docstring), else
    None. `call`: the writer call, or the `await` of it (an async writer, `awaited`)."""
    if getattr(call, "lpar", None):
        return None
    assign = parent(call)
    if not isinstance(assign, cst.Assign) or assign.value is not call:
        return None
    if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
        return None
    handle = assign.targets[0].target
    line = parent(assign)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    block = parent(line)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return None
    between: list[cst.BaseStatement] = []
    simple = True  # only simple lines so far: a `try` closing it may follow
    methods = _ASYNC_CLOSES if awaited else _CLOSES
    for following in _after_with.statements_after(line, parent):
        if isinstance(following, cst.Try) and _closes_in_finally(
            following, handle.value, awaited
        ):
            return Closing(handle, line, tuple(between), following) if simple else None
        if _is_close_line(following, handle.value, methods, awaited):
            return Closing(handle, line, tuple(between), following)
        simple = simple and isinstance(following, cst.SimpleStatementLine)
        between.append(following)
    return None


def _is_close_line(
    statement: cst.BaseStatement, handle: str, methods: frozenset[str], awaited: bool
) -> bool:
    """`statement` is a line holding only `handle.close()` (`await handle.aclose()`)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return isinstance(small, cst.Expr) and _is_close(small.value, handle, methods, awaited)


def _closes_in_finally(statement: cst.Try, handle: str, awaited: bool) -> bool:
    if statement.finalbody is None:
        return False
    if not all(_ends_raising(handler.body) for handler in statement.handlers):
        return False
    methods = _ASYNC_CLOSES if awaited else _CLOSES
    for line in statement.finalbody.body.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for small in line.body:
            if isinstance(small, cst.Expr) and _is_close(
                small.value, handle, methods, awaited
            ):
                return True
    return False


def _ends_raising(body: cst.BaseSuite) -> bool:
    """The block's last statement is a `raise`: whatever runs before it, the handler does
    not end normally (a `return`, `break` or `continue` before it is
    `_after_with.leaves_early`'s)."""
    if isinstance(body, cst.SimpleStatementSuite):
        small = body.body
    else:
        last = body.body[-1] if body.body else None
        small = last.body if isinstance(last, cst.SimpleStatementLine) else ()
    return bool(small) and isinstance(small[-1], cst.Raise)


def _is_close(
    node: cst.BaseExpression, handle: str, methods: frozenset[str], awaited: bool
) -> bool:
    if awaited:
        if not isinstance(node, cst.Await):
            return False
        node = node.expression
    if not isinstance(node, cst.Call) or node.args:
        return False
    func = node.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in methods
        and isinstance(func.value, cst.Name)
        and func.value.value == handle
    )


def publishable(
    closing: Closing,
    path_name: cst.Name | None,
    scopes: Mapping[cst.CSTNode, Scope | None],
    parent: Parent,
    path: cst.BaseExpression,
) -> bool:
    """Whether the line after `closing.statement` runs whenever it ends normally (the
    `try`, or the close line after the statements in between),
    with `closing.handle` and the path's name (`path_name`, None for a literal) what they
    were at the writer (see the module docstring)."""
    if closing.handle.value == (path_name.value if path_name is not None else None):
        return False  # `p = GzipFile(p, "wb")`: the name is the handle after the writer
    parts = (*closing.between, closing.statement)
    if any(_after_with.leaves_early(part) for part in parts):
        return False
    for name in (closing.handle, path_name):
        if name is not None and any(
            _after_with.rebound(name, part, scopes, parent) for part in parts
        ):
            return False
    return not _after_with.reopened_around(closing.statement, path, parent)


def end_line(
    closing: Closing,
    writer_end: int,
    module: cst.Module,
    cut: Sequence[tuple[int, int]],
) -> int | None:
    """The source line the `try` ends on (its block's closing comment lines included),
    counted in the tree from the line the writer call ends on; None where a unit cut out
    of the source before parsing (`cut`: the source lines of each, pipeline/prune.py) may
    lie in between, standing for fewer lines in the tree than in the source."""
    end = writer_end + sum(
        _lines(module, part) for part in (*closing.between, closing.statement)
    )
    # The lines up to the first cut unit after the writer are the source's: a unit cut
    # inside starts at most one line after the end counted (a unit dropped whole, last
    # in the `finally`, leaves no line), one after the `try` further down.
    later = [first for first, _ in cut if first > writer_end]
    return None if later and min(later) <= end + 1 else end


def _lines(module: cst.Module, statement: cst.BaseStatement) -> int:
    """The lines of `statement` in the source, the comment and blank lines before it
    included."""
    return len(module.code_for_node(statement).splitlines())


def handle_attribute(closing: Closing, attribute: str) -> cst.Attribute:
    """`<handle>.<attribute>`, the path the writer kept on its handle."""
    return cst.Attribute(cst.Name(closing.handle.value), cst.Name(attribute))
