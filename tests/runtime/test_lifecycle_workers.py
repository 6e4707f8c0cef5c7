"""A migrated program's renames, removals and copies, seen by other workers (real node).

The program is plain Python (an atomic write through mkstemp + `os.replace`, `os.remove`,
`shutil.rmtree`, `Path.rename`, `shutil.copy2`), migrated by the codemods (rule: pin) and
run as its own process with its own root; other workers are separate processes
(`_ns_worker.py`) with theirs, sharing the namespace. What they must see: the replaced
destination's new version, the renamed file under its new name only, the copy, and none
of the files the program deleted (no worker restores a file the program removed); a
worker that restored a file before keeps its own copy.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import (
    Failure,
    Worker,
    mfs_cid,
    run_program,
    worker_env,
)
from migrate_storage.codemods.model import Strategy
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs
MISSING = Failure("FileNotFoundError", "")

PROGRAM = textwrap.dedent(
    """\
    import json
    import os
    import shutil
    import sys
    import tempfile
    from pathlib import Path


    def save(obj, path):
        fd, tmp = tempfile.mkstemp(dir=".", prefix=".tmp-")
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f)
        os.replace(tmp, path)


    if sys.argv[1] == "first":
        save({"v": 1}, "model.json")
        os.makedirs("tree/sub")
        for name in ("doomed.txt", "tree/sub/x.txt", "old.txt"):
            with open(name, "w") as f:
                f.write(name)
        print(shutil.copy2("model.json", "copy.json"))
    else:
        save({"v": 2}, "model.json")
        os.remove("doomed.txt")
        shutil.rmtree("tree")
        print(Path("old.txt").rename("new.txt"))
    """
)


def _run(program: Path, root: Path, step: str, api: str, namespace: str) -> str:
    return run_program(program, root, [step], worker_env(root, api, namespace)).strip()


def test_other_workers_see_what_the_migrated_program_did(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
    ipfs_client: Any,
) -> None:
    result = transform_source(PROGRAM.encode(), "main.py", FilePolicy(strategy=Strategy.PIN))
    assert result.new_source is not None
    migrated = result.new_source.decode()
    for call in ("storage.replace(tmp, path, pin=True, call=os.replace)",
                 "storage.remove(\"doomed.txt\", call=os.remove)",
                 "storage.rmtree(\"tree\", call=shutil.rmtree)",
                 "storage.path_rename(Path(\"old.txt\"), \"new.txt\", pin=True)",
                 "storage.copy2(\"model.json\", \"copy.json\", pin=True, call=shutil.copy2)"):
        assert call in migrated, migrated
    root = tmp_path / "a"
    root.mkdir()
    program = tmp_path / "main.py"
    program.write_text(migrated)

    assert _run(program, root, "first", ipfs_api, namespace) == "copy.json"
    b = workers("b")
    assert b.call("read", rel="model.json") == '{"v": 1}'
    assert b.call("read", rel="doomed.txt") == "doomed.txt"

    assert _run(program, root, "second", ipfs_api, namespace) == "new.txt"
    assert not [n for n in os.listdir(root) if n.startswith(".tmp-")]
    assert mfs_cid(ipfs_client, f"{namespace}/model.json") == cid_of_bytes(b'{"v": 2}')
    c = workers("c")
    assert c.call("read", rel="model.json") == '{"v": 2}'  # the replaced destination
    assert c.call("read", rel="copy.json") == '{"v": 1}'  # the copy, published
    assert c.call("read", rel="new.txt") == "old.txt"  # renamed: under its new name
    for gone in ("old.txt", "doomed.txt", "tree/sub/x.txt"):
        assert c.call("read", rel=gone) == MISSING, gone  # removed: never restored
        assert mfs_cid(ipfs_client, f"{namespace}/{gone}") is None, gone
    assert b.call("read", rel="doomed.txt") == "doomed.txt"  # B's restored copy is B's


RENAMED_WHILE_OPEN = textwrap.dedent(
    """\
    import json
    import os
    import shutil


    def atomic_write(path, obj):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:  # the rename inside the with: f is still being written
            json.dump(obj, f)
            os.replace(tmp, path)
            f.write("\\n")


    atomic_write("state.json", {"v": 1})
    log = open("app.log", "w")
    log.write("one\\n")
    os.rename("app.log", "app.log.1")  # rotated while the handle still writes
    shutil.move("app.log.1", "app.log.2")
    log.write("two\\n")
    log.close()
    print("done")
    """
)


def test_a_file_renamed_while_open_for_writing_reaches_other_workers_whole(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
    ipfs_client: Any,
) -> None:
    """The rename published the new name at once, with the bytes flushed so far (none:
    the writes were still buffered), and the close published the old name, gone by then:
    other workers restored an empty `state.json` and `app.log.2`. The new name now
    follows the old one's writers: published when the last one closes."""
    result = transform_source(
        RENAMED_WHILE_OPEN.encode(), "main.py", FilePolicy(strategy=Strategy.PIN)
    )
    assert result.new_source is not None
    migrated = result.new_source.decode()
    assert "storage.replace(tmp, path, pin=True, call=os.replace)" in migrated, migrated
    root = tmp_path / "a"
    root.mkdir()
    program = tmp_path / "main.py"
    program.write_text(migrated)
    assert _run(program, root, "", ipfs_api, namespace) == "done"
    assert (root / "state.json").read_text() == '{"v": 1}\n'
    assert (root / "app.log.2").read_text() == "one\ntwo\n"
    b = workers("b")
    assert b.call("read", rel="state.json") == '{"v": 1}\n'
    assert b.call("read", rel="app.log.2") == "one\ntwo\n"
    for gone in ("state.json.tmp", "app.log", "app.log.1"):
        assert b.call("read", rel=gone) == MISSING, gone
        assert mfs_cid(ipfs_client, f"{namespace}/{gone}") is None, gone


