"""The shared namespace's consistency model, with three worker processes on the real node.

Each worker is a separate process (`_ns_worker.py`) with its own root and index; all
share one MFS namespace (README, "The shared namespace: consistency model"):
- a file open for writing is never published (no torn version reaches another worker);
- a cache write (`ab`, `r+b`, a cache helper write) never removes another worker's pinned
  entry; a worker's own pinned file rewritten as cache leaves the namespace, also when the
  rewrite happened with the daemon down;
- the last pinned publish of a path wins; one pin per path, superseded versions collected;
- `replace` moves the namespace entry to the destination; `remove` drops it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _ipfs_helpers import (
    Failure,
    OwnNode,
    Worker,
    closed_port_api,
    has_content,
    is_pinned,
    local_blocks,
    make_client,
    mfs_cid,
    recursive_pins,
    rows,
    run_cli,
)
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs
MISSING = Failure("FileNotFoundError", "")


@pytest.fixture
def u(namespace: str) -> Callable[[str], str]:
    """`u(text)`: `text` made unique to this test (the shared node keeps pins and content
    across tests, so a check of "not pinned" must be about bytes only this test wrote)."""
    return lambda text: f"{text} [{namespace}]"


def cid(text: str) -> str:
    return cid_of_bytes(text.encode())


# -- item 1: a file open for writing is never published ---------------------------------------


def test_sync_while_a_pinned_file_is_open_never_publishes_the_half_file(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str
) -> None:
    a, b, c = workers("a"), workers("b"), workers("c")
    v1 = '{"epoch": 1, "weights": [1, 2, 3]}'
    # Unique bytes per run: the node keeps content across tests.
    half, rest = f'{{"epoch": 2, "run": "{namespace}", "weights": [', '4, 5, 6]}'
    assert a.call("write", rel="ckpt.json", data=v1, pin=True) is None
    assert a.call("begin", rel="ckpt.json", data=half, pin=True) is None

    report = a.call("run_sync")  # sync's stale-file check sees a changed file
    assert (report["published"], report["stale"]) == (0, 0)  # skipped: open for writing
    cli = run_cli(["sync"], a.env)  # and from another process of that machine
    assert cli.returncode == 0, cli.stderr
    assert "published: 0" in cli.stdout
    assert mfs_cid(ipfs_client, f"{namespace}/ckpt.json") == cid(v1)
    assert not has_content(ipfs_client, cid(half))  # the torn bytes never reached the node
    assert b.call("read", rel="ckpt.json") == v1  # B restores the last complete version

    assert a.call("finish", rel="ckpt.json", data=rest) is None
    assert mfs_cid(ipfs_client, f"{namespace}/ckpt.json") == cid(half + rest)
    assert c.call("read", rel="ckpt.json") == half + rest
    assert a.call("run_sync")["remaining"] == 0
    assert not has_content(ipfs_client, cid(half))


def test_a_second_writer_process_open_on_the_path_defers_the_first_close(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str, tmp_path: Any
) -> None:
    # Two processes of one machine (same root and index) append to one log: the first
    # close must not publish while the other still has it open half written.
    a1, a2, b = workers("a"), workers("a"), workers("b")
    assert a1.call("write", rel="log.txt", data="start\n", pin=True) is None
    assert a2.call("begin", rel="log.txt", data="half-li", pin=True, mode="ab") is None
    assert a1.call("append", rel="log.txt", data="one\n", pin=True) is None
    assert mfs_cid(ipfs_client, f"{namespace}/log.txt") == cid("start\n")
    assert rows(str(tmp_path / "a" / ".storage-runtime" / "index.sqlite3"))["log.txt"][
        "state"] == "pending"
    assert a2.call("finish", rel="log.txt", data="ne\n") is None
    whole = "start\nhalf-lione\nne\n"
    assert mfs_cid(ipfs_client, f"{namespace}/log.txt") == cid(whole)
    assert b.call("read", rel="log.txt") == whole


# -- item 2: a cache write never removes another worker's pinned entry ------------------------


@pytest.mark.parametrize("how", ["append", "lock_only", "helper"])
def test_a_cache_write_by_another_worker_keeps_the_pinned_entry(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str, how: str,
    u: Callable[[str], str],
) -> None:
    a, b, c = workers("a"), workers("b"), workers("c")
    model = u("weights-v1") * 100
    a.call("write", rel="model.bin", data=model, pin=True)
    assert b.call("read", rel="model.bin") == model  # restored (recorded as pinned)
    if how == "append":
        assert b.call("append", rel="model.bin", data="+local", pin=False) is None
    elif how == "lock_only":
        assert b.call("lock_only", rel="model.bin", pin=False) is None
    else:
        assert b.call("write", rel="model.bin", data="local", pin=False, how="helper") is None
    assert mfs_cid(ipfs_client, f"{namespace}/model.bin") == cid(model)
    assert is_pinned(ipfs_client, cid(model))
    assert c.call("read", rel="model.bin") == model


def test_a_workers_own_pinned_file_rewritten_as_cache_leaves_the_namespace(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str,
    u: Callable[[str], str],
) -> None:
    a, c = workers("a"), workers("c")
    a.call("write", rel="scratch.bin", data=u("v1"), pin=True)
    assert mfs_cid(ipfs_client, f"{namespace}/scratch.bin") == cid(u("v1"))
    a.call("write", rel="scratch.bin", data=u("v2 cache"), pin=False)
    assert mfs_cid(ipfs_client, f"{namespace}/scratch.bin") is None
    assert not is_pinned(ipfs_client, cid(u("v1")))
    assert c.call("read", rel="scratch.bin") == MISSING


def test_a_newer_pinned_version_from_another_worker_survives_a_cache_rewrite(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str,
    u: Callable[[str], str],
) -> None:
    a, b, c = workers("a"), workers("b"), workers("c")
    a.call("write", rel="shared.txt", data=u("from a"), pin=True)
    b.call("write", rel="shared.txt", data=u("from b"), pin=True)  # the last pin wins
    assert mfs_cid(ipfs_client, f"{namespace}/shared.txt") == cid(u("from b"))
    assert not is_pinned(ipfs_client, cid(u("from a")))  # superseded: unpinned
    a.call("write", rel="shared.txt", data=u("a's cache"), pin=False)  # A placed "from a" only
    assert mfs_cid(ipfs_client, f"{namespace}/shared.txt") == cid(u("from b"))
    assert c.call("read", rel="shared.txt") == u("from b")


def test_pinned_file_rewritten_as_cache_while_the_daemon_is_down_leaves_after_sync(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str, ipfs_api: str,
    u: Callable[[str], str],
) -> None:
    a = workers("a")
    a.call("write", rel="ckpt.bin", data=u("v1 pinned"), pin=True)
    a.close()
    down = workers("a", api=closed_port_api())  # the same root and index, no daemon
    assert down.call("write", rel="ckpt.bin", data=u("v2 cache"), pin=False) is None
    down.close()
    assert mfs_cid(ipfs_client, f"{namespace}/ckpt.bin") == cid(u("v1 pinned"))
    again = workers("a")
    report = again.call("run_sync")
    assert (report["published"], report["remaining"]) == (1, 0)
    assert mfs_cid(ipfs_client, f"{namespace}/ckpt.bin") is None
    assert not is_pinned(ipfs_client, cid(u("v1 pinned")))
    assert workers("c").call("read", rel="ckpt.bin") == MISSING


# -- item 6: replace and remove ----------------------------------------------------------------


def test_replace_of_a_tmp_file_publishes_the_destination_not_the_tmp(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str,
    u: Callable[[str], str],
) -> None:
    a, b, c = workers("a"), workers("b"), workers("c")
    a.call("write", rel="model.json", data=u('{"v": 1}'), pin=True)
    assert b.call("read", rel="model.json") == u('{"v": 1}')
    a.call("write", rel="model.json.tmp", data=u('{"v": 2}'), pin=True)
    assert a.call("replace", src="model.json.tmp", dst="model.json") is None
    assert mfs_cid(ipfs_client, f"{namespace}/model.json") == cid(u('{"v": 2}'))
    assert mfs_cid(ipfs_client, f"{namespace}/model.json.tmp") is None
    assert not is_pinned(ipfs_client, cid(u('{"v": 1}')))
    assert c.call("read", rel="model.json") == u('{"v": 2}')
    assert c.call("read", rel="model.json.tmp") == MISSING
    assert b.call("read", rel="model.json") == u('{"v": 1}')  # B's own copy stays B's


def test_replace_of_a_cache_tmp_onto_a_pinned_file_keeps_the_pin_of_the_call(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str,
    u: Callable[[str], str],
) -> None:
    a, c = workers("a"), workers("c")
    a.call("write", rel="out.json.tmp", data=u("new"), pin=False)
    assert a.call("replace", src="out.json.tmp", dst="out.json", pin=True) is None
    assert mfs_cid(ipfs_client, f"{namespace}/out.json") == cid(u("new"))
    assert is_pinned(ipfs_client, cid(u("new")))
    assert c.call("read", rel="out.json") == u("new")


def test_remove_propagates_and_spares_a_newer_version(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str,
    u: Callable[[str], str],
) -> None:
    a, b, c = workers("a"), workers("b"), workers("c")
    a.call("write", rel="gone.txt", data=u("old"), pin=True)
    assert b.call("read", rel="gone.txt") == u("old")
    assert a.call("remove", rel="gone.txt") is None
    assert mfs_cid(ipfs_client, f"{namespace}/gone.txt") is None
    assert not is_pinned(ipfs_client, cid(u("old")))
    assert c.call("read", rel="gone.txt") == MISSING
    assert a.call("read", rel="gone.txt") == MISSING  # stays deleted here too

    # B restored "kept.txt", then A pinned a newer version: B's removal drops only the
    # version B knew, so A's newer one stays.
    a.call("write", rel="kept.txt", data=u("v1"), pin=True)
    assert b.call("read", rel="kept.txt") == u("v1")
    a.call("write", rel="kept.txt", data=u("v2"), pin=True)
    assert b.call("remove", rel="kept.txt") is None
    assert mfs_cid(ipfs_client, f"{namespace}/kept.txt") == cid(u("v2"))
    assert c.call("read", rel="kept.txt") == u("v2")

    # B removes a restored file nobody changed since: the removal propagates.
    a.call("write", rel="shared.txt", data=u("s"), pin=True)
    assert b.call("read", rel="shared.txt") == u("s")
    assert b.call("remove", rel="shared.txt") is None
    assert mfs_cid(ipfs_client, f"{namespace}/shared.txt") is None


def test_a_removal_with_the_daemon_down_is_completed_by_sync(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str,
    u: Callable[[str], str],
) -> None:
    a = workers("a")
    a.call("write", rel="doomed.txt", data=u("doomed"), pin=True)
    a.close()
    down = workers("a", api=closed_port_api())
    assert down.call("remove", rel="doomed.txt") is None  # the program's call succeeds
    down.close()
    assert mfs_cid(ipfs_client, f"{namespace}/doomed.txt") == cid(u("doomed"))
    report = workers("a").call("run_sync")
    assert report["dropped"] == 1
    assert mfs_cid(ipfs_client, f"{namespace}/doomed.txt") is None
    assert workers("c").call("read", rel="doomed.txt") == MISSING


# -- item 5: bounded pinned storage --------------------------------------------------------------


@pytest.fixture(scope="module")
def own_node(ipfs_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnNode]:
    # A private node: this test counts every pin on the node and runs repo/gc.
    node = OwnNode(str(tmp_path_factory.mktemp("ns-node")))
    node.start()
    yield node
    node.stop()


def test_rewrites_by_three_workers_keep_one_pin_and_gc_collects_the_rest(
    workers: Callable[..., Worker], own_node: OwnNode, namespace: str
) -> None:
    client = make_client(own_node.api)
    ws = [workers(n, api=own_node.api) for n in ("a", "b", "c")]
    versions = [f"version {i} " * 200 for i in range(21)]
    for i, text in enumerate(versions[:20]):
        ws[i % 3].call("write", rel="ckpt/model.bin", data=text, pin=True,
                       how="helper" if i % 2 else "open")
        assert mfs_cid(client, f"{namespace}/ckpt/model.bin") == cid(text)
        assert recursive_pins(client) == {cid(text)}
    last = ws[19 % 3]
    last.call("write", rel="ckpt/model.bin", data=versions[20], pin=False)  # cache rewrite
    assert mfs_cid(client, f"{namespace}/ckpt/model.bin") is None
    assert recursive_pins(client) == set()
    blocks = local_blocks(client)
    assert {cid(text) for text in versions} <= blocks  # all there before the gc
    client.repo.gc()
    assert {cid(text) for text in versions} & local_blocks(client) == set()
    client.close()


def test_reindex_keeps_what_the_worker_placed(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str, tmp_path: Any,
    u: Callable[[str], str],
) -> None:
    a = workers("a")
    a.call("write", rel="kept.bin", data=u("pinned by a"), pin=True)
    a.close()
    index = tmp_path / "a" / ".storage-runtime" / "index.sqlite3"
    for side in ("", "-wal", "-shm"):
        if os.path.exists(f"{index}{side}"):
            os.remove(f"{index}{side}")
    result = run_cli(["reindex"], a.env)
    assert result.returncode == 0, result.stderr
    again = workers("a")
    again.call("write", rel="kept.bin", data=u("now a cache file"), pin=False)
    assert mfs_cid(ipfs_client, f"{namespace}/kept.bin") is None  # still known as ours


def test_a_killed_writer_does_not_leave_its_file_marked_open(
    workers: Callable[..., Worker], ipfs_client: Any, namespace: str, tmp_path: Any,
    u: Callable[[str], str],
) -> None:
    # The kernel drops the writer's lock with the process: the next sync is not blocked
    # forever; it publishes what the killed writer left on disk (the model's stated limit).
    a = workers("a")
    a.call("write", rel="log.txt", data=u("v1"), pin=True)
    assert a.call("begin", rel="log.txt", data=u("left half"), pin=True) is None
    assert a.call("run_sync")["published"] == 0  # open: skipped
    a.proc.kill()
    a.proc.wait()
    result = run_cli(["sync"], a.env)
    assert result.returncode == 0, result.stderr
    assert "published: 1" in result.stdout
    assert mfs_cid(ipfs_client, f"{namespace}/log.txt") == cid(u("left half"))
