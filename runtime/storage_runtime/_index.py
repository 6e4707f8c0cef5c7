"""The local index: which files under the root this machine wrote, and where they stand.

One SQLite database (standard library) shared by every process of the machine that uses
the same root. One row per path (relative to the root, POSIX separators):

- `state`: `pending` (closed, not yet confirmed on the node), `published` (the node has
  `cid`, pinned when `pin`), or `gone` (was pending, then deleted before it was published);
- `origin`: `written` (this machine wrote it) or `restored` (fetched from the namespace).
  Any row means "this machine knows this path": a file it wrote and the program later
  deleted is never restored again;
- `gen`: bumped by every close of the path, and by every writable open of a known path
  (so a publish that read the file while a writer had it open never records it). A publish records its result only if `gen`
  did not move since it started reading the file, so a slow publish of old bytes never
  overwrites the record of a newer write (see `IpfsBackend.publish`).

A second table, `entries`, is this machine's view of the shared namespace (see
`_namespace.py`): path -> the CID this machine placed there (`placed=1`) or restored from
there (`placed=0`) and has not dropped since. A cache rewrite drops only an entry this
machine placed; a removal drops the entry when it still holds the version this machine
knew. The table outlives a daemon outage, so `sync` completes a drop owed before it.

Concurrency: WAL journal (readers never block the writer), `busy_timeout` so a writer
waits for the lock instead of failing, `BEGIN IMMEDIATE` short transactions (one or two
statements, no I/O to the node while the lock is held). `synchronous=NORMAL`: a committed
row survives a crash of the process (kill -9) but may be lost on power failure together
with the unsynced file it describes.

Connections are per process and per thread (SQLite connections must not cross a fork).
An unreadable or corrupt database raises `IndexUnavailable`; `python -m storage_runtime
status` reports it and `reindex` rebuilds it (`_reindex.py`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Index", "IndexUnavailable", "Row"]

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path     TEXT PRIMARY KEY,
    state    TEXT NOT NULL CHECK (state IN ('pending', 'published', 'gone')),
    pin      INTEGER NOT NULL CHECK (pin IN (0, 1)),
    cid      TEXT,
    size     INTEGER,
    mtime_ns INTEGER,
    ino      INTEGER,
    gen      INTEGER NOT NULL DEFAULT 0,
    origin   TEXT NOT NULL DEFAULT 'written' CHECK (origin IN ('written', 'restored')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error    TEXT,
    updated  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS files_state ON files (state);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    path   TEXT PRIMARY KEY,
    cid    TEXT NOT NULL,
    placed INTEGER NOT NULL CHECK (placed IN (0, 1))
);
"""
_COLUMNS = "path, state, pin, cid, size, mtime_ns, ino, gen, origin, attempts, error, updated"


class IndexUnavailable(OSError):
    """The index database cannot be opened or is corrupt (`reindex` rebuilds it)."""


@dataclass(frozen=True, slots=True)
class Row:
    path: str
    state: str
    pin: bool
    cid: str | None
    size: int | None
    mtime_ns: int | None
    ino: int | None
    gen: int
    origin: str
    attempts: int
    error: str | None
    updated: float

    @classmethod
    def from_tuple(cls, t: tuple[object, ...]) -> Row:
        values = list(t)
        values[2] = bool(values[2])
        return cls(*values)  # type: ignore[arg-type]


