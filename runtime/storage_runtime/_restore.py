"""Restoring files from the shared MFS namespace: one missing path, or a whole tree (`pull`).

Trust boundary: entries come from the network (any worker sharing the namespace can
plant one), so nothing is written unless all hold:

- the local target stays inside the root: no `..`, `.` or empty component, no absolute
  path, no NUL or backslash, no symlink on the way (an existing folder of the path, or
  the target itself) resolving outside the root; checked again after creating folders;
- the entry is a regular UnixFS file (not a directory, not a UnixFS symlink);
- with `restore_pinned_only` (implied by STORAGE_RUNTIME_RESTORE_NAMESPACES), the entry's
  CID is pinned on the node and it lies under one of the listed namespaces;
- the fetched bytes hash to the entry's CID (recomputed locally with `_cid`, so content
  imported with other settings is refused as unverifiable).

The bytes go to a temporary file in the target's folder (created with mode 0666 minus the
umask, as builtin open would), are fsynced, then hard-linked to the target name, which
never replaces a file created meanwhile; a failed or partial fetch leaves no file.
A refusal raises `RestoreRefused` and is logged.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storage_runtime import _os_calls
from storage_runtime._atomic import fsync_quietly
from storage_runtime._cid import (
    CidBuilder,
    CidError,
    _io_open,
    cid_to_str,
    codec_of,
    normalize_cid,
    unixfs_kind,
)
from storage_runtime._ipfs_errors import RestoreError, RestoreRefused
from storage_runtime._paths import is_inside

if TYPE_CHECKING:
    from storage_runtime._ipfs import IpfsBackend

__all__ = ["PullReport", "check_target", "pull", "restore_missing"]

log = logging.getLogger("storage_runtime")
_MAX_DEPTH = 64
_MAX_ENTRIES = 100_000


def safe_name(name: str) -> bool:
    """One path component that cannot climb or nest: not '', '.', '..', no '/', '\\', NUL."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0")


def check_target(root: str, rel: str) -> str:
    """The absolute local path for `rel`, or raise `RestoreRefused` when it would land
    outside `root` (see module doc)."""
    target = os.path.join(root, *rel.split("/"))
    if rel.startswith("/") or os.path.isabs(rel) or not all(map(safe_name, rel.split("/"))):
        _refuse(target, f"entry path {rel!r} escapes the root")
    real_root = _os_calls.path.realpath(root)
    folder = root
    for part in rel.split("/"):
        folder = os.path.join(folder, part)
        if _os_calls.path.islink(folder) and not is_inside(_os_calls.path.realpath(folder), real_root):
            _refuse(target, f"symlink {folder} on the way points outside the root")
    if _os_calls.path.islink(target):
        _refuse(target, f"{target} is a symlink")
    return target


def _refuse(path: str, reason: str) -> None:
    log.warning("storage_runtime: refusing to restore %s: %s", path, reason)
    raise RestoreRefused(path, reason)


def _timeout(backend: IpfsBackend, factor: float = 1.0) -> dict[str, str]:
    return {"timeout": f"{max(1, int(backend.settings.timeout * factor))}s"}


def _missing(exc: Exception) -> bool:
    text = str(exc).lower()
    return "not exist" in text or "no such" in text or "not found" in text or "no link" in text


def _lookup(backend: IpfsBackend, mfs: str) -> dict[str, Any] | None:
    from storage_runtime._rpc import ErrorResponse

    try:
        st = backend.client().files.stat(mfs, opts={"cid-base": "base32", **_timeout(backend)})
    except ErrorResponse as exc:
        if _missing(exc):
            return None
        raise
    return dict(st)


def _is_pinned(backend: IpfsBackend, cid: str) -> bool:
    from storage_runtime._rpc import ErrorResponse

    try:
        keys = backend.client().pin.ls(cid, type="recursive", opts=_timeout(backend))["Keys"]
    except ErrorResponse:
        return False
    return any(normalize_cid(k) == cid for k in keys)


def restore_missing(backend: IpfsBackend, path: str, rel: str) -> bool:
    """Restore `rel` (missing locally, never written here) from the first restore
    namespace that has it. True when restored; False when no namespace knows it."""
    s = backend.settings
    target = check_target(s.root, rel)
    skipped: list[str] = []
    for namespace in s.restore_namespaces:
        mfs = backend.mfs_path(rel, namespace)
        entry = _lookup(backend, mfs)
        if entry is None:
            continue
        kind = str(entry.get("Type"))
        if kind == "directory":
            # Files are placed by relative path, so the folders on the way are MFS folders:
            # asking about a folder (`if not parent.exists(): parent.mkdir()`) is a plain
            # miss, said nowhere; restores are of regular files only.
            continue
        if kind != "file":
            _refuse(target, f"MFS entry {mfs} is a {kind}, not a regular file")
        try:
            cid = normalize_cid(str(entry["Hash"]))
        except CidError as exc:
            _refuse(target, f"MFS entry {mfs} has an unverifiable CID: {exc}")
        if s.restore_pinned_only and not _is_pinned(backend, cid):
            skipped.append(mfs)
            continue
        if codec_of(cid) != 0x55:  # a tree: its root block says what it really is
            block = backend.client().block.get(cid, opts=_timeout(backend))
            try:
                kind = unixfs_kind(cid, block)
            except CidError as exc:
                raise RestoreError(target, f"MFS entry {mfs}: {exc}") from exc
            if kind != "file":
                _refuse(target, f"MFS entry {mfs} is a UnixFS {kind}, not a regular file")
        fetch_verified(backend, cid, target)
        st = _os_calls.stat(target)
        if backend.index.record_restored(
            rel, cid=cid, size=st.st_size, pin=True, mtime_ns=st.st_mtime_ns, ino=st.st_ino
        ):
            # The version this machine knows at the entry: removing the file later drops
            # the entry if it still holds it; a cache rewrite never does (not placed here).
            backend.index.set_entry(rel, cid, placed=False)
        log.info("storage_runtime: restored %s from %s (%s)", path, mfs, cid)
        return True
    if skipped:
        _refuse(target, f"entries {', '.join(skipped)} are not pinned (restore is limited "
                        "to pinned entries)")
    return False


