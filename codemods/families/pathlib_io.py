"""The pathlib family: `read_text`, `write_text`, `read_bytes`, `write_bytes`, `open` on a Path.

**Rewrites** (only when the receiver is provably a concrete `pathlib.Path`, see
_receiver.py: `Path(...)`/`pathlib.Path(...)`, `Path.home()`/`Path.cwd()`, `/` on a
known Path, `.parent`/`.resolve()`/`.with_suffix()`... of one, a parameter annotated
`Path`, a name bound only to such values in its scope)
- `p.read_text(...)` -> `storage.read_text(p, ...)`, same for `read_bytes`.
- `p.write_text(data, ...)` -> `storage.write_text(p, data, ..., pin=...)`, same for
  `write_bytes`; `pin` always written (True for rule `pin`, False for `cache`).
- `p.open(mode, ...)` -> `storage.open(p, mode, ...)`, with `pin=` only if the mode can write.
- `storage` is imported once (`from <runtime> import storage`); when the module already
  uses the name `storage` for something else, the import is aliased
  (`from storage_runtime import storage as storage_runtime_storage`).

**Leaves alone (why)**
- A receiver whose type cannot be shown (`self._path.read_text()`, an unannotated
  parameter, a call of an unknown function): counted as RECEIVER_UNKNOWN.
- `PurePath` (cannot do I/O), modules and known non-path objects (`zipfile.ZipFile(...)
  .open(name)`, `tarfile.open`, `Image.open`): not sites at all.
- Files or families whose rule is `local`, excluded files.
"""

from __future__ import annotations

import libcst as cst
from migrate_storage.codemods.analysis.plan import PathEdit
from migrate_storage.codemods.families._edit import (
    append_arg,
    bool_name,
    keyword,
    prepend_arg,
    strip_parens,
)
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.model import Reason

DESCRIPTION = (
    "Route pathlib.Path reads and writes through storage.read_text/write_text/open."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        'from pathlib import Path\n\ntext = Path("a.txt").read_text(encoding="utf-8")\n',
        'from pathlib import Path\nfrom storage_runtime import storage\n\ntext = storage.read_text(Path("a.txt"), encoding="utf-8")\n',
    ),
    Rewritten(
        "from pathlib import Path\n\ndef save(p: Path, data: bytes) -> None:\n    p.write_bytes(data)\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\ndef save(p: Path, data: bytes) -> None:\n    storage.write_bytes(p, data, pin=False)\n",
        policy=CACHE,
    ),
    Rewritten(
        'import pathlib\n\nout = pathlib.Path(__file__).parent / "out.json"\nout.write_text(payload)\n',
        'import pathlib\nfrom storage_runtime import storage\n\nout = pathlib.Path(__file__).parent / "out.json"\nstorage.write_text(out, payload, pin=True)\n',
    ),
    Rewritten(
        'from pathlib import Path\n\nwith Path.home().joinpath("log").open("a") as f:\n    f.write(line)\n',
        'from pathlib import Path\nfrom storage_runtime import storage\n\nwith storage.open(Path.home().joinpath("log"), "a", pin=True) as f:\n    f.write(line)\n',
    ),
    Unchanged(
        "class Config:\n    def load(self):\n        return self._path.read_text()\n",
        "Should do nothing, since the type of `self._path` is unknown.",
        site_reason=Reason.RECEIVER_UNKNOWN,
    ),
    Unchanged(
        'from pathlib import PurePath\n\nPurePath("a").with_suffix(".b")\n',
        "Should do nothing, since PurePath does no I/O.",
    ),
    Unchanged(
        'import zipfile\n\nzipfile.ZipFile(archive).open("member")\n',
        "Should do nothing, since a zip member is not a pathlib.Path.",
    ),
)


def rewrite_path_call(call: cst.Call, edit: PathEdit, storage_name: str) -> cst.Call:
    """`recv.method(args)` -> `storage.method(recv, args[, pin=...])`."""
    assert isinstance(call.func, cst.Attribute)
    receiver = call.func.value
    new = call.with_changes(
        func=cst.Attribute(value=cst.Name(storage_name), attr=cst.Name(edit.method))
    )
    if (
        not call.args
        and len(receiver.lpar) == 1
        and _blank(call.whitespace_before_args)
    ):
        # `(\n    a / b\n).read_text()`: the receiver's parentheses become the call's.
        inner = receiver.with_changes(lpar=[], rpar=[])
        new = new.with_changes(
            args=[
                cst.Arg(inner, whitespace_after_arg=receiver.rpar[0].whitespace_before)
            ],
            whitespace_before_args=receiver.lpar[0].whitespace_after,
        )
    else:
        new = prepend_arg(new, strip_parens(receiver))
    if edit.pin is not None:
        new = append_arg(new, keyword("pin", bool_name(edit.pin)))
    return new


def _blank(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.SimpleWhitespace) and not whitespace.value


def __getattr__(name: str) -> object:
    """`PathlibCodemod`, the LibCST command (`python -m libcst.tool codemod pathlib_io.PathlibCodemod`),
    lives in commands.py: defining it here would import libcst.codemod (about 0.6 s) into
    every process that only finds sites."""
    if name == "PathlibCodemod":
        from migrate_storage.codemods import commands

        return commands.PathlibCodemod
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
