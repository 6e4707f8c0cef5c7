"""Which binding of a function-local name holds at a read, when one provably does.

`save_directory = Path(save_directory)` at the top of a function whose parameter may be a
str makes every later `save_directory / "x"` a Path; the name has two bindings, so asking
"is every binding a Path?" (analysis/receivers.py) says no. The binding that holds at a
read is known, without any flow analysis, when:

- it is a plain statement `name = value` (or `name: T = value`; with `unpacked`, also an
  element of a flat tuple target, `fd, name = value`) in a block that also holds the
  read, before the statement holding the read: every path from outside that block to
  the read runs it (Python has no jump into a block); or it is the `as name` of a `with`
  item and the read is in that `with`'s body, which is entered only through it; or it
  is the `as name` of a `with`'s first item and the read comes after that `with`
  statement, as after a plain one (kfp's `with NamedTemporaryFile(...) as f:` then
  `try: ... finally: os.unlink(f.name)`, again in each branch of a test);
- every other binding of the name in the function is a parameter, or is written before
  it (so it overwrites them), or after the read with no loop between that block and the
  read (a later binding then reaches the read only through a loop that runs the
  dominating statement first), or is the function's own code outside what runs from the
  binding to the read (the `with` statement; the block holding both statements): `with
  gzip.open(p) as f:` in one branch of an `if` and `with open(p) as f:` in the other,
  each read in its own body (ragas' metric loaders).

Anything else (a binding in another branch inside that region, in a loop around the read,
in the same statement, a walrus, a nested function's `nonlocal`, a read in a nested
function or comprehension) is not decided here:
`dominating` answers None and the caller keeps its own answer.

"Written before" compares statement positions block by block from the outermost: two
bindings in different branches of an `if` are never ordered (None, not "before"); a
compound statement's own binding (a `with` target) is before the statements of its body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import libcst as cst

Parent = Callable[[cst.CSTNode], cst.CSTNode | None]

_BLOCKS = (
    cst.IndentedBlock,
    cst.Module,
    cst.SimpleStatementLine,
    cst.SimpleStatementSuite,
)
_LOOPS = (cst.For, cst.While)
# Another scope: a read or binding under one is not this function's own code.
_SCOPES = (
    cst.FunctionDef,
    cst.Lambda,
    cst.ClassDef,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


class Positions:
    """`_positions` for one module's parent map, memoised: each node's way to its
    function's body is found once, and each block's statement indexes once (a function
    that binds one name a hundred times asks about every binding for every read)."""

    def __init__(self, parent: Parent) -> None:
        self.parent = parent
        self._paths: dict[cst.CSTNode, list[tuple[cst.CSTNode, int]] | None] = {}
        self._indexes: dict[cst.CSTNode, dict[int, int]] = {}

    def __call__(self, node: cst.CSTNode) -> list[tuple[cst.CSTNode, int]] | None:
        if node not in self._paths:
            self._paths[node] = _positions(node, self.parent, self._index)
        return self._paths[node]

    def _index(self, block: cst.CSTNode, statement: cst.CSTNode) -> int | None:
        indexes = self._indexes.get(block)
        if indexes is None:
            body = block.body  # type: ignore[attr-defined]
            indexes = self._indexes[block] = {id(s): i for i, s in enumerate(body)}
        return indexes.get(id(statement))


def dominating(
    read: cst.Name,
    bindings: Iterable[cst.CSTNode],
    parent: Parent,
    *,
    unpacked: bool = False,
    positions: Positions | None = None,
) -> cst.Name | None:
    """The target (a Name) of the binding of `bindings` that holds at `read`, or None
    (see the module docstring). `bindings`: the node of every binding of the name in the
    function (LibCST `Assignment.node`: a target Name, a Param, a FunctionDef...).
    `unpacked`: a name unpacked from a flat tuple (`fd, tmp = mkstemp()`) may be the one
    that holds; its caller must read the value by position (the types of
    analysis/receivers.py read `name = value` only, so they leave it False).
    `positions`: a memo of the module's statement positions, kept by a caller that asks
    about many reads of one module (analysis/uses.py's Flow)."""
    bindings = list(bindings)
    positions = positions or Positions(parent)
    read_path = positions(read)
    if read_path is None:
        return None
    best: (
        tuple[cst.Name, list[tuple[cst.CSTNode, int]], cst.CSTNode, cst.CSTNode] | None
    ) = None
    for binding in bindings:
        if not isinstance(binding, cst.Name):
            continue
        path = positions(binding)
        with_statement = _with_of_target(binding, parent)
        if path is None:
            continue
        if with_statement is not None and not _under(read, with_statement.body, parent):
            # after the `with`: its first item's target is bound whenever the statement
            # completes, as a plain statement's (nothing before that item can swallow
            # the failure of its `__enter__`)
            first = with_statement.items[0].asname
            with_statement = None
            block = (
                _holds_at(path, read_path)
                if first is not None and first.name is binding
                else None
            )
        elif with_statement is not None:
            block = with_statement.body
        elif _plain_statement(binding, parent) or (
            unpacked and _unpacked_statement(binding, parent)
        ):
            block = _holds_at(path, read_path)
        else:
            continue
        if block is None:
            continue
        # what runs from the binding to the read: the `with` statement (its items and
        # body), or the block holding both statements
        region = with_statement if with_statement is not None else block
        if best is None or _before(best[1], path):
            best = (binding, path, block, region)
    if best is None:
        return None
    target, path, block, region = best
    looped = _loop_between(read, block, parent)
    for binding in bindings:
        if binding is target or isinstance(binding, cst.Param):
            continue
        other = positions(binding)
        if other is None:
            return None
        if other[-1][0] is read_path[-1][0] and not _under(binding, region, parent):
            # the function's own code outside the region: it cannot run between the
            # binding and the read (no jump into a block; a loop around the region
            # enters it from its start, through the binding again)
            continue
        if _before(other, path):
            continue
        if not looped and (
            _before(read_path, other) or _bound_after(read, binding, parent)
        ):
            continue
        return None
    return target


def _bound_after(read: cst.CSTNode, target: cst.CSTNode, parent: Parent) -> bool:
    """`target = value` where `value` holds `read` (`p = p / "x"`): bound once the value,
    read included, has been evaluated."""
    holder = parent(target)
    statement = parent(holder) if isinstance(holder, cst.AssignTarget) else holder
    if (
        not isinstance(statement, (cst.Assign, cst.AnnAssign))
        or statement.value is None
    ):
        return False
    current: cst.CSTNode | None = read
    while current is not None and current is not statement:
        if current is statement.value:
            return True
        current = parent(current)
    return False


def _with_of_target(target: cst.Name, parent: Parent) -> cst.With | None:
    """The `with` (or `async with`) one of whose items binds `target` (`as target`)."""
    holder = parent(target)
    item = parent(holder) if isinstance(holder, cst.AsName) and holder.name is target else None
    statement = parent(item) if isinstance(item, cst.WithItem) else None
    return statement if isinstance(statement, cst.With) else None


def _under(node: cst.CSTNode, ancestor: cst.CSTNode, parent: Parent) -> bool:
    current: cst.CSTNode | None = node
    while current is not None:
        if current is ancestor:
            return True
        current = parent(current)
    return False


def _plain_statement(target: cst.Name, parent: Parent) -> bool:
    """`target = value` (one target) or `target: T = value`, a statement of its own."""
    holder = parent(target)
    if isinstance(holder, cst.AssignTarget):
        assign = parent(holder)
        return isinstance(assign, cst.Assign) and len(assign.targets) == 1
    return (
        isinstance(holder, cst.AnnAssign)
        and holder.target is target
        and holder.value is not None
    )


def _unpacked_statement(target: cst.Name, parent: Parent) -> bool:
    """`a, target = value` (one flat tuple or list target, no starred element), a
    statement of its own: it binds `target` whenever it completes."""
    element = parent(target)
    sequence = parent(element) if isinstance(element, cst.Element) else None
    if not isinstance(sequence, (cst.Tuple, cst.List)):
        return False
    if any(
        not isinstance(e, cst.Element) or not isinstance(e.value, cst.Name)
        for e in sequence.elements
    ):
        return False
    holder = parent(sequence)
    assign = parent(holder) if isinstance(holder, cst.AssignTarget) else None
    return isinstance(assign, cst.Assign) and len(assign.targets) == 1


def _positions(
    node: cst.CSTNode,
    parent: Parent,
    index: Callable[[cst.CSTNode, cst.CSTNode], int | None] | None = None,
) -> list[tuple[cst.CSTNode, int]] | None:
    """(block, index of the statement on the way to `node`) from the innermost block to
    the function's body; None when `node` is not inside a function's own code. `index`:
    where a statement stands in a block (a memo's; by default a scan of the block)."""
    out: list[tuple[cst.CSTNode, int]] = []
    current: cst.CSTNode | None = node
    while current is not None:
        holder = parent(current)
        if holder is None:
            return None
        if isinstance(holder, _BLOCKS):
            if index is not None:
                at = index(holder, current)
            else:
                at = next((i for i, s in enumerate(holder.body) if s is current), None)
            if at is not None:
                out.append((holder, at))
        if isinstance(holder, cst.FunctionDef):
            return out
        if isinstance(holder, _SCOPES):
            return None
        current = holder
    return None


def _holds_at(
    binding: list[tuple[cst.CSTNode, int]], read: list[tuple[cst.CSTNode, int]]
) -> cst.CSTNode | None:
    """The block on the read's way that runs the binding's statement before the read's
    (its own block, or the block of its line `a = 1; p = Path(x)`), else None."""
    for block, index in binding:
        if any(b is block and i > index for b, i in read):
            return block
        if not isinstance(block, cst.SimpleStatementLine):
            return None  # a branch, a loop body, a one-line suite: may not run
    return None


def _before(
    first: list[tuple[cst.CSTNode, int]], second: list[tuple[cst.CSTNode, int]]
) -> bool:
    """`first`'s statement is written before `second`'s, outermost block first; True when
    `first`'s statement holds `second`'s (its header, a `with`'s binding, runs before its
    body); False when they are in different branches or are the same statement."""
    for (block_a, index_a), (block_b, index_b) in zip(
        reversed(first), reversed(second)
    ):
        if block_a is not block_b:
            return False
        if index_a != index_b:
            return index_a < index_b
    return len(first) < len(second)


def _loop_between(read: cst.CSTNode, block: cst.CSTNode, parent: Parent) -> bool:
    """A `for`/`while` around `read` inside `block` (a later binding could come back)."""
    current = parent(read)
    while current is not None and current is not block:
        if isinstance(current, _LOOPS):
            return True
        current = parent(current)
    return False


def narrowing(
    read: cst.Name, bindings: Iterable[cst.CSTNode], parent: Parent
) -> tuple[cst.If, cst.Name] | None:
    """`if isinstance(p, X): p = value` (or `if not isinstance(p, X):`), with no `else`
    or only `elif`s and an `else` that always raise (`_always_raises`), in a
    block on the read's way before it, and the target of that one assignment, when every
    other binding of the name is a parameter: after the `if`, the name holds either the
    parameter (the test said it is, or is not, an X) or `value`. The caller judges the
    test and the annotation. None otherwise."""
    bindings = list(bindings)
    read_path = _positions(read, parent)
    if read_path is None:
        return None
    found: tuple[cst.If, cst.Name] | None = None
    for binding in bindings:
        if isinstance(binding, cst.Param):
            continue
        if found is not None or not isinstance(binding, cst.Name):
            return None  # a second binding in the body: not the shape
        statement = _only_statement_of_if(binding, parent)
        if statement is None:
            return None
        path = _positions(statement, parent)
        if path is None or _holds_at(path, read_path) is None:
            return None
        found = (statement, binding)
    return found


def _only_statement_of_if(target: cst.Name, parent: Parent) -> cst.If | None:
    """The `if` whose body is exactly the one statement `target = value`, with no else."""
    if not _plain_statement(target, parent):
        return None
    holder = parent(target)
    statement = parent(holder) if isinstance(holder, cst.AssignTarget) else holder
    line = parent(statement) if statement is not None else None
    if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return None
    if len(line.body) != 1:
        return None
    body = line if isinstance(line, cst.SimpleStatementSuite) else parent(line)
    if isinstance(body, cst.IndentedBlock) and len(body.body) != 1:
        return None
    branch = parent(body) if body is not None else None
    if (
        not isinstance(branch, cst.If)
        or branch.body is not body
        or (branch.orelse is not None and not _always_raises(branch.orelse))
    ):
        return None
    return branch


def _always_raises(orelse: cst.If | cst.Else) -> bool:
    """No way through the `elif`s and `else` of an `if` reaches the statement after it
    but past their tests (camel's `elif not isinstance(file_path, Path): raise
    TypeError(...)`): each of their blocks ends with a `raise`. An `elif` chain without
    an `else` may fall through its tests, as an `if` without one does."""
    while isinstance(orelse, cst.If):
        if not _ends_raising(orelse.body):
            return False
        if orelse.orelse is None:
            return True
        orelse = orelse.orelse
    return _ends_raising(orelse.body)


def _ends_raising(body: cst.BaseSuite) -> bool:
    """The block's last statement is a `raise`."""
    if isinstance(body, cst.SimpleStatementSuite):
        small: Sequence[cst.BaseSmallStatement] = body.body
    else:
        last = body.body[-1] if body.body else None
        small = last.body if isinstance(last, cst.SimpleStatementLine) else ()
    return bool(small) and isinstance(small[-1], cst.Raise)
