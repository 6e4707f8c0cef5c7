"""The publish-after family: a third-party writer stays, and its path is published after it.

A library that writes a path itself (`df.to_csv(p)`, `np.save(p, a)`, `torch.save(obj,
p)`, `fig.savefig(p)`) opens and closes its file where no runtime handle sees it. The
writer is kept exactly as written, and `storage.publish(p, pin=...)` is added on the next
line (same indentation): when the writer returns, its file is closed and complete, and
evaluating `p` again gives the same path. A writer that returns a handle (`tarfile.open(p,
"w")`) writes through it until it is closed: when it is the item of a `with` statement,
that is when the `with` ends, and the publish follows the `with` instead. The runtime's
`publish` never changes what the program sees (README "After a third-party writer").
Which calls are writers, which of them are one-shot (`Entry.closes`) and in which modes a
handle writer writes (`Entry.with_write_modes`) is the one table in
families/third_party.py; this module is listed before it (and before families/scratch.py,
for the kept temporary file) in the registry and claims those writers first. The sites
keep the third-party family (a `local` rule keeps them local; the rules key is
`third-party`).

**Rewrites**
- A one-shot writer of the table (numpy `save`/`savez`/`savez_compressed`/`savetxt`,
  `torch.save`, `matplotlib.pyplot.savefig`, and on any receiver `to_csv`, `to_parquet`,
  `to_feather`, `to_hdf`, `to_pickle`, `to_excel`, `to_stata`, `to_orc`, `tofile`,
  `savefig`, `to_json`) whose path argument is a name or a str literal (inert:
  evaluating it again after the call is exact), when the call is a whole statement (an
  expression statement, or the value of a simple assignment that does not rebind that
  name, nor one another function binds, deletes or captures through `global`/`nonlocal`:
  a call may run it) alone on its line, in an indented block or the module body:
  `df.to_csv(p, index=False)` -> the same line, then `storage.publish(p, pin=False)`.
  `try:` bodies included: `publish` runs only if the writer returned, as the code after
  it did.
- numpy adds ".npy"/".npz" to a path that lacks it: the added call says so
  (`storage.publish(p, pin=True, suffix=".npy")`, not for a literal that already ends
  with it). A folder (`to_parquet(d, partition_cols=...)`) is published as its files.
- A writer that returns a handle, opened for writing (a literal mode, or the default, or
  a conditional expression whose every branch is such a literal, that
  `Entry.with_write_modes` lists: tarfile "w", "w:gz", "x:xz", "a", ...; zipfile
  "w"/"a"/"x"; gzip/bz2/lzma `open` and file classes "w", "wb", "wt", "a", "x", ...;
  `io.FileIO` "w", "ab", "r+", ...; `aiofiles.open` builtin open's writing modes, in an
  `async with`, and `anyio.open_file`/`trio.open_file` awaited (`async with await
  anyio.open_file(p, "w") as f:`); h5py "w", "w-", "x", "a", "r+"; pandas' `HDFStore`
  "w"/"a"/"r+"), with no `*args`/`**kwargs`, that is itself an item of a `with`
  statement standing in a block or the module body, with a path that is a name or a str
  literal: the `with` stays as written, and `storage.publish(path, pin=...)` follows it,
  at its indentation (after the comment lines that end its block):
  `with tarfile.open(out, "w:gz") as tar: ...` then `storage.publish(out, pin=True)`.
  A writer in a mode that keeps the file's content (tarfile/zipfile "a", gzip "ab",
  FileIO "r+", h5py "a"/"r+", ...) or refuses an existing file (tarfile "x:gz", zipfile
  and gzip "x", h5py "x"/"w-", ...: `third_party.sees_existing_file`) also gets its path,
  a name or a literal whose later arguments are inert, wrapped where it stands:
  `with tarfile.open(storage.restored(p), "a") as tar:` (the file another worker
  published is there before it appends or is refused, as for builtin `open(p, "a")` and
  `open(p, "x")`); with any other path, or bound before a `try`, it stays counted.
  A path that cannot be evaluated again (`Path(out, name)`, `self.tar_path`), where the
  writer keeps the path it opened (`Entry.name_attribute`: tarfile's `name`, absolute
  since the open; FileIO's and GzipFile's `name`) and the `with` binds the handle to a
  name the block does not bind again: `storage.publish(tar.name, pin=...)`.
- Such a writer bound to a name, `x = tarfile.open(p, "w")` (`f = await
  anyio.open_file(...)`), alone on its line, then simple lines only, then a `try` whose
  `except` clauses, if any, end by raising and whose `finally` closes it among its own top-level lines (`x.close()`;
  `await x.aclose()`/`await x.close()` for an awaited opener): `storage.publish(path,
  pin=...)` follows the `try` (families/_after_finally.py says where that is exact). A
  path that is an expression (flit's `GzipFile(str(target), mode="wb")`) is not evaluated
  again: where the writer keeps the path it opened (`Entry.name_attribute`), the handle's
  is published (`storage.publish(gz.name, pin=...)`). The same writer closed instead by
  `x.close()` alone on a later line of the same block, the statements in between
  compound or not (`archive = ZipFile(p, "w")`, `archive.writestr(...)`,
  `archive.close()`): `storage.publish(path, pin=...)` follows that line, under the same
  conditions (families/_after_finally.py).
- `with tempfile.NamedTemporaryFile(..., delete=False) as f:` (a literal False, no
  `*args`/`**kwargs`) whose file families/scratch.py cannot prove scratch (its name is
  returned, stored or handed on, not replaced into place or removed): the same, with
  `storage.publish(f.name, pin=...)` (`f.name` is an attribute of the wrapper, inert
  once `f` is not rebound). Reported as a third-party writer named
  `tempfile.NamedTemporaryFile` (tempfile opens the file itself, like tarfile). Also
  `tmp = tempfile.NamedTemporaryFile(..., delete=False)` written through its handle
  (`tmp.write(...)`, `fig.savefig(tmp)`) and then closed by `tmp.close()` on a line of its
  own (or in the `finally` of a `try` after it): `storage.publish(tmp.name, pin=...)`
  after that line (comet-ml's figures and CA bundle).
- After a `with`, exact only where (families/_after_with.py): the path's name is not
  bound or deleted anywhere in the `with` statement (its items and body, `except ... as`,
  a walrus, a nested function's `nonlocal`) and no function binds, deletes or captures
  it through `global`/`nonlocal`
  (a call in the block may run it); the body has no `return`, and no `break`/`continue`
  of a loop outside it (they leave the block with the file complete but skip the line
  after it: the site would say migrated while that path publishes nothing, so it stays
  counted); no enclosing `with` of the same function names the same path (another handle
  on the file would still be open when the publish runs). An exception out of the block
  skips the publish, as wanted: the file was not finished (tarfile writes no end
  blocks); one another item of the same `with` suppresses does not, and what is
  published then is what the program left on disk, every handle closed. Several writer
  items of one `with` are published in item order, after it. A path kept by the handle
  (`tar.name`) also needs every item before the writer's to be an opener that never
  suppresses (`open`, another writer of the table): `with contextlib.suppress(OSError),
  tarfile.open(p(), "w") as tar:` whose opener fails ends normally with `tar` unbound.
- json/pickle calls on the handle of such a `with` (`json.dump(obj, f)` inside `with
  gzip.open(p, "wt") as f:`) follow it (the site says `opens_handle`,
  analysis/handles.py): PENDING with it and MIGRATED once it is published; their text
  stays (there is no open to fold them into), and a handle whose writer is left counted
  stays HANDLE_NOT_MIGRATED, as before.
- Any other one-shot writer whose path's place is known (not hidden by `*args` before
  it or in `**kwargs`), whose path cannot be evaluated again (an attribute, a call, an
  operator, an f-string, a name a call in the line may rebind): when the call is a whole
  expression statement alone on its line, in a block or the module body, its path is
  held and published on the next line, `torch.save(obj, storage.held(os.path.join(d,
  n)))` then `storage.publish_held(pin=True)` (HeldPublishEdit): every expression is
  evaluated once, in the program's order, the next line runs only if the writer
  returned, and the writer is still the program's own call from the program's frame, so
  a warning it attributes to its caller (pandas' find_stack_level) names the program's
  line (fidelity `writer_called_through_warning_location`). Any other shape (`return
  w(...)`, an assignment, a writer inside a larger expression, a lambda, a
  comprehension, a one-line compound, a second statement on the line): the writer is
  called through, `storage.publishing(torch.save, path=1, pin=True)(obj,
  os.path.join(d, n))` (families/_call_through.py): the callee and every argument are
  evaluated once, in the program's order, and the argument at `path` is published once
  the call has returned (from the runtime's frame: README "Known differences").
- A writer (or a `with`) followed by `storage.publish(<the same path>)`, a writer whose
  path is `storage.held(...)` followed by `storage.publish_held(...)`, or one called
  through `storage.publishing(...)`, is MIGRATED (what `apply` leaves, so a second run
  changes nothing; after a `with`, any of the publish lines that directly follow it).

**Leaves alone (why)**
- Counted UNMIGRATED ("third-party writer"): a one-shot writer whose path is in
  `*args`/`**kwargs` (its place unknown); `savefig` with a path not known to have an
  extension and no literal `format=` (matplotlib adds one to a name without it, and
  which one depends on its settings). Known (analysis/extensions.py): a literal with
  one, `save_dir / "labels.jpg"`, `f"{name}_loss.png"`, `os.path.join(d, "a.png")`,
  `p.with_suffix(".png")`, and a function's local name whose binding that holds is one
  of those (`fname = save_dir / "results.png"` then `plt.savefig(fname, dpi=200)`); a
  writer whose path is a name some `with <object> as name:` binds, where
  `<object>` is entered as it is, no call (`with store as f: df.to_csv(f)`: what
  `store.__enter__()` returns is often a handle, whose publish would do nothing; a
  call's result, `with tmpfile("h5") as fn`, is judged as any other value).
- Writers that return a handle outside the shapes above: not a `with` item nor closed in
  the `finally` of the `try` after it (`tar = tarfile.open(p, "w")` closed later or under
  an `if`, `with closing(tarfile.open(...))`: nothing says when the handle is closed), a
  read or unknown mode (or a conditional expression with a branch that is one), and
  those with no `with_write_modes` (`sqlite3.connect`, whose `with` commits but does not
  close; `shelve`/`dbm`, which write files named after the path, not the path;
  `numpy.memmap`; `fileinput`).
- A kept NamedTemporaryFile outside those shapes stays families/scratch.py's
  ("unsupported family"), as does one whose `delete=` is not a literal.
- File objects are not sites of this family: a writer given a handle from an `open`
  (`with open(p, "wb") as f: np.save(f, a)`) is migrated through that open.
- Readers ("third-party reader": `pd.read_csv(p)`, `np.load`, `torch.load`, ...) are not
  this module's: families/restore_before.py wraps the path of those that read exactly
  the one file it names in `storage.restored(...)`, and the others stay counted.
- Files or families whose rule is `local`, excluded files, secret-looking literal paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis import extensions
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import Found, Position
from migrate_storage.codemods.analysis.secret_paths import looks_secret
from migrate_storage.codemods.analysis.uses import descendants
from migrate_storage.codemods.families import (
    _after_finally,
    _after_with,
    _call_through,
    lazy_command,
    restore_before,
    scratch,
    third_party,
)
from migrate_storage.codemods.families._after_with import WithPublishEdit
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

DESCRIPTION = (
    "Publish what a third-party writer wrote: storage.publish(path) after the call."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        "import pandas as pd\n\ndef export(df, out):\n    df.to_csv(out, index=False)  # metrics\n    return out\n",
        "import pandas as pd\nfrom storage_runtime import storage\n\ndef export(df, out):\n    df.to_csv(out, index=False)  # metrics\n    storage.publish(out, pin=False)\n    return out\n",
        policy=CACHE,
    ),
    Rewritten(
        "import numpy as np\n\nfor name, array in arrays.items():\n    np.save(name, array)\n",
        'import numpy as np\nfrom storage_runtime import storage\n\nfor name, array in arrays.items():\n    np.save(name, array)\n    storage.publish(name, pin=True, suffix=".npy")\n',
    ),
    Rewritten(
        "import torch\n\ntry:\n    result = torch.save(model.state_dict(), 'model.pt')\nexcept OSError:\n    pass\n",
        "import torch\nfrom storage_runtime import storage\n\ntry:\n    result = torch.save(model.state_dict(), 'model.pt')\n    storage.publish('model.pt', pin=True)\nexcept OSError:\n    pass\n",
    ),
    Rewritten(
        "import matplotlib.pyplot as plt\n\nplt.savefig('loss.png', dpi=150)\n",
        "import matplotlib.pyplot as plt\nfrom storage_runtime import storage\n\nplt.savefig('loss.png', dpi=150)\nstorage.publish('loss.png', pin=True)\n",
    ),
    Rewritten(
        "def export(df, run):\n    df.to_csv(run.out_dir / 'metrics.csv')\n",
        "from storage_runtime import storage\n\ndef export(df, run):\n    df.to_csv(storage.held(run.out_dir / 'metrics.csv'))\n    storage.publish_held(pin=True)\n",
    ),
    Rewritten(
        "import os\nimport torch\n\ndef save(self, out):\n    return torch.save(self.model.state_dict(), os.path.join(out, 'model.pt'))\n",
        "import os\nimport torch\nfrom storage_runtime import storage\n\ndef save(self, out):\n    return storage.publishing(torch.save, path=1, pin=True)(self.model.state_dict(), os.path.join(out, 'model.pt'))\n",
    ),
    Rewritten(
        "import shutil\n\ndef bundle(out, root):\n    return shutil.make_archive(out / 'dist', 'gztar', root)\n",
        "import shutil\nfrom storage_runtime import storage\n\ndef bundle(out, root):\n    return storage.publishing(shutil.make_archive, returned=True, pin=True)(out / 'dist', 'gztar', root)\n",
    ),
    Unchanged(
        "def export(df, args):\n    df.to_csv(*args)\n",
        "Should do nothing, since the path's place in `*args` is unknown.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Unchanged(
        "import matplotlib.pyplot as plt\n\ndef plot(p):\n    plt.savefig(p)\n",
        "Should do nothing, since matplotlib adds an extension to a path without one.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Rewritten(
        'import tarfile\n\ndef pack(out, src):\n    with tarfile.open(out, "w:gz") as tar:\n        tar.add(src)\n    return out\n',
        'import tarfile\nfrom storage_runtime import storage\n\ndef pack(out, src):\n    with tarfile.open(out, "w:gz") as tar:\n        tar.add(src)\n    storage.publish(out, pin=True)\n    return out\n',
    ),
    Rewritten(
        'import os, tarfile\n\ndef pack(self, src):\n    with tarfile.open(os.path.join(self.out, "m.tar"), "w") as tar:\n        tar.add(src)\n',
        'import os, tarfile\nfrom storage_runtime import storage\n\ndef pack(self, src):\n    with tarfile.open(os.path.join(self.out, "m.tar"), "w") as tar:\n        tar.add(src)\n    storage.publish(tar.name, pin=True)\n',
    ),
    Unchanged(
        'import os, zipfile\n\ndef pack(self, src):\n    with zipfile.ZipFile(os.path.join(self.out, "m.zip"), "w") as z:\n        z.write(src)\n',
        "Should do nothing, since the path cannot be evaluated again and a ZipFile's"
        " `filename` may be a file object's own name.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Unchanged(
        'import os, tarfile\n\ndef pack(self, src):\n    with tarfile.open(os.path.join(self.out, "m.tar"), "w") as tar:\n        tar.add(src)\n        tar = None\n',
        "Should do nothing, since the block rebinds the handle whose name would be published.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Unchanged(
        'import contextlib, os, tarfile\n\ndef pack(self, src):\n    with contextlib.suppress(OSError), tarfile.open(os.path.join(self.out, "m.tar"), "w") as tar:\n        tar.add(src)\n',
        "Should do nothing, since an item before the writer may suppress its opener's"
        " error, and the `with` then ends with the handle unbound.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Rewritten(
        'import io, os, tarfile\n\ndef pack(self, src):\n    with open(src, "rb") as f, tarfile.open(os.path.join(self.out, "m.tar"), "w") as tar:\n        tar.addfile(tar.gettarinfo(fileobj=f), f)\n',
        'import io, os, tarfile\nfrom storage_runtime import open, storage\n\ndef pack(self, src):\n    with open(src, "rb") as f, tarfile.open(os.path.join(self.out, "m.tar"), "w") as tar:\n        tar.addfile(tar.gettarinfo(fileobj=f), f)\n    storage.publish(tar.name, pin=True)\n',
    ),
    Rewritten(
        'import gzip, json\n\nwith gzip.open("data.json.gz", "wt") as f:\n    json.dump(obj, f)\n',
        'import gzip, json\nfrom storage_runtime import storage\n\nwith gzip.open("data.json.gz", "wt") as f:\n    json.dump(obj, f)\nstorage.publish("data.json.gz", pin=True)\n',
    ),
    Rewritten(
        'import tempfile\n\ndef dump_to_file(*output):\n    with tempfile.NamedTemporaryFile(mode="w", suffix=".log", delete=False) as f:\n        for lines in output:\n            f.write(lines)\n    return f.name\n',
        'import tempfile\nfrom storage_runtime import storage\n\ndef dump_to_file(*output):\n    with tempfile.NamedTemporaryFile(mode="w", suffix=".log", delete=False) as f:\n        for lines in output:\n            f.write(lines)\n    storage.publish(f.name, pin=False)\n    return f.name\n',
        policy=CACHE,
    ),
    Unchanged(
        'import zipfile\n\ndef pack(p, items):\n    with zipfile.ZipFile(p, "w") as z:\n        if not items:\n            return None\n        z.writestr("a", items[0])\n',
        "Should do nothing, since a return in the block would skip the line after it.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Unchanged(
        "import shelve\n\nwith shelve.open(p, 'r') as db:\n    keys = list(db)\n",
        "Should do nothing, since a read-only shelf writes nothing (counted as a reader; its"
        " files are named after `p`, so no single restore gives it its data).",
        site_reason=Reason.THIRD_PARTY_READER,
    ),
    Unchanged(
        'import gzip\n\ndef save(p, rows):\n    with gzip.open(p, "wt") as f:\n        for p in rows:\n            f.write(p)\n',
        "Should do nothing, since the block rebinds the path's name.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Rewritten(
        'import tarfile\nfrom gzip import GzipFile\n\ndef build(target, files):\n    gz = GzipFile(str(target), mode="wb")\n    tf = tarfile.TarFile(str(target), mode="w", fileobj=gz)\n    try:\n        for path in files:\n            tf.add(path)\n    finally:\n        tf.close()\n        gz.close()\n    return target\n',
        'import tarfile\nfrom gzip import GzipFile\nfrom storage_runtime import storage\n\ndef build(target, files):\n    gz = GzipFile(str(target), mode="wb")\n    tf = tarfile.TarFile(str(target), mode="w", fileobj=gz)\n    try:\n        for path in files:\n            tf.add(path)\n    finally:\n        tf.close()\n        gz.close()\n    storage.publish(gz.name, pin=True)\n    return target\n',
    ),
    Unchanged(
        'import zipfile\n\ndef pack(p, items):\n    z = zipfile.ZipFile(p, "w")\n    try:\n        z.writestr("a", items[0])\n    finally:\n        if items:\n            z.close()\n',
        "Should do nothing, since the close in the `finally` may not run.",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Rewritten(
        'import gzip\n\ndef write_jsonl(path, lines, append=False):\n    with gzip.open(path, "a" if append else "w") as f:\n        f.writelines(lines)\n',
        'import gzip\nfrom storage_runtime import storage\n\ndef write_jsonl(path, lines, append=False):\n    with gzip.open(storage.restored(path), "a" if append else "w") as f:\n        f.writelines(lines)\n    storage.publish(path, pin=True)\n',
    ),
)


# -- the family protocol (families/protocol.py) ---------------------------------------------

#: Classified on their own: the rules (`local`, exclusion) apply before `decide`.
DERIVED = False

#: A temporary file kept on close: published after its `with` like a handle writer's file.
_TEMPORARY = "tempfile.NamedTemporaryFile"
#: Its calls are those of third_party's table, and the kept temporary file.
CANDIDATES: Candidates = (
    third_party.CANDIDATES
    | Candidates.by_name({_TEMPORARY}, text=("tempfile",))
    | Candidates(any_receiver_methods=frozenset({_call_through.PUBLISHING}))
)
COMMAND = Command("PublishAfterCodemod", DESCRIPTION, rewrites=(Family.THIRD_PARTY,), order=5)
#: Reported under third_party's rule (MS-THIRD-PARTY).
SARIF_RULES: tuple[SarifRule, ...] = ()


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A one-shot writer of the third-party table (`Entry.closes`), as third_party
    recognises it: UNMIGRATED "third-party writer" until `decide`, MIGRATED when the next
    statement already publishes its path, LOCAL (via the rules) when its literal path
    looks secret. Also a handle-returning writer or a kept temporary file that is a
    `with` item and can be published after it (`_with_writer`; the others are left to
    families/third_party.py and families/scratch.py, as before). Every other
    third-party call is left to families/third_party.py."""
    through = _call_through.wrapped(call, ctx, _call_through.PUBLISHING)
    if through is not None:  # `storage.publishing(torch.save, ...)(...)`: migrated
        return _called_through(call, through, position, ctx)
    claimed = third_party.table_entry(call, ctx)
    if claimed is None:
        return _kept_temporary_file(call, position, ctx)
    entry = claimed[1]
    if not entry.closes:
        return _handle_writer(call, position, ctx, *claimed)
    item = third_party.recognise(call, position, ctx)
    if item is None or item.reason is not Reason.THIRD_PARTY_WRITER:
        return None
    if entry.returns_path:
        return item  # its argument is not the file it writes: called through (`decide`)
    if _held_published(call, entry, ctx):  # what HeldPublishEdit leaves: migrated
        item.status, item.reason = Status.MIGRATED, None
        return item
    target = _target(item, entry, ctx)
    if target is None:
        item.target = third_party.path_of(call, entry)  # a secret literal: LOCAL
        return item
    line, path = target
    if _secret(path, ctx):
        item.reason = Reason.SECRET_PATH  # the rules make it LOCAL: never published
        return item
    following = _following(line, ctx.flow.parent)
    if following is not None and _publishes_path(following, path, _publish_of(ctx)):
        item.status, item.reason = Status.MIGRATED, None
    return item


