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
- `gen`: bumped by every close of the path, and by every writable open of it (so a
  publish that read the file while a writer had it open never records it; taken back
  when that open closes having changed nothing, in whatever order its handles close). A
  publish records its result only if `gen` did not move since it started reading the
  file, so a slow publish of old bytes never overwrites the record of a newer write (see
  `IpfsBackend.publish`). A row a writable open made for a new file starts at 1 (that
  open's bump): a never-published pending row back at 0 had every open taken back and
  no close recorded, so nothing was written and the row goes (`unbump`).

A second table, `entries`, is this machine's view of the shared namespace (see
`_namespace.py`), also keyed by `(root, path)`: path -> the CID this machine placed there
(`placed=1`) or restored from there (`placed=0`) and has not dropped since. A cache
rewrite drops only an entry this machine placed; a removal drops the entry when it still
holds the version this machine knew. The table outlives a daemon outage, so `sync`
completes a drop owed before it. (Schema 3 added its root column; a schema 1 or 2
database is migrated on first open, like `files`. Schema 4 starts a new file's row at
generation 1, see `gen`; a schema 3 database is upgraded on first open.)

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

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from storage_runtime import _os_calls

__all__ = ["Index", "IndexUnavailable", "Row", "access_problem"]

SCHEMA_VERSION = "4"

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
CREATE TABLE IF NOT EXISTS entries (
    root   TEXT NOT NULL,
    path   TEXT NOT NULL,
    cid    TEXT NOT NULL,
    placed INTEGER NOT NULL CHECK (placed IN (0, 1)),
    PRIMARY KEY (root, path)
);
CREATE INDEX IF NOT EXISTS entries_cid ON entries (cid);
"""
_COLUMNS = "path, state, pin, cid, size, mtime_ns, ino, gen, origin, attempts, error, updated"
log = logging.getLogger("storage_runtime")


def _name_key(rel: str) -> bytes:
    """The raw bytes of a relative name (surrogate escapes back to the bytes on disk)."""
    return rel.encode("utf-8", "surrogateescape")


def access_problem(path: str) -> str | None:
    """Why this user cannot use the index at `path` (owner and mode), or None. SQLite
    needs to write the database, its folder (journal files) and its -wal/-shm files even
    to read a WAL database."""
    folder = os.path.dirname(path) or "."
    for target in (path, path + "-wal", path + "-shm", folder):
        if _os_calls.path.exists(target) and not _os_calls.access(target, os.R_OK | os.W_OK):
            try:
                st = _os_calls.stat(target)
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
        #: True: close the connection after each use that no `held()` scope covers, so the
        #: process keeps no descriptor of the index (database, -wal, -shm) between the
        #: runtime's calls. Off by default: closing the last connection of a WAL database
        #: checkpoints it (an fsync), and reopening it recovers the WAL; measured at 1.5-2x
        #: a publish and 20x a writable open that changes nothing (bench/descriptor_cost.py;
        #: Python 3.12's SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE does not help: the recovery
        #: remains). The connection is kept for the process.
        self.transient = False
        self._holds = 0

    # -- connection ---------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """The process's connection (call with `_lock` held)."""
        conn = self._conn_obj
        if conn is not None and self._pid == os.getpid():
            return conn
        try:
            _os_calls.makedirs(os.path.dirname(self.path))
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            _use_wal(conn, self.busy_timeout)
            conn.execute("PRAGMA synchronous = NORMAL")
            if _current(conn):  # the usual case: no write transaction per open
                self._conn_obj, self._pid = conn, os.getpid()
                return conn
            with _transaction(conn):
                _migrate(conn, self.root)
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                _count_the_open_of_new_rows(conn)
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
    def held(self) -> Iterator[None]:
        """Keep one connection across the transactions of one runtime call (a publish
        makes several), closed when the last scope of the process ends."""
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                self._close_if_idle()

    def _close_if_idle(self) -> None:
        """(With `_lock` held.) Close the connection when `transient` and no scope holds it."""
        conn = self._conn_obj
        if self.transient and not self._holds and conn is not None and self._pid == os.getpid():
            self._conn_obj = None
            try:
                conn.close()
            except sqlite3.Error:  # closing is best effort: the data is committed
                log.debug("storage_runtime: closing the index failed", exc_info=True)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn()
            try:
                with _transaction(conn):
                    yield conn
            except sqlite3.Error as exc:
                raise IndexUnavailable(self._explain(exc, "failed")) from exc
            finally:
                self._close_if_idle()

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._conn().execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise IndexUnavailable(self._explain(exc, "failed")) from exc
            finally:
                self._close_if_idle()

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

    def replace_all(
        self,
        rows: list[Row],
        refused: Sequence[tuple[str, str]] = (),
        entries: Sequence[tuple[str, str, bool]] = (),
    ) -> None:
        """Replace every row, refusal and namespace entry (path, CID, placed) of this root
        in one transaction (used by `reindex`)."""
        with self._write() as conn:
            conn.execute("DELETE FROM files WHERE root = ?", (self.root,))
            conn.execute("DELETE FROM refused WHERE root = ?", (self.root,))
            conn.execute("DELETE FROM entries WHERE root = ?", (self.root,))
            conn.executemany(
                "INSERT INTO entries (root, path, cid, placed) VALUES (?, ?, ?, ?)",
                [(self.root, rel, cid, int(placed)) for rel, cid, placed in entries],
            )
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

    def bump_or_open_new(self, rel: str, pin: bool | None) -> tuple[int | None, bool]:
        """A writable open of `rel` starts: its generation goes up, so a publish that started
        before it records nothing. In the same transaction, when `rel` has no row and `pin`
        is known, a new `pending` row at generation 1 (this open's bump; with the pin its
        close would publish it with): a writer that never closes the file (a kill,
        `os._exit`) never takes its bump back, so the row stays for `sync` to publish once
        the file is no longer open for writing. Returns the generation (None: no row) and
        whether the row is new."""
        with self._write() as conn:
            row = conn.execute(
                "UPDATE files SET gen = gen + 1 WHERE root = ? AND path = ? RETURNING gen",
                (self.root, rel),
            ).fetchone()
            if row is not None:
                return int(row[0]), False
            if pin is None:
                return None, False
            conn.execute(
                "INSERT INTO files (root, path, state, pin, gen, origin, updated) "
                "VALUES (?, ?, 'pending', ?, 1, 'written', ?)",
                (self.root, rel, int(pin), time.time()),
            )
        return 1, True

    def unbump(self, rel: str) -> Row | None:
        """A writable open of `rel` closed having changed nothing, or failed: its bump is
        taken back (the bytes a publish read meanwhile are still the file's). Whatever the
        order the handles of one path close in, each takes back only its own bump: a
        close that changed something, a rename, a removal or a killed writer leave theirs.
        So a never-published `pending` row back at 0 was only ever opened by handles that
        all closed unchanged (or failed): it goes, and the path is again one this machine
        never knew (still restored on a read; no `sync` publishes a file nobody wrote).
        Returns the row as it is then (None: no row, or it went)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE files SET gen = gen - 1 WHERE root = ? AND path = ? AND gen > 0",
                (self.root, rel),
            )
            conn.execute(
                "DELETE FROM files WHERE root = ? AND path = ? AND gen = 0 "
                "AND state = 'pending' AND cid IS NULL",
                (self.root, rel),
            )
            old = conn.execute(
                f"SELECT {_COLUMNS} FROM files WHERE root = ? AND path = ?", (self.root, rel)
            ).fetchone()
        return Row.from_tuple(old) if old else None

    def mark_removed(self, rel: str) -> Row | None:
        """The program removed `rel` through the runtime: the row becomes `gone` (a newer
        generation, so no publish in flight records it). Returns the row as it was."""
        with self._write() as conn:
            return self._mark_gone(conn, rel)

    def _mark_gone(self, conn: sqlite3.Connection, rel: str) -> Row | None:
        """In `conn`'s transaction: `rel`'s row becomes `gone` on a new generation; returns
        the row as it was."""
        old = conn.execute(
            f"SELECT {_COLUMNS} FROM files WHERE root = ? AND path = ?", (self.root, rel)
        ).fetchone()
        conn.execute(
            "UPDATE files SET state = 'gone', gen = gen + 1, updated = ? "
            "WHERE root = ? AND path = ?",
            (time.time(), self.root, rel),
        )
        return Row.from_tuple(old) if old else None

    def move_row(self, src: str, dst: str, pin: bool) -> tuple[Row | None, int]:
        """`src` was renamed to `dst`: `src` becomes `gone` and `dst` pending with `pin`, each
        on a new generation, in one transaction. Returns `src`'s row as it was and `dst`'s
        new generation."""
        with self._write() as conn:
            old = self._mark_gone(conn, src)
            prev = conn.execute(
                "SELECT gen FROM files WHERE root = ? AND path = ?", (self.root, dst)
            ).fetchone()
            gen = (prev[0] + 1) if prev else 1
            conn.execute(
                "INSERT INTO files (root, path, state, pin, gen, origin, updated) "
                "VALUES (?, ?, 'pending', ?, ?, 'written', ?) "
                "ON CONFLICT (root, path) DO UPDATE SET state = 'pending', "
                "pin = excluded.pin, gen = excluded.gen, origin = 'written', "
                "updated = excluded.updated",
                (self.root, dst, int(pin), gen, time.time()),
            )
        return old, gen

    # -- the namespace entries this machine placed or restored ----------------------
    def entry(self, rel: str) -> tuple[str, bool] | None:
        """(CID, placed by this machine) of the namespace entry this machine knows at `rel`."""
        rows = self._read("SELECT cid, placed FROM entries WHERE root = ? AND path = ?",
                          (self.root, rel))
        return (str(rows[0][0]), bool(rows[0][1])) if rows else None

    def set_entry(self, rel: str, cid: str, *, placed: bool) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO entries (root, path, cid, placed) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (root, path) "
                "DO UPDATE SET cid = excluded.cid, placed = excluded.placed",
                (self.root, rel, cid, int(placed)),
            )

    def clear_entry(self, rel: str, cid: str | None = None) -> None:
        """Forget the entry at `rel` (only if it still records `cid`, when given)."""
        with self._write() as conn:
            if cid is None:
                conn.execute("DELETE FROM entries WHERE root = ? AND path = ?",
                             (self.root, rel))
            else:
                conn.execute("DELETE FROM entries WHERE root = ? AND path = ? AND cid = ?",
                             (self.root, rel, cid))

    def owed_drops(self) -> list[tuple[str, str]]:
        """(path, CID) of known entries whose file this machine removed: drops not done yet
        (the daemon was down, or the process was killed in between)."""
        rows = self._read(
            "SELECT e.path, e.cid FROM entries e "
            "JOIN files f ON f.root = e.root AND f.path = e.path "
            "WHERE e.root = ? AND f.state = 'gone'",
            (self.root,),
        )
        return [(str(p), str(c)) for p, c in rows]

    def cid_in_use(self, cid: str, *, besides: str,
                   verify: Callable[[str], bool] | None = None) -> bool:
        """True when a path other than `besides` (of this root) holds `cid` as a pinned file
        or an entry. Unlike every other query this one looks at every root of the
        database: a pin belongs to the node, which roots sharing an index share, so
        another root's file of the same bytes still needs it. A path of this root that
        knows `cid` only from a restore (another machine placed it; the namespace may have
        moved on since) counts only if `verify(path)` says it still holds `cid`."""
        rows = self._read(
            "SELECT root, path, placed FROM entries WHERE cid = ? AND NOT (root = ? AND path = ?) "
            "UNION ALL SELECT root, path, origin = 'written' FROM files WHERE cid = ? "
            "AND pin = 1 AND state = 'published' AND NOT (root = ? AND path = ?)",
            (cid, self.root, besides, cid, self.root, besides),
        )
        restored = set()
        for root, path, own in rows:
            if root != self.root or own or verify is None:
                return True
            restored.add(str(path))
        return any(verify(path) for path in sorted(restored))

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


#: The tables and indexes `_SCHEMA` creates.
_SCHEMA_NAMES = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", _SCHEMA))


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the database in WAL mode, once for the file. Switching the mode needs the
    database to itself, and SQLite answers SQLITE_BUSY at once, without its busy handler,
    while another process opens or switches it (workers starting together on a new index:
    about one start in a hundred and fifty of four racing processes here). So it is tried
    again, for at most `timeout` seconds, as a busy handler would wait."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)


def _current(conn: sqlite3.Connection) -> bool:
    """True when the database already has this schema version and every table and index
    of `_SCHEMA` (nothing to create): an open then makes no write transaction."""
    try:
        found = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.OperationalError:  # no meta table yet
        return False
    return (found is not None and str(found[0]) == str(SCHEMA_VERSION)
            and _SCHEMA_NAMES <= names)


def _migrate(conn: sqlite3.Connection, root: str) -> None:
    """Schemas 1 and 2 -> 3: a table without a root column (`files` in schema 1, `entries`
    in a schema 1 or 2 database written by a runtime that had it) is rebuilt with one, and
    its rows become `root`'s (module doc). Runs inside the opening transaction, so
    concurrent openers migrate once."""
    old_tables = []
    for table in ("files", "entries"):
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        if columns and "root" not in columns:
            conn.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
            old_tables.append(table)
    if not old_tables:
        return
    conn.execute("DROP INDEX IF EXISTS files_state")
    for statement in filter(str.strip, _SCHEMA.split(";")):
        conn.execute(statement)
    if "files" in old_tables:
        conn.execute(
            f"INSERT INTO files (root, {_COLUMNS}) SELECT ?, {_COLUMNS} FROM files_old",
            (root,),
        )
    if "entries" in old_tables:
        conn.execute(
            "INSERT INTO entries (root, path, cid, placed) "
            "SELECT ?, path, cid, placed FROM entries_old",
            (root,),
        )
    for table in old_tables:
        conn.execute(f"DROP TABLE {table}_old")


def _count_the_open_of_new_rows(conn: sqlite3.Connection) -> None:
    """Schema 3 -> 4: a row a writable open made for a new file starts at generation 1 (the
    open's bump, taken back by an unchanged close), where schema 3 started it at 0. A
    schema 3 row still at 0 (its writer was killed, or is still open in a process of the
    older runtime) gets the bump it would now carry, so it is published as before instead
    of going with the first unchanged close of the path. (In schema 4 no such row stays
    at 0: `unbump` removes it, so running this again changes nothing.)"""
    conn.execute(
        "UPDATE files SET gen = 1 WHERE state = 'pending' AND cid IS NULL AND gen = 0"
    )


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
