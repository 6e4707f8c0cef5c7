"""What a family may read about the module it classifies: `Context`, built by the finder.

One per module (and per pass). The families' `recognise` and `decide`
(families/protocol.py) get this object and nothing else: the resolved names of a call,
the receiver typer, the bound values and uses (`flow`), the runtime's names in the
module (`binding`), the file's rules (`policy`, `pin_for`) and, for `decide`, every
site of the families that are decided first (`by_call`).
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst
from libcst.metadata import (
    Assignment,
    ClassScope,
    ComprehensionScope,
    FunctionScope,
    ImportAssignment,
    Scope,
)
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.bindings import (
    Binding,
    RuntimeBindings,
    literal_all,
)
from migrate_storage.codemods.analysis.collect import Collector
from migrate_storage.codemods.analysis.found import Found
from migrate_storage.codemods.analysis.receivers import Kind, ReceiverTyper
from migrate_storage.codemods.analysis.uses import Flow
from migrate_storage.codemods.families import third_party
from migrate_storage.codemods.families.open_calls import open_refuses
from migrate_storage.codemods.model import Family, Strategy
from migrate_storage.codemods.pipeline import star_binds
from migrate_storage.codemods.pipeline.prune import Pruned
from migrate_storage.codemods.policy import FilePolicy


class Context:
    """The analyses of one module, for the families (see the module docstring)."""

    def __init__(
        self,
        module: cst.Module,
        scopes: Mapping[cst.CSTNode, Scope | None],
        collector: Collector,
        policy: FilePolicy,
        pruned: Pruned | None,
        families: frozenset[Family],
    ) -> None:
        self.module = module
        self.scopes = scopes
        self.collector = collector
        self.policy = policy
        self.pruned = pruned
        #: The families this run rewrites (the per-family LibCST commands select one).
        self.families = families
        self.runtime = policy.runtime_module
        rt_open, rt_storage, _ = _names.runtime_names(self.runtime)
        #: Qualified names of the runtime's objects (`storage_runtime.open`, ...).
        self.rt_open, self.rt_io_open, self.rt_storage = (
            rt_open,
            f"{self.runtime}.io_open",
            rt_storage,
        )
        self.typer = ReceiverTyper(
            scopes,
            collector.bindings,
            self.runtime,
            collector=collector,
            pruned_text=pruned.text if pruned is not None else "",
            class_texts=dict(pruned.class_texts) if pruned is not None else None,
            package=policy.package,
            parent=lambda node: self.flow.parent(node),
            star_source=self._star_source,
        )
        # Issue 14: parents and uses, for scratch and third-party sites (built lazily).
        self.flow = Flow(
            collector.parents,
            scopes,
            pruned.mentions if pruned is not None else None,
            opens=frozenset({"builtins.open", "io.open", rt_open, self.rt_io_open}),
            captured=collector.captured,
        )
        self.third_party = third_party.Resolver(
            self.flow.names,
            self.flow.value_of,
            rt_open,
            self.flow.mode_value_of,
            self.flow.holding_value,
        )
        #: Every site of the families decided before the current one (DERIVED families
        #: read it), by its call; filled by the finder before the first `decide`.
        self.by_call: Mapping[cst.Call, Found] = {}
        self._names_of: tuple[cst.CSTNode | None, frozenset[str]] = (None, frozenset())
        self._aliases: dict[cst.Name, cst.Attribute | None] = {}
        self._kind_of: tuple[cst.CSTNode | None, Kind] = (None, Kind.UNKNOWN)
        self._bindings: RuntimeBindings | None = None
        self._binding: dict[str, Binding] = {}
        self._top: dict[int, int] | None = None  # id(statement of the module) -> index
        self._rebinds: dict[cst.Name, bool] = {}
        if collector.star_import:
            global_scope = next(
                (s.globals for s in scopes.values() if s is not None), None
            )
            if global_scope is not None:
                _names.register_star_rebinds(global_scope, self.star_rebinds)

    # -- for recognise ----------------------------------------------------------------------
    @property
    def star_import(self) -> bool:
        """The module has a `from x import *` (a bare name may come from it)."""
        return self.collector.star_import

    def star_may_bind(self, name: str) -> bool:
        """Whether a star import of the module may bind `name` (pipeline/star_binds.py:
        the runner's answers for the module's star imports; without them, any may)."""
        if not self.collector.star_import:
            return False
        return star_binds.star_may_bind(
            self.policy.star_binds, self.collector.star_targets, name
        )

    def star_rebinds(self, name: cst.Name) -> bool:
        """Whether, where `name` is read, a star import may have bound it to something
        other than what the module's own binding LibCST sees does (`from os import
        remove` then `from helpers import *`; analysis/names.py `qualified_names` then
        answers nothing). Names bound only in a function, or by no statement (builtins:
        open_calls and `_star_source` decide those), are not asked. A star import counts
        unless its answers (pipeline/star_binds.py `star_rebinds`) say it binds the name
        to what the module's one import of it binds it to (`import os` in both), or it
        runs after the read (a read outside any function, lambda or generator, in a
        statement of the module before the star import's), or an unconditional import
        at the module's top level rebinds the name after it and before the read's
        statement (a function defined after that import cannot run before it). Only
        names some import of the module binds are asked."""
        if name not in self._rebinds:
            self._rebinds[name] = self._star_rebinds(name)
        return self._rebinds[name]

    def _star_rebinds(self, name: cst.Name) -> bool:
        scope = self.scopes.get(name)
        if scope is None:
            return False
        bound = [a for a in scope[name.value] if a.scope is scope.globals]
        if not any(isinstance(a, ImportAssignment) for a in bound):
            return False  # builtins, or the module's own def/assignment: no stdlib name
        values = {_import_value(a, name.value) for a in bound}
        bound_to = values.pop() if len(values) == 1 else None
        if bound_to is not None and (
            bound_to == self.runtime or bound_to.startswith(self.runtime + ".")
        ):
            return False  # the migration's own import (bindings.py keeps it unrebound)
        statements = self.collector.star_statements
        targets = self.collector.star_targets
        if len(statements) != len(targets):
            return star_binds.star_may_bind(self.policy.star_binds, targets, name.value)
        read_at, later = self._top_level(name)
        overriding = [
            self._top_level(a.node)[0]
            for a in bound
            if isinstance(a, ImportAssignment) and self._unconditional(a.node)
        ]
        for statement, target in zip(statements, targets):
            if not star_binds.star_rebinds(self.policy.star_binds, target, name.value, bound_to):
                continue
            star_at = self._top_level(statement)[0]
            if not later and read_at < star_at:
                continue  # read before the star import runs
            if any(star_at < at < read_at for at in overriding):
                continue  # the module's own import rebinds it first
            return True
        return False

    def _top_level(self, node: cst.CSTNode) -> tuple[int, bool]:
        """(The index of the module's statement holding `node`, whether `node` may run
        later than that statement: in a function, lambda or generator expression)."""
        if self._top is None:
            self._top = {id(s): i for i, s in enumerate(self.module.body)}
        later = False
        current: cst.CSTNode = node
        parent = self.flow.parent(current)
        while parent is not None and not isinstance(parent, cst.Module):
            if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.GeneratorExp)):
                later = True
            current, parent = parent, self.flow.parent(parent)
        if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.GeneratorExp)):
            later = True
        return self._top.get(id(current), len(self.module.body)), later

    def _unconditional(self, node: cst.CSTNode) -> bool:
        """`node` (an import) is a statement of the module's top level (not in an `if`,
        `try`, loop, function or class)."""
        line = self.flow.parent(node)
        return isinstance(line, cst.SimpleStatementLine) and isinstance(
            self.flow.parent(line), cst.Module
        )

    def _star_source(self, name: cst.Name) -> str | None:
        """What the unbound `name` is, spelled for the package facts (`..api.Reader`),
        when a star import binds it: every star import of the module stands at its top
        level (unconditional), the statement that reads `name` comes after all of them,
        and the star imports' answers (pipeline/star_binds.py `star_source`) say which
        one binds it last. None otherwise."""
        statements = self.collector.star_statements
        if not statements or len(statements) != len(self.collector.star_targets):
            return None
        if not all(self._unconditional(s) for s in statements):
            return None  # `if x: from m import *`: it may not run
        last = max(self._top_level(s)[0] for s in statements)
        if self._top_level(name)[0] <= last:
            return None  # read before (or among) the star imports
        target = star_binds.star_source(
            self.policy.star_binds, self.collector.star_targets, name.value
        )
        if target is None:
            return None
        level, dotted_module = target
        return "." * level + ".".join(p for p in (dotted_module, name.value) if p)

    def names(self, call: cst.Call) -> frozenset[str]:
        """The qualified names `call`'s callee resolves to (scope metadata, never spelling;
        several after conditional imports). Kept for the last call asked: every
        recogniser of the registry asks it for the same call in turn."""
        if self._names_of[0] is not call:
            func = call.func
            alias = self.alias_of(func) if isinstance(func, cst.Name) else None
            if alias is not None:  # `ct = shutil.copytree` ... `ct(a, b)`: shutil.copytree
                func = alias
            # What LibCST resolves, also when a star import may rebind the callee's root:
            # the site is then left alone (`callee_star_rebound`, analysis/finder.py)
            found = _names.qualified_names(self.scopes.get(func), func, star=False)
            if not found and isinstance(func, cst.Name) and self.collector.star_import:
                found = self._star_bound_callee(func)
            self._names_of = (call, found)
        return self._names_of[1]

    def _star_bound_callee(self, func: cst.Name) -> frozenset[str]:
        """A callee no statement binds, read after the module's star imports, that the
        last of them to bind it binds from a module of the standard library (`from os
        import *` then `remove(p)`: `os.remove`, the attribute `from os import *` copies;
        star_binds.py reads what the stdlib module binds from its source). A star import
        of a module of the run names that module's own function, no qualified name a
        family knows: nothing."""
        spelled = self._star_source(func)
        if spelled is None or spelled.startswith("."):
            return frozenset()
        if not star_binds.is_stdlib(spelled.rpartition(".")[0]):
            return frozenset()
        return frozenset({spelled})

    def callee_star_rebound(self, call: cst.Call) -> bool:
        """A star import may have rebound the root of `call`'s callee (or of the dotted
        value of the local alias it calls) after the import that `names` resolved it
        through (`star_rebinds`): what the call calls is not known."""
        if not self.collector.star_import:
            return False
        func = call.func
        alias = self.alias_of(func) if isinstance(func, cst.Name) else None
        if alias is not None:
            func = alias
        while isinstance(func, cst.Attribute):
            func = func.value
        return isinstance(func, cst.Name) and self.star_rebinds(func)

    def alias_of(self, name: cst.Name) -> cst.Attribute | None:
        """The dotted function a local name stands for (analysis/names.py `local_alias`)."""
        if name not in self._aliases:
            self._aliases[name] = _names.local_alias(
                name, self.scopes, self.collector.parents, runtime=self.runtime
            )
        return self._aliases[name]

    def receiver_kind(self, call: cst.Call) -> Kind | None:
        """What the receiver of `x.method(...)` is (analysis/receivers.py); None when the
        callee is not an attribute. Kept for the last call asked, like `names`."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        if self._kind_of[0] is not call:
            kind = self.typer.kind(func.value)
            if kind is Kind.UNKNOWN and self.typer.declared_not_path(
                func.value, func.attr.value
            ):
                kind = Kind.NOT_PATH  # `formatter: HelpFormatter`: its own write_text
            self._kind_of = (call, kind)
        return self._kind_of[1]

    def on_runtime_storage(self, call: cst.Call) -> bool:
        """`x.method(...)` where `x` is the runtime's storage (or a Storage)."""
        return self.receiver_kind(call) is Kind.RUNTIME

    def is_own_method(self, call: cst.Call) -> bool:
        """`self.open()` in a method of a class that defines `open` itself, or (for the
        method's first parameter) inherits it from bases that are provably no Path
        (nltk's `class TimitCorpusReader(CorpusReader)` then `self.open(fileid)`), and
        `super().open(f)` in such a class: the class's own method, not pathlib's."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return False
        receiver = func.value
        seen = self.scopes.get(receiver)
        scope = seen
        while isinstance(scope, ComprehensionScope) or (
            isinstance(scope, FunctionScope)
            and isinstance(scope.parent, FunctionScope)
            and isinstance(receiver, cst.Name)
            and receiver.value not in scope.assignments
        ):
            # `[... for line in self.open(f)]` in a method; `self.open(f)` in a function
            # nested in one, where `self` is the method's (a closure: bound nowhere in
            # the inner function, which has no `nonlocal` for it either: that would be
            # an assignment of the method's scope, seen below)
            scope = scope.parent
        if not isinstance(scope, FunctionScope) or not isinstance(
            scope.parent, ClassScope
        ):
            return False
        method = func.attr.value
        owner = scope.parent.node
        if isinstance(receiver, cst.Call):
            # `super()` with no arguments, the builtin: the next class after this one
            return (
                not receiver.args
                and isinstance(owner, cst.ClassDef)
                and _names.all_in(self.names(receiver), {"builtins.super"})
                and self.typer.inherits(owner, method)
            )
        if not isinstance(receiver, cst.Name):
            return False
        bound = seen[receiver.value] if seen is not None else ()
        if not bound or not all(
            isinstance(a, Assignment)
            and isinstance(a.node, cst.Param)
            and a.scope is scope
            for a in bound
        ):
            return False
        if not _first_parameter(scope.node, receiver.value):
            return False  # `other.open()`: another parameter may be anything
        if any(
            isinstance(a, Assignment) and isinstance(a.node, cst.FunctionDef)
            for a in scope.parent.assignments[method]
        ):
            return True
        return isinstance(owner, cst.ClassDef) and self.typer.inherits(owner, method)

    # -- for decide -------------------------------------------------------------------------
    def pin_for(self, family: Family) -> bool:
        """The file's rule for `family` is `pin` (else `cache`): the `pin=` value to write."""
        return self.policy.strategy_for(family) is Strategy.PIN

    def rewrites(self, family: Family) -> bool:
        """This run may rewrite `family` here: selected, file not excluded, rule not local."""
        return (
            family in self.families
            and not self.policy.excluded
            and self.policy.shadowed_by is None
            and self.policy.strategy_for(family) is not Strategy.LOCAL
        )

    @property
    def bindings(self) -> RuntimeBindings:
        """Which names the runtime's objects get in this module (made on first use)."""
        if self._bindings is None:
            self._bindings = RuntimeBindings(
                self.module,
                self.scopes,
                self.runtime,
                self.collector.star_import,
                self.pruned,
                private=self.policy.star_imported and not self._exports_only_all(),
                # every bare `open(...)` is a candidate call the collector kept; one
                # builtin open refuses (`pin=True`) must keep raising builtin open's
                # TypeError, so it counts as a use other than a call: the module's
                # `open` is not rebound
                open_callees=frozenset(
                    id(call.func)
                    for call, _ in self.collector.calls
                    if isinstance(call.func, cst.Name)
                    and call.func.value == "open"
                    and not open_refuses(call)
                ),
            )
        return self._bindings

    def binding(self, obj: str) -> Binding:
        """The name (and import) of the runtime object `obj` (plan.RUNTIME_OBJECTS)."""
        if obj not in self._binding:
            choose = {
                "open": self.bindings.open_binding,
                "storage": self.bindings.storage_binding,
            }[obj]
            self._binding[obj] = choose()
        return self._binding[obj]

    def _exports_only_all(self) -> bool:
        """A literal `__all__` decides what `import *` takes from this module (a pruned
        function that mentions `__all__` may change it: then it does not)."""
        if self.pruned is not None and self.pruned.mentions("__all__"):
            return False
        return literal_all(self.module)


def _import_value(assignment: object, name: str) -> str | None:
    """What an import binds `name` to, as star_binds.py spells it (`import os.path` ->
    "os", `import os.path as p` -> "os.path", `from os import remove` -> "os.remove");
    None for any other binding and for a relative import."""
    if not isinstance(assignment, ImportAssignment):
        return None
    node = assignment.node
    if isinstance(node, cst.ImportFrom) and (node.relative or node.module is None):
        return None
    if not isinstance(node, (cst.Import, cst.ImportFrom)) or isinstance(
        node.names, cst.ImportStar
    ):
        return None
    module = _names.dotted(node.module) if isinstance(node, cst.ImportFrom) else None
    for alias in node.names:
        spelled = _names.dotted(alias.name)
        if spelled is None:
            continue
        asname = alias.asname.name if alias.asname is not None else None
        bound = asname.value if isinstance(asname, cst.Name) else spelled.split(".")[0]
        if bound != name:
            continue
        if module is not None:
            return f"{module}.{spelled}"
        return spelled if asname is not None else bound
    return None


def _first_parameter(function: cst.CSTNode, name: str) -> bool:
    """`name` is the first parameter of `function`, a plain method (no `@staticmethod`):
    the instance (or, in a classmethod, the class) it is called on."""
    if not isinstance(function, cst.FunctionDef) or any(
        _names.dotted(d.decorator) == "staticmethod" for d in function.decorators
    ):
        return False
    params = function.params.posonly_params or function.params.params
    return bool(params) and params[0].name.value == name