LINKED_WHILE_OPEN = textwrap.dedent(
    """\
    import os


    def no_overwrite_write(path, text):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:  # the link inside the with: f is still being written
            f.write(text[:3])
            f.flush()
            os.link(tmp, path)
            f.write(text[3:])
        os.unlink(tmp)


    no_overwrite_write("data.txt", "abcdef")
    log = open("app.log", "w")
    log.write("one\\n")
    os.link("app.log", "app.log.keep")  # a second name while the handle still writes
    log.write("two\\n")
    log.close()
    print("done")
    """
)


def test_a_file_linked_while_open_for_writing_reaches_other_workers_whole(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
) -> None:
    """`os.link` published the new name at once, with the bytes written so far, and the
    writer's close published only the old name: other workers restored `data.txt` as
    `abc`. The new name now follows the old one's writers, like a rename's."""
    result = transform_source(
        LINKED_WHILE_OPEN.encode(), "main.py", FilePolicy(strategy=Strategy.PIN)
    )
    assert result.new_source is not None
    migrated = result.new_source.decode()
    assert "storage.link(tmp, path, pin=True, call=os.link)" in migrated, migrated
    root = tmp_path / "a"
    root.mkdir()
    program = tmp_path / "main.py"
    program.write_text(migrated)
    assert _run(program, root, "", ipfs_api, namespace) == "done"
    assert (root / "data.txt").read_text() == "abcdef"
    b = workers("b")
    assert b.call("read", rel="data.txt") == "abcdef"
    assert b.call("read", rel="data.txt.tmp") == MISSING
    assert b.call("read", rel="app.log.keep") == "one\ntwo\n"
    assert b.call("read", rel="app.log") == "one\ntwo\n"


WRITTEN_THROUGH_A_LINK = textwrap.dedent(
    """\
    import json
    import os
    from pathlib import Path

    with open("a.txt", "w") as f:
        f.write("one\\n")
    os.link("a.txt", "b.txt")
    with open("b.txt", "a") as f:  # the same inode: a.txt now says it too
        f.write("two\\n")
    Path("c.json").write_text("{}")
    os.link("c.json", "d.json")
    Path("d.json").write_text('{"k": 1}')
    print(open("a.txt").read().split(), Path("c.json").read_text())
    """
)


def test_a_file_written_through_one_hard_link_reaches_other_workers_under_every_name(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
) -> None:
    """A write published the name it went through only: the file's other names (one
    inode, changed too on this worker's disk) kept their earlier version in the
    namespace, and other workers restored `a.txt` without its second line."""
    result = transform_source(
        WRITTEN_THROUGH_A_LINK.encode(), "main.py", FilePolicy(strategy=Strategy.PIN)
    )
    assert result.new_source is not None
    migrated = result.new_source.decode()
    assert "storage.link(\"a.txt\", \"b.txt\", pin=True, call=os.link)" in migrated, migrated
    root = tmp_path / "a"
    root.mkdir()
    program = tmp_path / "main.py"
    program.write_text(migrated)
    assert _run(program, root, "", ipfs_api, namespace) == "['one', 'two'] {\"k\": 1}"
    b = workers("b")
    for name in ("a.txt", "b.txt"):
        assert b.call("read", rel=name) == "one\ntwo\n", name
    for name in ("c.json", "d.json"):
        assert b.call("read", rel=name) == '{"k": 1}', name


