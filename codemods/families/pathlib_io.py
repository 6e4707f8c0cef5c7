"""The pathlib family: `read_text`, `write_text`, `read_bytes`, `write_bytes`, `open` on a Path.

**Rewrites** (only when the receiver is provably a concrete `pathlib.Path`, see
analysis/receivers.py: `Path(...)`/`pathlib.Path(...)`, `Path.home()`/`Path.cwd()`, `/` on a
known Path, `.parent`/`.resolve()`/`.with_suffix()`... of one, a parameter annotated
`Path`, a name bound only to such values in its scope)
- `p.read_text(...)` -> `storage.read_text(p, ...)`, same for `read_bytes`.
- `p.write_text(data, ...)` -> `storage.write_text(p, data, ..., pin=...)`, same for
  `write_bytes`; `pin` always written (True for rule `pin`, False for `cache`).
- `p.open(mode, ...)` -> `storage.path_open(p, mode, ...)`, with `pin=` only if the mode can
  write (`path_open` is `p.open(...)` itself, so a patched `builtins.open` does not see it,
  as it did not see `Path.open`).
- `storage` is imported once (`from <runtime> import storage`); when the module already
  uses the name `storage` for something else, the import is aliased
  (`from storage_runtime import storage as storage_runtime_storage`); in a module a star
  import reaches it is the private `_storage` (README "Star imports").

**Leaves alone (why)**
- A receiver whose type cannot be shown (`self._path.read_text()`, an unannotated
  parameter, a call of an unknown function): counted as RECEIVER_UNKNOWN.
- `PurePath` (cannot do I/O), modules and known non-path objects (`zipfile.ZipFile(...)
  .open(name)`, `tarfile.open`, `Image.open`): not sites at all.
- Files or families whose rule is `local`, excluded files.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import (
    Found,
    Position,
    may_write,
    open_mode,
)
from migrate_storage.codemods.analysis.plan import PathEdit
from migrate_storage.codemods.analysis.receivers import Kind
from migrate_storage.codemods.families import lazy_command
from migrate_storage.codemods.families._edit import (
    append_arg,
    bool_name,
    keyword,
    prepend_arg,
    strip_parens,
)
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.model import Family, Reason

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
        'from pathlib import Path\nfrom storage_runtime import storage\n\nwith storage.path_open(Path.home().joinpath("log"), "a", pin=True) as f:\n    f.write(line)\n',
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
        "Should do nothing, since a zip member is not a pathlib.Path (the ZipFile"
        " itself is counted as third-party I/O).",
        site_reason=Reason.THIRD_PARTY_READER,
    ),
)



# -- recognition and decision ------------------------------------------------------------


def recognise(
    call: cst.Call, position: Position, kind: Kind, is_own_method: Callable[[], bool]
) -> Found | None:
    """A site when `call` is `<receiver>.<Path I/O method>(...)` (names.PATH_METHODS) on a
    receiver that is not provably something else. PENDING when the receiver is provably a
    Path (analysis/receivers.py), else left alone (RECEIVER_UNKNOWN); `self.open()` in a
    class that defines `open` (`is_own_method`, asked last) is not a site."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    attr = func.attr.value
    if attr not in _names.PATH_METHODS or kind in (Kind.NOT_PATH, Kind.RUNTIME):
        return None
    if is_own_method():
        return None
    if kind is Kind.PATH:
        return Found(call, position, "path", Family.PATHLIB, f"pathlib.Path.{attr}")
    spelled = _names.dotted(func.value)
    name = f"{spelled}.{attr}" if spelled else f"?.{attr}"
    return Found(call, position, "path", Family.PATHLIB, name).unmigrated(
        Reason.RECEIVER_UNKNOWN
    )


def decide(item: Found, pin: bool) -> None:
    """Plan one PENDING Path site: `pin=` (the rule's strategy is pin) on a call that writes
    (`write_text`, `write_bytes`, `open` with a mode that may write)."""
    attr = item.call.func.attr.value  # type: ignore[attr-defined]
    writes = attr in ("write_text", "write_bytes") or (
        attr == "open" and may_write(open_mode(item.call, 0))
    )
    # The runtime's stand-in for `Path.open` is `path_open` (`storage.open` is builtin open).
    item.edit = PathEdit("path_open" if attr == "open" else attr, pin if writes else None)


# -- rewrite -------------------------------------------------------------------------------


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


# `pathlib_io.PathlibCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__, "PathlibCodemod")
