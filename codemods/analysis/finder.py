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

The finder itself knows no family: it asks the modules of families/registry.py to
recognise each candidate call and to decide their sites (families/protocol.py), applies
the rules, and turns the PENDING sites' edits and needed runtime names into the Plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, GlobalScope, MetadataWrapper, PositionProvider
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis import private_files
from migrate_storage.codemods.analysis.collect import Collector
from migrate_storage.codemods.analysis.context import Context
from migrate_storage.codemods.analysis.found import Found, Position
from migrate_storage.codemods.analysis.plan import RUNTIME_OBJECTS, Plan
from migrate_storage.codemods.analysis.secret_paths import literal_path, looks_secret
from migrate_storage.codemods.families import registry, scratch
from migrate_storage.codemods.families.protocol import FamilyModule
from migrate_storage.codemods.families.registry import REWRITABLE_FAMILIES
from migrate_storage.codemods.model import (
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

    `pruned`: the module was cut by pipeline/prune.py; positions must then come from the
    `ast` scan (PairingError otherwise), and pruned text counts for name clashes.
    `families`: the plan covers only these (the per-family LibCST commands); the Sites
    are the same whatever is selected.
    """
    return _Finder(wrapper, scan, path, policy, pruned, frozenset(families)).run()


# The kernel's files: per machine, never another worker's to want.
_SYSTEM_ROOTS = ("/proc/", "/sys/", "/dev/")


def _system_path(path: str | None) -> bool:
    return path is not None and path.startswith(_SYSTEM_ROOTS)


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
        self.wrapper = wrapper
        self.pruned = pruned
        self.scan = scan
        self.path = path
        self.policy = policy
        scopes = _scopes.scopes(wrapper)
        self.collector = Collector(
            (scan.module_names, scan.from_names),
            (scan.module_names, scan.from_values),
        )
        wrapper.module.visit(self.collector)
        self.ctx = Context(
            wrapper.module,
            scopes,
            self.collector,
            policy,
            pruned,
            families,
        )
        # Per function, the files it makes owner-only (analysis/private_files.py).
        self._private: dict[cst.FunctionDef, frozenset[str]] = {}

    # -- driver -------------------------------------------------------------------------
    def run(self) -> Findings:
        """Recognise (registry order, first claim wins), then decide: the non-derived
        families with the rules applied first, then the derived ones with the rules
        applied after (families/protocol.py); then the plan from the PENDING sites."""
        ctx = self.ctx
        modules = registry.FAMILY_MODULES  # read now: tests list a family of their own
        sites: dict[FamilyModule, list[Found]] = {m: [] for m in modules}
        recognised: list[tuple[FamilyModule, Found]] = []
        calls = (c for c, _ in self.collector.calls)
        for call, position in zip(calls, self._positions()):
            for module in modules:
                item = module.recognise(call, position, ctx)
                if item is not None:
                    if item.status is Status.PENDING and ctx.callee_star_rebound(call):
                        # `from os import remove` then `from helpers import *`: the
                        # callee may be another module's (analysis/context.py)
                        item.unmigrated(Reason.STAR_IMPORT)
                    sites[module].append(item)
                    recognised.append((module, item))
                    break
        # File functions used as values: asked of the modules that count them.
        counting = [m for m in modules if hasattr(m, "recognise_value")]
        if counting and self.collector.values:
            values = (v for v, _ in self.collector.values)
            for value, position in zip(values, self._value_positions()):
                for module in counting:
                    item = module.recognise_value(value, position, ctx)  # type: ignore[attr-defined]
                    if item is not None:
                        sites[module].append(item)
                        recognised.append((module, item))
                        break
        direct = [m for m in modules if not m.DERIVED]
        derived = [m for m in modules if m.DERIVED]
        ctx.by_call = {f.call: f for m in direct for f in sites[m]}
        for module in direct:
            for item in sites[module]:
                self._apply_policy(item)
        for module in direct + derived:
            module.decide(sites[module], ctx)
            if module.DERIVED:
                for item in sites[module]:
                    self._apply_policy(item)
        # Source order, the derived families' sites after the others (`decide` may have
        # dropped some): the order in which sites of equal position are reported.
        kept = {id(f) for m in modules for f in sites[m]}
        found = [f for m, f in recognised if not m.DERIVED and id(f) in kept]
        found += [f for m, f in recognised if m.DERIVED and id(f) in kept]
        plan = self._plan(found)
        ordered = sorted(
            (f.site(self.path) for f in found), key=lambda s: (s.line, s.column)
        )
        return Findings(tuple(ordered), plan)

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
        if self.pruned is not None and (
            not self.pruned.exact_lines
        ):
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

    def _value_positions(self) -> list[Position]:
        """The positions of the collector's values, paired with the `ast` scan's as the
        calls are (`_positions`)."""
        values = self.collector.values
        scanned = self.scan.values
        if len(values) == len(scanned) and all(
            shape == cand.shape for (_, shape), cand in zip(values, scanned)
        ):
            return [Position(c.line, c.column, c.end_line) for c in scanned]
        if self.pruned is not None and not self.pruned.exact_lines:
            raise PairingError(self.path)
        ranges = self.wrapper.resolve(PositionProvider)
        return [
            Position(ranges[v].start.line, ranges[v].start.column, ranges[v].end.line)
            for v, _ in values
        ]

    def _apply_policy(self, item: Found) -> None:
        """Policy overrides anything not already migrated. A secret-looking literal path
        is LOCAL even when already a runtime call (the runtime never publishes it), so its
        status is the same before and after `apply`; so is a system file (a bare `open` of
        one goes through the module's rebound `open` after apply, which passes it through)."""
        path = literal_path(item.target)
        secret = path is not None and looks_secret(path, self.policy.allow_secrets)
        system = (
            _system_path(path or self._bound_literal(item.target))
            or self._devnull(item.target)
            or self._system_at_every_binding(item.target)
        )
        # `open(tmp, "rb")` of a temporary file: LOCAL before and after apply (then the
        # module's rebound `open`, which reads it as the builtin did)
        temporary = scratch.temporary_read(item, self.ctx.flow)
        if item.status is Status.MIGRATED and not secret and not system and not temporary:
            return
        item.strategy = self.policy.strategy_for(item.family)
        if self.policy.excluded:
            item.unmigrated(Reason.EXCLUDED_FILE)
        elif item.strategy is Strategy.LOCAL:
            item.status, item.reason, item.edit = Status.LOCAL, Reason.LOCAL_RULE, None
        elif secret or item.reason is Reason.SECRET_PATH:
            item.status, item.reason, item.edit = Status.LOCAL, Reason.SECRET_PATH, None
        elif system and item.status is not Status.LOCAL:
            item.status, item.reason, item.edit = Status.LOCAL, Reason.SYSTEM_FILE, None
        elif temporary and item.status is not Status.LOCAL:
            item.status, item.reason, item.edit = Status.LOCAL, Reason.TEMPORARY_FILE, None
        elif item.status is not Status.LOCAL and private_files.is_private(
            item, self.ctx.flow, self.ctx.scopes, self._private
        ):
            item.status, item.reason, item.edit = Status.LOCAL, Reason.PRIVATE_FILE, None
        if item.status is Status.PENDING and self.policy.shadowed_by is not None:
            item.unmigrated(Reason.STDLIB_SHADOWED)  # the runtime cannot be imported there

    def _devnull(self, target: cst.BaseExpression | None, depth: int = 0) -> bool:
        """`os.devnull` (also `from os import devnull`): the null device, as "/dev/null";
        also spelled with pathlib, `Path(os.devnull)` (one argument), and a name bound
        once to such a value (`sink = Path(os.devnull)`)."""
        if depth > 2:
            return False
        if isinstance(target, cst.Name) and target.value != "devnull":
            if self._global_read_in_function(target):
                return False
            value = self.ctx.flow.value_of(target)
            return value is not None and self._devnull(value, depth + 1)
        if isinstance(target, cst.Call):
            args = target.args
            return (
                len(args) == 1
                and not args[0].star
                and args[0].keyword is None
                and _names.all_in(self.ctx.flow.names(target.func), _names.PATH_CONSTRUCTORS)
                and self._devnull(args[0].value, depth + 1)
            )
        spelled = (
            target.attr.value if isinstance(target, cst.Attribute)
            else target.value if isinstance(target, cst.Name) else None
        )
        return spelled == "devnull" and "os.devnull" in self.ctx.flow.names(target)

    def _system_at_every_binding(self, target: cst.BaseExpression | None) -> bool:
        """A name each of whose bindings in its scope is `name = <system file>` (a literal
        under a system root, or `os.devnull`): `devnull = "/dev/null"` then `if
        hasattr(os, "devnull"): devnull = os.devnull`. Whichever binding reaches the
        call, it names a system file. (One binding: `_bound_literal`, `_devnull`.)"""
        if not isinstance(target, cst.Name) or self._global_read_in_function(target):
            return False
        values = self.ctx.flow.definitions(target)
        return bool(values) and all(
            isinstance(value, cst.BaseExpression)
            and (_system_path(literal_path(value)) or self._devnull(value, 1))
            for value in values  # type: ignore[union-attr]
        )

    def _global_read_in_function(self, name: cst.Name) -> bool:
        """`name`, read in a function (or a class body), is the module's: another module
        may rebind it before the call runs (`config.OUT = args.out`, `mock.patch(
        "config.OUT", ...)`), so its bindings here prove nothing about the file. At the
        module's top level, its own statements are all that ran."""
        scope = self.ctx.scopes.get(name)
        if scope is None or isinstance(scope, GlobalScope):
            return False
        return any(
            isinstance(assignment.scope, GlobalScope)
            for assignment in scope[name.value]
        )

    def _bound_literal(self, target: cst.BaseExpression | None) -> str | None:
        """The literal a name naming the file is bound to, once (`fname = "/sys/..."`)."""
        if not isinstance(target, cst.Name) or self._global_read_in_function(target):
            return None
        scope = self.ctx.scopes.get(target)
        assignments = list(scope[target.value]) if scope is not None else []
        if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
            return None
        value = self.collector.bindings.get(assignments[0].node)  # type: ignore[arg-type]
        return literal_path(value) if value is not None else None

    # -- planning -----------------------------------------------------------------------
    def _plan(self, items: Iterable[Found]) -> Plan:
        """The edits and imports of the PENDING sites of the selected families: each
        site's edit under its node, the runtime objects the sites need (imported under
        the names analysis/bindings.py chooses, in RUNTIME_OBJECTS order)."""
        plan = Plan()
        ctx = self.ctx
        needed: set[str] = set()
        calls: dict[cst.CSTNode, cst.Call] = {}
        for item in items:
            if (
                item.status is not Status.PENDING
                or item.consumed
                or item.family not in ctx.families
            ):
                continue
            needed.update(item.needs)
            edit = item.edit
            if edit is not None:
                assert edit.node not in plan.edits, "two edits for one node"
                plan.edits[edit.node] = edit
                plan.regions.append(edit.region)
                calls[edit.node] = item.call
        ancestors = self.collector.ancestors
        for node, call in calls.items():
            # The collector knows what encloses each call and `with`; an edit of another
            # node (publish_after's statement) is reached through its site's call, and
            # one inside the call (restore_before's path argument) through the nodes
            # between them.
            plan.path_nodes.update(ancestors.get(node) or ancestors.get(call, ()))
            if node is not call and node not in ancestors.get(call, ()):
                inside = node
                while inside is not None and inside is not call:
                    plan.path_nodes.add(inside)
                    inside = ctx.flow.parent(inside)
        for obj in RUNTIME_OBJECTS:
            if obj in needed:
                binding = ctx.binding(obj)
                plan.names[obj] = binding.name
                if binding.needs_import:
                    plan.imports.append((obj, binding.alias))
        return plan
