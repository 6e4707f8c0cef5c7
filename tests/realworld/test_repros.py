"""Reproductions of what the real-package harness exposed (fixtures/realworld_repros/).

Each test states the expected behaviour. A bug not fixed yet is `xfail(strict=True)`: the
test starts failing (XPASS) the day the fix lands, so the marker is removed then and the
test guards the fix from that day on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

REPROS = Path(__file__).resolve().parents[2] / "fixtures" / "realworld_repros"


def test_attribute_handle_fixture_is_what_apply_writes() -> None:
    """The fixture's after.py is the real rewrite of before.py (keeps the repro honest)."""
    case = REPROS / "attribute_handle_reason"
    result = transform_source((case / "before.py").read_bytes(), "before.py", FilePolicy())
    assert result.status is FileStatus.CHANGED
    assert result.new_source == (case / "after.py").read_bytes()


def test_attribute_handle_is_not_called_unmigrated_open_after_migration() -> None:
    """After apply, the only open in the module is a runtime open; the json.load on the
    attribute that holds its handle must not be reported as reading a handle 'from an open
    that is not migrated' (it is migrated, or at worst its receiver is unknown)."""
    case = REPROS / "attribute_handle_reason"
    after = transform_source((case / "after.py").read_bytes(), "after.py", FilePolicy(), rewrite=False)
    (json_site,) = [s for s in after.sites if s.family is Family.JSON]
    assert json_site.status is Status.MIGRATED or json_site.reason is Reason.RECEIVER_UNKNOWN


IPFS_API = os.environ.get("MIGRATE_STORAGE_TEST_IPFS_API")


@pytest.mark.ipfs
@pytest.mark.skipif(not IPFS_API, reason="needs the IPFS test node (scripts/ipfs-node start)")
def test_publish_does_not_depend_on_the_callers_warning_filters(tmp_path: Path) -> None:
    """A migrated package's own suite run with `-W error::FutureWarning` and the ipfs
    backend: every test passes and every write is published (see README.md)."""
    shutil.copytree(REPROS / "ipfs_warning_filter", tmp_path, dirs_exist_ok=True)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # keep the project's config out
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_RUNTIME_", "PYTEST_"))}
    env.update(
        STORAGE_RUNTIME_BACKEND="ipfs",
        STORAGE_RUNTIME_API=str(IPFS_API),
        STORAGE_RUNTIME_ROOT=str(tmp_path),
        STORAGE_RUNTIME_NAMESPACE=f"/realworld-repro/{tmp_path.name}",
        STORAGE_RUNTIME_STRICT="1",
        TMPDIR=str(tmp_path / "tmp"),
        PYTHONPATH=str(tmp_path),
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::FutureWarning",
            "check_save.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


EXCEPT_SPACE = REPROS / "except_space_roundtrip"


def test_file_libcst_cannot_round_trip_is_migrated_or_blamed_on_the_right_line() -> None:
    """LibCST 1.9.0 drops the space in `except (A, B) :`. The engine must either keep that
    line byte for byte (and migrate the file), or refuse naming line 5, the line it would
    change (it once named line 4, `f.write(text)`, which it does not change)."""
    result = transform_source((EXCEPT_SPACE / "with_site.py").read_bytes(), "with_site.py", FilePolicy())
    if result.status is FileStatus.CHANGED:
        assert result.new_source is not None
        assert b"    except (FileNotFoundError, PermissionError) :\n" in result.new_source
    else:
        assert result.status is FileStatus.FAILED
        assert result.message is not None and result.message.startswith("with_site.py:5:"), result.message


def test_libcst_command_leaves_a_file_without_sites_alone() -> None:
    """`python -m libcst.tool codemod commands.MigrateStorageCommand` must give what
    `migrate-storage diff` gives: nothing, for a file with no file I/O (found on the stdlib's
    webbrowser.py by bench/codemod_throughput.py)."""
    from libcst.codemod import (
        CodemodContext,
        TransformSkip,
        TransformSuccess,
        transform_module,
    )
    from migrate_storage.codemods.commands import MigrateStorageCommand

    source = (EXCEPT_SPACE / "no_site.py").read_text(encoding="utf-8")
    assert transform_source(source.encode(), "no_site.py", FilePolicy()).status is FileStatus.UNCHANGED
    result = transform_module(MigrateStorageCommand(CodemodContext()), source)
    assert isinstance(result, TransformSkip) or (
        isinstance(result, TransformSuccess) and result.code == source
    )
