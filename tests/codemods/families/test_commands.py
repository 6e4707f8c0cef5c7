"""The LibCST codemod commands give what the engine gives, also via `python -m libcst.tool`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from codemod_cases import ROOT, case_files, case_id, output, policy_for, run
from libcst.codemod import CodemodContext, SkipFile
from migrate_storage.codemods.commands import MigrateStorageCommand
from migrate_storage.codemods.families.open_calls import OpenCallsCodemod
from migrate_storage.codemods.model import FileStatus, Strategy
from migrate_storage.codemods.speedups import introspection

PIN_CASES = [
    pytest.param(p, id=case_id(p))
    for p in case_files()
    if policy_for(p).strategy is Strategy.PIN
    and not policy_for(p).excluded
    and run(p).status is not FileStatus.SKIPPED
]


def _command_output(path: Path, command_class: type = MigrateStorageCommand) -> bytes:
    module = cst.parse_module(path.read_bytes())
    context = CodemodContext(filename=str(path))
    command = command_class(context, strategy="pin")
    try:
        return command.transform_module(module).bytes
    except SkipFile:  # nothing to migrate: libcst.tool leaves the file as it is
        return path.read_bytes()


@pytest.mark.parametrize("path", PIN_CASES)
def test_command_matches_engine(path: Path) -> None:
    assert _command_output(path) == output(run(path))


def test_family_command_rewrites_its_family_only() -> None:
    path = ROOT / "fixtures" / "cases" / "policy" / "cache_api.py"
    new = _command_output(path, OpenCallsCodemod).decode()
    assert (
        'open(f"cache/{key}.json", "w", pin=True)' in new
    )  # open rewritten (pin via --strategy)
    assert 'Path("cache/last").write_text(key)' in new  # pathlib untouched
    assert "from storage_runtime import open\n" in new


def test_libcst_tool_runs_the_command(tmp_path: Path) -> None:
    """`python -m libcst.tool codemod` with the repo's .libcst.codemod.yaml gives the same bytes."""
    names = [
        "open/modes.py",
        "json/collapse.py",
        "pathlib/receivers.py",
        "files/crlf_tabs.py",
    ]
    for name in names:
        target = tmp_path / name.replace("/", "_")
        shutil.copy(ROOT / "fixtures" / "cases" / name, target)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "commands.MigrateStorageCommand",
            "--no-format",
            "-j",
            "1",
            "--strategy",
            "pin",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in names:
        expected = output(run(ROOT / "fixtures" / "cases" / name))
        assert (tmp_path / name.replace("/", "_")).read_bytes() == expected, name


def test_libcst_tool_finds_each_family_command_by_its_module(tmp_path: Path) -> None:
    """`open_calls.OpenCallsCodemod` (families/, listed in .libcst.codemod.yaml) still runs,
    and gives what the command class gives in-process."""
    path = ROOT / "fixtures" / "cases" / "open" / "modes.py"
    target = tmp_path / "modes.py"
    shutil.copy(path, target)
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "open_calls.OpenCallsCodemod", "--no-format", "-j", "1", "--strategy", "pin", str(target)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == _command_output(path, OpenCallsCodemod)


def test_speed_caches_return_what_libcst_computes() -> None:
    from libcst.metadata import ExpressionContextProvider, ScopeProvider

    introspection.install()
    for provider in (ScopeProvider, ExpressionContextProvider):
        cached = provider().get_visitors()
        again = provider().get_visitors()
        original = introspection._ORIGINALS["get_visitors"](provider())
        assert set(cached) == set(again) == set(original)
        assert all(
            cached[name].__func__ is original[name].__func__ for name in original
        )


def test_command_skips_a_file_without_sites() -> None:
    """libcst.tool must keep such a file's own bytes (its re-rendering may differ)."""
    from libcst.codemod import TransformSkip, transform_module

    source = "try:\n    pass\nexcept (OSError, ValueError) :\n    pass\n"
    assert isinstance(
        transform_module(MigrateStorageCommand(CodemodContext()), source), TransformSkip
    )
