"""`storage.publish(path, pin=...)`: what a third-party writer wrote is published after it.

Real node: the file a stdlib writer the runtime never sees (tarfile, sqlite3, zipfile)
wrote is published by its path exactly as a closed write is (index row, CID of the disk
bytes, MFS entry when pinned, restorable by another worker); a folder is published as
its files; secret names, paths outside the root, missing paths and non-paths are not
recorded at all; a file open for writing through the runtime is left to its close. Fault
paths next to them: the daemon down (pending, one warning, the file untouched; strict
mode raises after recording every file), and the local backend (nothing at all).
"""

from __future__ import annotations

import io
import logging
import os
import pathlib
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from _ipfs_helpers import closed_port_api, disk_cid, mfs_cid, rows
from storage_runtime import PublishError, Storage
from storage_runtime._ipfs import IpfsBackend
from storage_runtime.config import Settings


def _tar(path: str, member: bytes) -> None:
    """A third-party writer: tarfile writes and closes `path` itself."""
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("member.bin")
        info.size = len(member)
        archive.addfile(info, io.BytesIO(member))


def _tree(folder: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".storage-runtime"]
        for name in files:
            with open(os.path.join(base, name), "rb") as f:
                out[os.path.relpath(os.path.join(base, name), folder)] = f.read()
    return out


