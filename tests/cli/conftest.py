"""Fixtures for the CLI, runner, discovery, cache and writer tests.

Every test gets its own cache folder (MIGRATE_STORAGE_CACHE_DIR): nothing here reads or
writes the user's real cache.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # cli_fake_engine, cli_helpers (subprocesses too)

from cli_helpers import write_tree  # noqa: E402


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
