"""Restore before a third-party reader: `np.load(p)` -> `np.load(storage.restored(p))`.

A reader of third_party's table opens its file itself, so the runtime never sees the
read, and a file another worker published is not there when this one asks for it. The
migration wraps the reader's path argument, in place, in `storage.restored(...)`, which
returns its argument itself (the same object: the reader is given exactly what it was
given before) after restoring a missing file at that path from the shared namespace, as
a read-only open through the runtime does (runtime `_after_call.restored`). On the local
backend, under a patched `builtins.open` (mock, pyfakefs), for a file that exists, and for
anything that is not a str/bytes/pathlib path, it does nothing at all.

**Rewrites**
- The readers that read exactly the one file their path argument names:
  `numpy.load/loadtxt/genfromtxt/fromfile`, `torch.load`, pandas' single-file readers
  (`read_csv`, `read_table`, `read_json`, `read_pickle`, `read_excel`, `read_feather`, ...),
  `h5py.File(p, "r")`, `zipfile.ZipFile(p)`, `pandas.HDFStore(p, "r")` and
  `numpy.memmap(p, mode="r")` (or `"c"`, copy-on-write) in a read mode,
  `shutil.unpack_archive(p, d)` (its one archive), and the look-alikes of open in
  a read mode (`PIL.Image.open`, `gzip.open`/`GzipFile`, `bz2`, `lzma`, `tarfile.open`/
  `TarFile.open`/`TarFile`, `io.FileIO`, `aiofiles.open`, `anyio.open_file`, `trio.open_file`;
  `os.open(p, flags)` whose flags surely only read, with no `dir_fd=`: families/scratch.py
  `reads_by_path`, and not a directory handle; `os.fdopen` of its descriptor is then no
  site of its own),
  recognised by qualified name as families/third_party.py recognises them ("third-party
  reader"). Each is still the call the program made, given the very object it was given
  (never rewritten to `storage.open`).
- The path is wrapped where it stands, whatever expression it is: nothing is evaluated
  twice. `storage.restored(p)` runs right after `p` is evaluated, before the arguments
  that follow it; so every argument after the path must be inert (names and literals,
  analysis/handles.py `is_inert`, or the function's own `*args`/`**kwargs`), or the
  rewrite could be seen.
- Where an argument after the path may run code (`torch.load(f, map_location=dev())`),
  or the path is itself a site that another family rewrites (`torch.load(p.read_text())`:
  one node cannot take two edits), the path is held and restored by the call's last
  argument instead:
  `torch.load(storage.held(f), map_location=dev(), **storage.restore_held())` evaluates
  the callee and every argument first, in the program's order, then restores the path
  right before the reader runs (`restore_held()` unpacks to nothing). The reader is still
  called from the program's frame: a warning it attributes to its caller (torch.load's
  FutureWarning with stacklevel=2, pandas' find_stack_level) names the program's line, as
  before (HeldEdit; fidelity `reader_called_through_warns_its_caller`).
- A reader whose path is already `storage.restored(...)` or `storage.held(...)`, or that
  is called through `storage.restoring(...)` (what earlier versions wrote), is MIGRATED
  (a second run changes nothing).
- A json/pickle call on the handle of a reader that returns one (`with gzip.open(p,
  "rt") as f: data = json.load(f)`; gzip, bz2, lzma, `io.FileIO`: HANDLE_READERS) reads
  the file the restore put there: it follows this site (PENDING with it, MIGRATED once
  it is wrapped), its text unchanged (families/json_pickle.py; never collapsed, which
  needs a builtin `open`).

**Leaves alone (why)**
- Readers that read other files than the one named (`pandas.read_parquet`: a dataset
  folder; `shelve`/`dbm`: files named after the path; `fileinput`): restoring one name
  would not give them their data, so they stay counted "third-party reader".
- Look-alikes in a write mode, or a mode held in a name, are writers (third_party,
  publish_after); but a function's local name bound once to a read mode, or to a
  conditional expression of read modes (`mode = "rb" if raw else "rt"`), is that mode.
- A reader whose path's place is hidden (`*args` before it, or in `**kwargs`); a method
  reader (none is in the table: `to_*` are writers).
- Everything the rules make `local`, a secret-looking literal path (LOCAL), a path given
  as a handle or buffer (no site at all: third_party's rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis.found import Found, Position
from migrate_storage.codemods.analysis.handles import is_inert
from migrate_storage.codemods.families import (
    _call_through,
    lazy_command,
    scratch,
    third_party,
)
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context
    from migrate_storage.codemods.analysis.uses import Flow

DESCRIPTION = "Restore a missing file before a third-party reader opens it."

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        "import numpy as np\n\ndef embeddings(path):\n    return np.load(path, allow_pickle=False)\n",
        "import numpy as np\nfrom storage_runtime import storage\n\ndef embeddings(path):\n    return np.load(storage.restored(path), allow_pickle=False)\n",
    ),
    Rewritten(
        "import pandas as pd\n\nframe = pd.read_csv(root / 'metrics.csv', sep='\\t')\n",
        "import pandas as pd\nfrom storage_runtime import storage\n\nframe = pd.read_csv(storage.restored(root / 'metrics.csv'), sep='\\t')\n",
        policy=CACHE,
    ),
    Rewritten(
        "import torch\n\nstate = torch.load(f=ckpt, map_location='cpu')\n",
        "import torch\nfrom storage_runtime import storage\n\nstate = torch.load(f=storage.restored(ckpt), map_location='cpu')\n",
    ),
    Rewritten(
        "import pandas as pd\n\nframe = pd.read_csv(p, sep=cfg.sep)\n",
        "import pandas as pd\nfrom storage_runtime import storage\n\nframe = pd.read_csv(storage.held(p), sep=cfg.sep, **storage.restore_held())\n",
    ),
    Rewritten(
        "import torch\n\ndef load(f, map_location=None, **kwargs):\n    return torch.load(f, map_location=map_location, **kwargs)\n",
        "import torch\nfrom storage_runtime import storage\n\ndef load(f, map_location=None, **kwargs):\n    return torch.load(storage.restored(f), map_location=map_location, **kwargs)\n",
    ),
    Unchanged(
        "import pandas as pd\n\ndef read(*args):\n    return pd.read_csv(*args)\n",
        "Should do nothing, since the path's place in `*args` is unknown.",
        site_reason=Reason.THIRD_PARTY_READER,
    ),
    Unchanged(
        "import pandas as pd\n\nframe = pd.read_parquet(dataset_dir)\n",
        "Should do nothing, since a parquet path may be a folder of files read one by one.",
        site_reason=Reason.THIRD_PARTY_READER,
    ),
    Rewritten(
        "from PIL import Image\n\nimage = Image.open(p)\n",
        "from PIL import Image\nfrom storage_runtime import storage\n\nimage = Image.open(storage.restored(p))\n",
    ),
    Rewritten(
        "import tarfile\n\nwith tarfile.open(archive, 'r:gz') as tar:\n    names = tar.getnames()\n",
        "import tarfile\nfrom storage_runtime import storage\n\nwith tarfile.open(storage.restored(archive), 'r:gz') as tar:\n    names = tar.getnames()\n",
    ),
    Rewritten(
        "import os\n\ndef read(p):\n    fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW)\n    with os.fdopen(fd, 'rb') as f:\n        return f.read()\n",
        "import os\nfrom storage_runtime import storage\n\ndef read(p):\n    fd = os.open(storage.restored(p), os.O_RDONLY | os.O_NOFOLLOW)\n    with os.fdopen(fd, 'rb') as f:\n        return f.read()\n",
    ),
    Unchanged(
        "import os\n\ndef read(name, parent):\n    return os.open(name, os.O_RDONLY, dir_fd=parent)\n",
        "Should do nothing, since a path relative to another descriptor names no file by"
        " itself (counted, unsupported).",
        site_reason=Reason.UNSUPPORTED_FAMILY,
    ),
    Unchanged(
        "import gzip\n\nwith gzip.open(p, mode) as f:\n    f.read()\n",
        "Should do nothing, since a mode held in a name may write (counted as a writer).",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Unchanged(
        "import zipfile\n\nwith zipfile.ZipFile(p, mode) as z:\n    names = z.namelist()\n",
        "Should do nothing, since a mode held in a name may write (counted as a writer).",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
)

#: The compressed-file openers, in a read mode: readers of the one file they name that
#: return a file object (READERS, HANDLE_READERS).
_COMPRESSED_READERS = (
    "gzip.open", "gzip.GzipFile", "bz2.open", "bz2.BZ2File", "lzma.open", "lzma.LZMAFile",
)

#: The readers of third_party's table that read exactly the file their path names.
READERS = frozenset(
    {
        "numpy.load",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        # In a read mode ("r", or "c": copy-on-write, its writes stay in memory;
        # third_party's modes): it maps the one file it names.
        "numpy.memmap",
        "torch.load",
        "torch.jit.load",
        *(f"safetensors.{framework}.load_file" for framework in third_party.SAFETENSORS_FRAMEWORKS),
        "safetensors.safe_open",
        "joblib.load",
        "cv2.imread",
        "imageio.imread",
        "imageio.v2.imread",
        "imageio.v3.imread",
        "h5py.File",
        "zipfile.ZipFile",
        # Look-alikes of open, in a read mode (third_party's modes): each opens the one
        # file it names in the call itself (PIL reads the pixels later, from that handle).
        "PIL.Image.open",
        *_COMPRESSED_READERS,
        "tarfile.open",
        "tarfile.TarFile.open",
        "tarfile.TarFile",
        "io.FileIO",
        # `os.open(p, os.O_RDONLY | os.O_NOFOLLOW)`: only the reads scratch leaves here
        # (families/scratch.py `reads_by_path`); the descriptor is what it was.
        "os.open",
        # The archive probes read the header of the one file they name.
        "tarfile.is_tarfile",
        "zipfile.is_zipfile",
        # Reads the one archive it names (and writes a tree under `extract_dir`, counted
        # nowhere: the archive is the site).
        "shutil.unpack_archive",
        # An HDF5 store in a read mode ("r"; third_party's modes): the one file it names.
        "pandas.HDFStore",
        # Its file is opened when the call is awaited; the restore runs when the arguments
        # are evaluated, before that, and blocks the coroutine as a migrated builtin
        # `open` of a missing file does.
        "aiofiles.open",
        "anyio.open_file",
        "trio.open_file",
        *(
            f"pandas.{name}"
            for name in (
                "read_csv",
                "read_table",
                "read_fwf",
                "read_json",
                "read_pickle",
                "read_hdf",
                "read_excel",
                "read_stata",
                "read_sas",
                "read_spss",
                "read_xml",
                "read_feather",
                "read_orc",
            )
        ),
    }
)

#: The readers of READERS that return a file object reading the one file they name: a
#: json/pickle call on that handle (`with gzip.open(p, "rt") as f: json.load(f)`) reads
#: what the restore put there, so it follows this site (`Found.opens_handle`).
HANDLE_READERS = frozenset({*_COMPRESSED_READERS, "io.FileIO"})

# -- the family protocol (families/protocol.py) ---------------------------------------------

#: Classified on their own: the rules (`local`, exclusion) apply before `decide`.
DERIVED = False
#: Its calls are among third_party's, and the call-through form's `storage.restoring(...)`.
CANDIDATES = third_party.CANDIDATES | Candidates(
    any_receiver_methods=frozenset({_call_through.RESTORING})
)
COMMAND = Command(
    "RestoreBeforeCodemod", DESCRIPTION, rewrites=(Family.THIRD_PARTY,), order=6
)
#: Reported under third_party's rule (MS-THIRD-PARTY).
SARIF_RULES: tuple[SarifRule, ...] = ()

_METHOD = "restored"


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A reader of READERS as third_party recognises it ("third-party reader"): MIGRATED
    when its path is already `storage.restored(...)`, else UNMIGRATED until `decide`.
    Every other call is left to the modules after this one."""
    through = _call_through.wrapped(call, ctx, _call_through.RESTORING)
    if through is not None:  # `storage.restoring(torch.load, path=0)(...)`: migrated
        known = third_party.callee_entry(through, ctx)
        if known is None or known[0] not in READERS:
            return None
        found = Found(call, position, "third-party", Family.THIRD_PARTY, known[0])
        found.status = Status.MIGRATED
        found.opens_handle = known[0] in HANDLE_READERS
        return found
    claimed = third_party.table_entry(call, ctx)
    if claimed is None or claimed[0] not in READERS:
        return None
    item = third_party.recognise(call, position, ctx)
    if item is None or item.reason is not Reason.THIRD_PARTY_READER:
        return item
    item.opens_handle = claimed[0] in HANDLE_READERS
    path = third_party.path_of(call, claimed[1])
    item.target = path  # a secret-looking or system literal path: LOCAL (the finder's rules)
    wrapped = restored_argument(path, ctx) if path is not None else None
    if wrapped is not None:
        item.status, item.reason = Status.MIGRATED, None
        item.target = wrapped
    return item


