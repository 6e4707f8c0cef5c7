"""Where the value of one call goes: the name it is bound to and every use of that name.

The scratch classification (families/scratch.py) proves things like "this descriptor is
only fsynced and closed" or "this temp file's name is later passed to `os.replace`". Those
proofs need, for a call, the one name its result is bound to, every place that name is
read, and what encloses each read (the call it is an argument of, the attribute taken on
it, a `finally:` block). LibCST's scopes give the reads (`Assignment.references`); the
parents come from the map the collector's walk records (analysis/collect.py).

Sound by construction: a name assigned more than once in its scope (or bound by
`global`/`nonlocal`) has no single value, so `uses` answers None and no proof is made.
A `match` pattern's capture (`case str() as p`, `case [p]`, `case {**p}`) binds a name
too, though LibCST's scopes record no assignment for it: a name captured where it may
be the same variable (`captured`, from the finder's Collector) has no single value either.
So does a module- or class-level name that the bodies pipeline/prune.py cut out mention
(`hidden`): their reads are not in the tree. Function-local names are safe: a function
that holds a candidate call is never cut, nor is anything nested in it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, FunctionScope, Scope
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.dominance import Positions, dominating
from migrate_storage.codemods.analysis.found import literal_choices

# The flag that is True only for a static type checker: `if TYPE_CHECKING:` bodies never run.
_TYPE_CHECKING = frozenset({"typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"})


@dataclass(frozen=True, slots=True)
class ArgUse:
    """A read of a name as an argument: `call(..., name, ...)`."""

    call: cst.Call
    index: int | None  # the positional index, None for a keyword argument
    keyword: str | None


class Flow:
    """Parents, bindings and uses within one module (see the module docstring)."""

    def __init__(
        self,
        parents: Mapping[cst.CSTNode, cst.CSTNode],
        scopes: Mapping[cst.CSTNode, Scope | None],
        hidden: Callable[[str], bool] | None = None,
        opens: frozenset[str] = frozenset({"builtins.open", "io.open"}),
        captured: Sequence[cst.Name] = (),
    ) -> None:
        #: The builtin `open` by its qualified names, the runtime's stand-ins included
        #: (what a module's `open` is before and after `apply`).
        self.opens = opens
        # Recorded by the collector's walk (analysis/collect.py), which visits every node
        # anyway: a walk of its own cost about a twentieth of a cold run.
        self._parents = parents
        self._scopes = scopes
        self._hidden = hidden
        self._captured: dict[str, list[cst.Name]] = {}
        for node in captured:
            self._captured.setdefault(node.value, []).append(node)
        # `holding_binding` per read, and the statement positions it compares: asked for
        # every read of a name bound many times, once per site that reads it
        self._holding: dict[cst.Name, cst.Name | None] = {}
        self._positions: Positions | None = None

    def _scope(self, name: cst.Name) -> Scope | None:
        """The scope of `name`, None when reads of it may be in pruned-out code or a
        `match` capture may rebind it."""
        scope = self._scopes.get(name)
        if scope is None or self._captures(scope, name.value):
            return None
        if isinstance(scope, FunctionScope) or self._hidden is None:
            return scope
        return None if self._hidden(name.value) else scope

    def _captures(self, scope: Scope, name: str) -> bool:
        """A `match` capture of `name` in `scope`, or where it may be the same variable
        (their scopes see a common binding of it: a `global`, an enclosing function's
        local), or in a scope that cannot be told."""
        captured = self._captured.get(name)
        if not captured:
            return False  # the usual case: no `match` captures it anywhere
        ours = set(scope[name])
        for node in captured:
            theirs = self._scopes.get(node)
            if theirs is None or theirs is scope or ours & set(theirs[name]):
                return True
        return False

    # -- structure --------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def names(self, func: cst.BaseExpression) -> frozenset[str]:
        """The qualified names a callee (or any expression) resolves to."""
        return _names.qualified_names(self._scopes.get(func), func)

    def bound_target(self, call: cst.Call) -> cst.BaseExpression | None:
        """What `call`'s value is bound to: the target of `x = call(...)` (one target),
        `x: T = call(...)`, `(x := call(...))` or `with call(...) as x`; else None."""
        parent = self.parent(call)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            return parent.targets[0].target
        if isinstance(parent, cst.AnnAssign) and parent.value is call:
            return parent.target
        if isinstance(parent, cst.NamedExpr) and parent.value is call:
            return parent.target
        if (
            isinstance(parent, cst.WithItem)
            and parent.item is call
            and parent.asname is not None
        ):
            return parent.asname.name
        return None

    def uses(self, target: cst.BaseExpression | None) -> list[cst.Name] | None:
        """Every read of the name `target` binds, when it is a Name bound once in its
        scope; None when there is no such single binding."""
        if not isinstance(target, cst.Name):
            return None
        return _reads_of_only_binding(self._scope(target), target.value, target)

    def reads_of_every_binding(self, target: cst.Name) -> list[cst.Name] | None:
        """Every read of the name `target` binds, in its scope, whatever else binds that
        name there (`fd, tmp = mkstemp()` in one branch, `fd = os.open(...)` in the
        other): enough to prove what every read does. None when a binding there is an
        import, or a read may be in pruned-out code."""
        scope = self._scope(target)
        if scope is None:
            return None
        assignments = list(scope.assignments[target.value])
        if not any(a.node is target for a in assignments):
            return None
        if not all(type(a) is Assignment for a in assignments):
            return None
        reads = {id(n): n for n in reads_of(scope, target.value, assignments)}
        if not all(isinstance(n, cst.Name) for n in reads.values()):
            return None
        return list(reads.values())  # type: ignore[arg-type]

    def holding_binding(self, read: cst.Name) -> cst.Name | None:
        """The target of the one binding of a function-local name that holds at `read`
        (analysis/dominance.py, flat tuple targets included: `fd, tmp = mkstemp()` run
        again for each case of a test); None when that is not proven."""
        if read not in self._holding:
            self._holding[read] = self._holding_binding(read)
        return self._holding[read]

    def _holding_binding(self, read: cst.Name) -> cst.Name | None:
        scope = self._scope(read)
        if not isinstance(scope, FunctionScope):
            return None
        assignments = list(scope.assignments[read.value])
        if not assignments or not all(type(a) is Assignment for a in assignments):
            return None
        if self._positions is None:
            self._positions = Positions(self.parent)
        return dominating(
            read, [a.node for a in assignments], self.parent, unpacked=True,
            positions=self._positions,
        )

    def dominated_reads(self, target: cst.Name) -> list[cst.Name] | None:
        """The reads of a function-local name bound several times that see `target`'s
        binding, when every read of the name is proven to see exactly one binding
        (`holding_binding`): then these are all the reads of `target`'s value. None
        otherwise (a read after an `if` that rebinds it, in a loop, in a nested
        function)."""
        reads = self.reads_of_every_binding(target)
        if reads is None:
            return None
        holders = [self.holding_binding(read) for read in reads]
        if any(holder is None for holder in holders):
            return None
        return [read for read, holder in zip(reads, holders) if holder is target]

    def others_bind_none(self, target: cst.Name) -> bool:
        """Whether every other binding of `target`'s name in its scope is `name = None`
        (`f = None` before `with ... as f` in a `try:`), so a read of `f.attr` that runs
        at all reads it from `target`'s value."""
        scope = self._scope(target)
        if scope is None:
            return False
        for assignment in scope.assignments[target.value]:
            node = assignment.node
            if node is target:
                continue
            if type(assignment) is not Assignment:
                return False
            parent = self.parent(node)
            assign = self.parent(parent) if isinstance(parent, cst.AssignTarget) else None
            if not (
                isinstance(assign, cst.Assign)
                and len(assign.targets) == 1
                and isinstance(assign.value, cst.Name)
                and assign.value.value == "None"
            ):
                return False
        return True

    def reads_past_none(self, target: cst.Name) -> list[cst.Name] | None:
        """Every read of the name `target` binds that can run, when each other binding of
        that name in its scope is `name = None` or sits in the body of an `if
        TYPE_CHECKING:` (ubelt's download: `tmp = None` in the branch that writes to a
        stream, `tmp = cast(T, tmp)` for the type checker): a read whose value is used
        (`tmp.name`, `os.replace(tmp, dst)`) gets past a None only with `target`'s value.
        Reads inside such bodies never run and are left out. None otherwise (as `uses`)."""
        scope = self._scope(target)
        if scope is None:
            return None
        for assignment in scope.assignments[target.value]:
            node = assignment.node
            if node is target or (
                type(assignment) is Assignment and self.under_type_checking(node)
            ):
                continue
            if not self._binds_none(assignment):
                return None
        reads = self.reads_of_every_binding(target)
        if reads is None:
            return None
        return [read for read in reads if not self.under_type_checking(read)]

    def _binds_none(self, assignment: object) -> bool:
        """`name = None`: the one target of a plain assignment of the literal None."""
        if type(assignment) is not Assignment:
            return False
        parent = self.parent(assignment.node)
        assign = self.parent(parent) if isinstance(parent, cst.AssignTarget) else None
        return (
            isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.value, cst.Name)
            and assign.value.value == "None"
        )

    def under_type_checking(self, node: cst.CSTNode) -> bool:
        """Whether `node` is in the body (not the `else:`) of an `if TYPE_CHECKING:`
        (`typing.TYPE_CHECKING`, also imported by name): code that never runs."""
        child, parent = node, self.parent(node)
        for _ in range(200):  # bounded: statements nest far less deep
            if parent is None:
                return False
            if isinstance(parent, cst.If) and child is parent.body:
                names = self.names(parent.test)
                if names and names <= _TYPE_CHECKING:
                    return True
            child, parent = parent, self.parent(parent)
        return False

    def parameter_reads(self, param: cst.Param) -> list[cst.Name] | None:
        """Every read of a parameter in its function, when nothing else binds its name
        there; None otherwise."""
        return _reads_of_only_binding(self._scope(param.name), param.name.value, param)

    def definitions(self, name: cst.Name) -> list[cst.CSTNode] | None:
        """What each binding of the read `name` binds it to: the `FunctionDef` of a `def`,
        the assigned value of `name = value`; None when a binding is anything else (an
        import, a parameter, a loop target, a builtin). Pruning hides no binding: a cut
        unit binds only its own name and keeps its `def` line (its body a `...`), and one
        dropped whole is named by no kept line, so not by `name`."""
        scope = self._scopes.get(name)
        if scope is None or self._captures(scope, name.value):
            return None
        bound = list(scope[name.value])
        if not bound or not all(type(a) is Assignment for a in bound):
            return None
        found: list[cst.CSTNode] = []
        for binding in bound:
            node = binding.node
            if isinstance(node, cst.FunctionDef):
                found.append(node)
                continue
            parent = self.parent(node)
            assign = self.parent(parent) if isinstance(parent, cst.AssignTarget) else None
            if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
                return None
            if assign.targets[0].target is not node:
                return None
            found.append(assign.value)
        return found

    def augmented_values(
        self, name: cst.Name
    ) -> tuple[cst.BaseExpression, list[cst.AugAssign]] | None:
        """For a read name bound once by `x = v` and otherwise only by augmented
        assignments (`x |= w`) in its scope: `v` and those statements; else None."""
        scope = self._scope(name)
        bound = list(scope[name.value]) if scope is not None else []
        if not bound or not all(type(a) is Assignment for a in bound):
            return None
        first: cst.BaseExpression | None = None
        augmented: list[cst.AugAssign] = []
        for binding in bound:
            node = binding.node
            parent = self.parent(node)
            if isinstance(parent, cst.AugAssign) and parent.target is node:
                augmented.append(parent)
                continue
            assign = self.parent(parent) if isinstance(parent, cst.AssignTarget) else None
            if (
                first is not None
                or not isinstance(assign, cst.Assign)
                or len(assign.targets) != 1
                or assign.targets[0].target is not node
            ):
                return None
            first = assign.value
        return None if first is None else (first, augmented)

    def class_named(self, name: cst.Name) -> cst.ClassDef | None:
        """The class of the module the read `name` names: its one binding is a `class`."""
        scope = self._scopes.get(name)
        if scope is None or self._captures(scope, name.value):
            return None
        bound = list(scope[name.value])
        if len(bound) != 1 or not isinstance(bound[0], Assignment):
            return None
        node = bound[0].node
        return node if isinstance(node, cst.ClassDef) else None

    def _one_binding(self, name: cst.Name) -> tuple[Scope, Assignment] | None:
        """The scope of the read `name` and its one binding there (an assignment, a
        parameter); None for several bindings, an import or a builtin."""
        scope = self._scope(name)
        if scope is None:
            return None
        bound = list(scope[name.value])
        if len(bound) != 1 or not isinstance(bound[0], Assignment):
            return None
        return scope, bound[0]

    def entered(self, name: cst.Name) -> list[cst.BaseExpression]:
        """The context managers whose `__enter__` result some binding of the read `name`
        in its scope is (`with <cm> as name:`); empty when no binding is such a target."""
        scope = self._scope(name)
        if scope is None:
            return []
        found = []
        for binding in scope[name.value]:
            if not isinstance(binding, Assignment):
                continue
            parent = self.parent(binding.node)
            if isinstance(parent, cst.AsName):
                item = self.parent(parent)
                if isinstance(item, cst.WithItem):
                    found.append(item.item)
        return found

    def is_parameter(self, name: cst.Name) -> bool:
        """The read `name` is a parameter of its function (bound nowhere else)."""
        found = self._one_binding(name)
        return found is not None and isinstance(found[1].node, cst.Param)

    def packed_parameter(self, name: cst.Name) -> str | None:
        """"*" or "**" when the read `name` is its function's `*args` or `**kwargs`, bound
        nowhere else: a tuple or a dict the call itself made, whose unpacking (`f(*args)`,
        `f(**kwargs)`) runs no code of the program's. None otherwise."""
        found = self._one_binding(name)
        param = found[1].node if found is not None else None
        if not isinstance(param, cst.Param):
            return None
        params = self.parent(param)
        if isinstance(params, cst.Parameters):
            if params.star_arg is param:
                return "*"
            if params.star_kwarg is param:
                return "**"
        return None

    def reads_of_binding(self, name: cst.Name) -> list[cst.Name] | None:
        """Every read of the one binding the read `name` refers to (a parameter, an
        assignment), in that binding's own scope; None when it has several bindings, or
        reads elsewhere (a nested function) or in pruned-out code."""
        found = self._one_binding(name)
        if found is None:
            return None
        scope, binding = found
        reads = reads_of(scope, name.value, [binding])
        if not all(isinstance(n, cst.Name) and self._scopes.get(n) is scope for n in reads):
            return None
        return reads  # type: ignore[return-value]

    def value_of(self, name: cst.Name) -> cst.BaseExpression | None:
        """The one value a read name was bound to (`x = v` etc.), else None."""
        found = self._one_binding(name)
        if found is None:
            return None
        return self._bound_value(found[1].node)

    def holding_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """`value_of` for a read of a function-local name bound several times: the value
        of the one binding that holds at the read (`holding_binding`), else None."""
        holder = self.holding_binding(name)
        return None if holder is None else self._bound_value(holder)

    def _bound_value(self, node: cst.CSTNode) -> cst.BaseExpression | None:
        """The value the binding target `node` gets: `node = v`, `node: T = v`, `(node
        := v)`, the item of `with v as node`; else None."""
        parent = self.parent(node)
        if isinstance(parent, cst.AssignTarget):
            parent = self.parent(parent)
        if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.NamedExpr)):
            return parent.value
        if isinstance(parent, cst.AsName):
            item = self.parent(parent)
            return item.item if isinstance(item, cst.WithItem) else None
        return None

    def local_value_of(self, name: cst.Name) -> cst.BaseExpression | None:
        """`value_of`, for a name bound once in a function (a local of it or of a function
        enclosing it): no other module can rebind it, so whenever the read succeeds, it
        holds what that one binding evaluated to. None for a module or class name."""
        found = self._one_binding(name)
        if found is None or not isinstance(found[1].scope, FunctionScope):
            return None
        return self.value_of(name)

    def mode_value_of(self, name: cst.Name) -> cst.BaseExpression | None:
        """`local_value_of`, or, for a function's local whose every binding is a plain
        assignment of a str literal or a conditional expression of them (`tar_header =
        "r:"`, then `tar_header = "r:gz"` in the `except` of a `try` that probes the
        file), those values as one conditional expression: whichever binding holds at a
        read that succeeds, the name holds one of them. Only for found.py `mode_of`,
        which reads the literals it chooses among; the expression is built here, never
        part of the module."""
        found = self.local_value_of(name)
        if found is not None:
            return found
        scope = self._scope(name)
        if scope is None:
            return None
        bound = list(scope[name.value])
        if len(bound) < 2 or not all(
            type(a) is Assignment and isinstance(a.scope, FunctionScope) for a in bound
        ):
            return None  # a module's name: another module may rebind it
        values = [self._bound_value(a.node) for a in bound]
        if any(
            v is None or isinstance(self.parent(v), cst.WithItem) or literal_choices(v) is None
            for v in values
        ):
            return None
        combined = values[-1]
        for value in reversed(values[:-1]):
            combined = cst.IfExp(test=cst.Name("_"), body=value, orelse=combined)
        return combined

    def tuple_source(self, name: cst.Name) -> tuple[cst.BaseExpression, int] | None:
        """(value, index) for a read of a name bound once as element `index` of a tuple
        target: `fd, tmp = value`, or bound so by the one binding that holds at the read
        (`holding_binding`)."""
        found = self._one_binding(name)
        if found is None:
            holder = self.holding_binding(name)  # bound again for the next case
            return None if holder is None else self.unpacked_from(holder)
        return self.unpacked_from(found[1].node)

    def unpacked_from(self, node: cst.CSTNode) -> tuple[cst.BaseExpression, int] | None:
        """(value, index) for the binding target `node` of `a, node = value`."""
        element = self.parent(node)
        target = self.parent(element) if isinstance(element, cst.Element) else None
        if not isinstance(target, (cst.Tuple, cst.List)):
            return None
        assign_target = self.parent(target)
        assign = (
            self.parent(assign_target)
            if isinstance(assign_target, cst.AssignTarget)
            else None
        )
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return None
        if any(isinstance(e, cst.StarredElement) for e in target.elements):
            return None
        index = next(i for i, e in enumerate(target.elements) if e is element)
        return assign.value, index

    # -- what encloses a read ---------------------------------------------------------
    def as_argument(self, node: cst.CSTNode) -> ArgUse | None:
        """`call(..., node, ...)`: the call and where `node` sits in it."""
        arg = self.parent(node)
        if not isinstance(arg, cst.Arg) or arg.value is not node or arg.star:
            return None
        call = self.parent(arg)
        if not isinstance(call, cst.Call):
            return None
        if arg.keyword is not None:
            return ArgUse(call, None, arg.keyword.value)
        index = 0
        for other in call.args:
            if other is arg:
                return ArgUse(call, index, None)
            if other.star:
                return None  # a *args before it: its position is unknown
            if other.keyword is None:
                index += 1
        return None  # pragma: no cover - `arg` is one of `call.args`

    def attribute_of(self, node: cst.CSTNode) -> cst.Attribute | None:
        """`node.attr`, when `node` is the value an attribute is taken on."""
        parent = self.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return parent
        return None

    def in_finally(self, node: cst.CSTNode) -> bool:
        """True when `node` runs in a `finally:` block (of any enclosing `try`)."""
        current: cst.CSTNode | None = node
        while current is not None:
            if isinstance(current, cst.Finally):
                return True
            if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            current = self.parent(current)
        return False

    def inside(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        """`node` is `ancestor` or lies within it."""
        current: cst.CSTNode | None = node
        while current is not None:
            if current is ancestor:
                return True
            current = self.parent(current)
        return False

    def awaited(self, node: cst.CSTNode) -> bool:
        """`await node` or `async with node [as x]`: its value is awaitable or an
        asynchronous context manager (pathlib's methods return neither: a str, bytes,
        None or a plain file), so the receiver of such a method call is an asynchronous
        API's object (aiofiles, anyio.Path, an agent's run), not a Path."""
        parent = self.parent(node)
        if isinstance(parent, cst.Await):
            return True
        if isinstance(parent, cst.WithItem) and parent.item is node:
            statement = self.parent(parent)
            return isinstance(statement, cst.With) and statement.asynchronous is not None
        return False


def reads_of(scope: Scope, name: str, assignments: list[Assignment]) -> list[cst.CSTNode]:
    """The reads of `assignments` (bindings of `name` in `scope`), those written before
    them included: LibCST gives a binding only the reads written after it in its own
    scope, but a loop around both runs the earlier read after it (`for ...: if i:
    f.close()` then `f = open(p)`)."""
    found = {id(r.node): r.node for a in assignments for r in a.references}
    for access in scope.accesses[name]:
        found.setdefault(id(access.node), access.node)
    return list(found.values())


def _reads_of_only_binding(
    scope: Scope | None, name: str, node: cst.CSTNode
) -> list[cst.Name] | None:
    """The reads of `name` in `scope` when its one binding there is `node`, else None."""
    if scope is None:
        return None
    assignments = list(scope.assignments[name])
    if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
        return None
    if assignments[0].node is not node:
        return None
    reads = reads_of(scope, name, assignments)
    if not all(isinstance(n, cst.Name) for n in reads):
        return None
    return reads  # type: ignore[return-value]


def descendants(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node` and every node under it but whitespace and comments, from one read-only
    walk (the fast walk of speedups/walk.py; `CSTNode.children` would rebuild every node
    it passes)."""
    walker = _Descendants()
    node.visit(walker)
    return walker.nodes


class _Descendants(cst.CSTVisitor):
    SKIPS_WHITESPACE = True  # callers look for calls and names (speedups/walk.py)

    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True
