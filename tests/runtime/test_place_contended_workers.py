"""Several workers replacing one pinned path at the same moment (real node, separate
processes, strict mode): every publish gets through and the namespace ends on one of
their versions. The MFS API has no compare-and-swap, so `_namespace.place` replaces by
"move the old entry aside, then cp", and tries again when another worker's `cp` came
first; without a pause between tries, five or more workers at once each lost their
four tries now and then (PublishError from the close in strict mode, a warning and a
pending row otherwise).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _ipfs_helpers import mfs_cid, race_workers
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs

WORKER = Path(__file__).with_name("_place_worker.py")
N = 7
ROUNDS = 4


def test_every_one_of_several_workers_replacing_one_path_at_once_publishes(
    tmp_path: Path, ipfs_api: str, namespace: str, ipfs_client: object
) -> None:
    names = [f"w{k}" for k in range(N)]
    for who, out in race_workers(WORKER, N, ROUNDS, tmp_path, ipfs_api, namespace).items():
        assert out.split("\n")[:ROUNDS] == [f"ok {i}" for i in range(ROUNDS)], (who, out)
    for i in range(ROUNDS):
        versions = {cid_of_bytes(f"{who} round {i}".encode()) for who in names}
        assert mfs_cid(ipfs_client, f"{namespace}/state{i}.txt") in versions
