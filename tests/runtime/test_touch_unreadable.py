"""`storage.path_touch(p, mode=...)` with a mode that leaves the owner no read bit, as an
unprivileged user on the real node (root reads any file, so the case needs uid 65534).

`Path(p).touch(mode=0o200)` succeeds and returns None. The stand-in published the new
file after the touch, which needs to read it: in strict mode that raised PublishError
(the program's own call had succeeded), otherwise it wrote a warning to stderr and left
a row pending for ever. Such a file is now left unpublished; a readable one still is.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import run_as_nobody, shared_tempdir

pytestmark = pytest.mark.ipfs


def _touch_as_nobody(root: str, api: str, namespace: str) -> Any:
    from storage_runtime import Storage
    from storage_runtime._ipfs import IpfsBackend
    from storage_runtime.config import Settings

    settings = Settings(backend="ipfs", api=api, root=root, namespace=namespace,
                        timeout=5.0, strict=True)
    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    seen = []
    try:
        for name, mode in (("zero", 0o000), ("write-only", 0o200), ("mine", 0o600)):
            path = Path(root, name)
            try:
                seen.append((name, storage.path_touch(path, mode=mode, pin=True),
                             oct(path.stat().st_mode & 0o777)))
            except Exception as exc:  # noqa: BLE001 - the difference under test
                seen.append((name, type(exc).__name__, str(exc)))
    finally:
        backend.wait_drain(5)
        backend.close()
    return seen


def test_a_touch_that_makes_an_unreadable_file_succeeds_as_pathlib_does(
    ipfs_api: str, namespace: str
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to run the stand-in as uid 65534")
    root = shared_tempdir()
    try:
        os.chown(root, 65534, 65534)
        seen = run_as_nobody(lambda: _touch_as_nobody(root, ipfs_api, namespace))
        assert seen == [("zero", None, "0o0"), ("write-only", None, "0o200"),
                        ("mine", None, "0o600")]
        con = sqlite3.connect(f"file:{Path(root, '.storage-runtime', 'index.sqlite3')}?mode=ro",
                              uri=True)
        try:
            rows = con.execute("SELECT path, state FROM files ORDER BY path").fetchall()
        finally:
            con.close()
        assert rows == [("mine", "published")]  # the readable one only, nothing pending
    finally:
        shutil.rmtree(root, ignore_errors=True)