def decide(items: list[Found], ctx: Context) -> None:
    """Each reader the rules left counted whose path can be wrapped (see the module
    docstring) becomes PENDING, with the edit that wraps it."""
    for item in items:
        if (
            item.status is not Status.UNMIGRATED
            or item.reason is not Reason.THIRD_PARTY_READER
        ):
            continue
        entry = third_party.entry_of(item.name)
        path = third_party.path_of(item.call, entry) if entry is not None else None
        if path is None or third_party.entered_unknown(path, ctx):
            continue  # `with store as f: pd.read_csv(f)`: maybe a handle
        region = (item.position.line, item.position.end_line)
        if later_arguments_inert(item.call, path, ctx.flow) and path not in ctx.by_call:
            item.edit = RestoreEdit(path, region)
        else:  # restore right before the call, after every argument: HeldEdit
            where = _call_through.place(path, ctx)
            if where is None:
                continue
            item.edit = HeldEdit(item.call, region, where)
        item.status, item.reason = Status.PENDING, None
        item.needs = ("storage",)


def restored_argument(path: cst.BaseExpression, ctx: Context) -> cst.BaseExpression | None:
    """`p` of `storage.restored(p)`, or of `storage.held(p)` (HeldEdit's form): a path a
    migration already wrapped (also publish_after's content-keeping writers); else None."""
    if not (isinstance(path, cst.Call) and len(path.args) == 1):
        return None
    func, arg = path.func, path.args[0]
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value in (_METHOD, _call_through.HELD)
        and not arg.star
        and arg.keyword is None
        and ctx.on_runtime_storage(path)
    ):
        return arg.value
    return None


