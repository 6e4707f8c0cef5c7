"""The SQLite index alone: generations, guarded records, several processes, corruption."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from typing import Any

import pytest
from storage_runtime._index import Index, IndexUnavailable, _use_wal


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


class _BusyThenWal:
    """A connection whose switch to WAL is refused as SQLite refuses it while another
    process opens the same new index: SQLITE_BUSY at once, no busy handler (seen about
    once in 150 starts of four racing processes; the fake makes it every time)."""

    def __init__(self, busy: int, code: int = sqlite3.SQLITE_BUSY) -> None:
        self.busy, self.code, self.calls = busy, code, 0

    def execute(self, sql: str) -> Any:
        self.calls += 1
        if self.busy:
            self.busy -= 1
            exc = sqlite3.OperationalError("database is locked")
            exc.sqlite_errorcode = self.code  # type: ignore[attr-defined]
            raise exc
        return sqlite3.connect(":memory:").execute("SELECT 'wal'")


def test_a_busy_switch_to_wal_is_tried_again_within_the_timeout() -> None:
    conn = _BusyThenWal(busy=3)
    _use_wal(conn, timeout=5)  # type: ignore[arg-type]
    assert conn.calls == 4


def test_a_switch_to_wal_gives_up_at_the_timeout_or_on_another_error() -> None:
    with pytest.raises(sqlite3.OperationalError):
        _use_wal(_BusyThenWal(busy=10**9), timeout=0.05)  # type: ignore[arg-type]
    other = _BusyThenWal(busy=1, code=sqlite3.SQLITE_CORRUPT)
    with pytest.raises(sqlite3.OperationalError):
        _use_wal(other, timeout=5)  # type: ignore[arg-type]
    assert other.calls == 1


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


_V1_SCHEMA = """
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'gone')),
    pin INTEGER NOT NULL CHECK (pin IN (0, 1)), cid TEXT, size INTEGER, mtime_ns INTEGER,
    ino INTEGER, gen INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL DEFAULT 'written' CHECK (origin IN ('written', 'restored')),
    attempts INTEGER NOT NULL DEFAULT 0, error TEXT, updated REAL NOT NULL
);
CREATE INDEX files_state ON files (state);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '1');
INSERT INTO files (path, state, pin, gen, updated) VALUES ('old.txt', 'pending', 1, 3, 0);
"""


def test_a_schema_1_index_is_migrated_to_the_root_that_opens_it(tmp_path: Any) -> None:
    path = str(tmp_path / "i.sqlite3")
    conn = sqlite3.connect(path)
    conn.executescript(_V1_SCHEMA)
    conn.close()
    mine = Index(path, root="/a")
    row = mine.get("old.txt")
    assert row is not None and (row.state, row.pin, row.gen) == ("pending", True, 3)
    assert mine.mark_pending("old.txt", pin=True)[0] == 4  # the row goes on, not a new one
    assert Index(path, root="/b").get("old.txt") is None  # never another root's
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT root, path FROM files").fetchall() == [("/a", "old.txt")]
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("4",)
    conn.close()


_V1_ENTRIES = """
CREATE TABLE entries (
    path TEXT PRIMARY KEY, cid TEXT NOT NULL,
    placed INTEGER NOT NULL CHECK (placed IN (0, 1))
);
INSERT INTO files (path, state, pin, gen, updated) VALUES ('rm.txt', 'gone', 1, 2, 0);
INSERT INTO entries VALUES ('rm.txt', 'bafyrm', 1);
INSERT INTO entries VALUES ('old.txt', 'bafyold', 0);
"""

_V2_SCHEMA = """
CREATE TABLE files (
    root TEXT NOT NULL, path TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'gone')),
    pin INTEGER NOT NULL CHECK (pin IN (0, 1)), cid TEXT, size INTEGER, mtime_ns INTEGER,
    ino INTEGER, gen INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL DEFAULT 'written' CHECK (origin IN ('written', 'restored')),
    attempts INTEGER NOT NULL DEFAULT 0, error TEXT, updated REAL NOT NULL,
    PRIMARY KEY (root, path)
);
CREATE INDEX files_root_state ON files (root, state);
CREATE TABLE refused (
    root TEXT NOT NULL, name BLOB NOT NULL, reason TEXT NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (root, name)
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '2');
INSERT INTO files (root, path, state, pin, gen, updated) VALUES ('/b', 'x', 'pending', 0, 5, 0);
"""


def test_a_schema_1_index_with_entries_keeps_them_for_the_root_that_opens_it(
    tmp_path: Any,
) -> None:
    path = str(tmp_path / "i.sqlite3")
    conn = sqlite3.connect(path)
    conn.executescript(_V1_SCHEMA + _V1_ENTRIES)
    conn.close()
    mine, other = Index(path, root="/a"), Index(path, root="/b")
    assert mine.entry("old.txt") == ("bafyold", False)
    assert mine.owed_drops() == [("rm.txt", "bafyrm")]
    assert other.entry("old.txt") is None and other.owed_drops() == []
    conn = sqlite3.connect(path)
    assert sorted(conn.execute("SELECT root, path FROM entries").fetchall()) == [
        ("/a", "old.txt"), ("/a", "rm.txt")]
    conn.close()


def test_a_schema_2_index_gains_the_entries_table_and_keeps_its_rows(tmp_path: Any) -> None:
    path = str(tmp_path / "i.sqlite3")
    conn = sqlite3.connect(path)
    conn.executescript(_V2_SCHEMA)
    conn.close()
    index = Index(path, root="/a")
    assert index.get("x") is None and Index(path, root="/b").get("x").gen == 5  # type: ignore[union-attr]
    index.set_entry("y", "bafyy", placed=True)
    assert index.entry("y") == ("bafyy", True)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("4",)
    conn.close()


def test_entries_are_per_root_but_a_pin_in_use_is_seen_across_roots(tmp_path: Any) -> None:
    path = str(tmp_path / "i.sqlite3")
    one, two = Index(path, root="/one"), Index(path, root="/two")
    one.set_entry("same.txt", "bafy1", placed=True)
    assert two.entry("same.txt") is None
    two.clear_entry("same.txt")  # /two's clear never touches /one's entry
    assert one.entry("same.txt") == ("bafy1", True)
    assert not one.cid_in_use("bafy1", besides="same.txt")
    assert two.cid_in_use("bafy1", besides="same.txt")  # the node's pin serves /one too
    two.mark_pending("same.txt", pin=True)
    two.mark_removed("same.txt")
    assert one.get("same.txt") is None and one.owed_drops() == []
    two.set_entry("same.txt", "bafy2", placed=True)
    assert two.owed_drops() == [("same.txt", "bafy2")]
    row, dst_gen = two.move_row("same.txt", "moved.txt", pin=True)
    assert row is not None and row.state == "gone" and dst_gen == 1
    assert one.get("moved.txt") is None


def test_roots_sharing_an_index_see_and_change_only_their_own_rows(tmp_path: Any) -> None:
    path = str(tmp_path / "i.sqlite3")
    one, two = Index(path, root="/one"), Index(path, root="/two")
    gen1, _ = one.mark_pending("same.txt", pin=True)
    gen2, old = two.mark_pending("same.txt", pin=False)
    assert (gen1, gen2, old) == (1, 1, None)
    two.mark_gone("same.txt", gen2)  # /two's deletion ...
    assert one.get("same.txt").state == "pending"  # type: ignore[union-attr]
    assert one.counts()["pending"] == 1 and two.counts()["pending"] == 0
    assert [r.path for r in one.pending()] == ["same.txt"] and two.pending() == []
    two.replace_all([])  # ... and /two's reindex leave /one's row alone
    assert [r.path for r in one.rows()] == ["same.txt"]


def test_refused_names_are_kept_by_their_bytes(tmp_path: Any) -> None:
    index = Index(str(tmp_path / "i.sqlite3"), root="/r")
    name = b"caf\xe9.txt".decode("utf-8", "surrogateescape")
    index.mark_refused(name, "not UTF-8")
    index.mark_refused("a\\b", "backslash")
    assert index.refused() == [("a\\b", "backslash"), (name, "not UTF-8")]
    assert Index(index.path, root="/other").refused() == []
    index.forget_refused([name])
    assert index.refused() == [("a\\b", "backslash")]


def test_threads_share_one_connection(tmp_path: Any) -> None:
    import threading

    index = Index(str(tmp_path / "i.sqlite3"), root="/r")
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    threads = [threading.Thread(target=index.mark_pending, args=(f"f{i}", False))
               for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(index.rows()) == 200
    if before:
        assert len(os.listdir("/proc/self/fd")) - before <= 4  # db, wal, shm: once


def test_each_unchanged_close_takes_back_its_own_bump_in_any_order(tmp_path: Any) -> None:
    """A new file's row counts its open (generation 1); every open adds one and every
    unchanged close takes one back, whatever the order: back at 0 a never-published row
    goes. A close that changed something, or an open never taken back (a killed writer),
    keeps it."""
    index = Index(str(tmp_path / "i.sqlite3"), root="/r")
    assert index.bump_or_open_new("lock", pin=True) == (1, True)
    assert index.bump_or_open_new("lock", pin=True) == (2, False)
    assert index.unbump("lock").gen == 1  # type: ignore[union-attr]  # the outer one first
    assert index.unbump("lock") is None and index.get("lock") is None
    # One of two handles writes: its close's record stays after the other's take-back.
    index.bump_or_open_new("w", pin=True)
    index.bump_or_open_new("w", pin=True)
    gen, _ = index.mark_pending("w", pin=True)
    assert gen == 3
    row = index.unbump("w")
    assert row is not None and (row.state, row.gen) == ("pending", 2)
    # A writer that never took its bump back (killed): the survivor's take-back keeps it.
    index.bump_or_open_new("k", pin=False)
    index.bump_or_open_new("k", pin=False)
    row = index.unbump("k")
    assert row is not None and (row.state, row.cid, row.gen) == ("pending", None, 1)
    # A published row goes back to its generation, and stays.
    assert index.record_restored("p", cid="bafp", size=1, pin=True, mtime_ns=1, ino=1)
    index.bump_or_open_new("p", pin=True)
    row = index.unbump("p")
    assert row is not None and (row.state, row.gen) == ("published", 0)


def test_a_schema_3_row_of_a_writer_that_never_closed_keeps_it_pending(tmp_path: Any) -> None:
    """Schema 3 started a new file's row at 0 (no bump for its open): opened with schema 4,
    it gets the bump, so a later unchanged open and close of the path leaves it for `sync`
    (its writer was killed) instead of dropping it."""
    path = str(tmp_path / "i.sqlite3")
    Index(path, root="/r").get("x")  # creates the current schema
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
        conn.executemany(
            "INSERT INTO files (root, path, state, pin, cid, gen, origin, updated) "
            "VALUES ('/r', ?, ?, 1, ?, 0, ?, 0)",
            [("killed", "pending", None, "written"), ("restored", "published", "bafr",
                                                       "restored")],
        )
    conn.close()
    index = Index(path, root="/r")
    assert index.get("killed").gen == 1  # type: ignore[union-attr]
    assert index.get("restored").gen == 0  # type: ignore[union-attr]
    index.bump_or_open_new("killed", pin=True)
    row = index.unbump("killed")
    assert row is not None and (row.state, row.gen) == ("pending", 1)
