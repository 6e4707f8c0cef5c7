"""Several processes writing the same paths at once, against the real node."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from _ipfs_helpers import PYTHON, disk_cid, mfs_cid, rows

pytestmark = [pytest.mark.ipfs, pytest.mark.slow]

WRITER = os.path.join(os.path.dirname(__file__), "_ipfs_writer.py")
PROCESSES, WRITES, PATHS = 4, 200, 12


def test_processes_writing_overlapping_paths_keep_the_index_consistent(
    ipfs_settings: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    settings = ipfs_settings()
    env = {**os.environ, **settings.as_env()}
    procs = [
        subprocess.Popen([PYTHON, WRITER, str(seed), str(WRITES), str(PATHS), "3000"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert err == "", err  # no writer saw an error, not even a warning
        assert out.count("closed ") == WRITES

    index = rows(settings.index)  # integrity_check passes inside
    on_disk = {
        os.path.relpath(os.path.join(folder, name), settings.root)
        for folder, _, names in os.walk(settings.root) if ".storage-runtime" not in folder
        for name in names
    }
    assert set(index) == on_disk
    for rel, row in index.items():
        assert row["state"] == "published", row
        assert row["cid"] == disk_cid(os.path.join(settings.root, rel)), rel
        number = int(rel.split("/f")[1].split(".")[0])
        assert row["pin"] == (number % 6 == 0)
        expected = row["cid"] if row["pin"] else None
        assert mfs_cid(ipfs_client, f"{namespace}/{rel}") == expected, rel
