"""File functions and classes used as values: counted, never rewritten.

A function that reads, writes, moves or removes files does that I/O wherever it is
finally called; when the module hands it on instead of calling it (`self._run_safely(
os.replace, tmp, dst)`, `asyncio.to_thread(os.remove, p)`, `map(os.remove, paths)`,
`functools.partial(shutil.copy, src)`), stores it (`self.fileobj_factory =
lzma.LZMAFile`, `_open_item = staticmethod(open)`, `{"xz": lzma.LZMAFile, "gz":
gzip.open}`) or makes it a default (`def load(p, opener=open)`), the call that does the
I/O names something else (`fn(*args)`, `self.fileobj_factory(path, "wb")`) and is no
site. So each such reference is a site itself, of the function's family: UNMIGRATED,
reason "file function used as a value", so that the cover no longer counts the module's
other I/O as all of it.

Recognition is by qualified name through the scope analysis, as for calls (the same
tables: builtin open and `io.open`, `codecs.open`, families/lifecycle.py's FUNCTIONS,
families/third_party.py's FUNCTIONS): `from os import replace as concurrency_safe_rename`
then `staticmethod(concurrency_safe_rename)` is `os.replace`; a parameter, a local or a
module-level `def` named `open` is not builtin open. The references the prefilter lets
through are names and attributes read where they stand, neither called nor looked into
(`open.__name__`); this module then keeps those whose value can reach a call:

**Rewrites**
- Nothing. A stand-in in place of the value would not be the same object: `fn is
  os.replace`, `fn.__name__`, its repr, `pickle.dumps(fn)` (joblib and multiprocessing
  pickle functions by reference) and `staticmethod(open)` in a class body (a plain
  function there would become a method) could all tell, and a wrapper made at import
  that defers to later patches is not what was captured (the B3 finding: the module's
  `open` used as a value keeps the builtin, analysis/bindings.py). The callee that gets
  the value is usually a method another class may override, so "it only calls it" is
  not provable from the module either.

**Leaves alone (why)**
- Every reference that escapes (an argument, an assigned or returned value, a default,
  an element of a list, tuple, set or dict, a lambda's body, a decorator): UNMIGRATED
  "file function used as a value"; a bare name in a module with a star import:
  UNMIGRATED "name may come from a star import" (what it is cannot be known).
- A removal handed a temporary folder this module proves scratch (`atexit.register(
  shutil.rmtree, d)` with `d = mkdtemp()`): LOCAL, like the folder (families/scratch.py).
  So is a removal registered for a temporary file whose name goes nowhere but to that
  registration, its commit or a child process (`atexit.register(os.remove, tmp)`,
  `stack.callback(functools.partial(os.unlink, f.name))`, families/scratch.py). A
  temporary file's name handed on with a removal to anything else (`retry(os.remove,
  tmp)`) is not proven scratch: what `retry` does with it is not known.
- Not sites at all: the callee of a call (the call is the site, in its own family);
  a local alias only called (`ct = shutil.copytree` then `ct(a, b)`, bound once in its
  function, analysis/names.py `local_alias`): each call is the site, migrated with
  `call=ct`;
  a reference given to a call of a file function (`shutil.copytree(a, b,
  copy_function=shutil.copy2)`: that call is the site) or of the runtime (the `call=`
  of a migrated call, `storage.replace(a, b, pin=True, call=os.replace)`); an operand of a comparison
  (`fn is os.replace`), also as an element of a set, list or tuple display that is one
  (`{os.open, os.unlink} <= os.supports_dir_fd`); an argument of `isinstance`, `issubclass`, `hasattr`, `getattr`,
  `callable`, `id`, `type` or `repr` (they never call it); the spec of a mock
  (`mock.Mock(spec=open)`, `create_autospec(os.replace)`; not `wraps=`, which calls
  it); the object `mock.patch.object` patches an attribute of (`patch.object(
  tarfile.TarFile, "extractall")`); a class given alone to a `register`
  (`@normalize_token.register(np.memmap)`, `ABC.register(io.FileIO)`); a class's base or keyword
  (`class Archive(zipfile.ZipFile)`: the subclass's own calls are not followed); a type
  (inside an annotation or a subscript: `Optional[gzip.GzipFile]`); stores and `del`.
- json/pickle functions (they take a handle, whose open is the site) and Path methods
  used as values (`map(Path.read_text, paths)`) are not counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import libcst as cst
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import Found, Position
from migrate_storage.codemods.analysis.uses import Flow
from migrate_storage.codemods.families import (
    codecs_open,
    lifecycle,
    open_calls,
    scratch,
    third_party,
)
from migrate_storage.codemods.families.examples import Unchanged
from migrate_storage.codemods.families.protocol import Candidates
from migrate_storage.codemods.model import Family, Reason

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

#: Qualified name -> (the family its sites are counted in, the name reported).
VALUE_FUNCTIONS: dict[str, tuple[Family, str]] = {
    "builtins.open": (Family.OPEN, "open"),
    "io.open": (Family.OPEN, "io.open"),
    codecs_open.FUNCTION: (Family.OPEN, codecs_open.FUNCTION),
    **{name: (Family.LIFECYCLE, name) for name in lifecycle.FUNCTIONS},
    **{name: (Family.THIRD_PARTY, name) for name in third_party.FUNCTIONS},
}
assert open_calls.BUILTIN_OPEN <= VALUE_FUNCTIONS.keys()

# Builtins that take a function without ever calling it.
_NEVER_CALLING = frozenset(
    f"builtins.{name}"
    for name in (
        "isinstance",
        "issubclass",
        "hasattr",
        "getattr",
        "callable",
        "id",
        "type",
        "repr",
    )
)

# unittest.mock's makers: a function given as `spec=`/`spec_set=` (or autospec'd) only
# shapes the mock (`mock.Mock(spec=open)`): it is never called through it.
_MOCK_MAKERS = frozenset(
    f"{module}.{name}"
    for module in ("unittest.mock", "mock")
    for name in ("Mock", "MagicMock", "NonCallableMock", "NonCallableMagicMock",
                 "AsyncMock", "create_autospec")
)

# `mock.patch.object(tarfile.TarFile, "extractall", ...)`: the object whose attribute is
# replaced (the first positional argument), never called by the patch.
_PATCH_OBJECT = frozenset({"unittest.mock.patch.object", "mock.patch.object"})
# Classes of the tables spelled in lower case: a class, like a capitalised name, given
# alone to a `register` is a dispatch key or a virtual subclass, never called there.
_LOWER_CASE_CLASSES = frozenset({"numpy.memmap"})

KIND = "value"  # `Found.kind`: its `call` is the reference, not a call

DESCRIPTION = (
    "Count file functions used as values (retry(os.replace, a, b)) as unmigrated."
)

EXAMPLES: tuple[Unchanged, ...] = (
    Unchanged(
        "import os\n\n\ndef commit(tmp, dst):\n    retry(os.replace, tmp, dst)\n",
        "Should do nothing, since the replace is done by whatever `retry` calls, which a"
        " stand-in in place of the value would not be (counted as used as a value).",
        site_reason=Reason.FUNCTION_VALUE,
    ),
    Unchanged(
        "class Store:\n    _open_item = staticmethod(open)\n",
        "Should do nothing, since the class keeps the builtin open it captured (counted"
        " as used as a value).",
        site_reason=Reason.FUNCTION_VALUE,
    ),
    Unchanged(
        "import lzma\n\nCOMPRESSORS = {'xz': lzma.LZMAFile}\n",
        "Should do nothing, since lzma opens the path itself wherever the table's entry"
        " is called (counted as used as a value).",
        site_reason=Reason.FUNCTION_VALUE,
    ),
    Unchanged(
        "import gzip\n\n\ndef is_gzip(f):\n    return isinstance(f, gzip.GzipFile)\n",
        "Should do nothing, since isinstance never calls the class: no site.",
    ),
    Unchanged(
        "from unittest import mock\n\nfake = mock.Mock(spec=open)\n",
        "Should do nothing, since a mock's spec only shapes the mock: no site.",
    ),
)

# -- the family protocol (families/protocol.py) ---------------------------------------------

#: Classified on their own: the rules apply before `decide` (which has nothing to decide).
DERIVED = False

#: The same names the call families let through (their words, modules and last parts),
#: counted where they are not called.
CANDIDATES = Candidates.by_name(
    VALUE_FUNCTIONS,
    text=open_calls.CANDIDATES.text
    + codecs_open.CANDIDATES.text
    + lifecycle.CANDIDATES.text
    + third_party.CANDIDATES.text,
    bare_names=frozenset({"open"}),
    value_functions=frozenset(name.rpartition(".")[2] for name in VALUE_FUNCTIONS),
)
COMMAND = None  # counts only (see the module docstring)
SARIF_RULES: tuple[()] = ()  # its sites are reported under their functions' families


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """No call is this family's: its sites are references (`recognise_value`)."""
    return None


