"""The transforms as LibCST codemod commands, for `python -m libcst.tool codemod`.

With `/work/main/.libcst.codemod.yaml` (or any `.libcst.codemod.yaml` listing
`modules: ['migrate_storage.codemods']`)::

    python -m libcst.tool codemod --no-format commands.MigrateStorageCommand src/
    python -m libcst.tool codemod --no-format commands.MigrateStorageCommand --strategy pin src/
    python -m libcst.tool codemod --no-format open_calls.OpenCallsCodemod src/

`MigrateStorageCommand` runs every family and yields what `migrate-storage apply` writes
(`--no-format`: libcst.tool would otherwise run black over the result). The per-family
commands rewrite only their family (json/pickle collapses include the open they fold):
one per family module that declares a `COMMAND` (families/protocol.py), built here from
its declaration and named as it says (`OpenCallsCodemod`, `PathlibCodemod`,
`JsonPickleCodemod`, `LifecycleCodemod`, `PublishAfterCodemod`, `RestoreBeforeCodemod`).
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from migrate_storage.codemods.families import registry
from migrate_storage.codemods.families.command import StorageCodemodCommand
from migrate_storage.codemods.families.protocol import FamilyModule
from migrate_storage.codemods.families.registry import REWRITABLE_FAMILIES
from migrate_storage.codemods.model import Family


class MigrateStorageCommand(StorageCodemodCommand):
    """Every family at once: the same result as `migrate-storage apply`."""

    DESCRIPTION: str = (
        "Migrate file I/O (open, pathlib, json, pickle, lifecycle, third-party writers)"
        " onto storage_runtime."
    )
    FAMILIES: ClassVar[tuple[Family, ...]] = REWRITABLE_FAMILIES


@cache
def command_class(module: FamilyModule) -> type[StorageCodemodCommand]:
    """The LibCST command `module` declares (its `COMMAND`): a StorageCodemodCommand
    restricted to the families it rewrites, one class per module."""
    declared = module.COMMAND
    if declared is None:
        raise LookupError(f"{module.__name__} declares no command")  # type: ignore[attr-defined]
    return type(
        declared.name,
        (StorageCodemodCommand,),
        {
            "__doc__": f"LibCST command for {module.__name__} alone.",  # type: ignore[attr-defined]
            "__module__": __name__,  # found (and pickled) as commands.<name>
            "__qualname__": declared.name,
            "DESCRIPTION": declared.description,
            "EXAMPLES": module.EXAMPLES,
            "FAMILIES": declared.rewrites,
        },
    )


def __getattr__(name: str) -> type[StorageCodemodCommand]:
    """A family's command by its name, from the registry as it is now (PEP 562)."""
    for module in registry.FAMILY_MODULES:
        if module.COMMAND is not None and module.COMMAND.name == name:
            return command_class(module)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The listed families' commands, as module attributes, as if written here (`dir()`,
# `from migrate_storage.codemods.commands import OpenCallsCodemod`); `__getattr__` above
# answers for a module listed after this import.
_FAMILY_COMMANDS = {
    m.COMMAND.name: command_class(m)
    for m in registry.FAMILY_MODULES
    if m.COMMAND is not None
}
globals().update(_FAMILY_COMMANDS)

__all__ = [  # noqa: PLE0604 - the family commands are named by their modules
    "MigrateStorageCommand",
    "StorageCodemodCommand",
    "command_class",
    *sorted(_FAMILY_COMMANDS),
]
