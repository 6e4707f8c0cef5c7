"""Which names a star import may bind (`from X import *`), so that a bare `open(...)` in a
module with a star import is migrated when no star import of it can bind `open`, and a
name no statement binds is followed into the star import that binds it (`star_source`:
a base class, a Path constant, a stdlib function such as `remove` after `from os import
*`; analysis/context.py, pipeline/package_facts.py).

`from X import *` binds the names X's `__all__` lists, or, when X has no `__all__`,
every name of X's namespace not starting with `_`. This module answers "may it bind
`name`?" by over-approximating, never the other way:

- X a module of the run (or of its package folders), found as star_imports.py finds a
  target (relative to the importer; an absolute name to the one file whose path ends
  with its parts; several: ambiguous, anything). With a *literal* `__all__` (one
  unconditional module-level `__all__ = [...]`/`(...)` of strings, named nowhere else),
  exactly its names; without one, every public name X binds at module level in any way
  (def, class, assignment and augmented assignment, any import, `for`/`with`/`except`/
  `match` targets, a walrus anywhere outside a function, `global` anywhere, `del`), the
  submodules beside a package's `__init__.py` (importing one sets it on the package), and,
  transitively, what X's own star imports may bind (cycles: the union). Anything when
  an extension module of X's name sits beside it (it is the one imported), or when
  `__all__` is not literal, or X's code (not its strings or comments) names `globals`,
  `vars`, `locals`, `exec`, `eval`, `setattr`, `__import__`, `__builtins__`, `modules`
  (`sys.modules[__name__]`), `import_module` or `.__dict__` anywhere (they can rebind
  its names, or its `__all__`, unseen), or binds `__getattr__` (without `__all__`), or X
  does not parse.
- X of the standard library (sys.stdlib_module_names): its source is read (never
  imported), from the running interpreter's stdlib folder, with the same rule but none
  of the dynamic names (the stdlib does not rebind its own names behind the parser's
  back): `from io import *` binds `open` (io.__all__), `from typing import *` not
  `open`; a module that builds its `__all__` (os) binds at most what its source binds
  (private names too) and what its star imports bind. A C module compiled into the
  interpreter and loaded at start-up (posix) binds the names of its namespace (read, not
  imported); one this interpreter does not have (`nt` on posix) nothing (its import
  raises); another C module is anything, but for `_C_MODULES_WITHOUT_OPEN`. A name found both in the run and in the stdlib: the
  union of both answers.
- Anything else (third-party, not found): anything.

What a name is bound to matters too: `from os import remove` then `from helpers import
*` (helpers defines `remove`) calls helpers' remove, though the parse says `os.remove`.
`Resolver.values` proves what a star import binds some names to: `from M import *` binds
`n` to M's attribute `n` (`M.n`), and, when the one file of the run M names binds `n`
only by absolute imports all to one value (`import os`: "os"; `from os import remove`:
"os.remove"; its summary's "imports") and none of M's own star imports may bind `n` to
anything else, to that value. `star_rebinds` answers whether a star import may bind a
name to something other than what the importer's own import binds it to
(analysis/context.py decides, by the statements' positions, which star imports count).

What a module of the run binds (its `summary`, JSON data) is kept in its cache entry, and
an importer's entry keeps the digest of its answers (runner.py), so a warm run decides as
a cold one and an edit to a starred module reaches every importer.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import sys
import sysconfig
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from migrate_storage.codemods.pipeline.star_imports import Target, _module_parts

#: (names, complement): complement False = may bind exactly `names`; True = may bind
#: anything but `names`.
Binds = tuple[frozenset[str], bool]
ANY: Binds = (frozenset(), True)
NOTHING: Binds = (frozenset(), False)
#: A module's own summary (JSON): {"any": 1} | {"all": [names], "stars"?, "imports"?} |
#: {"binds": [public names], "stars": [[level, module], ...], "imports"?}, "imports"
#: being {name: dotted value} for the names only absolute imports bind, to one value;
#: "ustars"? the indexes in "stars" of the unconditional (top-level) star imports;
#: "unsure"? the names of "binds" not surely bound (`_surely_bound`), and, with "ustars",
#: every name a `del` may unbind (a star import's too). Every name of a literal `__all__`
#: is surely bound (else the star import raises); `sure_names` reads the rest.
Summary = dict

# C modules of the stdlib known to bind no `open`: every other name they may bind (so a
# star import of one still makes any other name's source unknown).
_C_MODULES_WITHOUT_OPEN = frozenset(
    {"math", "cmath", "time", "itertools", "operator", "errno", "binascii", "zlib",
     "select", "array", "_string", "_struct", "_random", "_heapq", "_bisect"}
)
_WITHOUT_OPEN: Binds = (frozenset({"open"}), True)
# Names and attributes that may rebind a module's names (or its `__all__`) unseen by the
# parse: `globals()["open"] = f`, `sys.modules[__name__] = other`, `exec("open = f")`.
# Looked for in the code (not in strings or comments), wherever they are.
_DYNAMIC_NAMES = frozenset(
    {"globals", "vars", "locals", "exec", "eval", "setattr", "__import__", "__builtins__",
     "modules", "import_module"}
)
_DYNAMIC_ATTRIBUTES = frozenset({"__dict__", "modules", "import_module", "__builtins__"})
_STEPS = 10_000  # bound on the modules one question visits
_DEPTH = 64  # bound on a chain of star imports (each one a frame)


def may_bind(binds: Binds, name: str) -> bool:
    names, complement = binds
    return (name not in names) if complement else (name in names)


def union(a: Binds, b: Binds) -> Binds:
    (x, cx), (y, cy) = a, b
    if cx and cy:
        return (x & y, True)
    if cx:
        return (x - y, True)
    if cy:
        return (y - x, True)
    return (x | y, False)


# -- one module's summary ------------------------------------------------------------------


def summary(source: bytes, *, trusted: bool = False) -> Summary:
    """What `from <this module> import *` binds, as JSON data (see the module docstring);
    `trusted` (the stdlib) skips the dynamic names."""
    try:
        return _summary(source, trusted)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # deep nesting: unknown
        return {"any": 1}


def _bindings(tree: ast.Module, nodes: list[ast.AST]) -> tuple[_Binder, list[ast.ImportFrom]]:
    """Every name the module scope binds (`_Binder`, plus `global x` anywhere), and every
    star import statement of the module, wherever it stands, in order. `nodes`: every
    node of `tree` (`ast.walk`), walked once for all the questions asked of a module."""
    binder = _Binder(set(), [])
    binder.bind_body(tree.body)
    stars = []
    for node in nodes:  # `global x` anywhere binds the module's x
        if isinstance(node, ast.Global):
            binder.names.update(node.names)
            binder.other.update(node.names)
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            stars.append(node)
    return binder, stars


def is_stdlib(module: str) -> bool:
    """`module` (dotted, absolute) is of the standard library of the running Python."""
    return bool(module) and module.split(".")[0] in sys.stdlib_module_names


def _summary(source: bytes, trusted: bool) -> Summary:
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    if not trusted and _dynamic(nodes):
        return {"any": 1}
    binder, star_nodes = _bindings(tree, nodes)
    names = binder.names
    stars: list[list] = []
    for node in star_nodes:
        target = [node.level, node.module or ""]
        if target not in stars:  # a star import can only be at module level, anyway
            stars.append(target)
    imports = _import_values(binder)
    literal = _literal_all(tree, nodes)
    if literal is not None:
        listed = sorted(set(literal))
        found: Summary = {"all": listed}
        if stars:
            found["stars"] = stars
        kept = {n: v for n, v in imports.items() if n in literal}
        if kept:
            found["imports"] = kept
        return found
    if _mentions_all(nodes):
        if not trusted:
            return {"any": 1}
        # The stdlib's own `__all__` (os builds it) lists names the module binds (else
        # its own star import raises), private ones included: all of them, then.
        public = sorted(names)
    else:
        if "__getattr__" in names and not trusted:
            return {"any": 1}
        public = sorted(n for n in names if not n.startswith("_"))
    found = {"binds": public, "stars": stars}
    top = [
        stars.index([node.level, node.module or ""])
        for node in star_nodes
        if any(node is statement for statement in tree.body)
    ]
    if top:
        found["ustars"] = sorted(set(top))
    # Stored as what is not sure, usually few: most top-level names are bound once.
    deleted = _deleted(nodes)
    unsure = set(public) - _surely_bound(tree, deleted)
    if top:
        unsure |= deleted  # `from pathlib import *` then `del Path`
    if unsure:
        found["unsure"] = sorted(unsure)
    kept = {n: v for n, v in imports.items() if n in public}
    if kept:
        found["imports"] = kept
    return found


def _surely_bound(tree: ast.Module, deleted: set[str]) -> set[str]:
    """The names an unconditional statement of the module's top level binds (def, class,
    an assignment, an import): once the module's import has finished, each is bound
    (else the import raised), unless some `del` anywhere may unbind it."""
    sure: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            sure.add(statement.name)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            sure.update(
                a.asname or a.name.split(".")[0] for a in statement.names if a.name != "*"
            )
        elif isinstance(statement, ast.Assign) or (
            isinstance(statement, ast.AnnAssign) and statement.value is not None
        ):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                sure.update(
                    node.id
                    for node in ast.walk(target)
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
                )
    return sure - deleted


def _deleted(nodes: list[ast.AST]) -> set[str]:
    """The names a `del` anywhere in the module may unbind."""
    return {
        node.id
        for node in nodes
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del)
    }


def sure_names(found: Summary, star_sure: Callable[[int, str], frozenset[str]]) -> frozenset[str]:
    """The names a module with summary `found` surely binds once its import has finished:
    a literal `__all__`'s, else its own surely bound names with what its unconditional
    star imports surely bind (`star_sure(level, module)`), less what a `del` may unbind."""
    if "all" in found:
        return frozenset(found["all"])
    if "binds" not in found:
        return frozenset()
    sure = set(found["binds"])
    stars = found.get("stars", ())
    for index in found.get("ustars", ()):
        level, module = stars[index]
        sure |= star_sure(int(level), str(module))
    return frozenset(sure - set(found.get("unsure", ())))


def own_and_stars(tree: ast.Module | None) -> dict:
    """For a module that star-imports, what another module's `from <it> import X` needs
    when it does not bind `X` itself (pipeline/package_facts.py follows the name into the
    star import that binds it, `star_source`): {"t": its star imports in the order they
    run, "o": every name it binds any other way}; {"t": None} when that cannot be known
    (a star import that is not a plain module-level statement, one under `if`/`try`, or
    code that can bind names unseen: `_dynamic`) or the source did not parse (`tree`
    None)."""
    if tree is None:
        return {"t": None}
    nodes = list(ast.walk(tree))
    binder, star_nodes = _bindings(tree, nodes)
    top = {id(node) for node in tree.body}
    if any(id(node) not in top for node in star_nodes) or _dynamic(nodes):
        return {"t": None}
    stars = [[node.level, node.module or ""] for node in star_nodes]
    return {"t": stars, "o": sorted(binder.names)}


def _import_value(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str | None:
    """What an import binds its name to, as the dotted name of the module or attribute
    (`import os.path` -> "os", `import os.path as p` -> "os.path", `from os import
    remove` -> "os.remove"); None for a relative import (its package is not known here)."""
    if isinstance(node, ast.Import):
        return alias.name if alias.asname else alias.name.split(".")[0]
    if node.level or not node.module:
        return None
    return f"{node.module}.{alias.name}"


def _import_values(binder: _Binder) -> dict[str, str]:
    """The names the module binds only by absolute imports, all to the same value (so its
    attribute is that value once the module ran): name -> value."""
    out = {}
    for name, values in binder.imported.items():
        if name in binder.other or len(values) != 1:
            continue
        (value,) = values
        if value is not None:
            out[name] = value
    return dict(sorted(out.items()))


def _dynamic(nodes: list[ast.AST]) -> bool:
    """The code names something that can rebind the module's names unseen (`_DYNAMIC_*`)."""
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in _DYNAMIC_NAMES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in _DYNAMIC_ATTRIBUTES:
            return True
        if isinstance(node, ast.alias) and node.name.rpartition(".")[2] in _DYNAMIC_NAMES:
            return True
    return False


