"""The whole suite's temporary files go under pytest's own temporary folder.

The engine writes the diff of each rewrite it refuses to a temporary file (its message
names it), and the suite refuses hundreds on purpose; subprocesses the tests start inherit
TMPDIR. pytest keeps only its last few temporary folders, so nothing piles up in /tmp.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _temporary_files_under_pytest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = str(tmp_path_factory.mktemp("tmp"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", folder)
        patch.setenv("TMPDIR", folder)
        yield