def recognise_value(
    node: cst.Name | cst.Attribute, position: Position, ctx: Context
) -> Found | None:
    """A site when `node` resolves to a function of VALUE_FUNCTIONS and its value can
    reach a call (`_escapes`): UNMIGRATED "file function used as a value", LOCAL when it
    is a removal handed a proven temporary name."""
    flow = ctx.flow
    known = sorted(n for n in flow.names(node) if n in VALUE_FUNCTIONS)
    if not known or not _escapes(node, flow, f"{ctx.runtime}."):
        return None
    if _aliased_for_calls(node, ctx):
        return None
    family, name = VALUE_FUNCTIONS[known[0]]
    # The reference stands where a call stands for the other families (Found.call).
    item = Found(cast(cst.Call, node), position, KIND, family, name)
    removed = _removes_scratch(node, name, flow)
    if removed is not None:
        return scratch.as_scratch(item, removed)
    if isinstance(node, cst.Name) and ctx.star_may_bind(node.value):
        return item.unmigrated(Reason.STAR_IMPORT)
    return item.unmigrated(Reason.FUNCTION_VALUE)


def decide(items: list[Found], ctx: Context) -> None:
    """Nothing to decide: a function used as a value is counted, never rewritten."""


def _aliased_for_calls(node: cst.BaseExpression, ctx: Context) -> bool:
    """`ct = shutil.copytree` in a function, where `ct` is a local alias (analysis/names.py
    `local_alias`) read at least once, and every read is a call the collector kept (so
    each is a site of the function's family: the families resolve `ct(...)` through the
    alias) or the `call=` of a migrated call: the value is that call's, not handed on."""
    parent = ctx.flow.parent(node)
    if not (isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1):
        return False
    target = parent.targets[0].target
    if not isinstance(target, cst.Name):
        return False
    reads = _names.alias_reads(target, ctx.scopes, ctx.collector.parents, runtime=ctx.runtime)
    if not reads:
        return False
    collected = {id(call) for call, _ in ctx.collector.calls}
    for read in reads:
        call = ctx.flow.parent(read)
        if (
            isinstance(call, cst.Call)
            and call.func is read
            and (id(call) not in collected or ctx.alias_of(read) is None)
        ):
            return False
    return True