def _literal_all(tree: ast.Module, nodes: list[ast.AST]) -> list[str] | None:
    """The names of the module's literal `__all__` (see the module docstring), else None.
    Literal additions at module level (`__all__.append("x")`, `.extend([...])`, `+= [...]`,
    also under an `if` or `try`) add their names; a class's own `__all__` is its own."""
    found: list[str] | None = None
    allowed: set[int] = set()  # the Name nodes of the forms read here
    for statement in tree.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        if found is not None or len(targets) != 1:
            return None
        found = _strings(statement.value)  # type: ignore[arg-type]
        if found is None:
            return None
        allowed.add(id(targets[0]))
    if found is None:
        return None
    for statement in _module_statements(tree.body):
        added = _literal_addition(statement)
        if added is not None:
            found = found + added[0]
            allowed.add(id(added[1]))
    for node in nodes:
        if isinstance(node, ast.ClassDef):  # `__all__ = [...]` in a class body: its own
            for statement in node.body:
                if isinstance(statement, ast.Assign):
                    allowed.update(id(t) for t in statement.targets)
    for node in nodes:  # named anywhere else: it may be changed
        if isinstance(node, ast.Name) and node.id == "__all__" and id(node) not in allowed:
            return None
        if isinstance(node, (ast.Global, ast.Nonlocal)) and "__all__" in node.names:
            return None
    return found


