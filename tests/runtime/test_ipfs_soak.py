"""Soak: four worker processes doing random work on one namespace, checked by an oracle.

Four `_soak_worker.py` processes (separate roots and indexes, one MFS namespace, a
private node) write (in place and atomically), append, write slowly (a file open for
writing while the others and `sync`s run), replace `.tmp` files into place, remove and
read (restoring what they never knew), pinned or cache at random, for
MIGRATE_STORAGE_SOAK_SECONDS (default 30; set it to minutes by hand). Meanwhile each
worker runs `sync` in a thread, and this test runs `python -m storage_runtime sync` for a
random worker's root every second or so. Operations are serialised by a global lock and
logged in that order; the oracle replays the log with the consistency model the README
states and checks:
- every read returned exactly the version the model says (so never a torn or stale one;
  the one staleness the model allows: a worker that found a path absent everywhere does
  not ask again for `NEGATIVE_TTL` seconds, so it may miss a version pinned meanwhile),
  and every raw block the node holds is a block of a version some worker wrote completely
  (no torn file was ever published, even briefly);
- at the end the namespace holds exactly the model's last pinned version of each path,
  the node holds exactly those pins (no more), each worker's files are the model's, and
  nothing is pending.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import time
from typing import Any

import pytest
from _ipfs_helpers import (
    PYTHON,
    OwnNode,
    local_blocks,
    make_client,
    recursive_pins,
    rows,
    run_cli,
)
from storage_runtime._cid import cid_of_file, normalize_cid
from storage_runtime._ipfs import NEGATIVE_TTL

# Runs by default for a bounded half minute of work (about a minute with the node's start and
# the checks: cheap enough for every CI run); MIGRATE_STORAGE_SOAK_SECONDS sets minutes by
# hand, MIGRATE_STORAGE_SOAK_SEED replays one seed (each worker's operations follow from it;
# their interleaving still depends on timing).
pytestmark = pytest.mark.ipfs
SECONDS = float(os.environ.get("MIGRATE_STORAGE_SOAK_SECONDS", "30"))
WORKER = os.path.join(os.path.dirname(__file__), "_soak_worker.py")
NAMESPACE = "/soak"


class Oracle:
    """The namespace as the consistency model says it must be, replayed from the log."""

    def __init__(self) -> None:
        self.ns: dict[str, str] = {}
        self.known: dict[str, set[str]] = {}  # paths each worker has an index row for
        self.local: dict[str, dict[str, str]] = {}
        self.entries: dict[str, dict[str, tuple[str, bool]]] = {}  # (cid, placed)
        self.mismatches: list[str] = []
        self.absent: dict[str, dict[str, float]] = {}  # when each worker last found a path
        self.blocks: set[str] = set()  # raw blocks of every complete version written
        self.counts: dict[str, int] = {}

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def _written(self, w: str, path: str, cid: str, pin: bool) -> None:
        self.absent[w].pop(path, None)  # a write forgets the negative cache's answer
        self.known[w].add(path)
        self.local[w][path] = cid
        if pin:  # a pinned write replaces the entry, whoever placed it: the last one wins
            self.ns[path] = cid
            self.entries[w][path] = (cid, True)
            return
        entry = self.entries[w].get(path)
        if entry is not None and entry[1]:  # a cache write drops only our own entry
            if self.ns.get(path) == entry[0]:
                del self.ns[path]
            del self.entries[w][path]

    def _drop_known(self, w: str, path: str) -> None:
        entry = self.entries[w].pop(path, None)
        if entry is not None and self.ns.get(path) == entry[0]:
            del self.ns[path]  # a removal drops the entry if it holds the version we knew

    def apply(self, rec: dict[str, Any]) -> None:
        if rec["op"] == "version":
            self.blocks.update(rec["blocks"])
            return
        w, op, path = rec["w"], rec["op"], rec["path"]
        for table in (self.known, self.local, self.entries, self.absent):
            table.setdefault(w, {} if table is not self.known else set())  # type: ignore[arg-type]
        if op == "read":
            absent_since = self.absent[w].get(path)
            if path in self.local[w]:
                expected = self.local[w][path]
            elif path in self.known[w]:
                expected = None  # deleted here stays deleted
            elif path not in self.ns:
                expected = None  # nobody pinned it: the negative cache remembers that
                # (from the latest such read: later than the cache's own time at worst,
                # which only widens the window accepted below, never past a pin + TTL)
                self.absent[w][path] = rec["end"]
            elif (rec["cid"] is None and absent_since is not None
                  and rec["start"] < absent_since + NEGATIVE_TTL):
                expected = None  # the negative cache answered: not asked again yet
                self._count("negative cache")
            else:
                expected = self.ns[path]
                self.known[w].add(path)
                self.local[w][path] = expected
                self.entries[w][path] = (expected, False)
                self._count("restore")
            if rec["cid"] != expected:
                self.mismatches.append(f"{rec}: expected {expected}")
            self._count("read")
        elif op == "write":
            self._written(w, path, rec["cid"], rec["pin"])
            self._count("pinned write" if rec["pin"] else "cache write")
        elif op == "replace":
            tmp, cid, pin = path + ".tmp", rec["cid"], rec["pin"]
            self._written(w, tmp, cid, pin)
            del self.local[w][tmp]
            if pin:  # moved in MFS: the destination's entry is ours now
                self._drop_known(w, tmp)
                self._written(w, path, cid, True)
            else:
                self._written(w, path, cid, False)
                self._drop_known(w, tmp)
            self._count("replace")
        elif op == "remove":
            del self.local[w][path]
            self._drop_known(w, path)
            self._count("remove")


def _namespace_files(client: Any, folder: str = NAMESPACE, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        entries = client.files.ls(folder, opts={"long": True}).get("Entries") or []
    except Exception:  # noqa: BLE001 - no namespace folder at all: empty
        return out
    for entry in entries:
        name = f"{folder}/{entry['Name']}"
        st = client.files.stat(name, opts={"cid-base": "base32"})
        if st["Type"] == "directory":
            out.update(_namespace_files(client, name, f"{prefix}{entry['Name']}/"))
        else:
            out[f"{prefix}{entry['Name']}"] = normalize_cid(st["Hash"])
    return out


def _history(log: str, cids: set[str]) -> dict[str, list[str]]:
    """The logged operations that wrote each of `cids` (for a failure message)."""
    with open(log) as f:
        lines = [line.strip() for line in f if '"op": "version"' not in line]
    return {cid: [line for line in lines if cid in line][-5:] for cid in sorted(cids)}


def _local_files(root: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".storage-runtime"]
        for name in files:
            full = os.path.join(folder, name)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = cid_of_file(full)[0]
    return out


@pytest.fixture
def soak_node(ipfs_api: str, tmp_path: Any) -> Any:
    node = OwnNode(str(tmp_path / "node"))  # private: the test counts every pin on it
    node.start()
    yield node
    node.stop()


def test_four_workers_random_operations_match_the_oracle(soak_node: OwnNode, tmp_path: Any
                                                         ) -> None:
    seed = int(os.environ.get("MIGRATE_STORAGE_SOAK_SEED", random.randrange(1 << 30)))
    print(f"soak seed {seed} (replay: MIGRATE_STORAGE_SOAK_SEED={seed})")  # shown on failure
    log, lock = str(tmp_path / "ops.log"), str(tmp_path / "ops.lock")
    client = make_client(soak_node.api)
    baseline = local_blocks(client)  # what the node holds before any worker runs
    envs = {}
    procs: list[subprocess.Popen[bytes]] = []
    errs: list[str] = []
    for i in range(4):
        root = tmp_path / f"w{i}"
        root.mkdir()
        envs[f"w{i}"] = {"STORAGE_RUNTIME_BACKEND": "ipfs", "STORAGE_RUNTIME_API": soak_node.api,
                         "STORAGE_RUNTIME_ROOT": str(root),
                         "STORAGE_RUNTIME_NAMESPACE": NAMESPACE,
                         "STORAGE_RUNTIME_TIMEOUT": "20"}
        errs.append(str(tmp_path / f"w{i}.err"))  # a file, not a pipe: never fills up
        with open(errs[-1], "w") as err:
            procs.append(subprocess.Popen(
                [PYTHON, WORKER, f"w{i}", str(seed + i), str(SECONDS), log, lock],
                env={**os.environ, **envs[f"w{i}"]}, stdout=subprocess.DEVNULL, stderr=err))
    pick = random.Random(seed)
    outside_syncs = 0
    deadline = time.monotonic() + SECONDS + 120  # each worker stops on its own before
    try:
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            time.sleep(pick.uniform(0.5, 1.5))
            result = run_cli(["sync"], envs[pick.choice(sorted(envs))], timeout=120)
            assert result.returncode in (0, 1), f"seed {seed}: {result.stderr}"
            outside_syncs += 1
        for p, name in zip(procs, errs):
            try:
                p.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass  # reported below with its stderr
            with open(name) as f:
                err = f.read()
            assert p.returncode == 0, f"seed {seed}: worker failed or hung: {err[-3000:]}"
            assert "Traceback" not in err, f"seed {seed}: {err[-3000:]}"
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    oracle = Oracle()
    with open(log) as f:
        for line in f:
            oracle.apply(json.loads(line))
    assert not oracle.mismatches, f"seed {seed}: {len(oracle.mismatches)} reads differ: " \
                                  f"{oracle.mismatches[:5]}"
    for what in ("pinned write", "cache write", "replace", "remove", "restore"):
        assert oracle.counts.get(what, 0) > 0, (what, oracle.counts)
    # js-ipfs lists every block with the raw codec (its store is keyed by multihash), so
    # the blocks holding file bytes are told by their content: every version starts with
    # its "w<worker>:<n>:" header (a torn file too; folders and tree nodes are protobuf).
    unknown = local_blocks(client) - baseline - oracle.blocks
    torn = [b for b in unknown if re.match(rb"w\d:\d+:", client.block.get(b)[:16])]
    assert not torn, (f"seed {seed}: the node holds {len(torn)} file blocks no worker wrote "
                      f"completely, e.g. {sorted(torn)[:3]}")
    assert _namespace_files(client) == oracle.ns, f"seed {seed}"
    pins = recursive_pins(client)
    assert pins == set(oracle.ns.values()), (
        f"seed {seed}: pins no entry holds: {_history(log, pins - set(oracle.ns.values()))}; "
        f"entries without a pin: {_history(log, set(oracle.ns.values()) - pins)}")
    for w, env in envs.items():
        assert _local_files(env["STORAGE_RUNTIME_ROOT"]) == oracle.local[w], (seed, w)
        index = rows(os.path.join(env["STORAGE_RUNTIME_ROOT"], ".storage-runtime",
                                  "index.sqlite3"))
        assert not [r for r in index.values() if r["state"] == "pending"], (seed, w)
    client.close()
    print(f"soak seed {seed}: {oracle.counts}, {outside_syncs} outside syncs")
