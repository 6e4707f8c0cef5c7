"""Exclusive creation of a pinned path as an atomic claim (`storage_runtime/_claim.py`),
in one process on the real node: what a lost claim leaves (nothing of its own), the
error it raises (the builtin's), what is left alone (cache writes, a folder in the
namespace), and the daemon down (no claim possible: the create stands, the write is
published later, as before). The race between processes: test_exclusive_claim_workers.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import closed_port_api, is_pinned, mfs_cid, rows
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs

EMPTY = cid_of_bytes(b"")


def _builtin_refusal(tmp_path: Path, arg: Any) -> OSError:
    """What builtin open(arg, "x") raises for an existing file (run where `arg` exists)."""
    here = os.getcwd()
    folder = tmp_path / "builtin"
    folder.mkdir(exist_ok=True)
    os.chdir(folder)
    try:
        Path(os.fsdecode(arg)).write_text("")
        try:
            open(arg, "x")  # noqa: SIM115 - it raises
        except FileExistsError as exc:
            return exc
        raise AssertionError("builtin open(x) of an existing file succeeded")
    finally:
        os.chdir(here)


@pytest.mark.parametrize("kind", [str, bytes, Path])
def test_a_lost_claim_undoes_its_create_and_raises_the_builtin_s_error(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str, tmp_path: Path,
    kind: Any,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    held = a.open(os.path.join(a.settings.root, "job"), "x", pin=True)
    held.write("from A")
    assert mfs_cid(ipfs_client, f"{namespace}/job") == EMPTY  # a's claim, while it writes
    here = os.getcwd()
    os.chdir(b.settings.root)
    try:
        arg = kind(b"job") if kind is bytes else kind("job")
        with pytest.raises(FileExistsError) as raised:
            b.open(arg, "x", pin=True)
    finally:
        os.chdir(here)
    builtin = _builtin_refusal(tmp_path, arg)
    got = raised.value
    assert (type(got), got.errno, got.strerror, got.filename, str(got)) == (
        type(builtin), builtin.errno, builtin.strerror, builtin.filename, str(builtin))
    assert os.listdir(b.settings.root) == [".storage-runtime"]  # nothing of b's left
    assert "job" not in rows(b.settings.index)
    assert mfs_cid(ipfs_client, f"{namespace}/job") == EMPTY
    held.close()
    assert mfs_cid(ipfs_client, f"{namespace}/job") == cid_of_bytes(b"from A")
    with b.open(os.path.join(b.settings.root, "job")) as f:
        assert f.read() == "from A"


def test_a_lock_file_claimed_in_a_retry_loop_is_taken_once_its_holder_removes_it(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    """`open(lock, "x")` in a retry loop on a pinned path, as on one shared disk: refused
    while the holder's lock (here with content: its pid) is in the namespace, taken once
    the holder removes it. Before, the refusal restored the holder's file here (a
    restore is taken once), and the loop waited for good."""
    a, b = make_storage("a"), make_storage("b")
    with a.open(os.path.join(a.settings.root, "lock"), "x", pin=True) as f:
        f.write("pid 1")
    path = Path(b.settings.root, "lock")
    for _ in range(2):
        with pytest.raises(FileExistsError):
            b.open(path, "x", pin=True)
        with pytest.raises(FileExistsError):
            b.path_touch(path, exist_ok=False, pin=True)
    assert not path.exists()  # nothing kept: a read would restore it (below)
    a.remove(os.path.join(a.settings.root, "lock"))
    assert mfs_cid(ipfs_client, f"{namespace}/lock") is None
    with b.open(path, "x", pin=True) as f:
        f.write("pid 2")
    assert mfs_cid(ipfs_client, f"{namespace}/lock") == cid_of_bytes(b"pid 2")
    c = make_storage("c")
    with pytest.raises(FileExistsError):
        c.open(os.path.join(c.settings.root, "lock"), "x", pin=True)
    assert c.read_text(Path(c.settings.root, "lock")) == "pid 2"


def test_a_lost_exclusive_touch_leaves_nothing_and_raises_pathlib_s_error(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    held = a.open(os.path.join(a.settings.root, "flag"), "xb", pin=True)
    path = Path(b.settings.root, "flag")
    with pytest.raises(FileExistsError) as raised:
        b.path_touch(path, exist_ok=False, pin=True)
    path.write_text("")
    with pytest.raises(FileExistsError) as plain:
        path.touch(exist_ok=False)
    path.unlink()
    got, want = raised.value, plain.value
    assert (got.errno, got.strerror, got.filename, str(got)) == (
        want.errno, want.strerror, want.filename, str(want))
    assert not path.exists() and "flag" not in rows(b.settings.index)
    held.close()
    assert mfs_cid(ipfs_client, f"{namespace}/flag") == EMPTY  # a wrote nothing
    assert b.read_bytes(path) == b""


def test_a_won_claim_is_replaced_by_the_close_and_its_pin_kept(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    """The empty file's CID is every claim's: replacing a claim never unpins it (another
    worker's claim, or a crashed winner's, may still hold it)."""
    a = make_storage("a")
    for name in ("one", "two"):
        with a.open(os.path.join(a.settings.root, name), "x", pin=True) as f:
            f.write(name)
        assert mfs_cid(ipfs_client, f"{namespace}/{name}") == cid_of_bytes(name.encode())
    assert is_pinned(ipfs_client, EMPTY)


def test_a_cache_exclusive_open_claims_nothing(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    a = make_storage("a")
    with a.open(os.path.join(a.settings.root, "scratch"), "x") as f:
        f.write("cache")
        assert mfs_cid(ipfs_client, f"{namespace}/scratch") is None
    assert mfs_cid(ipfs_client, f"{namespace}/scratch") is None


def test_a_folder_in_the_namespace_is_answered_by_the_local_disk(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    """A folder there (another worker's files under `d/`): no claim is made (js-ipfs's cp
    onto a folder copies into it); the local create stands, as an existence check answers
    a folder from the local disk, and its publish fails for this file (a file cannot be
    placed where the namespace has a folder: before, js-ipfs got an entry named by the
    CID inside the folder), leaving it pending with the reason."""
    a, b = make_storage("a"), make_storage("b")
    os.makedirs(os.path.join(a.settings.root, "d"))
    with a.open(os.path.join(a.settings.root, "d", "inner"), "w", pin=True) as f:
        f.write("x")
    with b.open(os.path.join(b.settings.root, "d"), "x", pin=True) as f:
        f.write("a file here")
    assert Path(b.settings.root, "d").read_text() == "a file here"
    listed = ipfs_client.files.ls(f"{namespace}/d")["Entries"]
    assert [e["Name"] for e in listed] == ["inner"]
    row = rows(b.settings.index)["d"]
    assert row["state"] == "pending" and "is a folder" in row["error"], row


def test_with_the_daemon_down_the_exclusive_create_stands_and_is_published_later(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    """No claim possible: the create is today's check-then-create (logged), the write is
    never lost; it stays pending and the next `sync` with the daemon back publishes it."""
    down = make_storage("a", api=closed_port_api(), timeout=1.0)
    path = os.path.join(down.settings.root, "offline")
    with down.open(path, "x", pin=True) as f:
        f.write("written offline")
    assert Path(path).read_text() == "written offline"
    assert rows(down.settings.index)["offline"]["state"] == "pending"
    with pytest.raises(FileExistsError):
        down.open(path, "x", pin=True)  # the local file refuses, as the builtin does
    back = make_storage("a")
    from storage_runtime._publish import sync

    sync(back.backend)
    assert mfs_cid(ipfs_client, f"{namespace}/offline") == cid_of_bytes(b"written offline")


def test_a_handle_writer_s_lost_claim_raises_its_own_error_and_leaves_nothing(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
) -> None:
    """`storage.claiming(zipfile.ZipFile, path=0, pin=True)(p, "x")`: the writer created
    its file, the claim lost: what it returned is closed, the file goes, and the error is
    the writer's own (called again while the file is still there)."""
    import zipfile

    a, b = make_storage("a"), make_storage("b")
    held = a.open(os.path.join(a.settings.root, "out.zip"), "xb", pin=True)
    path = os.path.join(b.settings.root, "out.zip")
    with pytest.raises(FileExistsError) as raised:
        b.claiming(zipfile.ZipFile, path=0, pin=True)(path, "x")
    assert not os.path.exists(path) and "out.zip" not in rows(b.settings.index)
    Path(path).write_bytes(b"")
    with pytest.raises(FileExistsError) as plain:
        zipfile.ZipFile(path, "x")
    got, want = raised.value, plain.value
    assert (got.errno, got.filename, str(got)) == (want.errno, want.filename, str(want))
    held.close()
    assert mfs_cid(ipfs_client, f"{namespace}/out.zip") == EMPTY
    # won: the writer's own object, and the publish after it replaces the claim
    fresh = os.path.join(b.settings.root, "new.zip")
    with b.claiming(zipfile.ZipFile, path=0, pin=True)(fresh, "x") as z:
        assert isinstance(z, zipfile.ZipFile)
        assert mfs_cid(ipfs_client, f"{namespace}/new.zip") == EMPTY
        z.writestr(zipfile.ZipInfo("m", (2020, 1, 1, 0, 0, 0)), "data")
    b.publish(fresh, pin=True)
    assert mfs_cid(ipfs_client, f"{namespace}/new.zip") == cid_of_bytes(
        Path(fresh).read_bytes())