def _module_statements(body: Iterable[ast.stmt]) -> Iterable[ast.stmt]:
    """The statements of the module scope, through blocks, not into functions or classes."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _module_statements(getattr(statement, field, ()))
        for handler in getattr(statement, "handlers", ()):
            yield from _module_statements(handler.body)


def _literal_addition(statement: ast.stmt) -> tuple[list[str], ast.Name] | None:
    """(names, the `__all__` node) of `__all__.append("x")`, `__all__.extend([...])` or
    `__all__ += [...]` of string literals; None for any other statement."""
    if (
        isinstance(statement, ast.AugAssign)
        and isinstance(statement.op, ast.Add)
        and isinstance(statement.target, ast.Name)
        and statement.target.id == "__all__"
    ):
        names = _strings(statement.value)
        return None if names is None else (names, statement.target)
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    call = statement.value
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "__all__"
        and func.attr in ("append", "extend")
        and len(call.args) == 1
        and not call.keywords
    ):
        return None
    arg = call.args[0]
    if func.attr == "append":
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return [arg.value], func.value
        return None
    names = _strings(arg)
    return None if names is None else (names, func.value)


def _strings(node: ast.AST) -> list[str] | None:
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    out = []
    for element in node.elts:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            return None
        out.append(element.value)
    return out


def _mentions_all(nodes: list[ast.AST]) -> bool:
    """`__all__` is bound or named somewhere, but not literally: what it holds is unknown."""
    return any(
        (isinstance(node, ast.Name) and node.id == "__all__")
        or (isinstance(node, (ast.Global, ast.Nonlocal)) and "__all__" in node.names)
        or (isinstance(node, ast.alias) and (node.asname or node.name) == "__all__")
        for node in nodes
    )


class _Binder:
    """The names the module scope binds: statements walked through their blocks, not into
    function or class bodies (whose own names are theirs), expressions walked whole (a
    walrus in a comprehension at module level binds the module's name; one in a lambda
    is counted too: over-approximation)."""

    def __init__(self, names: set[str], stars: list[list]) -> None:
        self.names = names
        self.stars = stars
        #: What each name an import binds is bound to (`os` -> "os", `remove` ->
        #: "os.remove"; None: a relative import), and the names bound any other way.
        self.imported: dict[str, set[str | None]] = {}
        self.other: set[str] = set()

    def _bind(self, name: str) -> None:
        self.names.add(name)
        self.other.add(name)

    def bind_body(self, body: Iterable[ast.stmt]) -> None:
        for statement in body:
            self.bind_statement(statement)

    def bind_statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self._bind(node.name)
            # decorators, defaults, annotations, bases run in the module scope
            outer: list[ast.AST] = list(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                outer += [*node.bases, *node.keywords]
            else:
                args = node.args
                outer += [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
                outer += [a.annotation for a in (*args.posonlyargs, *args.args,
                          *args.kwonlyargs, args.vararg, args.kwarg)
                          if a is not None and a.annotation is not None]
                if node.returns is not None:
                    outer.append(node.returns)
            for expression in outer:
                self.bind_expression(expression)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    continue  # ImportFrom star: `stars`, gathered by the caller
                bound = alias.asname or alias.name.split(".")[0]
                self.names.add(bound)
                self.imported.setdefault(bound, set()).add(_import_value(node, alias))
            return
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            for handler in node.handlers:  # type: ignore[attr-defined]
                if handler.name:
                    self._bind(handler.name)
                if handler.type is not None:
                    self.bind_expression(handler.type)
                self.bind_body(handler.body)
        # every other statement: its expressions (targets included) and its blocks
        for field, value in ast.iter_fields(node):
            if field in ("handlers",):
                continue
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, ast.stmt):
                    self.bind_statement(item)
                elif isinstance(item, ast.match_case):
                    self.bind_expression(item.pattern)
                    if item.guard is not None:
                        self.bind_expression(item.guard)
                    self.bind_body(item.body)
                elif isinstance(item, ast.AST):
                    self.bind_expression(item)

    def bind_expression(self, node: ast.AST) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
                self._bind(child.id)
            elif isinstance(child, (ast.MatchAs, ast.MatchStar)) and child.name:
                self._bind(child.name)
            elif isinstance(child, ast.MatchMapping) and child.rest:
                self._bind(child.rest)


# -- resolving a star import -----------------------------------------------------------------


def _stdlib_dir() -> Path:
    return Path(sysconfig.get_path("stdlib"))


@functools.lru_cache(maxsize=256)
def _stdlib_summary(module: str) -> tuple[Path, Summary] | None:
    """(the source file, its summary) of a stdlib module of the running interpreter
    (read, not imported); None when it has no source (a C module, an absent one)."""
    base = _stdlib_dir().joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        try:
            source = candidate.read_bytes()
        except OSError:
            continue
        return candidate, summary(source, trusted=True)
    return None


def _stdlib_star(module: str, source: Path, level: int, name: str) -> str:
    """The absolute name of a star import `from <level dots><name> import *` that the
    stdlib `module` (whose source is `source`) makes."""
    if not level:
        return name
    parts = module.split(".")
    package = parts if source.name == "__init__.py" else parts[:-1]
    package = package[: len(package) - (level - 1)]
    return ".".join([*package, *(p for p in name.split(".") if p)])


@functools.lru_cache(maxsize=256)
def stdlib_binds(module: str, depth: int = 0) -> Binds | None:
    """What `from <module> import *` binds for a module of the standard library (its
    source read, not imported); None when `module` is no stdlib module."""
    if not is_stdlib(module):
        return None
    if depth > 8:
        return ANY
    read = _stdlib_summary(module)
    if read is not None:
        candidate, found = read
        binds = _from_summary(found)
        if binds is None:  # a module without `__all__`, that may star-import
            binds = (frozenset(found["binds"]), False)
            if candidate.name == "__init__.py":
                binds = union(binds, (_submodules(candidate.parent), False))
            for level, name in found["stars"]:
                inner = stdlib_binds(_stdlib_star(module, candidate, level, name), depth + 1)
                binds = union(binds, ANY if inner is None else inner)
        return binds
    if _absent(module):
        return NOTHING  # `from nt import *` on posix: it raises, binding nothing
    loaded = sys.modules.get(module)
    if module in sys.builtin_module_names and loaded is not None:
        # compiled into the interpreter and loaded at start-up (posix, _io): its
        # namespace is read, as its source would be (nothing is imported)
        listed = getattr(loaded, "__all__", None)
        if isinstance(listed, (list, tuple)) and all(isinstance(n, str) for n in listed):
            return (frozenset(listed), False)
        return (frozenset(n for n in vars(loaded) if not n.startswith("_")), False)
    return _WITHOUT_OPEN if module in _C_MODULES_WITHOUT_OPEN else ANY


@functools.lru_cache(maxsize=256)
def stdlib_sure(module: str, depth: int = 0) -> frozenset[str]:
    """The names `from <module> import *` surely binds, for a module of the standard
    library (`stdlib_binds`'s reading of its source): its literal `__all__`, or what its
    top level binds unconditionally, with what its unconditional star imports surely
    bind; a module compiled into the interpreter, the names `stdlib_binds` reads."""
    if not is_stdlib(module) or depth > 8:
        return frozenset()
    read = _stdlib_summary(module)
    if read is not None:
        candidate, found = read
        return sure_names(
            found,
            lambda level, name: stdlib_sure(_stdlib_star(module, candidate, level, name), depth + 1),
        )
    binds = stdlib_binds(module)
    if module in sys.builtin_module_names and binds is not None and not binds[1]:
        return binds[0]
    return frozenset()


def _absent(module: str) -> bool:
    """A top-level stdlib module this interpreter has neither as source (asked before),
    nor compiled in, nor as an extension in lib-dynload (`nt` on posix)."""
    if "." in module or module in sys.builtin_module_names:
        return False
    shared = sysconfig.get_config_var("DESTSHARED")
    folder = Path(shared) if shared else _stdlib_dir() / "lib-dynload"
    try:
        entries = os.listdir(folder)
    except OSError:
        return False  # no folder to read: it may be there
    return not any(e.startswith(module + ".") for e in entries)


def _from_summary(found: Summary) -> Binds | None:
    """ANY or the literal `__all__`; None for a module whose names the caller gathers."""
    if "any" in found:
        return ANY
    if "all" in found:
        return (frozenset(found["all"]), False)
    return None


def _submodules(folder: Path) -> frozenset[str]:
    """The names of the modules and packages beside a package's `__init__.py` (once
    imported, each is an attribute of the package, that `import *` binds)."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return frozenset()
    return frozenset(
        entry.split(".", 1)[0]
        for entry in entries
        if entry.split(".", 1)[0].isidentifier() and not entry.startswith("_")
    )


