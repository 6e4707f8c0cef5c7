"""The runtime imported for type checking only: a real import is still added."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from storage_runtime import storage

if TYPE_CHECKING:
    from storage_runtime import Storage, storage


def save(path: Path, text: str, backend: Storage | None = None) -> None:
    storage.write_text(path, text, pin=True)
