"""The local index: which files under a root this machine wrote, and where they stand.

One SQLite database (standard library) shared by every process of the machine that uses
it. Rows are keyed by `(root, path)`: every query of an `Index` is limited to its own root,
so several roots may share one database (`STORAGE_RUNTIME_INDEX` set once for a user's
projects) and one root's `sync`, `reindex` or `status` never reads, marks or counts
another root's rows. (Refusing a shared index instead was rejected: a shared setting would
then stop every root but the first, and its writes would be neither published nor
pending.) A database of schema 1 (one root, no root column) is migrated on first open; its
rows go to the root that opens it first, which is the root it belonged to in the default
layout (`<root>/.storage-runtime/index.sqlite3`). One row per path (relative to the root,
POSIX separators):

- `state`: `pending` (closed, not yet confirmed on the node), `published` (the node has
  `cid`, pinned when `pin`), or `gone` (was pending, then deleted before it was published);
- `origin`: `written` (this machine wrote it) or `restored` (fetched from the namespace).
  Any row means "this machine knows this path": a file it wrote and the program later
  deleted is never restored again;
- `gen`: bumped by every close of the path. A publish records its result only if `gen`
  did not move since it started reading the file, so a slow publish of old bytes never
  overwrites the record of a newer write (see `IpfsBackend.publish`).

Files whose names the namespace cannot hold (`_paths.unpublishable_name`) are never
pending: they are listed in the `refused` table with the reason, keyed by the name's raw
bytes (a name that is not valid UTF-8 cannot be SQLite text), so `status` reports them.

Concurrency: WAL journal (readers never block the writer), `busy_timeout` so a writer
waits for the lock instead of failing, `BEGIN IMMEDIATE` short transactions (one or two
statements, no I/O to the node while the lock is held). `synchronous=NORMAL`: a committed
row survives a crash of the process (kill -9) but may be lost on power failure together
with the unsynced file it describes.

One connection per process (SQLite connections must not cross a fork), shared by its
threads under a lock: the descriptors it holds do not grow with the program's thread count.
An unreadable or corrupt database raises `IndexUnavailable`; one this user may not write
(another user's) says so, since `reindex` could not repair it either.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Index", "IndexUnavailable", "Row", "access_problem"]

SCHEMA_VERSION = "2"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    root     TEXT NOT NULL,
    path     TEXT NOT NULL,
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
    updated  REAL NOT NULL,
    PRIMARY KEY (root, path)
);
CREATE INDEX IF NOT EXISTS files_root_state ON files (root, state);
CREATE TABLE IF NOT EXISTS refused (
    root    TEXT NOT NULL,
    name    BLOB NOT NULL,
    reason  TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (root, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = "path, state, pin, cid, size, mtime_ns, ino, gen, origin, attempts, error, updated"


def _name_key(rel: str) -> bytes:
    """The raw bytes of a relative name (surrogate escapes back to the bytes on disk)."""
    return rel.encode("utf-8", "surrogateescape")


def access_problem(path: str) -> str | None:
    """Why this user cannot use the index at `path` (owner and mode), or None. SQLite
    needs to write the database, its folder (journal files) and its -wal/-shm files even
    to read a WAL database."""
    folder = os.path.dirname(path) or "."
    for target in (path, path + "-wal", path + "-shm", folder):
        if os.path.exists(target) and not os.access(target, os.R_OK | os.W_OK):
            try:
                st = os.stat(target)
                owner = f"owned by uid {st.st_uid}, mode {st.st_mode & 0o777:o}"
            except OSError:
                owner = "not accessible"
            return (f"index {path} is not writable by this user (uid {os.getuid()}): "
                    f"{target} is {owner}; run as its owner, or set STORAGE_RUNTIME_INDEX "
                    "to an index this user may write (`reindex` cannot rebuild another "
                    "user's index)")
    return None


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
    """The rows of `root` in the SQLite index at `path` (created with its folder on first
    use). Every method reads and writes `root`'s rows only."""

    def __init__(self, path: str, *, root: str, busy_timeout: float = 60.0) -> None:
        self.path = path
        self.root = root
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn_obj: sqlite3.Connection | None = None
        self._pid = 0

    # -- connection ---------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """The process's connection (call with `_lock` held)."""
        conn = self._conn_obj
        if conn is not None and self._pid == os.getpid():
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
                _migrate_v1(conn, self.root)
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)",
                    (SCHEMA_VERSION,),
                )
        except (sqlite3.Error, OSError) as exc:
            raise IndexUnavailable(self._explain(exc, "is unreadable")) from exc
        self._conn_obj, self._pid = conn, os.getpid()
        return conn

    def _explain(self, exc: BaseException, what: str) -> str:
        problem = access_problem(self.path)
        if problem is not None:
            return problem
        return f"index {self.path} {what}: {exc}"

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn()
            try:
                with _transaction(conn):
                    yield conn
            except sqlite3.Error as exc:
                raise IndexUnavailable(self._explain(exc, "failed")) from exc

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._conn().execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise IndexUnavailable(self._explain(exc, "failed")) from exc

    def close(self) -> None:
        with self._lock:
            conn = self._conn_obj
            if conn is not None and self._pid == os.getpid():
                conn.close()
            self._conn_obj = None

    # -- writes ------------------------------------------------------------------
    def mark_pending(self, rel: str, pin: bool) -> tuple[int, Row | None]:
        """Record that `rel` was closed after writing (before any publish is tried).

        Returns the new generation and the row as it was before."""
        with self._write() as conn:
            old = conn.execute(
                f"SELECT {_COLUMNS} FROM files WHERE root = ? AND path = ?", (self.root, rel)
            ).fetchone()
            gen = (old[7] + 1) if old else 1
            conn.execute(
                "INSERT INTO files (root, path, state, pin, gen, origin, updated) "
                "VALUES (?, ?, 'pending', ?, ?, 'written', ?) "
                "ON CONFLICT (root, path) DO UPDATE SET state = 'pending', "
                "pin = excluded.pin, gen = excluded.gen, origin = 'written', "
                "updated = excluded.updated",
                (self.root, rel, int(pin), gen, time.time()),
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
                "WHERE root = ? AND path = ? AND gen = ?",
                (cid, size, int(pin), mtime_ns, ino, time.time(), self.root, rel, gen),
            )
            return cur.rowcount == 1

    def mark_failed(self, rel: str, gen: int, error: str) -> None:
        """Count a failed publish attempt of a pending row (it stays pending)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE files SET attempts = attempts + 1, error = ?, updated = ? "
                "WHERE root = ? AND path = ? AND gen = ? AND state = 'pending'",
                (error[:500], time.time(), self.root, rel, gen),
            )

    def mark_gone(self, rel: str, gen: int) -> None:
        """A pending file was deleted before it could be published."""
        with self._write() as conn:
            conn.execute(
                "UPDATE files SET state = 'gone', updated = ? "
                "WHERE root = ? AND path = ? AND gen = ? AND state = 'pending'",
                (time.time(), self.root, rel, gen),
            )

    def mark_stale(self, rel: str, gen: int) -> None:
        """A published file changed on disk without a close seen by the runtime."""
        with self._write() as conn:
            conn.execute(
                "UPDATE files SET state = 'pending', gen = gen + 1, updated = ? "
                "WHERE root = ? AND path = ? AND gen = ? AND state = 'published'",
                (time.time(), self.root, rel, gen),
            )

    def record_restored(
        self, rel: str, *, cid: str, size: int, pin: bool, mtime_ns: int, ino: int
    ) -> bool:
        """Record a file fetched from the namespace; never overrides a row."""
        with self._write() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO files (root, path, state, pin, cid, size, mtime_ns, "
                "ino, gen, origin, updated) "
                "VALUES (?, ?, 'published', ?, ?, ?, ?, ?, 0, 'restored', ?)",
                (self.root, rel, int(pin), cid, size, mtime_ns, ino, time.time()),
            )
            return cur.rowcount == 1

    def mark_refused(self, rel: str, reason: str) -> None:
        """`rel` was written but will never be published (`reason` says why)."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO refused (root, name, reason, updated) "
                "VALUES (?, ?, ?, ?)",
                (self.root, _name_key(rel), reason[:500], time.time()),
            )

    def forget_refused(self, rels: list[str]) -> None:
        """Drop refusals of files that no longer exist."""
        with self._write() as conn:
            conn.executemany(
                "DELETE FROM refused WHERE root = ? AND name = ?",
                [(self.root, _name_key(rel)) for rel in rels],
            )

    def replace_all(self, rows: list[Row], refused: Sequence[tuple[str, str]] = ()) -> None:
        """Replace every row and refusal of this root (used by `reindex`)."""
        with self._write() as conn:
            conn.execute("DELETE FROM files WHERE root = ?", (self.root,))
            conn.execute("DELETE FROM refused WHERE root = ?", (self.root,))
            conn.executemany(
                f"INSERT INTO files (root, {_COLUMNS}) VALUES ({', '.join('?' * 13)})",
                [(self.root, *_astuple(r)) for r in rows],
            )
            now = time.time()
            conn.executemany(
                "INSERT OR REPLACE INTO refused (root, name, reason, updated) "
                "VALUES (?, ?, ?, ?)",
                [(self.root, _name_key(rel), reason[:500], now) for rel, reason in refused],
            )

    # -- reads -------------------------------------------------------------------
    def get(self, rel: str) -> Row | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM files WHERE root = ? AND path = ?",
                          (self.root, rel))
        return Row.from_tuple(rows[0]) if rows else None

    def pending(self, limit: int = 1000) -> list[Row]:
        rows = self._read(
            f"SELECT {_COLUMNS} FROM files WHERE root = ? AND state = 'pending' "
            "ORDER BY attempts, updated LIMIT ?",
            (self.root, limit),
        )
        return [Row.from_tuple(r) for r in rows]

    def rows(self) -> list[Row]:
        return [Row.from_tuple(r) for r in self._read(
            f"SELECT {_COLUMNS} FROM files WHERE root = ?", (self.root,)
        )]

    def refused(self) -> list[tuple[str, str]]:
        """(relative name, reason) of every refused file of this root, by name."""
        rows = self._read("SELECT name, reason FROM refused WHERE root = ? ORDER BY name",
                          (self.root,))
        return [(bytes(n).decode("utf-8", "surrogateescape"), str(r))  # type: ignore[arg-type]
                for n, r in rows]

    def counts(self) -> dict[str, int]:
        """Number of rows per state, plus `pinned` (published and pinned)."""
        out = {"published": 0, "pending": 0, "gone": 0, "pinned": 0}
        for state, pin, n in self._read(
            "SELECT state, pin, COUNT(*) FROM files WHERE root = ? GROUP BY state, pin",
            (self.root,),
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


def _migrate_v1(conn: sqlite3.Connection, root: str) -> None:
    """Schema 1 (`files` keyed by path alone) -> 2: its rows become `root`'s (module doc).
    Runs inside the opening transaction, so concurrent openers migrate once."""
    columns = [r[1] for r in conn.execute("PRAGMA table_info(files)")]
    if not columns or "root" in columns:
        return
    conn.execute("ALTER TABLE files RENAME TO files_v1")
    conn.execute("DROP INDEX IF EXISTS files_state")
    for statement in filter(str.strip, _SCHEMA.split(";")):
        conn.execute(statement)
    conn.execute(f"INSERT INTO files (root, {_COLUMNS}) SELECT ?, {_COLUMNS} FROM files_v1",
                 (root,))
    conn.execute("DROP TABLE files_v1")


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
