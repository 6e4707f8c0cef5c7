"""Is the receiver of `x.read_text()` a pathlib.Path? (the pathlib family's question)

Four answers (`Kind`): PATH (known to be a concrete Path), NOT_PATH (provably something
else), RUNTIME (the runtime's `storage` or a `Storage`), UNKNOWN (anything else).

PATH, from what the module itself shows:
- construction: `Path(...)`/`pathlib.Path(...)`/`PosixPath(...)`, `Path.home()`, `Path.cwd()`;
- flow: `/` with a Path on either side of a str literal, `.parent`, `.with_suffix()`,
  `.with_name()`, `.joinpath()`, `.resolve()`, `.absolute()`, `.expanduser()`... of a Path;
  an element of `p.iterdir()`/`glob()`/`rglob()` (a `for` or comprehension target, through
  `sorted`/`list`/`tuple`/`reversed`, `next`, `min`/`max` of one iterable, an index, a
  comprehension of the elements themselves: `[e for e in d.glob("*") if ...]`); an element
  of a parameter (its only binding) annotated `*paths: Path` or as a one-element collection
  of Path (`list[Path]`, `Iterable[Path]`, `tuple[Path, ...]`, `frozenset[Path]`; never
  `**kwargs`, whose elements are the keywords); an element of `self.files` when a class
  of the module annotates `files` at class level as such a collection, with no value or
  an empty one, and nothing in the module stores to a `.files`;
- annotations: `Path`, `Optional[Path]`, `Path | None`, `Union[Path, None]`, `Final[...]`,
  `ClassVar[...]`, `Annotated[...]`, `Path | Traversable` (a file or package data: every
  member's `open`/`read_text` is pathlib's protocol, and the runtime's helpers call the
  method of a receiver that is no plain Path as it is, so package data is read as
  written: pydantic-settings' `_read_file(file_path: Path | Traversable)`; a Traversable
  alone is package data, LOCAL; a member a module of the run re-exports, `from ..types
  import Traversable`, is what it re-exports: package_facts), also as strings: of
  parameters, of annotated names,
  of the return of a function or method of the same module (`target(x)`, `self._blob(d)`,
  `Class.helper()`; undecorated, or cached / static / class methods; never `async`);
- unannotated returns: what a call of a function or method of the module without a
  return annotation gives (see "Unannotated returns" below);
- attributes of a class of the module, reached through `self`/`cls`, a parameter annotated
  with the class, or a name bound to `Class(...)`: a class-level annotation (dataclass,
  attrs and NamedTuple fields), `attr.ib(type=Path)`/`attrs.field(type=...)` without a
  `converter=`, a class-level value, `self.x = <Path>` in a method, a
  `@property` returning Path;
- unpacked tuples: a name unpacked (also nested, never beside a starred target) from what
  a call of a function or method of the module annotated `-> tuple[Path, str]` gives
  (`lock, tmp = sidecars(p)`, each position by its own type, the target's length the
  tuple's), from a literal tuple (`a, b = Path(x), y`), from a name annotated or bound
  once so, or from each element of an annotated iterable (`for rel, path in files` with
  `files: Iterable[tuple[str, Path]]`, through `sorted`/`list`/..., `enumerate(files)`,
  `zip(names, paths)` of iterables typed by the rules above, `d.items()` with `d:
  dict[str, Path]`); an index of one (`pair[1]`, `pair[-1]`). A function of another
  module of the run annotated so types the names unpacked from its call (one level).
  `Optional[tuple[...]]` and `tuple[Path, ...]` type no unpacked name (the length is not
  the annotation's), nor does a `*args: tuple[str, Path]` (that types each element);
- names (module constants included) whose every binding in their scope is one of these.
  `None` may sit beside a Path (`p = None` then `p = Path(...)`, `Path | None`): calling a
  method on None raises the same AttributeError before and after the rewrite, since the
  runtime's helpers call the receiver's own method.

Sound: a name is a Path only if every binding LibCST's scopes see is one: plain, annotated
and augmented assignments (`p /= "x"` keeps a Path, any other operator does not), walrus
(also from inside a comprehension, which binds in the enclosing scope, PEP 572), `for`
targets, `with ... as`, `except ... as`, imports, `global`/`nonlocal` writes; a `del` of
the name makes it UNKNOWN. An attribute is a Path only if every store to an attribute of
that name anywhere in the module (`a.x = v`, `a.x += v`, tuple targets, `for a.x in`,
`del a.x`) stores a Path (or None), and none appears in the bodies the pruner cut out.
Writes from other modules are not seen; that costs nothing in behaviour (the runtime's
helpers call the receiver's own method, whatever it is), only the count of one site.

From the other modules of the run (pipeline/package_facts.py, through the file's
`FilePolicy.package`): a name imported from one (`from .paths import DATA_DIR`,
`paths.DATA_DIR`) that its module proves a Path; a call of a function or static/class
method whose return it proves one; an instance of a class of another module (a parameter
annotated with it, also `Optional[Cls]`/`Cls | None`, `Cls(...)`, an element of a
collection annotated `set[Cls]`, what a function or method annotated `-> Cls` returns,
`frag = scriv.new_fragment()`, the elements of one annotated `-> list[Cls]`, `for frag in
scriv.fragments()`, what a `@contextmanager` annotated `-> Iterator[Cls]` yields to `with
... as x`) whose attribute or method it proves one; the same annotations saying Path (`for
p in sources()` with `-> list[Path]`, `with workdir() as d` with `-> Iterator[Path]`),
in this module too; `self.x` or `self.m()` in a class of this module that
defines no `x`/`m` itself but inherits them from bases all of other modules of the run.
Every store to such an attribute in this module must still be a Path. A name rebound from
itself (`path = path.resolve()`) is a Path when every binding that does not read it makes
one (induction: each reads what an earlier binding made). A local name with other bindings
too is typed at a read by the one binding that provably holds there, when one does
(analysis/dominance.py: `save_directory = Path(save_directory)` at the top of the
function, before the reads).

Unannotated returns (the one statement of the rule; pipeline/package_facts.py applies it
on the `ast` side, `unannotated_returns`, for the other modules of the run, and the pruner
keeps the bodies it needs, prune.py `_helper_lines`): a function or method with no return
annotation, whose decorators keep its return as for an annotated one (none, or the caching
and static/class ones; never `async`), returns a Path when its own body (not a nested
function, class or lambda) has at least one `return`, every one of them has a value that is
not the name `None` and is a Path at that point by the rules above (`return Path(x)`,
`return root / name`, a name whose one binding is a Path, or the binding that holds there:
`x = Path(x)` before it, `if not isinstance(x, Path): x = Path(x)` on a parameter), and it
has no `yield`. Falling off the end (an implicit None) is allowed, as `-> Path | None` is:
calling a method on None raises the same AttributeError before and after the rewrite. The
`ast` side knows less about names (the binding that holds at a `return` only when it is a
statement of the body itself, not in a branch or loop; the parameter's narrowing only with
`not isinstance`), never more. A recursive function is not a Path.

NOT_PATH (not a site at all): literals and f-strings, the name `None`, functions and
classes, modules bound by `import m` or by `from pkg import mod` (a module of the run), names resolving into the standard library other than
pathlib (`from importlib import resources`), `PIL.Image`, `zipfile.ZipFile(...)`,
`zipfile.Path(...)`, `tarfile.open(...)`, and instances of a class of the module that has
no bases (`Buffer().read_text()`) but known no-Path classes (`class WheelFile(ZipFile)`,
names.NOT_PATH_TYPES) and no `__enter__`/`__new__` of its own, also reached as a class-level alias
(`self.Serializer(e)` with `Serializer = Serializer` in the class body, no store to the
attribute), an attribute of a class of the module whose every value is one of these
(`_other_attribute`: an unannotated `@property` returning `self._serializer`, every store
to `_serializer` in the module such an instance), and classes of other modules of the run (or their
instances) that provably subclass no Path (`FS.open(...)` on vendored lark's class): such
calls are not file I/O on a path, so coverage does not count them.

Declared receivers (NOT_PATH for one method, `declared_not_path`, asked by the context
for `x.m(...)` when `kind(x)` is UNKNOWN): `x` is a parameter bound once whose annotation
declares it, or an attribute of a class of the module every class-level binding and every
store to which (anywhere in the module) is such a parameter, an annotated value or None,
an instance of classes each of which is
- a known class of the standard library or a package that is no Path
  (names.NOT_PATH_TYPES: `zipfile.ZipFile`, `io.TextIOBase`, `typing.IO`, ...); or
- a class of the run that is provably no Path (every base known: of the run, or neutral
  like `object`/`ABC`/`Generic`), no Protocol (a Path matches one structurally), with no
  metaclass keyword, that defines `m` itself as a method (not a property, not abstract,
  not a class-level value) or inherits it from such a base (package_facts
  `owns_method` for other modules' classes).
Unions count only when every member but None is one (`Path | HelpFormatter` stays
UNKNOWN); builtins are never one (`path: str` is often given Paths). A subclass could
still override `m` or put Path first in its bases: the annotation is taken at its word,
which costs only a count (not rewriting is exact).
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable, Collection, Iterator, Mapping

import libcst as cst
from libcst.metadata import (
    Assignment,
    BuiltinAssignment,
    ClassScope,
    ComprehensionScope,
    FunctionScope,
    ImportAssignment,
    Scope,
)
from migrate_storage.codemods.analysis import _receiver_nodes as _nodes
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.collect import Collector
from migrate_storage.codemods.analysis.dominance import Parent, dominating, narrowing
from migrate_storage.codemods.analysis.path_api import (
    PATH_SEQUENCE_ATTRIBUTES,
    PATH_TYPES,
)
from migrate_storage.codemods.pipeline.package_facts import CALLED, EACH, ENTERED, View
from migrate_storage.codemods.pipeline.package_facts import COLLECTIONS as _COLLECTIONS
from migrate_storage.codemods.pipeline.package_facts import (
    NEUTRAL_BASES as _NEUTRAL_BASES,
)
from migrate_storage.codemods.pipeline.package_facts import PATH as _PATH
from migrate_storage.codemods.pipeline.package_facts import (
    PROTOCOL_BASES as _PROTOCOL_BASES,
)

#: A class of another module of the run, as package_facts names it.
Foreign = tuple

#: attrs' field makers, whose `type=` argument declares the field's type.
_ATTRS_FIELDS = frozenset({"attr.ib", "attr.attrib", "attr.field", "attrs.field"})


class Kind(enum.Enum):
    PATH = "path"
    NOT_PATH = "not a path"
    RUNTIME = "runtime storage"
    # Package data: an importlib.resources Traversable (`files(pkg) / "x"`), read-only and
    # shipped with the code (it may live in a zip): never migrated, never a gap.
    RESOURCE = "package resource"
    UNKNOWN = "unknown"


_LITERALS = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.List,
    cst.Dict,
    cst.Tuple,
    cst.Set,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
    cst.Lambda,
)
_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_MAX_DEPTH = 8
_PATH_CLASSES = PATH_TYPES
# Calls that build something that is not a Path (their `.open` is their own).
_NOT_PATH_CALLS = _names.KNOWN_NOT_PATH | {
    "zipfile.Path",
    "tarfile.TarFile.open",
    "webbrowser.get",  # a browser controller: `webbrowser.get(cmd).open(url)`
    "pathlib.PurePath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
}
# importlib.resources' roots of package data, and the Traversable type that annotates it.
_RESOURCE_CALLS = frozenset({"importlib.resources.files", "importlib_resources.files"})
_RESOURCE_TYPES = frozenset(
    {
        "importlib.abc.Traversable",
        "importlib.resources.abc.Traversable",
        "importlib_resources.abc.Traversable",
    }
)
_ELEMENT_SOURCES = frozenset({"iterdir", "glob", "rglob"})
_SEQUENCE_BUILTINS = frozenset(
    {"builtins.sorted", "builtins.list", "builtins.tuple", "builtins.reversed"}
)
_ONE_ELEMENT_BUILTINS = frozenset({"builtins.next", "builtins.min", "builtins.max"})
_WRAPPERS = frozenset({"Final", "ClassVar", "Annotated", "Required", "NotRequired"})
_STDLIB = frozenset(sys.stdlib_module_names) - {"pathlib"}
_TUPLE_TYPES = frozenset({"builtins.tuple", "typing.Tuple", "typing_extensions.Tuple"})
_MAPPING_TYPES = frozenset(
    {
        f"{module}.{name}"
        for module, names in {
            "builtins": ("dict",),
            "typing": (
                "Dict",
                "Mapping",
                "MutableMapping",
                "OrderedDict",
                "DefaultDict",
            ),
            "collections.abc": ("Mapping", "MutableMapping"),
            "collections": ("OrderedDict", "defaultdict"),
        }.items()
        for name in names
    }
)


class ReceiverTyper:
    """Classifies expressions with the facts the finder's `Collector` gathered.

    `bindings` maps a bound Name node to the value it got (the collector's); `collector`
    adds annotations, loops, augmented assignments, `del` and attribute stores (without
    it those sources count as UNKNOWN); `pruned_text` is the source of the bodies the
    pruner cut out (an attribute stored there is not provable)."""

    def __init__(
        self,
        scopes: Mapping[cst.CSTNode, Scope | None],
        bindings: Mapping[cst.Name, cst.BaseExpression],
        runtime_module: str,
        collector: Collector | None = None,
        pruned_text: str = "",
        class_texts: Mapping[str, str] | None = None,
        package: View | None = None,
        parent: Parent | None = None,
        star_source: Callable[[cst.Name], str | None] | None = None,
    ) -> None:
        self._scopes = scopes
        # What a name no statement of the module binds is, through its star imports
        # (analysis/context.py `_star_source`), spelled for `package`.
        self._star_source = star_source
        self._parent = parent  # the module's parent map, built on first use
        self._package = package
        self._bindings = bindings
        self._facts = collector
        self._pruned_text = pruned_text
        self._class_texts = class_texts or {}
        _, self._rt_storage, self._rt_class = _names.runtime_names(runtime_module)
        self._attributes: dict[tuple[cst.ClassDef, str], Kind] = {}
        self._returns: dict[cst.FunctionDef, Kind] = {}  # of unannotated functions
        # `inherits`, asked for every `self.m(...)` of a class without `m` (a walk of its
        # bases, across modules): once per (class, method)
        self._inherited: dict[tuple[cst.ClassDef, str], bool] = {}
        self._stores: (
            dict[
                str,
                list[
                    tuple[
                        cst.Attribute, cst.BaseExpression | None, cst.Annotation | None
                    ]
                ],
            ]
            | None
        ) = None
        self._walrus: dict[str, list[tuple[Scope, cst.Name]]] | None = None
        # names whose bindings are being evaluated (see _name_kind)
        self._assumed: set[tuple[Scope, str]] = set()
        self._deleted: dict[str, list[cst.Name]] | None = None

    # -- expressions ------------------------------------------------------------------
    def kind(self, node: cst.BaseExpression, depth: int = 0) -> Kind:
        if depth > _MAX_DEPTH:
            return Kind.UNKNOWN
        if isinstance(node, _LITERALS):
            return Kind.NOT_PATH
        if isinstance(node, cst.Call):
            return self._call_kind(node, depth)
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, cst.Divide
        ):
            left = self.kind(node.left, depth + 1)
            if left in (Kind.PATH, Kind.RESOURCE):
                return left
            if (
                isinstance(node.left, _STRINGS)
                and self.kind(node.right, depth + 1) is Kind.PATH
            ):
                return Kind.PATH
            return Kind.UNKNOWN
        if isinstance(node, cst.Attribute):
            if (
                node.attr.value in _names.PATH_TO_PATH_ATTRIBUTES
                and self.kind(node.value, depth + 1) is Kind.PATH
            ):
                return Kind.PATH
            owner = self._class_of(node.value, depth + 1)
            if owner is not None:
                return self._attribute_kind(owner, node.attr.value, depth + 1)
            return self._imported_kind(node)
        if isinstance(node, cst.Subscript):
            if not _nodes.single_index(node):
                return Kind.UNKNOWN
            kind = self._element_kind(node.value, depth + 1)
            index = _literal_index(node)
            if kind is Kind.UNKNOWN and index is not None and self._facts is not None:
                # `pair[1]` with `pair = helper(x)`, `-> tuple[Path, Path]`
                return self._part_kind(node.value, None, [(index, -1)], depth + 1)
            return kind
        if isinstance(node, cst.Name):
            if node.value == "None":
                return Kind.NOT_PATH
            return self._name_kind(node, depth)
        if isinstance(node, cst.NamedExpr):
            return self.kind(node.value, depth + 1)
        if isinstance(node, (cst.BooleanOperation, cst.IfExp)):
            # `path or DEFAULT`, `a if c else b`: a Path when both sides are
            sides = (
                (node.left, node.right)
                if isinstance(node, cst.BooleanOperation)
                else (node.body, node.orelse)
            )
            if all(self.kind(side, depth + 1) is Kind.PATH for side in sides):
                return Kind.PATH
        return Kind.UNKNOWN

    def _qualified(self, node: cst.CSTNode) -> frozenset[str]:
        return _names.qualified_names(self._scopes.get(node), node)

    def _call_kind(self, node: cst.Call, depth: int) -> Kind:
        names = self._qualified(node.func)
        if not _names.all_in(names, _names.PATH_CONSTRUCTORS):
            # `from compat import Path` where the project's compat.py re-exports
            # pathlib's: what it finally is outside the run (package facts)
            names = self._through_the_run(names)
        if _names.all_in(names, _names.PATH_CONSTRUCTORS):
            return Kind.PATH
        if _names.all_in(names, {self._rt_class}):
            return Kind.RUNTIME
        if _names.all_in(names, _NOT_PATH_CALLS):
            return Kind.NOT_PATH
        if _names.all_in(names, _RESOURCE_CALLS):
            return Kind.RESOURCE
        if _names.all_in(names, _ONE_ELEMENT_BUILTINS) and _nodes.one_positional(node):
            return self._element_kind(node.args[0].value, depth + 1)
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "path"
            and self.kind(func.value, depth + 1) is Kind.RUNTIME
        ):
            return Kind.RUNTIME  # `storage.path(x, pin=...)`: its methods are the runtime's
        if isinstance(func, cst.Attribute) and func.attr.value in _names.PATH_TO_PATH_METHODS:
            receiver = self.kind(func.value, depth + 1)
            if receiver is Kind.PATH:
                return Kind.PATH
            if receiver is Kind.RESOURCE and func.attr.value == "joinpath":
                return Kind.RESOURCE
        for definition in self._callee_definitions(func, depth):
            if isinstance(definition, cst.ClassDef):
                plain = _nodes.plain_class(
                    definition,
                    lambda base: _names.all_in(self._qualified(base), _names.NOT_PATH_TYPES),
                )
                return Kind.NOT_PATH if plain else Kind.UNKNOWN
            if not _nodes.returns_unchanged(definition, self._qualified):
                return Kind.UNKNOWN
            returns = definition.returns
            if returns is None:
                return self._unannotated_kind(definition, depth)
            kind = self._annotation_kind(returns)
            return kind if kind in (Kind.PATH, Kind.RESOURCE) else Kind.UNKNOWN
        return self._foreign_call_kind(func, depth)

    def _unannotated_kind(self, function: cst.FunctionDef, depth: int) -> Kind:
        """PATH when the unannotated `function` returns a Path on every way out (the rule
        "Unannotated returns" of the module docstring), else UNKNOWN."""
        if function in self._returns:
            return self._returns[function]
        self._returns[function] = Kind.UNKNOWN  # while computing: recursion is unknown
        kind = Kind.UNKNOWN
        returns = _nodes.own_returns(function)
        if returns and all(
            r.value is not None
            and not (isinstance(r.value, cst.Name) and r.value.value == "None")
            and self.kind(r.value, depth + 1) is Kind.PATH
            for r in returns
        ):
            kind = Kind.PATH
        if self._assumed:  # may rest on a name assumed a Path: not cached
            del self._returns[function]
        else:
            self._returns[function] = kind
        return kind

    # -- receivers declared another class (not a Path) -----------------------------------
    def declared_not_path(self, receiver: cst.BaseExpression, method: str) -> bool:
        """The receiver of `receiver.method(...)` is declared, by annotations, an instance
        of classes that are no Path and whose `method` is not pathlib's (module docstring,
        "Declared receivers"): a parameter bound once (`formatter: HelpFormatter`), or an
        attribute of a class of the module every store to which is such a parameter or
        an annotated value (`self._zipfile = f` with `f: zipfile.ZipFile`)."""
        if isinstance(receiver, cst.Name):
            annotation = self._parameter_annotation(receiver)
            return annotation is not None and self._declared(annotation, method)
        if isinstance(receiver, cst.Attribute):
            owner = self._class_of(receiver.value, 0)
            return isinstance(owner, cst.ClassDef) and self._attribute_declared(
                owner, receiver.attr.value, method
            )
        return False

    def _attribute_declared(self, owner: cst.ClassDef, attr: str, method: str) -> bool:
        if _nodes.member(owner, attr) is not None:
            return False  # a method or property of the class: its value is not declared
        stores = self.attribute_stores(attr)
        if stores is None:
            return False
        declared = False
        seen = [(a, v) for a, v in _nodes.class_level(owner, attr)]
        seen += [(a, v) for _, v, a in stores]
        for annotation, value in seen:
            if annotation is not None:
                if not self._declared(annotation.annotation, method):
                    return False
                declared = True
            elif value is None:
                return False  # a `del`, a tuple target: not seen
            elif isinstance(value, cst.Name) and value.value == "None":
                continue
            elif isinstance(value, cst.Name):
                given = self._parameter_annotation(value)
                if given is None or not self._declared(given, method):
                    return False
                declared = True
            else:
                return False
        return declared

    def _declared(
        self,
        node: cst.BaseExpression,
        method: str,
        scope: Scope | None = None,
        depth: int = 0,
    ) -> bool:
        """Every member of the annotation `node` (a union, `Optional[...]`, a string) is
        None or a class that is no Path and owns `method`; at least one is a class."""
        scope = scope or self._scopes.get(node)
        if scope is None or depth > _MAX_DEPTH:
            return False
        if isinstance(node, cst.SimpleString):
            inner = _quoted(node)
            return inner is not None and self._declared(inner, method, scope, depth + 1)
        members: list[cst.BaseExpression] = []
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            members = [node.left, node.right]
        elif isinstance(node, cst.Subscript) and _nodes.typing_name(
            self._resolve(node.value, scope)
        ) in ("Optional", "Union"):
            if not all(isinstance(e.slice, cst.Index) for e in node.slice):
                return False
            members = [e.slice.value for e in node.slice]  # type: ignore[attr-defined]
        if members:
            classes = [
                m for m in members if not (isinstance(m, cst.Name) and m.value == "None")
            ]
            return bool(classes) and all(
                self._declared(m, method, scope, depth + 1) for m in classes
            )
        if isinstance(node, cst.Subscript):
            node = node.value  # `IO[str]`, `Box[int]`: the class
        resolved = self._resolve(node, scope)
        if _names.all_in(resolved, _names.NOT_PATH_TYPES):
            return True
        if isinstance(node, cst.Name):
            bound = list(scope[node.value])
            if (
                len(bound) == 1
                and isinstance(bound[0], Assignment)
                and isinstance(bound[0].node, cst.ClassDef)
            ):
                return self._chain(bound[0].node, method, depth + 1) == "own"
        foreign = self._foreign_spelled(node, scope)
        return (
            foreign is not None
            and self._package is not None
            and self._package.owns_method(foreign, method)
        )

    def _cut_body_may_define(self, cls: cst.ClassDef, method: str) -> bool:
        """Whether the cut body of `cls` (a stub) may define `method`: its own text names
        it, when the pruner kept that text apart (a class whose name no other class has),
        or another cut body stores to such an attribute or spells the name in a string
        (`X.open = f`, `setattr(X, "open", f)`); else any cut text naming it at all."""
        own = self._class_texts.get(cls.name.value)
        if own is None:
            return _nodes.mentions(method, self._pruned_text)
        return (
            _nodes.mentions(method, own)
            or _nodes.stored_in_text(method, self._pruned_text)
            or re.search(rf"[\'\"]{re.escape(method)}[\'\"]", self._pruned_text) is not None
        )

    def _chain(self, cls: cst.ClassDef, method: str, depth: int) -> str | None:
        """"own" when `cls`, a class of the module, is provably no Path and no Protocol
        and defines `method` (not abstract) or inherits it from such a base; "absent" when
        it is no Path but nothing in it defines `method`; None when not proven."""
        if depth > _MAX_DEPTH or cls.keywords:
            return None
        if _stubbed(cls) and self._cut_body_may_define(cls, method):
            return None  # its body was cut (pipeline/prune.py) and may define `method`
        member = _nodes.member(cls, method)
        found = (
            isinstance(member, cst.FunctionDef)
            and not _nodes.is_property(member, self._qualified)
            and not any(
                _names.dotted(d.decorator) in ("abstractmethod", "abc.abstractmethod")
                for d in member.decorators
            )
        )
        if not found and (member is not None or any(True for _ in _nodes.class_level(cls, method))):
            return None  # an attribute, a property, an abstract method: not proven
        inherited = self._bases_chain(cls, method, depth)
        if inherited is None:
            return None
        return "own" if found or inherited == "own" else "absent"

    def inherits(self, cls: cst.ClassDef, method: str) -> bool:
        """`cls`, a class of the module that is provably no Path, inherits a method
        `method` (not abstract) from its bases, whatever it defines itself: what
        `super().method(...)` in it calls, or `self.method(...)` where it defines none."""
        key = (cls, method)
        if key not in self._inherited:
            self._inherited[key] = self._bases_chain(cls, method, 0) == "own"
        return self._inherited[key]

    def _bases_chain(self, cls: cst.ClassDef, method: str, depth: int) -> str | None:
        """`_chain` over the bases of `cls` alone."""
        if depth > _MAX_DEPTH or cls.keywords:
            return None
        found = False
        for base in cls.bases:
            value = base.value
            if isinstance(value, cst.Subscript):
                value = value.value  # `Generic[T]`, `Base[int]`
            names = self._qualified(value)
            if names & _PROTOCOL_BASES:
                return None
            if (isinstance(value, cst.Name) and value.value == "object") or (
                names and names <= _NEUTRAL_BASES
            ):
                continue
            local = self._class_named(value)
            if local is not None:
                inner = self._chain(local, method, depth + 1)
                if inner is None:
                    return None
                found = found or inner == "own"
                continue
            foreign = self._foreign_class(value)
            package = self._package
            if foreign is None or package is None or not package.not_path_class(foreign):
                return None
            found = found or package.owns_method(foreign, method)
        return "own" if found else "absent"

    def _foreign_spelled(self, node: cst.BaseExpression, scope: Scope) -> Foreign | None:
        """The class of another module of the run a (dotted) name in `scope` names, when
        its root is bound only by imports."""
        spelled = _names.dotted(node)
        if spelled is None or self._package is None:
            return None
        root = spelled.partition(".")[0]
        bound = scope[root]
        if not bound or not all(isinstance(a, ImportAssignment) for a in bound):
            return None
        names = {q.name for q in scope.get_qualified_names_for(spelled)}
        return self._package.class_named(names.pop()) if len(names) == 1 else None

    # -- other modules of the run (pipeline/package_facts.py) ------------------------------
    def _foreign_name(self, node: cst.BaseExpression) -> str | None:
        """The one qualified name of a (dotted) name bound only by imports, else None."""
        if self._package is None:
            return None
        root: cst.BaseExpression = node
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return None
        if not self._imports_binding(root):
            return self._star_name(node, root)
        names = self._qualified(node)
        return next(iter(names)) if len(names) == 1 else None

    def _star_name(self, node: cst.BaseExpression, root: cst.Name) -> str | None:
        """`CorpusReader` (or `api.Reader`) that no statement of the module binds, when
        a star import binds its root (`from .api import *`): its qualified name there."""
        scope = self._scopes.get(root)
        if self._star_source is None or scope is None or scope[root.value]:
            return None
        source = self._star_source(root)
        spelled = _names.dotted(node)
        if source is None or spelled is None:
            return None
        return source + spelled[len(root.value):]

    def _foreign_call_kind(self, func: cst.BaseExpression, depth: int) -> Kind:
        """`target(x)` / `mod.target(x)` / `Cls.make()` imported from a module of the run,
        `obj.method()` on an instance of a class of another module (or inheriting the
        method from one)."""
        package = self._package
        if package is None:
            return Kind.UNKNOWN
        qualified = self._foreign_name(func)
        if qualified is not None:
            if package.call_is_path(qualified):
                return Kind.PATH
            owner = package.class_named(qualified)
            if owner is not None and package.not_path_class(owner, instances=True):
                return Kind.NOT_PATH
            return Kind.UNKNOWN
        if isinstance(func, cst.Attribute):
            owner = self._class_of(func.value, depth + 1)
            if isinstance(owner, tuple):
                return (
                    Kind.PATH
                    if package.method_is_path(owner, func.attr.value)
                    else Kind.UNKNOWN
                )
            name = func.attr.value
            if (
                isinstance(owner, cst.ClassDef)
                and _nodes.member(owner, name) is None
                and not any(True for _ in _nodes.class_level(owner, name))
            ):
                # `self.path_for(x)` with path_for defined by a base in another module
                bases = self._foreign_bases(owner)
                if bases and all(package.method_is_path(b, name) for b in bases):
                    return Kind.PATH
        return Kind.UNKNOWN

    def _foreign_bases(self, owner: cst.ClassDef) -> list[Foreign] | None:
        """The bases of a class of this module, each a class of another module of the
        run (`object` left out); None when one is anything else."""
        package = self._package
        if package is None or owner.keywords:
            return None
        found: list[Foreign] = []
        for base in owner.bases:
            value = base.value
            if isinstance(value, cst.Name) and value.value == "object":
                continue
            qualified = self._foreign_name(value)
            cls = package.class_named(qualified) if qualified is not None else None
            if cls is None:
                return None
            found.append(cls)
        return found

    def _inherited_attribute(self, owner: cst.ClassDef, attr: str) -> Kind:
        """PATH when `owner` defines nothing named `attr` and its bases, all of other
        modules of the run, say Path (none says anything else)."""
        bases = self._foreign_bases(owner)
        if not bases or self._package is None:
            return Kind.UNKNOWN
        answers = {self._package.attribute(b, attr) for b in bases}
        return (
            Kind.PATH
            if answers == {"path"} or answers == {"path", "absent"}
            else Kind.UNKNOWN
        )

    def _callee_definitions(
        self, func: cst.BaseExpression, depth: int
    ) -> Iterator[cst.FunctionDef | cst.ClassDef]:
        """The one function or class of this module that `func` calls, if it is sure."""
        if isinstance(func, cst.Name):
            found = self._only_definitions(func)
            if found is not None and len(found) == 1:
                yield found[0]
        elif isinstance(func, cst.Attribute):
            owner = self._class_of(func.value, depth + 1) or self._class_named(
                func.value
            )
            if isinstance(owner, cst.ClassDef):
                method = _nodes.member(owner, func.attr.value)
                if isinstance(method, cst.FunctionDef) and not _nodes.is_property(
                    method, self._qualified
                ):
                    yield method
                elif method is None:
                    # `self.Serializer(e)` with `Serializer = Serializer` in the class
                    # body: that class, when no store to the attribute rebinds it
                    values = list(_nodes.class_level(owner, func.attr.value))
                    if (
                        len(values) == 1
                        and values[0][0] is None
                        and values[0][1] is not None
                        and self.attribute_stores(func.attr.value) == []
                    ):
                        aliased = self._aliased_class(values[0][1])
                        if aliased is not None:
                            yield aliased

    def _only_definitions(
        self, name: cst.Name
    ) -> list[cst.FunctionDef | cst.ClassDef] | None:
        scope = self._scopes.get(name)
        if scope is None:
            return None
        assignments = scope[name.value]
        nodes = [a.node for a in assignments if isinstance(a, Assignment)]
        if not assignments or len(nodes) != len(assignments):
            return None
        if not all(isinstance(n, (cst.FunctionDef, cst.ClassDef)) for n in nodes):
            return None
        return nodes  # type: ignore[return-value]

    def _aliased_class(self, value: cst.BaseExpression) -> cst.ClassDef | None:
        """The class a class-level `Alias = Cls` names; `Serializer = Serializer` reads
        the enclosing scope's (the class body's own binding does not exist yet), which
        LibCST's class scope does not tell apart."""
        found = self._class_named(value)
        if found is not None or not isinstance(value, cst.Name):
            return found
        scope = self._scopes.get(value)
        if not isinstance(scope, ClassScope):
            return None
        own = [a for a in scope[value.value] if isinstance(a, Assignment)]
        holder = self._parent(value) if self._parent is not None else None
        if (
            len(own) != 1
            or len(scope[value.value]) != 1
            or not isinstance(holder, cst.Assign)
            or holder.value is not value
            or [t.target for t in holder.targets] != [own[0].node]
        ):
            return None
        outer = scope.parent[value.value]
        nodes = [a.node for a in outer if isinstance(a, Assignment)]
        if len(nodes) == 1 and len(outer) == 1 and isinstance(nodes[0], cst.ClassDef):
            return nodes[0]
        return None

    def _class_named(self, node: cst.BaseExpression) -> cst.ClassDef | None:
        if isinstance(node, cst.Name):
            found = self._only_definitions(node)
            if (
                found is not None
                and len(found) == 1
                and isinstance(found[0], cst.ClassDef)
            ):
                return found[0]
        return None

    def _element_kind(self, node: cst.BaseExpression, depth: int) -> Kind:
        """PATH when every element of the iterable `node` is a Path."""
        if depth > _MAX_DEPTH:
            return Kind.UNKNOWN
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in _ELEMENT_SOURCES:
                return (
                    Kind.PATH
                    if self.kind(func.value, depth + 1) is Kind.PATH
                    else Kind.UNKNOWN
                )
            if _names.all_in(self._qualified(func), _SEQUENCE_BUILTINS) and node.args:
                first = node.args[0]
                if not first.star and first.keyword is None:
                    return self._element_kind(first.value, depth + 1)
            if self._returned_class(func, depth + 1) == (_PATH, EACH):
                return Kind.PATH  # `for p in sources()` with `-> list[Path]`
            return Kind.UNKNOWN
        if isinstance(node, (cst.List, cst.Tuple)) and node.elements:
            kinds = {
                Kind.UNKNOWN
                if isinstance(e, cst.StarredElement)
                else self.kind(e.value, depth + 1)
                for e in node.elements
            }
            return Kind.PATH if kinds == {Kind.PATH} else Kind.UNKNOWN
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            # `[e for e in d.glob("*.json") if ...]`: its elements are what `elt` is there.
            return self.kind(node.elt, depth + 1)
        if isinstance(node, cst.Attribute):
            if (
                node.attr.value in PATH_SEQUENCE_ATTRIBUTES
                and self.kind(node.value, depth + 1) is Kind.PATH
            ):
                return Kind.PATH  # `Path(__file__).parents[1]`
            return self._attribute_element_kind(node, depth)
        if isinstance(node, cst.Name):
            values = self._plain_values(node)
            if values and all(
                self._element_kind(v, depth + 1) is Kind.PATH for v in values
            ):
                return Kind.PATH
            return self._parameter_element_kind(node)
        return Kind.UNKNOWN

    def _plain_values(self, node: cst.Name) -> list[cst.BaseExpression] | None:
        """The values of a name bound only by plain assignments, else None."""
        scope = self._scopes.get(node)
        if scope is None or self._rebound_elsewhere(node, scope):
            return None
        assignments = scope[node.value]
        values = []
        for a in assignments:
            if not isinstance(a, Assignment) or a.node not in self._bindings:
                return None
            values.append(self._bindings[a.node])
        return values or None

    # -- imports and modules ----------------------------------------------------------
    def _imported_kind(self, node: cst.Attribute | cst.Name) -> Kind:
        """A dotted name that resolves through imports: a module, the runtime, ..."""
        names = self._qualified(node)
        if _names.all_in(names, {self._rt_storage}):
            return Kind.RUNTIME
        if _names.all_in(names, _names.KNOWN_NOT_PATH):
            return Kind.NOT_PATH
        root: cst.BaseExpression = node
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return Kind.UNKNOWN
        imports = self._imports_binding(root)
        qualified = self._foreign_name(node) if imports else None
        if qualified is not None and self._package is not None:
            package = self._package
            if package.value_is_path(qualified):
                return Kind.PATH  # `from .paths import DATA_DIR`, `paths.DATA_DIR`
            owner = package.class_named(qualified)
            if owner is not None:
                # `FS.open(...)`: a class object, a Path only if it may subclass one
                return Kind.NOT_PATH if package.not_path_class(owner) else Kind.UNKNOWN
            if package.is_module(qualified):
                return Kind.NOT_PATH  # `from nltk import pathsec`: a module of the run
            if package.in_run(qualified):
                return Kind.UNKNOWN  # a member of a module of the run: not proven
        if imports and all(isinstance(i, cst.Import) for i in imports):
            # `import webbrowser` binds a module, never a Path; but `config.DATA_DIR` after
            # `import config` is a member of a module outside the run: not proven
            modules = {
                _names.dotted(alias.name)
                for i in imports
                for alias in i.names  # type: ignore[union-attr]
            }
            if isinstance(node, cst.Name) or (names and names <= modules):
                return Kind.NOT_PATH
        if imports and names and all(n.partition(".")[0] in _STDLIB for n in names):
            return Kind.NOT_PATH  # the standard library holds no Path constants
        return Kind.UNKNOWN

    def _imports_binding(self, name: cst.Name) -> list[cst.CSTNode]:
        """The import statements binding `name`, if nothing else binds it."""
        scope = self._scopes.get(name)
        if scope is None:
            return []
        assignments = scope[name.value]
        if not all(isinstance(a, ImportAssignment) for a in assignments):
            return []
        return [a.node for a in assignments]  # type: ignore[union-attr]

    # -- names ------------------------------------------------------------------------
    def _name_kind(self, node: cst.Name, depth: int) -> Kind:
        scope = self._scopes.get(node)
        if scope is None:
            return Kind.UNKNOWN
        assignments = scope[node.value]
        if not assignments or self._rebound_elsewhere(node, scope):
            return Kind.UNKNOWN
        key = (scope, node.value)
        if key in self._assumed:
            # `path = path.resolve()`, `target = target or DEFAULT` in a function: the
            # name's own bindings are being proven Paths; each use of it in them reads a
            # value an earlier binding of the local made (else UnboundLocalError), so by
            # induction it is one (nothing is cached meanwhile). Not in a class or module
            # body, where `_os = _os` reads the global or builtin one.
            return Kind.PATH
        if isinstance(scope, FunctionScope):
            self._assumed.add(key)
        try:
            kind = self._bindings_kind(node, assignments, depth)
        finally:
            self._assumed.discard(key)
        if kind is Kind.UNKNOWN and isinstance(scope, FunctionScope):
            return self._dominating_kind(node, assignments, depth)
        return kind

    def _dominating_kind(
        self, node: cst.Name, assignments: Collection[object], depth: int
    ) -> Kind:
        """The kind of the one binding that holds at the read `node` when
        analysis/dominance.py proves one (`path = Path(path)` before every read of a
        parameter that may be a str), else UNKNOWN."""
        if self._parent is None or len(assignments) < 2:
            return Kind.UNKNOWN
        if not all(type(a) is Assignment for a in assignments):
            return Kind.UNKNOWN  # an import, a builtin: not this function's own
        nodes = [a.node for a in assignments]  # type: ignore[attr-defined]
        target = dominating(node, nodes, self._parent)
        if target is not None:
            return self._assignment_kind(target, depth + 1)
        found = narrowing(node, nodes, self._parent)
        if found is None or self._assignment_kind(found[1], depth + 1) is not Kind.PATH:
            return Kind.UNKNOWN
        tested = self._isinstance_test(found[0].test, node.value)
        if tested is None:
            return Kind.UNKNOWN
        negated, classes = tested
        if negated:  # `if not isinstance(p, Path): p = Path(p)`: a Path either way
            return Kind.PATH if _names.all_in(classes, _PATH_CLASSES) else Kind.UNKNOWN
        if not _names.all_in(classes, {"builtins.str"}):
            return Kind.UNKNOWN
        # `if isinstance(p, str): p = Path(p)` where the parameter is a str or a Path
        params = [n for n in nodes if isinstance(n, cst.Param)]
        ok = bool(params) and all(
            self._str_or_path_type(p.annotation, self._scopes.get(p.name)) for p in params
        )
        return Kind.PATH if ok else Kind.UNKNOWN

    def _isinstance_test(
        self, test: cst.BaseExpression, name: str
    ) -> tuple[bool, frozenset[str]] | None:
        """(negated, the classes' qualified names) for `isinstance(name, C)` or `not
        isinstance(name, C)`, else None."""
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        call = test.expression if negated else test  # type: ignore[attr-defined]
        if not isinstance(call, cst.Call) or not _names.all_in(
            self._qualified(call.func), {"builtins.isinstance"}
        ):
            return None
        args = call.args
        if len(args) != 2 or any(a.star or a.keyword for a in args):
            return None
        subject = args[0].value
        if not isinstance(subject, cst.Name) or subject.value != name:
            return None
        classes = self._qualified(args[1].value)
        return (negated, classes) if classes else None

    def _bindings_kind(
        self, node: cst.Name, assignments: Collection[object], depth: int
    ) -> Kind:
        kinds: set[Kind] = set()
        neutral = 0  # bindings that keep a Path a Path (None, `p /= x`)
        for assignment in assignments:
            if isinstance(assignment, ImportAssignment):
                kind = self._imported_kind(node)
            elif isinstance(assignment, BuiltinAssignment):
                kind = Kind.UNKNOWN
            elif isinstance(assignment, Assignment):
                if self._is_neutral(assignment.node):
                    neutral += 1
                    continue
                kind = self._assignment_kind(assignment.node, depth)
            else:
                kind = Kind.UNKNOWN
            if kind is Kind.UNKNOWN:
                return Kind.UNKNOWN
            kinds.add(kind)
        if len(kinds) != 1:
            return Kind.UNKNOWN
        kind = kinds.pop()
        return kind if kind is Kind.PATH or not neutral else Kind.UNKNOWN

    def _is_neutral(self, bound: cst.CSTNode) -> bool:
        if isinstance(bound, cst.Name) and bound in self._bindings:
            value = self._bindings[bound]
            return isinstance(value, cst.Name) and value.value == "None"
        facts = self._facts
        if (
            facts is not None
            and isinstance(bound, cst.Name)
            and bound in facts.augmented
        ):
            return isinstance(facts.augmented[bound].operator, cst.DivideAssign)
        return False

    def _rebound_elsewhere(self, node: cst.Name, scope: Scope) -> bool:
        """A `del` of the name or a `match` capture of it (`case str() as p`: LibCST's
        scopes record neither), or a walrus in a comprehension that binds it in this scope
        or one enclosing it (LibCST puts that binding in the comprehension's scope)."""
        if self._facts is None:
            return False
        if self._walrus is None:
            self._index_rebindings()
        assert self._walrus is not None and self._deleted is not None
        enclosing = set(_nodes.enclosing(scope))
        if any(target in enclosing for target, _ in self._walrus.get(node.value, ())):
            return True
        ours = set(scope[node.value])
        for deleted in self._deleted.get(node.value, ()):
            their = self._scopes.get(deleted)
            if their is not None and (
                their in enclosing or ours & set(their[node.value])
            ):
                return True
        return False

    def _index_rebindings(self) -> None:
        assert self._facts is not None
        self._walrus, self._deleted = {}, {}
        for target in self._bindings:
            scope = self._scopes.get(target)
            if (
                isinstance(scope, ComprehensionScope)
                and target not in self._facts.loops
            ):
                while isinstance(scope, ComprehensionScope):
                    scope = scope.parent
                self._walrus.setdefault(target.value, []).append((scope, target))
        for name in (*self._facts.deleted, *self._facts.captured):
            self._deleted.setdefault(name.value, []).append(name)

    def _assignment_kind(self, bound: cst.CSTNode, depth: int) -> Kind:
        facts = self._facts
        if isinstance(bound, cst.Param):
            annotation = bound.annotation
            kind = Kind.UNKNOWN if annotation is None else self._annotation_kind(annotation)
            return kind if kind in (Kind.PATH, Kind.RESOURCE) else Kind.UNKNOWN
        if isinstance(bound, (cst.FunctionDef, cst.ClassDef)):
            return Kind.NOT_PATH
        if not isinstance(bound, cst.Name):
            return Kind.UNKNOWN
        if (
            facts is not None
            and bound in facts.annotations
            and self._annotation_kind(facts.annotations[bound]) is Kind.PATH
        ):
            return Kind.PATH
        if bound in self._bindings:
            value = self._bindings[bound]
            if (
                facts is not None
                and isinstance(value, cst.Call)
                and value in facts.with_of_item
                and self._returned_class(value.func, depth + 1) == (_PATH, ENTERED)
            ):
                return Kind.PATH  # `with workdir() as d` of a @contextmanager -> Iterator[Path]
            return self.kind(value, depth + 1)
        if facts is not None and bound in facts.loops:
            return self._element_kind(facts.loops[bound], depth + 1)
        if facts is not None:
            return self._unpacked_kind(bound, depth + 1)
        return Kind.UNKNOWN

    # -- names unpacked from typed tuples ---------------------------------------------
    def _unpacked_kind(self, bound: cst.Name, depth: int) -> Kind:
        """PATH for a name unpacked from a tuple whose position holds a Path (see
        "Unpacked tuples" in the module docstring): `a, b = helper(x)` with `-> tuple[Path,
        Path]`, `for rel, path in files` with `files: Iterable[tuple[str, Path]]`."""
        assert self._facts is not None
        parents = self._facts.parents
        steps: list[tuple[int, int]] = []  # (index, length) from the outermost target
        node: cst.CSTNode = bound
        while isinstance(element := parents.get(node), cst.Element):
            target = parents.get(element)
            if not isinstance(target, (cst.Tuple, cst.List)):
                return Kind.UNKNOWN
            elements = list(target.elements)
            if any(isinstance(e, cst.StarredElement) for e in elements):
                return Kind.UNKNOWN  # `a, *rest = ...`: positions shift
            index = next(i for i, e in enumerate(elements) if e is element)
            steps.insert(0, (index, len(elements)))
            node = target
        if not steps:
            return Kind.UNKNOWN
        holder = parents.get(node)
        if isinstance(holder, cst.AssignTarget):
            statement = parents.get(holder)
            if not isinstance(statement, cst.Assign):
                return Kind.UNKNOWN
            return self._part_kind(statement.value, None, steps, depth + 1)
        if isinstance(holder, (cst.For, cst.CompFor)) and holder.target is node:
            return self._unpacked_element_kind(holder.iter, steps, depth + 1)
        return Kind.UNKNOWN

    def _unpacked_element_kind(
        self, iterable: cst.BaseExpression, steps: list[tuple[int, int]], depth: int
    ) -> Kind:
        """The kind of the part `steps` names of each element of `iterable`."""
        if depth > _MAX_DEPTH:
            return Kind.UNKNOWN
        if not steps:
            return self._element_kind(iterable, depth + 1)
        (index, length), rest = steps[0], steps[1:]
        if isinstance(iterable, cst.Call):
            names = self._qualified(iterable.func)
            args = iterable.args
            positional = [a for a in args if a.keyword is None]
            if any(a.star for a in args):
                return Kind.UNKNOWN
            if _names.all_in(names, _SEQUENCE_BUILTINS) and len(positional) == 1:
                return self._unpacked_element_kind(
                    positional[0].value, steps, depth + 1
                )
            if _names.all_in(names, {"builtins.enumerate"}) and len(positional) in (1, 2):
                # `for i, (rel, p) in enumerate(files)`: (count, element)
                if length != 2 or index != 1:
                    return Kind.UNKNOWN
                return self._unpacked_element_kind(positional[0].value, rest, depth + 1)
            if _names.all_in(names, {"builtins.zip"}) and len(positional) == length:
                # `for name, p in zip(names, paths)`: one element of each iterable
                return self._unpacked_element_kind(
                    positional[index].value, rest, depth + 1
                )
            func = iterable.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value == "items"
                and not args
                and length == 2
            ):
                # `for key, p in paths.items()` with `paths: dict[str, Path]`
                declared = self._declared_type(func.value, depth + 1)
                parts = None if declared is None else self._mapping_parts(*declared)
                if parts is None:
                    return Kind.UNKNOWN
                return self._part_kind(parts[0][index], parts[1], rest, depth + 1)
        declared = self._declared_type(iterable, depth + 1)
        if declared is None:
            return Kind.UNKNOWN
        annotation, scope = declared
        annotation = _unquoted(annotation)
        element = _collection_element(annotation, lambda n: self._resolve(n, scope))
        if element is None:
            return Kind.UNKNOWN
        return self._part_kind(element, scope, steps, depth + 1)

    def _part_kind(
        self,
        source: cst.BaseExpression,
        scope: Scope | None,
        steps: list[tuple[int, int]],
        depth: int,
    ) -> Kind:
        """The kind of the part `steps` names of `source`: an expression when `scope` is
        None (`Path(a), Path(b)`, `helper(x)`), else an annotation read in `scope`."""
        for step, (index, length) in enumerate(steps):
            if depth > _MAX_DEPTH:
                return Kind.UNKNOWN
            depth += 1
            if scope is None and isinstance(source, (cst.Tuple, cst.List)):
                elements = list(source.elements)
                if not _fits(index, length, len(elements)) or any(
                    isinstance(e, cst.StarredElement) for e in elements
                ):
                    return Kind.UNKNOWN
                source = elements[index].value
                continue
            if scope is None:
                declared = self._declared_type(source, depth)
                if declared is None:
                    if step == len(steps) - 1 and isinstance(source, cst.Call):
                        return self._foreign_part_kind(source.func, index, length)
                    return Kind.UNKNOWN
                source, scope = declared
            source = _unquoted(source)
            parts = self._tuple_parts(source, scope)
            if parts is None or not _fits(index, length, len(parts)):
                # `tuple[Path, ...]`, `Optional[tuple[...]]`, a length mismatch
                return Kind.UNKNOWN
            source = parts[index]
        if scope is None:
            return self.kind(source, depth + 1)
        return Kind.PATH if self._is_path_type(source, scope, 0) else Kind.UNKNOWN

    def _foreign_part_kind(self, func: cst.BaseExpression, index: int, length: int) -> Kind:
        """PATH when `func` is a function of another module of the run annotated to
        return a tuple of fixed length whose position `index` is a Path
        (package_facts `returned_parts`)."""
        qualified = self._foreign_name(func) if self._package is not None else None
        if qualified is None:
            return Kind.UNKNOWN
        parts = self._package.returned_parts(qualified)  # type: ignore[union-attr]
        if parts is None or not _fits(index, length, len(parts)):
            return Kind.UNKNOWN
        return Kind.PATH if parts[index] else Kind.UNKNOWN

    def _declared_type(
        self, node: cst.BaseExpression, depth: int
    ) -> tuple[cst.BaseExpression, Scope] | None:
        """The annotation that declares what `node` holds, and its scope: the return
        annotation of the function or method of this module it calls (as `-> Path` is
        followed), a parameter's (its only binding), a name annotated at its one binding,
        or what the one plain value of a name bound once declares."""
        if depth > _MAX_DEPTH:
            return None
        annotation: cst.Annotation | None = None
        if isinstance(node, cst.Call):
            for definition in self._callee_definitions(node.func, depth):
                if (
                    isinstance(definition, cst.FunctionDef)
                    and definition.returns is not None
                    and _nodes.returns_unchanged(definition, self._qualified)
                    and not _nodes.is_context_manager(definition, self._qualified)
                ):
                    annotation = definition.returns
        elif isinstance(node, cst.Name):
            only = self._only_binding(node)
            if only is None:
                return None
            bound = only.node
            if isinstance(bound, cst.Param):
                params = getattr(only.scope.node, "params", None)
                if params is None or bound in (params.star_arg, params.star_kwarg):
                    return None  # `*pairs: tuple[str, Path]` annotates each element
                annotation = bound.annotation
            elif isinstance(bound, cst.Name) and self._facts is not None:
                annotation = self._facts.annotations.get(bound)
                if annotation is None and bound in self._bindings:
                    return self._declared_type(self._bindings[bound], depth + 1)
        if annotation is None:
            return None
        scope = self._scopes.get(annotation.annotation)
        return None if scope is None else (annotation.annotation, scope)

    def _tuple_parts(
        self, node: cst.BaseExpression, scope: Scope
    ) -> list[cst.BaseExpression] | None:
        """`[A, B]` of `tuple[A, B]`/`Tuple[A, B]` (never `tuple[A, ...]`)."""
        if not isinstance(node, cst.Subscript):
            return None
        if not _names.all_in(self._resolve(node.value, scope), _TUPLE_TYPES):
            return None
        slices = [e.slice for e in node.slice]
        if not all(isinstance(s, cst.Index) for s in slices):
            return None
        values = [s.value for s in slices]  # type: ignore[union-attr]
        if any(isinstance(v, cst.Ellipsis) for v in values):
            return None
        return values

    def _mapping_parts(
        self, node: cst.BaseExpression, scope: Scope
    ) -> tuple[list[cst.BaseExpression], Scope] | None:
        """`[K, V]` of `dict[K, V]`, `Mapping[K, V]`, ... (what `.items()` pairs)."""
        node = _unquoted(node)
        if not isinstance(node, cst.Subscript):
            return None
        if not _names.all_in(self._resolve(node.value, scope), _MAPPING_TYPES):
            return None
        slices = [e.slice for e in node.slice]
        if len(slices) != 2 or not all(isinstance(s, cst.Index) for s in slices):
            return None
        return [s.value for s in slices], scope  # type: ignore[union-attr]

    # -- annotations ------------------------------------------------------------------
    def _annotation_kind(self, annotation: cst.Annotation) -> Kind:
        """PATH for `Path`, `Optional[Path]`, `Path | None`, ... (see the module docstring)."""
        node = annotation.annotation
        scope = self._scopes.get(node)
        if scope is not None and _names.all_in(self._resolve(node, scope), _RESOURCE_TYPES):
            return Kind.RESOURCE
        return Kind.PATH if self._is_path_type(node, scope, 0) else Kind.UNKNOWN

    def _is_path_type(
        self, node: cst.BaseExpression, scope: Scope | None, depth: int
    ) -> bool:
        if scope is None or depth > _MAX_DEPTH:
            return False
        parts = list(self._union_parts(node, scope, depth))
        return (
            bool(parts)
            and all(p in ("path", "none", "resource") for p in parts)
            and "path" in parts
        )

    def _str_or_path_type(self, annotation: cst.Annotation | None, scope: Scope | None) -> bool:
        """`str | Path` (or `Union[str, Path]`, `Optional[...]` of it, `str` alone)."""
        if annotation is None or scope is None:
            return False
        parts = set(self._union_parts(annotation.annotation, scope, 0))
        return parts <= {"path", "str", "none"} and bool(parts - {"none"})

    def _union_parts(
        self, node: cst.BaseExpression, scope: Scope, depth: int
    ) -> Iterator[str]:
        """ "path", "str", "none", "resource" (a Traversable) or "?" for each member of a
        (possibly nested) union."""
        if isinstance(node, cst.SimpleString):
            inner = _quoted(node)
            if inner is None:
                yield "?"
            else:
                yield from self._union_parts(inner, scope, depth + 1)
            return
        if isinstance(node, cst.Name) and node.value == "None":
            yield "none"
            return
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, cst.BitOr
        ):
            yield from self._union_parts(node.left, scope, depth + 1)
            yield from self._union_parts(node.right, scope, depth + 1)
            return
        if isinstance(node, cst.Subscript):
            outer = _nodes.typing_name(self._resolve(node.value, scope))
            elements = [e.slice for e in node.slice]
            if not all(isinstance(e, cst.Index) for e in elements):
                yield "?"
                return
            values = [e.value for e in elements]  # type: ignore[union-attr]
            if outer == "Optional" and len(values) == 1:
                yield from self._union_parts(values[0], scope, depth + 1)
                yield "none"
            elif outer == "Union":
                for value in values:
                    yield from self._union_parts(value, scope, depth + 1)
            elif outer in _WRAPPERS and values:
                yield from self._union_parts(values[0], scope, depth + 1)
            else:
                yield "?"
            return
        resolved = self._through_the_run(self._resolve(node, scope))
        yield (
            "path"
            if _names.all_in(resolved, _PATH_CLASSES)
            else "str"
            if _names.all_in(resolved, {"builtins.str"})
            else "resource"
            if _names.all_in(resolved, _RESOURCE_TYPES)
            else "?"
        )

    def _through_the_run(self, names: frozenset[str]) -> frozenset[str]:
        """`names`, each one a module of the run re-exports (`from ..types import
        Traversable`) replaced by what it finally is outside the run (package_facts);
        unchanged where that is not known."""
        package = self._package
        if package is None or not names:
            return names
        return frozenset(package.external(n) or n for n in names)

    def _resolve(self, node: cst.BaseExpression, scope: Scope) -> frozenset[str]:
        """Qualified names of a dotted name, also when it was parsed from a string."""
        if node in self._scopes:
            return self._qualified(node)
        spelled = _names.dotted(node)
        if spelled is None:
            return frozenset()
        return frozenset(q.name for q in scope.get_qualified_names_for(spelled))

    # -- classes and their attributes -------------------------------------------------
    def _class_of(
        self, node: cst.BaseExpression, depth: int
    ) -> cst.ClassDef | Foreign | None:
        """The class of this module `node` is an instance of (or, for `cls`, is), if sure:
        `self`/`cls` of a method, a parameter annotated with the class, `Class(...)`, what
        a function or method annotated to return the class returns."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Call):
            return self._made_by(node, depth)
        if not isinstance(node, cst.Name):
            return None
        scope = self._scopes.get(node)
        if scope is None:
            return None
        assignments = scope[node.value]
        if not assignments or self._rebound_elsewhere(node, scope):
            return None
        found: set[cst.ClassDef | Foreign] = set()
        for assignment in assignments:
            owner = self._class_of_binding(assignment, depth)
            if owner is None:
                return None
            found.add(owner)
        return found.pop() if len(found) == 1 else None

    def _class_of_binding(
        self, assignment: object, depth: int
    ) -> cst.ClassDef | Foreign | None:
        if not isinstance(assignment, Assignment):
            return None
        bound = assignment.node
        if isinstance(bound, cst.Param):
            method_scope = assignment.scope
            if (
                isinstance(method_scope, FunctionScope)
                and isinstance(method_scope.parent, ClassScope)
                and isinstance(method_scope.node, cst.FunctionDef)
            ):
                function = method_scope.node
                first = [*function.params.posonly_params, *function.params.params][:1]
                if (
                    first
                    and first[0] is bound
                    and not _nodes.is_static(function, self._qualified)
                ):
                    owner = method_scope.parent.node
                    return owner if isinstance(owner, cst.ClassDef) else None
            if bound.annotation is not None:
                return self._annotated_class(bound.annotation.annotation)
            return None
        if isinstance(bound, cst.Name) and bound in self._bindings:
            value = self._bindings[bound]
            if isinstance(value, cst.Call):
                if self._facts is not None and value in self._facts.with_of_item:
                    # `with make() as x` binds what `__enter__` returns, which a return
                    # annotation does not say (but a @contextmanager's does)
                    made = self._class_named(value.func) or self._foreign_class(
                        value.func
                    )
                    return made or self._returned(value.func, ENTERED, depth)
                return self._made_by(value, depth)
        if (
            isinstance(bound, cst.Name)
            and self._facts is not None
            and bound in self._facts.loops
        ):
            return self._element_class(self._facts.loops[bound], depth + 1)
        return None

    def _element_class(
        self, node: cst.BaseExpression, depth: int
    ) -> cst.ClassDef | Foreign | None:
        """The class of every element of the iterable `node`, from the return annotation
        (`-> set[BuildIncludeFile]`) of the function or method of this module it comes
        from, also through `sorted`/`list`/`tuple`/`reversed` and a name bound once."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Call):
            if (
                _names.all_in(self._qualified(node.func), _SEQUENCE_BUILTINS)
                and node.args
            ):
                first = node.args[0]
                if not first.star and first.keyword is None:
                    return self._element_class(first.value, depth + 1)
                return None
            return self._returned(node.func, EACH, depth)
        if isinstance(node, cst.Name):
            annotation = self._parameter_annotation(node)
            if annotation is not None:
                element = _collection_element(annotation, self._qualified)
                return None if element is None else self._annotated_class(element)
            values = self._plain_values(node)
            if values:
                found = {self._element_class(v, depth + 1) for v in values}
                if len(found) == 1:
                    return found.pop()
        return None

    def _made_by(self, call: cst.Call, depth: int) -> cst.ClassDef | Foreign | None:
        """The class of what `call` gives: an instance of the class it calls, or of the
        class its callee is annotated to return."""
        made = self._class_named(call.func) or self._foreign_class(call.func)
        if made is not None:
            return made
        return self._returned(call.func, CALLED, depth)

    def _returned(
        self, func: cst.BaseExpression, how: int, depth: int
    ) -> cst.ClassDef | Foreign | None:
        """The class of the run that `_returned_class` finds reached as `how` says."""
        found = self._returned_class(func, depth + 1)
        if found is None or found[1] != how or found[0] == _PATH:
            return None
        return found[0]  # type: ignore[return-value]

    def _returned_class(
        self, func: cst.BaseExpression, depth: int
    ) -> tuple[cst.ClassDef | Foreign | str, int] | None:
        """What the function or method `func` calls is annotated to give, and how
        (package_facts' CALLED, EACH, ENTERED): a class of the run, or _PATH for
        pathlib's; of this module (`-> Fragment`, `-> list[Fragment]`, a @contextmanager's
        `-> Iterator[Path]`), imported from another module of the run, or a method of an
        instance of a class of another module (`scriv.new_fragment()`)."""
        if depth > _MAX_DEPTH:
            return None
        for definition in self._callee_definitions(func, depth):
            if not isinstance(definition, cst.FunctionDef) or definition.returns is None:
                return None
            annotation = definition.returns.annotation
            how = CALLED
            if _nodes.is_context_manager(definition, self._qualified):
                how = ENTERED
            elif not _nodes.returns_unchanged(definition, self._qualified):
                return None
            element = _collection_element(annotation, self._qualified)
            if element is not None:
                annotation, how = element, EACH if how == CALLED else how
            elif how == ENTERED:
                return None  # a context manager annotated with no Iterator[X]
            if self._annotation_kind(cst.Annotation(annotation)) is Kind.PATH:
                return _PATH, how
            owner = self._annotated_class(annotation)
            return (owner, how) if owner is not None else None
        if self._package is None:
            return None
        qualified = self._foreign_name(func)
        if qualified is not None:
            return self._package.returned_class(qualified)
        if isinstance(func, cst.Attribute):
            owner = self._class_of(func.value, depth + 1)
            if isinstance(owner, tuple):
                return self._package.returned_class(owner=owner, method=func.attr.value)
        return None

    def _annotated_class(self, node: cst.BaseExpression) -> cst.ClassDef | Foreign | None:
        """The class an annotation names, also as `Optional[C]`, `C | None`, `"C"`."""
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            sides = [
                side
                for side in (node.left, node.right)
                if not (isinstance(side, cst.Name) and side.value == "None")
            ]
            return self._annotated_class(sides[0]) if len(sides) == 1 else None
        if isinstance(node, cst.Subscript) and _names.all_in(
            self._qualified(node.value), frozenset({"typing.Optional"})
        ):
            inner = [e.slice for e in node.slice]
            if len(inner) == 1 and isinstance(inner[0], cst.Index):
                return self._annotated_class(inner[0].value)
            return None
        return self._class_named(node) or self._foreign_class(node)

    def _attribute_element_kind(self, node: cst.Attribute, depth: int) -> Kind:
        """PATH for the elements of `self.files` when a class of this module annotates
        `files` at class level (a dataclass, attrs or NamedTuple field) as a one-element
        collection of Path (`frozenset[Path]`, `list[Path]`, `tuple[Path, ...]`), with no
        value or an empty one, and no store to an attribute of that name anywhere in the
        module (what is stored there could not be read element by element)."""
        owner = self._class_of(node.value, depth + 1)
        if not isinstance(owner, cst.ClassDef):
            return Kind.UNKNOWN
        attr = node.attr.value
        levels = list(_nodes.class_level(owner, attr))
        if not levels or _nodes.member(owner, attr) is not None:
            return Kind.UNKNOWN
        for annotation, value in levels:
            if annotation is None or not _empty_default(value, self._qualified):
                return Kind.UNKNOWN
            if not self._holds_paths(annotation.annotation):
                return Kind.UNKNOWN
        return Kind.PATH if self.attribute_stores(attr) == [] else Kind.UNKNOWN

    def _holds_paths(self, annotation: cst.BaseExpression, *, each: bool = False) -> bool:
        """`annotation` is a one-element collection of Path (`list[Path]`,
        `Iterable[Path]`, `tuple[Path, ...]`); with `each`, it types each element itself
        (`*paths: Path`)."""
        element = annotation if each else _collection_element(annotation, self._qualified)
        return element is not None and self._is_path_type(
            element, self._scopes.get(annotation), 0
        )

    def _parameter_annotation(self, node: cst.Name) -> cst.BaseExpression | None:
        """The annotation of the parameter `node` names, when that is its only binding."""
        found = self._parameter(node)
        if found is None or found[0].annotation is None:
            return None
        return found[0].annotation.annotation

    def _parameter(self, node: cst.Name) -> tuple[cst.Param, Scope] | None:
        """The parameter `node` names and its function's scope, when that is its only
        binding."""
        only = self._only_binding(node)
        if only is None or not isinstance(only.node, cst.Param):
            return None
        return only.node, only.scope

    def _only_binding(self, node: cst.Name) -> Assignment | None:
        """The one assignment of the name `node` reads, when nothing else (a capture, a
        `global` elsewhere) may rebind it."""
        scope = self._scopes.get(node)
        if scope is None or self._rebound_elsewhere(node, scope):
            return None
        assignments = list(scope[node.value])
        if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
            return None
        return assignments[0]

    def _parameter_element_kind(self, node: cst.Name) -> Kind:
        """PATH when the parameter `node` names (its only binding) holds Paths: `*paths:
        Path`, or an annotation `list[Path]`, `Iterable[Path]`, `tuple[Path, ...]`,
        `frozenset[Path]`, ... (`**kwargs` never: its elements are the keywords)."""
        found = self._parameter(node)
        if found is None or found[0].annotation is None:
            return Kind.UNKNOWN
        param, scope = found
        function = getattr(scope, "node", None)
        params = getattr(function, "params", None)
        if params is None or params.star_kwarg is param:
            return Kind.UNKNOWN
        annotation = param.annotation.annotation  # type: ignore[union-attr]
        each = params.star_arg is param
        return Kind.PATH if self._holds_paths(annotation, each=each) else Kind.UNKNOWN

    def _foreign_class(self, node: cst.BaseExpression) -> Foreign | None:
        """`Config` (also as a string annotation) imported from a module of the run."""
        if isinstance(node, cst.SimpleString) and self._package is not None:
            parsed = _quoted(node)
            if parsed is None:
                return None
            spelled = _names.dotted(parsed)
            scope = self._scopes.get(node)
            if spelled is None or scope is None:
                return None
            root = spelled.partition(".")[0]
            if (
                not all(isinstance(a, ImportAssignment) for a in scope[root])
                or not scope[root]
            ):
                return None
            names = {q.name for q in scope.get_qualified_names_for(spelled)}
            return self._package.class_named(names.pop()) if len(names) == 1 else None
        qualified = self._foreign_name(node)
        return (
            self._package.class_named(qualified)
            if qualified and self._package
            else None
        )

    def _attribute_kind(
        self, owner: cst.ClassDef | Foreign, attr: str, depth: int
    ) -> Kind:
        if isinstance(owner, tuple):
            # a class of another module: its module's facts, and every store here
            if self._package is None or self._package.attribute(owner, attr) != "path":
                return Kind.UNKNOWN
            return self._stores_keep_path(attr, depth)
        key = (owner, attr)
        if key not in self._attributes:
            self._attributes[key] = Kind.UNKNOWN  # while computing: cycles are unknown
            kind = self._compute_attribute_kind(owner, attr, depth)
            if kind is Kind.UNKNOWN and self._other_attribute(owner, attr, depth):
                kind = Kind.NOT_PATH
            if self._assumed:  # may rest on a name assumed a Path: not cached
                del self._attributes[key]
                return kind
            self._attributes[key] = kind
        return self._attributes[key]

    def _stores_keep_path(self, attr: str, depth: int) -> Kind:
        stores = self.attribute_stores(attr)
        if stores is None:
            return Kind.UNKNOWN
        for _target, value, annotation in stores:
            if self._store_kind(value, annotation, depth) is Kind.UNKNOWN:
                return Kind.UNKNOWN
        return Kind.PATH

    def _store_kind(
        self,
        value: cst.BaseExpression | None,
        annotation: cst.Annotation | None,
        depth: int,
    ) -> Kind | None:
        """What one store to an attribute stores: PATH (annotated a Path, or a Path
        value), None for the name None (neutral beside a Path), else UNKNOWN."""
        if annotation is not None and self._annotation_kind(annotation) is Kind.PATH:
            return Kind.PATH
        if value is None:
            return Kind.UNKNOWN
        if isinstance(value, cst.Name) and value.value == "None":
            return None
        return Kind.PATH if self.kind(value, depth + 1) is Kind.PATH else Kind.UNKNOWN

    def _compute_attribute_kind(
        self, owner: cst.ClassDef, attr: str, depth: int
    ) -> Kind:
        evidence = False
        member = _nodes.member(owner, attr)
        defined = member is not None or any(
            True for _ in _nodes.class_level(owner, attr)
        )
        if isinstance(member, cst.FunctionDef):
            if (
                not _nodes.is_property(member, self._qualified)
                or member.returns is None
            ):
                return Kind.UNKNOWN
            evidence = self._annotation_kind(member.returns) is Kind.PATH
            if not evidence:
                return Kind.UNKNOWN
        for annotation, value in _nodes.class_level(owner, attr):
            if (
                (
                    annotation is not None
                    and self._annotation_kind(annotation) is Kind.PATH
                )
                or (value is not None and self.kind(value, depth + 1) is Kind.PATH)
                or (value is not None and self._attrs_path_field(value))
            ):
                evidence = True
            elif not (isinstance(value, cst.Name) and value.value == "None"):
                return Kind.UNKNOWN
        if self._facts is None:
            return Kind.PATH if evidence else Kind.UNKNOWN
        stores = self.attribute_stores(attr)
        if stores is None:
            return Kind.UNKNOWN  # maybe stored in a body the pruner cut out
        for target, value, annotation in stores:
            stored = self._store_kind(value, annotation, depth)
            if stored is None:
                continue
            if stored is not Kind.PATH:
                return Kind.UNKNOWN
            evidence = evidence or self._class_of(target.value, depth + 1) is owner
        if (
            not evidence
            and not defined
            and not any(
                self._class_of(target.value, depth + 1) is owner
                for target, _, _ in stores
            )
        ):
            return self._inherited_attribute(
                owner, attr
            )  # `self._path` of a base elsewhere
        return Kind.PATH if evidence else Kind.UNKNOWN

    def _other_attribute(self, owner: cst.ClassDef, attr: str, depth: int) -> bool:
        """Every value the attribute `attr` of `owner` holds, as this module shows it, is
        provably no Path (NOT_PATH, None beside): an unannotated `@property` of the class
        whose every return is one (`return self._serializer`), with no store to the name;
        or class-level values and the module's every store to an attribute of that name
        (`self._serializer = self.Serializer(emitter)`, a plain class of the module), none
        annotated. Its `.open()` is then that object's own method, not file I/O."""
        stores = self.attribute_stores(attr)
        if stores is None:
            return False
        member = _nodes.member(owner, attr)
        class_level = list(_nodes.class_level(owner, attr))
        if member is not None:
            if (
                not isinstance(member, cst.FunctionDef)
                or not _nodes.is_property(member, self._qualified)
                or member.returns is not None
                or stores
                or class_level
            ):
                return False
            returns = _nodes.own_returns(member)
            return bool(returns) and all(
                r.value is not None and self.kind(r.value, depth + 1) is Kind.NOT_PATH
                for r in returns  # type: ignore[union-attr]
            )
        evidence = False
        for annotation, value in [*class_level, *((a, v) for _, v, a in stores)]:
            if annotation is not None or value is None:
                return False
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            if self.kind(value, depth + 1) is not Kind.NOT_PATH:
                return False
            evidence = True
        return evidence

    def _attrs_path_field(self, value: cst.BaseExpression) -> bool:
        """`attr.ib(type=Path)` / `attrs.field(type=Optional[Path])`: an attrs field
        declared a Path by its `type=` argument (a `converter=` may make it anything)."""
        if (
            not isinstance(value, cst.Call)
            or not self._qualified(value) & _ATTRS_FIELDS
        ):
            return False
        keywords = {
            a.keyword.value: a.value for a in value.args if a.keyword is not None
        }
        declared = keywords.get("type")
        return (
            declared is not None
            and "converter" not in keywords
            and self._is_path_type(declared, self._scopes.get(declared), 0)
        )

    def attribute_stores(
        self, attr: str
    ) -> (
        list[tuple[cst.Attribute, cst.BaseExpression | None, cst.Annotation | None]]
        | None
    ):
        """Every store to (or `del` of) an attribute named `attr` in the module, as
        (target, value or None when not seen, annotation); None when a body the pruner
        cut out may hold one too, or the module's facts were not collected."""
        if self._facts is None or (
            self._pruned_text and _nodes.stored_in_text(attr, self._pruned_text)
        ):
            return None
        if self._stores is None:
            self._stores = {}
            assert self._facts is not None
            for store in self._facts.attribute_stores:
                self._stores.setdefault(store[0].attr.value, []).append(store)
        return self._stores.get(attr, [])


