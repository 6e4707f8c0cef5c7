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
pipeline/rewrite.py applies without knowing the family. The LibCST codemod commands are
defined in commands.py (importing libcst.codemod costs about 0.6 s, which a process that
only finds sites must not pay) and reached through each family module too
(`open_calls.OpenCallsCodemod`), as .libcst.codemod.yaml names them."""

from __future__ import annotations

from collections.abc import Callable


def lazy_command(module: str, command: str) -> Callable[[str], object]:
    """A module `__getattr__` (PEP 562) that answers `command` with the class of that name
    in commands.py, imported only then: `python -m libcst.tool codemod
    open_calls.OpenCallsCodemod` finds it through the family module, and a process that
    only finds sites never imports libcst.codemod."""

    def __getattr__(name: str) -> object:
        if name == command:
            from migrate_storage.codemods import commands

            return getattr(commands, command)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
