"""After a `with` statement: when publish_after may add `storage.publish(path)` after it.

A writer that returns a handle (`with tarfile.open(p, "w") as t:`, `with gzip.open(p,
"wt") as f:`) or a kept temporary file (`with NamedTemporaryFile(delete=False) as f:`)
writes its file through the handle, and the handle is closed when the `with` statement
ends: the statement after the `with` is the moment the file is complete. The added
publish is exact when:

- the writer is an item of the `with` itself (not an argument inside one), and the
  `with` stands in an indented block or the module body (a new line can follow it);
- the path evaluated again after the block is what it was in the header: a name or a
  literal (publish_after checks that), a name nothing binds or deletes anywhere in the
  `with` statement (its items and body, nested functions, `except ... as p`, walrus
  included) and no other function binds, deletes or captures in a `match` through
  `global`/`nonlocal` (a call in the block may run it: `del p` there made the line after
  the block raise NameError); for a temporary file, `f.name` with `f` bound only by the
  `as f` itself;
- the body cannot leave the `with` except by its end or an exception: no `return`, no
  `break`/`continue` of a loop outside the body. Those leave with the file complete but
  skip the line after the `with`, so the site would say migrated while a path through
  it publishes nothing: such a site stays counted. An exception skips the publish too,
  which is wanted (the archive was not finished: tarfile writes no end blocks); one that
  another item of the same `with` suppresses (`contextlib.suppress`) does not: every
  handle is closed by then, and what is published is what the program left on disk;
- no enclosing `with` of the same function names the same path in its items (`with
  open(p, "ab") as log:` around `with gzip.open(p, "ab") as g:`): another handle on the
  file is still open there, and a version published then would be torn.

Several writer items of one `with` are published in item order, all after it (every
handle is closed by then). Also here: the edit that adds the publish lines.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, Scope
from migrate_storage.codemods.analysis.uses import descendants
from migrate_storage.codemods.families._edit import bool_name, keyword
from migrate_storage.codemods.model import Family

Parent = Callable[[cst.CSTNode], cst.CSTNode | None]

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def with_of(call: cst.Call, parent: Parent, awaited: bool = False) -> cst.With | None:
    """The `with` statement `call` is an item of (with `awaited`, also `await <call>`:
    `async with await anyio.open_file(p, "w") as f:`), when it stands in a block or the
    module body; else None."""
    expression: cst.BaseExpression = call
    item = parent(call)
    if awaited and isinstance(item, cst.Await) and not item.lpar:
        expression, item = item, parent(item)
    if not isinstance(item, cst.WithItem) or item.item is not expression:
        return None
    statement = parent(item)
    if not isinstance(statement, cst.With):
        return None
    if not isinstance(parent(statement), (cst.IndentedBlock, cst.Module)):
        return None
    return statement


def trailing_lines(statement: cst.With) -> int | None:
    """The comment and blank lines at the end of `statement` after its last simple
    statement: LibCST keeps them in the footers of the blocks that end it (the `with`'s,
    and those of its last compound statement, recursively), and the added lines go after
    them, beyond the span `ast` gives the statement. None when a function or class ends
    it (its body may have been cut out before parsing: pipeline/prune.py)."""
    count = 0
    node: cst.CSTNode = statement
    while True:
        block = _last_block(node)
        if not isinstance(block, cst.IndentedBlock):
            return count  # a simple statement, or a one-line body: nothing after it
        count += len(block.footer)
        node = block.body[-1]
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return None


def end_line(
    statement: cst.With,
    call: cst.Call,
    call_end: int,
    module: cst.Module,
    cut: Sequence[tuple[int, int]],
) -> int | None:
    """The source line `statement` ends on (the comment lines that end its block
    included), counted in the tree from the line its item `call` ends on (for an item
    the prefilter gives no span of the `with`: `await <call>`); None where a unit cut out
    of the source before parsing (`cut`, pipeline/prune.py) may lie in between."""
    index = next(
        (i for i, item in enumerate(statement.items) if call in descendants(item.item)),
        None,
    )
    if index is None or call.lpar:
        return None  # `(call)`: `ast` ends it before its closing parentheses
    item = statement.items[index]
    after: list[cst.CSTNode] = []
    if item.item is not call:  # `await <call>`: its closing parentheses, if any
        after.extend(getattr(item.item, "rpar", ()))
    if item.asname is not None:
        after.append(item.asname)
    if isinstance(item.comma, cst.Comma):
        after.append(item.comma)
    after.extend(statement.items[index + 1 :])
    if isinstance(statement.rpar, cst.RightParen):
        after.append(statement.rpar)
    after.append(statement.body)
    text = "".join(module.code_for_node(node) for node in after)
    # The body's code holds the newline that ends the header line, and ends with one.
    end = call_end + text.count("\n") - 1
    later = [first for first, _ in cut if first > call_end]
    return None if later and min(later) <= end + 1 else end


def _last_block(node: cst.CSTNode) -> cst.BaseSuite | None:
    """The block a compound statement ends with (None for a simple statement)."""
    if isinstance(node, (cst.With, cst.For, cst.While)):
        orelse = getattr(node, "orelse", None)
        return orelse.body if orelse is not None else node.body
    if isinstance(node, cst.If):
        if node.orelse is None:
            return node.body
        return _last_block(node.orelse) if isinstance(node.orelse, cst.If) else node.orelse.body
    if isinstance(node, (cst.Try, cst.TryStar)):
        if node.finalbody is not None:
            return node.finalbody.body
        if node.orelse is not None:
            return node.orelse.body
        return node.handlers[-1].body if node.handlers else node.body
    if isinstance(node, cst.Match):
        return node.cases[-1].body if node.cases else None
    return None


def publishable(
    statement: cst.With,
    name: cst.Name | None,
    scopes: Mapping[cst.CSTNode, Scope | None],
    parent: Parent,
    path: cst.BaseExpression,
    bound_by: cst.Name | None = None,
) -> bool:
    """Whether `path`, evaluated again after `statement`, names the file written in it
    and the line after `statement` runs whenever the block ends normally (see the module
    docstring). `name`: the name `path` reads (None for a literal); `bound_by`: the one
    binding of that name inside the statement that is allowed (a temp file's `as f`)."""
    if leaves_early(statement.body):
        return False
    if name is not None and rebound(name, statement, scopes, parent, bound_by):
        return False
    return not reopened_around(statement, path, parent)


def leaves_early(body: cst.CSTNode) -> bool:
    """A `return`, or a `break`/`continue` of a loop that encloses `body`, in `body`
    (nested functions, classes and lambdas are their own: skipped; a loop's `else:` is
    not part of that loop)."""
    stack: list[tuple[cst.CSTNode, bool]] = [(body, False)]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, cst.Return):
            return True
        if isinstance(node, (cst.Break, cst.Continue)) and not in_loop:
            return True
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, (cst.For, cst.While)):
            stack.append((node.body, True))
            if node.orelse is not None:
                stack.append((node.orelse, in_loop))
            continue
        stack.extend((child, in_loop) for child in node.children)
    return False


