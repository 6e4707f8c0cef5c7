"""Project trees on disk, for the tests that run the CLI or the runner on one (tests/cli,
tests/codemods/pipeline): `write_tree`/`snapshot` to make and compare them, and the fixtures
`cache_dir` (autouse where a conftest imports it: every test gets its own cache folder, so
nothing reads or writes the user's real cache) and `tree`.

A module of its own, not a conftest: a conftest is not importable by name reliably when
several test folders have one; the conftests import the fixtures from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest


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


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("MIGRATE_STORAGE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    def make(files: Mapping[str, str | bytes]) -> Path:
        return write_tree(tmp_path / "proj", files)

    return make
