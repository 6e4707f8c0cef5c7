"""The ipfs backend against the real test node: publish, pin vs cache, MFS, restore."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import disk_cid, has_content, mfs_cid, rows
from storage_runtime._cid import CHUNK_SIZE, IMPORT_OPTS, cid_of_bytes, normalize_cid
from storage_runtime._ipfs_errors import RestoreRefused

pytestmark = pytest.mark.ipfs


def test_publish_records_cid_of_disk_bytes_and_places_pinned_in_mfs(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    root = storage.settings.root
    with storage.open(os.path.join(root, "out.txt"), "w", pin=True) as f:
        f.write("pinned report\n" * 100)
    big = os.urandom(CHUNK_SIZE * 2 + 17)  # a dag-pb tree, not a single raw block
    os.makedirs(os.path.join(root, "data"))
    storage.write_bytes(Path(os.path.join(root, "data", "blob.bin")), big, pin=True)
    storage.write_text(Path(os.path.join(root, "cache.txt")), "cache", pin=False)

    index = rows(storage.settings.index)
    assert set(index) == {"out.txt", "data/blob.bin", "cache.txt"}
    for rel, row in index.items():
        assert row["state"] == "published"
        assert row["cid"] == disk_cid(os.path.join(root, rel))
        assert row["size"] == os.path.getsize(os.path.join(root, rel))
    assert index["data/blob.bin"]["cid"] == cid_of_bytes(big)
    assert index["data/blob.bin"]["cid"].startswith("bafybei")  # dag-pb root
    assert (index["out.txt"]["pin"], index["cache.txt"]["pin"]) == (1, 0)
    assert mfs_cid(ipfs_client, f"{namespace}/out.txt") == index["out.txt"]["cid"]
    assert mfs_cid(ipfs_client, f"{namespace}/data/blob.bin") == cid_of_bytes(big)
    assert mfs_cid(ipfs_client, f"{namespace}/cache.txt") is None
    assert ipfs_client.cat(index["data/blob.bin"]["cid"]) == big


def test_second_storage_with_empty_folder_restores_pinned_file_by_path(
    make_storage: Callable[..., Any],
) -> None:
    first = make_storage("worker1")
    obj = {"weights": list(range(50)), "name": "model"}
    os.makedirs(os.path.join(first.settings.root, "models"))
    first.dump_json(obj, os.path.join(first.settings.root, "models", "m.json"), pin=True)
    first.write_text(Path(os.path.join(first.settings.root, "scratch.txt")), "c", pin=False)

    second = make_storage("worker2")  # same namespace, other root, other index
    root2 = second.settings.root
    assert os.listdir(root2) == []
    assert second.load_json(os.path.join(root2, "models", "m.json")) == obj
    with pytest.raises(FileNotFoundError):  # cache files are not in the shared namespace
        second.read_text(Path(os.path.join(root2, "scratch.txt")))
    restored = rows(second.settings.index)
    assert restored["models/m.json"]["origin"] == "restored"
    assert restored["models/m.json"]["cid"] == disk_cid(os.path.join(root2, "models", "m.json"))
    assert not [n for n in os.listdir(os.path.join(root2, "models")) if "sr-restore" in n]
    mode = os.stat(os.path.join(root2, "models", "m.json")).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_a_file_this_machine_wrote_and_deleted_stays_deleted(
    make_storage: Callable[..., Any],
) -> None:
    storage = make_storage()
    path = os.path.join(storage.settings.root, "gone.txt")
    storage.write_text(Path(path), "soon deleted", pin=True)
    os.remove(path)
    with pytest.raises(FileNotFoundError):
        storage.read_text(Path(path))
    assert not os.path.exists(path)


def test_rewrites_replace_the_mfs_entry_and_a_cache_rewrite_removes_it(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    path = os.path.join(storage.settings.root, "state.txt")
    storage.write_text(Path(path), "v1", pin=True)
    storage.write_text(Path(path), "v2", pin=True)
    assert mfs_cid(ipfs_client, f"{namespace}/state.txt") == cid_of_bytes(b"v2")
    storage.write_text(Path(path), "v3", pin=False)
    assert mfs_cid(ipfs_client, f"{namespace}/state.txt") is None
    assert rows(storage.settings.index)["state.txt"]["cid"] == cid_of_bytes(b"v3")


def test_secret_looking_paths_are_never_published(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    root = storage.settings.root
    secret = os.urandom(64)
    names = [".env", "id_rsa", "server.pem", "credentials.json", os.path.join(".ssh", "config")]
    os.makedirs(os.path.join(root, ".ssh"))
    for name in names:
        storage.write_bytes(Path(os.path.join(root, name)), secret, pin=True)
        # Even a caller that bypasses Storage's filter cannot make the backend publish it.
        storage.backend.after_write(os.path.join(root, name), pin=True)
    assert rows(storage.settings.index) == {}
    assert mfs_cid(ipfs_client, namespace) is None
    assert not has_content(ipfs_client, cid_of_bytes(secret))


def test_restore_limited_to_pinned_entries_of_listed_namespaces(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    trusted = namespace + "-trusted"
    # An unpinned entry planted in the trusted namespace, and a pinned one.
    loose = ipfs_client.add(io.BytesIO(b"unpinned"), pin=False, cid_version=1,
                            raw_leaves=True, opts=IMPORT_OPTS)["Hash"]
    ipfs_client.files.mkdir(trusted, parents=True)
    ipfs_client.files.cp(f"/ipfs/{loose}", f"{trusted}/loose.txt")
    writer = make_storage("writer", namespace=trusted)
    writer.write_text(Path(os.path.join(writer.settings.root, "ok.txt")), "pinned", pin=True)
    # Something only in the default namespace, which is not listed.
    other = make_storage("other")
    other.write_text(Path(os.path.join(other.settings.root, "elsewhere.txt")), "x", pin=True)

    reader = make_storage("reader", restore_namespaces=(trusted,), restore_pinned_only=True)
    root = reader.settings.root
    assert reader.read_text(Path(os.path.join(root, "ok.txt"))) == "pinned"
    with pytest.raises(RestoreRefused, match="not pinned"):
        reader.backend.before_read(os.path.join(root, "loose.txt"))
    assert not os.path.exists(os.path.join(root, "loose.txt"))
    with pytest.raises(FileNotFoundError):
        reader.read_text(Path(os.path.join(root, "elsewhere.txt")))
    assert normalize_cid(loose) == cid_of_bytes(b"unpinned")
