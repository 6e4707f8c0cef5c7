"""Which names the rewritten code uses for the runtime's `open` and `storage`.

- `open`: when the module does not bind `open` itself, its `open` is rebound with
  `from <runtime> import open` (call sites keep the name, so `mock.patch("m.open")` still
  intercepts them), unless the module uses `open` as a value (`staticmethod(open)`,
  `retry(open, p)`, `OPENERS = {"txt": open}`): rebinding would change what that value
  holds, so the runtime's open is imported as `_storage_open` and only the calls are
  renamed (a `_storage_open` call still honours a patched `m.open`). When it defines or imports its own `open` at module level, the
  runtime's is imported as `storage_open` (or the first free variant). (`io.open(...)`,
  `builtins.open(...)` and an imported open are not renamed: they become
  `storage.open(..., call=<callee>)`, families/open_calls.py.)
- `storage`: `storage` unless that name is bound or used anywhere in the module for
  something else, then `<runtime>_storage` (`storage_runtime_storage`), `..._2`, ...
- Private names (`private=True`): in a module that has a star import, or that some module
  of the scanned tree star-imports while it has no literal `__all__`, every added name is
  `_`-prefixed (`_storage_open`, `_storage`): `import *` without
  `__all__` never binds a `_` name, so the migration changes nothing any star import binds
  (issue 13 item 4). The module's bare `open(...)` calls are then renamed too, since
  rebinding its public `open` would export it.
- An import of the runtime's object already at the top of the module (from a previous
  run) is reused, so a second run adds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ClassScope, GlobalScope, Scope
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.pipeline.prune import Pruned


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    needs_import: bool
    alias: str | None  # the `as` name of the import to add, if any


def top_imports(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    """Imports before the first other statement (after a docstring), as AddImportsVisitor sees them."""
    body = list(module.body)
    if body and _is_docstring(body[0]):
        body = body[1:]
    found: list[cst.Import | cst.ImportFrom] = []
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        if not all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body):
            break
        found.extend(statement.body)  # type: ignore[arg-type]
    return found


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(
            statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)
        )
    )


def literal_all(module: cst.Module) -> bool:
    """The module's star-import exports are exactly a literal `__all__`: every mention of
    `__all__` in its text is a module-level `__all__ = [...]` / `+= [...]` / `: T = [...]`
    of a list or tuple of plain strings. Anything else (a computed `__all__`, an
    `__all__.append(name)`, a mention in a function) counts as no `__all__` at all: the
    names the migration adds could then be exported."""
    found = 0
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                targets = [small.target]
            else:
                continue
            if not any(
                isinstance(t, cst.Name) and t.value == "__all__" for t in targets
            ):
                continue
            if len(targets) != 1 or not _string_sequence(small.value):
                return False
            found += 1
    return found > 0 and module.code.count("__all__") == found


def _string_sequence(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, (cst.List, cst.Tuple)) and all(
        isinstance(e, cst.Element)
        and isinstance(e.value, cst.SimpleString)
        and "b" not in e.value.prefix.lower()
        for e in node.elements
    )


class RuntimeBindings:
    """Chooses (once per module) the names of the runtime's `open` and `storage`."""

    def __init__(
        self,
        module: cst.Module,
        scopes: Mapping[cst.CSTNode, Scope | None],
        runtime_module: str,
        star_import: bool,
        pruned: Pruned | None = None,
        *,
        private: bool = False,
        open_callees: frozenset[int] | None = None,
    ) -> None:
        self._pruned = pruned
        self.private = private or star_import
        self._module = module
        self._runtime = runtime_module
        self._rt_open, self._rt_storage, _ = _names.runtime_names(runtime_module)
        self._star = star_import
        self._global = scopes.get(module)
        assert isinstance(self._global, GlobalScope)
        self._assigned: dict[str, list[Scope]] = {}
        self._accessed: set[str] = set()
        open_reads: list[cst.Name] = []
        for scope in {s for s in scopes.values() if s is not None}:
            for assignment in scope.assignments:
                self._assigned.setdefault(assignment.name, []).append(scope)
            for access in scope.accesses:
                if isinstance(access.node, cst.Name):
                    self._accessed.add(access.node.value)
                    if access.node.value == "open":
                        open_reads.append(access.node)
        self._top = self._top_runtime_imports()
        self._open_as_value = _open_as_value(module, open_reads, pruned, open_callees)

    def _top_runtime_imports(self) -> dict[str, str]:
        """{bound name: object} for `from <runtime> import object [as name]` at the top."""
        found: dict[str, str] = {}
        for node in top_imports(self._module):
            if (
                not isinstance(node, cst.ImportFrom)
                or node.relative
                or isinstance(node.names, cst.ImportStar)
            ):
                continue
            if node.module is None or _names.dotted(node.module) != self._runtime:
                continue
            for alias in node.names:
                obj = _names.dotted(alias.name)
                bound = (
                    obj if alias.asname is None else _names.dotted(alias.asname.name)
                )  # type: ignore[arg-type]
                if obj is not None and bound is not None:
                    found[bound] = obj
        return found

    def _only_runtime(
        self, name: str, target: str, *, module_level: bool = False
    ) -> bool:
        """`name` is bound nowhere but at module level (or: at module level), only to `target`."""
        scopes = self._assigned.get(name, [])
        if not module_level and any(s is not self._global for s in scopes):
            return False
        assert self._global is not None
        return {q.name for q in self._global.get_qualified_names_for(name)} == {target}

    def _taken(self, name: str, target: str, *, star: bool = True) -> bool:
        if (star and self._star) or (
            self._pruned is not None and self._pruned.mentions(name)
        ):
            return True
        if name in self._assigned:
            return not self._only_runtime(name, target)
        return name in self._accessed

    def _reuse(self, obj: str, target: str) -> str | None:
        for bound, imported in sorted(self._top.items()):
            if imported == obj and self._only_runtime(bound, target):
                return bound
        return None

    def _private(self, obj: str, target: str, base: str) -> Binding:
        """A `_`-prefixed name for `obj`: an existing private import of it, else a free one."""
        for bound, imported in sorted(self._top.items()):
            if (
                imported == obj
                and bound.startswith("_")
                and self._only_runtime(bound, target)
            ):
                return Binding(bound, needs_import=False, alias=bound)
        alias = self._free(base, target)
        return Binding(alias, needs_import=True, alias=alias)

    def open_binding(self) -> Binding:
        """The name builtin-open sites are routed to."""
        if self.private or (self._open_as_value and "open" not in self._assigned):
            # Rebinding the module's `open` would also change what a use of it as a value
            # holds (`staticmethod(open)`, `retry(open, p)`): an alias keeps that the
            # builtin, and only the calls are renamed.
            return self._private("open", self._rt_open, "_storage_open")
        module_open = "open" in self._assigned and any(
            s is self._global for s in self._assigned["open"]
        )
        if not module_open:
            return Binding("open", needs_import=True, alias=None)
        # Locals named `open` do not matter here (sites under them are NAME_CLASH), so the
        # choice depends on module-level bindings only and is the same on a second run.
        if self._only_runtime("open", self._rt_open, module_level=True):
            return Binding("open", needs_import="open" not in self._top, alias=None)
        reused = self._reuse("open", self._rt_open)
        if reused is not None:
            return Binding(reused, needs_import=False, alias=reused)
        alias = self._free("storage_open", self._rt_open)
        return Binding(alias, needs_import=True, alias=alias)

    def storage_binding(self) -> Binding:
        """The name `storage.*` calls are written with."""
        if self.private:
            return self._private("storage", self._rt_storage, "_storage")
        reused = self._reuse("storage", self._rt_storage)
        if reused is not None:
            return Binding(
                reused,
                needs_import=False,
                alias=None if reused == "storage" else reused,
            )
        if not self._taken("storage", self._rt_storage):
            return Binding("storage", needs_import=True, alias=None)
        alias = self._free(
            f"{self._runtime.replace('.', '_')}_storage", self._rt_storage
        )
        return Binding(alias, needs_import=True, alias=alias)

    def _free(self, base: str, target: str) -> str:
        # A star import is not taken to bind these made-up names (it is for `storage`).
        taken = {
            n
            for n in set(self._assigned) | self._accessed
            if self._taken(n, target, star=False)
        }
        candidate = _names.first_free_name(base, taken)
        while self._taken(
            candidate, target, star=False
        ):  # mentioned in a pruned function
            taken.add(candidate)
            candidate = _names.first_free_name(base, taken)
        return candidate

    def is_global_in(self, scope: Scope | None, name: str) -> bool:
        """Does `name`, looked up from `scope`, reach the module level (not a local)?"""
        first = True
        while scope is not None and scope is not self._global:
            # Class bodies are not visible from the functions nested in them.
            if (
                first or not isinstance(scope, ClassScope)
            ) and name in scope.assignments:
                return False
            first = False
            scope = scope.parent
        return True


# `open` spelled as a value in code the pruner cut: an argument or element (`f(open, p)`,
# `[open]`), or the value of an assignment, a return or a lambda.
_OPEN_VALUE_TEXT = re.compile(
    r"(?<![\w.'\"])open(?=\s*[,)\]}])|(?:[=:]|\breturn)\s*open\s*$", re.MULTILINE
)


def _open_as_value(
    module: cst.Module,
    reads: list[cst.Name],
    pruned: Pruned | None,
    callees: frozenset[int] | None = None,
) -> bool:
    """Whether the module uses the name `open` other than to call it: a read that is not
    the callee of a call, here or (by its text) in a body the pruner cut. `callees`: the
    ids of the names `open` that are a call's callee, when the caller knows them (the
    collector's candidate calls: no second walk of the module)."""
    if pruned is not None and pruned.text and _OPEN_VALUE_TEXT.search(pruned.text):
        return True
    if not reads:
        return False
    if callees is None:
        finder = _Callees()
        module.visit(finder)
        callees = frozenset(finder.ids)
    return any(id(read) not in callees for read in reads)


class _Callees(cst.CSTVisitor):
    """The ids of the names `open` that are the callee of a call."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "open":
            self.ids.add(id(node.func))
