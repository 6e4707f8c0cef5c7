"""Secret-looking literal paths: sites whose file the runtime would never publish.

A call whose path is a string literal naming a secret-looking file (`open(".env")`,
`Path("id_rsa").read_text()`, `Path.home() / ".netrc"`) is reported LOCAL with reason
SECRET_PATH and never rewritten, whatever its rule says: the runtime refuses to publish
such paths anyway, so a `pin=True` on it would only mislead a reviewer. Only literals are
judged; a path built at run time is the runtime's deny list's business. The rule itself is
the runtime's (`storage_runtime/secret_paths.py`), shared with `rules` and the runtime.
"""

from __future__ import annotations

import libcst as cst
from migrate_storage.codemods.analysis.found import literal_string
from storage_runtime import secret_paths

# The path argument of the runtime's helpers: `storage.dump_json(obj, path)` is the second.
_SECOND_ARG = frozenset({"dump_json", "dump_pickle"})


def looks_secret(path: str, allowed: tuple[str, ...] = ()) -> bool:
    """The runtime's rule (storage_runtime.secret_paths): the last component matches the
    deny list, or a parent folder is a secret folder; an `allowed` glob (the literal path
    as written, or its name) lifts it."""
    return secret_paths.is_secret(path, allowed, secret_paths.normalized(path))


def literal_path(call: cst.Call, kind: str) -> str | None:
    """The literal path a site opens, when it is written as one; else None."""
    if kind in ("open", "runtime", "lifecycle", "codecs"):
        func = call.func
        attr = func.attr.value if isinstance(func, cst.Attribute) else None
        return _argument(
            call, 1 if attr in _SECOND_ARG else 0, ("file", "path", "src", "filename")
        )
    if kind in ("path", "path-lifecycle") and isinstance(call.func, cst.Attribute):
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
