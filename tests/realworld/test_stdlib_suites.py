"""CPython's own test suites against migrated copies of the modules they test
(bench/stdlib_suites.py): the quick suites on both backends in CI, and the harness's
reading of regrtest's log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _bench import load

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "stdlib_suites.py"
IPFS_API = os.environ.get("MIGRATE_STORAGE_TEST_IPFS_API")


suites = load("stdlib_suites")
_HAS_TESTS = (suites.STDLIB / "test" / "libregrtest").is_dir()


def test_failing_ids_read_failures_errors_subtests_and_doctests() -> None:
    log = (
        "FAIL: test_force (test.test_compileall.CommandLineTests.test_force)\n"
        "ERROR: test_readline (test.test_fileinput.FileInputTests.test_readline)\n"
        "FAIL: test_hardlink (test.test_compileall.Dedup.test_hardlink) (dedup=False)\n"
        "FAIL: test_breakpoints (test.test_pdb)\n"
        "test_ok (test.test_x.T.test_ok) ... ok\n"
    )
    assert suites.failing_ids(log) == {
        "test_compileall.CommandLineTests.test_force",
        "test_fileinput.FileInputTests.test_readline",
        "test_compileall.Dedup.test_hardlink",
        "test_pdb.test_breakpoints",
    }


def test_only_new_failures_count_and_known_ones_are_said_apart(tmp_path: Path) -> None:
    known = next(iter(suites.KNOWN))
    base = suites.Run("base", frozenset({"a.T.old"}), 3, 0.0, tmp_path)
    migrated = suites.Run("migrated", frozenset({"a.T.old", "a.T.new", known}), 3, 0.0, tmp_path)
    assert suites.compare(base, migrated) == (["a.T.new"], [known])


def test_the_quick_suites_swap_no_module_the_runtime_imports() -> None:
    """A module the runtime imports itself cannot be swapped for its migrated copy (the
    harness skips such a suite, saying so): the CI's quick suites must not be one."""
    swapped = {m for suite in suites.QUICK for m in suites.SUITES[suite]}
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_RUNTIME_")}
    assert not swapped & suites.runtime_imports(env)


@pytest.mark.skipif(not _HAS_TESTS, reason="this Python has no CPython test package")
@pytest.mark.skipif(not IPFS_API, reason="needs the IPFS test node (scripts/ipfs-node start)")
def test_quick_suites_behave_the_same_after_migration_on_both_backends() -> None:
    """The migrated fileinput, gzip, netrc, filecmp, configparser, py_compile, dbm.dumb and
    glob pass exactly the tests their originals pass, on the local backend and on the ipfs
    backend with every test file under the root (published, restored, removed through the
    namespace). test_fileinput replaces `os.fstat` around a write: the runtime's own calls
    must not reach it."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--backend", "both"],
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    counts = [int(n) for n in re.findall(r"^  \S+-(?:base|migrated) +(\d+) tests", proc.stdout, re.MULTILINE)]
    assert len(counts) == 4 and min(counts) > 100, proc.stdout
    assert "Rewrote" in proc.stdout and proc.stdout.rstrip().endswith("no difference")
