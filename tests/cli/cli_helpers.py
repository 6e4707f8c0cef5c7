"""Helpers shared by the CLI tests (a module of its own: `conftest` is not importable by
name reliably when several test folders have one)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create `files` (relative path -> text or bytes) under `root`; returns root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (relative posix path -> bytes), symlinks as 'link -> target'."""
    out: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".migrate-storage")]  # not the tree: tool state
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            out[rel] = (b"link -> " + os.readlink(path).encode()) if path.is_symlink() else path.read_bytes()
    return out
