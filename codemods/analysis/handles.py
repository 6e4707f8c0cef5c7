"""Where a file handle comes from: the provenance a json/pickle call's status follows.

A `json.dump(obj, f)` is only file I/O through its handle, so its status is its handle's
(families/json_pickle.py decides it from `provenance`): MIGRATED when `f` comes from a
runtime open, PENDING when from an open this run migrates, None when from something we
can see is not a migrated open (HANDLE_NOT_MIGRATED), NOT_A_FILE for handles that are not
files at all (`sys.stdout`, `io.StringIO()`, an archive's member: `z.open(name)` on a
`zipfile.ZipFile`, whose own open is the site), SECRET when from an open of a
secret-looking path (it stays local), FROM_CALLER for a parameter (`def dump(value, f):
pickle.dump(value, f)`: whatever the caller opened, and that open is the file site),
UNTRACEABLE when the origin cannot be seen (the result of an unknown call, an attribute
not every store of which is seen).
An attribute (`self._handle`) has the provenance of every value the module stores to an
attribute of that name; a call of a function of the module (undecorated, not a generator)
every `return` of which returns a call, the provenance of those calls.

Also here, because other families' decisions need them too: `handle_argument` (the file
argument of a json/pickle call) and `is_inert` (an expression whose evaluation may be
moved).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

import libcst as cst
from libcst.metadata import Assignment, FunctionScope, Scope
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.dominance import Parent, dominating
from migrate_storage.codemods.analysis.found import Found
from migrate_storage.codemods.model import Reason, Status

NOT_A_FILE: Final = "not a file"
UNTRACEABLE: Final = "untraceable"
#: A handle the caller passes in (a parameter): the caller's open is the file site.
FROM_CALLER: Final = "from the caller"
SECRET: Final = "secret-looking path"
_HANDLE_KEYWORDS = {"fp", "file"}


def handle_argument(call: cst.Call, operation: str) -> cst.BaseExpression | None:
    """The file argument of json/pickle dump (2nd) or load (1st), None when dynamic."""
    index = 1 if operation == "dump" else 0
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if position == index:
                return arg.value
            position += 1
        elif arg.keyword.value in _HANDLE_KEYWORDS:
            return arg.value
    return None


def provenance(
    expr: cst.BaseExpression,
    scopes: Mapping[cst.CSTNode, Scope | None],
    bound: Mapping[cst.Name, cst.BaseExpression],
    by_call: Mapping[cst.Call, Found],
    depth: int = 0,
    stores: Callable[[str], Sequence[cst.BaseExpression | None] | None] | None = None,
    parent: Parent | None = None,
) -> object:
    """Where the handle `expr` comes from (see the module docstring): Status.MIGRATED or
    Status.PENDING (from such an open), NOT_A_FILE, SECRET, None (from something we can
    see is not a migrated open) or UNTRACEABLE. `bound`: the value each bound name was
    assigned (collect.Collector.bindings); `by_call`: the sites found, by their call;
    `stores`: the values stored to an attribute of that name anywhere in the module
    (None in the list for a store whose value is not seen; None for the whole answer
    when a store may be hidden), so `self._handle` set by `self._handle = open(p)` in
    `__init__` has that open's provenance. Stores from other modules are not seen: that
    changes a count, never a rewrite (the call's text stays as it is). `parent`: a
    function's local bound more than once has the provenance of the one binding that
    holds at the read, when analysis/dominance.py proves one (`with open(p) as f:` after a
    loop over `for f in ...`; `labels = json.load(labels)` in the `with` binding it)."""
    if isinstance(expr, cst.Call):
        names = _names.qualified_names(scopes.get(expr.func), expr.func)
        if _names.all_in(names, _names.NOT_FILE_HANDLES):
            return NOT_A_FILE
        if _archive_member(expr, scopes, bound):
            return NOT_A_FILE
        opener = by_call.get(expr)
        if opener is None:
            returned = _returned_calls(expr.func, scopes) if depth <= 1 else None
            if not returned:
                return UNTRACEABLE
            return _combined(
                {provenance(r, scopes, bound, by_call, depth + 1) for r in returned}
            )
        if not _is_open(opener):
            return None
        if opener.reason is Reason.SECRET_PATH:
            return SECRET
        return (
            opener.status
            if opener.status in (Status.MIGRATED, Status.PENDING)
            else None
        )
    if isinstance(expr, cst.Attribute):
        names = _names.qualified_names(scopes.get(expr), expr)
        if _names.all_in(names, _names.NOT_FILE_HANDLES):
            return NOT_A_FILE
        values = stores(expr.attr.value) if stores is not None and depth == 0 else None
        if not values:
            return UNTRACEABLE
        statuses = {
            UNTRACEABLE
            if value is None
            else provenance(value, scopes, bound, by_call, depth + 1)
            for value in values
            if not (isinstance(value, cst.Name) and value.value == "None")
        }
        return _combined(statuses)
    if isinstance(expr, cst.Name) and depth == 0:
        scope = scopes.get(expr)
        assignments = scope[expr.value] if scope is not None else set()
        if (
            parent is not None
            and len(assignments) > 1
            and isinstance(scope, FunctionScope)
            and all(type(a) is Assignment for a in assignments)
        ):
            holding = dominating(expr, [a.node for a in assignments], parent)  # type: ignore[attr-defined]
            if holding is not None:
                assignments = {a for a in assignments if a.node is holding}  # type: ignore[attr-defined]
        if assignments and all(
            isinstance(a, Assignment) and isinstance(a.node, cst.Param) for a in assignments
        ):
            return FROM_CALLER
        statuses = set()
        for assignment in assignments:
            value = None
            if isinstance(assignment, Assignment) and isinstance(
                assignment.node, cst.Name
            ):
                value = bound.get(assignment.node)
            if value is not None and parent is not None and _from_packed(value, scopes, parent):
                statuses.add(FROM_CALLER)
                continue
            statuses.add(
                provenance(value, scopes, bound, by_call, depth + 1)
                if value is not None
                else UNTRACEABLE
            )
        return _combined(statuses)
    return UNTRACEABLE


# An archive's member handles, by the method that opens one: the archives that have it.
_MEMBER_OPENERS: Final = {
    "open": frozenset({"zipfile.ZipFile", "zipfile.PyZipFile"}),
    "extractfile": frozenset({"tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open"}),
}


def _archive_member(
    call: cst.Call,
    scopes: Mapping[cst.CSTNode, Scope | None],
    bound: Mapping[cst.Name, cst.BaseExpression],
) -> bool:
    """`z.open(name)` on a `zipfile.ZipFile`, `tar.extractfile(member)` on a TarFile: a
    member of an archive, read or written through the archive's own file, which is the
    site (counted where the archive is opened). The receiver is such a call itself, or a
    name every binding of which is one (`with zipfile.ZipFile(p) as z:`) or a parameter
    annotated with the class (`zip_file: zipfile.ZipFile`; langchain's slack loaders,
    flair's TACRED reader). A TarFile's `open` is its constructor, opening a path: not a
    member."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return False
    makers = _MEMBER_OPENERS.get(func.attr.value)
    if makers is None:
        return False
    receiver = func.value
    if not isinstance(receiver, cst.Name):
        return _makes(receiver, makers, scopes)
    scope = scopes.get(receiver)
    assignments = scope[receiver.value] if scope is not None else set()
    if not assignments:
        return False
    for assignment in assignments:
        if type(assignment) is not Assignment:
            return False
        node = assignment.node  # type: ignore[attr-defined]
        if isinstance(node, cst.Param):
            annotation = node.annotation.annotation if node.annotation is not None else None
            if annotation is None or not _names.all_in(
                _names.qualified_names(scopes.get(annotation), annotation), makers
            ):
                return False
        elif not isinstance(node, cst.Name) or not _makes(bound.get(node), makers, scopes):
            return False
    return True


def _makes(
    value: cst.BaseExpression | None,
    makers: frozenset[str],
    scopes: Mapping[cst.CSTNode, Scope | None],
) -> bool:
    """`value` is a call of one of `makers` (by qualified name)."""
    return isinstance(value, cst.Call) and _names.all_in(
        _names.qualified_names(scopes.get(value.func), value.func), makers
    )


# Reads of a `**kwargs` dict that take a value out and change nothing.
_DICT_READS = frozenset({"get", "pop", "keys", "values", "items", "copy"})


def _from_packed(
    value: cst.BaseExpression, scopes: Mapping[cst.CSTNode, Scope | None], parent: Parent
) -> bool:
    """`value` is an element of the function's own `*args`/`**kwargs` (`kwargs["f"]`,
    `kwargs.get("f")`, `kwargs.pop("f")`, `args[0]`): an object the caller passed (zenml's
    `dump_file: TextIO = kwargs["dump_file"]`), when nothing in the function can have put
    another one there: every read of the packed parameter takes from it (a subscript
    that is not stored to or deleted, `get`/`pop`/`keys`/... called, `**kwargs` passed
    on, which copies) and a `get`/`pop` default, if any, is a literal None. Its open is
    the caller's."""
    key: cst.BaseExpression | None = None
    if isinstance(value, cst.Subscript):
        key = value.value
    elif (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in ("get", "pop")
        and 1 <= len(value.args) <= 2
        and all(a.keyword is None and not a.star for a in value.args)
        and (
            len(value.args) == 1
            or (isinstance(value.args[1].value, cst.Name) and value.args[1].value.value == "None")
        )
    ):
        key = value.func.value
    if not isinstance(key, cst.Name):
        return False
    scope = scopes.get(key)
    assignments = list(scope[key.value]) if scope is not None else []
    if len(assignments) != 1 or type(assignments[0]) is not Assignment:
        return False
    param = assignments[0].node
    function = assignments[0].scope.node if isinstance(assignments[0].scope, FunctionScope) else None
    params = getattr(function, "params", None)
    if not isinstance(param, cst.Param) or not isinstance(params, cst.Parameters):
        return False
    if params.star_kwarg is not param and not (
        params.star_arg is param and isinstance(value, cst.Subscript)
    ):
        return False
    return all(_takes_from(access.node, parent) for access in assignments[0].references)


def _takes_from(node: cst.CSTNode, parent: Parent) -> bool:
    """The read `node` of a packed parameter leaves it as the call made it."""
    holder = parent(node)
    if isinstance(holder, cst.Subscript) and holder.value is node:
        above = parent(holder)
        if isinstance(above, (cst.AssignTarget, cst.Del)) or (
            isinstance(above, (cst.AugAssign, cst.AnnAssign)) and above.target is holder
        ):
            return False
        # `kwargs["a"][0] = x` stores into what the caller gave: still the caller's object
        return not isinstance(above, (cst.Element, cst.StarredElement))
    if isinstance(holder, cst.Attribute) and holder.value is node:
        call = parent(holder)
        return (
            holder.attr.value in _DICT_READS
            and isinstance(call, cst.Call)
            and call.func is holder
        )
    if isinstance(holder, cst.Arg) and holder.value is node:
        return holder.star in ("*", "**")  # `f(**kwargs)`: the callee gets a copy
    return False


def _returned_calls(
    func: cst.BaseExpression, scopes: Mapping[cst.CSTNode, Scope | None]
) -> list[cst.Call] | None:
    """The calls a function of this module returns, when `func` names one (bound once, by
    its `def`: no decorator, not async, no `yield`) every `return` of which returns a call
    (`def _open(p, mode="r"): return open(p, mode)`): a handle from `_open(p)` has their
    provenance. Falling off the end returns None, which is no handle: json/pickle on it
    raise before any I/O, as before. Else None."""
    if not isinstance(func, cst.Name):
        return None
    scope = scopes.get(func)
    assignments = list(scope[func.value]) if scope is not None else []
    if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
        return None
    function = assignments[0].node
    if (
        not isinstance(function, cst.FunctionDef)
        or function.decorators
        or function.asynchronous is not None
    ):
        return None
    found = _Returns()
    function.body.visit(found)
    if found.generator or not found.values:
        return None
    if not all(isinstance(v, cst.Call) for v in found.values):
        return None
    return found.values  # type: ignore[return-value]


class _Returns(cst.CSTVisitor):
    """The values of a function body's own `return`s (nested functions, lambdas and
    classes left out), and whether it yields (a generator returns no handle)."""

    def __init__(self) -> None:
        self.values: list[cst.BaseExpression | None] = []
        self.generator = False

    def visit_Return(self, node: cst.Return) -> None:
        self.values.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        self.generator = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


def _combined(statuses: set[object]) -> object:
    """The provenance of a handle with several possible origins."""
    if not statuses:
        return UNTRACEABLE
    if statuses == {NOT_A_FILE}:
        return NOT_A_FILE
    if statuses == {SECRET}:
        return SECRET
    if statuses == {FROM_CALLER}:
        return FROM_CALLER
    if statuses == {Status.MIGRATED}:
        return Status.MIGRATED
    if statuses <= {Status.MIGRATED, Status.PENDING}:
        return Status.PENDING
    if None in statuses or SECRET in statuses:
        return None
    return UNTRACEABLE


_INERT_LEAVES = (
    cst.Name,
    cst.SimpleString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.Ellipsis,
)


def is_inert(node: cst.CSTNode) -> bool:
    """Only names and literals are inert: evaluating them earlier or later than the open
    cannot run code or raise differently (issue 13 item 5). Attribute access (a property),
    subscripts (`__getitem__`, KeyError), operators (`__add__`), f-strings (`__format__`),
    calls, awaits and comprehensions all may; so may dict and set displays (`__hash__`).
    A negative number and a tuple or list of inert elements are literals too."""
    if isinstance(node, _INERT_LEAVES):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_inert(node.left) and is_inert(node.right)
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Minus) and isinstance(
            node.expression, (cst.Integer, cst.Float, cst.Imaginary)
        )
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(
            isinstance(e, cst.Element) and is_inert(e.value) for e in node.elements
        )
    return False


def _is_open(item: Found) -> bool:
    """A site that produces a file handle (its family says so: `Found.opens_handle`):
    builtin/runtime open, codecs.open, Path.open, storage.open, storage.path_open, ..."""
    return item.opens_handle
