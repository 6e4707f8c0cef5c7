"""Path I/O done by other libraries: the one table, and how a call is recognised from it.

These calls read or write a file themselves (`pd.read_csv(p)`, `np.save(p, a)`,
`torch.save(obj, p)`, `safetensors.torch.save_file(w, p)`, `joblib.dump(m, p)`,
`cv2.imwrite(p, img)`, `tarfile.open(p, "w:gz")`, `sqlite3.connect(db)`, ...), so the
runtime never sees their bytes. They are counted in the third-party family: UNMIGRATED
with the reason "third-party reader" or "third-party writer" (a call whose mode may write
is a writer, as for builtin open), except the one-shot writers (`Entry.closes`: the file
is written and closed when the call returns) whose path is provable, which
families/publish_after.py migrates by adding `storage.publish(path)` after the call, and
the writers that return a handle (`Entry.with_write_modes`: the modes in which they write
through it) when they are the item of a `with` statement, or bound to a name the
`finally` of the next `try` closes, which it publishes after the `with` (the `try`: the
handle is closed there), and the readers of exactly one file, which
families/restore_before.py migrates by wrapping their path in `storage.restored(...)`.

Recognition, sound rather than by spelling:
- Module functions and classes by qualified name (LibCST scope metadata, as for builtin
  open): `import numpy as np; np.save(...)` and `from numpy import save; save(...)` are
  `numpy.save`; a local `def save` is not.
- Methods on objects of unknown type only where the method name is distinctive of a path
  writer *and* its path argument is given (`df.to_csv()` with no path returns a string):
  pandas' `to_csv`, `to_parquet`, `to_feather`, `to_hdf`, `to_pickle`, `to_excel`,
  `to_stata`, `to_orc`, numpy's `tofile`, matplotlib's `savefig`, archives' `extractall`,
  Hugging Face's `save_pretrained` and datasets' `save_to_disk` (folders). `to_json` is shared with
  many classes that return a string, so it counts only with a path that is provably one
  (a string literal, an f-string or a `Path(...)`/`os.path.join(...)` call).
  `img.save(p)` (PIL) is not counted: `save` is far too common a method name.
- Not file I/O: a path argument that is None, a URL literal (`"https://..."`), an
  in-memory SQLite database (`":memory:"`, `""`), an `io.BytesIO`/`io.StringIO`, an HTTP
  response (`urllib.request.urlopen(url)`), or a
  handle bound from an open (`with open(p, "wb") as f: np.save(f, a)`: that `open` is the
  site, and migrating it migrates this write) or from a temporary file
  (`df.to_parquet(tmp)` with `tmp = NamedTemporaryFile(...)`: the temporary is the
  site); `gzip.GzipFile(..., fileobj=f)`,
  `tarfile.open(..., fileobj=f)`, `tarfile.TarFile(..., fileobj=f)` (given a file object,
  they open nothing: the name is only written into the header; `f`'s open is the site);
  a file descriptor (`io.FileIO(f.fileno(), "w")`, `FileIO(os.open(p, flags))` or a
  name bound once to one: the file was opened where the descriptor was made, and the
  handle's `name` is an int, no path to publish); what a `read()` or `read_bytes()`
  returned (`pl.read_csv(p.read_bytes())`, `storage.read_bytes(p)` once migrated,
  `np.load(f.read())`: in-memory data; the read is the site).
- yaml/toml/csv functions take a stream, never a path: the `open` that made the stream is
  the site.

**Rewrites**
- Nothing here: the one-shot writers with a provable path, and the handle writers in a
  writing mode that are a `with` item with a provable path, are claimed first by
  families/publish_after.py (listed before this module in the registry), which keeps
  the call and publishes its path after it (after the `with`); the readers of one file
  by families/restore_before.py (listed before this module too).

**Leaves alone (why)**
- Every other call above, UNMIGRATED "third-party reader"/"third-party writer": the
  library does its own I/O, which the runtime cannot reach.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis.found import (
    UNKNOWN_MODE,
    Found,
    Mode,
    Position,
    literal_string,
    may_write,
    mode_of,
)
from migrate_storage.codemods.families.examples import Unchanged
from migrate_storage.codemods.families.protocol import Candidates, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

DESCRIPTION = "Count other libraries' path I/O (pandas, numpy, torch...) as unmigrated."

EXAMPLES: tuple[Unchanged, ...] = (
    Unchanged(
        "import pandas as pd\n\ndf = pd.read_parquet(path)\n",
        "Should do nothing, since pandas reads the file (or folder) itself (a reader).",
        site_reason=Reason.THIRD_PARTY_READER,
    ),
    Unchanged(
        "import sqlite3\n\ndef connect(db_path):\n    return sqlite3.connect(db_path)\n",
        "Should do nothing, since sqlite writes its database (and journal) itself for as long"
        " as the connection lives: counted as a writer.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Unchanged(
        "import tarfile\n\nwith tarfile.open(self.out, 'w:gz'):\n    add_to(d)\n",
        "Should do nothing, since tarfile writes the file itself, through the handle it"
        " returns; an attribute path may change in the block, and no name holds the handle"
        " whose `name` kept the path (counted as a writer).",
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
    # A one-shot writer: when the call returns, the file (or folder) at its path argument
    # is written and closed, so `storage.publish(path)` after it is exact
    # (families/publish_after.py). Never for calls that return a handle (tarfile.open):
    # those say `with_write_modes` instead.
    closes: bool = False
    # The suffix the writer adds to a path that lacks it (np.save: ".npy").
    suffix: str | None = None
    # The writer adds an extension to a path that has none (savefig: ".png" by default).
    adds_extension: bool = False
    # A writer that returns a handle and writes its path through it: the literal modes
    # (a regular expression the whole mode must match) in which it writes, and has closed
    # the file once a `with` statement over the handle ends, so that publishing after
    # the `with` is exact (families/publish_after.py). None: never published after.
    with_write_modes: str | None = None
    # Where a file object may be given instead (gzip.GzipFile's, tarfile's `fileobj`):
    # then the path is only a name written into the archive's header, no file is opened,
    # and the call is no site (its I/O goes through that object, counted at its open).
    fileobj: tuple[int | None, tuple[str, ...]] | None = None
    # The attribute of the returned handle that holds the path it opened, still readable
    # once it is closed (GzipFile's `name`: `os.fspath` of the path given; TarFile's
    # `name`: that path made absolute at the open; FileIO's `name`): what is published
    # after a `try` that closes the handle when the path given was an expression that
    # cannot be evaluated again (families/_after_finally.py). Only where that argument is
    # always a path (or a descriptor: FileIO's int name publishes nothing), never a file
    # object whose own name it would take (gzip.open, zipfile.ZipFile). None: only a path
    # that is a name or a literal is published there.
    name_attribute: str | None = None
    # A one-shot writer that returns the path of the file it wrote, which its arguments
    # do not spell (shutil.make_archive): published from what it returns, by the
    # call-through form (`storage.publishing(fn, returned=True, ...)`).
    returns_path: bool = False
    # The call's result is awaited for the handle (`await anyio.open_file(p, "w")`, a
    # coroutine; aiofiles' opener may be awaited too): `async with await <call> as f:`
    # and `f = await <call>` hold the handle as `async with <call> as f:` does.
    awaited: bool = False


def _reader(index: int | None, *keywords: str) -> Entry:
    return Entry((index, keywords), writes=False)


def _writer(index: int | None, *keywords: str) -> Entry:
    return Entry((index, keywords), writes=True)


def _one_shot(
    index: int | None,
    *keywords: str,
    suffix: str | None = None,
    adds_extension: bool = False,
) -> Entry:
    """A writer that has written and closed its file when it returns."""
    return Entry(
        (index, keywords),
        writes=True,
        closes=True,
        suffix=suffix,
        adds_extension=adds_extension,
    )


def _by_mode(
    index: int,
    keyword: str,
    mode_index: int | None,
    default: str,
    with_write_modes: str | None = None,
) -> Entry:
    return Entry(
        (index, (keyword,)),
        writes=None,
        mode=(mode_index, ("mode",)),
        default_mode=default,
        with_write_modes=with_write_modes,
    )


# The modes in which a handle-returning writer writes its path (`with_write_modes`):
# tarfile "w", "w:gz", "w|xz", "x:bz2", "a", ...; zipfile and the tarfile class one letter;
# gzip/bz2/lzma "w", "wb", "wt", "x", "ab", ...; FileIO "w", "wb", "ab+", "r+", ...;
# aiofiles.open, anyio/trio.open_file builtin open's "w", "ab+", "r+", ... (closed when
# their `async with` ends);
# h5py "r+", "w", "w-", "x", "a"; pandas' HDFStore "w", "a", "r+".
_TAR_WRITES = r"[wxa](?:[:|][a-z0-9]*)?"
_LETTER_WRITES = r"[wxa]"
_COMPRESSED_WRITES = r"[wxa][bt]?"
_COMPRESSED_CLASS_WRITES = r"[wxa]b?"
_FILEIO_WRITES = r"[wxa](?:b\+?|\+b?)?|r(?:\+b?|b\+)"
# aiofiles.open and anyio/trio.open_file take builtin open's modes: any that holds w, x, a
# or + writes (an invalid one raises at the open, and nothing after the `async with` runs).
_OPEN_WRITES = r"[rbt]*[wxa+][rwxabt+]*"


def _in_each(modules: list[str], **entries: Entry) -> dict[str, Entry]:
    """The same functions (name=entry) in each of `modules`."""
    return {f"{module}.{name}": entry for module in modules for name, entry in entries.items()}


SAFETENSORS_FRAMEWORKS = ("torch", "numpy", "flax", "tensorflow", "paddle", "mlx")

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

_POLARS_READERS = (
    "read_csv",
    "read_parquet",
    "read_ipc",
    "read_ndjson",
    "read_json",
    "read_excel",
    "read_ods",
    "read_avro",
    "scan_csv",
    "scan_parquet",
    "scan_ipc",
    "scan_ndjson",
)

#: Qualified name -> Entry. The one table of third-party path I/O.
FUNCTIONS: dict[str, Entry] = {
    **{f"pandas.{name}": _reader(0, kw) for name, kw in _PANDAS_READERS.items()},
    "pandas.HDFStore": _by_mode(0, "path", 1, "a", r"[wa]|r\+"),
    "numpy.save": _one_shot(0, "file", suffix=".npy"),
    "numpy.savez": _one_shot(0, "file", suffix=".npz"),
    "numpy.savez_compressed": _one_shot(0, "file", suffix=".npz"),
    "numpy.savetxt": _one_shot(0, "fname"),
    "numpy.load": _reader(0, "file"),
    "numpy.loadtxt": _reader(0, "fname"),
    "numpy.genfromtxt": _reader(0, "fname"),
    "numpy.fromfile": _reader(0, "file"),
    "numpy.memmap": _by_mode(0, "filename", 2, "r+"),
    "torch.save": _one_shot(1, "f"),
    "torch.load": _reader(0, "f"),
    "torch.jit.save": _one_shot(1, "f"),
    "torch.jit.load": _reader(0, "f"),
    # Model weights: safetensors writes exactly the name it is given and has closed it
    # when `save_file` returns; `load_file` and `safe_open` (which maps the file at the
    # call) read that one file. The same functions for every framework module.
    **_in_each(
        [f"safetensors.{framework}" for framework in SAFETENSORS_FRAMEWORKS],
        save_file=_one_shot(1, "filename"),
        load_file=_reader(0, "filename"),
    ),
    "safetensors.safe_open": _reader(0, "filename"),
    # joblib's pickles (one file since joblib 0.10) and pyarrow's Parquet files.
    "joblib.dump": _one_shot(1, "filename"),
    "joblib.load": _reader(0, "filename"),
    "pyarrow.parquet.write_table": _one_shot(1, "where"),
    # A dataset folder as well as a file: counted only, as pandas.read_parquet.
    "pyarrow.parquet.read_table": _reader(0, "source"),
    # Images: OpenCV and imageio write exactly the name given (the extension picks the
    # format, never added) and read that one file.
    "cv2.imwrite": _one_shot(0, "filename"),
    "cv2.imread": _reader(0, "filename"),
    **_in_each(
        ["imageio", "imageio.v2", "imageio.v3"],
        imwrite=_one_shot(0, "uri"),
        imread=_reader(0, "uri"),
    ),
    # MATLAB files: `.mat` is added to a name without it (appendmat=True), and a given
    # file object is written instead: counted only.
    "scipy.io.savemat": _writer(0, "file_name"),
    "scipy.io.loadmat": _reader(0, "file_name"),
    "PIL.Image.open": _reader(0, "fp"),
    "matplotlib.pyplot.savefig": _one_shot(0, "fname", adds_extension=True),
    "io.FileIO": replace(
        _by_mode(0, "file", 1, "r", _FILEIO_WRITES), name_attribute="name"
    ),
    "tarfile.open": replace(
        _by_mode(0, "name", 1, "r", _TAR_WRITES),
        fileobj=(2, ("fileobj",)),
        name_attribute="name",
    ),
    # The classmethod itself: the tarfile module's `open` is `TarFile.open`, and
    # `from tarfile import TarFile; TarFile.open(p, "r")` is the same call (pooch's Untar).
    "tarfile.TarFile.open": replace(
        _by_mode(0, "name", 1, "r", _TAR_WRITES),
        fileobj=(2, ("fileobj",)),
        name_attribute="name",
    ),
    "tarfile.TarFile": replace(
        _by_mode(0, "name", 1, "r", _LETTER_WRITES),
        fileobj=(2, ("fileobj",)),
        name_attribute="name",
    ),
    "zipfile.ZipFile": _by_mode(0, "file", 1, "r", _LETTER_WRITES),
    "shelve.open": Entry((0, ("filename",)), None, (1, ("flag",)), "c", flag_mode=True),
    "dbm.open": Entry((0, ("file",)), None, (1, ("flag",)), "r", flag_mode=True),
    "fileinput.input": Entry((0, ("files",)), False, writes_if="inplace"),
    "fileinput.FileInput": Entry((0, ("files",)), False, writes_if="inplace"),
    "sqlite3.connect": _writer(0, "database"),
    "gzip.open": _by_mode(0, "filename", 1, "rb", _COMPRESSED_WRITES),
    "gzip.GzipFile": replace(
        _by_mode(0, "filename", 1, "rb", _COMPRESSED_CLASS_WRITES),
        fileobj=(3, ("fileobj",)),
        name_attribute="name",
    ),
    "bz2.open": _by_mode(0, "filename", 1, "rb", _COMPRESSED_WRITES),
    "bz2.BZ2File": _by_mode(0, "filename", 1, "r", _COMPRESSED_CLASS_WRITES),
    "lzma.open": _by_mode(0, "filename", 1, "rb", _COMPRESSED_WRITES),
    "lzma.LZMAFile": _by_mode(0, "filename", 1, "r", _COMPRESSED_CLASS_WRITES),
    "aiofiles.open": replace(_by_mode(0, "file", 1, "r", _OPEN_WRITES), awaited=True),
    # anyio's and trio's async files: builtin open's parameters, a coroutine that opens
    # the file in a worker thread and returns a wrapper closed by `aclose()` or `async
    # with`.
    "anyio.open_file": replace(_by_mode(0, "file", 1, "r", _OPEN_WRITES), awaited=True),
    "trio.open_file": replace(_by_mode(0, "file", 1, "r", _OPEN_WRITES), awaited=True),
    "h5py.File": _by_mode(0, "name", 1, "r", r"r\+|w-?|x|a"),
    # The standard library's one-call archive helpers. make_archive writes the name it
    # returns (`base_name` plus the format's extension; nothing with `dry_run=True`): no
    # publish of its argument could be exact, so what it returns is published
    # (`returns_path`, families/publish_after.py). unpack_archive reads its archive and
    # writes a tree under `extract_dir`, not through the runtime: restored first
    # (families/restore_before.py), its tree counted.
    "shutil.make_archive": replace(_one_shot(0, "base_name"), returns_path=True),
    "shutil.unpack_archive": _reader(0, "filename"),
    # Stores that keep their data in a file or folder under a path and do their own I/O
    # for as long as the object lives (an experiment tracker's run database, sacred's
    # TinyDbObserver): counted only. TinyDB passes its arguments to its storage class,
    # JSONStorage(path, create_dirs, encoding, access_mode="r+"): a reader only with
    # access_mode="r"; without a path (`TinyDB(storage=MemoryStorage)`) no site. HashFS
    # writes content-addressed files under its root folder.
    **_in_each(
        ["tinydb", "tinydb.database"],
        TinyDB=Entry((0, ("path",)), None, (3, ("access_mode",)), "r+"),
    ),
    "hashfs.HashFS": _writer(0, "root"),
    # Archive probes: each opens the one file it names and reads its header (a file
    # object given instead is read in place: no site, `_is_path`).
    "tarfile.is_tarfile": _reader(0, "name"),
    "zipfile.is_zipfile": _reader(0, "filename"),
    # polars' readers (a dataset's DataFrame adapter, kagglehub's polars_datasets.py);
    # read_csv/read_parquet/read_ipc/read_ndjson and the lazy scans also take a glob or a
    # folder: counted only, as pandas.read_parquet (families/restore_before.py READERS).
    **{f"polars.{name}": _reader(0, "source") for name in _POLARS_READERS},
}

#: Methods on objects of unknown type that write a path (see the module docstring).
METHODS: dict[str, Entry] = {
    "to_csv": _one_shot(0, "path_or_buf"),
    "to_parquet": _one_shot(0, "path"),
    "to_feather": _one_shot(0, "path"),
    "to_hdf": _one_shot(0, "path_or_buf"),
    "to_pickle": _one_shot(0, "path"),
    "to_excel": _one_shot(0, "excel_writer"),
    "to_stata": _one_shot(0, "path"),
    "to_orc": _one_shot(0, "path"),
    "tofile": _one_shot(0, "fid"),
    "savefig": _one_shot(0, "fname", adds_extension=True),
    "to_json": _one_shot(0, "path_or_buf"),
    # zipfile's, tarfile's (and py7zr's, rarfile's) extraction of every member under a
    # folder: every file written and closed when it returns, so the folder is published
    # after it, as `save_pretrained`'s (only with the folder given: without it, the
    # working folder). Not `extract`: far too common a method name.
    "extractall": _one_shot(0, "path"),
    # Hugging Face's convention (transformers, diffusers, peft, tokenizers, ...): writes
    # the model's files into a folder and has closed them when it returns.
    "save_pretrained": _one_shot(0, "save_directory"),
    # datasets' `Dataset.save_to_disk` / `DatasetDict.save_to_disk`: a folder too.
    "save_to_disk": _one_shot(0, "dataset_path", "dataset_dict_path"),
    # polars' DataFrame writers (`partition_by=`: a folder). `write_csv`, `write_json`
    # and `write_ndjson` without a file return a string, as pandas' to_json: strict.
    "write_parquet": _one_shot(0, "file"),
    "write_ipc": _one_shot(0, "file"),
    "write_avro": _one_shot(0, "file"),
    "write_csv": _one_shot(0, "file"),
    "write_json": _one_shot(0, "file"),
    "write_ndjson": _one_shot(0, "file"),
}
_STRICT_METHODS = frozenset({"to_json", "write_csv", "write_json", "write_ndjson"})

#: The modules of the table (its CANDIDATES name them too, by `Candidates.by_name`).
# Calls of the table only as calls: `os.open(p, flags)` whose flags surely only read is
# here for restore_before (families/scratch.py `reads_by_path` leaves it); every other
# os.open is scratch's ("unsupported family" or a scratch reason), and a reference to
# os.open is no file function value (function_values reads FUNCTIONS).
CALLED_ONLY: dict[str, Entry] = {"os.open": _reader(0, "path")}

MODULE_ROOTS = frozenset(name.partition(".")[0] for name in FUNCTIONS)
#: Words one of whose presence a module needs to hold a site of this table (the byte
#: prefilter): the modules, but `FileIO` for `io` (two letters would match nearly every
#: file; `io.open` is found through "open"), and the methods.
TEXT_WORDS = frozenset((MODULE_ROOTS - {"io"}) | {"FileIO"} | set(METHODS))

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
        "sys.stderr",
        # an HTTP response (`Image.open(urlopen(url))`, wandb's prodigy integration): a
        # stream from the network, no file
        "urllib.request.urlopen",
        # temporary files are file objects too (`shard.to_parquet(tmp_file)` with
        # `tmp_file = NamedTemporaryFile(...)`): the temporary file is the site
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile",
        "tempfile.SpooledTemporaryFile",
    }
)
_PATH_MAKERS = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "os.path.join", "os.fspath"}
)
#: Calls that give descriptors of files opened elsewhere: a pipe's, a terminal's, a
#: duplicate (families/scratch.py: `os.fdopen` of one is a foreign descriptor).
FOREIGN_DESCRIPTOR_MAKERS = frozenset(
    {"os.pipe", "os.dup", "os.dup2", "os.openpty", "pty.openpty", "msvcrt.open_osfhandle"}
)
# Calls that give a file descriptor, an int: `io.FileIO(fd, "w")` writes through a file
# opened where the descriptor was made (`os.open`, counted there), and its handle's `name`
# is that int, which names no path to publish.
_DESCRIPTOR_MAKERS = FOREIGN_DESCRIPTOR_MAKERS | {"os.open"}


class Resolver:
    """What the recogniser needs from the finder: names and single bound values."""

    def __init__(
        self,
        names: Callable[[cst.BaseExpression], frozenset[str]],
        value_of: Callable[[cst.Name], cst.BaseExpression | None],
        runtime_open: str,
        local_value_of: Callable[[cst.Name], cst.BaseExpression | None] | None = None,
        holding_value: Callable[[cst.Name], cst.BaseExpression | None] | None = None,
    ) -> None:
        self.names = names
        self.value_of = value_of
        #: A function's local bound once (a mode held in a name: `_mode`).
        self.local_value_of = local_value_of
        #: A function's local bound several times: the value of the binding that holds
        #: at a read (`with store.open(a) as f:` ... `with store.open(b) as f:`).
        self.holding_value = holding_value
        self.handle_makers = _HANDLE_MAKERS | {runtime_open}


# -- the family protocol (families/protocol.py) ---------------------------------------------

#: Classified on their own: the rules apply before `decide` (which has nothing to decide).
DERIVED = False

CANDIDATES = Candidates.by_name(
    FUNCTIONS,
    text=tuple(re.escape(word) for word in sorted(TEXT_WORDS)),
    any_receiver_methods=frozenset(METHODS),
)
COMMAND = None  # counts only: the one-shot writers are publish_after's
SARIF_RULES = (
    SarifRule(
        Family.THIRD_PARTY,
        "MS-THIRD-PARTY",
        "Path I/O done by another library (pandas, numpy, ...)",
    ),
)


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A third-party site when `call` resolves to a FUNCTIONS entry and is given a path,
    or is one of the METHODS (`x.to_csv(path)`) on a receiver of unknown type (not the
    runtime's storage)."""
    claimed = table_entry(call, ctx)
    if claimed is None:
        return None
    name, entry = claimed
    if not name.startswith("*."):
        return _site(call, position, name, entry, ctx.third_party, strict=False)
    if ctx.on_runtime_storage(call):
        return None
    path = _argument(call, *entry.path)
    if isinstance(path, cst.Name) and path.value == "self" and ctx.flow.is_parameter(path):
        # `PreTrainedModel.save_pretrained(self, *args)`: the method called on its class,
        # handed the instance; the path is further on, where it cannot be seen
        return None
    strict = name[2:] in _STRICT_METHODS
    return _site(call, position, name, entry, ctx.third_party, strict)


