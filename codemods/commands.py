"""The transforms as LibCST codemod commands, for `python -m libcst.tool codemod`.

With `/work/main/.libcst.codemod.yaml` (or any `.libcst.codemod.yaml` listing
`modules: ['migrate_storage.codemods']`)::

    python -m libcst.tool codemod --no-format commands.MigrateStorageCommand src/
    python -m libcst.tool codemod --no-format commands.MigrateStorageCommand --strategy pin src/
    python -m libcst.tool codemod --no-format open_calls.OpenCallsCodemod src/

`MigrateStorageCommand` runs every family and yields what `migrate-storage apply` writes
(`--no-format`: libcst.tool would otherwise run black over the result). The per-family
commands rewrite only their family (json/pickle collapses include the open they fold).
"""

from __future__ import annotations

from typing import ClassVar

from migrate_storage.codemods.families.command import StorageCodemodCommand
from migrate_storage.codemods.families.json_pickle import JsonPickleCodemod
from migrate_storage.codemods.families.open_calls import OpenCallsCodemod
from migrate_storage.codemods.families.pathlib_io import PathlibCodemod
from migrate_storage.codemods.model import REWRITABLE_FAMILIES, Family

__all__ = [
    "JsonPickleCodemod",
    "MigrateStorageCommand",
    "OpenCallsCodemod",
    "PathlibCodemod",
    "StorageCodemodCommand",
]


class MigrateStorageCommand(StorageCodemodCommand):
    """Every family at once: the same result as `migrate-storage apply`."""

    DESCRIPTION: str = (
        "Migrate file I/O (open, pathlib, json, pickle) onto storage_runtime."
    )
    FAMILIES: ClassVar[tuple[Family, ...]] = REWRITABLE_FAMILIES
