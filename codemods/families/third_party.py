"""Path I/O done by other libraries: the one table, and how a call is recognised from it.

These calls read or write a file themselves (`pd.read_csv(p)`, `np.save(p, a)`,
`torch.save(obj, p)`, `tarfile.open(p, "w:gz")`, `sqlite3.connect(db)`, ...), so the
runtime never sees their bytes. They are counted, never rewritten: UNMIGRATED in the
third-party family with the reason "third-party reader" or "third-party writer" (a
call whose mode may write is a writer, as for builtin open). Nothing here is migrated yet
(the runtime has no `publish(path)` to call after a writer).

Recognition, sound rather than by spelling:
- Module functions and classes by qualified name (LibCST scope metadata, as for builtin
  open): `import numpy as np; np.save(...)` and `from numpy import save; save(...)` are
  `numpy.save`; a local `def save` is not.
- Methods on objects of unknown type only where the method name is distinctive of a path
  writer *and* its path argument is given (`df.to_csv()` with no path returns a string):
  pandas' `to_csv`, `to_parquet`, `to_feather`, `to_hdf`, `to_pickle`, `to_excel`,
  `to_stata`, `to_orc`, numpy's `tofile`, matplotlib's `savefig`. `to_json` is shared with
  many classes that return a string, so it counts only with a path that is provably one
  (a string literal, an f-string or a `Path(...)`/`os.path.join(...)` call).
  `img.save(p)` (PIL) is not counted: `save` is far too common a method name.
- Not file I/O: a path argument that is None, a URL literal (`"https://..."`), an
  in-memory SQLite database (`":memory:"`, `""`), an `io.BytesIO`/`io.StringIO`, or a
  handle bound from an open (`with open(p, "wb") as f: np.save(f, a)`: that `open` is the
  site, and migrating it migrates this write).
- yaml/toml/csv functions take a stream, never a path: the `open` that made the stream is
  the site.

**Rewrites**
- Nothing: these sites are counted, never rewritten.

**Leaves alone (why)**
- Every call above, UNMIGRATED "third-party reader"/"third-party writer": the library
  does its own I/O, which the runtime cannot reach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis.found import (
    UNKNOWN_MODE,
    Found,
    Mode,
    Position,
    literal_string,
    may_write,
)
from migrate_storage.codemods.families.examples import Unchanged
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

DESCRIPTION = "Count other libraries' path I/O (pandas, numpy, torch...) as unmigrated."

EXAMPLES: tuple[Unchanged, ...] = (
    Unchanged(
        "import pandas as pd\n\ndf = pd.read_csv(path)\n",
        "Should do nothing, since pandas reads the file itself (counted as a reader).",
        site_reason=Reason.THIRD_PARTY_READER,
    ),
    Unchanged(
        "import numpy as np\n\nnp.save(path, array)\n",
        "Should do nothing, since numpy writes the file itself (counted as a writer).",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """How one callable takes its path and whether it reads or writes."""

    path: tuple[
        int | None, tuple[str, ...]
    ]  # positional index (None: keyword only), keywords
    writes: bool | None = False  # None: decided by the mode argument
    mode: tuple[int | None, tuple[str, ...]] = (1, ("mode",))
    default_mode: str = "r"
    # shelve/dbm: a one-letter flag, read-only only when it is "r".
    flag_mode: bool = False
    # A truthy keyword that makes a reader a writer (fileinput's inplace=True).
    writes_if: str | None = None


def _reader(index: int | None, *keywords: str) -> Entry:
    return Entry((index, keywords), writes=False)


def _writer(index: int | None, *keywords: str) -> Entry:
    return Entry((index, keywords), writes=True)


def _by_mode(index: int, keyword: str, mode_index: int | None, default: str) -> Entry:
    return Entry(
        (index, (keyword,)),
        writes=None,
        mode=(mode_index, ("mode",)),
        default_mode=default,
    )


_PANDAS_READERS = {
    "read_csv": "filepath_or_buffer",
    "read_table": "filepath_or_buffer",
    "read_fwf": "filepath_or_buffer",
    "read_json": "path_or_buf",
    "read_parquet": "path",
    "read_feather": "path",
    "read_orc": "path",
    "read_pickle": "filepath_or_buffer",
    "read_hdf": "path_or_buf",
    "read_excel": "io",
    "read_stata": "filepath_or_buffer",
    "read_sas": "filepath_or_buffer",
    "read_spss": "path",
    "read_xml": "path_or_buffer",
}

#: Qualified name -> Entry. The one table of third-party path I/O.
FUNCTIONS: dict[str, Entry] = {
    **{f"pandas.{name}": _reader(0, kw) for name, kw in _PANDAS_READERS.items()},
    "pandas.HDFStore": _by_mode(0, "path", 1, "a"),
    "numpy.save": _writer(0, "file"),
    "numpy.savez": _writer(0, "file"),
    "numpy.savez_compressed": _writer(0, "file"),
    "numpy.savetxt": _writer(0, "fname"),
    "numpy.load": _reader(0, "file"),
    "numpy.loadtxt": _reader(0, "fname"),
    "numpy.genfromtxt": _reader(0, "fname"),
    "numpy.fromfile": _reader(0, "file"),
    "numpy.memmap": _by_mode(0, "filename", 2, "r+"),
    "torch.save": _writer(1, "f"),
    "torch.load": _reader(0, "f"),
    "PIL.Image.open": _reader(0, "fp"),
    "matplotlib.pyplot.savefig": _writer(0, "fname"),
    "io.FileIO": _by_mode(0, "file", 1, "r"),
    "tarfile.open": _by_mode(0, "name", 1, "r"),
    "tarfile.TarFile": _by_mode(0, "name", 1, "r"),
    "zipfile.ZipFile": _by_mode(0, "file", 1, "r"),
    "shelve.open": Entry((0, ("filename",)), None, (1, ("flag",)), "c", flag_mode=True),
    "dbm.open": Entry((0, ("file",)), None, (1, ("flag",)), "r", flag_mode=True),
    "fileinput.input": Entry((0, ("files",)), False, writes_if="inplace"),
    "fileinput.FileInput": Entry((0, ("files",)), False, writes_if="inplace"),
    "sqlite3.connect": _writer(0, "database"),
    "gzip.open": _by_mode(0, "filename", 1, "rb"),
    "gzip.GzipFile": _by_mode(0, "filename", 1, "rb"),
    "bz2.open": _by_mode(0, "filename", 1, "rb"),
    "bz2.BZ2File": _by_mode(0, "filename", 1, "r"),
    "lzma.open": _by_mode(0, "filename", 1, "rb"),
    "lzma.LZMAFile": _by_mode(0, "filename", 1, "r"),
    "codecs.open": _by_mode(0, "filename", 1, "r"),
    "aiofiles.open": _by_mode(0, "file", 1, "r"),
    "h5py.File": _by_mode(0, "name", 1, "r"),
}

#: Methods on objects of unknown type that write a path (see the module docstring).
METHODS: dict[str, Entry] = {
    "to_csv": _writer(0, "path_or_buf"),
    "to_parquet": _writer(0, "path"),
    "to_feather": _writer(0, "path"),
    "to_hdf": _writer(0, "path_or_buf"),
    "to_pickle": _writer(0, "path"),
    "to_excel": _writer(0, "excel_writer"),
    "to_stata": _writer(0, "path"),
    "to_orc": _writer(0, "path"),
    "tofile": _writer(0, "fid"),
    "savefig": _writer(0, "fname"),
    "to_json": _writer(0, "path_or_buf"),
}
_STRICT_METHODS = frozenset({"to_json"})

#: Modules whose import makes a module worth scanning (the prefilter's roots).
MODULE_ROOTS = frozenset(name.partition(".")[0] for name in FUNCTIONS)
#: Words one of whose presence a module needs to hold a site of this table (the byte
#: prefilter): the modules, but `FileIO` for `io` (two letters would match nearly every
#: file; `io.open` is found through "open"), and the methods.
TEXT_WORDS = frozenset((MODULE_ROOTS - {"io"}) | {"FileIO"} | set(METHODS))
#: The last part of every qualified name above (the prefilter's call shapes).
FUNCTION_NAMES = frozenset(name.rpartition(".")[2] for name in FUNCTIONS)

# What a path argument may be built from to be a handle or buffer, not a path.
_HANDLE_MAKERS = frozenset(
    {
        "builtins.open",
        "io.open",
        "io.BytesIO",
        "io.StringIO",
        "os.fdopen",
        "sys.stdout",
        "sys.stdin",
    }
)
_PATH_MAKERS = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "os.path.join", "os.fspath"}
)


class Resolver:
    """What the recogniser needs from the finder: names and single bound values."""

    def __init__(
        self,
        names: Callable[[cst.BaseExpression], frozenset[str]],
        value_of: Callable[[cst.Name], cst.BaseExpression | None],
        runtime_open: str,
    ) -> None:
        self.names = names
        self.value_of = value_of
        self.handle_makers = _HANDLE_MAKERS | {runtime_open}


# -- the family protocol (families/protocol.py) ---------------------------------------------

#: Classified on their own: the rules apply before `decide` (which has nothing to decide).
DERIVED = False


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A third-party site when `call` resolves to a FUNCTIONS entry and is given a path,
    or is one of the METHODS (`x.to_csv(path)`) on a receiver of unknown type (not the
    runtime's storage)."""
    known = sorted(n for n in ctx.names(call) if n in FUNCTIONS)
    if known:
        entry = FUNCTIONS[known[0]]
        return _site(call, position, known[0], entry, ctx.third_party, strict=False)
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in METHODS:
        return None
    if ctx.on_runtime_storage(call):
        return None
    attr = func.attr.value
    return _site(
        call,
        position,
        f"*.{attr}",
        METHODS[attr],
        ctx.third_party,
        attr in _STRICT_METHODS,
    )