def table_entry(call: cst.Call, ctx: Context) -> tuple[str, Entry] | None:
    """The table's (name, entry) for `call`: a FUNCTIONS entry its callee resolves to,
    else `*.<method>` for a METHODS entry; None when the table has neither (cheap: the
    call's names are resolved once per call). A method of the table that is the class's
    own (`self.to_csv(file)` in a class that defines `to_csv`: analysis/context.py
    `is_own_method`) is no entry: its body, analysed on its own, holds the I/O."""
    found = _entry_of_callee(call.func, ctx.names(call))
    if found is not None and found[0].startswith("*.") and ctx.is_own_method(call):
        return None
    return found


def callee_entry(func: cst.BaseExpression, ctx: Context) -> tuple[str, Entry] | None:
    """`table_entry` for a callee written elsewhere than a call's `func` (the first
    argument of `storage.publishing(torch.save, ...)`)."""
    return _entry_of_callee(func, ctx.flow.names(func))


def _entry_of_callee(
    func: cst.BaseExpression, names: frozenset[str]
) -> tuple[str, Entry] | None:
    known = sorted(n for n in names if n in FUNCTIONS or n in CALLED_ONLY)
    if known:
        return known[0], FUNCTIONS.get(known[0]) or CALLED_ONLY[known[0]]
    if isinstance(func, cst.Attribute) and func.attr.value in METHODS:
        receiver = func.value
        if isinstance(receiver, cst.Attribute) and receiver.attr.value == "str":
            # pandas' string accessor (`s.str.extractall(pattern)`): its methods take a
            # pattern, not a path; no archive or frame is reached through `.str`
            return None
        return f"*.{func.attr.value}", METHODS[func.attr.value]
    return None


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
    if entry.fileobj is not None:
        fileobj = _argument(call, *entry.fileobj)
        given = fileobj is not None and fileobj is not _STAR
        if given and not (isinstance(fileobj, cst.Name) and fileobj.value == "None"):
            return None  # given a file object: it opens nothing
    item = Found(call, position, "third-party", Family.THIRD_PARTY, name)
    writes = _writes(call, entry, resolver.local_value_of)
    item.status = Status.UNMIGRATED
    item.reason = Reason.THIRD_PARTY_WRITER if writes else Reason.THIRD_PARTY_READER
    return item


