"""Private files: a file the program makes owner-only is never published.

A site is LOCAL with reason "private file" (never rewritten, not in cover %) when the
function it is in makes the file it names readable and writable by its owner alone:

- `os.open(p, flags, mode)` with a mode that gives group and others nothing (an integer
  literal such as `0o600`, `stat.S_IRUSR | stat.S_IWUSR`, or a module constant bound once
  to one, `_SECRET_FILE_MODE = 0o600`): that `os.open` site, and
  `os.fdopen(fd)` of its descriptor (a name bound once to it, or the call itself);
- `os.chmod(p, mode)`, `os.lchmod(p, mode)`, `p.chmod(mode)` or `Path(p).chmod(mode)` with
  such a mode, before or after the site: a pathlib site on the same file (`Path(p).open("wb")`
  then `Path(p).chmod(0o600)`: nbformat's signing key). A chmod after a write comes after
  its close, when a rewritten write would already have published the file, so only the
  codemod can keep it off shared storage.

"The same file" is the same expression once `Path(...)`, `pathlib.Path(...)`, `str(...)`
and `os.fspath(...)` around it are taken off (`f`, `Path(f)` and `str(f)` are one file),
spelled the same way in the same function. The rule only keeps sites as they are, so it
cannot change what a program does; what it changes is that such a file is not published
and not counted. Bare `open(...)` calls are not judged here: the open family rebinds the
module's `open` as a whole, so one of its calls cannot be left out on its own.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping

import libcst as cst
from libcst.metadata import ClassScope, FunctionScope, GlobalScope, Scope
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import Found, argument
from migrate_storage.codemods.analysis.uses import Flow

_UNWRAP = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "builtins.str", "os.fspath"}
)
_CHMOD = frozenset({"os.chmod", "os.lchmod"})
# The bits a private file may have: its owner's, and set-id/sticky bits.
_OWNER_ONLY = 0o7700
_STAT_BITS = {
    f"stat.{name}": getattr(stat, name)
    for name in ("S_IRUSR", "S_IWUSR", "S_IXUSR", "S_IRWXU", "S_IREAD", "S_IWRITE")
}

def is_private(
    item: Found,
    flow: Flow,
    scopes: Mapping[cst.CSTNode, Scope | None],
    seen: dict[cst.FunctionDef, frozenset[str]],
) -> bool:
    """Whether `item` opens, reads or writes a file its function makes owner-only (see
    the module docstring). `flow`: the module's names and bindings (analysis/uses.py);
    `scopes`: its scope metadata; `seen`: each function's answer, kept by the caller for
    the module's other sites."""
    call = item.call
    if item.name == "os.fdopen":
        fd = argument(call, 0, ("fd",))
        # `os.fdopen(os.open(f, flags, 0o600), "w")` (jupyter_core's secure_write), or
        # the name bound once to such a call
        opened = flow.value_of(fd) if isinstance(fd, cst.Name) else fd
        return isinstance(opened, cst.Call) and _private_os_open(opened, flow)
    if item.name == "os.open":
        if _private_os_open(call, flow):
            return True
        target = argument(call, 0, ("path",))
    elif item.kind == "path":
        target = item.target
    else:
        return False
    if target is None:
        return False
    function = _enclosing_function(call, scopes)
    if function is None:
        return False
    if function not in seen:
        seen[function] = _made_private(function, flow)
    return _key(target, flow) in seen[function]


def _private_os_open(call: cst.Call, flow: Flow) -> bool:
    if not _names.all_in(flow.names(call.func), {"os.open"}):
        return False
    mode = argument(call, 2, ("mode",))
    return mode is not None and _owner_only(mode, flow)


def _made_private(function: cst.CSTNode, flow: Flow) -> frozenset[str]:
    """The keys of the files `function` gives an owner-only mode."""
    finder = _Chmods(flow)
    function.visit(finder)
    return frozenset(finder.keys)


class _Chmods(cst.CSTVisitor):
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.keys: list[str] = []

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.flow.names(node.func)
        if _names.all_in(qualified, _CHMOD) or _names.all_in(qualified, {"os.open"}):
            mode = argument(node, 1 if "os.open" not in qualified else 2, ("mode",))
            path = argument(node, 0, ("path",))
            if path is not None and mode is not None and _owner_only(mode, self.flow):
                self.keys.append(_key(path, self.flow))
        elif (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "chmod"
        ):
            mode = argument(node, 0, ("mode",))
            if mode is not None and _owner_only(mode, self.flow):
                self.keys.append(_key(node.func.value, self.flow))


def _owner_only(mode: cst.BaseExpression, flow: Flow) -> bool:
    value = _mode_value(mode, flow)
    return value is not None and value & ~_OWNER_ONLY == 0


def _mode_value(node: cst.BaseExpression, flow: Flow, depth: int = 0) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        left, right = _mode_value(node.left, flow, depth), _mode_value(node.right, flow, depth)
        return None if left is None or right is None else left | right
    if isinstance(node, (cst.Name, cst.Attribute)):
        found = {_STAT_BITS.get(n) for n in flow.names(node)}
        if found and None not in found:
            return found.pop() if len(found) == 1 else None
    if isinstance(node, cst.Name) and depth < 3:
        # A constant of the module bound once (`_SECRET_FILE_MODE = 0o600`).
        bound = flow.definitions(node)
        if bound is not None and len(bound) == 1 and isinstance(bound[0], cst.BaseExpression):
            return _mode_value(bound[0], flow, depth + 1)
    return None


def _key(node: cst.BaseExpression, flow: Flow) -> str:
    """The file an expression names, as text, with its wrappers taken off."""
    while (
        isinstance(node, cst.Call)
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
        and _names.all_in(flow.names(node.func), _UNWRAP)
    ):
        node = node.args[0].value
    return cst.Module(body=()).code_for_node(node)


def _enclosing_function(
    node: cst.CSTNode, scopes: Mapping[cst.CSTNode, Scope | None]
) -> cst.FunctionDef | None:
    """The function whose body holds `node` (its scope's, or an enclosing one's, when
    `node` is in a comprehension or a lambda), from the scope metadata."""
    scope = scopes.get(node)
    while scope is not None and not isinstance(scope, FunctionScope):
        if isinstance(scope, (ClassScope, GlobalScope)):
            return None
        scope = scope.parent
    function = scope.node if scope is not None else None
    return function if isinstance(function, cst.FunctionDef) else None