def decide(items: list[Found], ctx: Context) -> None:
    """Nothing to decide: a third-party site is counted, never rewritten."""


def _site(
    call: cst.Call,
    position: Position,
    name: str,
    entry: Entry,
    resolver: Resolver,
    strict: bool,
) -> Found | None:
    path = _argument(call, *entry.path)
    if path is None or not _is_path(path, resolver, strict, name):
        return None
    item = Found(call, position, "third-party", Family.THIRD_PARTY, name)
    writes = _writes(call, entry)
    item.status = Status.UNMIGRATED
    item.reason = Reason.THIRD_PARTY_WRITER if writes else Reason.THIRD_PARTY_READER
    return item


_STAR = cst.Name("_starred_")  # stands for an argument hidden in *args/**kwargs


def _argument(
    call: cst.Call, index: int | None, keywords: tuple[str, ...]
) -> cst.BaseExpression | None:
    """The argument at `index` or named one of `keywords`; _STAR when *args/**kwargs
    may hold it; None when it is not given."""
    position = 0
    starred = False
    for arg in call.args:
        if arg.star:
            starred = True
            continue
        if arg.keyword is None:
            if index is not None and position == index and not starred:
                return arg.value
            position += 1
        elif arg.keyword.value in keywords:
            return arg.value
    return _STAR if starred else None


