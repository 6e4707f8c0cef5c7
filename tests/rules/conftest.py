"""Helpers for the rules tests: write real files into tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

Write = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """write("a/b.toml", '''...''') -> the path, dedented, parents created."""

    def _write(relative: str, text: str = "", *, base: Path = tmp_path) -> Path:
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder marked as a project root (.git), so discovery never walks above tmp_path."""
    (tmp_path / ".git").mkdir()
    return tmp_path