COPIES_OF_SHARED_FILES = textwrap.dedent(
    """\
    import shutil
    from pathlib import Path

    Path("backup").mkdir()
    print(shutil.copy2("model.json", "backup/model.json"))
    print(shutil.copy("config.toml", "backup"))
    print(shutil.copyfile("notes.txt", "backup/notes.txt"))
    try:
        shutil.copy("never.txt", "backup/never.txt")
    except FileNotFoundError as exc:
        print("FileNotFoundError", exc.filename)
    """
)


def test_a_copy_restores_a_source_another_worker_published(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
) -> None:
    """A copy reads its source, as an open does: on a worker that never had the file,
    `shutil.copy2("model.json", ...)` raised FileNotFoundError although the namespace
    held it (a read-only open of it restored it)."""
    b = workers("b")
    for rel, text in (("model.json", "{}"), ("config.toml", "x = 1"), ("notes.txt", "n")):
        b.call("write", rel=rel, data=text, pin=True)
    result = transform_source(
        COPIES_OF_SHARED_FILES.encode(), "main.py", FilePolicy(strategy=Strategy.PIN)
    )
    assert result.new_source is not None
    migrated = result.new_source.decode()
    assert "storage.copy2(\"model.json\", \"backup/model.json\", pin=True" in migrated, migrated
    root = tmp_path / "a"
    root.mkdir()
    program = tmp_path / "main.py"
    program.write_text(migrated)
    assert _run(program, root, "", ipfs_api, namespace).splitlines() == [
        "backup/model.json", "backup/config.toml", "backup/notes.txt",
        "FileNotFoundError never.txt",
    ]
    assert (root / "backup" / "model.json").read_text() == "{}"
    assert (root / "model.json").read_text() == "{}"  # restored, as an open would
    c = workers("c")
    assert c.call("read", rel="backup/config.toml") == "x = 1"


REMOVALS_OF_SHARED_FILES = textwrap.dedent(
    """\
    import os
    import sys
    from pathlib import Path

    removed = []  # the program's own removals, once each (an audit hook sees every call)
    sys.addaudithook(lambda event, args: removed.append(os.fsdecode(args[0]))
                     if event == "os.remove" and not os.path.isabs(args[0]) else None)
    os.remove("done.txt")
    os.unlink("old.log")
    Path("stale.json").unlink()
    Path("cache.bin").unlink(missing_ok=True)  # the clean-up beside a write
    Path("never.bin").unlink(missing_ok=True)
    for name in ("never.txt",):
        try:
            os.remove(name)
        except FileNotFoundError as exc:
            print("FileNotFoundError", exc.filename)
    print(sorted(n for n in os.listdir(".") if not n.startswith(".")))
    print(removed)
    """
)


def test_a_removal_of_a_file_only_another_worker_published_removes_it(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
) -> None:
    """`os.remove(p)` of a file the namespace holds but this worker never had raised
    FileNotFoundError (while `os.path.exists(p)` said True, restoring it) and left the
    entry for every other worker to restore. It is restored, as a read would, then
    removed: the call succeeds and the entry goes, as for a file this worker had. So for
    `unlink(missing_ok=True)`, which raised nothing but left the entry. The program's
    removal runs once (the restore comes first; an audit hook sees one call each)."""
    b = workers("b")
    for rel in ("done.txt", "old.log", "stale.json", "cache.bin"):
        b.call("write", rel=rel, data=rel, pin=True)
    result = transform_source(
        REMOVALS_OF_SHARED_FILES.encode(), "main.py", FilePolicy(strategy=Strategy.PIN)
    )
    assert result.new_source is not None
    migrated = result.new_source.decode()
    assert "storage.remove(\"done.txt\", call=os.remove)" in migrated, migrated
    root = tmp_path / "a"
    root.mkdir()
    program = tmp_path / "main.py"
    program.write_text(migrated)
    assert _run(program, root, "", ipfs_api, namespace).splitlines() == [
        "FileNotFoundError never.txt", "[]",
        "['done.txt', 'old.log', 'stale.json', 'cache.bin', 'never.bin', 'never.txt']",
    ]
    c = workers("c")
    for rel in ("done.txt", "old.log", "stale.json", "cache.bin"):
        assert c.call("read", rel=rel) == MISSING, rel