def decide(items: list[Found], ctx: Context) -> None:
    """Each writer the rules left as it is and whose path can be published after it
    becomes PENDING, with the edit that adds `storage.publish(path, pin=...)` (after a
    `with` statement: one edit for all its writer items, carried by the first)."""
    pin = ctx.pin_for(Family.THIRD_PARTY)
    after_with: dict[
        cst.With | cst.Try | cst.SimpleStatementLine, list[tuple[Found, cst.BaseExpression]]
    ] = {}
    for item in items:
        if (
            item.status is not Status.UNMIGRATED
            or item.reason is not Reason.THIRD_PARTY_WRITER
        ):
            continue
        if _the_working_folder(item):
            continue
        in_with = _with_writer(item.call, item.name, ctx)
        if in_with is not None:
            after_with.setdefault(in_with[0], []).append((item, in_with[1]))
            continue
        entry = third_party.entry_of(item.name)
        if entry is not None and third_party.entered_unknown(third_party.path_of(item.call, entry), ctx):
            continue  # `with store as f: df.to_csv(f)`: what `f` is, a path or a handle, is not known
        if entry is not None and entry.returns_path:
            # `storage.publishing(shutil.make_archive, returned=True, pin=...)(...)`: the
            # file it wrote is the name it returns, published once it has returned
            region = (item.position.line, item.position.end_line)
            item.status, item.reason, item.needs = Status.PENDING, None, ("storage",)
            item.edit = _call_through.CallThroughEdit(
                item.call.func, region, _call_through.PUBLISHING, None, pin
            )
            continue
        target = _target(item, entry, ctx) if entry is not None else None
        if entry is not None and target is None:
            edit = _held_edit(item, entry, pin, ctx) or _through_edit(item, entry, pin, ctx)
            if edit is not None:  # the call-through form (families/_call_through.py)
                item.status, item.reason = Status.PENDING, None
                item.edit, item.needs = edit, ("storage",)
            continue
        if entry is None or target is None:
            continue
        line, path = target
        suffix = entry.suffix
        literal = _literal(path)
        if suffix is not None and isinstance(literal, str) and literal.endswith(suffix):
            suffix = None
        item.status, item.reason = Status.PENDING, None
        region = (item.position.line, item.position.end_line)
        item.edit = PublishEdit(line, region, path, pin, suffix)
        item.needs = ("storage",)
    for statement, writers in after_with.items():
        first = writers[0][0]
        region = _region_after(statement, first, ctx)
        if region is None:
            continue
        restore: tuple[tuple[int, int], ...] | None = ()
        if isinstance(statement, cst.With):
            restore = _restore_places(statement, writers, ctx)
        if restore is None:
            continue
        paths = tuple(path for _, path in writers)
        for item, _ in writers:
            item.status, item.reason, item.needs = Status.PENDING, None, ("storage",)
        first.edit = WithPublishEdit(statement, region, paths, pin, restore)


