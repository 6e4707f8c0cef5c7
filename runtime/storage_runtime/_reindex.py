"""Rebuild the index from the files under the root and the node's MFS namespace.

Used when the index is corrupt or lost (`python -m storage_runtime reindex`). Pending
publishes are never lost: a file under the root is recorded `published` only when its
bytes are provably on the node under this machine's record (the old row, if readable,
names the same CID) or in the namespace (the MFS entry at its path has the same CID);
every other file becomes `pending`, and `sync` publishes it (re-adding a file that was in
fact published is harmless: same bytes, same CID).

What survives from the old index: every row that can still be read (SQLite is read row
by row and stops at the first unreadable page). Rows of files that no longer exist are
kept (so a file this machine wrote and deleted stays deleted); with an unreadable index
that memory is lost, and such files become restorable again. A corrupt database is moved
aside as `<index>.corrupt-<time>` (with its -wal/-shm files), not deleted.

Files whose names the namespace cannot hold (`_paths.unpublishable_name`) are recorded
as refused with the reason, as a write would record them; the rows of other roots sharing
the index are not replaced; when a corrupt database is moved aside, their readable rows
are copied into the new one unchanged (their refusals are recorded again by their next
write or `reindex`, their namespace entries by their own `reindex`). Leftover temporary files of killed writers and
restorers are removed first (`_tempfiles.sweep`).

Run it while no process writes under the root: it replaces every row at once.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from storage_runtime._atomic import TEMP_SUFFIX
from storage_runtime._cid import cid_of_file
from storage_runtime._index import (
    _COLUMNS,
    Index,
    IndexUnavailable,
    Row,
    access_problem,
)
from storage_runtime._paths import unpublishable_name
from storage_runtime._restore import PullReport, walk_namespace

if TYPE_CHECKING:
    from storage_runtime._ipfs import IpfsBackend

__all__ = ["ReindexReport", "reindex"]


@dataclass
class ReindexReport:
    files: int = 0
    published: int = 0
    pending: int = 0
    kept: int = 0
    salvaged: int = 0
    moved_aside: str | None = None
    node_error: str | None = None
    refused: list[tuple[str, str]] = field(default_factory=list)
    swept: int = 0
    other_roots_kept: int = 0


def salvage(path: str, root: str) -> dict[str, list[Row]]:
    """Every row still readable from the database at `path` (maybe corrupt), by root;
    a schema 1 database (without roots) is all `root`'s."""
    out: dict[str, list[Row]] = {}
    if not os.path.exists(path):
        return out
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return out
    try:
        try:
            cursor = conn.execute(f"SELECT root, {_COLUMNS} FROM files")
        except sqlite3.OperationalError:  # schema 1: no root column
            cursor = conn.execute(f"SELECT ?, {_COLUMNS} FROM files", (root,))
        while True:
            try:
                item = cursor.fetchone()
            except sqlite3.Error:
                break
            if item is None:
                break
            try:
                out.setdefault(str(item[0]), []).append(Row.from_tuple(item[1:]))
            except (TypeError, ValueError):
                continue
    except sqlite3.Error:
        pass
    finally:
        conn.close()
    return out


def _move_aside(path: str) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    dest = f"{path}.corrupt-{stamp}"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.replace(path + suffix, dest + suffix)
    return dest


def _local_files(backend: IpfsBackend) -> list[str]:
    root = backend.settings.root
    out: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in names:
            path = os.path.join(folder, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if not stat.S_ISREG(mode) or ".sr-restore-" in name or name.endswith(TEMP_SUFFIX):
                continue
            rel = backend.rel(path)
            if rel is not None:
                out.append(rel)
    return sorted(out)


def _namespace_cids(backend: IpfsBackend) -> dict[str, str]:
    from storage_runtime._cid import normalize_cid

    client = backend.client()
    out: dict[str, str] = {}
    for rel in walk_namespace(backend, backend.settings.namespace, PullReport()):
        st = client.files.stat(backend.mfs_path(rel), opts={"cid-base": "base32"})
        try:
            out[rel] = normalize_cid(str(st["Hash"]))
        except ValueError:
            continue
    return out


def reindex(backend: IpfsBackend) -> ReindexReport:
    """Rebuild `backend.index` (see module doc)."""
    from storage_runtime._ipfs import trouble_types
    from storage_runtime._tempfiles import sweep

    problem = access_problem(backend.settings.index)
    if problem is not None:
        raise IndexUnavailable(problem)
    report = ReindexReport()
    report.swept = len(sweep(backend.settings.root))
    index_path = backend.settings.index
    by_root = salvage(index_path, backend.settings.root)
    old_rows = by_root.pop(backend.settings.root, [])
    report.salvaged = len(old_rows)
    old = {r.path: r for r in old_rows}
    backend.index.close()
    try:
        Index(index_path, root=backend.settings.root).check()
    except IndexUnavailable:
        report.moved_aside = _move_aside(index_path)
    try:
        in_mfs = _namespace_cids(backend)
    except trouble_types() as exc:
        in_mfs = {}
        report.node_error = f"{type(exc).__name__}: {exc}"
    now = time.time()
    rows: list[Row] = []
    seen: set[str] = set()
    for rel in _local_files(backend):
        path = os.path.join(backend.settings.root, *rel.split("/"))
        problem = unpublishable_name(rel)
        if problem is not None:
            report.refused.append((rel, problem))
            continue
        try:
            st = os.stat(path)
            cid, size = cid_of_file(path)
        except OSError:
            continue
        seen.add(rel)
        report.files += 1
        prev = old.get(rel)
        gen = (prev.gen + 1) if prev else 1
        origin = prev.origin if prev else "written"
        if prev is not None and prev.state == "published" and prev.cid == cid:
            state, pin = "published", prev.pin
        elif in_mfs.get(rel) == cid:
            state, pin = "published", True
        else:
            state = "pending"
            pin = prev.pin if prev is not None else rel in in_mfs
        report.published += state == "published"
        report.pending += state == "pending"
        rows.append(Row(rel, state, pin, cid if state == "published" else None,
                        size, st.st_mtime_ns, st.st_ino, gen, origin, 0, None, now))
    for rel, prev in old.items():
        if rel in seen:
            continue
        state = "gone" if prev.state == "pending" else prev.state
        rows.append(Row(rel, state, prev.pin, prev.cid, prev.size, prev.mtime_ns, prev.ino,
                        prev.gen + 1, prev.origin, prev.attempts, prev.error, now))
        report.kept += 1
    fresh = Index(index_path, root=backend.settings.root)
    try:
        fresh.replace_all(rows, report.refused, _known_entries(rows, in_mfs))
    finally:
        fresh.close()
    if report.moved_aside:  # the other roots sharing the index keep what could be read
        for other, other_rows in by_root.items():
            keeper = Index(index_path, root=other)
            try:
                keeper.replace_all(other_rows)
            finally:
                keeper.close()
            report.other_roots_kept += len(other_rows)
    return report


def _known_entries(rows: list[Row], in_mfs: dict[str, str]) -> list[tuple[str, str, bool]]:
    """The namespace entries this machine knows (`Index.entry`): a pinned published file
    whose entry holds its CID; placed here when this machine wrote it, else restored."""
    return [
        (row.path, row.cid, row.origin == "written")
        for row in rows
        if row.state == "published" and row.pin and row.cid and in_mfs.get(row.path) == row.cid
    ]
