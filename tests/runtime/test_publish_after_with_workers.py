"""What a migrated program wrote through a third-party handle in a `with` block, seen by
another worker (real node).

The program is plain Python: a tar archive, a gzip'd json dump and raw bytes through
`io.FileIO`, each written through the handle a `with` statement holds, and a kept
`NamedTemporaryFile(delete=False)` whose name is returned. The codemods (rule: pin) keep
every call as written and add `storage.publish(...)` after each `with`
(families/publish_after.py); the program runs as its own process with its own root. A
second worker, a separate process with an empty root sharing the namespace, must restore
each file by its path with the bytes the program left on its disk; the one archive the
program wrote in a block it leaves early (a `return` inside) is not published.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import (
    Failure,
    Worker,
    mfs_cid,
    run_program,
    worker_env,
)
from migrate_storage.codemods.model import Family, Status, Strategy
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs
MISSING = Failure("FileNotFoundError", "")

PROGRAM = textwrap.dedent(
    """\
    import gzip
    import io
    import json
    import tarfile
    import tempfile
    import zipfile


    def pack(out, src):
        with tarfile.open(out, "w") as tar:
            tar.add(src)
        return out


    def dump_to_file(*lines):
        with tempfile.NamedTemporaryFile(
            mode="w", dir=".", prefix="run-", suffix=".log", delete=False
        ) as f:
            for line in lines:
                f.write(line)
        return f.name


    def first_only(path, names):
        with zipfile.ZipFile(path, "w") as archive:
            for name in names:
                archive.writestr(name, name)
                return name


    with open("src.txt", "w") as f:
        f.write("source text\\n")
    print(pack("bundle.tar", "src.txt"))
    with gzip.open("data.json.gz", "wt") as out:
        json.dump({"rows": [1, 2, 3]}, out)
    with io.FileIO("raw.txt", "w") as raw:
        raw.write(b"raw bytes\\n")
    print(dump_to_file("one\\n", "two\\n"))
    print(first_only("early.zip", ["a", "b"]))
    """
)


def _run(program: Path, root: Path, api: str, namespace: str) -> list[str]:
    return run_program(program, root, [], worker_env(root, api, namespace)).splitlines()


def test_another_worker_restores_what_the_with_block_wrote(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
    ipfs_client: Any,
) -> None:
    result = transform_source(PROGRAM.encode(), "main.py", FilePolicy(strategy=Strategy.PIN))
    assert result.new_source is not None, result.message
    migrated = result.new_source.decode()
    for line in ('    storage.publish(out, pin=True)\n    return out\n',
                 '    storage.publish(f.name, pin=True)\n    return f.name\n',
                 'storage.publish("data.json.gz", pin=True)\n',
                 'storage.publish("raw.txt", pin=True)\n'):
        assert line in migrated, migrated
    assert "storage.publish(path" not in migrated  # first_only: left early, counted
    third_party = {(s.name, s.status) for s in result.sites if s.family is Family.THIRD_PARTY}
    assert ("zipfile.ZipFile", Status.UNMIGRATED) in third_party  # the early return
    root = tmp_path / "a"
    root.mkdir()
    program = tmp_path / "main.py"
    program.write_text(migrated)

    printed = _run(program, root, ipfs_api, namespace)
    assert printed[0] == "bundle.tar" and printed[2] == "a"
    log = os.path.relpath(printed[1], root) if os.path.isabs(printed[1]) else printed[1]
    assert log.startswith("run-") and log.endswith(".log")

    b = workers("b")
    for rel in ("bundle.tar", "raw.txt", log):
        disk = (root / rel).read_bytes()
        assert b.call("read", rel=rel) == disk.decode(), rel  # restored by its path
        assert mfs_cid(ipfs_client, f"{namespace}/{rel}") == cid_of_bytes(disk), rel
    # Binary (gzip): the namespace holds exactly the bytes on the program's disk.
    packed = (root / "data.json.gz").read_bytes()
    assert mfs_cid(ipfs_client, f"{namespace}/data.json.gz") == cid_of_bytes(packed)
    # Written in a block the program left early: never published, not restorable.
    assert (root / "early.zip").is_file()
    assert mfs_cid(ipfs_client, f"{namespace}/early.zip") is None
    assert b.call("read", rel="early.zip") == MISSING