def later_arguments_inert(call: cst.Call, path: cst.BaseExpression, flow: Flow) -> bool:
    """Every argument written after the path is a name or a literal (see the module
    docstring), or the function's own `*args`/`**kwargs` unpacked (a tuple, a dict: no
    code runs): the restore, which runs right after the path, cannot be seen by them."""
    seen = False
    for arg in call.args:
        if seen and not _inert_argument(arg, flow):
            return False
        seen = seen or arg.value is path
    return seen


def _inert_argument(arg: cst.Arg, flow: Flow) -> bool:
    if not arg.star:
        # `os.O_RDONLY | os.O_NOFOLLOW` (os.open's flags): module constants or'ed;
        # `"a" if append else "w"`: a choice of literals by a name's truth
        return (
            is_inert(arg.value)
            or scratch.os_flags(arg.value, flow)
            or _literal_choice(arg.value)
        )
    value = arg.value
    return isinstance(value, cst.Name) and flow.packed_parameter(value) == arg.star


def _literal_choice(node: cst.BaseExpression) -> bool:
    """`"a" if append else "w"`: literals chosen by a plain name (srsly's gzip modes)."""
    return (
        isinstance(node, cst.IfExp)
        and isinstance(node.test, cst.Name)
        and is_inert(node.body)
        and is_inert(node.orelse)
        and not isinstance(node.body, cst.Name)
        and not isinstance(node.orelse, cst.Name)
    )


