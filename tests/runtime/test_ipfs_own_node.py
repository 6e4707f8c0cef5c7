"""Garbage collection, daemon restarts and SIGKILLed writers, on a node this module owns.

These would disturb (or be slowed down by) the shared test node: js-ipfs 0.66's
`repo/gc` takes minutes on a repository of a few thousand blocks, a stopped daemon fails
other tests, and js-ipfs hangs every later `add` after a client was killed mid-upload.
So they run against `OwnNode`, started once for the module (fresh, empty repository; the
gc test runs first, while it is small) and stopped at its end.

- GC: pinned content survives `repo/gc`, cache content does not.
- Restart: a writer keeps writing while the daemon is stopped and started again. It never
  sees an error, warns once, and every file is on disk; `sync` then publishes what was
  left pending, onto the restarted node.
- SIGKILL: kills land at deterministic points (`WRITER_KILL`, see `_ipfs_writer.py`:
  right after the node accepted an add, right before the MFS copy, half-way through a
  write) and at random times. After each kill the index passes SQLite's integrity check
  and every file the writer had closed is published or pending; `sync` then publishes all
  of it, and every recorded CID is the CID of the bytes on disk (files torn by a kill
  mid-write included: `sync` re-queues files changed behind the runtime's back).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import (
    PYTHON,
    OwnNode,
    disk_cid,
    has_content,
    is_pinned,
    make_client,
    migrated_pinned,
    rows,
    run_cli,
)
from storage_runtime._cid import cid_of_bytes
from test_killed_migrated_workers import PROGRAM, V1, V2, Site, cid, entry, go

pytestmark = [pytest.mark.ipfs, pytest.mark.slow]

WRITER = os.path.join(os.path.dirname(__file__), "_ipfs_writer.py")


@pytest.fixture(scope="module")
def own_node(ipfs_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnNode]:
    # `ipfs_api` only for its skip/fail rule: no test node configured, no private one.
    node = OwnNode(str(tmp_path_factory.mktemp("own-node")))
    node.start()
    yield node
    node.stop()


def test_pinned_content_survives_gc_and_cache_content_does_not(
    own_node: OwnNode, make_storage: Callable[..., Any],
) -> None:
    storage = make_storage(api=own_node.api)
    root = storage.settings.root
    pinned, cache = os.urandom(5000), os.urandom(5000)
    storage.write_bytes(Path(os.path.join(root, "keep.bin")), pinned, pin=True)
    with storage.open(os.path.join(root, "tmp.bin"), "wb", pin=False) as f:
        f.write(cache)
    keep_cid, tmp_cid = cid_of_bytes(pinned), cid_of_bytes(cache)
    client = make_client(own_node.api)
    assert has_content(client, tmp_cid)  # published before the gc

    client.repo.gc()

    assert is_pinned(client, keep_cid)
    assert client.cat(keep_cid, opts={"timeout": "2s"}) == pinned
    assert not is_pinned(client, tmp_cid)
    assert not has_content(client, tmp_cid)


def _writer(env: dict[str, str], seed: int, count: int, npaths: int, maxsize: int,
            delay: float = 0.0, kill: str = "") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PYTHON, WRITER, str(seed), str(count), str(npaths), str(maxsize), str(delay)],
        env={**env, "WRITER_KILL": kill or "none:0"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_daemon_stopped_mid_run_loses_nothing_and_sync_publishes_after_restart(
    own_node: OwnNode, ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings(api=own_node.api, timeout=2.0)
    env = {**os.environ, **settings.as_env()}
    proc = _writer(env, 1, 100, 100_000, 3000, delay=0.02)
    time.sleep(1.0)
    own_node.stop()  # mid-run
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert err.count("cannot publish to IPFS") == 1, err  # warned once, no traceback
    assert "Traceback" not in err
    closed = [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("closed ")]
    assert len(closed) == 100
    before = rows(settings.index)
    assert set(closed) == set(before)
    pending = {rel for rel, row in before.items() if row["state"] == "pending"}
    assert pending, "the daemon stop came too late: nothing was left pending"
    assert any(row["state"] == "published" for row in before.values()), "stop came too early"

    down = run_cli(["sync"], settings.as_env())
    assert down.returncode == 1 and "unreachable" in down.stderr
    own_node.start()  # back (js test nodes start with an empty repository)
    up = run_cli(["sync"], settings.as_env())
    assert up.returncode == 0, up.stdout + up.stderr
    assert "pending: 0" in up.stdout
    after = rows(settings.index)
    client = make_client(own_node.api)
    for rel in pending:
        assert after[rel]["state"] == "published"
        assert after[rel]["cid"] == disk_cid(os.path.join(settings.root, rel))
        assert has_content(client, after[rel]["cid"])


def _adds_work(api: str) -> bool:
    client = make_client(api)
    try:
        client.add(io.BytesIO(b"probe"), pin=False, cid_version=1, raw_leaves=True,
                   timeout=3)
        return True
    except Exception:  # noqa: BLE001 - a timeout: wedged
        return False
    finally:
        client.close()


def _run_killed(env: dict[str, str], seed: int, kill: str, after: float
                ) -> tuple[list[str], str]:
    """Run a writer until it is killed; the paths it closed and the one it was closing."""
    proc = _writer(env, seed, 100_000, 30, 600_000, kill=kill)
    if after:
        time.sleep(after)
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err
    lines = out.splitlines()
    closed = [line.split(" ", 1)[1] for line in lines if line.startswith("closed ")]
    closing = lines[-1].split(" ", 1)[1] if lines and lines[-1].startswith("closing ") else ""
    return closed, closing


def test_sigkill_leaves_closed_files_published_or_pending(
    own_node: OwnNode, ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings(api=own_node.api)
    env = {**os.environ, **settings.as_env()}
    closed_all: set[str] = set()
    # Deterministic points first: a random kill mid-upload may wedge js-ipfs's adds.
    plan = [("add:6", 0.0), ("cp:2", 0.0), ("write:5", 0.0), ("", 1.2)]
    for seed, (kill, after) in enumerate(plan):
        closed, closing = _run_killed(env, seed, kill, after)
        assert closed, "the writer closed nothing before the kill"
        closed_all.update(closed)
        index = rows(settings.index)  # integrity_check passes: the index is never torn
        assert {row["state"] for row in index.values()} <= {"published", "pending"}
        for rel in closed:
            assert index[rel]["state"] in ("published", "pending"), rel
        if kill.startswith(("add", "cp")):
            # Killed inside close, mid-publish: the file is whole on disk and pending.
            assert index[closing]["state"] == "pending", (kill, closing)

    if not _adds_work(own_node.api):  # a kill mid-upload wedges js-ipfs's adds
        own_node.stop()
        own_node.start()
    result = run_cli(["sync"], settings.as_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pending: 0" in result.stdout
    index = rows(settings.index)
    assert closed_all <= set(index)
    for rel, row in index.items():
        assert row["state"] == "published", row
        assert row["cid"] == disk_cid(os.path.join(settings.root, rel)), rel


def test_the_daemon_stopped_during_a_write_loses_nothing(
    own_node: OwnNode, tmp_path: Path, namespace: str
) -> None:
    """The daemon stops while a migrated program has its file open for writing: the
    close cannot publish, the program goes on as before (not strict: a warning, exit 0),
    the write stays pending on disk (so does an atomic replace made while it is down), and once the daemon is back (js test nodes start
    with an empty repository) `sync` publishes it and another worker restores it."""
    program = tmp_path / "main.py"
    program.write_text(migrated_pinned(PROGRAM))
    a = Site(tmp_path / "a", own_node.api, namespace, program)
    del a.env["STORAGE_RUNTIME_STRICT"]
    try:
        assert a.run("in-place", "state.txt", V1) == "done"
        held = a.start("in-place", "state.txt", V2, "mid-write")
        own_node.stop()
        assert go(held) == "done"
        assert a.run("atomic", "model.json", V1) == "done"  # os.replace, daemon down
    finally:
        own_node.start()  # the module's other tests need it, whatever happened here
    assert a.disk() == V2 and a.row()["state"] == "pending"
    assert a.disk("model.json") == V1 and a.row("model.json")["state"] == "pending"
    assert "published: 2" in a.sync()
    client = make_client(own_node.api)
    try:
        assert entry(client, namespace) == cid(V2)
        assert entry(client, namespace, "model.json") == cid(V1)
        names = {e["Name"] for e in client.files.ls(namespace)["Entries"]}
        assert names == {"state.txt", "model.json"}  # no temp name
    finally:
        client.close()
    b = Site(tmp_path / "b", own_node.api, namespace, program)
    assert b.read() == f"read {V2}"
    assert b.read("model.json") == f"read {V1}"
