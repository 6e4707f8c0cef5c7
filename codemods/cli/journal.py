"""Apply records: what each `apply` changed, so `undo` can put it back byte for byte.

Every `apply` that rewrites at least one file leaves a record in
`<root>/.migrate-storage/applies/<id>/`, where root is the git top-level folder of the
paths given; outside git, the current folder if the paths lie inside it, else their
common folder (`project_root`):

- `record.json`: id, UTC time, tool version, rules file and rules digest, and per file its
  path (relative to root), sites rewritten, and sha256 before and after;
- `patch.diff`: the unified diff of the apply (paths relative to root: `git apply -R`
  reverts it too);
- `originals/<n>.gz`: each file's original bytes, gzip-compressed. `undo` restores these,
  so it is exact whatever the encoding, BOM or line endings.

`.migrate-storage/` gets a `.gitignore` of `*`, so records never end up in a commit.
A record is written into a temporary folder and renamed into place: it is there whole or
not at all. It is written when the run ends (also after Ctrl-C, for the files already
rewritten).

`undo` reverts the newest apply not yet undone. It first checks that every file still has
the sha256 recorded after the apply; if any was edited (or removed) since, it refuses and
names them, changing nothing. Otherwise each file is restored atomically
(`writing.replace_file`, which keeps mode and owner) and the record is marked undone.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate_storage.codemods import __version__
from migrate_storage.codemods.errors import MigrateStorageError
from migrate_storage.codemods.pipeline.diffing import unified_diff
from migrate_storage.codemods.pipeline.writing import WriteRefused, replace_file

STATE_DIR = ".migrate-storage"
APPLIES = "applies"
RECORD = "record.json"
UNDONE = "undone.json"


class UndoRefused(MigrateStorageError):
    """`undo` changed nothing; the message says why (and which files)."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def project_root(paths: list[str | Path], cwd: Path | None = None) -> Path:
    """The git top-level folder of `paths`; outside git, the current folder when every path
    lies inside it (so `apply pkg` then `undo` from the same folder agree), else the paths'
    common folder (a file's parent)."""
    from migrate_storage.codemods.report.gate import GitError, _git

    here = Path(os.path.abspath(cwd or Path.cwd()))
    absolute = [os.path.abspath(os.path.join(here, p)) for p in paths] or [str(here)]
    common = Path(os.path.commonpath(absolute))
    folder = common if common.is_dir() else common.parent
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], folder).strip()).resolve()
    except GitError:
        return (here if folder.is_relative_to(here) else folder).resolve()


def applies_dir(root: Path) -> Path:
    return root / STATE_DIR / APPLIES


@dataclass
class _Entry:
    path: str  # relative to root, posix
    sites: int
    before: bytes
    after: bytes


