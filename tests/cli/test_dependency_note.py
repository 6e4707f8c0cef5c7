"""`apply` names the packaging files that do not declare the runtime it made them import."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from migrate_storage.codemods.cli import dependency
from migrate_storage.codemods.cli.main import main

WRITER = 'def save(p, text):\n    with open(p, "w") as f:\n        f.write(text)\n'


def _project(root: Path, metadata: dict[str, str]) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text(WRITER)
    for name, text in metadata.items():
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "x"\ndependencies = ["storage-runtime>=0.1"]\n',
        '[project]\nname = "x"\ndependencies = ["Storage_Runtime"]\n',
        '[tool.poetry.dependencies]\nstorage-runtime = "*"\n',
    ],
)
def test_declared_in_any_spelling_pip_normalises(tmp_path: Path, text: str) -> None:
    root = _project(tmp_path, {"pyproject.toml": text})
    assert dependency.undeclared([root / "pkg" / "__init__.py"], "storage_runtime") == []


def test_each_project_named_once_by_its_first_metadata_file(tmp_path: Path) -> None:
    a = _project(tmp_path / "a", {"pyproject.toml": '[project]\nname = "a"\n', "setup.py": ""})
    b = _project(tmp_path / "b", {"setup.cfg": "[metadata]\nname = b\n"})
    (a / "pkg" / "more.py").write_text(WRITER)
    files = [a / "pkg" / "__init__.py", a / "pkg" / "more.py", b / "pkg" / "__init__.py"]
    assert dependency.undeclared(files, "storage_runtime") == [
        a / "pyproject.toml", b / "setup.cfg"
    ]


def test_no_metadata_below_the_repository_root_means_no_note(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "outer"\n')
    root = _project(tmp_path / "repo", {})
    (root / ".git").mkdir()
    assert dependency.undeclared([root / "pkg" / "__init__.py"], "storage_runtime") == []


def test_apply_prints_the_note_after_rewriting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = []\n'})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["--no-cache", "apply", "pkg"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "from storage_runtime import open" in (root / "pkg" / "__init__.py").read_text()
    assert result.stderr.count("does not declare storage-runtime") == 1
    assert str(root / "pyproject.toml") in result.stderr
    # Nothing rewritten, nothing said; the metadata itself is never edited.
    again = CliRunner().invoke(main, ["--no-cache", "apply", "pkg"], catch_exceptions=False)
    assert "does not declare" not in again.stderr
    assert (root / "pyproject.toml").read_text() == '[project]\nname = "x"\ndependencies = []\n'
