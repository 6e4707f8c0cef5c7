"""A handle writer in a mode that keeps the file's content (tarfile "a", builtin open "a"),
on a worker that does not have the file another worker published (real node).

Worker A packs `log.tar` and publishes it. Worker B's program appends a member to
`log.tar`; worker C reads it. Builtin `open(p, "a")` through the runtime restores the
file first, so B appends to A's content and C reads both. `with tarfile.open(p, "a") as
tar:` gets `storage.publish(...)` after its `with` (families/publish_after.py),
and its path wrapped in `storage.restored(...)` (a name or a literal: a path that is an
expression leaves such a writer counted, never published), so B appends to A's archive
and C reads both members. Without the restore B appended to a new, empty archive and its
publish replaced A's version in the namespace. The same holds for every content-keeping
mode of the handle writers' table (zipfile "a", gzip "ab", io.FileIO "r+"/"a", aiofiles
"a", h5py "a"/"r+", HDFStore "a").
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from _ipfs_helpers import migrated_pinned, run_program, worker_env

pytestmark = pytest.mark.ipfs

PACK = textwrap.dedent(
    """\
    import io, os, sys, tarfile

    def add(tar, name):
        data = name.encode()
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    def pack(folder, member):
        with tarfile.open(os.path.join(folder, "log.tar"), "w") as tar:
            add(tar, member)

    def append(folder, member):
        p = os.path.join(folder, "log.tar")
        with tarfile.open(p, "a") as tar:
            add(tar, member)

    def log(folder, line):
        with open(os.path.join(folder, "log.txt"), "a") as f:
            f.write(line + "\\n")

    mode, member = sys.argv[1], sys.argv[2]
    (pack if mode == "w" else append)("out", member)
    log("out", member)
    with tarfile.open(os.path.join("out", "log.tar")) as tar:
        print(tar.getnames())
    with open(os.path.join("out", "log.txt")) as f:
        print(f.read().split())
    """
)


def _run(code: str, root: Path, argv: list[str], api: str, namespace: str) -> str:
    (root / "out").mkdir(parents=True, exist_ok=True)
    return run_program(code, root, argv, worker_env(root, api, namespace))


def test_an_appending_handle_writer_keeps_what_another_worker_published(
    tmp_path: Path, ipfs_api: str, namespace: str
) -> None:
    code = migrated_pinned(PACK)
    assert code.count("storage.publish(tar.name") == 1, code  # the "w" pack
    assert 'tarfile.open(storage.restored(p), "a")' in code, code
    assert "storage.publish(p, pin=True)" in code, code
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(code, a, ["w", "from-a"], ipfs_api, namespace) == (
        "['from-a']\n['from-a']\n"
    )
    # B never had out/log.tar nor out/log.txt: builtin open's append restores A's log
    # first (second line), and so does tarfile's (first line), through the restored path.
    assert _run(code, b, ["a", "from-b"], ipfs_api, namespace) == (
        "['from-a', 'from-b']\n['from-a', 'from-b']\n"
    )
