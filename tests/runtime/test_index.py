"""The SQLite index alone: generations, guarded records, several processes, corruption."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from typing import Any

import pytest
from storage_runtime._index import Index, IndexUnavailable


def test_a_publish_of_an_older_generation_records_nothing(tmp_path: Any) -> None:
    index = Index(str(tmp_path / "i.sqlite3"), root="/r")
    gen1, old = index.mark_pending("a.txt", pin=True)
    assert (gen1, old) == (1, None)
    gen2, old = index.mark_pending("a.txt", pin=False)
    assert gen2 == 2 and old is not None and old.pin
    sig: dict[str, Any] = {"size": 1, "pin": False, "mtime_ns": 1, "ino": 1}
    assert not index.mark_published("a.txt", gen1, cid="bafold", **sig)
    assert index.mark_published("a.txt", gen2, cid="bafnew", **sig)
    row = index.get("a.txt")
    assert row is not None and (row.state, row.cid, row.gen) == ("published", "bafnew", 2)
    assert index.counts() == {"published": 1, "pending": 0, "gone": 0, "pinned": 0}


def test_restored_rows_never_override_and_gone_only_from_pending(tmp_path: Any) -> None:
    index = Index(str(tmp_path / "i.sqlite3"), root="/r")
    gen, _ = index.mark_pending("w.txt", pin=True)
    sig: dict[str, Any] = {"size": 1, "pin": True, "mtime_ns": 1, "ino": 1}
    assert not index.record_restored("w.txt", cid="bafx", **sig)  # this machine wrote it
    assert index.record_restored("r.txt", cid="bafr", **sig)
    index.mark_gone("w.txt", gen)
    assert index.get("w.txt").state == "gone"  # type: ignore[union-attr]
    index.mark_gone("r.txt", 0)
    assert index.get("r.txt").state == "published"  # type: ignore[union-attr]


def _hammer(path: str, worker: int, rounds: int) -> None:
    index = Index(path, root="/r", busy_timeout=60)
    for i in range(rounds):
        rel = f"f{i % 7}"
        gen, _ = index.mark_pending(rel, pin=bool(worker % 2))
        index.mark_published(rel, gen, cid=f"baf{worker}-{i}", size=i, pin=False,
                             mtime_ns=i, ino=worker)


def test_several_processes_write_the_index_at_once_without_errors(tmp_path: Any) -> None:
    path = str(tmp_path / "i.sqlite3")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_hammer, args=(path, w, 300)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    gens = dict(conn.execute("SELECT path, gen FROM files"))
    conn.close()
    assert sum(gens.values()) == 4 * 300  # every close got its own generation


def test_a_corrupt_index_raises_index_unavailable(tmp_path: Any) -> None:
    path = tmp_path / "i.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(IndexUnavailable, match="unreadable"):
        Index(str(path), root="/r").get("a")


def test_the_index_survives_fork(tmp_path: Any) -> None:
    index = Index(str(tmp_path / "i.sqlite3"), root="/r")
    index.mark_pending("a", pin=False)
    pid = os.fork()
    if pid == 0:  # child: must open its own connection, not reuse the parent's
        try:
            index.mark_pending("b", pin=False)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert {r.path for r in index.rows()} == {"a", "b"}
