"""Is the receiver of `x.read_text()` provably a pathlib.Path? (the pathlib family's question)

Only what can be shown from the module itself counts: a `Path(...)`/`pathlib.Path(...)`
call, `Path.home()`/`Path.cwd()`, `/` on a known Path, `.parent`/`.resolve()`... of a
known Path, a parameter annotated `Path`, or a name whose every binding in its scope is
one of these (LibCST ScopeProvider assignments, no flow analysis). Anything else is
UNKNOWN, or NOT_PATH when it is provably something else (a module such as `webbrowser`,
`PIL.Image`, a string literal), or RUNTIME for the runtime's `storage` / a `Storage`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import libcst as cst
from libcst.metadata import Assignment, BuiltinAssignment, ImportAssignment, Scope
from migrate_storage.codemods.analysis import names as _names


class Kind(enum.Enum):
    PATH = "path"
    NOT_PATH = "not a path"
    RUNTIME = "runtime storage"
    UNKNOWN = "unknown"


_LITERALS = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.List,
    cst.Dict,
    cst.Tuple,
    cst.Set,
)
_MAX_DEPTH = 8


class ReceiverTyper:
    """Classifies expressions; `bindings` maps a bound Name node to the value it got."""

    def __init__(
        self,
        scopes: Mapping[cst.CSTNode, Scope | None],
        bindings: Mapping[cst.Name, cst.BaseExpression],
        runtime_module: str,
    ) -> None:
        self._scopes = scopes
        self._bindings = bindings
        _, self._rt_storage, self._rt_class = _names.runtime_names(runtime_module)

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
            if self.kind(node.left, depth + 1) is Kind.PATH:
                return Kind.PATH
            if (
                isinstance(node.left, _LITERALS[:3])
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
            return self._imported_kind(node)
        if isinstance(node, cst.Name):
            return self._name_kind(node, depth)
        return Kind.UNKNOWN

    def _qualified(self, node: cst.CSTNode) -> frozenset[str]:
        return _names.qualified_names(self._scopes.get(node), node)

    def _call_kind(self, node: cst.Call, depth: int) -> Kind:
        names = self._qualified(node.func)
        if _names.all_in(names, _names.PATH_CONSTRUCTORS):
            return Kind.PATH
        if _names.all_in(names, {self._rt_class}):
            return Kind.RUNTIME
        if _names.all_in(names, _names.KNOWN_NOT_PATH):
            return Kind.NOT_PATH
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in _names.PATH_TO_PATH_METHODS
            and self.kind(func.value, depth + 1) is Kind.PATH
        ):
            return Kind.PATH
        return Kind.UNKNOWN

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
        if isinstance(root, cst.Name) and self._bound_only_by_plain_import(root):
            return Kind.NOT_PATH  # `import webbrowser` binds a module, never a Path
        return Kind.UNKNOWN

    def _bound_only_by_plain_import(self, name: cst.Name) -> bool:
        scope = self._scopes.get(name)
        if scope is None:
            return False
        assignments = scope[name.value]
        return bool(assignments) and all(
            isinstance(a, ImportAssignment) and isinstance(a.node, cst.Import)
            for a in assignments
        )

    def _name_kind(self, node: cst.Name, depth: int) -> Kind:
        scope = self._scopes.get(node)
        if scope is None:
            return Kind.UNKNOWN
        assignments = scope[node.value]
        if not assignments:
            return Kind.UNKNOWN
        kinds: set[Kind] = set()
        for assignment in assignments:
            if isinstance(assignment, ImportAssignment):
                kinds.add(self._imported_kind(node))
            elif isinstance(assignment, BuiltinAssignment):
                kinds.add(Kind.UNKNOWN)
            elif isinstance(assignment, Assignment):
                kinds.add(self._assignment_kind(assignment.node, depth))
            else:
                kinds.add(Kind.UNKNOWN)
            if Kind.UNKNOWN in kinds:
                return Kind.UNKNOWN
        return kinds.pop() if len(kinds) == 1 else Kind.UNKNOWN

    def _assignment_kind(self, bound: cst.CSTNode, depth: int) -> Kind:
        if isinstance(bound, cst.Param):
            annotation = bound.annotation
            if annotation is not None and _names.all_in(
                self._qualified(annotation.annotation), _names.PATH_CONSTRUCTORS
            ):
                return Kind.PATH
            return Kind.UNKNOWN
        if isinstance(bound, (cst.FunctionDef, cst.ClassDef)):
            return Kind.NOT_PATH
        if isinstance(bound, cst.Name) and bound in self._bindings:
            return self.kind(self._bindings[bound], depth + 1)
        return Kind.UNKNOWN
