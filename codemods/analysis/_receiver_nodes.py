"""Small questions about LibCST nodes that analysis/receivers.py asks: what a class
defines at class level, which decorators keep a function's return, whether a source text
stores to an attribute, ... (no scope or flow knowledge here)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import libcst as cst
from libcst.metadata import Scope
from migrate_storage.codemods.analysis import names as _names

_TYPING = ("typing.", "typing_extensions.")
# Decorators that keep what a function returns.
_KEEPING_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "functools.cache",
        "functools.lru_cache",
    }
)


def enclosing(scope: Scope) -> Iterator[Scope]:
    current: Scope | None = scope
    while current is not None:
        yield current
        parent = current.parent
        current = None if parent is current else parent


def single_index(node: cst.Subscript) -> bool:
    return len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)


def one_positional(call: cst.Call) -> bool:
    return (
        len(call.args) >= 1
        and call.args[0].keyword is None
        and not call.args[0].star
        and all(a.keyword is not None and not a.star for a in call.args[1:])
    )


def typing_name(names: frozenset[str]) -> str | None:
    found = {n.partition(".")[2] for n in names if n.startswith(_TYPING)}
    return found.pop() if len(found) == 1 and len(names) == 1 else None


def member(owner: cst.ClassDef, name: str) -> cst.CSTNode | None:
    """The function defined as `name` directly in the class body (the last one)."""
    found = None
    for statement in class_statements(owner):
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            found = statement
    return found


def class_statements(owner: cst.ClassDef) -> Iterator[cst.CSTNode]:
    body = owner.body
    if isinstance(body, cst.IndentedBlock):
        for statement in body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                yield from statement.body
            else:
                yield statement
    else:
        yield from body.body


def class_level(
    owner: cst.ClassDef, attr: str
) -> Iterator[tuple[cst.Annotation | None, cst.BaseExpression | None]]:
    """(annotation, value) of each class-level binding of `attr`; (None, None) for any
    binding whose value cannot be typed (a tuple target, a nested def or class)."""
    for statement in class_statements(owner):
        if isinstance(statement, cst.AnnAssign):
            target = statement.target
            if isinstance(target, cst.Name) and target.value == attr:
                yield statement.annotation, statement.value
        elif isinstance(statement, cst.Assign):
            for target in statement.targets:
                if isinstance(target.target, cst.Name) and target.target.value == attr:
                    yield None, statement.value
                elif not isinstance(
                    target.target, (cst.Name, cst.Attribute, cst.Subscript)
                ):
                    yield None, None
        elif isinstance(statement, cst.AugAssign):
            target = statement.target
            if isinstance(target, cst.Name) and target.value == attr:
                yield None, None
        elif isinstance(statement, cst.ClassDef) and statement.name.value == attr:
            yield None, None


def _decorator_names(function: cst.FunctionDef, qualified) -> list[frozenset[str]]:  # type: ignore[no-untyped-def]
    out = []
    for decorator in function.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        out.append(qualified(expr))
    return out


def is_static(function: cst.FunctionDef, qualified) -> bool:  # type: ignore[no-untyped-def]
    return any(
        "builtins.staticmethod" in n for n in _decorator_names(function, qualified)
    )


def is_property(function: cst.FunctionDef, qualified) -> bool:  # type: ignore[no-untyped-def]
    names = _decorator_names(function, qualified)
    return len(names) == 1 and _names.all_in(
        names[0], {"builtins.property", "functools.cached_property"}
    )


def returns_unchanged(function: cst.FunctionDef | cst.ClassDef, qualified) -> bool:  # type: ignore[no-untyped-def]
    """A function whose call returns what its body returns (no `async`, no decorator that
    could wrap it, but the caching ones and static/class methods)."""
    if not isinstance(function, cst.FunctionDef) or function.asynchronous is not None:
        return False
    return all(
        _names.all_in(n, _KEEPING_DECORATORS)
        for n in _decorator_names(function, qualified)
    )


def own_returns(function: cst.FunctionDef) -> list[cst.Return] | None:
    """Every `return` of `function`'s own body (not of a nested function, class or
    lambda); None when it is a generator (a `yield` of its own)."""
    found: list[cst.Return] = []
    generator = False

    class Visitor(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            found.append(node)

        def visit_Yield(self, node: cst.Yield) -> bool:
            nonlocal generator
            generator = True
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    function.body.visit(Visitor())
    return None if generator else found


def is_context_manager(function: cst.FunctionDef, qualified) -> bool:  # type: ignore[no-untyped-def]
    """A `@contextlib.contextmanager` generator (with at most the keeping decorators
    besides): `with function() as x` binds what it yields."""
    if function.asynchronous is not None:
        return False
    names = _decorator_names(function, qualified)
    managers = [n for n in names if _names.all_in(n, {"contextlib.contextmanager"})]
    return len(managers) == 1 and all(
        _names.all_in(n, _KEEPING_DECORATORS) for n in names if n not in managers
    )


def plain_class(
    owner: cst.ClassDef, not_path_base: Callable[[cst.BaseExpression], bool]
) -> bool:
    """A class of the module with no bases but `not_path_base` ones (known classes that
    are no Path and whose `__enter__` gives no Path: `class WheelFile(ZipFile)`), and
    no keywords, decorators, `__new__` or `__enter__` of its own: calling it makes one of
    its own instances, never a Path (and `with Plain() as x`, which binds what
    `__enter__` returns, is not mistaken for one)."""
    bases = [
        b
        for b in owner.bases
        if not (isinstance(b.value, cst.Name) and b.value.value == "object")
    ]
    return (
        all(not_path_base(b.value) for b in bases)
        and not owner.keywords
        and not owner.decorators
        and all(
            member(owner, m) is None for m in ("__new__", "__enter__", "__aenter__")
        )
    )


def stored_in_text(attr: str, text: str) -> bool:
    """Conservatively: does source text store to (or delete) an attribute `attr`? A comma
    after it starts a tuple target (`a.x, b = v`) unless its line already holds an `=` or
    an open bracket before it: a keyword argument (`f(\n    root=self.x, other=y)`)."""
    name = re.escape(attr)
    # `[ \t]*`, not `\s*`, after the dot: a comment's last sentence ends with one, and a
    # keyword argument may open the next line (`# ... with the entry.` then `blobs=...`).
    store = rf"\.[ \t]*{name}\b\s*(?:(?:[-+*/%@&|^]|//|\*\*|<<|>>)?=(?!=)|\s+in\b)"
    # `a.x: T [= v]` is a statement that starts with its target; a colon after `.x`
    # elsewhere ends a header (`for f in rev.files:`, `if self.x:`) or is a slice.
    annotated = rf"^[ \t]*[\w.]+(?:\[[^\]\n]*\])*\.[ \t]*{name}\s*:(?!=)"
    if (
        re.search(store, text) is not None
        or re.search(annotated, text, re.MULTILINE) is not None
        or re.search(rf"\bdel\b[^\n]*\.[ \t]*{name}\b", text) is not None
    ):
        return True
    for match in re.finditer(rf"\.[ \t]*{name}\b\s*,[^\n]*?=(?!=)", text):
        line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        if (
            "=" not in line
            and line.count("(") <= line.count(")")
            and line.count("[") <= line.count("]")
        ):
            return True
    return False


def mentions(name: str, text: str) -> bool:
    """Conservatively: does source text name `name` anywhere (as a whole word)?"""
    return re.search(rf"\b{re.escape(name)}\b", text) is not None