class Journal:
    """Collects what one apply wrote (`add`, the runner's `on_written`), then `write`s it."""

    def __init__(self, root: Path, *, rules_file: str | None = None, rules_digest: str = "") -> None:
        self.root = root
        self.rules_file = rules_file
        self.rules_digest = rules_digest
        self.entries: list[_Entry] = []

    def add(self, report: Any, before: bytes, after: bytes) -> None:
        real = Path(report.real_path)
        try:
            rel = real.relative_to(self.root).as_posix()
        except ValueError:
            rel = str(real)
        self.entries.append(_Entry(rel, len(report.rewritten), before, after))

    def write(self) -> Path | None:
        """Write the record (None when nothing was rewritten); returns its folder. Raises
        MigrateStorageError (the files stay rewritten) when the record cannot be written."""
        if not self.entries:
            return None
        try:
            return self._write()
        except OSError as exc:
            raise MigrateStorageError(
                f"the files were rewritten, but the apply record could not be written under "
                f"{applies_dir(self.root)} ({exc.strerror or exc}): `undo` cannot revert this apply"
            ) from None

    def _write(self) -> Path:
        entries = sorted(self.entries, key=lambda e: e.path)
        now_ns = time.time_ns()
        now = now_ns / 1e9
        micro = (now_ns // 1000) % 1_000_000
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
        record_id = f"{stamp}.{micro:06d}Z-{secrets.token_hex(3)}"  # sorts by time
        state = self.root / STATE_DIR
        folder = applies_dir(self.root)
        folder.mkdir(parents=True, exist_ok=True)
        ignore = state / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# migrate-storage's apply records and review state\n*\n")
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=f".{record_id}."))
        try:
            (staging / "originals").mkdir()
            files = []
            for n, entry in enumerate(entries):
                with gzip.open(staging / "originals" / f"{n}.gz", "wb") as handle:
                    handle.write(entry.before)
                files.append({
                    "path": entry.path, "sites": entry.sites, "original": f"originals/{n}.gz",
                    "sha256_before": _sha(entry.before), "sha256_after": _sha(entry.after),
                })
            patch = b"".join(unified_diff(e.before, e.after, e.path) for e in entries)
            (staging / "patch.diff").write_bytes(patch)
            record = {
                "format": 1, "id": record_id,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "time_ns": now_ns,
                "tool_version": __version__, "rules_file": self.rules_file,
                "rules_digest": self.rules_digest, "files": files,
            }
            (staging / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            os.replace(staging, folder / record_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return folder / record_id


@dataclass(frozen=True, slots=True)
class ApplyRecord:
    folder: Path
    data: dict[str, Any]
    undone: str | None  # when it was undone, or None

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.data["files"])

    @property
    def sites(self) -> int:
        return sum(int(f["sites"]) for f in self.files)


def records(root: Path) -> list[ApplyRecord]:
    """Every apply record under root, oldest first (unreadable ones are left out)."""
    folder = applies_dir(root)
    if not folder.is_dir():
        return []
    out = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or not (child / RECORD).is_file():
            continue
        try:
            data = json.loads((child / RECORD).read_text(encoding="utf-8"))
            undone_file = child / UNDONE
            undone = json.loads(undone_file.read_text())["time"] if undone_file.exists() else None
        except (OSError, ValueError, KeyError):
            continue
        out.append(ApplyRecord(child, data, undone))
    return sorted(out, key=lambda r: (int(r.data.get("time_ns", 0)), r.id))


def undo_last(root: Path) -> ApplyRecord:
    """Restore the files of the newest apply not yet undone; raise UndoRefused otherwise."""
    found = records(root)
    pending = [r for r in found if r.undone is None]
    if not pending:
        what = "every apply recorded" if found else "no apply recorded"
        raise UndoRefused(f"nothing to undo: {what} under {applies_dir(root)}" + (" is undone" if found else ""))
    record = pending[-1]
    edited = []
    for entry in record.files:
        path = root / entry["path"]
        try:
            current = _sha(path.read_bytes())
        except OSError:
            current = None
        if current != entry["sha256_after"]:
            edited.append(entry["path"])
    if edited:
        raise UndoRefused(
            f"cannot undo apply {record.id}: edited since: {', '.join(edited)}; nothing was changed"
        )
    originals = {e["path"]: gzip.decompress((record.folder / e["original"]).read_bytes())
                 for e in record.files}
    for entry in record.files:
        data = originals[entry["path"]]
        if _sha(data) != entry["sha256_before"]:
            raise UndoRefused(f"cannot undo apply {record.id}: the stored original of {entry['path']} is damaged")
    restored = []
    for entry in record.files:
        path = (root / entry["path"]).resolve()
        try:
            replace_file(path, originals[entry["path"]], expected_sha256=entry["sha256_after"], roots=[root])
        except WriteRefused as exc:
            done = f" (already restored: {', '.join(restored)})" if restored else ""
            raise UndoRefused(f"cannot undo {entry['path']}: {exc.reason}{done}") from None
        restored.append(entry["path"])
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    (record.folder / UNDONE).write_text(json.dumps({"time": stamp}) + "\n")
    return ApplyRecord(record.folder, record.data, stamp)