def _extension_twin(path: Path) -> bool:
    """An extension module of the same name sits beside `path` (imported instead of it)."""
    if path.name == "__init__.py":
        return False
    prefix = path.stem + "."
    try:
        entries = os.listdir(path.parent)
    except OSError:
        return False
    return any(e.startswith(prefix) and e.endswith((".so", ".pyd")) for e in entries)


class Resolver:
    """Answers `binds(importer, target)` over the files of a run (and its package
    folders); `summary_of(path)` gives a file's summary (from the cache or its source)."""

    def __init__(self, files: Iterable[Path], summary_of: Callable[[Path], Summary]) -> None:
        self._summary_of = summary_of
        self._by_parts: dict[tuple[str, ...], list[Path]] = {}
        self._by_last: dict[str, list[tuple[tuple[str, ...], Path]]] = {}
        for path in files:
            parts = _module_parts(path)
            self._by_parts.setdefault(parts, []).append(path)
            if parts:
                self._by_last.setdefault(parts[-1], []).append((parts, path))
        self._steps = 0

    def files_for(self, importer: Path, target: Target) -> list[Path]:
        """The files of the run `target`, star-imported by `importer`, may name."""
        level, module = target
        wanted = tuple(p for p in module.split(".") if p)
        if level:
            base = importer.parent.parts
            if level > 1:
                base = base[: len(base) - (level - 1)]
            return list(self._by_parts.get(base + wanted, ()))
        if not wanted:
            return []
        return [p for parts, p in self._by_last.get(wanted[-1], ()) if parts[-len(wanted):] == wanted]

    def binds(self, importer: Path, target: Target) -> Binds:
        """What `importer`'s star import of `target` may bind."""
        self._steps = 0
        return self._binds(importer, target, (importer,))

    def _binds(self, importer: Path, target: Target, stack: tuple[Path, ...]) -> Binds:
        self._steps += 1
        if self._steps > _STEPS or len(stack) > _DEPTH:
            return ANY
        level, module = target
        files = self.files_for(importer, target)
        stdlib = stdlib_binds(module) if not level else None
        if len(files) > 1:
            return ANY  # ambiguous
        if not files:
            return stdlib if stdlib is not None else ANY
        if (
            files[0] == stack[0]
            and len(stack) == 1
            and stdlib is None
            and importer.name == "__init__.py"
        ):
            # `from . import *` in a package's own `__init__.py`: it binds the module's
            # names to what they already are (its namespace is the one it reads; a
            # module, not a package, may be run as a script: then it reads a new copy)
            return NOTHING
        own = self._module(files[0], stack)
        return own if stdlib is None else union(own, stdlib)

    def _module(self, path: Path, stack: tuple[Path, ...]) -> Binds:
        if path in stack[1:]:
            return NOTHING  # a cycle: the outer visit of `path` adds its names
        if _extension_twin(path):
            return ANY  # `fast.py` beside `fast.cpython-311-x86_64-linux-gnu.so`: the .so loads
        found = self._summary_of(path)
        binds = _from_summary(found)
        if binds is not None:
            return binds
        binds = (frozenset(found.get("binds", ())), False)
        if path.name == "__init__.py":
            binds = union(binds, (_submodules(path.parent), False))
        for level, module in found.get("stars", ()):
            binds = union(binds, self._binds(path, (int(level), str(module)), (*stack, path)))
            if binds == ANY:
                break
        return binds


    def sure(self, importer: Path, target: Target) -> frozenset[str]:
        """The names `importer`'s star import of `target` surely binds (once it has run
        without raising): the one file it names binds them (`sure_names`), or its
        unconditional star imports surely do. Nothing when not known (no file, several,
        a stdlib module of the same name: either may be the one imported)."""
        self._steps = 0
        return self._sure(importer, target, (importer,))

    def _sure(self, importer: Path, target: Target, stack: tuple[Path, ...]) -> frozenset[str]:
        self._steps += 1
        if self._steps > _STEPS or len(stack) > _DEPTH:
            return frozenset()
        level, module = target
        files = self.files_for(importer, target)
        if not files:
            return stdlib_sure(module) if not level else frozenset()
        if len(files) > 1 or (not level and stdlib_binds(module) is not None):
            return frozenset()
        path = files[0]
        if path in stack or _extension_twin(path):
            return frozenset()
        return sure_names(
            self._summary_of(path),
            lambda level_, module_: self._sure(path, (level_, module_), (*stack, path)),
        )

    def values(self, importer: Path, target: Target) -> dict[str, str]:
        """What `importer`'s star import of `target` surely binds some names to (name ->
        the dotted name of a module or attribute): the names the one file it names binds
        only by absolute imports, all to one value (`import os` -> "os"), that none of
        its own star imports may bind to anything else. Empty when not known (no file,
        several, a stdlib module of the same name, an extension twin)."""
        self._steps = 0
        files = self.files_for(importer, target)
        if len(files) != 1 or (not target[0] and stdlib_binds(target[1]) is not None):
            return {}
        return self._values(files[0], (importer,))

    def _values(self, path: Path, stack: tuple[Path, ...]) -> dict[str, str]:
        self._steps += 1
        if (
            path in stack
            or len(stack) > _DEPTH
            or self._steps > _STEPS
            or _extension_twin(path)
        ):
            return {}
        found = self._summary_of(path)
        imports = found.get("imports") or {}
        if "any" in found or not (imports or found.get("stars")):
            return {}
        inner = []
        for level, module in found.get("stars", ()):
            target = (int(level), str(module))
            binds = self._binds(path, target, (*stack, path))
            files = self.files_for(path, target)
            known = (
                self._values(files[0], (*stack, path))
                if len(files) == 1 and (level or stdlib_binds(module) is None)
                else {}
            )
            inner.append((target, binds, known))
        submodules = _submodules(path.parent) if path.name == "__init__.py" else frozenset()
        out = {}
        for name, value in imports.items():
            if name in submodules:
                continue  # importing `pkg.name` anywhere rebinds it
            if all(
                not may_bind(binds, name) or value in _equivalents(target, known, name)
                for target, binds, known in inner
            ):
                out[name] = value
        if "binds" in found:
            # a name the module does not bind itself: what every star import of it that
            # may bind it binds it to, when they all prove the same value
            own = set(found["binds"]) | submodules
            for name in {n for _, _, known in inner for n in known} - own:
                values = {
                    known.get(name)
                    for _, binds, known in inner
                    if may_bind(binds, name)
                }
                if len(values) == 1 and None not in values:
                    out[name] = values.pop()
        return out