def fetch_verified(backend: IpfsBackend, cid: str, target: str) -> None:
    """Fetch `cid` into `target` atomically, after checking the bytes against the CID."""
    folder = os.path.dirname(target)
    real_root = _os_calls.path.realpath(backend.settings.root)
    _os_calls.makedirs(folder)
    if not is_inside(_os_calls.path.realpath(folder), real_root):  # raced by a symlink swap
        _refuse(target, f"folder {folder} resolves outside the root")
    tmp = os.path.join(folder, f".{os.path.basename(target)}.sr-restore-{secrets.token_hex(6)}")
    fd = _os_calls.open_fd(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        builder = CidBuilder()
        with _io_open(fd, "wb") as out:  # os.fdopen, minus a program's patched io.open
            stream = backend.client().cat(cid, stream=True, opts=_timeout(backend, 6))
            for chunk in stream:
                builder.update(chunk)
                out.write(chunk)
            out.flush()
            _os_calls.fsync(out.fileno())
        got = cid_to_str(builder.finish())
        if got != cid:
            log.warning("storage_runtime: content fetched for %s hashes to %s", cid, got)
            raise RestoreError(target, f"content fetched for {cid} does not match it ({got})")
        try:
            _os_calls.link(tmp, target)  # never replaces a file the program created meanwhile
        except FileExistsError:
            return
        except OSError:  # file systems without hard links
            if not _os_calls.path.lexists(target):
                _os_calls.replace(tmp, target)
        fsync_quietly(folder)
    finally:
        if _os_calls.path.lexists(tmp):
            _os_calls.unlink(tmp)


@dataclass
class PullReport:
    """What `pull` did: restored paths, paths left alone, refusals with reasons."""

    restored: list[str] = field(default_factory=list)
    kept: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)


def walk_namespace(backend: IpfsBackend, namespace: str, report: PullReport) -> list[str]:
    """Relative paths of the regular-file entries under `namespace` whose names are safe;
    unsafe names and non-file entries go to `report.refused`."""
    from storage_runtime._rpc import ErrorResponse

    client = backend.client()
    found: list[str] = []
    todo: list[tuple[str, int]] = [("", 0)]
    while todo and len(found) < _MAX_ENTRIES:
        prefix, depth = todo.pop()
        mfs = f"{namespace.rstrip('/')}/{prefix}".rstrip("/") or "/"
        try:
            listing = client.files.ls(mfs, opts={"long": True, "cid-base": "base32"})
        except ErrorResponse as exc:
            if _missing(exc):
                continue
            raise
        for entry in listing.get("Entries") or []:
            name = str(entry.get("Name", ""))
            rel = f"{prefix}{name}"
            if not safe_name(name):
                report.refused.append((rel, f"unsafe entry name {name!r}"))
                log.warning("storage_runtime: refusing MFS entry %r under %s", name, mfs)
                continue
            stat = _lookup(backend, f"{mfs.rstrip('/')}/{name}")
            kind = str(stat.get("Type")) if stat else "missing"
            if kind == "directory":
                if depth < _MAX_DEPTH:
                    todo.append((rel + "/", depth + 1))
            elif kind == "file":
                found.append(rel)
            else:
                report.refused.append((rel, "not a regular file or folder"))
    return sorted(found)


def pull(backend: IpfsBackend) -> PullReport:
    """Restore every file of the restore namespaces missing locally and never written
    here (the bootstrap of a new worker). Refusals are collected, not raised."""
    report = PullReport()
    seen: set[str] = set()
    for namespace in backend.settings.restore_namespaces:
        for rel in walk_namespace(backend, namespace, report):
            if rel in seen or backend.rel(os.path.join(backend.settings.root, rel)) is None:
                continue
            seen.add(rel)
            try:
                path = check_target(backend.settings.root, rel)
            except RestoreRefused as exc:
                report.refused.append((rel, exc.reason))
                continue
            if _os_calls.path.lexists(path) or backend.index.get(rel) is not None:
                report.kept += 1
                continue
            try:
                if restore_missing(backend, path, rel):
                    report.restored.append(rel)
            except RestoreError as exc:
                report.refused.append((rel, exc.reason))
    return report
