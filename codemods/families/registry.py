"""The families, listed once: the only place the pipeline learns which families exist.

Adding a family means writing one module under families/ that provides the protocol of
families/protocol.py (`recognise`, `decide`, `DERIVED`, `EXAMPLES`, and what the rest of
the pipeline reads of it: `CANDIDATES`, `COMMAND`, `SARIF_RULES`) and adding it to
FAMILY_MODULES below. The finder, the prefilter (pipeline/prefilter.py), the LibCST
commands (commands.py), the SARIF rules (report/sarif.py) and REWRITABLE_FAMILIES (the
rules file's `families`) read them from here, when they are used (the family modules
import the analyses, which the prefilter is part of). The kinds of site (`Family`,
model.py) are the report's vocabulary: a new module reports under an existing kind, or
adds one there and declares its SARIF rule.

The order is the order of recognition: for each candidate call the finder asks the
modules in turn and the first that claims it wins. The tables are disjoint today (a call
resolves to builtin open, to a json/pickle function, to an unsupported/scratch function,
to another library's function, to the runtime, or is a Path method) but for two
overlaps: restore_before claims the single-file readers of third_party's table (listed
before it); publish_after claims the writers of third_party's table it can publish after,
and the kept `NamedTemporaryFile(delete=False)` of a `with` that scratch cannot prove
scratch (it asks scratch first), so it is listed before both. A new family whose
recognition overlaps an existing one is listed before the module it must win over. The same order is the order of `decide` (non-derived families
first, then the derived ones, each group in this order).
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate_storage.codemods.families import (
    codecs_open,
    existence,
    function_values,
    json_pickle,
    lifecycle,
    open_calls,
    pathlib_io,
    publish_after,
    restore_before,
    runtime_calls,
    scratch,
    third_party,
)
from migrate_storage.codemods.families.protocol import FamilyModule
from migrate_storage.codemods.model import Family

FAMILY_MODULES: tuple[FamilyModule, ...] = (
    open_calls,  # builtin open, io.open, builtins.open (by resolved name)
    json_pickle,  # json/pickle dump and load on a handle (derived: follows the open)
    codecs_open,  # codecs.open (by resolved name), counted in the open family
    # one-shot third-party writers: the call stays, its path is published after; handle
    # writers and kept temporary files published after their `with` (before scratch,
    # which classifies the temporary files publish_after does not claim)
    publish_after,
    scratch,  # tempfile, os.open, os.fdopen...: LOCAL when provably scratch
    restore_before,  # third-party readers of one file: the path wrapped, restored first
    third_party,  # other libraries' path I/O: counted, never rewritten
    runtime_calls,  # calls already on the runtime: MIGRATED
    lifecycle,  # os.replace, shutil.copy2, ... by name; the stand-ins; Path.replace/unlink
    existence,  # os.path.exists/isfile/lexists by name; Path.exists/is_file on a known Path
    pathlib_io,  # Path methods, by receiver type (the costliest question: asked last)
    # file functions used as values (`retry(os.replace, a, b)`): claims no call, only
    # references (`recognise_value`), counted in their functions' families
    function_values,
)


def rewritable_families(modules: Iterable[FamilyModule]) -> tuple[Family, ...]:
    """What the modules' commands rewrite, by the commands' `order` (a kind two modules
    rewrite counts once)."""
    commands = sorted(
        (m.COMMAND for m in modules if m.COMMAND is not None), key=lambda c: c.order
    )
    return tuple(dict.fromkeys(f for command in commands for f in command.rewrites))


# The families the codemods rewrite: OPEN, PATHLIB, JSON, PICKLE, LIFECYCLE, THIRD_PARTY,
# EXISTENCE
# (the rules file's `families`, in the order `rules explain` lists them).
REWRITABLE_FAMILIES: tuple[Family, ...] = rewritable_families(FAMILY_MODULES)
