"""What a called name resolves to, and the tables that say which names are file I/O.

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
from migrate_storage.codemods.families import lifecycle as _lifecycle
from migrate_storage.codemods.families import third_party as _third_party
from migrate_storage.codemods.model import Family

# json/pickle functions that take a file handle; the value is (family, operation).
# simplejson is a look-alike: resolved and counted, but never collapsed into
# storage.dump_json (the runtime serialises with the stdlib json, whose keyword
# arguments differ), see json_pickle.py.
HANDLE_FUNCTIONS: dict[str, tuple[Family, str]] = {
    "json.dump": (Family.JSON, "dump"),
    "json.load": (Family.JSON, "load"),
    "simplejson.dump": (Family.JSON, "dump"),
    "simplejson.load": (Family.JSON, "load"),
    "pickle.dump": (Family.PICKLE, "dump"),
    "pickle.load": (Family.PICKLE, "load"),
}
STDLIB_HANDLE_MODULES = ("json", "pickle")

# File I/O the codemods find and report by name but do not rewrite (yet).
UNSUPPORTED = frozenset(
    {
        "os.open",
        "os.fdopen",
        "tempfile.TemporaryFile",
        "tempfile.NamedTemporaryFile",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
        "tempfile.mkstemp",
        "tempfile.mkdtemp",
        "tempfile.mktemp",
    }
)
# Other libraries' path I/O (numpy, torch, gzip, sqlite3, pandas, ...) has its own table:
# families/third_party.py; renames, removals and copies (os.replace, shutil.copy2, ...)
# theirs: families/lifecycle.py.

# pathlib.Path methods the pathlib family rewrites.
PATH_METHODS = frozenset(
    {"read_text", "write_text", "read_bytes", "write_bytes", "open"}
)
# Expressions of these qualified names build a concrete pathlib.Path (PurePath cannot do I/O).
PATH_CONSTRUCTORS = frozenset(
    {
        "pathlib.Path",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.Path.home",
        "pathlib.Path.cwd",
    }
)
# Methods and attributes of a Path that return a Path again.
PATH_TO_PATH_METHODS = frozenset(
    {
        "absolute",
        "expanduser",
        "joinpath",
        "resolve",
        "with_name",
        "with_stem",
        "with_suffix",
        "relative_to",
    }
)
PATH_TO_PATH_ATTRIBUTES = frozenset({"parent"})

# Runtime methods: a call of these on the runtime's `storage` (or a Storage) is migrated.
RUNTIME_METHODS: dict[str, Family] = {
    "open": Family.OPEN,
    "read_text": Family.PATHLIB,
    "write_text": Family.PATHLIB,
    "read_bytes": Family.PATHLIB,
    "write_bytes": Family.PATHLIB,
    "path_open": Family.PATHLIB,
    "dump_json": Family.JSON,
    "load_json": Family.JSON,
    "dump_pickle": Family.PICKLE,
    "load_pickle": Family.PICKLE,
}

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

# json.dump(obj, sys.stdout) and in-memory buffers are not file I/O.
NOT_FILE_HANDLES = frozenset(
    {"sys.stdout", "sys.stderr", "sys.stdin", "io.StringIO", "io.BytesIO"}
)

# Names a module must mention (or import) before any of the above can occur in it; the
# text and `ast` prefilters are built from these (see pipeline/prefilter.py).
TARGET_MODULE_ROOTS = (
    frozenset(
        {
            "builtins",
            "io",
            "json",
            "simplejson",
            "pickle",
            "codecs",
            "os",
            "shutil",
            "tempfile",
        }
    )
    | _third_party.MODULE_ROOTS
)
MODULE_FUNCTION_NAMES = frozenset(
    {name.rpartition(".")[2] for name in UNSUPPORTED | set(HANDLE_FUNCTIONS)}
    | {"open"}
    | set(RUNTIME_METHODS)
    | _third_party.FUNCTION_NAMES
    # os.replace, shutil.copy2, ... and the runtime's stand-ins (`storage.replace`): only
    # on a name an import binds (`str.replace` is everywhere).
    | {name.rpartition(".")[2] for name in _lifecycle.FUNCTIONS}
    | _lifecycle.STAND_INS
)
ANY_RECEIVER_METHODS = (
    PATH_METHODS
    | frozenset(RUNTIME_METHODS)
    | frozenset(_third_party.METHODS)
    | {"unlink"}  # Path.unlink: rare enough on other types to look at every receiver
)
# Path.replace/Path.rename: candidates on any receiver only in a module that imports
# pathlib (the scan marks it with PATHLIB_IMPORTED among its module names).
PATH_ONLY_METHODS = _lifecycle.PATH_ONLY_METHODS
PATHLIB_IMPORTED = "<pathlib>"


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
