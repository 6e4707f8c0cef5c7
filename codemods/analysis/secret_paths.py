"""Secret-looking literal paths: sites whose file the runtime would never publish.

A call whose path is a string literal naming a secret-looking file (`open(".env")`,
`Path("id_rsa").read_text()`, `Path.home() / ".netrc"`) is reported LOCAL with reason
SECRET_PATH and never rewritten, whatever its rule says: the runtime refuses to publish
such paths anyway, so a `pin=True` on it would only mislead a reviewer. Only literals are
judged; a path built at run time is the runtime's deny list's business.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import libcst as cst
from migrate_storage.codemods.analysis.found import literal_string
from migrate_storage.rules.schema import DEFAULT_SECRET_GLOBS, SECRET_DIRS

# The path argument of the runtime's helpers: `storage.dump_json(obj, path)` is the second.
_SECOND_ARG = frozenset({"dump_json", "dump_pickle"})


def looks_secret(path: str, allowed: tuple[str, ...] = ()) -> bool:
    """The runtime's rule: the last component matches the deny list, or a parent folder
    is a secret folder; an `allowed` glob (whole path or name) lifts it."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return False
    name = parts[-1].lower()
    hit = any(fnmatchcase(name, glob) for glob in DEFAULT_SECRET_GLOBS) or any(
        part.lower() in SECRET_DIRS for part in parts[:-1]
    )
    if not hit:
        return False
    whole = "/".join(parts)
    return not any(fnmatchcase(whole, g) or fnmatchcase(parts[-1], g) for g in allowed)


def literal_path(call: cst.Call, kind: str) -> str | None:
    """The literal path a site opens, when it is written as one; else None."""
    if kind in ("open", "runtime"):
        func = call.func
        attr = func.attr.value if isinstance(func, cst.Attribute) else None
        return _argument(call, 1 if attr in _SECOND_ARG else 0, ("file", "path"))
    if kind == "path" and isinstance(call.func, cst.Attribute):
        return _path_expression(call.func.value)
    return None


def _argument(call: cst.Call, index: int, keywords: tuple[str, ...]) -> str | None:
    position = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value in keywords:
                return literal_string(arg.value)
            continue
        if position == index:
            return literal_string(arg.value)
        position += 1
    return None


def _path_expression(node: cst.BaseExpression) -> str | None:
    """`Path("x")`, `pathlib.Path("a", "b")`, or `<anything> / "x"`: the literal tail."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return literal_string(node.right)
    if isinstance(node, cst.Call) and node.args:
        last = node.args[-1]
        if not last.star and last.keyword is None:
            return literal_string(last.value)
    return None