def _writes(call: cst.Call, entry: Entry) -> bool:
    if entry.writes_if is not None:
        value = _argument(call, None, (entry.writes_if,))
        return value is not None and not (
            isinstance(value, cst.Name) and value.value in ("False", "None")
        )
    if entry.writes is not None:
        return entry.writes
    node = _argument(call, *entry.mode)
    mode: Mode
    if node is None:
        mode = entry.default_mode
    elif node is _STAR:
        mode = UNKNOWN_MODE
    else:
        value = literal_string(node)
        mode = UNKNOWN_MODE if value is None else value
    if entry.flag_mode:
        return mode != "r"
    return may_write(mode)


def _is_path(
    node: cst.BaseExpression, resolver: Resolver, strict: bool, name: str
) -> bool:
    """False when the argument is provably not a local path (see the module docstring);
    with `strict`, True only when it provably is one."""
    if node is _STAR:
        return not strict
    if isinstance(node, cst.Name) and node.value == "None":
        return False
    text = literal_string(node)
    if text is not None:
        if "://" in text:
            return False
        return not (
            name == "sqlite3.connect"
            and (text in ("", ":memory:") or text.startswith("file::memory:"))
        )
    if isinstance(
        node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)
    ):
        return False  # bytes, numbers: not a path this table knows
    if isinstance(node, cst.FormattedString):
        return True
    value: cst.BaseExpression | None = node
    if isinstance(node, cst.Name):
        value = resolver.value_of(node) or node
    if isinstance(value, cst.Call):
        made = resolver.names(value.func)
        if made & resolver.handle_makers:
            return False
        if isinstance(value.func, cst.Attribute) and value.func.attr.value == "open":
            return False  # `x.open(...)` (Path.open, ZipFile.open, ...) makes a handle
        if strict:
            return bool(made & _PATH_MAKERS)
        return True
    if (
        isinstance(value, (cst.Name, cst.Attribute))
        and resolver.names(value) & resolver.handle_makers
    ):
        return False  # sys.stdout
    if isinstance(value, cst.BinaryOperation) and isinstance(
        value.operator, cst.Divide
    ):
        return True  # root / "x.csv": a Path expression
    return not strict
