"""In-place writes on the real node: the write helpers write as pathlib/builtin open do
(same inode, hard links see it) and the result is still published; a half-serialised
dump is not; a read/write open that changed nothing publishes nothing, and a `w` open that
wrote nothing publishes the empty file it left."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import disk_cid, mfs_cid, rows
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs


def test_helpers_write_in_place_and_publish(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    root = Path(storage.settings.root)
    target = root / "model.json"
    target.write_text("{}")
    os.link(target, root / "alias.json")  # outside the namespace's concern: a hard link
    inode = target.stat().st_ino

    storage.write_text(target, '{"v": 1}', pin=True)
    assert target.stat().st_ino == inode and (root / "alias.json").read_text() == '{"v": 1}'
    row = rows(storage.settings.index)["model.json"]
    assert (row["state"], row["pin"], row["cid"]) == ("published", 1, disk_cid(str(target)))
    assert mfs_cid(ipfs_client, f"{namespace}/model.json") == cid_of_bytes(b'{"v": 1}')

    storage.dump_json({"v": 2}, target, pin=True)
    assert target.stat().st_ino == inode and (root / "alias.json").read_text() == '{"v": 2}'
    assert mfs_cid(ipfs_client, f"{namespace}/model.json") == cid_of_bytes(b'{"v": 2}')

    storage.write_bytes(root / "blob.bin", b"\x00" * 1000, pin=True)
    storage.dump_pickle([1, 2], str(root / "list.pkl"), pin=True)
    published = rows(storage.settings.index)
    for rel in ("blob.bin", "list.pkl"):
        assert published[rel]["cid"] == disk_cid(str(root / rel))
        assert mfs_cid(ipfs_client, f"{namespace}/{rel}") == published[rel]["cid"]


def test_a_half_serialised_dump_is_left_on_disk_and_not_published(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    target = Path(storage.settings.root) / "state.json"
    storage.dump_json({"epoch": 1}, target, pin=True)
    with pytest.raises(TypeError, match="not JSON serializable"):
        storage.dump_json({"epoch": 2, "weights": object()}, target, pin=True)
    assert target.read_text() == '{"epoch": 2, "weights": '  # what the original leaves
    assert mfs_cid(ipfs_client, f"{namespace}/state.json") == cid_of_bytes(b'{"epoch": 1}')
    assert json.loads(ipfs_client.cat(mfs_cid(ipfs_client, f"{namespace}/state.json"))) == {
        "epoch": 1
    }


def test_read_write_open_that_changes_nothing_publishes_nothing(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    target = Path(storage.settings.root) / "weights.bin"
    storage.write_bytes(target, b"pinned weights", pin=True)
    before = rows(storage.settings.index)["weights.bin"]
    pinned_cid = mfs_cid(ipfs_client, f"{namespace}/weights.bin")
    assert pinned_cid == cid_of_bytes(b"pinned weights")

    with storage.open(target, "r+b", pin=False) as f:  # opened only to lock and read
        fcntl.flock(f, fcntl.LOCK_EX)
        assert f.read() == b"pinned weights"
        fcntl.flock(f, fcntl.LOCK_UN)
    with storage.path_open(target, "ab", pin=False):
        pass
    assert rows(storage.settings.index)["weights.bin"] == before  # no re-upload, still pinned
    assert mfs_cid(ipfs_client, f"{namespace}/weights.bin") == pinned_cid

    with storage.open(target, "r+b", pin=True) as f:
        f.write(b"P")
    after = rows(storage.settings.index)["weights.bin"]
    assert after["cid"] == cid_of_bytes(b"Pinned weights") == disk_cid(str(target))
    assert mfs_cid(ipfs_client, f"{namespace}/weights.bin") == after["cid"]


def test_a_write_open_that_wrote_nothing_publishes_the_empty_file(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    target = Path(storage.settings.root) / "log.txt"
    storage.write_text(target, "old log", pin=True)
    with storage.open(target, "w", pin=True):
        pass  # truncated: the namespace must not keep serving the old content
    assert target.read_bytes() == b""
    assert rows(storage.settings.index)["log.txt"]["cid"] == cid_of_bytes(b"")
    assert mfs_cid(ipfs_client, f"{namespace}/log.txt") == cid_of_bytes(b"")

