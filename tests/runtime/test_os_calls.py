"""`_os_calls.makedirs` does what `os.makedirs(exist_ok=True)` does, and keeps doing it when
the program has replaced `os.stat` (os.makedirs itself then fails on an existing folder)."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest
from storage_runtime import _os_calls


def _outcome(make, path: Path) -> str:
    try:
        make(str(path))
    except OSError as exc:
        return type(exc).__name__
    return "dir" if path.is_dir() else "?"


@pytest.mark.parametrize("case", ["new", "nested", "existing", "file_in_the_way", "under_a_file"])
def test_makedirs_matches_os_makedirs(case: str, tmp_path: Path) -> None:
    outcomes = []
    for side, make in (("os", lambda p: os.makedirs(p, exist_ok=True)), ("ours", _os_calls.makedirs)):
        base = tmp_path / side
        base.mkdir()
        (base / "existing").mkdir()
        (base / "file_in_the_way").write_text("x")
        (base / "a_file").write_text("x")
        target = {
            "new": base / "new",
            "nested": base / "a" / "b" / "c",
            "existing": base / "existing",
            "file_in_the_way": base / "file_in_the_way",
            "under_a_file": base / "a_file" / "sub",
        }[case]
        outcomes.append(_outcome(make, target))
    assert outcomes[0] == outcomes[1]


def test_makedirs_of_an_existing_folder_under_a_replaced_stat(tmp_path: Path) -> None:
    with mock.patch("os.stat", side_effect=OSError("replaced")):
        with pytest.raises(FileExistsError):
            os.makedirs(tmp_path, exist_ok=True)  # what the runtime must not do
        _os_calls.makedirs(str(tmp_path))
        _os_calls.makedirs(str(tmp_path / "x" / "y"))
    assert (tmp_path / "x" / "y").is_dir()
