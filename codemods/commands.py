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

from migrate_storage.codemods.families import (
    json_pickle,
    lifecycle,
    open_calls,
    pathlib_io,
    publish_after,
)
from migrate_storage.codemods.families.command import StorageCodemodCommand
from migrate_storage.codemods.model import REWRITABLE_FAMILIES, Family

__all__ = [
    "JsonPickleCodemod",
    "LifecycleCodemod",
    "MigrateStorageCommand",
    "OpenCallsCodemod",
    "PathlibCodemod",
    "PublishAfterCodemod",
    "StorageCodemodCommand",
]


class MigrateStorageCommand(StorageCodemodCommand):
    """Every family at once: the same result as `migrate-storage apply`."""

    DESCRIPTION: str = (
        "Migrate file I/O (open, pathlib, json, pickle, lifecycle, third-party writers)"
        " onto storage_runtime."
    )
    FAMILIES: ClassVar[tuple[Family, ...]] = REWRITABLE_FAMILIES


class OpenCallsCodemod(StorageCodemodCommand):
    """LibCST command for the open family alone (families/open_calls.py)."""

    DESCRIPTION: str = open_calls.DESCRIPTION
    EXAMPLES = open_calls.EXAMPLES
    FAMILIES: ClassVar[tuple[Family, ...]] = (Family.OPEN,)


class PathlibCodemod(StorageCodemodCommand):
    """LibCST command for the pathlib family alone (families/pathlib_io.py)."""

    DESCRIPTION: str = pathlib_io.DESCRIPTION
    EXAMPLES = pathlib_io.EXAMPLES
    FAMILIES: ClassVar[tuple[Family, ...]] = (Family.PATHLIB,)


class JsonPickleCodemod(StorageCodemodCommand):
    """LibCST command for the json and pickle families (families/json_pickle.py)."""

    DESCRIPTION: str = json_pickle.DESCRIPTION
    EXAMPLES = json_pickle.EXAMPLES
    FAMILIES: ClassVar[tuple[Family, ...]] = (Family.JSON, Family.PICKLE)


class PublishAfterCodemod(StorageCodemodCommand):
    """LibCST command for third-party writers alone (families/publish_after.py)."""

    DESCRIPTION: str = publish_after.DESCRIPTION
    EXAMPLES = publish_after.EXAMPLES
    FAMILIES: ClassVar[tuple[Family, ...]] = (Family.THIRD_PARTY,)


class LifecycleCodemod(StorageCodemodCommand):
    """LibCST command for renames, removals and copies (families/lifecycle.py)."""

    DESCRIPTION: str = lifecycle.DESCRIPTION
    EXAMPLES = lifecycle.EXAMPLES
    FAMILIES: ClassVar[tuple[Family, ...]] = (Family.LIFECYCLE,)
