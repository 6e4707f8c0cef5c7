"""Exclusive creation of one pinned path by several workers at once (real node, separate
processes): `open(p, "x")`, `Path.touch(exist_ok=False)` and a handle writer
(`tarfile.open(p, "x:gz")` through `storage.claiming`) through the runtime claim the
path in the namespace atomically (`storage_runtime/_claim.py`), as `O_EXCL` does on one
shared disk. Before, each was a check (a restore) then a create: two workers creating a
new path at the same moment both succeeded, and the later publish won.

Each round, N workers (own roots, one namespace) start through a file barrier and create
the round's path: exactly one wins; every loser gets the builtin's FileExistsError (errno
EEXIST, the filename it gave), keeps no file of its own there, and once the winner is
done reads the winner's content; the namespace holds the winner's version.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from _ipfs_helpers import mfs_cid, race_workers
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs

WORKER = Path(__file__).with_name("_claim_worker.py")
N = 5
ROUNDS = 15


def test_exactly_one_of_several_workers_racing_an_exclusive_create_wins_each_round(
    tmp_path: Path, ipfs_api: str, namespace: str, ipfs_client: object
) -> None:
    printed = race_workers(WORKER, N, ROUNDS, tmp_path, ipfs_api, namespace)
    outputs = {who: [line.split(" ", 2) for line in out.splitlines()] for who, out in printed.items()}
    for i in range(ROUNDS):
        results = {who: next(r for r in lines if r[0] in ("won", "lost") and r[1] == str(i))
                   for who, lines in outputs.items()}
        winners = [who for who, r in results.items() if r[0] == "won"]
        assert len(winners) == 1, (i, results)
        winner = winners[0]
        for who, r in results.items():
            if who == winner:
                continue
            # errno, filename as given, and no file of the loser's own left there (its
            # create undone; only the winner's finished version may have been restored)
            assert r[2] in (f"{errno.EEXIST} True '{winner}'", f"{errno.EEXIST} True -"), (
                i, who, r)
        reads = {who: next(r[2] for r in lines if r[0] == "read" and r[1] == str(i))
                 for who, lines in outputs.items()}
        assert set(reads.values()) == {winner}, (i, reads)
        name = "r{}/claim.{}".format(i, ("txt", "flag", "tgz")[i % 3])
        won = (tmp_path / winner / name).read_bytes()
        assert mfs_cid(ipfs_client, f"{namespace}/{name}") == cid_of_bytes(won)
