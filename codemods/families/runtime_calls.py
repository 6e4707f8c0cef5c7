"""Calls already on the runtime: the runtime's `open`/`io_open` and `storage` methods.

A call of `<runtime>.open`, `<runtime>.io_open` (by resolved name: `from storage_runtime
import open`), or of a `storage` method (`storage.read_text(p)`, `s.dump_json(...)` on a
`Storage`, RUNTIME_METHODS, by receiver type: analysis/receivers.py) is a MIGRATED
site of the family the method belongs to; `storage.path(p, pin=...).write_text(...)`
(pathlib_io's lookup-first form) a MIGRATED pathlib site. This is what `coverage` counts after `apply`.

**Rewrites**
- Nothing: these sites are migrated already.

**Leaves alone (why)**
- Every runtime call, MIGRATED (a secret-looking literal path is LOCAL even here: the
  runtime never publishes it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import Found, Position, argument
from migrate_storage.codemods.families._lookup_first import held_path
from migrate_storage.codemods.families.examples import Unchanged
from migrate_storage.codemods.families.protocol import Candidates, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

DESCRIPTION = "Count calls already on the storage runtime as migrated."

EXAMPLES: tuple[Unchanged, ...] = (
    Unchanged(
        "from storage_runtime import open\n\nopen('id_rsa').read()\n",
        "Should do nothing, since a secret-looking path stays local even on the runtime.",
        site_reason=Reason.SECRET_PATH,
    ),
)

#: Classified on their own: the rules apply before `decide` (which has nothing to decide).
DERIVED = False

#: `storage` methods: a call of one on the runtime's `storage` (or a Storage) is migrated,
#: counted in the family the method belongs to.
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
#: The helpers whose path is their second argument (after the object).
_SECOND_ARG = frozenset({"dump_json", "dump_pickle"})
#: A source with a runtime call spells the runtime module, which the prefilter looks for
#: whatever the families declare (it is the rules file's `runtime`).
CANDIDATES = Candidates(any_receiver_methods=frozenset(RUNTIME_METHODS))
COMMAND = None  # migrated already
#: Reported under the families whose calls they replaced: those families' rules.
SARIF_RULES: tuple[SarifRule, ...] = ()


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A MIGRATED site when `call` resolves to the runtime's `open`/`io_open` only, or is
    a `storage` method on a receiver typed as the runtime's storage."""
    names = ctx.names(call)
    if _names.all_in(names, {ctx.rt_open, ctx.rt_io_open}):
        return Found(
            call, position, "runtime", Family.OPEN, min(names), status=Status.MIGRATED,
            target=argument(call, 0, ("file",)), opens_handle=True,
        )
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    attr = func.attr.value
    if attr not in RUNTIME_METHODS or not ctx.on_runtime_storage(call):
        return None
    held = held_path(func.value)
    if held is not None:
        # `storage.path(p, pin=...).write_text(...)`: a pathlib site, migrated
        return Found(
            call, position, "runtime", Family.PATHLIB, f"{ctx.rt_storage}.path.{attr}",
            status=Status.MIGRATED, target=held, opens_handle=attr == "open",
        )
    family = RUNTIME_METHODS[attr]
    return Found(
        call,
        position,
        "runtime",
        family,
        f"{ctx.rt_storage}.{attr}",
        status=Status.MIGRATED,
        # `storage.dump_json(obj, path)`: the path is second; elsewhere it is first.
        target=argument(call, 1 if attr in _SECOND_ARG else 0, ("file", "path")),
        opens_handle=family is Family.OPEN or attr == "path_open",
    )


def decide(items: list[Found], ctx: Context) -> None:
    """Nothing to decide: these sites are migrated already."""