def rebound(
    name: cst.Name,
    statement: cst.CSTNode,
    scopes: Mapping[cst.CSTNode, Scope | None],
    parent: Parent,
    bound_by: cst.Name | None = None,
) -> bool:
    """Whether the name `name` reads may be bound or deleted while `statement` runs: a
    binding of it inside the statement (but `bound_by`), a `del` or `match` capture of
    it there, an `exec`/`globals()`/... there, or a binding, `del` or capture made
    through `global`/`nonlocal` in another function. Conservative: a name the scope
    analysis cannot place is rebound."""
    scope = scopes.get(name)
    if scope is None:
        return True
    inside = set(descendants(statement))
    for assignment in scope[name.value]:
        if not isinstance(assignment, Assignment):
            return True  # a builtin, or a binding the analysis does not place
        # LibCST records a `del` target and a `match` capture as reads of the binding
        # they undo or replace: one in another function (`global p; del p`) may run
        # from a call in the block.
        for access in assignment.references:
            read = access.node
            if scopes.get(read) is not scope and _unbinds(read, name.value, parent):
                return True
        node = assignment.node
        if node is bound_by:
            continue
        if node in inside or scopes.get(node) is not assignment.scope:
            return True
    return any(_binds_dynamically(node, name.value) for node in inside)


def _unbinds(read: cst.CSTNode, name: str, parent: Parent) -> bool:
    """`read` is the target of a `del` (in a tuple or list of targets too) or a name
    a `match` pattern captures."""
    holder = parent(read)
    while isinstance(holder, (cst.Element, cst.Tuple, cst.List)):
        holder = parent(holder)
    return holder is not None and _binds_dynamically(holder, name)


#: Calls that may bind any name of the running scope (`exec("p = 1")` at module level,
#: `globals()["p"] = ...`): a block that names one may rebind the path.
_DYNAMIC_BINDERS = frozenset({"exec", "eval", "globals", "locals", "vars"})


def _binds_dynamically(node: cst.CSTNode, name: str) -> bool:
    """A binding of `name` the scope analysis does not record (`del name`, a `match`
    capture: `case [name]`, `case {**name}`, `case str() as name`), or a call that may
    bind any name (`_DYNAMIC_BINDERS`)."""
    if isinstance(node, cst.Del):
        return _spells(node.target, name)
    if isinstance(node, (cst.MatchAs, cst.MatchStar)):
        return isinstance(node.name, cst.Name) and node.name.value == name
    if isinstance(node, cst.MatchMapping):
        return node.rest is not None and node.rest.value == name
    return isinstance(node, cst.Name) and node.value in _DYNAMIC_BINDERS


