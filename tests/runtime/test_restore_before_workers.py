"""A third-party reader on another worker: its path restored first (real node).

Worker A's program writes a zip archive through `zipfile.ZipFile(p, "w")` in a `with`
(published after it, families/publish_after.py). Worker B's program only reads it with
`zipfile.ZipFile(p)`, a reader of one file: the codemods wrap its path in
`storage.restored(...)` (families/restore_before.py). Each program is migrated by the
codemods and runs as its own process with its own root, sharing one namespace. B starts
with an empty root and must read what A wrote; a name nobody published must fail in B
exactly as the unmigrated program fails (zipfile's own FileNotFoundError).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from _ipfs_helpers import run_program, worker_env
from migrate_storage.codemods.model import Family, Status, Strategy
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

pytestmark = pytest.mark.ipfs

WRITER = textwrap.dedent(
    """\
    import zipfile

    def pack(path, members):
        with zipfile.ZipFile(path, "w") as archive:
            for name, text in members.items():
                archive.writestr(name, text)

    pack("models/bundle.zip", {"a.txt": "alpha", "b.txt": "beta"})
    """
)

READER = textwrap.dedent(
    """\
    import sys
    import zipfile

    def members(path):
        with zipfile.ZipFile(path) as archive:
            return {n: archive.read(n).decode() for n in archive.namelist()}

    try:
        print(sorted(members(sys.argv[1]).items()))
    except OSError as exc:
        print(type(exc).__name__, exc.errno, exc.filename)
    """
)


def _migrated(source: str) -> str:
    result = transform_source(source.encode(), "main.py", FilePolicy(strategy=Strategy.PIN))
    assert result.new_source is not None, result.message
    assert all(s.status is Status.PENDING for s in result.sites if s.family is Family.THIRD_PARTY)
    return result.new_source.decode()


_run = run_program
_env = worker_env


def test_a_reader_on_another_worker_reads_what_the_writer_wrote(
    tmp_path: Path, ipfs_api: str, namespace: str
) -> None:
    reader = _migrated(READER)
    assert "zipfile.ZipFile(storage.restored(path))" in reader, reader
    a, b, plain = tmp_path / "a", tmp_path / "b", tmp_path / "plain"
    for root in (a, b, plain):
        root.mkdir()
    (a / "models").mkdir()
    _run(_migrated(WRITER), a, [], _env(a, ipfs_api, namespace))
    assert (a / "models" / "bundle.zip").is_file()

    # B: an empty root; the reader's path is restored before zipfile opens it.
    read = _run(reader, b, ["models/bundle.zip"], _env(b, ipfs_api, namespace))
    assert read == "[('a.txt', 'alpha'), ('b.txt', 'beta')]\n"
    assert (b / "models" / "bundle.zip").read_bytes() == (a / "models" / "bundle.zip").read_bytes()

    # A name nobody published: the migrated reader fails as the original does.
    env = _env(b, ipfs_api, namespace)
    missing = _run(reader, b, ["models/none.zip"], env)
    original = _run(READER, plain, ["models/none.zip"], env)
    assert missing == original == "FileNotFoundError 2 models/none.zip\n"


def test_without_the_restore_the_reader_on_another_worker_finds_nothing(
    tmp_path: Path, ipfs_api: str, namespace: str
) -> None:
    """Why the wrap is needed: the unmigrated reader on worker B, same namespace."""
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        root.mkdir()
    (a / "models").mkdir()
    _run(_migrated(WRITER), a, [], _env(a, ipfs_api, namespace))
    read = _run(READER, b, ["models/bundle.zip"], _env(b, ipfs_api, namespace))
    assert read == "FileNotFoundError 2 models/bundle.zip\n"


LOOKALIKE_WRITER = textwrap.dedent(
    """\
    import gzip
    import io
    import tarfile

    with gzip.open("logs/run.txt.gz", "wt", encoding="utf-8") as f:
        f.write("epoch 1\\nepoch 2\\n")
    with tarfile.open("logs/bundle.tar", "w") as tar:
        data = b"weights"
        info = tarfile.TarInfo("w.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    """
)

LOOKALIKE_READER = textwrap.dedent(
    """\
    import gzip
    import sys
    import tarfile

    def lines(path):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return f.read().splitlines()

    def members(path):
        with tarfile.open(path) as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}

    for read, path in ((lines, sys.argv[1]), (members, sys.argv[2])):
        try:
            print(read(path))
        except OSError as exc:
            print(type(exc).__name__, exc.errno, exc.filename)
    """
)


def test_look_alikes_of_open_read_on_another_worker(
    tmp_path: Path, ipfs_api: str, namespace: str
) -> None:
    """gzip.open and tarfile.open in a read mode are restored first, like zipfile."""
    reader = _migrated(LOOKALIKE_READER)
    assert "gzip.open(storage.restored(path), " in reader, reader
    assert "tarfile.open(storage.restored(path))" in reader, reader
    a, b, plain = tmp_path / "a", tmp_path / "b", tmp_path / "plain"
    for root in (a, b, plain):
        root.mkdir()
    (a / "logs").mkdir()
    _run(_migrated(LOOKALIKE_WRITER), a, [], _env(a, ipfs_api, namespace))
    argv = ["logs/run.txt.gz", "logs/bundle.tar"]
    read = _run(reader, b, argv, _env(b, ipfs_api, namespace))
    assert read == "['epoch 1', 'epoch 2']\n{'w.bin': b'weights'}\n"
    # Names nobody published: the same errors as the unmigrated reader's.
    env = _env(b, ipfs_api, namespace)
    argv = ["logs/none.gz", "logs/none.tar"]
    assert _run(reader, b, argv, env) == _run(LOOKALIKE_READER, plain, argv, env)


DESCRIPTOR_WRITER = textwrap.dedent(
    """\
    import os

    os.makedirs("state", exist_ok=True)
    with open("state/token.bin", "wb") as f:
        f.write(b"secret-free token")
    """
)

DESCRIPTOR_READER = textwrap.dedent(
    """\
    import os
    import sys

    def read(path):
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as f:
            return f.read()

    try:
        print(read(sys.argv[1]))
    except OSError as exc:
        print(type(exc).__name__, exc.errno, exc.filename)
    """
)


def test_a_read_only_os_open_on_another_worker_reads_what_the_writer_wrote(
    tmp_path: Path, ipfs_api: str, namespace: str
) -> None:
    """`os.open(p, O_RDONLY | O_NOFOLLOW)` is a reader of one file: its path is restored
    first, and `os.fdopen` of its descriptor reads what worker A wrote."""
    reader = _migrated(DESCRIPTOR_READER)
    assert "os.open(storage.restored(path), os.O_RDONLY" in reader, reader
    a, b, plain = tmp_path / "a", tmp_path / "b", tmp_path / "plain"
    for root in (a, b, plain):
        root.mkdir()
    _run(_migrated(DESCRIPTOR_WRITER), a, [], _env(a, ipfs_api, namespace))
    env = _env(b, ipfs_api, namespace)
    assert _run(reader, b, ["state/token.bin"], env) == "b'secret-free token'\n"
    assert _run(DESCRIPTOR_READER, plain, ["state/token.bin"], env) == (
        "FileNotFoundError 2 state/token.bin\n"
    )
    missing = _run(reader, b, ["state/none.bin"], env)
    assert missing == _run(DESCRIPTOR_READER, plain, ["state/none.bin"], env)
    assert missing == "FileNotFoundError 2 state/none.bin\n"
