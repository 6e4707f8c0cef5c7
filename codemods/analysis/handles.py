"""json/pickle sites: where does the handle come from, and can the call be collapsed?

A `json.dump(obj, f)` is only file I/O through its handle, so its status is its handle's:
MIGRATED when `f` comes from a runtime open, PENDING when from an open this run migrates,
UNMIGRATED (HANDLE_NOT_MIGRATED) otherwise. Handles that are not files at all
(`sys.stdout`, `io.StringIO()`) are not sites.

A collapse into `storage.dump_json(obj, p, pin=..., **kw)` (and load_json, dump_pickle,
load_pickle) is planned when the rewrite is provably the same program:
- the handle is a builtin open that is itself PENDING, called as `open(p)` (json loads
  only) or `open(p, "literal mode")` (a writing mode for dumps) and, for json only,
  `encoding=`/`errors=`/`newline=` that are not a literal None: the helper then repeats
  that very open call (`_kept_arguments`);
- either the open is the handle argument itself (`json.load(open(p))`), or it is the only
  item of a (non-async) `with ... as f:` whose body is exactly this one statement and `f`
  is not used anywhere else (except inside another `with` that rebinds `f`);
- the json/pickle arguments map: `obj, f` plus keywords that are not the helper's own
  parameters; pickle.dump's third positional becomes `protocol=`; no `*args`/`**kwargs`;
  stdlib json/pickle only (simplejson is left as it is: the runtime serialises with the
  stdlib `json`, whose keywords differ);
- every expression whose evaluation the collapse moves is inert (names and literals);
- no comment would be lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import Assignment, GlobalScope
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import (
    Found,
    literal_string,
    may_write,
    open_mode,
    rejected_path_literal,
)
from migrate_storage.codemods.analysis.plan import Collapse
from migrate_storage.codemods.families._edit import count_comments
from migrate_storage.codemods.model import Family, Reason, Status, Strategy

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.finder import _Finder

_NOT_A_FILE = "not a file"
# The handle's origin cannot be seen (an attribute such as `self._handle`, a parameter,
# the result of an unknown call): its type is unknown, like an unknown pathlib receiver.
_UNTRACEABLE = "untraceable"
_SECRET = "secret-looking path"
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


class HandleAnalyzer:
    def __init__(self, finder: _Finder, by_call: Mapping[cst.Call, Found]) -> None:
        self.finder = finder
        self.by_call = by_call
        self.scopes = finder.scopes
        self.collector = finder.collector

    def classify(self, handles: list[Found]) -> None:
        """Set each handle site's status; drop the ones that are not file I/O; plan collapses."""
        kept = []
        for item in handles:
            operation = _names.HANDLE_FUNCTIONS[item.name][1]
            handle = handle_argument(item.call, operation)
            if handle is None:
                item.unmigrated(Reason.DYNAMIC_CALL)
                kept.append(item)
                continue
            status = self._provenance(handle)
            if status == _NOT_A_FILE:
                continue
            kept.append(item)
            if status is Status.MIGRATED:
                item.status = Status.MIGRATED
            elif status is Status.PENDING:
                self._try_collapse(item, operation, handle)
            elif status == _UNTRACEABLE:
                item.unmigrated(Reason.RECEIVER_UNKNOWN)
            elif status == _SECRET:  # its open stays local: so does the dump/load on it
                item.status, item.reason = Status.LOCAL, Reason.SECRET_PATH
            else:
                item.unmigrated(Reason.HANDLE_NOT_MIGRATED)
        handles[:] = kept

    # -- provenance ---------------------------------------------------------------------
    def _provenance(self, expr: cst.BaseExpression, depth: int = 0) -> object:
        """MIGRATED/PENDING (from such an open), _NOT_A_FILE, None (from something we can
        see is not a migrated open) or _UNTRACEABLE."""
        if isinstance(expr, cst.Call):
            names = _names.qualified_names(self.scopes.get(expr.func), expr.func)
            if _names.all_in(names, _names.NOT_FILE_HANDLES):
                return _NOT_A_FILE
            opener = self.by_call.get(expr)
            if opener is None:
                return _UNTRACEABLE
            if not _is_open(opener):
                return None
            if opener.reason is Reason.SECRET_PATH:
                return _SECRET
            return (
                opener.status
                if opener.status in (Status.MIGRATED, Status.PENDING)
                else None
            )
        if isinstance(expr, cst.Attribute):
            names = _names.qualified_names(self.scopes.get(expr), expr)
            return (
                _NOT_A_FILE
                if _names.all_in(names, _names.NOT_FILE_HANDLES)
                else _UNTRACEABLE
            )
        if isinstance(expr, cst.Name) and depth == 0:
            scope = self.scopes.get(expr)
            assignments = scope[expr.value] if scope is not None else set()
            statuses = set()
            for assignment in assignments:
                value = None
                if isinstance(assignment, Assignment) and isinstance(
                    assignment.node, cst.Name
                ):
                    value = self.collector.bindings.get(assignment.node)
                statuses.add(
                    self._provenance(value, depth + 1)
                    if value is not None
                    else _UNTRACEABLE
                )
            if not statuses:
                return _UNTRACEABLE
            if statuses == {_NOT_A_FILE}:
                return _NOT_A_FILE
            if statuses == {_SECRET}:
                return _SECRET
            if statuses == {Status.MIGRATED}:
                return Status.MIGRATED
            if statuses <= {Status.MIGRATED, Status.PENDING}:
                return Status.PENDING
            if None in statuses or _SECRET in statuses:
                return None
        return _UNTRACEABLE

    # -- collapse -----------------------------------------------------------------------
    def _try_collapse(
        self, item: Found, operation: str, handle: cst.BaseExpression
    ) -> None:
        finder = self.finder
        if (
            finder.policy.excluded
            or finder.policy.strategy_for(item.family) is Strategy.LOCAL
        ):
            return
        if item.family not in finder.families:
            return
        names = _names.qualified_names(self.scopes.get(item.call.func), item.call.func)
        module = "json" if item.family is Family.JSON else "pickle"
        if not _names.all_in(names, {f"{module}.{operation}"}):
            return  # a look-alike (simplejson) or an ambiguous import
        if isinstance(handle, cst.Call):
            opener, statement, small, kept_extra = (
                self.by_call.get(handle),
                None,
                None,
                [],
            )
            region = (item.position.line, item.position.end_line)
            scope_node: cst.CSTNode = item.call
        else:
            found = self._with_block(item, handle)
            if found is None:
                return
            opener, statement, small, line = found
            trailing = line.trailing_whitespace  # type: ignore[attr-defined]
            kept_extra = [
                *statement.leading_lines,
                trailing,
                small.with_changes(value=cst.Name("x")),
            ]
            if opener is None or opener.position.with_span is None:
                return
            region = opener.position.with_span
            scope_node = statement
        if (
            opener is None
            or opener.kind != "open"
            or opener.status is not Status.PENDING
            or opener.consumed
        ):
            return
        kept = self._kept_arguments(item.call, opener.call, module, operation)
        if kept is None:
            return
        if statement is not None and not self._same_order(
            item.call, opener.call, operation
        ):
            return
        if statement is None and not self._after_handle_inert(item.call, handle):
            return
        if count_comments(scope_node) != count_comments([*kept, *kept_extra]):
            return
        pin = finder.pin_for(item.family) if operation == "dump" else None
        helper = f"{operation}_{module}"
        collapse = Collapse(
            item.family, helper, item.call, opener.call, pin, statement, small
        )
        finder.plan.collapses[statement if statement is not None else item.call] = (
            collapse
        )
        finder.plan.regions.append(region)
        opener.consumed = True

    def _same_order(self, call: cst.Call, opener: cst.Call, operation: str) -> bool:
        """Collapsing a `with` moves the open after the call's arguments (and, for a dump,
        the path after the object): only when those cannot observe or reorder anything.

        In `with open(p, "w") as f: json.dump(build(), f)` the file is truncated before
        `build()` runs (it may read that very file), and `p` is computed before it.
        """
        arguments = [a.value for a in call.args if a.value is not None]
        if operation == "dump":
            arguments += [a.value for a in opener.args]
        return all(is_inert(a) for a in arguments)

    def _after_handle_inert(self, call: cst.Call, handle: cst.BaseExpression) -> bool:
        """`json.dump(obj, open(p, "w"), default=hook())`: `hook()` runs after the open;
        collapsed, it would run before it. Arguments after the handle must be inert."""
        seen = False
        for arg in call.args:
            if seen and not is_inert(arg.value):
                return False
            seen = seen or arg.value is handle
        return True

    def _with_block(
        self, item: Found, handle: cst.BaseExpression
    ) -> tuple[Found | None, cst.With, cst.BaseSmallStatement, cst.CSTNode] | None:
        entry = self.collector.with_bodies.get(item.call)
        if entry is None or not isinstance(handle, cst.Name):
            return None
        statement, small, line = entry
        target = statement.items[0].asname
        opener_call = statement.items[0].item
        if (
            target is None
            or not isinstance(target.name, cst.Name)
            or target.name.value != handle.value
        ):
            return None
        if not isinstance(opener_call, cst.Call) or not self._only_use(
            target.name, handle, statement
        ):
            return None
        return self.by_call.get(opener_call), statement, small, line

    def _only_use(self, bound: cst.Name, handle: cst.Name, statement: cst.With) -> bool:
        """`f` of `with ... as f` is read nowhere but in `handle` (the json/pickle call)."""
        scope = self.scopes.get(bound)
        if scope is None:
            return False
        pruned = self.finder.pruned
        if (
            isinstance(scope, GlobalScope)
            and pruned is not None
            and pruned.mentions(bound.value)
        ):
            return False  # a module-level handle, read in some (pruned) function
        mine = [
            a
            for a in scope.assignments[bound.value]
            if isinstance(a, Assignment) and a.node is bound
        ]
        if len(mine) != 1:
            return False
        outer = self.collector.enclosing.get(statement, ())
        for access in mine[0].references:
            node = access.node
            if node is handle:
                continue
            shield = (
                self.collector.shielded.get(node)
                if isinstance(node, cst.Name)
                else None
            )
            if shield is None or shield is statement or shield in outer:
                return False
        return True

    def _kept_arguments(
        self, call: cst.Call, opener: cst.Call, module: str, operation: str
    ) -> list[cst.CSTNode] | None:
        """The argument nodes the collapsed call keeps, or None when the collapse cannot
        be exact. The helper opens `open(path[, mode], <text keywords>)` exactly as the
        source did only when the source wrote `open(path[, "literal mode"], encoding=,
        errors=, newline=)` (json) or `open(path, "literal mode")` (pickle): the mode is
        passed on positionally only when the source gave it, a keyword `mode=`/`file=`,
        `buffering`, `closefd`, `opener` or an explicit `None` would reach a patched open
        differently, and a dump or a pickle load without a mode would get the helper's
        default mode instead of the source's read-only one."""
        kept: list[cst.CSTNode] = []
        positional = 0
        mode_given = False
        for arg in opener.args:
            if arg.star:
                return None
            if arg.keyword is None:
                positional += 1
                if positional == 1:
                    if rejected_path_literal(arg.value):
                        return None  # `open("out/", "w")` keeps its own error
                elif positional == 2:
                    if literal_string(arg.value) is None:
                        return None
                    mode_given = True
                else:
                    return None
                kept.append(arg.value)
            elif (
                module == "json"
                and arg.keyword.value in _TEXT_KEYWORDS
                and not _is_none(arg.value)
            ):
                kept.append(arg.value)
            else:
                return None
        if positional == 0:
            return None
        mode = open_mode(opener, 1)
        if operation == "dump" and not (mode_given and may_write(mode)):
            return None
        if module == "pickle" and operation == "load" and not mode_given:
            return None
        return self._kept_call_arguments(call, module, operation, kept)

    def _kept_call_arguments(
        self, call: cst.Call, module: str, operation: str, kept: list[cst.CSTNode]
    ) -> list[cst.CSTNode] | None:
        """The json/pickle call's own arguments: `obj, f` (dump) or `f` (load), pickle.dump's
        third positional (protocol), and keywords the helper passes on unchanged (not one
        of its own parameter names). No `*args`/`**kwargs`: their keys could be the
        helper's own parameters."""
        expected_positional = 2 if operation == "dump" else 1
        reserved = _RESERVED[(module, operation)]
        positional = 0
        for arg in call.args:
            if arg.star:
                return None
            if arg.keyword is None:
                positional += 1
                if positional == 3 and module == "pickle" and operation == "dump":
                    kept.append(arg.value)
                elif positional > expected_positional:
                    return None
                elif positional == 1 and operation == "dump":
                    kept.append(arg.value)
                continue
            if arg.keyword.value in reserved:
                return None
            kept.extend([arg.keyword, arg.value])
        if positional < expected_positional:
            return None
        return kept


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


# The text keywords of open() a collapsed json call passes on (not None: the helper drops
# None, so an explicit `encoding=None` would vanish from what a patched open records).
_TEXT_KEYWORDS = frozenset({"encoding", "errors", "newline"})
# Keywords of the json/pickle call that the helper would take as its own parameters (or
# that name the handle): such a call is not collapsed.
_RESERVED = {
    ("json", "dump"): frozenset({"obj", "fp", "file", "path", "mode", "pin"})
    | _TEXT_KEYWORDS,
    ("json", "load"): frozenset({"fp", "file", "path", "mode"}) | _TEXT_KEYWORDS,
    ("pickle", "dump"): frozenset({"obj", "file", "path", "mode", "pin"}),
    ("pickle", "load"): frozenset({"file", "path", "mode"}),
}


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
    """A site that produces a file handle: builtin/runtime open, Path.open, storage.open,
    storage.path_open."""
    if item.kind == "open":
        return True
    attr = (
        item.call.func.attr.value if isinstance(item.call.func, cst.Attribute) else None
    )
    if item.kind == "path":
        return attr == "open"
    return item.kind == "runtime" and (item.family is Family.OPEN or attr == "path_open")