def reopened_around(statement: cst.BaseStatement, path: cst.BaseExpression, parent: Parent) -> bool:
    """An enclosing `with` of the same function whose items spell `path` again."""
    current = parent(statement)
    while current is not None and not isinstance(current, (*_SCOPES, cst.Module)):
        if isinstance(current, cst.With) and any(
            type(node) is type(path) and node.deep_equals(path)
            for item in current.items
            for node in descendants(item.item)
        ):
            return True
        current = parent(current)
    return False


def published_after(
    statement: cst.BaseStatement,
    path: cst.BaseExpression,
    publishes: Callable[[cst.Call], bool],
    parent: Parent,
) -> bool:
    """`storage.publish(<path>, ...)` among the publish lines that directly follow
    `statement` (what the edit leaves, for each writer item, in item order)."""
    for following in statements_after(statement, parent):
        call = publish_call(following, publishes)
        if call is None:
            return False
        if call.args[0].value.deep_equals(path):
            return True
    return False


def statements_after(
    statement: cst.BaseStatement, parent: Parent
) -> Sequence[cst.BaseStatement]:
    """The statements that follow `statement` in its block (or the module body)."""
    block = parent(statement)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return ()
    index = _indexes(block).get(statement)
    return () if index is None else block.body[index + 1 :]


@functools.lru_cache(maxsize=16)
def _indexes(block: cst.IndentedBlock | cst.Module) -> dict[cst.CSTNode, int]:
    # One map per block (nodes hash by identity, and the cache keeps the block alive,
    # so no id is reused): a module of N writers at the top level would otherwise
    # scan its body once per writer.
    return {statement: index for index, statement in enumerate(block.body)}


def publish_call(
    statement: cst.BaseStatement, publishes: Callable[[cst.Call], bool]
) -> cst.Call | None:
    """The call of a line that is only `storage.publish(<path>, ...)`, else None."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    expr = statement.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return None
    call = expr.value
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    return call if publishes(call) else None


def publish_line(
    path: cst.BaseExpression, pin: bool, suffix: str | None, storage: str
) -> cst.SimpleStatementLine:
    """`<storage>.publish(<path>, pin=<pin>[, suffix="<suffix>"])` on a line of its own."""
    args = [cst.Arg(path.deep_clone()), keyword("pin", bool_name(pin))]
    if suffix is not None:
        args.append(keyword("suffix", cst.SimpleString(f'"{suffix}"')))
    func = cst.Attribute(cst.Name(storage), cst.Name("publish"))
    return cst.SimpleStatementLine([cst.Expr(cst.Call(func, args))])


@dataclass(frozen=True, slots=True)
class WithPublishEdit:
    """The `with` statement (or the `try` that closes the writers: families/
    _after_finally.py) -> the statement as it was (its items and body as the other edits
    left them), then one `storage.publish(path, pin=...)` line per writer, at the
    statement's indentation."""

    node: cst.With | cst.Try | cst.SimpleStatementLine  # a close line: _after_finally.py
    region: tuple[int, int]
    paths: tuple[cst.BaseExpression, ...]
    pin: bool
    # (item index, argument index) of the paths of writers in a mode that keeps the
    # file's content (`tarfile.open(p, "a")`), wrapped in `storage.restored(...)` where
    # they stand: the file another worker published is there before the writer opens
    # it, as for builtin `open(p, "a")`. Each is a name or a literal (evaluated once,
    # right where it was), in a writer call no other edit changes.
    restore: tuple[tuple[int, int], ...] = ()
    family: Family = Family.THIRD_PARTY

    def apply(
        self, node: cst.CSTNode, names: Mapping[str, str]
    ) -> cst.FlattenSentinel[cst.CSTNode]:
        assert isinstance(node, (cst.With, cst.Try, cst.SimpleStatementLine))
        if self.restore:
            assert isinstance(node, cst.With)
            node = node.with_changes(items=_restored_items(node.items, self.restore, names))
        added = [publish_line(p, self.pin, None, names["storage"]) for p in self.paths]
        return cst.FlattenSentinel([node, *added])


def _restored_items(
    items: Sequence[cst.WithItem], places: tuple[tuple[int, int], ...], names: Mapping[str, str]
) -> list[cst.WithItem]:
    out = list(items)
    for index, position in places:
        item = out[index]
        call = item.item.expression if isinstance(item.item, cst.Await) else item.item
        assert isinstance(call, cst.Call)
        args = list(call.args)
        wrapped = cst.Call(
            cst.Attribute(cst.Name(names["storage"]), cst.Name("restored")),
            [cst.Arg(args[position].value)],
        )
        args[position] = args[position].with_changes(value=wrapped)
        call = call.with_changes(args=args)
        value = item.item.with_changes(expression=call) if isinstance(item.item, cst.Await) else call
        out[index] = item.with_changes(item=value)
    return out


def _spells(node: cst.CSTNode, name: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == name for n in descendants(node))


