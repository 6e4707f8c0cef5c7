"""Errors a user can act on. The CLI turns each into a one-line message and exit code 2."""

from __future__ import annotations

from pathlib import Path


class MigrateStorageError(Exception):
    """Base of every error that is the user's to fix (shown without a traceback)."""


class RulesError(MigrateStorageError):
    """A problem in a rules file, with the file and (where known) the line."""

    def __init__(self, path: Path | str | None, line: int | None, message: str) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(self.format())

    def format(self) -> str:
        where = str(self.path) if self.path is not None else "rules"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"