# -- what the value may reach ----------------------------------------------------------------


def _escapes(node: cst.BaseExpression, flow: Flow, runtime: str) -> bool:
    """Whether the value of `node` may be called by what receives it: not a type (inside
    an annotation or a subscript), not compared, not a class's base, not given to a
    builtin that never calls it nor to a call of a file function (that call is the
    site) or of the runtime (`storage.replace(a, b, call=os.replace)`: migrated there;
    `runtime` is the runtime module's prefix, `storage_runtime.`)."""
    parent = flow.parent(node)
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
        return False
    if isinstance(parent, cst.Element) and parent.value is node:
        # `{os.open, os.unlink} <= os.supports_dir_fd`, `fn in (os.remove, os.unlink)`:
        # an element of a display that is itself only compared
        display = flow.parent(parent)
        if isinstance(display, (cst.Set, cst.List, cst.Tuple)) and isinstance(
            flow.parent(display), (cst.Comparison, cst.ComparisonTarget)
        ):
            return False
    if isinstance(parent, cst.Arg) and parent.value is node:
        holder = flow.parent(parent)
        if isinstance(holder, cst.ClassDef):
            return False
        if isinstance(holder, cst.Call):
            callee = flow.names(holder.func)
            if callee and (
                callee <= _NEVER_CALLING
                or callee & VALUE_FUNCTIONS.keys()
                or all(n.startswith(runtime) for n in callee)
            ):
                return False
            if callee and callee <= _MOCK_MAKERS and _is_spec(parent, holder):
                return False  # `mock.Mock(spec=open)`: the mock's shape
            first = holder.args[0] is parent and parent.keyword is None and not parent.star
            if first and callee and callee <= _PATCH_OBJECT:
                return False  # `mock.patch.object(tarfile.TarFile, "extractall")`
            if first and len(holder.args) == 1 and _registers_a_class(node, holder, flow):
                return False  # `@normalize.register(np.memmap)`, `ABC.register(FileIO)`
    current: cst.CSTNode | None = parent
    while current is not None and not isinstance(
        current, (cst.BaseStatement, cst.BaseSmallStatement, cst.Lambda)
    ):
        if isinstance(current, (cst.Annotation, cst.SubscriptElement)):
            return False
        current = flow.parent(current)
    return True