def entered_unknown(path: cst.BaseExpression | None, ctx: Context) -> bool:
    """The path argument is a name some `with <object> as name:` binds, where `<object>`
    is entered as it is, no call (`with store as f`, `with self._file as f`): its
    `__enter__` result is often a handle, whose publish after a writer
    (families/publish_after.py) or restore before a reader (families/restore_before.py)
    would do nothing while the site said migrated. Left counted. A call's result is
    judged as before (`with tmpfile("h5") as fn`, a generator context manager of the run
    yielding a name; `tempfile.TemporaryDirectory()`; `contextlib.nullcontext(p)`): a
    path unless the call is known to make a handle."""
    if not isinstance(path, cst.Name):
        return False
    return any(not isinstance(manager, cst.Call) for manager in ctx.flow.entered(path))


def entry_of(name: str) -> Entry | None:
    """The table entry of a site's name (`numpy.save`, or `*.to_csv` for a method)."""
    if name.startswith("*."):
        return METHODS.get(name[2:])
    return FUNCTIONS.get(name) or CALLED_ONLY.get(name)


def path_of(call: cst.Call, entry: Entry) -> cst.BaseExpression | None:
    """The path argument of `call` as `entry` says it is given; None when it is not
    given or may be hidden in `*args`/`**kwargs`."""
    node = _argument(call, *entry.path)
    return None if node is _STAR else node


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