@pytest.mark.ipfs
def test_a_file_a_third_party_writer_wrote_is_published_pinned_and_restorable(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    first = make_storage("worker1")
    root = first.settings.root
    archive = os.path.join(root, "data.tar")
    _tar(archive, b"weights" * 1000)
    database = os.path.join(root, "cache.db")
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()

    assert first.publish(archive, pin=True) is None
    assert first.publish(database, pin=False) is None

    index = rows(first.settings.index)
    assert index["data.tar"]["state"] == "published"
    assert index["data.tar"]["cid"] == disk_cid(archive)
    assert index["data.tar"]["pin"] == 1
    assert mfs_cid(ipfs_client, f"{namespace}/data.tar") == disk_cid(archive)
    assert (index["cache.db"]["state"], index["cache.db"]["pin"]) == ("published", 0)
    assert mfs_cid(ipfs_client, f"{namespace}/cache.db") is None  # cache: not in MFS

    second = make_storage("worker2")  # another worker restores it by its path
    with second.open(os.path.join(second.settings.root, "data.tar"), "rb") as f:
        assert f.read() == open(archive, "rb").read()  # noqa: SIM115


@pytest.mark.ipfs
def test_suffix_publishes_the_file_the_writer_named(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    root = storage.settings.root
    with open(os.path.join(root, "arr.npy"), "wb") as f:  # what np.save("arr", a) writes
        f.write(b"\x93NUMPY")
    with open(os.path.join(root, "kept.npy"), "wb") as f:
        f.write(b"kept")
    storage.publish(os.path.join(root, "arr"), pin=True, suffix=".npy")
    storage.publish(os.fsencode(os.path.join(root, "kept.npy")), pin=True, suffix=".npy")
    index = rows(storage.settings.index)
    assert set(index) == {"arr.npy", "kept.npy"}  # never "kept.npy.npy", never "arr"
    assert mfs_cid(ipfs_client, f"{namespace}/arr.npy") == disk_cid(os.path.join(root, "arr.npy"))


@pytest.mark.ipfs
def test_a_folder_is_published_as_its_files(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str, tmp_path: Any
) -> None:
    storage = make_storage()
    root = storage.settings.root
    source = tmp_path / "src.zip"
    with zipfile.ZipFile(source, "w") as z:  # extracted by zipfile, not the runtime
        z.writestr("model/config.json", "{}")
        z.writestr("model/shards/part-0.bin", b"0" * 300_000)
        z.writestr("model/.env", "TOKEN=x")  # secret-looking: never published
    with zipfile.ZipFile(source) as z:
        z.extractall(root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text("outside the root")
    os.symlink(outside, os.path.join(root, "model", "linked"))  # a folder link: not walked
    os.symlink(os.path.join(root, "nowhere"), os.path.join(root, "model", "broken"))

    storage.publish(os.path.join(root, "model"), pin=True)

    index = rows(storage.settings.index)
    assert set(index) == {"model/config.json", "model/shards/part-0.bin"}
    for rel in index:
        assert index[rel]["state"] == "published"
        assert mfs_cid(ipfs_client, f"{namespace}/{rel}") == disk_cid(os.path.join(root, rel))


@pytest.mark.ipfs
def test_a_folder_published_again_sends_only_what_changed(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """`save_pretrained(d)` into a folder that holds earlier shards, and the nested saves
    of one folder (config, then weights, then generation config): a file published as it
    is on disk is not read and sent again; a rewritten one is, as is one asked with
    another pin, and one whose stat changed with the same size."""
    storage = make_storage()
    model = os.path.join(storage.settings.root, "model")
    os.makedirs(model)
    files = {"shard.bin": b"w" * 200_000, "config.json": b"{}", "vocab.txt": b"a\nb\n"}
    for name, data in files.items():
        with open(os.path.join(model, name), "wb") as f:
            f.write(data)
    storage.publish(model, pin=False)
    before = rows(storage.settings.index)
    assert {r["state"] for r in before.values()} == {"published"}

    with open(os.path.join(model, "config.json"), "wb") as f:  # rewritten: new bytes
        f.write(b'{"v": 2}')
    stamp = os.stat(os.path.join(model, "vocab.txt")).st_mtime_ns
    os.utime(os.path.join(model, "vocab.txt"), ns=(stamp + 10**9, stamp + 10**9))
    storage.publish(model, pin=False)

    after = rows(storage.settings.index)
    assert after["model/shard.bin"]["gen"] == before["model/shard.bin"]["gen"]
    assert after["model/shard.bin"]["updated"] == before["model/shard.bin"]["updated"]
    for rel in ("model/config.json", "model/vocab.txt"):  # sent again
        assert after[rel]["gen"] > before[rel]["gen"]
        assert after[rel]["state"] == "published"
        assert after[rel]["cid"] == disk_cid(os.path.join(storage.settings.root, rel))

    storage.publish(model, pin=True)  # another pin: every file is published again
    pinned = rows(storage.settings.index)
    assert {(r["state"], r["pin"]) for r in pinned.values()} == {("published", 1)}
    assert mfs_cid(ipfs_client, f"{namespace}/model/shard.bin") == disk_cid(
        os.path.join(model, "shard.bin")
    )


@pytest.mark.ipfs
def test_nothing_is_recorded_for_what_the_writer_did_not_write(
    make_storage: Callable[..., Any], tmp_path: Any
) -> None:
    storage = make_storage()
    root = storage.settings.root
    with open(os.path.join(root, "id_rsa"), "w") as f:  # secret-looking
        f.write("key")
    (tmp_path / "elsewhere.txt").write_text("outside the root")
    for path in (
        os.path.join(root, "missing.csv"),  # the writer wrote elsewhere (a URL, a buffer)
        "s3://bucket/key.csv",
        None,
        io.BytesIO(b"buffer"),
        3,
        object(),
        os.path.join(root, "id_rsa"),
        str(tmp_path / "elsewhere.txt"),
        root,  # the root itself is never walked
        "/proc/self",
        "bad\0name",
    ):
        assert storage.publish(path, pin=True) is None
    assert rows(storage.settings.index) == {}


@pytest.mark.ipfs
def test_a_custom_pathlike_or_a_mock_is_left_alone_not_asked_for_its_path(
    make_storage: Callable[..., Any],
) -> None:
    """The runtime publishes after the program's call on its own account: it must not call
    a `__fspath__` the program never called (a Mock records it in `mock_calls`; a
    PathLike may count or compute). str, bytes and plain pathlib paths only."""
    storage = make_storage()
    target = os.path.join(storage.settings.root, "written.csv")
    with open(target, "w") as f:
        f.write("a,b\n")

    class Counting:
        calls = 0

        def __fspath__(self) -> str:
            Counting.calls += 1
            return target

    writer = mock.MagicMock()
    for path in (Counting(), writer.name):
        assert storage.publish(path, pin=True) is None
        assert storage.restored(path) is path
    assert Counting.calls == 0
    assert writer.mock_calls == []
    assert rows(storage.settings.index) == {}
    storage.publish(pathlib.Path(target), pin=True)  # the plain spelling is published
    assert set(rows(storage.settings.index)) == {"written.csv"}


@pytest.mark.ipfs
def test_a_file_open_for_writing_through_the_runtime_is_left_to_its_close(
    make_storage: Callable[..., Any],
) -> None:
    storage = make_storage()
    path = os.path.join(storage.settings.root, "log.txt")
    handle = storage.open(path, "w", pin=True)
    handle.write("first half\n")
    handle.flush()
    storage.publish(path, pin=True)  # busy: never the half-written file
    row = rows(storage.settings.index)["log.txt"]
    assert row["state"] != "published"
    handle.write("second half\n")
    handle.close()
    row = rows(storage.settings.index)["log.txt"]
    assert (row["state"], row["cid"]) == ("published", disk_cid(path))


@pytest.mark.ipfs
def test_a_replaced_builtin_open_publishes_nothing(make_storage: Callable[..., Any]) -> None:
    storage = make_storage()
    path = os.path.join(storage.settings.root, "old.csv")
    with open(path, "w") as f:
        f.write("stale: not what the mocked writer wrote")
    with mock.patch("builtins.open", mock.mock_open()):
        storage.publish(path, pin=True)
    assert rows(storage.settings.index) == {}


@pytest.mark.ipfs
def test_module_level_publish_uses_the_default_instance(
    ipfs_api: str, namespace: str, tmp_path: Any, ipfs_client: Any
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    program = (
        "import tarfile, storage_runtime\n"
        "with tarfile.open('out.tar', 'w'):\n"
        "    pass\n"
        "print(storage_runtime.publish('out.tar', pin=True))\n"
    )
    env = {**os.environ, "STORAGE_RUNTIME_BACKEND": "ipfs", "STORAGE_RUNTIME_API": ipfs_api,
           "STORAGE_RUNTIME_ROOT": str(root), "STORAGE_RUNTIME_NAMESPACE": namespace}
    env.pop("STORAGE_RUNTIME_INDEX", None)
    done = subprocess.run([sys.executable, "-c", program], cwd=root, env=env, text=True,
                          capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "None\n"), done.stderr
    assert mfs_cid(ipfs_client, f"{namespace}/out.tar") == disk_cid(str(root / "out.tar"))


# -- fault paths and the local backend --------------------------------------------------


def _down_storage(tmp_path: Any, **overrides: Any) -> Storage:
    (tmp_path / "root").mkdir(exist_ok=True)
    settings = Settings(backend="ipfs", root=str(tmp_path / "root"), api=closed_port_api(),
                        timeout=2.0, **overrides)
    return Storage(settings, backend_impl=IpfsBackend(settings, drain_on_start=False))


def test_daemon_down_leaves_the_files_pending_and_the_program_unaffected(
    tmp_path: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage_runtime._ipfs as ipfs

    monkeypatch.setattr(ipfs, "_warned", set())
    storage = _down_storage(tmp_path)
    root = storage.settings.root
    _tar(os.path.join(root, "a.tar"), b"a")
    os.makedirs(os.path.join(root, "d"))
    _tar(os.path.join(root, "d", "b.tar"), b"b")
    before = _tree(root)
    with caplog.at_level(logging.WARNING, logger="storage_runtime"):
        assert storage.publish(os.path.join(root, "a.tar"), pin=True) is None
        assert storage.publish(os.path.join(root, "d"), pin=True) is None
    assert _tree(root) == before
    index = rows(storage.settings.index)
    assert {rel: row["state"] for rel, row in index.items()} == {
        "a.tar": "pending", "d/b.tar": "pending"}
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_strict_mode_records_every_file_then_raises(tmp_path: Any) -> None:
    storage = _down_storage(tmp_path, strict=True)
    root = storage.settings.root
    os.makedirs(os.path.join(root, "d"))
    for name in ("x.tar", "y.tar"):
        _tar(os.path.join(root, "d", name), name.encode())
    with pytest.raises(PublishError):
        storage.publish(os.path.join(root, "d"), pin=True)
    index = rows(storage.settings.index)
    assert {rel: row["state"] for rel, row in index.items()} == {
        "d/x.tar": "pending", "d/y.tar": "pending"}


def test_the_local_backend_does_nothing(tmp_path: Any) -> None:
    storage = Storage(Settings(root=str(tmp_path)))
    _tar(str(tmp_path / "a.tar"), b"a")
    before = _tree(str(tmp_path))
    for path in (str(tmp_path / "a.tar"), str(tmp_path), str(tmp_path / "missing"), None):
        assert storage.publish(path, pin=True) is None
    assert _tree(str(tmp_path)) == before
    assert not (tmp_path / ".storage-runtime").exists()
