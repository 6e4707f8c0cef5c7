"""Fixtures for the review tests (SARIF, apply records and undo, --changed-since,
interactive apply). Every test gets its own cache folder: the user's cache is never used."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # review_helpers


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("MIGRATE_STORAGE_CACHE_DIR", str(folder))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Mapping[str, str | bytes]], Path]:
    """Make files under tmp_path/proj and chdir there (paths in output are then relative)."""

    def make(files: Mapping[str, str | bytes]) -> Path:
        root = tmp_path / "proj"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        monkeypatch.chdir(root)
        return root

    return make
