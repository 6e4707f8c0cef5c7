"""What a called name resolves to, and the name tables the analyses share (what builds a
Path, what is known not to be one, what is not a file).

Resolution goes through LibCST's ScopeProvider (`Scope.get_qualified_names_for`), the
same machinery `QualifiedNameProvider` uses, but asked only for the few candidate nodes
instead of every node of the module (the provider's eager pass is what makes it slow).
A local `def open`, a parameter named `open`, `from gzip import open` or `Image.open`
therefore never resolve to `builtins.open`, whatever they are spelled.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Collection, Iterable, Mapping

import libcst as cst
from libcst.metadata import Assignment, BaseAssignment, FunctionScope, Scope
from migrate_storage.codemods.analysis import path_api as _path_api

# What pathlib's API builds: one table with the package facts (analysis/path_api.py).
PATH_CONSTRUCTORS = _path_api.PATH_CONSTRUCTORS
PATH_TO_PATH_METHODS = _path_api.PATH_TO_PATH_METHODS
PATH_TO_PATH_ATTRIBUTES = _path_api.PATH_TO_PATH_ATTRIBUTES

# Receivers known not to be a Path: their `.open` is some other library's open.
KNOWN_NOT_PATH = frozenset(
    {
        "PIL.Image",
        "webbrowser",
        "tarfile",
        "tarfile.TarFile",
        "tarfile.open",
        "zipfile",
        "zipfile.ZipFile",
        "wave",
        "sunau",
        "aifc",
        "shelve",
        "dbm",
    }
)

# Classes of the standard library and known packages that are no pathlib.Path and no
# subclass of one: a receiver an annotation declares one of these is not a pathlib site,
# whatever method it calls (`f: zipfile.ZipFile` ... `f.open(member)`). Builtins are left
# out on purpose: `path: str` is a common annotation of a parameter given Paths.
NOT_PATH_TYPES = frozenset(
    {
        "zipfile.ZipFile",
        "zipfile.ZipExtFile",
        "zipfile.ZipInfo",
        "tarfile.TarFile",
        "tarfile.TarInfo",
        "io.IOBase",
        "io.RawIOBase",
        "io.BufferedIOBase",
        "io.TextIOBase",
        "io.TextIOWrapper",
        "io.BufferedReader",
        "io.BufferedWriter",
        "io.BufferedRandom",
        "io.BufferedRWPair",
        "io.FileIO",
        "io.StringIO",
        "io.BytesIO",
        "typing.IO",
        "typing.TextIO",
        "typing.BinaryIO",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
        "shelve.Shelf",
        "sqlite3.Connection",
        "socket.socket",
        "ftplib.FTP",
        "PIL.Image.Image",
    }
)

# json.dump(obj, sys.stdout) and in-memory buffers are not file I/O.
NOT_FILE_HANDLES = frozenset(
    {
        "sys.stdout", "sys.stderr", "sys.stdin", "io.StringIO", "io.BytesIO",
        "sys.stdout.buffer", "sys.stderr.buffer", "sys.stdin.buffer",
        # an HTTP response (`with urlopen(url) as response: json.load(response)`)
        "urllib.request.urlopen",
    }
)

# The tables of names each family recognises are its own (families/<family>.py); the
# names the prefilter looks for are their union (`Candidates`, pipeline/prefilter.py).


# A module with star imports: which reads of a name a star import may rebind, unseen by
# LibCST's scopes (analysis/context.py `star_rebinds`), by the module's global scope.
# Weak both ways: the method's object holds the scopes, which would keep the key alive.
_STAR_REBINDS: weakref.WeakKeyDictionary[Scope, weakref.WeakMethod] = (
    weakref.WeakKeyDictionary()
)


def register_star_rebinds(scope: Scope, rebinds: Callable[[cst.Name], bool]) -> None:
    """From now on, `qualified_names` of a dotted name whose root read `rebinds` (a bound
    method) says a star import may rebind is empty (unknown), in the module whose global
    scope is `scope`."""
    _STAR_REBINDS[scope] = weakref.WeakMethod(rebinds)  # type: ignore[arg-type]


def qualified_names(
    scope: Scope | None, node: cst.CSTNode, *, star: bool = True
) -> frozenset[str]:
    """The qualified names `node` may refer to (several after conditional imports).
    None (empty) when a star import may rebind its root after the import LibCST saw
    (`from os import remove` then `from helpers import *`: helpers' `remove`), unless
    `star` is False (the finder then leaves the site alone, analysis/finder.py)."""
    if scope is None:
        return frozenset()
    root = node
    while isinstance(root, cst.Attribute):
        root = root.value
    if root is not node and not isinstance(root, cst.Name):
        # `open(p).read`, `Path(x).name`: an attribute of what a call (a subscript, ...)
        # gave, which no import names. LibCST answers `builtins.open` for a builtin's call
        # but `storage_runtime.open.read` once the open is imported from the runtime, so
        # a decision on it changed between the first pass and the second
        return frozenset()
    found = frozenset(q.name for q in scope.get_qualified_names_for(node))
    if found and star:
        ref = _STAR_REBINDS.get(scope.globals)
        rebinds = ref() if ref is not None else None
        if rebinds is not None:
            root = node
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, cst.Name) and rebinds(root):
                return frozenset()
    return found


def runtime_names(runtime_module: str) -> tuple[str, str, str]:
    """(`rt.open`, `rt.storage`, `rt.Storage`) for the configured runtime module."""
    return (
        f"{runtime_module}.open",
        f"{runtime_module}.storage",
        f"{runtime_module}.Storage",
    )


def first_free_name(base: str, taken: Collection[str]) -> str:
    """`base`, or `base_2`, `base_3`, ... : the first not in `taken`."""
    if base not in taken:
        return base
    for n in range(2, 10_000):
        candidate = f"{base}_{n}"
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free name for {base!r}")  # pragma: no cover - 10k clashes


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a chain of Names and Attributes, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def all_in(names: Iterable[str], allowed: Collection[str]) -> bool:
    """True when `names` is non-empty and every name is in `allowed`."""
    names = list(names)
    return bool(names) and all(n in allowed for n in names)


# -- a local alias of a dotted function (README "local function aliases") -------------------


def local_alias(
    name: cst.Name,
    scopes: Mapping[cst.CSTNode, Scope | None],
    parents: Mapping[cst.CSTNode, cst.CSTNode],
    *,
    runtime: str | None = None,
) -> cst.Attribute | None:
    """The dotted value (`shutil.copytree`) a callee name stands for, when `name` is a
    local alias of it: bound exactly once in its function, by `name = a.b` (one target, an
    attribute chain), in a statement that is not in a loop and comes, in the same block,
    before every statement that reads the name; and every read of the name is, in that
    function itself (not a nested one), the callee of a call, or (after `apply`) the
    `call=` of a runtime call (`runtime`: the runtime module's name). So the call calls
    the object the value gave, as `a.b(...)` would have at that moment: `storage.f(...,
    call=name)` is exact. None otherwise: bound twice, in a loop, by `for`/`with`/walrus,
    `global`/`nonlocal` (the binding is another scope's), at class or module level,
    deleted, or read as a value anywhere (passed, returned, stored, compared)."""
    scope = scopes.get(name)
    if not isinstance(scope, FunctionScope):
        return None
    assignments = list(scope[name.value])
    if len(assignments) != 1:
        return None
    found = _alias(assignments[0], scope, scopes, parents, runtime)
    return found[0] if found is not None else None


def alias_reads(
    target: cst.Name,
    scopes: Mapping[cst.CSTNode, Scope | None],
    parents: Mapping[cst.CSTNode, cst.CSTNode],
    *,
    runtime: str | None = None,
) -> list[cst.Name] | None:
    """The reads of the name `target` binds (`ct` of `ct = shutil.copytree`), when that
    binding makes a local alias (`local_alias`), else None."""
    scope = scopes.get(target)
    if not isinstance(scope, FunctionScope):
        return None
    assignments = list(scope[target.value])
    if len(assignments) != 1 or assignments[0].node is not target:
        return None
    found = _alias(assignments[0], scope, scopes, parents, runtime)
    return found[1] if found is not None else None


def _alias(
    assignment: BaseAssignment,
    scope: FunctionScope,
    scopes: Mapping[cst.CSTNode, Scope | None],
    parents: Mapping[cst.CSTNode, cst.CSTNode],
    runtime: str | None,
) -> tuple[cst.Attribute, list[cst.Name]] | None:
    """`local_alias`'s rule, for the one binding of the name in `scope`: (the value, the
    reads of the name), or None."""
    if (
        type(assignment) is not Assignment
        or assignment.scope is not scope
        or not isinstance(assignment.node, cst.Name)
    ):
        return None
    target = parents.get(assignment.node)
    assign = parents.get(target) if isinstance(target, cst.AssignTarget) else None
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    value = assign.value
    if not isinstance(value, cst.Attribute) or dotted(value) is None:
        return None
    line = parents.get(assign)
    block = parents.get(line) if isinstance(line, cst.SimpleStatementLine) else None
    if not isinstance(block, cst.IndentedBlock) or len(line.body) != 1:  # type: ignore[union-attr]
        return None
    node: cst.CSTNode | None = block
    while node is not None and not isinstance(node, cst.FunctionDef):
        if isinstance(node, (cst.For, cst.While)):
            return None  # bound again on every turn
        node = parents.get(node)
    if node is None:
        return None
    index = next(i for i, s in enumerate(block.body) if s is line)
    reads: list[cst.Name] = []
    # Every spelling of the name in the function, not only the reads LibCST links to the
    # binding (a read before it is linked to none).
    for read in _spelled(node, assignment.node.value):
        if read is assignment.node:
            continue
        parent = parents.get(read)
        if (isinstance(parent, cst.Attribute) and parent.attr is read) or (
            isinstance(parent, cst.Arg) and parent.keyword is read
        ):
            continue  # `x.ct`, `f(ct=...)`: not the name
        if scopes.get(read) is not scope:
            return None
        reads.append(read)
        if isinstance(parent, cst.Call) and parent.func is read:
            pass
        elif runtime is None or not _runtime_call_argument(read, parent, parents, scopes, runtime):
            return None
        if not _after(read, block, index, parents):
            return None
    return value, reads


def _spelled(node: cst.CSTNode, name: str) -> Iterable[cst.Name]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            if current.value == name:
                yield current
            continue
        stack.extend(current.children)


def _runtime_call_argument(
    read: cst.Name,
    parent: cst.CSTNode | None,
    parents: Mapping[cst.CSTNode, cst.CSTNode],
    scopes: Mapping[cst.CSTNode, Scope | None],
    runtime: str,
) -> bool:
    """`read` is the `call=` of a call of the runtime (`storage.copytree(..., call=ct)`)."""
    if not (isinstance(parent, cst.Arg) and parent.value is read and parent.keyword is not None
            and parent.keyword.value == "call"):
        return False
    call = parents.get(parent)
    if not isinstance(call, cst.Call):
        return False
    node = call.func
    while isinstance(node, cst.Attribute):
        node = node.value
    names = qualified_names(scopes.get(node), node) if isinstance(node, cst.Name) else frozenset()
    return bool(names) and all(n == runtime or n.startswith(runtime + ".") for n in names)


def _after(
    node: cst.CSTNode,
    block: cst.IndentedBlock,
    index: int,
    parents: Mapping[cst.CSTNode, cst.CSTNode],
) -> bool:
    """`node` sits in a statement of `block` after its statement `index`."""
    current: cst.CSTNode | None = node
    while current is not None:
        parent = parents.get(current)
        if parent is block:
            return any(s is current for s in block.body[index + 1 :])
        current = parent
    return False