def _the_working_folder(item: Found) -> bool:
    """The writer's path is the literal working folder (`tar.extractall(".")`): publishing
    it would publish whatever else the folder holds. Left counted, as written."""
    entry = third_party.entry_of(item.name)
    path = third_party.path_of(item.call, entry) if entry is not None else None
    return path is not None and _literal(path) in (".", "./", b".", b"./")


# -- held, then published on the next line: storage.held(p) ... storage.publish_held() ------


def _held_edit(
    item: Found, entry: third_party.Entry, pin: bool, ctx: Context
) -> HeldPublishEdit | None:
    """`df.to_csv(storage.held(out(n)), sep=sep())` then `storage.publish_held(pin=...)`
    for a one-shot writer whose call is a whole expression statement alone on its line,
    in a block or the module body; None for every other shape (called through instead)
    and where `_through_edit` would refuse (the path's place hidden, savefig)."""
    path = third_party.path_of(item.call, entry)
    if not entry.closes or (
        entry.adds_extension and (path is None or not _extension_known(item.call, path, ctx))
    ):
        return None
    line = _expression_line(item.call, ctx.flow.parent)
    where = _call_through.place(path, ctx) if path is not None else None
    if line is None or where is None:
        return None
    suffix = entry.suffix
    literal = _literal(path)  # type: ignore[arg-type]
    if suffix is not None and isinstance(literal, str) and literal.endswith(suffix):
        suffix = None
    region = (item.position.line, item.position.end_line)
    return HeldPublishEdit(line, region, where, pin, suffix)