def _equivalents(target: Target, known: Mapping[str, str], name: str) -> set[str]:
    """The dotted names of what `from <target> import *` binds `name` to: `M.name` for an
    absolute `from M import *` (it copies M's attribute), and what `known` (the
    resolver's `values`) proves."""
    level, module = target
    out = set()
    if not level and module:
        out.add(f"{module}.{name}")
    if name in known:
        out.add(known[name])
    return out


def answers(resolver: Resolver, importer: Path, targets: Iterable[Target]) -> tuple:
    """The policy's form of `importer`'s answers: ((level, module, names, complement,
    values), ...), `values` the ((name, value), ...) the star import surely binds
    (`Resolver.values`)."""
    out = []
    earlier = NOTHING  # what the star imports before this one may bind
    for level, module in targets:
        binds = resolver.binds(importer, (level, module))
        names, complement = binds
        values = resolver.values(importer, (level, module))
        # Whether it surely binds a name matters only when an earlier one may bind it
        # (`star_source`): those names only are kept.
        sure = resolver.sure(importer, (level, module))
        kept = sure - earlier[0] if earlier[1] else sure & earlier[0]
        out.append(
            (level, module, tuple(sorted(names)), complement, tuple(sorted(values.items())),
             tuple(sorted(kept)))
        )
        earlier = union(earlier, binds)
    return tuple(out)


