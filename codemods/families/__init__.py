"""One module per family: its recognition tables, its decision, its rewrite and its EXAMPLES.

The families, in registry.FAMILY_MODULES (the only place they are listed): open_calls
(builtin open), json_pickle (dump/load on a handle), scratch (temporary files, lock files:
LOCAL), publish_after (one-shot third-party writers: the call stays, its path is
published after it), third_party (other libraries' path I/O: counted), runtime_calls
(calls already on the runtime: MIGRATED), lifecycle (renames, removals, copies),
pathlib_io (Path methods). Each provides the protocol of protocol.py: `recognise(call,
position, ctx)`, `decide(items, ctx)`, `DERIVED`, and `EXAMPLES` (examples.Rewritten /
examples.Unchanged, run by the tests); a family that rewrites also defines its edit (an
`analysis.plan.Edit`: `node`, `region`, `family`, `apply(node, names)`), which
pipeline/rewrite.py applies without knowing the family. Each also declares what the
rest of the pipeline needs of it: `CANDIDATES` (the prefilter), `COMMAND` (its LibCST
codemod command, which commands.py builds: importing libcst.codemod costs about 0.6 s,
which a process that only finds sites must not pay; reached through each family module
too, `open_calls.OpenCallsCodemod`, as .libcst.codemod.yaml names them) and
`SARIF_RULES` (report/sarif.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable


def lazy_command(module: str) -> Callable[[str], object]:
    """A module `__getattr__` (PEP 562) that answers the name of the module's declared
    command (`COMMAND.name`) with its class, built by commands.py and imported only then:
    `python -m libcst.tool codemod open_calls.OpenCallsCodemod` finds it through the family
    module, and a process that only finds sites never imports libcst.codemod."""

    def __getattr__(name: str) -> object:
        family = sys.modules[module]
        declared = getattr(family, "COMMAND", None)
        if declared is not None and name == declared.name:
            from migrate_storage.codemods import commands

            return commands.command_class(family)  # type: ignore[arg-type]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
