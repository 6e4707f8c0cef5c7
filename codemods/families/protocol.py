"""What a family module provides: the one protocol the finder and the rewriter call.

A family module (listed once in families/registry.py) is read as a `FamilyModule`:

- `recognise(call, position, ctx)`: the `Found` site when `call` is this family's, else
  None. The finder asks the registry's modules in order and the first answer wins, so a
  module only claims what is provably its own (resolved names, receiver kinds: see
  `analysis.context.Context`). A site is PENDING unless `recognise` says otherwise
  (`found.unmigrated(reason)`, or a LOCAL/MIGRATED status).
- `decide(items, ctx)`: this family's decision for its sites (`items`: every site it
  recognised in this module, in source order; the list may be shortened in place to drop
  calls that turn out not to be file I/O). For a PENDING site that this run migrates it
  sets `item.edit` (an `analysis.plan.Edit`, or None when the call text stays) and
  `item.needs` (the runtime objects the migrated code uses: "open", "io_open",
  "storage"; the finder adds their imports and gives the edits their names). It may
  also make a site UNMIGRATED (`item.unmigrated(Reason.NAME_CLASH)`). Families that only
  classify (scratch, third_party, runtime_calls) decide nothing.
- `DERIVED`: False for a family whose sites stand on their own: the file's rules
  (`local`, exclusion, secret paths) are applied to its sites *before* `decide`, which
  therefore sees only what the rules leave PENDING. True for a family whose status
  follows other sites (a json.dump follows the open of its handle): its `decide` runs
  after every non-derived family's, reads their sites through `ctx.by_call`, and the
  rules are applied to its sites after it.
- `EXAMPLES` (families/examples.py): what it rewrites and leaves alone, run by the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import libcst as cst

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context
    from migrate_storage.codemods.analysis.found import Found, Position
    from migrate_storage.codemods.families.examples import Rewritten, Unchanged


class FamilyModule(Protocol):
    """A module of families/ listed in registry.FAMILY_MODULES (see the module docstring)."""

    DERIVED: bool
    EXAMPLES: tuple[Rewritten | Unchanged, ...]

    def recognise(
        self, call: cst.Call, position: Position, ctx: Context
    ) -> Found | None: ...

    def decide(self, items: list[Found], ctx: Context) -> None: ...