def _stubbed(cls: cst.ClassDef) -> bool:
    """The class body is one `...` (what pipeline/prune.py leaves of a cut class)."""
    statements = list(_nodes.class_statements(cls))
    return (
        len(statements) == 1
        and isinstance(statements[0], cst.Expr)
        and isinstance(statements[0].value, cst.Ellipsis)
    )


#: Empty defaults of a collection field: `frozenset()`, `field(default_factory=list)`.
_EMPTY_MAKERS = frozenset(
    {"builtins.frozenset", "builtins.set", "builtins.list", "builtins.tuple"}
)
_FIELDS = frozenset({"dataclasses.field", "attr.ib", "attr.attrib", "attrs.field"})


def _empty_default(
    value: cst.BaseExpression | None, qualified: Callable[[cst.CSTNode], frozenset[str]]
) -> bool:
    """No class-level value, or one that holds no element: `()`, `[]`, `frozenset()`,
    `field(default_factory=list)` (a factory of the empty collections only)."""
    if value is None:
        return True
    if isinstance(value, (cst.List, cst.Tuple)) and not value.elements:
        return True
    if not isinstance(value, cst.Call):
        return False
    names = qualified(value.func)
    if names and names <= _EMPTY_MAKERS:
        return not value.args
    if not names or not names <= _FIELDS:
        return False
    for arg in value.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword in ("default_factory", "factory"):
            made = qualified(arg.value)
            if not made or not made <= _EMPTY_MAKERS:
                return False
        elif keyword in (None, "default"):
            return False
    return True


