"""One module per rewrite family: open_calls (builtin open), pathlib_io (Path methods),
json_pickle (dump/load on a handle), lifecycle (renames, removals, copies). Each holds the
family's rewrite (node builders) and its EXAMPLES (examples.Rewritten /
examples.Unchanged, run by the tests); open_calls, pathlib_io and lifecycle also hold
their recognition and decision (`recognise`, `decide`), which the finder calls
(json_pickle's are in analysis/handles.py). The
LibCST codemod commands are defined in commands.py (importing libcst.codemod costs about
0.6 s, which a process that only finds sites must not pay) and reached through each family
module too (`open_calls.OpenCallsCodemod`), as .libcst.codemod.yaml names them."""

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