ValueOf = Callable[[cst.Name], cst.BaseExpression | None]


def writes_through_handle(call: cst.Call, entry: Entry, value_of: ValueOf | None = None) -> bool:
    """`call` returns a handle through which it writes its path, and has closed that
    file when a `with` over the handle ends: an entry with `with_write_modes`, a literal
    mode (or the default) among them, and no `*args`/`**kwargs` that may hold another.
    `value_of`: a name's one value, for a mode held in a local name (`_mode`)."""
    if entry.with_write_modes is None or any(arg.star for arg in call.args):
        return False
    mode = _mode(call, entry, value_of)
    # A conditional expression of literal modes: every one it may choose writes.
    choices = (mode,) if isinstance(mode, str) else mode if isinstance(mode, tuple) else ()
    return bool(choices) and all(
        re.fullmatch(entry.with_write_modes, choice) is not None for choice in choices
    )


def sees_existing_file(call: cst.Call, entry: Entry, value_of: ValueOf | None = None) -> bool:
    """A mode `call` may give depends on the file already there: it keeps what the file
    holds and writes to it (tarfile's and zipfile's "a", gzip's "ab", FileIO's "r+",
    h5py's "a"/"r+", ...), or it refuses a file that exists (tarfile's "x:gz", zipfile's
    and gzip's "x", FileIO's "xb", h5py's "x"/"w-"). Either way the file another worker
    published must be on disk before it opens, as builtin `open(p, "a")` and `open(p,
    "x")` through the runtime have it. An unknown mode may."""
    mode = _mode(call, entry, value_of)
    choices = (mode,) if isinstance(mode, str) else mode if isinstance(mode, tuple) else ()
    return not choices or any(
        "a" in c or "x" in c or c.startswith("r") or c == "w-" for c in choices
    )