# -- rewrite ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestoreEdit:
    """The path argument -> `storage.restored(<the path as written>)`."""

    node: cst.BaseExpression
    region: tuple[int, int]
    family: Family = Family.THIRD_PARTY

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.CSTNode:
        assert isinstance(node, cst.BaseExpression)
        func = cst.Attribute(cst.Name(names["storage"]), cst.Name(_METHOD))
        return cst.Call(func=func, args=[cst.Arg(node)])


@dataclass(frozen=True, slots=True)
class HeldEdit:
    """The reader's call, its path argument (at `path`, a positional index or a keyword)
    -> `storage.held(<the path as written>)`, and `**storage.restore_held()` added last:
    `torch.load(storage.held(f), map_location=dev(), **storage.restore_held())`.

    The restore must come after every argument (one after the path may run code) and
    before the reader: `restore_held()` is the call's last argument, so it is evaluated
    after all the others, in the program's order, and unpacks to nothing. The reader is
    still the program's own call from the program's own frame, so a warning it attributes
    to its caller (torch 2.4/2.5 `torch.load`'s FutureWarning, stacklevel=2; pandas'
    `find_stack_level`) names the program's line, as before; the call-through form
    `storage.restoring(torch.load, path=0)(...)`, which a second run still counts as
    migrated, called it from the runtime's frame (fidelity `call_through_warning_location`)."""

    node: cst.Call
    region: tuple[int, int]
    path: int | str
    family: Family = Family.THIRD_PARTY

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        storage = names["storage"]
        args = _call_through.hold(list(node.args), self.path, storage)
        restore = cst.Arg(
            cst.Call(
                func=cst.Attribute(cst.Name(storage), cst.Name(_call_through.RESTORE_HELD))
            ),
            star="**",
        )
        last = args[-1]
        # the comma after the last argument, if the call had one, goes after the new one
        trailing = last.comma
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        args.append(restore.with_changes(comma=trailing))
        return node.with_changes(args=args)


# `restore_before.RestoreBeforeCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
