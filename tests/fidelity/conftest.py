"""Fixtures for the fidelity suite: one `apply` over every program, the real IPFS test
node, and a folder the unprivileged user may enter."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fidelity_runner import Migration, all_programs, migrate_all, python_for_nobody

ENV_API = "MIGRATE_STORAGE_TEST_IPFS_API"


@pytest.fixture(scope="session")
def migration(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    """Every program copied into one folder and migrated by one `migrate-storage apply`
    (the real CLI in a subprocess): one run instead of one per program."""
    return migrate_all(all_programs(), tmp_path_factory.mktemp("fidelity-batch"))


@pytest.fixture(scope="session")
def fidelity_ipfs_api() -> str:
    """The real test node's RPC multiaddr; skip without it, fail under CI."""
    api = os.environ.get(ENV_API, "").strip()
    if not api:
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}:
            pytest.fail(
                f"CI is set but {ENV_API} is not: the ipfs fidelity runs must run in CI",
                pytrace=False,
            )
        pytest.skip(
            f"no IPFS test node: run `scripts/ipfs-node start` and export {ENV_API}"
        )
    return api


@pytest.fixture(scope="session")
def nobody_python() -> tuple[str, dict[str, str]]:
    """(interpreter, extra environment) for runs as uid 65534; skip when not root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip(
            "permission cases run the program as uid 65534: the suite must run as root"
        )
    found = python_for_nobody()
    if isinstance(found, str):
        pytest.skip(found)
    return found


@pytest.fixture(scope="session")
def nobody_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder uid 65534 can enter. pytest's own temporary root is private to its user
    (0700, and reset to that by every pytest session that starts), so it lives beside it,
    in the system temporary folder, and is removed at the end of the session."""
    temproot = tmp_path_factory.getbasetemp().parents[1]
    if not temproot.stat().st_mode & stat.S_IXOTH:
        pytest.skip(f"{temproot} cannot be entered by other users")
    folder = Path(tempfile.mkdtemp(prefix="migrate-storage-fidelity-", dir=temproot))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
