"""A black-style cache of files known to need nothing, so a second run skips them unread.

The cache file's name carries the key: the tool's fingerprint (its version plus the size and
mtime of its modules and the rules package's, so an edited engine never trusts an old
cache) and the rules' digest. Each entry maps a file's real path to `(mtime_ns, size, sha256)` and the counts of
the sites left alone in it (so the summary of a warm run says what a cold one said). A file
is unchanged when its size matches and either its mtime or its hash does (black's order).

Only files that were finished (rewritten) or found clean are recorded; a file with pending
changes, a skipped or a failed file never is. A cache that cannot be read counts as empty;
it is written atomically (temporary file + os.replace).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 1
_CODEMODS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Entry:
    mtime_ns: int
    size: int
    sha256: str
    # Sites left alone in the file, "status/reason" -> count (see runner.left_alone_key).
    left_alone: tuple[tuple[str, int], ...] = ()


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tool_fingerprint() -> str:
    """The tool version plus the stat of the modules that decide a file's result (a few dozen
    stat calls: cheap next to any run that has files to look at)."""
    from migrate_storage import rules
    from migrate_storage.codemods import __version__

    parts = [__version__]
    modules = [*_CODEMODS_DIR.glob("*.py"), *Path(rules.__file__).resolve().parent.glob("*.py")]
    for module in sorted(modules):
        try:
            st = module.stat()
        except OSError:
            continue
        parts.append(f"{module.name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def cache_file(cache_dir: Path, rules_digest: str, fingerprint: str | None = None) -> Path:
    key = hashlib.sha256(
        f"{fingerprint if fingerprint is not None else tool_fingerprint()}\0{rules_digest}".encode()
    ).hexdigest()[:24]
    return cache_dir / f"cache.{key}.json"


@dataclass(slots=True)
class Cache:
    """The entries of one cache file; `lookup` before a run, `record` + `write` after."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Cache:
        """Load the cache at `path`; anything unreadable or malformed gives an empty cache."""
        try:
            raw = json.loads(path.read_bytes())
            if raw.get("format") != FORMAT:
                return cls(path)
            entries = {
                name: Entry(int(m), int(s), str(h), tuple((str(k), int(v)) for k, v in left))
                for name, (m, s, h, left) in raw["files"].items()
            }
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls(path)
        return cls(path, entries)

    def lookup(self, real_path: Path) -> Entry | None:
        """The entry for `real_path` if the file on disk is still what was recorded."""
        entry = self.entries.get(str(real_path))
        if entry is None:
            return None
        try:
            st = os.stat(real_path)
        except OSError:
            return None
        if st.st_size != entry.size:
            return None
        if st.st_mtime_ns != entry.mtime_ns:
            try:
                if file_digest(real_path.read_bytes()) != entry.sha256:
                    return None
            except OSError:
                return None
        return entry

    def record(
        self, real_path: Path, st: os.stat_result, sha256: str, left_alone: Mapping[str, int]
    ) -> None:
        self.entries[str(real_path)] = Entry(
            st.st_mtime_ns, st.st_size, sha256, tuple(sorted(left_alone.items()))
        )

    def write(self, updates: Iterable[tuple[str, Entry]] = ()) -> None:
        """Merge `updates` and write the cache atomically. Failing to write is not an error
        of the run (the next one is only slower), so OSError is swallowed."""
        self.entries.update(updates)
        payload = {
            "format": FORMAT,
            "files": {
                name: [e.mtime_ns, e.size, e.sha256, [list(kv) for kv in e.left_alone]]
                for name, e in sorted(self.entries.items())
            },
        }
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