def _fits(index: int, length: int, size: int) -> bool:
    """Unpacking `length` names from `size` parts, or (`length` -1) indexing them."""
    if length >= 0:
        return length == size
    return -size <= index < size


def _literal_index(node: cst.Subscript) -> int | None:
    """`1` of `pair[1]`, `-1` of `pair[-1]`, else None."""
    value = node.slice[0].slice.value  # type: ignore[attr-defined]
    sign = 1
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        sign, value = -1, value.expression
    if isinstance(value, cst.Integer):
        return sign * int(value.value, 0)
    return None


def _quoted(node: cst.SimpleString) -> cst.BaseExpression | None:
    """A string annotation (`"tuple[Path, Path]"`) parsed (its names resolve in the
    string's own scope), None when it is no expression."""
    try:
        return cst.parse_expression(node.evaluated_value)  # type: ignore[arg-type]
    except (cst.ParserSyntaxError, TypeError):
        return None


def _unquoted(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node`, or the expression a string annotation spells (itself when none)."""
    parsed = _quoted(node) if isinstance(node, cst.SimpleString) else None
    return node if parsed is None else parsed


def _collection_element(
    node: cst.BaseExpression, qualified: Callable[[cst.CSTNode], frozenset[str]]
) -> cst.BaseExpression | None:
    """`X` of `set[X]`, `list[X]`, `Sequence[X]`, `Iterable[X]`, `tuple[X, ...]`,
    `Iterator[X]`, `Generator[X, ...]` (builtins, typing, collections.abc)."""
    if not isinstance(node, cst.Subscript):
        return None
    outer = qualified(node.value)
    if not outer or not all(
        n.rpartition(".")[2] in _COLLECTIONS | {"Generator"}
        and n.rpartition(".")[0] in ("builtins", "typing", "collections.abc")
        for n in outer
    ):
        return None
    elements = [e.slice for e in node.slice]
    if not all(isinstance(e, cst.Index) for e in elements):
        return None
    values = [e.value for e in elements]  # type: ignore[union-attr]
    if any(n.endswith("Generator") for n in outer):
        values = values[:1]  # Generator[Yield, Send, Return]
    if len(values) == 2 and isinstance(values[1], cst.Ellipsis):
        values = values[:1]  # tuple[X, ...]
    return values[0] if len(values) == 1 else None


def joined_with_str(receiver: cst.BaseExpression) -> bool:
    """`(folder / "train.tsv").open(...)`, `(root / "old.bin").unlink()`: a receiver made
    by `/` from a name and a str literal or an f-string, the path-joining idiom (flair's
    dataset converters, whose folders are unannotated parameters). What `/` with a str
    makes and has such a method is a path: a Path, or a path-like (`zipfile.Path`, a
    resources Traversable, a UPath) whose own method the runtime calls as written; `str /
    str` raised before. So pathlib_io rewrites its `open` and lifecycle its `unlink`,
    `replace`, `rename` and `touch` as a Path's (lookup-first where the arguments may run
    code). Not an attribute on the left (`self._path / "x"`): the receiver typer judges
    those by the class (a subclass re-annotating `_path: str`, a base outside the run)."""
    return (
        isinstance(receiver, cst.BinaryOperation)
        and isinstance(receiver.operator, cst.Divide)
        and isinstance(receiver.left, cst.Name)
        and isinstance(
            receiver.right, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
        )
    )