def _expression_line(
    call: cst.Call, parent: Callable[[cst.CSTNode], cst.CSTNode | None]
) -> cst.SimpleStatementLine | None:
    """The line `call` is the whole expression statement of, alone on it, in an indented
    block or the module body (the next line then runs exactly when the call returned);
    else None. Not `return w(...)`, not an assignment (its target would be bound before
    the publish where the call-through form binds it after), not a one-line compound."""
    statement = parent(call)
    if not isinstance(statement, cst.Expr) or statement.value is not call:
        return None
    line = parent(statement)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    return line if isinstance(parent(line), (cst.IndentedBlock, cst.Module)) else None


def _held_published(
    call: cst.Call, entry: third_party.Entry, ctx: Context
) -> bool:
    """The writer's path is `storage.held(...)` and its line (a whole expression
    statement) is followed by `storage.publish_held(...)`: what HeldPublishEdit leaves."""
    path = third_party.path_of(call, entry)
    if not isinstance(path, cst.Call) or not _is_runtime_call(path, _call_through.HELD, ctx):
        return False
    line = _expression_line(call, ctx.flow.parent)
    following = _following(line, ctx.flow.parent) if line is not None else None
    if not isinstance(following, cst.SimpleStatementLine) or len(following.body) != 1:
        return False
    expr = following.body[0]
    return (
        isinstance(expr, cst.Expr)
        and isinstance(expr.value, cst.Call)
        and _is_runtime_call(expr.value, _call_through.PUBLISH_HELD, ctx)
    )