def _registers_a_class(node: cst.BaseExpression, call: cst.Call, flow: Flow) -> bool:
    """`call` is `<anything>.register(<a class>)`: functools.singledispatch's `register`
    takes the class as the key of the function it decorates, `abc.ABC.register` makes it
    a virtual subclass; neither calls it. (`atexit.register(shutil.rmtree, d)` hands on a
    function, which is called: no class, and a second argument.) A class: a capitalised
    name (`io.FileIO`, `tarfile.TarFile`) or one of `_LOWER_CASE_CLASSES`."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "register"):
        return False
    names = flow.names(node)
    return bool(names) and all(
        n in _LOWER_CASE_CLASSES or n.rpartition(".")[2][:1].isupper() for n in names
    )


def _is_spec(arg: cst.Arg, call: cst.Call) -> bool:
    """`arg` is the spec of a mock maker's `call`: `spec=`/`spec_set=`, or
    `create_autospec`'s first positional argument (the makers take no other first
    positional but `spec`)."""
    if arg.keyword is not None:
        return arg.keyword.value in ("spec", "spec_set")
    return not arg.star and call.args and call.args[0] is arg


def _removes_scratch(node: cst.BaseExpression, name: str, flow: Flow) -> Reason | None:
    """The scratch reason when `node` is a removal passed positionally with the path it
    removes right after it (`atexit.register(shutil.rmtree, d)`), and that path is a
    temporary folder, or a temporary file whose name goes nowhere else, this module
    proves scratch (families/scratch.py); None otherwise."""
    if name not in lifecycle.REMOVALS:
        return None
    use = flow.as_argument(node)
    if use is None or use.index is None:
        return None
    positional = [a for a in use.call.args if a.keyword is None]
    if use.index + 1 >= len(positional) or positional[use.index + 1].star:
        return None
    path = positional[use.index + 1].value
    if scratch.temporary_directory_name(path, flow):
        return Reason.TEMPORARY_DIRECTORY
    return scratch.removed_scratch(path, flow)
