"""Scheduling: with several workers, the largest file starts first, so the other workers
share out the rest while it runs instead of waiting idle at the end (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
import timed_engine as timed
from migrate_storage.codemods.pipeline.runner import run
from migrate_storage.codemods.settings import Mode, Settings


def test_the_largest_file_starts_first_and_the_others_run_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    # Sorted by path the huge file comes last: a pool fed in path order starts it last.
    for index in range(30):
        (tree / f"a_{index:02d}.py").write_text("x = 1\n" * 300)  # ~0.02 s each
    (tree / "zz_huge.py").write_text("x = 1\n" * 33_000)  # ~2 s
    log = tmp_path / "log"
    log.mkdir()
    monkeypatch.setenv("SCHEDULE_LOG", str(log))
    settings = Settings(mode=Mode.CHECK, jobs=2, use_cache=False)
    result = run([str(tree)], settings, transform=timed.transform_source, cwd=tmp_path)
    assert len(result.files) == 31
    runs = {}  # file -> (pid, start, end)
    for worker_log in log.iterdir():
        for line in worker_log.read_text().splitlines():
            name, start, end = line.split()
            runs[name] = (worker_log.stem, float(start), float(end))
    assert len(runs) == 31
    huge_pid, huge_start, huge_end = runs.pop("zz_huge.py")
    # Handed out first: it starts before any other file has finished (in path order it
    # would start after all of them).
    assert huge_start < min(end for _, _, end in runs.values())
    # Every small file ran on the other worker, while the huge one was running.
    assert {pid for pid, _, _ in runs.values()} == {next(p for p, _, _ in runs.values())} != {huge_pid}
    assert max(end for _, _, end in runs.values()) < huge_end