def digest(answers_: tuple) -> str:
    """What an importer's cache entry keeps of its answers ("" without star imports)."""
    if not answers_:
        return ""
    data = json.dumps(
        [
            list(a[:2])
            + [list(a[2]), a[3], [list(v) for v in (a[4:5] or [()])[0]], list((a[5:6] or [()])[0])]
            for a in answers_
        ]
    ).encode()
    return hashlib.sha256(data).hexdigest()[:32]


def star_rebinds(
    table: Iterable[tuple] | None, target: Target, name: str, bound_to: str | None
) -> bool:
    """Whether the star import of `target` may bind `name` to something other than
    `bound_to` (the dotted name an import of the module binds it to; None: not an
    import, or not known), by `table` (the pre-pass's answers). Without them (a LibCST
    command sees one file), a star import of a stdlib module is answered by its source
    (a module of the project that shadows it is not seen there), any other anything."""
    if table is None:
        level, module = target
        binds = stdlib_binds(module) if not level else None
        if binds is None:
            return True
        table = ((level, module, tuple(binds[0]), binds[1], ()),)
    for level, module, names, complement, *rest in table:
        if (level, module) != target:
            continue
        if not may_bind((frozenset(names), complement), name):
            return False
        if bound_to is None:
            return True
        known = dict(rest[0]) if rest else {}
        return bound_to not in _equivalents(target, known, name)
    return True  # a star import the table does not hold (the byte regex missed it)


