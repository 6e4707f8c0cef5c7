"""`apply` killed at many points (SIGKILL) or interrupted (Ctrl-C) never damages the tree.

After each kill every file is byte-identical to its old or its new content, the only
other files are the writer's temporary files of the killed process, and a later `apply`
removes those and completes the job.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from project_tree import snapshot, write_tree

TEMP = re.compile(r"(^|/)\.[^/]+\.\d+\.[^./]+\.migrate-storage\.tmp$")
COMMAND = [sys.executable, "-m", "migrate_storage.codemods.cli.main"]
N_FILES = 300


def module(i: int) -> str:
    """Every tenth module has sites to rewrite (the engine's LibCST pass is what costs);
    the others are cheap to scan and must come out of every kill untouched."""
    padding = f'"""Module {i}."""\n\nPADDING = {"x" * 2000!r}\n'
    if i % 10:
        return padding + f"\n\ndef value_{i}():\n    return {i}\n"
    return padding + f'\n\ndef save_{i}(text, path):\n    with open(path, "w") as handle:\n        handle.write(text)\n'


def make_tree(root: Path, n: int) -> dict[str, bytes]:
    write_tree(root, {f"pkg{i % 7}/mod_{i}.py": module(i) for i in range(n)})
    return snapshot(root)


def apply(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*COMMAND, "apply", "--jobs", "2", "."], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def check_old_or_new(root: Path, old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """Assert every file is old or new; return the names of writer temp files found."""
    temps = []
    for name, data in snapshot(root).items():
        if TEMP.search(name):
            temps.append(name)
            continue
        assert name in old, f"unexpected file {name}"
        assert data in (old[name], new[name]), f"{name} is neither old nor new"
    assert set(old) <= set(snapshot(root)), "a file vanished"
    return temps


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cache = tmp_path_factory.mktemp("interrupt-cache")
    return {**os.environ, "MIGRATE_STORAGE_CACHE_DIR": str(cache), "PYTHONPATH": os.pathsep.join(sys.path)}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[dict[str, bytes], dict[str, bytes], float]:
    """Old contents, new contents (from an uninterrupted apply) and how long that took."""
    root = tmp_path_factory.mktemp("reference")
    old = make_tree(root, N_FILES)
    started = time.monotonic()
    proc = apply(root, env)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    new = snapshot(root)
    assert sum(old[k] != new[k] for k in old) == N_FILES // 10
    return old, new, time.monotonic() - started


def wait_for_writes(proc: subprocess.Popen[bytes], root: Path, new: dict[str, bytes], changing: list[str], count: int) -> bool:
    """Wait until `count` files hold their new bytes (then a few ms more, so that some kills
    land in the middle of the next write); False when the run ended first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        done = sum(1 for name in changing if (root / name).read_bytes() == new[name])
        if done >= count:
            time.sleep(random.uniform(0, 0.02))
            return proc.poll() is None
        time.sleep(0.002)
    raise AssertionError("apply made no progress")


@pytest.mark.slow
def test_sigkill_at_many_points_leaves_every_file_old_or_new(tmp_path: Path, env: dict[str, str], reference) -> None:  # type: ignore[no-untyped-def]
    """Each kill starts again from the old tree and lands after a given number of files
    were rewritten (0: during start-up); the last killed tree is finished by a new apply."""
    old, new, _ = reference
    changing = sorted(name for name in old if old[name] != new[name])
    root = tmp_path / "victim"
    kills = 0
    for count in (0, 1, 6, 15):
        restore(root, old)
        proc = apply(root, env)
        if count == 0:
            time.sleep(0.05)
        elif not wait_for_writes(proc, root, new, changing, count):
            continue
        workers = children_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        kills += 1
        assert_gone(workers)
        check_old_or_new(root, old, new)
    assert kills >= 3
    final = apply(root, env)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    assert snapshot(root) == new  # complete, and no temp file left


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid` (the pool's workers), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The second field (comm) may hold spaces; ppid is the second field after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def assert_gone(pids: list[int]) -> None:
    """Workers must not outlive a SIGKILLed parent (they would wait for work forever)."""
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        time.sleep(0.05)
    assert not alive, f"worker processes outlived the killed parent: {alive}"


def _zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def restore(root: Path, old: dict[str, bytes]) -> None:
    """Put the old tree back: old bytes everywhere, no temp files."""
    for name in snapshot(root) if root.exists() else {}:
        if TEMP.search(name):
            (root / name).unlink()
    write_tree(root, old)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_without_temp_files(tmp_path: Path, env: dict[str, str], reference) -> None:  # type: ignore[no-untyped-def]
    old, new, _ = reference
    changing = sorted(name for name in old if old[name] != new[name])
    root = tmp_path / "victim"
    make_tree(root, N_FILES)
    proc = apply(root, env)
    if wait_for_writes(proc, root, new, changing, 12):
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err.decode()
        assert b"Interrupted" in err and b"Traceback" not in err
    else:
        proc.communicate(timeout=60)
    assert check_old_or_new(root, old, new) == []
    again = apply(root, env)
    again.communicate(timeout=120)
    assert again.returncode == 0 and snapshot(root) == new