def _is_runtime_call(call: cst.Call, method: str, ctx: Context) -> bool:
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == method
        and ctx.on_runtime_storage(call)
    )


@dataclass(frozen=True, slots=True)
class HeldPublishEdit:
    """The writer's line -> the same line with its path argument (at `path`, a positional
    index or a keyword) as `storage.held(<the path as written>)`, then
    `storage.publish_held(pin=...[, suffix=...])` on a line of its own, same indentation.

    The writer stays the program's own call from the program's frame, so a warning it
    attributes to its caller (pandas' find_stack_level, stacklevel=2) names the program's
    line, as before (fidelity `writer_called_through_warning_location`); the call-through
    form `storage.publishing(...)` called it from the runtime's frame. Every expression is
    evaluated once, in the program's order (`held` gives the path object back), and the
    publish line runs only once the writer returned."""

    node: cst.SimpleStatementLine
    region: tuple[int, int]
    path: int | str
    pin: bool
    suffix: str | None = None
    family: Family = Family.THIRD_PARTY

    def apply(
        self, node: cst.CSTNode, names: Mapping[str, str]
    ) -> cst.FlattenSentinel[cst.CSTNode]:
        assert isinstance(node, cst.SimpleStatementLine)
        storage = names["storage"]
        expr = node.body[0]
        assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
        call = expr.value
        args = _call_through.hold(list(call.args), self.path, storage)
        line = node.with_changes(
            body=[expr.with_changes(value=call.with_changes(args=args))]
        )
        published = _call_through.pin_keywords(self.pin, self.suffix)
        func = cst.Attribute(cst.Name(storage), cst.Name(_call_through.PUBLISH_HELD))
        after = cst.SimpleStatementLine([cst.Expr(cst.Call(func, published))])
        return cst.FlattenSentinel([line, after])


# -- the call-through form (families/_call_through.py) ---------------------------------------


def _through_edit(
    item: Found, entry: third_party.Entry, pin: bool, ctx: Context
) -> _call_through.CallThroughEdit | None:
    """`storage.publishing(<callee>, path=..., pin=...)` around a one-shot writer whose
    path cannot be published after it on a line of its own; None where the path's place
    is hidden (`*args` before it, in `**kwargs`) or the writer adds an extension that only
    a literal path shows (savefig)."""
    path = third_party.path_of(item.call, entry)
    if not entry.closes or (
        entry.adds_extension and (path is None or not _extension_known(item.call, path, ctx))
    ):
        return None
    where = _call_through.place(path, ctx) if path is not None else None
    if where is None:
        return None
    suffix = entry.suffix
    literal = _literal(path)  # type: ignore[arg-type]
    if suffix is not None and isinstance(literal, str) and literal.endswith(suffix):
        suffix = None
    region = (item.position.line, item.position.end_line)
    return _call_through.CallThroughEdit(
        item.call.func, region, _call_through.PUBLISHING, where, pin, suffix
    )


def _called_through(
    call: cst.Call, callee: cst.BaseExpression, position: Position, ctx: Context
) -> Found | None:
    """A writer of the table already called through `storage.publishing`: MIGRATED."""
    claimed = third_party.callee_entry(callee, ctx)
    if claimed is None:
        return None
    item = Found(call, position, "third-party", Family.THIRD_PARTY, claimed[0])
    item.status = Status.MIGRATED
    return item


# -- after a `with` statement (families/_after_with.py) ---------------------------------------

