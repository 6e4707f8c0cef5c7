"""The one site finder: every file-I/O call of a module, classified once.

`apply` rewrites exactly the PENDING sites this finder returns and `coverage` counts the
same Sites, so the two cannot disagree. Names are resolved through LibCST scope metadata
(see names.py), never by spelling. Each candidate call gets one status:

- MIGRATED: already a runtime call (`open` bound to `<runtime>.open`, `storage.*`, a
  method of a `Storage`), or a json/pickle call whose handle comes from a runtime open.
- PENDING: what this run rewrites. Every builtin `open` site is PENDING, including a
  literal read-only one whose call text stays unchanged: it is migrated by the module's
  `from <runtime> import open` rebinding. pathlib calls on a provable Path are PENDING.
  A json/pickle call is PENDING when it is collapsed into `storage.dump_json(...)` etc.,
  *and also when its handle comes from an open this run migrates* (`f = open(p, "w");
  json.dump(obj, f)`): that call's text stays, it becomes migrated through its handle.
  Counting it PENDING (rather than UNMIGRATED) is the choice that keeps "pending ==
  what apply migrates" and "pending is 0 after apply" true.
- LOCAL: the file's rule says `local` for the family (reason LOCAL_RULE); never rewritten.
- UNMIGRATED with a Reason: receiver type unknown, unsupported family, handle not
  migrated, excluded file, name clash, star import (the module's `open` may come from
  `from x import *`, e.g. `os.open`), dynamic call.

MIGRATED wins over the file's policy (a runtime call is one, whatever the rules say);
otherwise an excluded file makes every site UNMIGRATED/EXCLUDED_FILE and a local rule
makes it LOCAL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    Assignment,
    ClassScope,
    FunctionScope,
    MetadataWrapper,
    PositionProvider,
)
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis import third_party
from migrate_storage.codemods.analysis.bindings import RuntimeBindings, literal_all
from migrate_storage.codemods.analysis.collect import Collector
from migrate_storage.codemods.analysis.found import (
    Found,
    Position,
)
from migrate_storage.codemods.analysis.handles import HandleAnalyzer
from migrate_storage.codemods.analysis.plan import PathEdit, Plan
from migrate_storage.codemods.analysis.receivers import Kind, ReceiverTyper
from migrate_storage.codemods.analysis.secret_paths import literal_path, looks_secret
from migrate_storage.codemods.analysis.uses import Flow
from migrate_storage.codemods.families import lifecycle, open_calls, pathlib_io, scratch
from migrate_storage.codemods.model import (
    REWRITABLE_FAMILIES,
    Family,
    Reason,
    Site,
    Status,
    Strategy,
)
from migrate_storage.codemods.pipeline.prefilter import Scan
from migrate_storage.codemods.pipeline.prune import Pruned
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.codemods.speedups import scopes as _scopes

__all__ = ["Findings", "PairingError", "find_sites"]


@dataclass(frozen=True, slots=True)
class Findings:
    """The Sites of one module (sorted by position) and the edits for its PENDING ones."""

    sites: tuple[Site, ...]
    plan: Plan


class PairingError(Exception):
    """The LibCST calls of a pruned module do not pair with the `ast` candidates."""


def find_sites(
    wrapper: MetadataWrapper,
    scan: Scan,
    path: str,
    policy: FilePolicy,
    *,
    pruned: Pruned | None = None,
    families: Iterable[Family] = REWRITABLE_FAMILIES,
) -> Findings:
    """Classify every candidate call of `wrapper.module` (see the module docstring).

    `pruned`: the module was stubbed by pipeline/prune.py; positions must then come from the
    `ast` scan (PairingError otherwise), and pruned text counts for name clashes.
    `families`: the plan covers only these (the per-family LibCST commands); the Sites
    are the same whatever is selected.
    """
    return _Finder(wrapper, scan, path, policy, pruned, frozenset(families)).run()


class _Finder:
    def __init__(
        self,
        wrapper: MetadataWrapper,
        scan: Scan,
        path: str,
        policy: FilePolicy,
        pruned: Pruned | None,
        families: frozenset[Family] = frozenset(REWRITABLE_FAMILIES),
    ) -> None:
        self.families = families
        self.wrapper = wrapper
        self.pruned = pruned
        self.module = wrapper.module
        self.scan = scan
        self.path = path
        self.policy = policy
        self.runtime = policy.runtime_module
        self.rt_open, self.rt_storage, _ = _names.runtime_names(self.runtime)
        self.rt_io_open = f"{self.runtime}.io_open"
        self.scopes = _scopes.scopes(wrapper)
        self.collector = Collector((scan.module_names, scan.from_names))
        self.module.visit(self.collector)
        self.typer = ReceiverTyper(
            self.scopes,
            self.collector.bindings,
            self.runtime,
            collector=self.collector,
            pruned_text=pruned.text if pruned is not None else "",
        )
        # Issue 14: parents and uses, for scratch and third-party sites (built lazily).
        self.flow = Flow(
            self.module, self.scopes, pruned.mentions if pruned is not None else None
        )
        self.third_party = third_party.Resolver(
            self.flow.names, self.flow.value_of, self.rt_open
        )
        self.plan = Plan()

    # -- driver -------------------------------------------------------------------------
    def run(self) -> Findings:
        positions = self._positions()
        found: list[Found] = []
        handles: list[Found] = []
        for call, position in zip((c for c, _ in self.collector.calls), positions):
            item = self._classify(call, position)
            if item is None:
                continue
            (handles if item.kind == "handle" else found).append(item)
        by_call = {f.call: f for f in found}
        for item in found:
            self._apply_policy(item)
        self._plan_opens_and_paths(found)
        HandleAnalyzer(self, by_call).classify(handles)
        scratch.classify_handles(handles, by_call, self.flow)  # issue 14
        for item in handles:
            self._apply_policy(item)
        self._finish_plan(found + handles)
        sites = sorted(
            (f.site(self.path) for f in found + handles),
            key=lambda s: (s.line, s.column),
        )
        return Findings(tuple(sites), self.plan)

    def _positions(self) -> list[Position]:
        """Positions from the `ast` scan when its calls pair up with ours, else LibCST's."""
        calls = self.collector.calls
        candidates = self.scan.candidates
        if len(calls) == len(candidates) and all(
            shape == cand.shape for (_, shape), cand in zip(calls, candidates)
        ):
            return [
                Position(c.line, c.column, c.end_line, c.with_span) for c in candidates
            ]
        if self.pruned is not None and (self.pruned.stubs or not self.pruned.exact_lines):
            raise PairingError(self.path)
        ranges = self.wrapper.resolve(PositionProvider)
        out = []
        for call, _ in calls:
            code_range = ranges[call]
            with_node = self.collector.with_of_item.get(call)
            span = None
            if with_node is not None:
                span = (ranges[with_node].start.line, ranges[with_node].end.line)
            out.append(
                Position(
                    code_range.start.line,
                    code_range.start.column,
                    code_range.end.line,
                    span,
                )
            )
        return out

    # -- classification -----------------------------------------------------------------
    def _classify(self, call: cst.Call, position: Position) -> Found | None:
        names = _names.qualified_names(self.scopes.get(call.func), call.func)
        func = call.func
        attr = func.attr.value if isinstance(func, cst.Attribute) else None
        item = open_calls.recognise(call, position, names, self.collector.star_import)
        if item is not None:
            return item
        if _names.all_in(names, {self.rt_open, self.rt_io_open}):
            return Found(
                call,
                position,
                "runtime",
                Family.OPEN,
                min(names),
                status=Status.MIGRATED,
            )
        handle = [n for n in sorted(names) if n in _names.HANDLE_FUNCTIONS]
        if handle:
            family, _ = _names.HANDLE_FUNCTIONS[handle[0]]
            return Found(call, position, "handle", family, handle[0])
        item = lifecycle.recognise(call, position, names)
        if item is not None:
            return item
        unsupported = sorted(n for n in names if n in _names.UNSUPPORTED)
        if unsupported:
            item = Found(
                call, position, "unsupported", Family.UNSUPPORTED, unsupported[0]
            )
            # Issue 14: provable temporary files, directory handles, lock files: LOCAL.
            return scratch.classify(item, self.flow) or item.unmigrated(
                Reason.UNSUPPORTED_FAMILY
            )
        # Issue 14: other libraries' path I/O, counted (analysis/third_party.py).
        item = third_party.recognise(call, position, names, self.third_party)
        if item is not None:
            return item
        if attr is None or not isinstance(func, cst.Attribute):
            return None
        kind = self.typer.kind(func.value)
        if kind is Kind.RUNTIME and attr in _names.RUNTIME_METHODS:
            name = f"{self.rt_storage}.{attr}"
            return Found(
                call,
                position,
                "runtime",
                _names.RUNTIME_METHODS[attr],
                name,
                status=Status.MIGRATED,
            )
        if kind is Kind.RUNTIME and attr in lifecycle.STAND_INS:
            name = f"{self.rt_storage}.{attr}"
            return Found(
                call, position, "runtime", Family.LIFECYCLE, name, status=Status.MIGRATED
            )
        item = pathlib_io.recognise(call, position, kind, lambda: self._own_method(func))
        if item is None:
            item = lifecycle.recognise_method(
                call,
                position,
                kind is Kind.PATH,
                kind not in (Kind.NOT_PATH, Kind.RUNTIME),
                lambda: self._own_method(func),
            )
        if item is None and kind is not Kind.RUNTIME:
            item = third_party.recognise_method(call, position, self.third_party)
        return item

    def _own_method(self, func: cst.Attribute) -> bool:
        """`self.open()` in a method of a class that defines `open` itself: not a Path."""
        receiver = func.value
        if not isinstance(receiver, cst.Name):
            return False
        scope = self.scopes.get(receiver)
        if not isinstance(scope, FunctionScope) or not isinstance(
            scope.parent, ClassScope
        ):
            return False
        bound = scope[receiver.value]
        if not bound or not all(
            isinstance(a, Assignment) and isinstance(a.node, cst.Param) for a in bound
        ):
            return False
        return any(
            isinstance(a, Assignment) and isinstance(a.node, cst.FunctionDef)
            for a in scope.parent.assignments[func.attr.value]
        )

    def _apply_policy(self, item: Found) -> None:
        """Policy overrides anything not already migrated. A secret-looking literal path
        is LOCAL even when already a runtime call (the runtime never publishes it), so its
        status is the same before and after `apply`."""
        path = literal_path(item.call, item.kind)
        secret = path is not None and looks_secret(path, self.policy.allow_secrets)
        if item.status is Status.MIGRATED and not secret:
            return
        item.strategy = self.policy.strategy_for(item.family)
        if self.policy.excluded:
            item.unmigrated(Reason.EXCLUDED_FILE)
        elif item.strategy is Strategy.LOCAL:
            item.status, item.reason, item.edit = Status.LOCAL, Reason.LOCAL_RULE, None
        elif secret or item.reason is Reason.SECRET_PATH:
            item.status, item.reason, item.edit = Status.LOCAL, Reason.SECRET_PATH, None

    def pin_for(self, family: Family) -> bool:
        return self.policy.strategy_for(family) is Strategy.PIN

    # -- planning -----------------------------------------------------------------------
    def _plan_opens_and_paths(self, found: Sequence[Found]) -> None:
        pending = [f for f in found if f.status is Status.PENDING]
        self.bindings = RuntimeBindings(
            self.module,
            self.scopes,
            self.runtime,
            self.collector.star_import,
            self.pruned,
            private=self.policy.star_imported and not self._exports_only_all(),
        )
        opens = [f for f in pending if f.kind == "open"]
        self.open_binding = (
            self.bindings.open_binding()
            if any(f.name != "io.open" for f in opens)
            else None
        )
        self.io_open_binding = (
            self.bindings.io_open_binding()
            if any(f.name == "io.open" for f in opens)
            else None
        )
        for item in pending:
            if item.kind == "open":
                self._plan_open(item)
            elif item.kind == "path":
                pathlib_io.decide(item, self.pin_for(item.family))
            elif lifecycle.is_site(item):
                lifecycle.decide(item, self.pin_for(item.family))

    def _plan_open(self, item: Found) -> None:
        binding = self.io_open_binding if item.name == "io.open" else self.open_binding
        assert binding is not None
        open_calls.decide(
            item,
            binding,
            self.bindings,
            self.scopes.get(item.call),
            self.pin_for(Family.OPEN),
        )

    def _exports_only_all(self) -> bool:
        """A literal `__all__` decides what `import *` takes from this module (a pruned
        function that mentions `__all__` may change it: then it does not)."""
        if self.pruned is not None and self.pruned.mentions("__all__"):
            return False
        return literal_all(self.module)

    def storage_name(self) -> str:
        if not hasattr(self, "_storage_binding"):
            self._storage_binding = self.bindings.storage_binding()
        return self._storage_binding.name

    def _finish_plan(self, items: Iterable[Found]) -> None:
        plan = self.plan
        uses_open = uses_io_open = uses_storage = False
        for item in items:
            if (
                item.status is not Status.PENDING
                or item.consumed
                or item.family not in self.families
            ):
                continue
            if item.kind == "open":
                if item.name == "io.open":
                    uses_io_open = True
                else:
                    uses_open = True
                if item.edit is not None and (
                    item.edit.rename_to or item.edit.pin is not None
                ):  # type: ignore[union-attr]
                    plan.opens[item.call] = item.edit  # type: ignore[assignment]
                    plan.regions.append((item.position.line, item.position.end_line))
            elif item.kind == "path" and isinstance(item.edit, PathEdit):
                uses_storage = True
                plan.paths[item.call] = item.edit
                plan.regions.append((item.position.line, item.position.end_line))
            elif lifecycle.is_site(item) and item.edit is not None:
                uses_storage = True
                plan.lifecycle[item.call] = item.edit
                plan.regions.append((item.position.line, item.position.end_line))
        uses_storage = uses_storage or bool(plan.collapses)
        ancestors = self.collector.ancestors
        for node in [*plan.opens, *plan.paths, *plan.collapses, *plan.lifecycle]:
            plan.path_nodes.update(ancestors.get(node, ()))
        if uses_open and self.open_binding is not None:
            plan.open_name = self.open_binding.name
            if self.open_binding.needs_import:
                plan.imports.append(("open", self.open_binding.alias))
        io_binding = self.io_open_binding
        if uses_io_open and io_binding is not None and io_binding.needs_import:
            plan.imports.append(("io_open", io_binding.alias))
        if uses_storage:
            plan.storage_name = self.storage_name()
            if self._storage_binding.needs_import:
                plan.imports.append(("storage", self._storage_binding.alias))