def _answers(table: Iterable[tuple]) -> Mapping[Target, Binds]:
    """The pre-pass's answers (policy form) by star import."""
    return {
        (level, module): (frozenset(names), complement)
        for level, module, names, complement, *_ in table
    }


def star_may_bind(
    table: Iterable[tuple] | None,
    spelled: Iterable[Target],
    name: str,
) -> bool:
    """Whether one of the star imports `spelled` (what the module's parse found) may bind
    `name`, by `table` (the pre-pass's answers, None when there was none: anything). A
    star import the table does not hold (the pre-pass's byte regex misses `if x: from m
    import *`) may bind anything."""
    if table is None:
        return True
    known = _answers(table)
    for target in spelled:
        binds = known.get(target)
        if binds is None or may_bind(binds, name):
            return True
    return False


def star_source(
    table: Iterable[tuple] | None,
    spelled: Sequence[Target],
    name: str,
) -> Target | None:
    """The star import among `spelled` (the module's, in the order they run) that binds
    `name` when the module does not bind it itself: the last one that may bind it, by
    `table` (the pre-pass's answers), when every later one surely does not, and either it
    surely binds it or no earlier one may (a conditional binding there proves nothing
    when an earlier star import binds the name too). None when none may, that is not
    known, or the table does not hold them all (any may then)."""
    if table is None:
        return None
    known = _answers(table)
    sure = {(level, module): rest[1] if len(rest) > 1 else () for level, module, _, _, *rest in table}
    for index in range(len(spelled) - 1, -1, -1):
        target = spelled[index]
        binds = known.get(target)
        if binds is None:
            return None
        if not may_bind(binds, name):
            continue
        if name in sure.get(target, ()):
            return target
        for before in spelled[:index]:
            earlier = known.get(before)
            if earlier is None or may_bind(earlier, name):
                return None
        return target
    return None