def _handle_writer(
    call: cst.Call, position: Position, ctx: Context, name: str, entry: third_party.Entry
) -> Found | None:
    """A writer that returns a handle, as third_party recognises it, when it is a `with`
    item that can be published after the `with` (else None: third_party counts it)."""
    if not third_party.writes_through_handle(call, entry, ctx.flow.mode_value_of):
        return None
    item = third_party.recognise(call, position, ctx)
    if item is None or item.reason is not Reason.THIRD_PARTY_WRITER:
        return None
    return _after_with_site(item, ctx)


def _kept_temporary_file(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """`with tempfile.NamedTemporaryFile(..., delete=False) as f:` that scratch cannot
    prove scratch (its name is kept: returned, stored, handed on) and that can be
    published after the `with`, as `f.name`: a third-party writer. Else None: scratch
    classifies it (scratch, or "unsupported family")."""
    names = ctx.names(call)
    if not _names.all_in(names, {_TEMPORARY}) or any(arg.star for arg in call.args):
        return None
    if not scratch.kept_on_close(call):
        return None
    probe = Found(call, position, "unsupported", Family.UNSUPPORTED, _TEMPORARY)
    if scratch.classify(probe, ctx.flow) is not None:
        return None  # provably scratch: committed elsewhere or removed
    item = Found(call, position, "third-party", Family.THIRD_PARTY, _TEMPORARY)
    item.unmigrated(Reason.THIRD_PARTY_WRITER)
    return _after_with_site(item, ctx)


def _after_with_site(item: Found, ctx: Context) -> Found | None:
    """`item` (UNMIGRATED "third-party writer") when `_with_writer` finds its `with`:
    its handle then follows it (a json.dump on it is migrated with it), MIGRATED when a
    publish of its path already follows the `with`, SECRET_PATH for a secret-looking
    literal. None otherwise."""
    found = _with_writer(item.call, item.name, ctx)
    if found is None:
        return None
    statement, path = found
    item.opens_handle = True
    if _secret(path, ctx):
        item.reason = Reason.SECRET_PATH  # the rules make it LOCAL: never published
    elif _after_with.published_after(statement, path, _publish_of(ctx), ctx.flow.parent):
        item.status, item.reason = Status.MIGRATED, None
    return item


def _with_writer(
    call: cst.Call, name: str, ctx: Context
) -> tuple[cst.With | cst.Try | cst.SimpleStatementLine, cst.BaseExpression] | None:
    """(the `with` statement, the path to publish after it) for a handle writer of the
    table in a writing mode, or a kept temporary file, that is an item of a `with` and
    whose path is exact to evaluate again after it (families/_after_with.py); or (the
    `try`, the path) for a handle writer bound to a name that the `try` after it closes
    in its `finally` (families/_after_finally.py)."""
    parent = ctx.flow.parent
    known = third_party.entry_of(name)
    statement = _after_with.with_of(call, parent, known is not None and known.awaited)
    if statement is None:
        return _try_writer(call, name, ctx)
    if not _names.all_in(ctx.names(call), {name}):
        return None
    if _after_with.trailing_lines(statement) is None:
        return None  # ends with a function or class: its last line is not known
    if name == _TEMPORARY:
        handle = _with_handle(call, parent)
        if handle is None or not _written_in(statement, handle, ctx):
            return None
        return _kept_name_after(statement, handle, "name", ctx)
    entry = third_party.entry_of(name)
    if entry is None or not third_party.writes_through_handle(call, entry, ctx.flow.mode_value_of):
        return None
    found = third_party.path_of(call, entry)
    if found is None:
        return None
    if third_party.sees_existing_file(call, entry, ctx.flow.mode_value_of):
        # `with tarfile.open(p, "a") as tar:`: what another worker published is restored
        # first (a second run finds it wrapped); only a name or a literal is wrapped
        found = restore_before.restored_argument(found, ctx) or found
        if not _provable(found, entry):
            return None
    if not _provable(found, entry):
        # `with tarfile.open(Path(out, name), "w:gz") as tar:`: the path cannot be
        # evaluated again, but the handle kept the one it opened (`tar.name`)
        handle = _with_handle(call, parent)
        if entry.name_attribute is None or handle is None:
            return None
        return _kept_name_after(statement, handle, entry.name_attribute, ctx)
    read = found if isinstance(found, cst.Name) else None
    ok = _after_with.publishable(statement, read, ctx.scopes, parent, found)
    return (statement, found) if ok else None


def _restore_places(
    statement: cst.With, writers: list[tuple[Found, cst.BaseExpression]], ctx: Context
) -> tuple[tuple[int, int], ...] | None:
    """(item index, argument index) of each content-keeping writer's path not yet
    restored, for `WithPublishEdit` to wrap in `storage.restored(...)`; None when one
    cannot be placed."""
    places = []
    for item, _ in writers:
        entry = third_party.entry_of(item.name)
        call = item.call
        if entry is None or not third_party.sees_existing_file(call, entry, ctx.flow.mode_value_of):
            continue
        path = third_party.path_of(call, entry)
        if path is None:
            return None
        if restore_before.restored_argument(path, ctx) is not None:
            continue  # a second run: already wrapped
        items = [i for i, w in enumerate(statement.items) if w.item is call
                 or (isinstance(w.item, cst.Await) and w.item.expression is call)]
        args = [j for j, a in enumerate(call.args) if a.value is path]
        if len(items) != 1 or len(args) != 1:
            return None
        if not restore_before.later_arguments_inert(call, path, ctx.flow):
            return None  # `ZipFile(p, "a", compression=pick(p))` could see the restore
        places.append((items[0], args[0]))
    return tuple(places)


def _with_handle(
    call: cst.Call, parent: Callable[[cst.CSTNode], cst.CSTNode | None]
) -> cst.Name | None:
    """The name `with <call> as <name>:` binds the handle to, if a plain name."""
    item = parent(call)
    asname = item.asname if isinstance(item, cst.WithItem) else None
    if asname is None or not isinstance(asname.name, cst.Name):
        return None
    return asname.name


def _kept_name_after(
    statement: cst.With, handle: cst.Name, attribute: str, ctx: Context
) -> tuple[cst.With, cst.BaseExpression] | None:
    """(the `with`, `<handle>.<attribute>`): the path the handle kept, read after the
    `with` (inert once the block does not bind `handle` again)."""
    if not _bound_whenever_the_with_ends(statement, handle, ctx):
        return None
    path = cst.Attribute(cst.Name(handle.value), cst.Name(attribute))
    ok = _after_with.publishable(
        statement, handle, ctx.scopes, ctx.flow.parent, path, bound_by=handle
    )
    return (statement, path) if ok else None


# Openers whose context managers never suppress an exception: an item of these before
# the writer's cannot swallow the writer's own failure to open.
_NEVER_SUPPRESS = frozenset(
    {"builtins.open", "io.open", "codecs.open", _TEMPORARY}
    | {"storage_runtime.open", "storage_runtime.io_open"}  # what migration made of them
)


def _bound_whenever_the_with_ends(statement: cst.With, handle: cst.Name, ctx: Context) -> bool:
    """No item before the writer's (the one binding `handle`) may suppress an exception:
    `with contextlib.suppress(OSError), tarfile.open(p(), "w") as tar:` whose opener
    raises ends normally with `tar` never bound (or still bound by an earlier `with`),
    and `storage.publish(tar.name)` after it raised UnboundLocalError (or published the
    earlier file again). A path evaluated again (a name, a literal) has no such problem."""
    for item in statement.items:
        asname = item.asname
        if asname is not None and asname.name is handle:
            return True
        call = item.item
        if not isinstance(call, cst.Call):
            return False
        names = _names.qualified_names(ctx.scopes.get(call.func), call.func)
        if not names or not all(
            n in _NEVER_SUPPRESS or third_party.entry_of(n) is not None for n in names
        ):
            return False
    return False


def _written_in(statement: cst.With | cst.Try, handle: cst.Name, ctx: Context) -> bool:
    """The `with` body uses the kept temporary file's handle other than for its `.name`
    (`f.write(...)`, `json.dump(x, f)`, handed on): what the file holds is written there.
    A body that only takes the name (`names.append(t.name)`) reserves a name that
    something else fills later; published after the `with` it would be published empty,
    and that empty file restored by other workers."""
    body = statement.body
    for read in _handle_reads(handle, ctx):
        if not ctx.flow.inside(read, body):
            continue
        holder = ctx.flow.parent(read)
        if not (
            isinstance(holder, cst.Attribute)
            and holder.value is read
            and holder.attr.value == "name"
        ):
            return True
    return False


def _handle_reads(handle: cst.Name, ctx: Context) -> list[cst.Name]:
    """The reads of the name the temporary file's handle is bound to: of its one
    binding; past other bindings that are only `name = None` (comet-ml's `boxes_file =
    None` before `with ... as boxes_file:`); or those this binding provably holds at
    (analysis/dominance.py). Empty when none of these is proven."""
    flow = ctx.flow
    reads = flow.uses(handle)
    if reads is None:
        reads = flow.reads_past_none(handle)
    if reads is None:
        reads = flow.dominated_reads(handle)
    return reads or []


def _try_writer(
    call: cst.Call, name: str, ctx: Context
) -> tuple[cst.Try | cst.SimpleStatementLine, cst.BaseExpression] | None:
    """(the `try` statement, the path to publish after it) for a handle writer of the
    table in a writing mode bound to a name that the `try` closes in its `finally`, or a
    later line of the block closes (`x.close()`): its path when that is a name or a
    literal, else the path the handle kept (`Entry.name_attribute`), as
    families/_after_finally.py allows. A kept temporary file bound so and written in
    between: `x.name`."""
    if name == _TEMPORARY:
        return _closed_temporary_file(call, ctx)
    entry = third_party.entry_of(name)
    if entry is None or not _names.all_in(ctx.names(call), {name}):
        return None
    if not third_party.writes_through_handle(call, entry, ctx.flow.mode_value_of):
        return None
    if third_party.sees_existing_file(call, entry, ctx.flow.mode_value_of):
        # `x = tarfile.open(p, "a")` (or "x") then a `try`: the file another worker
        # published would have to be restored before it, which the `try`'s edit cannot reach
        return None
    parent = ctx.flow.parent
    closing = _closing(call, entry, parent)
    found = third_party.path_of(call, entry)
    if closing is None or found is None:
        return None
    if _provable(found, entry):
        read = found if isinstance(found, cst.Name) else None
        path: cst.BaseExpression = found
    elif entry.name_attribute is not None:
        read, path = None, _after_finally.handle_attribute(closing, entry.name_attribute)
    else:
        return None
    ok = _after_finally.publishable(closing, read, ctx.scopes, parent, path)
    return (closing.statement, path) if ok else None


def _closed_temporary_file(
    call: cst.Call, ctx: Context
) -> tuple[cst.Try | cst.SimpleStatementLine, cst.BaseExpression] | None:
    """`tmp = NamedTemporaryFile(..., delete=False)` (a literal False, no `*args`/
    `**kwargs`) written through its handle, then closed (`tmp.close()` on a line of its
    own, or in the `finally` of a `try` after it): the close line or the `try`, and
    `tmp.name` (an attribute of the wrapper, inert while `tmp` is not bound again)."""
    if not scratch.kept_on_close(call) or any(arg.star for arg in call.args):
        return None
    parent = ctx.flow.parent
    closing = _after_finally.closing_try(call, parent)
    if closing is None or not _written_between(closing, ctx):
        return None
    path = _after_finally.handle_attribute(closing, "name")
    ok = _after_finally.publishable(closing, None, ctx.scopes, parent, path)
    return (closing.statement, path) if ok else None


def _written_between(closing: _after_finally.Closing, ctx: Context) -> bool:
    """The handle is used between its binding and its close other than for its `.name`
    (`tmp.write(...)`, `fig.savefig(tmp, ...)`): what the file holds is written there
    (a handle used for nothing else reserves a name: families/scratch.py)."""
    parts = (*closing.between, closing.statement)
    for read in _handle_reads(closing.handle, ctx):
        if not any(ctx.flow.inside(read, part) for part in parts):
            continue
        holder = ctx.flow.parent(read)
        if isinstance(holder, cst.Attribute) and holder.value is read and holder.attr.value in (
            "name",
            "close",
        ):
            continue
        return True
    return False


def _closing(
    call: cst.Call, entry: third_party.Entry, parent: Callable[[cst.CSTNode], cst.CSTNode | None]
) -> _after_finally.Closing | None:
    """The `try` that closes the handle `call` gives (`f = await <call>` for an awaited
    opener, closed by `await f.aclose()`/`await f.close()`)."""
    awaited = parent(call)
    if entry.awaited and isinstance(awaited, cst.Await):
        return _after_finally.closing_try(awaited, parent, awaited=True)
    return _after_finally.closing_try(call, parent)


def _region_after(
    statement: cst.With | cst.Try | cst.SimpleStatementLine, first: Found, ctx: Context
) -> tuple[int, int] | None:
    """The source lines the publish lines after `statement` are added within: from the
    first writer's line (or the `with`'s) to the last line of `statement`, the comment
    lines that end its block included."""
    cut = ctx.pruned.ranges if ctx.pruned is not None else ()
    if not isinstance(statement, cst.With):
        entry = third_party.entry_of(first.name)
        closing = (
            _closing(first.call, entry, ctx.flow.parent)
            if entry
            else _after_finally.closing_try(first.call, ctx.flow.parent)
            if first.name == _TEMPORARY
            else None
        )
        if closing is None:
            return None
        end = _after_finally.end_line(closing, first.position.end_line, ctx.module, cut)
        return None if end is None else (first.position.line, end)
    span = first.position.with_span
    if span is None:  # `async with await <call> as f:`: the span is the `await`'s
        end = _after_with.end_line(
            statement, first.call, first.position.end_line, ctx.module, cut
        )
        return None if end is None else (first.position.line, end)
    # The publish lines go after the comment lines that end the block, which the span
    # (the `with` statement as `ast` sees it) does not reach.
    trailing = _after_with.trailing_lines(statement) or 0  # known: `_with_writer`
    return (span[0], span[1] + trailing)


def _secret(path: cst.BaseExpression, ctx: Context) -> bool:
    literal = _literal(path)
    return literal is not None and looks_secret(
        os.fsdecode(literal), ctx.policy.allow_secrets
    )


def _publish_of(ctx: Context) -> Callable[[cst.Call], bool]:
    allowed = {f"{ctx.rt_storage}.publish", f"{ctx.runtime}.publish"}

    def publishes(call: cst.Call) -> bool:
        names = ctx.flow.names(call.func)
        return bool(names) and all(n in allowed for n in names)

    return publishes


def _target(
    item: Found, entry: third_party.Entry, ctx: Context
) -> tuple[cst.SimpleStatementLine, cst.BaseExpression] | None:
    """(the line the writer is alone on, its path) when the path can be published after
    the call (see the module docstring), else None. A path name that the line may rebind
    or delete while it runs (`df.to_csv(OUT, sep=rotate())` with `global OUT` in
    `rotate`, a walrus) is not evaluated again: the writer is called through instead."""
    path = third_party.path_of(item.call, entry)
    if path is None:
        return None
    known = entry.adds_extension and _extension_known(item.call, path, ctx)
    if not _provable(path, entry, extension_known=known):
        return None
    line = _statement_line(item.call, ctx.flow.parent, path)
    if line is None:
        return None
    if isinstance(path, cst.Name) and _after_with.rebound(
        path, line, ctx.scopes, ctx.flow.parent
    ):
        return None
    return line, path


def _literal(node: cst.BaseExpression) -> str | bytes | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal is not a provable path
            return None
        return value if isinstance(value, (str, bytes)) else None
    return None


def _extension_known(call: cst.Call, path: cst.BaseExpression, ctx: Context) -> bool:
    """savefig writes the very path it was given: its format is given, or the path
    provably has an extension (analysis/extensions.py), so matplotlib adds none."""
    flow = ctx.flow
    return extensions.format_given(call) or extensions.has_extension(
        path, flow.names, lambda name: flow.local_value_of(name) or flow.holding_value(name)
    )


def _provable(
    path: cst.BaseExpression, entry: third_party.Entry, *, extension_known: bool = False
) -> bool:
    """A name or a str/bytes literal (inert, so evaluating it again is exact); for a
    writer that adds an extension to a name without one, only a literal that has one,
    unless `extension_known` (`_extension_known`: nothing is added)."""
    if path.lpar:
        return False
    literal = _literal(path)
    if entry.adds_extension and not extension_known:
        if isinstance(literal, bytes):
            literal = literal.decode("latin-1")
        return isinstance(literal, str) and len(os.path.splitext(literal)[1]) > 1
    if literal is not None:
        return bool(literal)
    return isinstance(path, cst.Name) and path.value not in ("None", "True", "False")


def _statement_line(
    call: cst.Call,
    parent: Callable[[cst.CSTNode], cst.CSTNode | None],
    path: cst.BaseExpression,
) -> cst.SimpleStatementLine | None:
    """The line `call` is the whole statement of (see the module docstring), else None."""
    if call.lpar:
        return None  # `(df.to_csv(p))`: the statement may end on a later line
    statement = parent(call)
    if isinstance(statement, cst.Assign):
        if statement.value is not call or _binds(statement.targets, path):
            return None
    elif not isinstance(statement, cst.Expr) or statement.value is not call:
        return None
    line = parent(statement)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    if not isinstance(parent(line), (cst.IndentedBlock, cst.Module)):
        return None
    if isinstance(path, cst.Name) and _has_walrus(call):
        return None  # `np.save(p, (p := other))` rebinds the name during the call
    return line


def _binds(
    targets: tuple[cst.AssignTarget, ...] | list[cst.AssignTarget],
    path: cst.BaseExpression,
) -> bool:
    if not isinstance(path, cst.Name):
        return False
    return any(
        isinstance(node, cst.Name) and node.value == path.value
        for target in targets
        for node in descendants(target.target)
    )


def _has_walrus(node: cst.CSTNode) -> bool:
    return any(isinstance(n, cst.NamedExpr) for n in descendants(node))


def _following(
    line: cst.SimpleStatementLine, parent: Callable[[cst.CSTNode], cst.CSTNode | None]
) -> cst.BaseStatement | None:
    following = _after_with.statements_after(line, parent)
    return following[0] if following else None


def _publishes_path(
    statement: cst.BaseStatement,
    path: cst.BaseExpression,
    publishes: Callable[[cst.Call], bool],
) -> bool:
    """`storage.publish(<path>, ...)` alone on the next line, for the same path."""
    call = _after_with.publish_call(statement, publishes)
    return call is not None and call.args[0].value.deep_equals(path)


# -- rewrite ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishEdit:
    """The writer's line -> the line as it was, then `storage.publish(path, pin=...[,
    suffix=...])` on a line of its own, same indentation."""

    node: cst.SimpleStatementLine
    region: tuple[int, int]
    path: cst.BaseExpression
    pin: bool
    suffix: str | None = None
    family: Family = Family.THIRD_PARTY

    def apply(
        self, node: cst.CSTNode, names: Mapping[str, str]
    ) -> cst.FlattenSentinel[cst.CSTNode]:
        assert isinstance(node, cst.SimpleStatementLine)
        added = _after_with.publish_line(self.path, self.pin, self.suffix, names["storage"])
        return cst.FlattenSentinel([node, added])


# `publish_after.PublishAfterCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
