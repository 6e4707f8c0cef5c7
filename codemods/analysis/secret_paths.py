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


def looks_secret(path: str, allowed: tuple[str, ...] = ()) -> bool:
    """The runtime's rule (storage_runtime.secret_paths): the last component matches the
    deny list, or a parent folder is a secret folder; an `allowed` glob (the literal path
    as written, or its name) lifts it."""
    return secret_paths.is_secret(path, allowed, secret_paths.normalized(path))


def literal_path(target: cst.BaseExpression | None) -> str | None:
    """The literal path a site's `target` (`Found.target`, set by its family) spells: a
    string literal, `Path("x")`/`pathlib.Path("a", "b")`, or `<anything> / "x"` (the
    literal tail); else None."""
    if target is None:
        return None
    return literal_string(target) or _path_expression(target)


def _path_expression(node: cst.BaseExpression) -> str | None:
    """`Path("x")`, `pathlib.Path("a", "b")`, or `<anything> / "x"`: the literal tail."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return literal_string(node.right)
    if isinstance(node, cst.Call) and node.args:
        last = node.args[-1]
        if not last.star and last.keyword is None:
            return literal_string(last.value)
    return None
