"""What the other modules of the run say about Path-typed names (issue 14, item 1).

The receiver typer (analysis/receivers.py) sees one module. Real code types its receivers
in another module of the package: `from .paths import DATA_DIR`, `def target(name) ->
Path` in `util.py`, `self._path: Path` in a base class of `builder.py`, a parameter
annotated with a dataclass of `config.py`, `FS.open(...)` on a class of `utils.py`. The
runner runs this pre-pass over every file of the run (and the package folders of the files
given, see runner.py) before any is transformed, and hands each file a `View` of the table
through its `FilePolicy.package`.

Every file's import statements (`import_targets`, a byte regex, any depth) tell which
files of the run some import names; only those can answer a question, so only they get
`extract`ed (the runner marks the others `lazy`). Per file, `extract(source)` gives its raw
facts (plain JSON data, kept in the cache so a warm run reads no source), from one `ast`
parse, and only for files whose bytes name
`Path`, `PosixPath` or `WindowsPath` as a word (a file that does not cannot define a Path
fact; a value made from an imported Path without naming the class is then not seen); the others are skimmed with byte
regexes for what they can still hold: their top-level classes (headers only: bases,
keywords, decorators) and imports (re-exports such as `from .lark import Lark`).

- module-level names: imports; values (`DATA = ROOT / "x"`), functions (their return
  annotation, when their decorators keep it, and the class each position of a returned
  tuple of fixed length names, `returned_parts`), classes; a name bound twice in different
  ways, in a `for`/`with`/`except`/tuple target, by `global` in a function, or deleted is
  unknown;
- classes: bases (dotted names), own attributes (class-level annotations and values,
  dataclass/attrs/NamedTuple fields, `attr.ib(type=...)` without `converter=`, `self.x =
  v` in its methods, `@property` returns), own methods' return annotations (whether
  they say Path, and the class they name: `-> Fragment`, `-> list[Fragment]`, see
  `returned_class`);
- every store to an attribute name anywhere in the module (`x.attr = v`): an attribute is
  a Path only if every store in its class's module is one, as the typer requires of the
  module it analyses.

A value is kept as the references it depends on (`ROOT / "x"` is "a Path if `ROOT` is"),
resolved by the `Table` across modules: an imported name resolves by module path (relative
to the importing file, or an absolute name to the one file of the run whose path ends with
its parts; two such files: unknown), through re-exports; anything outside the run is only
known when it is `pathlib`'s Path classes or `typing`'s wrappers. A name a module binds
only by its star imports (`from .api import *` in a package's `__init__.py`, then `from
pkg import CorpusReader` elsewhere) is what the last star import that may bind it binds,
by the pre-pass's answers (star_binds.py), when the module's star imports are plain
module-level statements and nothing binds names unseen. Resolution is memoised and
cycles are unknown. A class's own definitions win over its bases'; an attribute a class does
not define is taken from its bases only when every base resolves (an unresolvable base may
define it) and no base says anything but Path. `self.y` in a method refers to the class
that defines the method (a subclass overriding `y` is not seen: a count, never behaviour,
since the runtime's helpers call the receiver's own method).

A `View` (one module's side) answers only about modules that an import statement of that
module names (then through their re-exports): `import pkg` then `pkg.paths.X` is unknown.

Digest (`Table.digest(path)`): what a file's cached result depends on: its own facts and,
transitively, those of every module its import statements resolve to (strongly connected
components hashed together), so an edit elsewhere that cannot reach it keeps its cache
entry.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from migrate_storage.codemods.analysis import path_api
from migrate_storage.codemods.pipeline import star_binds, star_imports

# -- the raw facts of one file (JSON data) ---------------------------------------------
# A ref is [kind, dotted, (extra)]: "t" the type `dotted` is pathlib's Path; "v" the value
# of `dotted` is a Path; "c" calling `dotted` gives a Path; "q" `dotted` resolves into the
# set named by extra (typing wrappers, property, keeping decorators, attrs field makers);
# "a" attribute extra of the class `dotted` (of this module) is a Path.
# Refs: a list of refs (a Path when every one holds) or None (not a Path).
Refs = list | None
Facts = dict[str, Any]

_PATH_TYPES = path_api.PATH_TYPES
_PATH_CALLS = path_api.PATH_CONSTRUCTORS
_PATH_TO_PATH_METHODS = path_api.PATH_TO_PATH_METHODS
_PATH_TO_PATH_ATTRIBUTES = path_api.PATH_TO_PATH_ATTRIBUTES
_TYPING = ("typing", "typing_extensions")
_SETS: dict[str, frozenset[str]] = {
    "keep": frozenset(
        {
            "builtins.staticmethod",
            "builtins.classmethod",
            "functools.cache",
            "functools.lru_cache",
        }
    ),
    "prop": frozenset({"builtins.property", "functools.cached_property"}),
    "attrs": frozenset({"attr.ib", "attr.attrib", "attr.field", "attrs.field"}),
    **{
        w: frozenset(f"{m}.{w}" for m in _TYPING)
        for w in (
            "Optional",
            "Union",
            "Final",
            "ClassVar",
            "Annotated",
            "Required",
            "NotRequired",
        )
    },
}
_WRAPPERS = ("Final", "ClassVar", "Annotated", "Required", "NotRequired")
#: Annotated collections whose one type argument is the type of every element (shared
#: with analysis/receivers.py, which asks the same of this module's annotations).
COLLECTIONS = frozenset(
    {
        "set",
        "frozenset",
        "list",
        "tuple",
        "Set",
        "FrozenSet",
        "List",
        "Tuple",
        "AbstractSet",
        "MutableSet",
        "Sequence",
        "MutableSequence",
        "Collection",
        "Iterable",
        "Iterator",
    }
)
# Decorators a method or function keeps its annotated return through.
_RETURN_KEEPING = frozenset(
    {"staticmethod", "classmethod", "cache", "lru_cache", "cached_property"}
)
# Bases outside the run known to hold no Path attribute and not to be a Path.
_NEUTRAL_BASES = frozenset(
    {
        "builtins.object",
        "builtins.Exception",
        "builtins.ValueError",
        "builtins.RuntimeError",
        "abc.ABC",
        "typing.Generic",
        "typing.Protocol",
        "typing.NamedTuple",
        "typing_extensions.Protocol",
        "enum.Enum",
    }
)
#: Bases a Path may match without subclassing them (structural types): a method declared
#: there is not the receiver's own.
PROTOCOL_BASES = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
#: The neutral bases (`_NEUTRAL_BASES`) as analysis/receivers.py reads them.
NEUTRAL_BASES = _NEUTRAL_BASES
_BUILTINS = frozenset(dir(builtins))
_STDLIB = frozenset(sys.stdlib_module_names)
_SPECIAL = ("__new__", "__enter__", "__aenter__")


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner is not None else None
    return None


def _union(*parts: Refs) -> Refs:
    out: list = []
    for part in parts:
        if part is None:
            return None
        out.extend(part)
    return out


class _Extractor:
    """One module's facts from its `ast` (see the module docstring)."""

    def __init__(self, tree: ast.Module, walrus: bool = True) -> None:
        self.tree = tree
        self.walrus = walrus  # the source spells `:=`
        self.names: dict[str, list] = {}  # name -> candidate syms
        self.unknown: set[str] = set()
        self.stores: dict[str, list[Refs]] = {}
        self._body: dict[int, tuple] = {}  # `_binders`, by function (asked twice)
        self._scopes: dict[tuple[int, str | None], tuple] = {}  # `_scope_of`, idem
        self.owned: dict[
            tuple[str, str], list[Refs]
        ] = {}  # (class, attr) -> self stores

    # -- expressions ----------------------------------------------------------------------
    def refs(
        self,
        node: ast.AST | None,
        local: frozenset[str],
        params: Mapping[str, Refs],
        cls: str | None,
        me: str | None,
    ) -> Refs | str:
        """The refs of a value; "none" for the literal None (neutral beside a Path)."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and node.value is None:
            return "none"
        if isinstance(node, ast.NamedExpr):
            return self.refs(node.value, local, params, cls, me)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _PATH_TO_PATH_METHODS:
                inner = self.refs(func.value, local, params, cls, me)
                return inner if isinstance(inner, list) else None
            name = dotted(func)
            if name is None or name.split(".")[0] in local or name.split(".")[0] == me:
                return None
            return [["c", name]]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            side = (
                node.right
                if isinstance(node.left, (ast.Constant, ast.JoinedStr))
                and isinstance(getattr(node.left, "value", ""), str)
                else node.left
            )
            inner = self.refs(side, local, params, cls, me)
            return inner if isinstance(inner, list) else None
        if isinstance(node, ast.Attribute):
            if node.attr in _PATH_TO_PATH_ATTRIBUTES:
                inner = self.refs(node.value, local, params, cls, me)
                return inner if isinstance(inner, list) else None
            if (
                me is not None
                and cls is not None
                and isinstance(node.value, ast.Name)
                and node.value.id == me
            ):
                return [["a", cls, node.attr]]
            name = dotted(node)
            if name is None or name.split(".")[0] in local or name.split(".")[0] == me:
                return None
            return [["v", name]]
        if isinstance(node, ast.Name):
            if node.id in params:
                return params[node.id]
            if node.id in local:
                return None
            return [["v", node.id]]
        if isinstance(node, (ast.IfExp, ast.BoolOp)):
            sides = (
                [node.body, node.orelse] if isinstance(node, ast.IfExp) else node.values
            )
            found = [self.refs(s, local, params, cls, me) for s in sides]
            if not all(isinstance(f, list) for f in found):
                return None
            return _union(*found)
        return None

    def type_refs(self, node: ast.AST | None, depth: int = 0) -> Refs:
        """`Path`, `Optional[Path]`, `Path | None`, `"Path"`...: refs, else None."""
        parts = self._type_parts(node, depth)
        if parts is None or not any(p != "none" for p in parts):
            return None
        return [p for p in parts if p != "none"]

    def _type_parts(self, node: ast.AST | None, depth: int) -> list | None:
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Constant):
            if node.value is None:
                return ["none"]
            if isinstance(node.value, str):
                try:
                    inner = ast.parse(node.value, mode="eval").body
                except SyntaxError:
                    return None
                return self._type_parts(inner, depth + 1)
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left, right = (
                self._type_parts(node.left, depth + 1),
                self._type_parts(node.right, depth + 1),
            )
            return None if left is None or right is None else left + right
        if isinstance(node, ast.Subscript):
            outer = dotted(node.value)
            if outer is None:
                return None
            last = outer.rsplit(".", 1)[-1]
            values = (
                list(node.slice.elts)
                if isinstance(node.slice, ast.Tuple)
                else [node.slice]
            )
            check = ["q", outer, last]
            if last == "Optional" and len(values) == 1:
                inner = self._type_parts(values[0], depth + 1)
                return None if inner is None else [*inner, "none", check]
            if last == "Union":
                out: list = [check]
                for value in values:
                    inner = self._type_parts(value, depth + 1)
                    if inner is None:
                        return None
                    out += inner
                return out
            if last in _WRAPPERS and values:
                inner = self._type_parts(values[0], depth + 1)
                return None if inner is None else [*inner, check]
            return None
        name = dotted(node)
        if name is None:
            return None
        if name == "None":
            return ["none"]
        return [["t", name]]

    def _function_returns(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None = None
    ) -> Refs:
        """What a call of `function` gives, as refs: its return annotation, else (none)
        what every `return` of its body gives (`unannotated_returns`); `cls` names the
        class of a method."""
        if isinstance(function, ast.AsyncFunctionDef):
            return None
        if function.returns is None:
            refs = self.unannotated_returns(function, cls)
        else:
            refs = self.type_refs(function.returns)
        if refs is None:
            return None
        for decorator in function.decorator_list:
            name = dotted(
                decorator.func if isinstance(decorator, ast.Call) else decorator
            )
            if name is None:
                return None
            refs = [*refs, ["q", name, "keep"]]
        return refs

    def unannotated_returns(
        self, function: ast.FunctionDef, cls: str | None = None
    ) -> Refs:
        """The refs of what an unannotated `function` returns, by the rule "Unannotated
        returns" of analysis/receivers.py (the one statement of it), on the `ast` side:
        every `return` of its own body has a value whose refs are known there (a
        parameter's annotation; a local name through `_Locals`), and it is no generator.
        None otherwise (also when it has no `return` at all)."""
        binders, returns, shared = self.body(function)
        if shared:  # a call may rebind them anywhere: never typed by a binding
            binders = {n: b for n, b in binders.items() if n not in shared}
        if not returns:
            return None
        scope = (*self._scope_of(function, frozenset(), cls), cls)
        out: list = []
        for index, value in returns:
            if value is None or (
                isinstance(value, ast.Constant) and value.value is None
            ):
                return None
            refs = self._refs_at(value, index, function, binders, scope, 0)
            if not isinstance(refs, list):
                return None
            out.extend(refs)
        return None if _generator(function) else out

    def _refs_at(
        self,
        value: ast.AST,
        index: int,
        function: ast.FunctionDef,
        binders: Mapping[str, list[int]],
        scope: tuple[frozenset[str], dict[str, Refs], str | None, str | None],
        depth: int,
    ) -> Refs | str:
        """The refs of `value`, read in the statement `index` of `function`'s body, its
        local names typed by the binding that holds there (`_local_refs`)."""
        local, params, me, cls = scope

        def typed(name: str) -> Refs | str:
            return self._local_refs(name, index, function, binders, scope, depth)

        return self.refs(value, local, _Typed(params, local, typed), cls, me)

    def _local_refs(
        self,
        name: str,
        index: int,
        function: ast.FunctionDef,
        binders: Mapping[str, list[int]],
        scope: tuple[frozenset[str], dict[str, Refs], str | None, str | None],
        depth: int,
    ) -> Refs | str:
        """A local name read in the statement `index` of `function`'s body: the refs of
        the binding that holds there, when a statement of the body itself (not nested in
        a branch or a loop) before `index` makes it and no statement after that one, up to
        `index` included, binds the name again (analysis/dominance.py's `dominating`, at
        the top level only): `name = value`, or, for a parameter bound nowhere else,
        `if not isinstance(name, C): name = value` (`narrowing`): a C or the value."""
        found = binders.get(name, [])
        before = [i for i in found if i <= index]
        if depth > 4 or not before or before[-1] == index:
            return None
        i = before[-1]
        statement = function.body[i]
        if isinstance(statement, ast.Assign) or (
            isinstance(statement, ast.AnnAssign) and statement.value is not None
        ):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
            )
            if len(targets) != 1 or not (
                isinstance(targets[0], ast.Name) and targets[0].id == name
            ):
                return None
            assert statement.value is not None
            return self._refs_at(
                statement.value, i, function, binders, scope, depth + 1
            )
        args = function.args
        parameters = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        if (
            not isinstance(statement, ast.If)
            or found != [i]
            or name not in parameters
            or statement.orelse
            or len(statement.body) != 1
        ):
            return None
        test, body = statement.test, statement.body[0]
        if not (
            isinstance(test, ast.UnaryOp)
            and isinstance(test.op, ast.Not)
            and isinstance(test.operand, ast.Call)
            and dotted(test.operand.func) == "isinstance"
            and "isinstance" not in scope[0]
            and len(test.operand.args) == 2
            and not test.operand.keywords
            and isinstance(test.operand.args[0], ast.Name)
            and test.operand.args[0].id == name
            and isinstance(body, ast.Assign)
            and len(body.targets) == 1
            and isinstance(body.targets[0], ast.Name)
            and body.targets[0].id == name
        ):
            return None
        tested = dotted(test.operand.args[1])
        made = self._refs_at(body.value, i, function, binders, scope, depth + 1)
        if tested is None or not isinstance(made, list):
            return None
        return [["t", tested], *made]

    def body(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> tuple[dict[str, list[int]], list[tuple[int, ast.expr | None]], set[str]]:
        """`_binders` of `function`, computed once (asked by `_scope_of`, whose bound
        names are its keys, and by `unannotated_returns`)."""
        found = self._body.get(id(function))
        if found is None:
            found = self._body[id(function)] = _binders(function, self.walrus)
        return found

    def _scope_of(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        outer: frozenset[str],
        cls: str | None,
    ) -> tuple[frozenset[str], dict[str, Refs], str | None]:
        """(the names local to `function` beside its typed parameters, the parameters
        not bound in the body with their annotation's refs, the name of `self`)."""
        key = (id(function), cls)
        if not outer and key in self._scopes:
            return self._scopes[key]
        found = self._compute_scope(function, outer, cls)
        if not outer:
            self._scopes[key] = found
        return found

    def _compute_scope(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        outer: frozenset[str],
        cls: str | None,
    ) -> tuple[frozenset[str], dict[str, Refs], str | None]:
        args = function.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if args.vararg:
            every.append(args.vararg)
        if args.kwarg:
            every.append(args.kwarg)
        bound = self.body(function)[0].keys()
        names = {a.arg for a in every}
        static = any(dotted(d) == "staticmethod" for d in function.decorator_list)
        first = [*args.posonlyargs, *args.args][:1]
        me = first[0].arg if cls is not None and first and not static else None
        params: dict[str, Refs] = {}
        for a in every:
            if a.arg in bound or a.arg == me:
                continue
            refs = self.type_refs(a.annotation) if a.annotation is not None else None
            if refs is not None and a in (args.vararg, args.kwarg):
                refs = None
            params[a.arg] = refs
        local = outer | bound | (names - params.keys() - ({me} if me else set()))
        return frozenset(local - params.keys()), params, me

    # -- the module -----------------------------------------------------------------------
    def run(self, has_global: bool = True) -> Facts:
        if has_global:
            stack = list(self.tree.body)
            while stack:
                statement = stack.pop()
                if isinstance(statement, ast.Global):
                    self.unknown.update(statement.names)
                stack.extend(_bodies(statement))
        self._statements(self.tree.body)
        self._walk_stores(self.tree, frozenset(), {}, None, None)
        names: dict[str, list] = {}
        for name, candidates in self.names.items():
            names[name] = ["?"] if name in self.unknown else self._merge(candidates)
        for name in self.unknown - names.keys():
            names[name] = ["?"]
        stores = {attr: _merged_refs(found) for attr, found in self.stores.items()}
        return {"n": names, "s": stores}

    def _merge(self, candidates: list) -> list:
        if len(candidates) == 1 and candidates[0][0] != "v":
            return candidates[0]
        if all(c[0] == "v" for c in candidates):
            return ["v", _merged_refs([c[1] for c in candidates])]
        return ["?"]

    def _bind(self, name: str, sym: list) -> None:
        self.names.setdefault(name, []).append(sym)

    def _statements(self, body: Iterable[ast.stmt]) -> None:
        for statement in body:
            self._statement(statement)

    def _statement(self, statement: ast.stmt) -> None:
        params: dict[str, Refs] = {}
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    self._bind(alias.asname, ["i", 0, alias.name, None])
                else:
                    first = alias.name.split(".")[0]
                    self._bind(first, ["i", 0, first, None])
        elif isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                if alias.name == "*":
                    continue  # names not bound here are unknown anyway
                self._bind(
                    alias.asname or alias.name,
                    ["i", statement.level, statement.module or "", alias.name],
                )
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._bind(
                statement.name,
                [
                    "f",
                    self._function_returns(statement),
                    returned_class(statement),
                    returned_parts(statement),
                ],
            )
        elif isinstance(statement, ast.ClassDef):
            self._bind(statement.name, ["k", self._class(statement)])
        elif isinstance(statement, ast.Assign):
            value = self.refs(statement.value, frozenset(), params, None, None)
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    self._bind(target.id, ["v", value if value != "none" else "none"])
                else:
                    self._unknown_targets(target)
        elif isinstance(statement, ast.AnnAssign):
            if isinstance(statement.target, ast.Name) and statement.value is not None:
                typed = self.type_refs(statement.annotation)
                if typed is None:
                    value = self.refs(statement.value, frozenset(), params, None, None)
                    typed = value if value != "none" else "none"
                self._bind(statement.target.id, ["v", typed])
        elif isinstance(statement, ast.AugAssign):
            if isinstance(statement.target, ast.Name):
                if isinstance(statement.op, ast.Div):
                    self._bind(
                        statement.target.id, ["v", "none"]
                    )  # `p /= x` keeps a Path
                else:
                    self.unknown.add(statement.target.id)
        elif isinstance(statement, ast.If):
            self._statements(statement.body)
            self._statements(statement.orelse)
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            self._statements(statement.body)  # type: ignore[attr-defined]
            for handler in statement.handlers:  # type: ignore[attr-defined]
                if handler.name:
                    self.unknown.add(handler.name)
                self._statements(handler.body)
            self._statements(statement.orelse)  # type: ignore[attr-defined]
            self._statements(statement.finalbody)  # type: ignore[attr-defined]
        else:
            # for / while / with / match / del / expressions: whatever they bind is unknown
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(
                    node.ctx, (ast.Store, ast.Del)
                ):
                    self.unknown.add(node.id)
                elif isinstance(
                    node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                ):
                    self.unknown.add(node.name)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    for alias in node.names:
                        self.unknown.add((alias.asname or alias.name).split(".")[0])
        # a walrus anywhere at module level binds a module name
        if self.walrus and not isinstance(
            statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            for node in ast.walk(statement):
                if isinstance(node, ast.NamedExpr):
                    self.unknown.add(node.target.id)

    def _unknown_targets(self, target: ast.AST) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self.unknown.add(node.id)

    def _class(self, node: ast.ClassDef) -> dict:
        bases = []
        for base in node.bases:
            value = base.value if isinstance(base, ast.Subscript) else base
            bases.append(dotted(value))
        attrs: dict[str, list[Refs]] = {}
        methods: dict[str, Refs] = {}
        made: dict[str, list] = {}  # method -> its returned class (`returned_class`)
        abstract: list[str] = []  # a subclass runs its own of these
        special = False
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                special = special or statement.name in _SPECIAL
                decorators = [
                    dotted(d.func if isinstance(d, ast.Call) else d)
                    for d in statement.decorator_list
                ]
                if (
                    len(decorators) == 1
                    and decorators[0] is not None
                    and decorators[0].rsplit(".", 1)[-1]
                    in ("property", "cached_property")
                ):
                    refs = self.type_refs(statement.returns)
                    attrs.setdefault(statement.name, []).append(
                        None
                        if refs is None or isinstance(statement, ast.AsyncFunctionDef)
                        else [*refs, ["q", decorators[0], "prop"]]
                    )
                else:
                    methods[statement.name] = self._function_returns(
                        statement, node.name
                    )
                    if any(d is not None and d.rsplit(".", 1)[-1] == "abstractmethod"
                           for d in decorators):
                        abstract.append(statement.name)
                    returned = returned_class(statement)
                    if returned is not None:
                        made[statement.name] = returned
                    attrs.setdefault(statement.name, []).append(None)
            elif isinstance(statement, ast.AnnAssign) and isinstance(
                statement.target, ast.Name
            ):
                attrs.setdefault(statement.target.id, []).append(
                    self._field(statement.annotation, statement.value)
                )
            elif isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        attrs.setdefault(target.id, []).append(
                            self._field(None, statement.value)
                        )
                    else:
                        for inner in ast.walk(target):
                            if isinstance(inner, ast.Name):
                                attrs.setdefault(inner.id, []).append(None)
            elif isinstance(statement, ast.AugAssign) and isinstance(
                statement.target, ast.Name
            ):
                attrs.setdefault(statement.target.id, []).append(None)
            elif isinstance(statement, ast.ClassDef):
                attrs.setdefault(statement.name, []).append(None)
            elif not isinstance(statement, (ast.Expr, ast.Pass)):
                for inner in ast.walk(statement):  # if / for / with at class level
                    if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                        attrs.setdefault(inner.id, []).append(None)
        return {
            "b": bases,
            "kw": bool(node.keywords) or bool(node.decorator_list),
            "plain": not node.decorator_list and not special,
            "a": attrs,  # merged with the self stores in run()
            "m": methods,
            "r": made,
            "name": node.name,
            **({"abs": abstract} if abstract else {}),
        }

    def _field(self, annotation: ast.AST | None, value: ast.AST | None) -> Refs | str:
        if isinstance(value, ast.Call) and any(
            k.arg == "converter" for k in value.keywords
        ):
            return None  # attrs: the converter decides what is stored
        if annotation is not None:
            return self.type_refs(annotation)
        if isinstance(value, ast.Call):
            declared = next((k.value for k in value.keywords if k.arg == "type"), None)
            maker = dotted(value.func)
            if declared is not None and maker is not None:
                refs = self.type_refs(declared)
                return None if refs is None else [*refs, ["q", maker, "attrs"]]
        return self.refs(value, frozenset(), {}, None, None)

    # -- attribute stores -----------------------------------------------------------------
    def _walk_stores(
        self,
        node: ast.AST,
        local: frozenset[str],
        params: Mapping[str, Refs],
        cls: str | None,
        me: str | None,
    ) -> None:
        """Every attribute store of the module, with its value's refs in its scope. Only
        statements are visited (an attribute is stored by a statement; a comprehension
        target `for self.x in ...` is not seen), which keeps the pass cheap."""
        in_class = isinstance(node, ast.ClassDef)
        for statement in _bodies(node):
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function_stores(statement, local, cls if in_class else None)
            elif isinstance(statement, ast.ClassDef):
                self._walk_stores(statement, local, params, statement.name, None)
            else:
                self._store(statement, local, params, cls, me)
                self._walk_stores(statement, local, params, cls, me)

    def _function_stores(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        outer: frozenset[str],
        cls: str | None,
    ) -> None:
        local, params, me = self._scope_of(function, outer, cls)
        self._walk_stores(function, local, params, cls, me)

    def _store(
        self,
        node: ast.AST,
        local: frozenset[str],
        params: Mapping[str, Refs],
        cls: str | None,
        me: str | None,
    ) -> None:
        if isinstance(node, ast.Assign):
            targets, value, annotation = node.targets, node.value, None
        elif isinstance(node, ast.AnnAssign):
            targets, value, annotation = [node.target], node.value, node.annotation
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Attribute):
                kept = isinstance(node.op, ast.Div)
                self.stores.setdefault(node.target.attr, []).append(
                    "none" if kept else None
                )
            return
        else:
            if isinstance(node, ast.Delete):
                for target in node.targets:
                    for inner in ast.walk(target):
                        if isinstance(inner, ast.Attribute):
                            self.stores.setdefault(inner.attr, []).append(None)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                pieces = (
                    [node.target]
                    if not isinstance(node, (ast.With, ast.AsyncWith))
                    else [
                        i.optional_vars
                        for i in node.items
                        if i.optional_vars is not None
                    ]
                )
                for piece in pieces:
                    for inner in ast.walk(piece):
                        if isinstance(inner, ast.Attribute) and isinstance(
                            inner.ctx, ast.Store
                        ):
                            self.stores.setdefault(inner.attr, []).append(None)
            return
        for target in targets:
            if isinstance(target, ast.Attribute):
                if annotation is not None:
                    refs: Refs | str = self.type_refs(annotation)
                    if refs is None and value is not None:
                        refs = self.refs(value, local, params, cls, me)
                elif value is None:
                    continue
                else:
                    refs = self.refs(value, local, params, cls, me)
                self.stores.setdefault(target.attr, []).append(refs)
                if (
                    me is not None
                    and cls is not None
                    and isinstance(target.value, ast.Name)
                    and target.value.id == me
                ):
                    self.owned.setdefault((cls, target.attr), []).append(refs)
            else:
                for inner in ast.walk(target):
                    if isinstance(inner, ast.Attribute) and isinstance(
                        inner.ctx, ast.Store
                    ):
                        self.stores.setdefault(inner.attr, []).append(None)


def returned_class(function: ast.stmt) -> list | None:
    """[dotted, how] for a function whose return annotation names one class: how is
    CALLED when a call gives an instance (`-> Fragment`, `-> "Fragment"`, `-> Fragment |
    None`), EACH when it gives a collection of them (`-> list[Fragment]`,
    `-> Iterator[Fragment]`), ENTERED when the function is a `@contextmanager` whose
    `with f() as x` binds one (`-> Iterator[Fragment]`, `-> Iterator[Path]`); else None
    (async, or a decorator that may change what a call returns). Only counts rest on
    it: the runtime's helpers call the receiver's own method whatever the receiver is."""
    if not isinstance(function, ast.FunctionDef) or function.returns is None:
        return None
    names = []
    for decorator in function.decorator_list:
        name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if name is None:
            return None
        names.append(name.rsplit(".", 1)[-1])
    if "contextmanager" in names:
        if any(n not in _RETURN_KEEPING for n in names if n != "contextmanager"):
            return None
        found = _annotated_class(function.returns, 0)
        return [found[0], ENTERED] if found is not None and found[1] == EACH else None
    if any(n not in _RETURN_KEEPING for n in names):
        return None
    return _annotated_class(function.returns, 0)


def returned_parts(function: ast.stmt) -> list | None:
    """The dotted name (or None) of each position of a function annotated to return a
    tuple of fixed length (`-> tuple[Path, str]`, `-> Tuple["Path", Path]`): receivers.py
    types the names unpacked from a call by position (`lock, tmp = sidecars(p)`). None for
    `tuple[X, ...]`, `Optional[tuple[...]]`, async functions and decorators that may
    change what a call returns (a @contextmanager's call gives no tuple)."""
    if not isinstance(function, ast.FunctionDef) or function.returns is None:
        return None
    for decorator in function.decorator_list:
        name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if name is None or name.rsplit(".", 1)[-1] not in _RETURN_KEEPING:
            return None
    node = _parsed(function.returns)
    if not isinstance(node, ast.Subscript):
        return None
    outer = dotted(node.value)
    if outer is None or outer.rsplit(".", 1)[-1] not in ("tuple", "Tuple"):
        return None
    values = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if any(isinstance(v, ast.Constant) and v.value is Ellipsis for v in values):
        return None
    return [dotted(_parsed(v)) for v in values]


def _parsed(node: ast.AST) -> ast.AST:
    """A string annotation's expression, anything else as it is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return node
    return node


# How a class named by a return annotation is reached (`returned_class`), and the
# answer for pathlib's classes.
CALLED, EACH, ENTERED = 0, 1, 2
PATH = "path"


def _annotated_class(node: ast.AST, depth: int) -> list | None:
    if depth > 8:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _annotated_class(ast.parse(node.value, mode="eval").body, depth + 1)
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [
            p
            for p in (node.left, node.right)
            if not (isinstance(p, ast.Constant) and p.value is None)
        ]
        return _annotated_class(parts[0], depth + 1) if len(parts) == 1 else None
    if isinstance(node, ast.Subscript):
        outer = dotted(node.value)
        if outer is None:
            return None
        last = outer.rsplit(".", 1)[-1]
        values = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if last in ("Optional", "Union"):
            values = [
                v for v in values if not (isinstance(v, ast.Constant) and v.value is None)
            ]
            return _annotated_class(values[0], depth + 1) if len(values) == 1 else None
        if last in COLLECTIONS or last == "Generator":
            if last == "Generator":
                values = values[:1]  # Generator[Yield, Send, Return]
            if len(values) == 2 and isinstance(values[1], ast.Constant) and values[1].value is Ellipsis:
                values = values[:1]
            inner = _annotated_class(values[0], depth + 1) if len(values) == 1 else None
            return [inner[0], EACH] if inner is not None and inner[1] == CALLED else None
        return None
    name = dotted(node)
    return None if name is None or name == "None" else [name, CALLED]


def _bodies(node: ast.AST) -> Iterator[ast.stmt]:
    """The statements directly inside `node` (its blocks, handlers and cases)."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if isinstance(block, list):
            yield from block
    for handler in getattr(node, "handlers", ()):
        yield from handler.body
    for case in getattr(node, "cases", ()):
        yield from case.body


_TARGETS = (
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.For,
    ast.AsyncFor,
    ast.With,
    ast.AsyncWith,
    ast.Delete,
)


def _bound_names(function: ast.AST) -> set[str]:
    """Names a function binds (statements only, nested blocks and functions included: an
    over-approximation of its locals; a walrus is not seen)."""
    bound: set[str] = set()
    stack = list(_bodies(function))
    while stack:
        statement = stack.pop()
        _statement_names(statement, bound)
        stack.extend(_bodies(statement))
    return bound


def _statement_names(statement: ast.stmt, bound: set[str]) -> None:
    """Add the names `statement` itself binds (not its blocks') to `bound`."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        bound.add(statement.name)
    elif isinstance(statement, (ast.Import, ast.ImportFrom)):
        bound.update((a.asname or a.name).split(".")[0] for a in statement.names)
    elif isinstance(statement, (ast.Global, ast.Nonlocal)):
        bound.update(statement.names)
    if isinstance(statement, _TARGETS):
        if isinstance(statement, ast.Assign):
            targets: list[ast.AST] = list(statement.targets)
        elif isinstance(statement, ast.Delete):
            targets = list(statement.targets)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            targets = [
                i.optional_vars for i in statement.items if i.optional_vars is not None
            ]
        else:
            targets = [statement.target]
        for target in targets:
            if isinstance(target, ast.Name):
                bound.add(target.id)
            elif not isinstance(target, (ast.Attribute, ast.Subscript)):
                bound.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    for handler in getattr(statement, "handlers", ()):
        if handler.name:
            bound.add(handler.name)


def may_return_path(
    tree: ast.Module, function: ast.stmt, cls: str | None, walrus: bool = True
) -> bool:
    """`function` (of `tree`; `cls` names its class for a method) is unannotated and
    may, by `unannotated_returns`, return a Path (its refs are not yet resolved).
    `walrus`: whether the module's source spells `:=` (as `extract` is told)."""
    return (
        isinstance(function, ast.FunctionDef)
        and function.returns is None
        and _Extractor(tree, walrus).unannotated_returns(function, cls) is not None
    )


def _generator(function: ast.FunctionDef) -> bool:
    """A `yield` in `function`'s own body (a generator: a call returns no return value)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            stack.extend(ast.iter_child_nodes(node))
    return False


class _Typed(Mapping[str, Refs]):
    """The parameters' refs, and the local names `refs` meets typed on demand (`typed`,
    memoised): `refs` asks `name in params` before `name in local`, so a local name
    whose binding is known reads as a typed parameter would."""

    def __init__(self, params: Mapping[str, Refs], local: frozenset[str], typed) -> None:  # type: ignore[no-untyped-def]
        self._params = params
        self._local = local
        self._typed = typed
        self._found: dict[str, Refs] = {}

    def __contains__(self, name: object) -> bool:
        if name in self._params:
            return True
        if name not in self._local or not isinstance(name, str):
            return False
        if name not in self._found:
            refs = self._typed(name)
            self._found[name] = refs if isinstance(refs, list) else None
        return self._found[name] is not None

    def __getitem__(self, name: str) -> Refs:
        if name in self._params:
            return self._params[name]
        if name in self:
            return self._found[name]
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)


def _binders(
    function: ast.FunctionDef | ast.AsyncFunctionDef, walrus: bool
) -> tuple[dict[str, list[int]], list[tuple[int, ast.expr | None]], set[str]]:
    """(name -> the indexes of the statements of `function`'s body that may bind it,
    every `return` of its own body as (index of the statement holding it, its value),
    the names a `global` or `nonlocal` statement in it names, its nested functions'
    included), from one walk of its statements. Bindings inside a statement, nested
    functions' included, count (an over-approximation): what `_bound_names` sees, plus `match`
    captures and, when the source spells `:=` (`walrus`), assignment expressions
    (comprehension targets are their own scope's). A nested function's or class's
    `return` is its own."""
    out: dict[str, list[int]] = {}
    returns: list[tuple[int, ast.expr | None]] = []
    shared: set[str] = set()
    for index, top in enumerate(function.body):
        names: set[str] = set()
        stack: list[tuple[ast.stmt, bool]] = [(top, True)]
        while stack:  # statements only, as `_bound_names`
            statement, own = stack.pop()
            _statement_names(statement, names)
            if isinstance(statement, (ast.Global, ast.Nonlocal)):
                shared.update(statement.names)
            if own and isinstance(statement, ast.Return):
                returns.append((index, statement.value))
            for case in getattr(statement, "cases", ()):  # `match` captures
                for node in ast.walk(case.pattern):
                    name = getattr(node, "name", None) or getattr(node, "rest", None)
                    if isinstance(name, str):
                        names.add(name)
            inner = own and not isinstance(
                statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            )
            stack.extend((child, inner) for child in _bodies(statement))
        if walrus:
            names.update(
                n.target.id for n in ast.walk(top) if isinstance(n, ast.NamedExpr)
            )
        for name in names:
            out.setdefault(name, []).append(index)
    return out, returns, shared


def _merged_refs(found: Iterable[Refs | str]) -> Refs | str:
    """All of `found` Path (None beside them allowed): their refs; only None: "none"."""
    out: list = []
    evidence = False
    for refs in found:
        if refs == "none":
            continue
        if refs is None:
            return None
        evidence = True
        out.extend(refs)  # type: ignore[arg-type]
    return out if evidence else "none"


# A file that defines a Path fact names one of these classes (`PathLike` is no Path).
_SAYS_PATH = re.compile(rb"\b(?:Posix|Windows)?Path\b")


# A file that defines a method named like a Path I/O method: its classes' methods decide
# whether `x.write_text()` on an instance is a pathlib site (`Table.owns_method`).
_DEFINES_IO_METHOD = re.compile(
    rb"\bdef[ \t]+(?:read_text|write_text|read_bytes|write_bytes|open|unlink|rename|replace)\b"
)


def needs_parse(source: bytes) -> bool:
    """`extract` parses this source (it names a Path class, or defines a method named like
    one of its I/O methods), rather than skimming it."""
    return (b"Path" in source and _SAYS_PATH.search(source) is not None) or (
        b"def" in source and _DEFINES_IO_METHOD.search(source) is not None
    )


def extract(source: bytes) -> Facts:
    """The raw facts of one module's source (see the module docstring); `{}` when it
    does not parse (the engine reports that file). A module that star-imports also
    says which star imports it runs and what it binds itself ("*", `star_binds.
    own_and_stars`), for a name another module imports from it (`Table._through_star`)."""
    if not star_imports.targets(source):
        return _extract(source, None)
    try:  # parsed once, for both
        tree: ast.Module | None = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    facts = _extract(source, tree)
    if facts:
        facts["*"] = star_binds.own_and_stars(tree)
    return facts


def _extract(source: bytes, tree: ast.Module | None) -> Facts:
    """`extract` without the star facts; `tree`: the source already parsed, if it was."""
    if not needs_parse(source):
        return _skim(source)
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
    extractor = _Extractor(tree, walrus=b":=" in source)
    facts = extractor.run(has_global=b"global" in source)
    facts["d"] = import_targets(source)
    owned: dict[str, list[tuple[str, list]]] = {}
    for (owner, attr), found in extractor.owned.items():
        owned.setdefault(owner, []).append((attr, found))
    for sym in facts["n"].values():
        if sym[0] == "k":
            cls = sym[1]
            attrs = cls["a"]
            for attr, found in owned.get(cls.pop("name"), ()):
                attrs.setdefault(attr, []).extend(found)
            cls["a"] = {attr: _merged_refs(found) for attr, found in attrs.items()}
    return facts


# Every import statement, at any indentation (a dependency only: an over-approximation
# costs a cache entry, never a result).
_IMPORT_LINES = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n;#]*)"
    rb"|import[ \t]+([^\n;#]*))",
    re.MULTILINE,
)


def import_targets(source: bytes) -> list[list]:
    """[level, module, name or None] for each name any import statement spells."""
    if b"import" not in source:
        return []
    found: dict[tuple, None] = {}
    for dots, module, names, plain in _IMPORT_LINES.findall(source):
        if plain:
            for item in plain.split(b","):
                words = item.split()
                if words:
                    module = words[0].decode("ascii", "replace")
                    found[(0, module, None)] = None
                    found[(0, module.split(".")[0], None)] = None  # the name it binds
            continue
        for item in names.strip(b"()").replace(b"\\", b" ").split(b","):
            words = item.split()
            if words and words[0] != b"*":
                name = words[0].decode("ascii", "replace")
                found[(len(dots), module.decode("ascii", "replace"), name)] = None
            elif words:
                found[(len(dots), module.decode("ascii", "replace"), None)] = None
    return [list(t) for t in found]


# A file without `Path`: its column-0 imports and class headers (decorators, bases,
# keywords), each parsed alone. A name they bind is trusted only when the whole file has no
# other binding-like spelling of it (`_binding_words`, an over-approximation: an indented
# import, an assignment, a `for`/`with`/`as`/`del`/`global` target, a `def`, a walrus).
_SKIM = re.compile(
    rb"^(?:@[^\n]*\n)*(?:from[ \t]+[.\w]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)"
    rb"|import[ \t][^\n]*|class[ \t]+\w+[ \t]*(?:\([^)]*\))?[ \t]*:)",
    re.MULTILINE,
)
_CLASS_LINE = re.compile(r"(?:^|\n)class\b")
_KEYWORD_LINE = re.compile(rb"[ \t]*(?:import|from|global|nonlocal|del)\b")
_FOR_LINE = re.compile(rb"[ \t]*(?:async[ \t]+)?for\b")


def _defines(before: bytes) -> bool:
    """`before` (a line up to a word) ends with `def ` or `class `."""
    stripped = before.rstrip(b" \t")
    if stripped == before:
        return False
    for keyword in (b"def", b"class"):
        if stripped.endswith(keyword):
            head = stripped[: -len(keyword)]
            return not head or not (head[-1:].isalnum() or head[-1:] == b"_")
    return False


_IDENT = re.compile(rb"[\w.]")
_WORD_CHAR = re.compile(rb"\w")
_BEFORE_ASSIGNMENT = re.compile(
    rb"[\w \t,*]*(?::(?!=)[^=\n]*)?(?<![=!<>])=(?!=)|[ \t]*:="
)


def _binding_words(source: bytes, words: Iterable[str]) -> dict[str, int]:
    """How often each of `words` appears in a binding-like place of `source`."""
    counts: dict[str, int] = {}
    for word in words:
        raw = word.encode()
        at = source.find(raw)
        while at != -1:
            end = at + len(raw)
            if (at == 0 or not _IDENT.match(source, at - 1)) and not _WORD_CHAR.match(
                source, end
            ):
                start = source.rfind(b"\n", 0, at) + 1
                before = source[start:at]
                if (
                    _KEYWORD_LINE.match(source, start)
                    or (_FOR_LINE.match(source, start) and b" in " not in before)
                    or _defines(before)
                    or before.endswith(b"as ")
                    or _BEFORE_ASSIGNMENT.match(source, end)
                ):
                    counts[word] = counts.get(word, 0) + 1
            at = source.find(raw, end)
    return counts


def _parse_pieces(texts: list[str]) -> list[ast.Module]:
    """The pieces as one module (one parse), or each alone when one of them does not
    parse (a docstring line: it binds nothing)."""
    try:
        return [ast.parse("\n".join(texts))]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    trees = []
    for text in texts:
        try:
            trees.append(ast.parse(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return trees


def _skim(source: bytes) -> Facts:
    pieces = [m.group(0) for m in _SKIM.finditer(source)]
    if not pieces:
        return {"d": import_targets(source)} if b"import" in source else {}
    names: dict[str, list] = {}
    unknown: set[str] = set()
    texts = []
    for piece in pieces:
        text = piece.decode("utf-8", "replace").replace("\r", "")
        texts.append(text.rstrip() + " pass" if _CLASS_LINE.search(text) else text)
    trees = _parse_pieces(texts)
    for tree in trees:
        for name, sym in _Extractor(tree).run(has_global=False)["n"].items():
            if name in names:
                unknown.add(name)
            names[name] = sym
    # Names from the standard library resolve outside the run (only `typing.Generic` &
    # co. as bases matter): trusted without the check, which is the costly part.
    checked = [
        name
        for name, sym in names.items()
        if sym[0] != "i" or sym[1] or sym[2].partition(".")[0] not in _STDLIB
    ]
    in_pieces = _binding_words(b"\n".join(pieces), checked)
    in_file = _binding_words(source, checked)
    special = any(s.encode() in source for s in _SPECIAL)
    for name, sym in list(names.items()):
        if name in unknown or in_file.get(name, 0) != in_pieces.get(name, 0):
            names[name] = ["?"]
        elif sym[0] == "k":
            cls = sym[1]
            cls.pop("name", None)
            cls["a"], cls["m"] = {}, {}
            cls["opaque"] = True  # its body was not read: every attribute is unknown
            cls["plain"] = cls["plain"] and not special
    return {"n": names, "s": {}, "d": import_targets(source)}


# -- the table ------------------------------------------------------------------------
def module_parts(path: Path) -> tuple[str, ...]:
    """`a/b/c.py` -> (..., "a", "b", "c"); `a/b/__init__.py` -> (..., "a", "b")."""
    parts = path.with_suffix("").parts
    return parts[:-1] if parts and parts[-1] == "__init__" else parts


_AMBIGUOUS = "ambiguous"


class Table:
    """The raw facts of every module of the run, resolved on demand (memoised)."""

    def __init__(
        self, facts: Mapping[Path, Facts], star_answers: Mapping[Path, tuple] | None = None
    ) -> None:
        self._paths = sorted(facts)
        self._facts = [facts[p] for p in self._paths]
        # What each star import of a module of the run may bind (the pre-pass's answers,
        # star_binds.answers), by module: a name a module binds only by a star import is
        # followed into it (`_through_star`); without them it is unknown.
        answers = star_answers or {}
        self._star_answers = [answers.get(p, ()) for p in self._paths]
        self._index = {p: i for i, p in enumerate(self._paths)}
        self._parts = [module_parts(p) for p in self._paths]
        self._by_parts: dict[tuple[str, ...], list[int]] = {}
        self._by_last: dict[str, list[int]] = {}
        for i, parts in enumerate(self._parts):
            self._by_parts.setdefault(parts, []).append(i)
            if parts:
                self._by_last.setdefault(parts[-1], []).append(i)
        self._packages = {
            self._parts[i] for i, p in enumerate(self._paths) if p.name == "__init__.py"
        }
        self._memo: dict[tuple, Any] = {}
        self._token: str | None = None
        self._direct: list[frozenset[int]] | None = None
        self._digests: list[str] | None = None

    def __getstate__(self) -> dict:
        return {
            "facts": dict(zip(self._paths, self._facts)),
            "stars": dict(zip(self._paths, self._star_answers)),
            "token": self.token,
        }

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["facts"], state["stars"])  # type: ignore[misc]
        self.token = state["token"]

    @property
    def token(self) -> str:
        """Names the table in `share`'s registry (see View.__reduce__)."""
        if self._token is None:
            self._token = f"{id(self):x}-{len(self._paths)}"
        return self._token

    @token.setter
    def token(self, value: str) -> None:
        self._token = value

    def view(self, path: Path) -> View | None:
        i = self._index.get(path)
        return View(self, i) if i is not None else None

    # -- modules ----------------------------------------------------------------------
    def _module(
        self, importer: int, level: int, parts: tuple[str, ...]
    ) -> int | str | None:
        """The module of the run `parts` names from `importer` (None: none; ambiguous)."""
        if level:
            base = (
                self._parts[importer][:-1]
                if not self._is_package(importer)
                else self._parts[importer]
            )
            if level > 1:
                base = base[: len(base) - (level - 1)]
            found = self._by_parts.get(base + parts, [])
        elif parts:
            # `import lark` is not `lark/lark.py`: a sys.path root is no package folder
            found = [
                i
                for i in self._by_last.get(parts[-1], ())
                if self._parts[i][-len(parts) :] == parts
                and self._parts[i][: -len(parts)] not in self._packages
            ]
        else:
            return None
        if len(found) > 1:
            return _AMBIGUOUS
        return found[0] if found else None

    def _is_package(self, i: int) -> bool:
        return self._paths[i].name == "__init__.py"

    def _qualified(self, importer: int, level: int, name: str) -> tuple | None:
        """What the dotted `name` (relative by `level`) reaches: ("sym", module, name,
        rest) for a member of a module of the run, ("module", module), ("ext", name)
        outside the run, None when ambiguous or not found."""
        parts = tuple(p for p in name.split(".") if p)
        for cut in range(len(parts), -1, -1):
            if cut == 0 and not level:
                break
            found = self._module(importer, level, parts[:cut])
            if found == _AMBIGUOUS:
                return None
            if found is not None:
                rest = parts[cut:]
                return ("sym", found, rest[0], rest[1:]) if rest else ("module", found)
        return ("ext", ".".join(parts)) if not level else None

    def _lookup(self, module: int, name: str, depth: int = 0) -> tuple | None:
        """What the dotted `name`, spelled in `module`, is (see `_qualified`)."""
        first, _, rest = name.partition(".")
        sym = self._facts[module].get("n", {}).get(first)
        tail = tuple(p for p in rest.split(".") if p)
        if sym is None:
            through = self._through_star(module, first, tail)
            if through is not None:
                return self._follow(through[0], depth + 1)
            if first in _BUILTINS:
                return ("ext", f"builtins.{name}")
            return None
        return self._follow(("sym", module, first, tail), depth)

    def _follow(self, target: tuple | None, depth: int) -> tuple | None:
        """Through imports and re-exports to what a name finally is: a member of a module
        of the run (not an import), a module, something outside the run, or None."""
        # (module, name) -> the star import of the module followed for it: a chain that
        # comes back to it (nltk's `bcp47.py` does `from nltk.corpus.reader import
        # CorpusReader`, and `nltk/corpus/reader/__init__.py` star-imports bcp47 after
        # api) reads what the module had bound before that star import ran.
        running: dict[tuple[int, str], int] = {}
        while target is not None and target[0] == "sym":
            _, module, first, tail = target
            sym = self._facts[module].get("n", {}).get(first)
            if depth > 32:
                return None
            if sym is None:
                found = self._through_star(module, first, tail, running.get((module, first)))
                target = None
                if found is not None:
                    target, running[(module, first)] = found
                depth += 1
                continue
            if sym[0] != "i":
                return target
            _, level, source, attr = sym
            target = self._qualified(
                module, level, ".".join(p for p in (source, attr, *tail) if p)
            )
            depth += 1
        return target

    def _through_star(
        self, module: int, name: str, tail: tuple, before: int | None = None
    ) -> tuple[tuple, int] | None:
        """`name` of `module`, which binds it by no statement of its own (its "*" facts)
        but by star imports (only those before the `before`-th, when given): what the
        last star import that may bind it binds (every later one surely does not, by the
        pre-pass's answers; `star_binds.star_source`), as `from <that module> import
        name` would, with that star import's index. None when that is not known."""
        stars = self._facts[module].get("*")
        if not stars or stars.get("t") is None or name in stars.get("o", ()):
            return None
        spelled = [tuple(t) for t in stars["t"]][:before]
        source = star_binds.star_source(self._star_answers[module] or None, spelled, name)
        if source is None:
            return None
        level, starred = source
        found = self._qualified(
            module, level, ".".join(p for p in (starred, name, *tail) if p)
        )
        return (found, spelled.index(source)) if found is not None else None

    def _sym(self, target: tuple | None) -> list | None:
        if target is None or target[0] != "sym":
            return None
        return self._facts[target[1]].get("n", {}).get(target[2])

    # -- refs -------------------------------------------------------------------------
    def refs_path(self, module: int, refs: Refs | str) -> bool:
        if not isinstance(refs, list):
            return False
        return all(self._ref_path(module, tuple(r)) for r in refs)

    def _ref_path(self, module: int, ref: tuple) -> bool:
        key = ("ref", module, ref)
        if key not in self._memo:
            self._memo[key] = False  # while computing: a cycle is not a Path
            self._memo[key] = self._compute_ref(module, ref)
        return self._memo[key]

    def _compute_ref(self, module: int, ref: tuple) -> bool:
        kind, name = ref[0], ref[1]
        if kind == "a":
            return self.attribute(("cls", module, name), ref[2]) == "path"
        target = self._lookup(module, name)
        if kind == "q":
            return (
                target is not None and target[0] == "ext" and target[1] in _SETS[ref[2]]
            )
        if kind == "t":
            return (
                target is not None and target[0] == "ext" and target[1] in _PATH_TYPES
            )
        if kind == "c":
            return self.call_path(target)
        if kind == "v":
            return self.value_path(target)
        return False

    def value_path(self, target: tuple | None) -> bool:
        sym = self._sym(target)
        if sym is None or target is None:
            return False
        _, module, _, tail = target
        if sym[0] == "v" and not tail:
            return self.refs_path(module, sym[1])
        if sym[0] == "k" and len(tail) == 1:
            return (
                self.attribute(("cls", module, target[2]), tail[0], class_level=True)
                == "path"
            )
        return False

    def call_path(self, target: tuple | None) -> bool:
        if target is not None and target[0] == "ext":
            return target[1] in _PATH_CALLS
        sym = self._sym(target)
        if sym is None or target is None:
            return False
        _, module, _, tail = target
        if sym[0] == "f" and not tail:
            return self.refs_path(module, sym[1])
        if sym[0] == "k" and len(tail) == 1:
            return self.method_path(("cls", module, target[2]), tail[0])
        return False

    # -- classes ----------------------------------------------------------------------
    def class_of(self, target: tuple | None) -> tuple | None:
        sym = self._sym(target)
        if sym is None or sym[0] != "k" or target is None or target[3]:
            return None
        return ("cls", target[1], target[2])

    def _class(self, cls: tuple) -> dict | None:
        sym = self._facts[cls[1]].get("n", {}).get(cls[2])
        return sym[1] if sym is not None and sym[0] == "k" else None

    def bases(self, cls: tuple) -> list[tuple | str] | None:
        """Each base as a class of the run or "neutral"; None when one is unknown."""
        raw = self._class(cls)
        if raw is None:
            return None
        out: list[tuple | str] = []
        for base in raw["b"]:
            if base is None:
                return None
            target = self._lookup(cls[1], base)
            if (
                target is not None
                and target[0] == "ext"
                and target[1] in _NEUTRAL_BASES
            ):
                out.append("neutral")
                continue
            owner = self.class_of(target)
            if owner is None:
                return None
            out.append(owner)
        return out

    def attribute(self, cls: tuple, attr: str, class_level: bool = False) -> str:
        """ "path", "other" (defined otherwise, or unknown) or "absent" for `cls.attr`
        (an instance's, or the class object's when `class_level`)."""
        key = ("attr", cls, attr, class_level)
        if key not in self._memo:
            self._memo[key] = "other"
            self._memo[key] = self._compute_attribute(cls, attr, class_level)
        return self._memo[key]

    def _compute_attribute(self, cls: tuple, attr: str, class_level: bool) -> str:
        raw = self._class(cls)
        if raw is None or raw.get("opaque"):
            return "other"
        module = cls[1]
        stores = self._facts[module].get("s", {}).get(attr, "none")
        if stores is None:
            return "other"
        if attr in raw["a"]:
            own = _merged_refs([raw["a"][attr], stores])
            if not isinstance(own, list):
                return "other"
            # `self.path = self.path.resolve()`: a store made from the attribute itself
            # keeps it a Path when every other store makes one (induction on the stores)
            kept = [r for r in own if r[0] != "a" or (r[1], r[2]) != (cls[2], attr)]
            return "path" if kept and self.refs_path(module, kept) else "other"
        if class_level:
            return "absent"  # attributes set on instances are not the class's
        found = self._from_bases(cls, lambda base: self.attribute(base, attr))
        if found == "path" and stores != "none" and not self.refs_path(module, stores):
            return "other"
        return found

    def _from_bases(self, cls: tuple, ask) -> str:  # type: ignore[no-untyped-def]
        bases = self.bases(cls)
        if bases is None:
            return "other"
        answers = {ask(b) for b in bases if b != "neutral"}
        if "other" in answers:
            return "other"
        return "path" if "path" in answers else "absent"

    def method_path(self, cls: tuple, name: str) -> bool:
        return self._method(cls, name) == "path"

    def _method(self, cls: tuple, name: str) -> str:
        key = ("method", cls, name)
        if key not in self._memo:
            self._memo[key] = "other"
            raw = self._class(cls)
            if raw is None or raw.get("opaque"):
                answer = "other"
            elif name in raw["m"]:
                answer = "path" if self.refs_path(cls[1], raw["m"][name]) else "other"
            elif name in raw["a"]:
                answer = "other"
            else:
                answer = self._from_bases(cls, lambda base: self._method(base, name))
            self._memo[key] = answer
        return self._memo[key]

    def returned_parts(self, target: tuple | None) -> list[bool] | None:
        """For the function `target` annotated to return a tuple of fixed length
        (`returned_parts`), whether each position is pathlib's Path."""
        sym = self._sym(target)
        if sym is None or target is None or sym[0] != "f" or target[3] or len(sym) < 4:
            return None
        if sym[3] is None:
            return None
        module = target[1]
        found = []
        for name in sym[3]:
            part = self._lookup(module, name) if name is not None else None
            found.append(part is not None and part[0] == "ext" and part[1] in _PATH_TYPES)
        return found

    def returned_class(
        self, target: tuple | None, method: str | None = None
    ) -> tuple[tuple | str, int] | None:
        """The class of the run (or PATH for pathlib's) that the function `target`, or
        with `method` the own method of the class `target`, is annotated to give, and how
        (CALLED, EACH, ENTERED: see the function `returned_class`)."""
        if method is None:
            sym = self._sym(target)
            if sym is not None and target is not None and sym[0] == "k" and len(target[3]) == 1:
                # `File.read(p)`: a static or class method called on its class
                return self.returned_class(("cls", target[1], target[2]), target[3][0])
            if sym is None or target is None or sym[0] != "f" or target[3] or len(sym) < 3:
                return None
            made, module = sym[2], target[1]
        else:
            raw = self._class(target) if target is not None else None
            if raw is None or raw.get("opaque"):
                return None
            made, module = raw.get("r", {}).get(method), target[1]  # type: ignore[index]
        if made is None:
            return None
        target = self._lookup(module, made[0])
        if target is not None and target[0] == "ext" and target[1] in _PATH_TYPES:
            return (PATH, made[1])
        cls = self.class_of(target)
        return (cls, made[1]) if cls is not None else None

    def not_path_class(self, cls: tuple, instances: bool = False) -> bool:
        """The class object (or, with `instances`, what calling it makes) is provably no
        Path: no keywords or decorators, every base a class of the run with the same
        property or a neutral one (and, for instances, no `__new__`/`__enter__`)."""
        key = ("plain", cls, instances)
        if key not in self._memo:
            self._memo[key] = False
            raw = self._class(cls)
            bases = self.bases(cls)
            self._memo[key] = (
                raw is not None
                and not raw["kw"]
                and (raw["plain"] or not instances)
                and bases is not None
                and all(
                    b == "neutral" or self.not_path_class(b, instances) for b in bases
                )  # type: ignore[arg-type]
            )
        return self._memo[key]

    def owns_method(self, cls: tuple, name: str) -> bool:
        """An instance of `cls` (or of a subclass that does not override `name`) runs a
        method `name` of the run's own, not pathlib's: `cls` is provably no Path
        (`not_path_class`), no Protocol (a Path matches one structurally), and defines a
        method `name` itself (not abstract: a subclass runs its own) or inherits it from a
        base of the run that owns it."""
        key = ("owns", cls, name)
        if key not in self._memo:
            self._memo[key] = False
            raw = self._class(cls)
            answer = False
            if (
                raw is not None
                and not raw.get("opaque")
                and self.not_path_class(cls)
                and not any(self._is_protocol(cls[1], b) for b in raw["b"])
            ):
                if name in raw["m"]:
                    answer = name not in raw.get("abs", ())
                elif name not in raw["a"]:
                    answer = any(
                        b != "neutral" and self.owns_method(b, name)  # type: ignore[arg-type]
                        for b in self.bases(cls) or ()
                    )
            self._memo[key] = answer
        return self._memo[key]

    def _is_protocol(self, module: int, base: str | None) -> bool:
        target = self._lookup(module, base) if base is not None else None
        return target is not None and target[0] == "ext" and target[1] in PROTOCOL_BASES

    def direct_deps(self, i: int) -> frozenset[int]:
        """The modules of the run an import statement of module `i` names."""
        if self._direct is None:
            self._direct = [
                frozenset(d for d in self._deps(j) if isinstance(d, int))
                for j in range(len(self._paths))
            ]
        return self._direct[i]

    def imported(self) -> frozenset[Path]:
        """The files some import statement of the run names: the only ones whose facts a
        question can reach (the others need no parse)."""
        return frozenset(
            self._paths[d] for i in range(len(self._paths)) for d in self.direct_deps(i)
        )

    # -- digests ----------------------------------------------------------------------
    def digest(self, path: Path) -> str:
        """What a file's result may depend on (see the module docstring)."""
        if self._digests is None:
            self._digests = self._all_digests()
        i = self._index.get(path)
        return self._digests[i] if i is not None else ""

    def _deps(self, i: int) -> list[int | str]:
        """The modules of the run that any import statement of module `i` may name (at
        any depth: the typer also resolves a function's own `from lark import Lark`)."""
        out: list[int | str] = []
        # from the import statements alone (`import_targets`), which lazy and full facts
        # both hold: which files get parsed must not depend on which were parsed
        for level, source, attr in self._facts[i].get("d", ()):
            name = ".".join(p for p in (source, attr) if p)
            parts = tuple(p for p in name.split(".") if p)
            for cut in range(len(parts), -1, -1):
                if cut == 0 and not level:
                    break
                found = self._module(i, level, parts[:cut])
                if found is not None:
                    out.append(found if found != _AMBIGUOUS else f"?{level}:{name}")
                    break
        return out

    def _all_digests(self) -> list[str]:
        """Tarjan's strongly connected components over the import graph (iterative), each
        component hashed with its members' facts and its dependencies' digests."""
        n = len(self._paths)
        deps = [self._deps(i) for i in range(n)]
        own = [
            hashlib.sha256(
                json.dumps(
                    [
                        str(self._paths[i]),
                        self._facts[i],
                        sorted(d for d in deps[i] if isinstance(d, str)),
                        star_binds.digest(self._star_answers[i]),
                    ],
                    sort_keys=True,
                ).encode()
            ).hexdigest()
            for i in range(n)
        ]
        index: list[int | None] = [None] * n
        low = [0] * n
        on_stack = [False] * n
        stack: list[int] = []
        digests = [""] * n
        counter = 0
        for root in range(n):
            if index[root] is not None:
                continue
            work: list[tuple[int, Iterator[int | str]]] = [(root, iter(deps[root]))]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack[root] = True
            while work:
                node, edges = work[-1]
                advanced = False
                for dep in edges:
                    if isinstance(dep, str):
                        continue
                    if index[dep] is None:
                        index[dep] = low[dep] = counter
                        counter += 1
                        stack.append(dep)
                        on_stack[dep] = True
                        work.append((dep, iter(deps[dep])))
                        advanced = True
                        break
                    if on_stack[dep]:
                        low[node] = min(low[node], index[dep])  # type: ignore[type-var]
                if advanced:
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    members = []
                    while True:
                        member = stack.pop()
                        on_stack[member] = False
                        members.append(member)
                        if member == node:
                            break
                    inside = set(members)
                    outside = sorted(
                        {
                            digests[d]
                            for m in members
                            for d in deps[m]
                            if isinstance(d, int) and d not in inside
                        }
                    )
                    digest = hashlib.sha256(
                        "\n".join([*sorted(own[m] for m in members), *outside]).encode()
                    ).hexdigest()
                    for m in members:
                        digests[m] = digest
        return digests


class View:
    """The table as one module sees it: questions asked with LibCST's qualified names
    (`.paths.DATA_DIR`, `pkg.util.target`), each answered True only when proven."""

    def __init__(self, table: Table, module: int) -> None:
        self.table = table
        self.module = module

    def __reduce__(self) -> tuple:
        # A table `share`d with the worker processes travels once per worker (the pool's
        # initializer), not with every chunk of tasks: only its token goes here.
        if _SHARED.get(self.table.token) is self.table:
            return (_shared_view, (self.table.token, self.module))
        return (View, (self.table, self.module))

    def _target(self, qualified: str) -> tuple | None:
        level = len(qualified) - len(qualified.lstrip("."))
        target = self.table._qualified(self.module, level, qualified[level:])
        if (
            target is not None
            and target[0] in ("sym", "module")
            and target[1] not in self.table.direct_deps(self.module)
        ):
            # `import pkg` then `pkg.paths.X`: a module no import statement of this one
            # names (so no fact of it is in this file's digest): unknown
            return None
        return (
            self.table._follow(target, 0)
            if target is not None and target[0] == "sym"
            else target
        )

    def external(self, qualified: str) -> str | None:
        """What `qualified`, a name of the run, finally is outside it, through the run's
        imports and re-exports (`from ..types import Traversable`, where types.py does
        `from importlib.resources.abc import Traversable as Traversable`): that qualified
        name; None for anything else (a member of a module of the run, a name bound twice,
        a module no import statement of this one names)."""
        target = self._target(qualified)
        return target[1] if target is not None and target[0] == "ext" else None

    def in_run(self, qualified: str) -> bool:
        """`qualified` names something in a module of the run (a member, not the module
        itself), imported by this module or not, or may (two modules could be meant):
        `import pkg` then `pkg.paths.X` is unknown, not a module's attribute."""
        level = len(qualified) - len(qualified.lstrip("."))
        target = self.table._qualified(self.module, level, qualified[level:])
        return target is None or target[0] == "sym"

    def is_module(self, qualified: str) -> bool:
        """`qualified` is a module of the run this module's imports name (`from nltk
        import pathsec` with nltk/pathsec.py in the run). Its package could still bind
        that name to something else in its `__init__.py`; that is not looked for: the
        answer only keeps a call on it from counting, which never changes a rewrite."""
        target = self._target(qualified)
        return target is not None and target[0] == "module"

    def value_is_path(self, qualified: str) -> bool:
        return self.table.value_path(self._target(qualified))

    def call_is_path(self, qualified: str) -> bool:
        target = self._target(qualified)
        return (
            target is not None and target[0] != "ext" and self.table.call_path(target)
        )

    def class_named(self, qualified: str) -> tuple | None:
        return self.table.class_of(self._target(qualified))

    def attribute(self, cls: tuple, attr: str) -> str:
        return self.table.attribute(cls, attr)

    def method_is_path(self, cls: tuple, name: str) -> bool:
        return self.table.method_path(cls, name)

    def returned_parts(self, qualified: str) -> list[bool] | None:
        """Whether each position of the tuple of fixed length the function `qualified`
        is annotated to return (`-> tuple[Path, str]`) is pathlib's Path."""
        return self.table.returned_parts(self._target(qualified))

    def returned_class(
        self, qualified: str | None = None, owner: tuple | None = None, method: str = ""
    ) -> tuple[tuple | str, int] | None:
        """What the function `qualified`, or the method of the class `owner`, is annotated
        to give: (a class of the run or PATH, how: CALLED, EACH or ENTERED)."""
        if owner is not None:
            return self.table.returned_class(owner, method)
        return self.table.returned_class(self._target(qualified)) if qualified else None

    def not_path_class(self, cls: tuple, instances: bool = False) -> bool:
        return self.table.not_path_class(cls, instances)

    def owns_method(self, cls: tuple, name: str) -> bool:
        return self.table.owns_method(cls, name)


# -- one table for every worker process -----------------------------------------------
_SHARED: dict[str, Table] = {}


def share(table: Table) -> None:
    """Register `table` in this process (the runner's, then each worker's initializer),
    so the views of it pickle as a token (see View.__reduce__). One run at a time."""
    _SHARED.clear()
    _SHARED[table.token] = table


def _shared_view(token: str, module: int) -> View:
    return View(_SHARED[token], module)


# -- one file on its own (the LibCST codemod commands) ---------------------------------
_TABLES: dict[Path, Table] = {}


def view_for_file(path: Path) -> View | None:
    """The view a run over `path` alone would give it: the facts of the package (folders
    with `__init__.py`, up to the outermost) that holds it, made once per package and
    process; a file outside any package sees only itself. The LibCST codemod commands
    see one file at a time: this is what `migrate-storage apply FILE` reads."""
    from migrate_storage.codemods.pipeline.discovery import discover

    real = path.resolve()
    top = None
    current = real.parent
    while (current / "__init__.py").is_file():
        top = current
        if current.parent == current:
            break
        current = current.parent
    key = top if top is not None else real
    if key not in _TABLES:
        files = [f.real_path for f in discover([key]).files] if top is not None else []
        facts: dict[Path, Facts] = {}
        for file in {*files, real}:
            try:
                facts[file] = extract(file.read_bytes())
            except OSError:
                facts[file] = {}
        _TABLES[key] = Table(facts)
    return _TABLES[key].view(real)
