"""Migrated programs killed with SIGKILL, and writing one path at once, on the real node.

Each worker is a separate process running the same migrated program (`apply`'s output
under a `pin` strategy) in its own root, on one namespace. The program writes a state
file the two ways real code does: in place (`with open(p, "w")`) and atomically
(`mkstemp` + `os.fdopen` + `os.replace`), and can stop at a named point and wait for the
test, which then kills it (SIGKILL: no `finally`, no `atexit`, no close) or lets it go on.
What is checked is the README's consistency model: what the namespace holds afterwards,
what a second worker (a fresh root) restores, what the killed worker's root holds and
what its next run or `sync` publishes. Points inside the runtime's own publish are
reached through `_pause_runtime.py`. (The daemon stopped during such a write:
test_ipfs_own_node.py, on its private node.)
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import mfs_cid, migrated_pinned, rows, run_cli, worker_env
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs

HERE = Path(__file__).parent
PAUSE = HERE / "_pause_runtime.py"

PROGRAM = '''\
import os
import sys
import tempfile


def pause(stop, here):
    if stop == here:
        print("ready", here, flush=True)
        sys.stdin.readline()  # the test says go (or kills this process)


def save_in_place(path, text, stop):
    with open(path, "w") as f:
        f.write(text[: len(text) // 2])
        f.flush()
        pause(stop, "mid-write")
        f.write(text[len(text) // 2 :])


def claim(path, text, stop):
    try:
        with open(path, "x") as f:
            f.write(text[: len(text) // 2])
            f.flush()
            pause(stop, "mid-write")
            f.write(text[len(text) // 2 :])
    except FileExistsError:
        print("refused", flush=True)


def save_atomic(path, text, stop):
    folder, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    pause(stop, "before-replace")
    os.replace(tmp, path)
    pause(stop, "after-replace")


def load(path):
    with open(path) as f:
        return f.read()


op, path = sys.argv[1], sys.argv[2]
if op == "read":
    try:
        print("read", load(path))
    except FileNotFoundError:
        print("missing")
else:
    stop = sys.argv[4] if len(sys.argv) > 4 else ""
    write = {"in-place": save_in_place, "claim": claim, "atomic": save_atomic}[op]
    write(path, sys.argv[3], stop)
    print("done", flush=True)
'''

V1 = "version one, whole " * 40 + "end"
V2 = "version two, whole " * 40 + "end"
VB = "written by worker b " * 40 + "end"


class Site:
    """One worker's root, running the migrated program as separate processes."""

    def __init__(self, root: Path, api: str, namespace: str, program: Path) -> None:
        root.mkdir()
        self.root, self.program = root, program
        self.env = {**worker_env(root, api, namespace), "PYTHONPATH": str(HERE)}
        self.started: list[subprocess.Popen[str]] = []

    def run(self, *argv: str) -> str:
        done = subprocess.run([sys.executable, str(self.program), *argv], cwd=self.root,
                              env=self.env, text=True, capture_output=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def read(self, rel: str = "state.txt") -> str:
        return self.run("read", rel)

    def start(self, *argv: str, pause_at: str = "") -> subprocess.Popen[str]:
        """Start the program and wait until it says it stopped where it was told."""
        prefix = [str(PAUSE), pause_at] if pause_at else []
        proc = subprocess.Popen([sys.executable, *prefix, str(self.program), *argv],
                                cwd=self.root, env=self.env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        self.started.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the program never reached its stop"
        line = proc.stdout.readline()
        assert line.startswith("ready"), line + proc.stderr.read() if proc.stderr else line
        return proc

    def run_paused(self, pause_at: str, *argv: str) -> str:
        """Run the program to its end through `_pause_runtime.py` (a point that stops
        nothing, such as `taken-exit`)."""
        done = subprocess.run([sys.executable, str(PAUSE), pause_at, str(self.program),
                               *argv], cwd=self.root, env=self.env, text=True,
                              capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def disk(self, rel: str = "state.txt") -> str:
        return (self.root / rel).read_text()

    def sync(self) -> str:
        result = run_cli(["sync"], self.env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def row(self, rel: str = "state.txt") -> dict[str, Any]:
        return rows(str(self.root / ".storage-runtime" / "index.sqlite3"))[rel]


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL


def go(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate("go\n", timeout=60)
    assert proc.returncode == 0, err
    return out.strip()


@pytest.fixture
def sites(tmp_path: Path, ipfs_api: str, namespace: str) -> Iterator[Any]:
    program = tmp_path / "main.py"
    program.write_text(migrated_pinned(PROGRAM))
    made: list[Site] = []

    def site(name: str) -> Site:
        made.append(Site(tmp_path / name, ipfs_api, namespace, program))
        return made[-1]

    yield site
    for s in made:
        for proc in s.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def entry(client: Any, namespace: str, rel: str = "state.txt") -> str | None:
    return mfs_cid(client, f"{namespace}/{rel}")


def cid(text: str) -> str:
    return cid_of_bytes(text.encode())


# --------------------------------------------------------------------------- killed mid-write


def test_a_writer_killed_mid_write_leaves_the_last_whole_version_until_sync(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """Killed between the write's two halves, before the close: the namespace keeps the
    last whole version, and another worker restores it. The killed worker's disk holds
    the half the kernel had (the OS's doing, as before migration); its next run reads it
    and publishes nothing, and the next `sync` publishes what is on disk (the model's
    stated limit: "a writer killed mid-write leaves a torn file on its own disk, and the
    next `sync` publishes what is there")."""
    a, b = sites("a"), sites("b")
    assert a.run("in-place", "state.txt", V1) == "done"
    kill(a.start("in-place", "state.txt", V2, "mid-write"))
    assert entry(ipfs_client, namespace) == cid(V1)
    assert b.read() == f"read {V1}"
    half = V2[: len(V2) // 2]
    assert a.disk() == half
    assert a.read() == f"read {half}"  # its own disk; the next run publishes nothing
    assert entry(ipfs_client, namespace) == cid(V1)
    assert "published: 1" in a.sync()
    assert entry(ipfs_client, namespace) == cid(half)
    assert sites("c").read() == f"read {half}"
    assert b.read() == f"read {V1}"  # a restore is taken once: b keeps its copy


def test_a_new_file_whose_writer_was_killed_is_published_by_sync_not_before(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    a = sites("a")
    kill(a.start("in-place", "state.txt", V1, "mid-write"))
    assert a.row()["state"] == "pending"
    assert entry(ipfs_client, namespace) is None
    assert sites("b").read() == "missing"
    assert "published: 1" in a.sync()
    assert entry(ipfs_client, namespace) == cid(V1[: len(V1) // 2])


# --------------------------------------------------------------------------- atomic replace


def test_a_writer_killed_before_its_replace_leaves_the_old_version_and_no_temp_name(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    a, b = sites("a"), sites("b")
    assert a.run("atomic", "state.txt", V1) == "done"
    kill(a.start("atomic", "state.txt", V2, "before-replace"))
    assert entry(ipfs_client, namespace) == cid(V1)
    assert b.read() == f"read {V1}"
    temps = [n for n in os.listdir(a.root) if n.startswith(".state.txt.")]
    assert len(temps) == 1 and a.disk(temps[0]) == V2  # the program's leftover, on disk
    a.sync()
    a.run("read", "state.txt")
    assert a.disk() == V1
    names = {e["Name"] for e in ipfs_client.files.ls(namespace)["Entries"]}
    assert names == {"state.txt"}  # the temp name never reaches the namespace
    assert entry(ipfs_client, namespace) == cid(V1)


def test_a_writer_killed_between_the_rename_and_its_publish_leaves_it_to_sync(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """Killed inside the migrated `os.replace`, after the OS renamed the file and before
    the namespace heard of it: the namespace keeps the old version (another worker
    restores it whole), the killed worker's disk has the new one, and the next `sync`
    finds the file changed on disk and publishes it; the temp name never appears."""
    a, b = sites("a"), sites("b")
    assert a.run("atomic", "state.txt", V1) == "done"
    kill(a.start("atomic", "state.txt", V2, pause_at="renamed"))
    assert a.disk() == V2
    assert entry(ipfs_client, namespace) == cid(V1)
    assert b.read() == f"read {V1}"
    assert "published: 1" in a.sync()
    assert entry(ipfs_client, namespace) == cid(V2)
    assert {e["Name"] for e in ipfs_client.files.ls(namespace)["Entries"]} == {"state.txt"}
    assert sites("c").read() == f"read {V2}"


def test_a_writer_killed_right_after_its_replace_has_published_the_new_version(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    a, b = sites("a"), sites("b")
    assert a.run("atomic", "state.txt", V1) == "done"
    kill(a.start("atomic", "state.txt", V2, "after-replace"))
    assert entry(ipfs_client, namespace) == cid(V2)
    assert b.read() == f"read {V2}"
    assert a.row()["state"] == "published"
    assert not [n for n in os.listdir(a.root) if n.startswith(".state.txt.")]


# --------------------------------------------------------------------------- killed mid-publish


def test_a_writer_killed_after_the_upload_before_the_entry_moved_is_published_by_sync(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """The close's publish had the bytes on the node, not yet in the namespace: the row
    stays pending and the entry the old version; the next `sync` places the new one."""
    a, b = sites("a"), sites("b")
    assert a.run("in-place", "state.txt", V1) == "done"
    kill(a.start("in-place", "state.txt", V2, pause_at="place"))
    assert a.disk() == V2 and a.row()["state"] == "pending"
    assert entry(ipfs_client, namespace) == cid(V1)
    assert b.read() == f"read {V1}"
    assert "published: 1" in a.sync()
    assert entry(ipfs_client, namespace) == cid(V2)
    assert sites("c").read() == f"read {V2}"


def test_a_writer_killed_while_the_entry_is_replaced_leaves_no_entry_until_sync(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """Killed inside the namespace's replace ("move the old entry aside, then cp"), after
    the old entry left and before the new one came: there is no entry at the path, so
    another worker that never had the file finds none (FileNotFoundError, never a
    partial file), and that lasts until the killed worker's next `sync`, not an
    instant. (The README says "a restore on another worker at that instant finds no
    entry"; with the publisher killed, the instant lasts until its machine syncs.)"""
    a, b = sites("a"), sites("b")
    assert a.run("in-place", "state.txt", V1) == "done"
    kill(a.start("in-place", "state.txt", V2, pause_at="taken"))
    assert entry(ipfs_client, namespace) is None
    assert b.read() == "missing"
    assert a.row()["state"] == "pending"
    assert "published: 1" in a.sync()
    assert entry(ipfs_client, namespace) == cid(V2)
    assert sites("c").read() == f"read {V2}"


def test_a_run_that_exits_while_its_background_publish_replaces_an_entry_completes_it(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """A write left pending (its writer killed mid-publish) is published in the
    background by the next run that uses the backend. That run here writes another file
    and exits while the background publish is inside the namespace's replace (the old
    entry moved out, the new one not yet copied in): the exit waits for that publish to
    finish (bounded), so the entry is the new version. (It was abandoned there: no entry
    at the path, so no worker could restore the file, and the old version unpinned,
    until a later `sync`.)"""
    a = sites("a")
    assert a.run("in-place", "state.txt", V1) == "done"
    kill(a.start("in-place", "state.txt", V2, pause_at="place"))
    assert a.row()["state"] == "pending"
    assert a.run_paused("taken-exit", "in-place", "other.txt", "x") == "done"
    assert entry(ipfs_client, namespace) == cid(V2)
    assert a.row()["state"] == "published"
    assert sites("b").read() == f"read {V2}"


# --------------------------------------------------------------------------- same path at once


def test_two_workers_writing_one_path_at_once_the_last_close_wins(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """a opens first and closes last: its version is the namespace's; b keeps its own
    copy (its write), c restores a's."""
    a, b = sites("a"), sites("b")
    held = a.start("in-place", "state.txt", V1, "mid-write")
    assert b.run("in-place", "state.txt", VB) == "done"
    assert entry(ipfs_client, namespace) == cid(VB)
    assert go(held) == "done"
    assert entry(ipfs_client, namespace) == cid(V1)
    assert sites("c").read() == f"read {V1}"
    assert b.read() == f"read {VB}"
    assert a.read() == f"read {V1}"


def test_two_workers_replacing_one_path_at_once_the_last_replace_wins(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    a, b = sites("a"), sites("b")
    held = a.start("atomic", "state.txt", V1, "before-replace")
    assert b.run("atomic", "state.txt", VB) == "done"
    assert go(held) == "done"
    assert entry(ipfs_client, namespace) == cid(V1)
    assert sites("c").read() == f"read {V1}"
    assert b.read() == f"read {VB}"



def test_two_processes_of_one_machine_writing_one_path_publish_at_the_last_close(
    sites: Any, ipfs_client: Any, namespace: str, tmp_path: Path
) -> None:
    """Two processes sharing one root: b writes the whole file and closes while a still
    has it open for writing, so b's close publishes nothing (a file open for writing is
    never published); a's close, the last, publishes what the disk then holds (the two
    writes interleaved by the OS, as before migration), and another worker restores
    exactly that."""
    a = sites("a")
    assert a.run("in-place", "state.txt", V1) == "done"
    held = a.start("in-place", "state.txt", V2, "mid-write")
    assert a.run("in-place", "state.txt", VB) == "done"  # a second process, same root
    assert entry(ipfs_client, namespace) == cid(V1)
    assert go(held) == "done"
    on_disk = a.disk()
    half = len(V2) // 2  # a's offset when b truncated and rewrote the file
    assert on_disk == VB[:half] + V2[half:] + VB[len(V2):]
    assert entry(ipfs_client, namespace) == cid(on_disk)
    assert sites("c").read() == f"read {on_disk}"


def test_a_second_worker_claiming_a_path_the_first_is_still_writing_is_refused(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """Exclusive creation is one atomic claim in the namespace (`_claim`): a's `open(p,
    "x")` created the file and claimed the path (an empty entry while it writes, as one
    shared disk shows an empty file); b's claim, while a still writes, loses: b's create
    is undone, it gets the builtin's FileExistsError, and nothing of b's reaches the
    namespace. After a's close the entry is a's version, which b reads (b kept nothing:
    a restore of the empty claim would have been taken once, for good)."""
    a, b, c = sites("a"), sites("b"), sites("c")
    held = a.start("claim", "lock.txt", V1, "mid-write")
    assert entry(ipfs_client, namespace, "lock.txt") == cid("")
    assert b.run("claim", "lock.txt", VB) == "refused\ndone"
    assert not (b.root / "lock.txt").exists()
    assert entry(ipfs_client, namespace, "lock.txt") == cid("")
    assert go(held) == "done"
    assert entry(ipfs_client, namespace, "lock.txt") == cid(V1)
    assert b.read("lock.txt") == f"read {V1}"
    assert c.run("claim", "lock.txt", V2) == "refused\ndone"
    assert not (c.root / "lock.txt").exists()  # refused, nothing kept: a read restores
    assert c.read("lock.txt") == f"read {V1}"


def test_a_claim_whose_writer_was_killed_stays_empty_until_its_sync(
    sites: Any, ipfs_client: Any, namespace: str
) -> None:
    """The winner killed mid-write: its empty claim stays (as the empty file a crashed
    creator leaves on one shared disk), so other workers' claims are refused and a reader
    elsewhere restores the empty file; the killed worker's next `sync` publishes the torn
    file it left (README: a killed writer's torn file)."""
    a, b = sites("a"), sites("b")
    kill(a.start("claim", "lock.txt", V1, "mid-write"))
    torn = a.disk("lock.txt")
    assert torn == V1[: len(V1) // 2]
    assert entry(ipfs_client, namespace, "lock.txt") == cid("")
    assert b.run("claim", "lock.txt", VB) == "refused\ndone"
    assert sites("c").read("lock.txt") == "read"
    a.sync()
    assert entry(ipfs_client, namespace, "lock.txt") == cid(torn)
    assert b.read("lock.txt") == f"read {torn}"
