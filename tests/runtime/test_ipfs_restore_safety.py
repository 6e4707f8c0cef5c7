"""Restore never writes outside the root: entries planted in MFS on the real node."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import run_cli
from storage_runtime._cid import IMPORT_OPTS, _field_bytes, _field_varint, parse_cid
from storage_runtime._ipfs_errors import RestoreRefused
from storage_runtime._restore import pull

pytestmark = pytest.mark.ipfs


def _put_dag_pb(client: Any, links: list[tuple[str, str]], unixfs_type: int,
                data: bytes = b"") -> str:
    """Store a hand-made dag-pb node (UnixFS `unixfs_type`) and return its CID."""
    body = b"".join(
        _field_bytes(2, _field_bytes(1, parse_cid(cid)) + _field_bytes(2, name.encode())
                     + _field_varint(3, 10))
        for name, cid in links
    )
    unixfs = _field_varint(1, unixfs_type) + (_field_bytes(2, data) if data else b"")
    block = body + _field_bytes(1, unixfs)
    return str(client.block.put(io.BytesIO(block), opts={"format": "dag-pb", "version": 1})["Key"])


def _add(client: Any, data: bytes) -> str:
    return str(client.add(io.BytesIO(data), pin=True, cid_version=1, raw_leaves=True,
                          opts=IMPORT_OPTS)["Hash"])


@pytest.fixture
def planted(ipfs_client: Any, namespace: str) -> dict[str, str]:
    """A namespace holding: `evil/../../pwned.txt` (links named '..'), a UnixFS symlink
    `link.txt` -> /etc/passwd, and a fine file `fine.txt`."""
    pwned = _add(ipfs_client, b"pwned")
    d3 = _put_dag_pb(ipfs_client, [("pwned.txt", pwned)], 1)
    d2 = _put_dag_pb(ipfs_client, [("..", d3)], 1)
    d1 = _put_dag_pb(ipfs_client, [("..", d2)], 1)
    link = _put_dag_pb(ipfs_client, [], 4, b"/etc/passwd")
    ipfs_client.files.mkdir(namespace, parents=True)
    ipfs_client.files.cp(f"/ipfs/{d1}", f"{namespace}/evil")
    ipfs_client.files.cp(f"/ipfs/{link}", f"{namespace}/link.txt")
    ipfs_client.files.cp(f"/ipfs/{_add(ipfs_client, b'fine')}", f"{namespace}/fine.txt")
    return {"pwned": pwned}


def test_pull_refuses_dotdot_entries_and_symlinks_and_restores_the_rest(
    make_storage: Callable[..., Any], planted: dict[str, str], tmp_path: Any
) -> None:
    storage = make_storage("worker")
    report = pull(storage.backend)
    refused = dict(report.refused)
    assert "evil/.." in refused and "unsafe entry name" in refused["evil/.."]
    assert "link.txt" in refused and "symlink" in refused["link.txt"]
    assert report.restored == ["fine.txt"]
    root = storage.settings.root
    assert sorted(os.listdir(root)) == [".storage-runtime", "fine.txt"]
    assert not list(tmp_path.rglob("pwned.txt"))


def test_reading_a_planted_symlink_entry_is_refused(
    make_storage: Callable[..., Any], planted: dict[str, str]
) -> None:
    storage = make_storage("worker")
    path = os.path.join(storage.settings.root, "link.txt")
    with pytest.raises(RestoreRefused, match="symlink"):
        storage.backend.before_read(path)
    with pytest.raises(FileNotFoundError):
        storage.read_text(Path(path))  # the program sees a missing file, as with builtin open
    assert not os.path.lexists(path)


def test_a_local_symlink_in_the_way_pointing_out_is_refused(
    make_storage: Callable[..., Any], tmp_path: Any
) -> None:
    writer = make_storage("writer")
    os.makedirs(os.path.join(writer.settings.root, "out"))
    writer.write_text(Path(os.path.join(writer.settings.root, "out", "f.txt")), "shared", pin=True)

    reader = make_storage("reader")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, os.path.join(reader.settings.root, "out"))
    path = os.path.join(reader.settings.root, "out", "f.txt")
    with pytest.raises(RestoreRefused, match="points outside the root"):
        reader.backend.before_read(path)
    with pytest.raises(FileNotFoundError):
        reader.read_text(Path(path))
    report = pull(reader.backend)
    assert [rel for rel, _ in report.refused] == ["out/f.txt"]
    assert list(outside.iterdir()) == []


def test_pull_cli_lists_refusals_and_exits_1(
    ipfs_settings: Callable[..., Any], planted: dict[str, str]
) -> None:
    settings = ipfs_settings("cli")
    result = run_cli(["pull"], settings.as_env())
    assert result.returncode == 1, result.stderr
    assert "restored: fine.txt" in result.stdout
    assert "refused: evil/..: unsafe entry name '..'" in result.stderr
    assert "refused: link.txt" in result.stderr


def test_a_file_where_the_namespace_has_a_folder_is_no_daemon_trouble(
    make_storage: Callable[..., Any], caplog: pytest.LogCaptureFixture,
) -> None:
    """The namespace holds `a/b.txt`; this worker has a file `a`. `os.path.exists` and
    `isfile` of `a/b.txt` answer False and its open raises the builtin's
    NotADirectoryError, as before the migration; the check's restore, which could not
    make the folder `a`, said "cannot reach IPFS at ..." on the program's stderr (a local
    conflict taken for daemon trouble)."""
    import logging

    a = make_storage("a")
    Path(a.settings.root, "a").mkdir()
    with a.open(os.path.join(a.settings.root, "a", "b.txt"), "w", pin=True) as f:
        f.write("b")
    b = make_storage("b")
    Path(b.settings.root, "a").write_text("a file")
    target = os.path.join(b.settings.root, "a", "b.txt")
    with caplog.at_level(logging.WARNING, logger="storage_runtime"):
        assert b.exists(target) is False
        assert b.isfile(target) is False
        assert b.path_exists(Path(target)) is False
        with pytest.raises(NotADirectoryError) as raised:
            b.open(target)
        assert raised.value.filename == target
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    Path(target).parent.unlink()
    assert b.exists(target) is True  # the restore itself works: the file is there now
    assert Path(target).read_text() == "b"
