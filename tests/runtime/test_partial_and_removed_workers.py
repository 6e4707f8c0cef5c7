"""Real-code shapes whose namespace effect only another worker can see (real node).

A plain program is migrated by the codemods (rule: pin) and run as its own process with
its own root; other workers (`_ns_worker.py`) share the namespace. Checked here:

- a `shutil.copytree` that raised `shutil.Error` (a dangling symlink, an unreadable file:
  copytree copies everything else and raises the errors it collected at the end) leaves
  the copied files on disk; another worker must restore them as after a copy that
  succeeded;
- a file another worker published, which this worker restored or never had and then
  removed, stays removed for every read-only call of this worker (open, os.open,
  read_text, a copy's source, an existence check, touch) and for the other workers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from _ipfs_helpers import (
    Failure,
    Worker,
    migrated_pinned,
    run_program,
    worker_env,
)

pytestmark = pytest.mark.ipfs
MISSING = Failure("FileNotFoundError", "")


def _migrated(source: str, *expected: str) -> str:
    migrated = migrated_pinned(source)
    for call in expected:
        assert call in migrated, migrated
    return migrated


def _run(source: str, root: Path, api: str, namespace: str) -> list[str]:
    root.mkdir(exist_ok=True)
    return run_program(source, root, [], worker_env(root, api, namespace)).splitlines()


PARTIAL_COPYTREE = textwrap.dedent(
    """\
    import os
    import shutil

    os.makedirs("src/nested")
    for name in ("src/a.txt", "src/nested/b.txt"):
        with open(name, "w") as f:
            f.write(name)
    os.symlink("gone.txt", "src/dangling")
    try:
        shutil.copytree("src", "dst")
    except shutil.Error as exc:
        print("Error", len(exc.args[0]))
    print(sorted(os.listdir("dst")), os.listdir("dst/nested"))
    """
)


def test_a_copytree_that_raised_part_way_publishes_what_it_copied(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
) -> None:
    """copytree raised shutil.Error for the one dangling link after copying every other
    file; the stand-in published nothing, so another worker found none of them."""
    migrated = _migrated(PARTIAL_COPYTREE, 'storage.copytree("src", "dst", pin=True')
    assert _run(migrated, tmp_path / "a", ipfs_api, namespace) == [
        "Error 1", "['a.txt', 'nested'] ['b.txt']"]
    other = workers("b")
    assert other.call("read", rel="dst/a.txt") == "src/a.txt"
    assert other.call("read", rel="dst/nested/b.txt") == "src/nested/b.txt"


READS_AFTER_REMOVAL = textwrap.dedent(
    """\
    import json
    import os
    import shutil
    import tarfile
    from pathlib import Path


    def attempt(label, fn):
        try:
            print(label, fn())
        except OSError as exc:
            print(label, type(exc).__name__)


    def os_read(p):
        fd = os.open(p, os.O_RDONLY)
        try:
            return os.read(fd, 100).decode()
        finally:
            os.close(fd)


    attempt("read", lambda: open("seen.txt").read())
    attempt("load", lambda: json.load(open("tree/x.json")))  # restores the folder too
    os.remove("seen.txt")
    os.remove("unseen.txt")
    Path("unseen2.txt").unlink(missing_ok=True)
    shutil.rmtree("tree")
    for name in ("seen.txt", "unseen.txt", "unseen2.txt", "tree/x.json"):
        attempt("open " + name, lambda: open(name).read())
        attempt("os.open " + name, lambda: os_read(name))
        attempt("read_text " + name, lambda: Path(name).read_text())
        attempt("exists " + name, lambda: (os.path.exists(name), Path(name).exists()))
        attempt("copy " + name, lambda: shutil.copy(name, "copied"))
        attempt("remove " + name, lambda: os.remove(name))
    with open("tree/x.json") if os.path.exists("tree/x.json") else open(os.devnull) as f:
        print("load", f.read())
    Path("seen.txt").touch()
    print("touched", repr(open("seen.txt").read()))
    os.remove("seen.txt")
    print(sorted(n for n in os.listdir(".") if not n.startswith(".")))
    """
)


def test_files_removed_here_stay_removed_for_every_read(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
) -> None:
    b = workers("b")
    for rel in ("seen.txt", "unseen.txt", "unseen2.txt", "tree/x.json"):
        b.call("write", rel=rel, data='"' + rel + '"', pin=True)
    migrated = _migrated(READS_AFTER_REMOVAL, "storage.remove(")
    lines = _run(migrated, tmp_path / "a", ipfs_api, namespace)
    assert lines[:2] == ['read "seen.txt"', "load tree/x.json"]
    for name in ("seen.txt", "unseen.txt", "unseen2.txt", "tree/x.json"):
        assert f"open {name} FileNotFoundError" in lines, lines
        assert f"os.open {name} FileNotFoundError" in lines, lines
        assert f"read_text {name} FileNotFoundError" in lines, lines
        assert f"exists {name} (False, False)" in lines, lines
        assert f"copy {name} FileNotFoundError" in lines, lines
        assert f"remove {name} FileNotFoundError" in lines, lines
    assert "load " in lines
    assert "touched ''" in lines
    assert lines[-1] == "[]"
    c = workers("c")
    for rel in ("seen.txt", "unseen.txt", "unseen2.txt", "tree/x.json"):
        assert c.call("read", rel=rel) == MISSING, rel


RENAMES_OF_SHARED_FILES = textwrap.dedent(
    """\
    import os
    import shutil
    from pathlib import Path

    moved = []  # the program's own renames, once each (an audit hook sees every call)
    __import__("sys").addaudithook(lambda event, args: moved.append(os.fsdecode(args[0]))
                                   if event == "os.rename" else None)
    os.rename("app.log", "app.log.1")  # log rotation of a log another worker wrote
    os.replace("state.json", "state.json.bak")
    print(shutil.move("model.bin", "model.old"))
    print(Path("notes.txt").rename("notes.old"))
    print(Path("cfg.toml").replace("cfg.old"))
    try:
        os.replace("never.txt", "x.txt")
    except FileNotFoundError as exc:
        print("FileNotFoundError", exc.filename)
    print(sorted(n for n in os.listdir(".") if not n.startswith(".")))
    print(moved)
    """
)


def test_a_rename_of_a_file_only_another_worker_published_moves_it(
    workers: Callable[..., Worker], tmp_path: Path, ipfs_api: str, namespace: str,
) -> None:
    """`os.rename(p, q)` of a file the namespace holds but this worker never had raised
    FileNotFoundError (while `os.path.exists(p)` said True, restoring it, and `os.remove(p)`
    restores it first too), and left the entry at `p` for every other worker: log rotation
    or a backup rename on a second worker did nothing. It is restored, as a read would,
    then renamed: the call succeeds, `q` is published and `p` leaves the namespace, as for
    a file this worker had. The program's rename runs once."""
    b = workers("b")
    names = ("app.log", "state.json", "model.bin", "notes.txt", "cfg.toml")
    for rel in names:
        b.call("write", rel=rel, data=rel, pin=True)
    migrated = _migrated(RENAMES_OF_SHARED_FILES, 'storage.rename("app.log", "app.log.1"')
    lines = _run(migrated, tmp_path / "a", ipfs_api, namespace)
    assert lines == [
        "model.old", "notes.old", "cfg.old", "FileNotFoundError never.txt",
        "['app.log.1', 'cfg.old', 'model.old', 'notes.old', 'state.json.bak']",
        "['app.log', 'state.json', 'model.bin', 'notes.txt', 'cfg.toml', 'never.txt']",
    ]
    c = workers("c")
    for rel, new in zip(names, ("app.log.1", "state.json.bak", "model.old", "notes.old",
                                "cfg.old"), strict=True):
        assert c.call("read", rel=rel) == MISSING, rel
        assert c.call("read", rel=new) == rel, new
