"""What a called name resolves to, and the name tables the analyses share (what builds a
Path, what is known not to be one, what is not a file).

Resolution goes through LibCST's ScopeProvider (`Scope.get_qualified_names_for`), the
same machinery `QualifiedNameProvider` uses, but asked only for the few candidate nodes
instead of every node of the module (the provider's eager pass is what makes it slow).
A local `def open`, a parameter named `open`, `from gzip import open` or `Image.open`
therefore never resolve to `builtins.open`, whatever they are spelled.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import libcst as cst
from libcst.metadata import Scope
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


def qualified_names(scope: Scope | None, node: cst.CSTNode) -> frozenset[str]:
    """The qualified names `node` may refer to (several after conditional imports)."""
    if scope is None:
        return frozenset()
    return frozenset(q.name for q in scope.get_qualified_names_for(node))


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