class Index:
    """The SQLite index at `path` (created with its folder on first use)."""

    def __init__(self, path: str, *, busy_timeout: float = 60.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._local = threading.local()

    # -- connection ---------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid():
            return conn
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            with _transaction(conn):
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                    (SCHEMA_VERSION,),
                )
        except (sqlite3.Error, OSError) as exc:
            raise IndexUnavailable(f"index {self.path} is unreadable: {exc}") from exc
        local.conn, local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            with _transaction(conn):
                yield conn
        except sqlite3.Error as exc:
            raise IndexUnavailable(f"index {self.path}: {exc}") from exc

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        try:
            return self._conn().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise IndexUnavailable(f"index {self.path}: {exc}") from exc

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    # -- writes ------------------------------------------------------------------
    def mark_pending(self, rel: str, pin: bool) -> tuple[int, Row | None]:
        """Record that `rel` was closed after writing (before any publish is tried).

        Returns the new generation and the row as it was before."""
        with self._write() as conn:
            old = conn.execute(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (rel,)).fetchone()
            gen = (old[7] + 1) if old else 1
            conn.execute(
                "INSERT INTO files (path, state, pin, gen, origin, updated) "
                "VALUES (?, 'pending', ?, ?, 'written', ?) "
                "ON CONFLICT (path) DO UPDATE SET state = 'pending', pin = excluded.pin, "
                "gen = excluded.gen, origin = 'written', updated = excluded.updated",
                (rel, int(pin), gen, time.time()),
            )
        return gen, (Row.from_tuple(old) if old else None)

    def mark_published(
        self, rel: str, gen: int, *, cid: str, size: int, pin: bool, mtime_ns: int, ino: int
    ) -> bool:
        """Record a confirmed publish, only if no newer close happened since `gen`."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE files SET state = 'published', cid = ?, size = ?, pin = ?, "
                "mtime_ns = ?, ino = ?, attempts = 0, error = NULL, updated = ? "
                "WHERE path = ? AND gen = ?",
                (cid, size, int(pin), mtime_ns, ino, time.time(), rel, gen),
            )
            return cur.rowcount == 1

    def mark_failed(self, rel: str, gen: int, error: str) -> None:
        """Count a failed publish attempt of a pending row (it stays pending)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE files SET attempts = attempts + 1, error = ?, updated = ? "
                "WHERE path = ? AND gen = ? AND state = 'pending'",
                (error[:500], time.time(), rel, gen),
            )

    def mark_gone(self, rel: str, gen: int) -> None:
        """A pending file was deleted before it could be published."""
        with self._write() as conn:
            conn.execute(
                "UPDATE files SET state = 'gone', updated = ? "
                "WHERE path = ? AND gen = ? AND state = 'pending'",
                (time.time(), rel, gen),
            )

    def mark_stale(self, rel: str, gen: int) -> None:
        """A published file changed on disk without a close seen by the runtime."""
        with self._write() as conn:
            conn.execute(
                "UPDATE files SET state = 'pending', gen = gen + 1, updated = ? "
                "WHERE path = ? AND gen = ? AND state = 'published'",
                (time.time(), rel, gen),
            )

    def record_restored(
        self, rel: str, *, cid: str, size: int, pin: bool, mtime_ns: int, ino: int
    ) -> bool:
        """Record a file fetched from the namespace; never overrides a row."""
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO files (path, state, pin, cid, size, mtime_ns, ino, gen, "
                "origin, updated) VALUES (?, 'published', ?, ?, ?, ?, ?, 0, 'restored', ?)",
                (rel, int(pin), cid, size, mtime_ns, ino, time.time()),
            )
            return cur.rowcount == 1

    def replace_all(self, rows: list[Row]) -> None:
        """Replace every row (used by `reindex` on a fresh database)."""
        with self._write() as conn:
            conn.execute("DELETE FROM files")
            conn.executemany(
                f"INSERT INTO files ({_COLUMNS}) VALUES ({', '.join('?' * 12)})",
                [_astuple(r) for r in rows],
            )

    def bump(self, rel: str) -> None:
        """A writable open of `rel` starts: a publish that started before it records nothing."""
        with self._write() as conn:
            conn.execute("UPDATE files SET gen = gen + 1 WHERE path = ?", (rel,))

    def mark_removed(self, rel: str) -> Row | None:
        """The program removed `rel` through the runtime: the row becomes `gone` (a newer
        generation, so no publish in flight records it). Returns the row as it was."""
        with self._write() as conn:
            old = conn.execute(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (rel,)).fetchone()
            conn.execute(
                "UPDATE files SET state = 'gone', gen = gen + 1, updated = ? WHERE path = ?",
                (time.time(), rel),
            )
        return Row.from_tuple(old) if old else None

    def move_row(self, src: str, dst: str, pin: bool) -> tuple[Row | None, int]:
        """`src` was renamed to `dst`: `src` becomes `gone` and `dst` pending with `pin`, each
        on a new generation, in one transaction. Returns `src`'s row as it was and `dst`'s
        new generation."""
        with self._write() as conn:
            old = conn.execute(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (src,)).fetchone()
            conn.execute(
                "UPDATE files SET state = 'gone', gen = gen + 1, updated = ? WHERE path = ?",
                (time.time(), src),
            )
            prev = conn.execute("SELECT gen FROM files WHERE path = ?", (dst,)).fetchone()
            gen = (prev[0] + 1) if prev else 1
            conn.execute(
                "INSERT INTO files (path, state, pin, gen, origin, updated) "
                "VALUES (?, 'pending', ?, ?, 'written', ?) "
                "ON CONFLICT (path) DO UPDATE SET state = 'pending', pin = excluded.pin, "
                "gen = excluded.gen, origin = 'written', updated = excluded.updated",
                (dst, int(pin), gen, time.time()),
            )
        return (Row.from_tuple(old) if old else None), gen

    # -- the namespace entries this machine placed or restored ----------------------
    def entry(self, rel: str) -> tuple[str, bool] | None:
        """(CID, placed by this machine) of the namespace entry this machine knows at `rel`."""
        rows = self._read("SELECT cid, placed FROM entries WHERE path = ?", (rel,))
        return (str(rows[0][0]), bool(rows[0][1])) if rows else None

    def set_entry(self, rel: str, cid: str, *, placed: bool) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO entries (path, cid, placed) VALUES (?, ?, ?) ON CONFLICT (path) "
                "DO UPDATE SET cid = excluded.cid, placed = excluded.placed",
                (rel, cid, int(placed)),
            )

    def clear_entry(self, rel: str, cid: str | None = None) -> None:
        """Forget the entry at `rel` (only if it still records `cid`, when given)."""
        with self._write() as conn:
            if cid is None:
                conn.execute("DELETE FROM entries WHERE path = ?", (rel,))
            else:
                conn.execute("DELETE FROM entries WHERE path = ? AND cid = ?", (rel, cid))

    def owed_drops(self) -> list[tuple[str, str]]:
        """(path, CID) of known entries whose file this machine removed: drops not done yet
        (the daemon was down, or the process was killed in between)."""
        rows = self._read(
            "SELECT e.path, e.cid FROM entries e JOIN files f ON f.path = e.path "
            "WHERE f.state = 'gone'"
        )
        return [(str(p), str(c)) for p, c in rows]

    def cid_in_use(self, cid: str, *, besides: str) -> bool:
        """True when a path other than `besides` holds `cid` as a pinned file or an entry."""
        rows = self._read(
            "SELECT 1 FROM entries WHERE cid = ? AND path != ? UNION ALL "
            "SELECT 1 FROM files WHERE cid = ? AND pin = 1 AND state = 'published' "
            "AND path != ? LIMIT 1",
            (cid, besides, cid, besides),
        )
        return bool(rows)

    # -- reads -------------------------------------------------------------------
    def get(self, rel: str) -> Row | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (rel,))
        return Row.from_tuple(rows[0]) if rows else None

    def pending(self, limit: int = 1000) -> list[Row]:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM files WHERE state = 'pending' "
            "ORDER BY attempts, updated LIMIT ?",
            (limit,),
        )
        return [Row.from_tuple(r) for r in rows]

    def rows(self) -> list[Row]:
        return [Row.from_tuple(r) for r in self._read(f"SELECT {_COLUMNS} FROM files")]

    def counts(self) -> dict[str, int]:
        """Number of rows per state, plus `pinned` (published and pinned)."""
        out = {"published": 0, "pending": 0, "gone": 0, "pinned": 0}
        for state, pin, n in self._read(
            "SELECT state, pin, COUNT(*) FROM files GROUP BY state, pin"
        ):
            out[str(state)] += int(n)  # type: ignore[call-overload]
            if state == "published" and pin:
                out["pinned"] += int(n)  # type: ignore[call-overload]
        return out

    def check(self) -> None:
        """Raise `IndexUnavailable` unless SQLite's quick_check passes."""
        result = self._read("PRAGMA quick_check")
        if [r[0] for r in result] != ["ok"]:
            raise IndexUnavailable(f"index {self.path} is corrupt: {result[0][0]}")


def _astuple(r: Row) -> tuple[object, ...]:
    return (r.path, r.state, int(r.pin), r.cid, r.size, r.mtime_ns, r.ino, r.gen, r.origin,
            r.attempts, r.error, r.updated)


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    conn.execute("COMMIT")