def test_a_claim_the_node_answers_with_an_error_lets_the_create_stand(
    ipfs_settings: Callable[..., Any], ipfs_client: Any, namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A node that refuses the claim's `cp` for another reason than an existing entry (a
    fake around the real client: only `files/cp` fails): no claim, logged once, the
    create stands and its close publishes as before (its own `cp` fails too: pending)."""
    from storage_runtime import Storage
    from storage_runtime._ipfs import IpfsBackend, default_client
    from storage_runtime._rpc import ErrorResponse

    class Files:
        def __init__(self, real: Any) -> None:
            self._real = real

        def __getattr__(self, name: str) -> Any:
            return getattr(self._real, name)

        def cp(self, *args: Any, **kwargs: Any) -> None:
            raise ErrorResponse("internal error: repo full")

    class Client:
        def __init__(self, real: Any) -> None:
            self._real, self.files = real, Files(real.files)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._real, name)

    caplog.set_level(logging.DEBUG, logger="storage_runtime")  # warned once per process
    settings = ipfs_settings("a")
    backend = IpfsBackend(settings, drain_on_start=False,
                          client_factory=lambda s: Client(default_client(s)))
    storage = Storage(settings, backend_impl=backend)
    try:
        path = os.path.join(settings.root, "job")
        with storage.open(path, "x", pin=True) as f:
            f.write("kept")
        assert Path(path).read_text() == "kept"
        assert "cannot claim" in caplog.text and "repo full" in caplog.text
        assert rows(settings.index)["job"]["state"] == "pending"
        assert mfs_cid(ipfs_client, f"{namespace}/job") is None
    finally:
        backend.close()


def test_an_exclusive_create_in_a_folder_this_disk_lacks_refuses_what_the_namespace_holds(
    make_storage: Callable[..., Any],
) -> None:
    """Another worker published `d/f` and `d/g`; this one never made `d`. One shared disk
    has `d` and refuses each exclusive create with FileExistsError; claiming first, the
    create failed on the missing folder (FileNotFoundError; review17). Without a local
    folder, the exclusive create takes the check instead: the file comes with its folder,
    and the call refuses it."""
    import zipfile

    a, b = make_storage("a"), make_storage("b")
    os.makedirs(os.path.join(a.settings.root, "d"))
    for name in ("f", "g", "z.zip"):
        with a.open(os.path.join(a.settings.root, "d", name), "w", pin=True) as f:
            f.write(name)
    here = os.getcwd()
    os.chdir(b.settings.root)
    try:
        with pytest.raises(FileExistsError) as opened:
            b.open("d/f", "x", pin=True)
        assert (opened.value.errno, opened.value.filename) == (17, "d/f")
        folder = Path("d")
        assert Path("d/f").read_text() == "f"  # restored, as one shared disk holds it
        for entry in folder.iterdir():
            entry.unlink()
        folder.rmdir()
        with pytest.raises(FileExistsError) as touched:
            b.path_touch(Path("d/g"), exist_ok=False, pin=True)
        assert touched.value.filename == "d/g" and Path("d/g").read_text() == "g"
        with pytest.raises(FileExistsError):
            b.claiming(zipfile.ZipFile, path=0, pin=True)("d/z.zip", "x")
        # a path nobody published, in a folder nobody has: the builtin's own error
        with pytest.raises(FileNotFoundError) as missing:
            b.open("nowhere/f", "x", pin=True)
        assert missing.value.filename == "nowhere/f"
    finally:
        os.chdir(here)