def _writes(call: cst.Call, entry: Entry, value_of: ValueOf | None = None) -> bool:
    if entry.writes_if is not None:
        value = _argument(call, None, (entry.writes_if,))
        return value is not None and not (
            isinstance(value, cst.Name) and value.value in ("False", "None")
        )
    if entry.writes is not None:
        return entry.writes
    mode = _mode(call, entry, value_of)
    if entry.flag_mode:
        return mode != "r"  # a choice (a tuple) holds another flag: may write
    return may_write(mode)


def _mode(call: cst.Call, entry: Entry, value_of: ValueOf | None = None) -> Mode:
    """The mode `call` gives (its default when not given), the literals a conditional
    expression chooses among, also through a local name bound once to either
    (analysis/found.py `mode_of`), UNKNOWN_MODE when it is none of these or may be in
    `*args`/`**kwargs`."""
    node = _argument(call, *entry.mode)
    if node is None:
        return entry.default_mode
    if node is _STAR:
        return UNKNOWN_MODE
    return mode_of(node, value_of)


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
        value = resolver.value_of(node)
        if value is None and resolver.holding_value is not None:
            value = resolver.holding_value(node)
        value = value or node
    if isinstance(value, cst.Call):
        made = resolver.names(value.func)
        if made & resolver.handle_makers:
            return False
        if made & _DESCRIPTOR_MAKERS or (
            isinstance(value.func, cst.Attribute)
            and value.func.attr.value == "fileno"
            and not value.args
        ):
            return False  # `io.FileIO(f.fileno(), "w")`, `FileIO(os.open(p, flags))`
        if any(
            (entry := FUNCTIONS.get(maker)) is not None
            and entry.with_write_modes is not None
            for maker in made
        ):
            # what a writer that returns a handle made (`with pd.HDFStore(fn) as hdf:`
            # then `df.to_hdf(hdf, key)`): that call is the site, this one writes into it
            return False
        if isinstance(value.func, cst.Attribute) and value.func.attr.value == "open":
            return False  # `x.open(...)` (Path.open, ZipFile.open, ...) makes a handle
        if isinstance(value.func, cst.Attribute) and value.func.attr.value in (
            "read",
            "read_bytes",
        ):
            # a file's content (`pl.read_csv(p.read_bytes())`, `np.load(f.read())`, and
            # what a migration makes of them, `storage.read_bytes(p)`): data, whose read
            # is the site. (`open(p).read`'s qualified name is `builtins.open` to LibCST,
            # but `storage_runtime.open.read` once the open is migrated: by the method's
            # name, both passes agree.)
            return False
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
