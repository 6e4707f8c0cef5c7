"""A black-style cache of file results, so a second run over an unchanged tree reads nothing.

The cache file's name carries the key: the tool's fingerprint (its version, the LibCST and Python versions, the size and
mtime of its modules and the rules package's, so an edited engine never trusts an old
cache) and the rules' digest. Each entry maps a file's real path to `(mtime_ns, size, sha256)` and the counts of
the sites left alone in it (so the summary of a warm run says what a cold one said). A file
is unchanged when its size matches and either its mtime or its hash does (black's order).

Files that were finished (rewritten) or found clean are recorded, and so are files with
pending changes found by `check` or `diff`: their entry also keeps the sites, and the
rewritten bytes and the diff in a content-addressed blob folder beside the cache file, so
a warm `diff` prints the same diff and a later `apply` writes the same bytes without
transforming again (the key guarantees the same tool, rules and input). A skipped or a
failed file is never recorded. A cache that cannot be read counts as empty, a blob that is
missing or does not match its hash is a miss; the cache is written atomically (temporary
file + os.replace) and drops the blobs no entry names.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from migrate_storage.codemods.model import Family, Reason, Site, Status, Strategy
from migrate_storage.codemods.pipeline.writing import write_own_file

FORMAT = 7
#: A file's star imports and whether some file star-imports it (see Entry).
Star = tuple[tuple[tuple[int, str], ...], bool]
_CODEMODS_DIR = Path(__file__).resolve().parent.parent  # migrate_storage/codemods/


@dataclass(frozen=True, slots=True)
class Pending:
    """What a run found in a file with rewrites to make, to report or apply again unread."""

    path: str  # the path as shown: the sites and the diff name it, so another one is a miss
    sites: tuple[Site, ...]
    new_sha256: str  # the rewritten bytes, in the blob folder
    diff_sha256: str | None = None  # the unified diff, when a diff run made one


@dataclass(frozen=True, slots=True)
class Entry:
    mtime_ns: int
    size: int
    sha256: str
    # Sites left alone in the file, "status/reason" -> count (see runner.left_alone_key).
    left_alone: tuple[tuple[str, int], ...] = ()
    pending: Pending | None = None  # None: the file needs nothing
    # The file's own star imports (star_imports.targets), so a warm run's pre-pass reads
    # no source; and whether some file star-imported it when this entry was made: its
    # result depends on that (private runtime names), so a different answer is a miss.
    star_targets: tuple[tuple[int, str], ...] = ()
    star_imported: bool = False
    # The file's own package facts (package_facts.extract, JSON data: a warm run's pre-pass
    # reads no source), and the digest of every fact its result may depend on when this
    # entry was made (package_facts.Table.digest): another digest is a miss.
    facts: dict | None = None
    facts_digest: str = ""
    # What `from <this file> import *` may bind (star_binds.summary, JSON data; None: not
    # asked, or the bytes were rewritten), and the digest of what this file's own star
    # imports may bind (star_binds.digest): another digest is a miss, so an edit to a
    # starred module reaches the decisions of the files that star-import it.
    star_summary: dict | None = None
    star_digest: str = ""


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_versions() -> list[str]:
    """The LibCST and Python versions: an upgrade of either may parse or print a file
    differently, so results one version made are not replayed under another."""
    try:
        libcst_version = metadata.version("libcst")
    except metadata.PackageNotFoundError:  # a source checkout on sys.path: its own version
        import libcst

        libcst_version = getattr(libcst, "__version__", "unknown")
    return [f"libcst {libcst_version}", f"python {sys.version} {sys.implementation.cache_tag}"]


def tool_fingerprint() -> str:
    """The tool version, the LibCST and Python versions, and the stat of the modules that
    decide a file's result (a few dozen stat calls: cheap next to any run that has files to
    look at)."""
    from migrate_storage import rules
    from migrate_storage.codemods import __version__

    parts = [__version__, *library_versions()]
    rules_dir = Path(rules.__file__).resolve().parent
    modules = [
        *((m, m.relative_to(_CODEMODS_DIR)) for m in _CODEMODS_DIR.rglob("*.py")),
        *((m, Path("rules", m.name)) for m in rules_dir.glob("*.py")),
    ]
    for module, name in sorted(modules):
        try:
            st = module.stat()
        except OSError:
            continue
        parts.append(f"{name.as_posix()}:{st.st_size}:{st.st_mtime_ns}")
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
                name: Entry(
                    int(m),
                    int(s),
                    str(h),
                    tuple((str(k), int(v)) for k, v in left),
                    _pending_from_json(pending) if pending is not None else None,
                    tuple((int(level), str(module)) for level, module in targets),
                    bool(starred),
                    facts if isinstance(facts, dict) else None,
                    str(digest),
                    summary if isinstance(summary, dict) else None,
                    str(star_digest),
                )
                for name, (
                    m, s, h, left, pending, targets, starred, facts, digest, summary, star_digest
                ) in raw["files"].items()
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
        self,
        real_path: Path,
        st: os.stat_result,
        sha256: str,
        left_alone: Mapping[str, int],
        star: Star = ((), False),
        facts: tuple[dict | None, str] = (None, ""),
        star_binds: tuple[dict | None, str] = (None, ""),
    ) -> None:
        """`star`: the file's star imports and whether it was star-imported; `facts`: its
        package facts and the digest of those it depends on; `star_binds`: what a star
        import of it binds and the digest of what its own star imports bind (see Entry)."""
        self.entries[str(real_path)] = Entry(
            st.st_mtime_ns, st.st_size, sha256, tuple(sorted(left_alone.items())), None,
            *star, *facts, *star_binds,
        )

    def record_pending(
        self,
        real_path: Path,
        stat: tuple[int, int],
        sha256: str,
        path: str,
        sites: tuple[Site, ...],
        new_source: bytes,
        diff: bytes | None,
        star: Star = ((), False),
        facts: tuple[dict | None, str] = (None, ""),
        star_binds: tuple[dict | None, str] = (None, ""),
    ) -> None:
        """Record a file with pending rewrites: `stat` is (mtime_ns, size) of the bytes read."""
        new_sha = self._put_blob(new_source)
        if new_sha is None:
            return
        diff_sha = self._put_blob(diff) if diff is not None else None
        self.entries[str(real_path)] = Entry(
            stat[0], stat[1], sha256, (), Pending(path, sites, new_sha, diff_sha),
            *star, *facts, *star_binds,
        )

    def blob(self, sha256: str | None) -> bytes | None:
        """The bytes stored under `sha256`, or None when missing or not matching it."""
        if sha256 is None:
            return None
        try:
            data = (self.blob_dir / sha256).read_bytes()
        except OSError:
            return None
        return data if file_digest(data) == sha256 else None

    @property
    def blob_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".blobs")

    def _put_blob(self, data: bytes) -> str | None:
        sha = file_digest(data)
        target = self.blob_dir / sha
        if target.exists():
            return sha
        try:
            write_own_file(target, data)
        except OSError:
            return None
        return sha

    def write(self, updates: Iterable[tuple[str, Entry]] = ()) -> None:
        """Merge `updates` and write the cache atomically. Failing to write is not an error
        of the run (the next one is only slower), so OSError is swallowed."""
        self.entries.update(updates)
        payload = {
            "format": FORMAT,
            "files": {
                name: [
                    e.mtime_ns,
                    e.size,
                    e.sha256,
                    [list(kv) for kv in e.left_alone],
                    _pending_to_json(e.pending) if e.pending is not None else None,
                    [list(t) for t in e.star_targets],
                    e.star_imported,
                    e.facts,
                    e.facts_digest,
                    e.star_summary,
                    e.star_digest,
                ]
                for name, e in sorted(self.entries.items())
            },
        }
        try:
            write_own_file(self.path, json.dumps(payload, separators=(",", ":")).encode())
        except OSError:
            return
        self._drop_unused_blobs()

    def _drop_unused_blobs(self) -> None:
        used = {
            sha
            for e in self.entries.values()
            if e.pending is not None
            for sha in (e.pending.new_sha256, e.pending.diff_sha256)
            if sha is not None
        }
        try:
            stored = list(self.blob_dir.iterdir())
        except OSError:
            return
        for blob in stored:
            if blob.name not in used:
                with contextlib.suppress(OSError):
                    blob.unlink()


# A site as a JSON row: its path is the Pending's.
def _site_to_json(site: Site) -> list[object]:
    return [
        site.line,
        site.column,
        site.family.value,
        site.name,
        site.status.value,
        site.reason.value if site.reason is not None else None,
        site.strategy.value if site.strategy is not None else None,
    ]


def _site_from_json(path: str, row: list[object]) -> Site:
    line, column, family, name, status, reason, strategy = row
    return Site(
        path,
        int(line),  # type: ignore[call-overload]
        int(column),  # type: ignore[call-overload]
        Family(family),
        str(name),
        Status(status),
        Reason(reason) if reason is not None else None,
        Strategy(strategy) if strategy is not None else None,
    )


def _pending_to_json(pending: Pending) -> list[object]:
    return [
        pending.path,
        [_site_to_json(s) for s in pending.sites],
        pending.new_sha256,
        pending.diff_sha256,
    ]


def _pending_from_json(raw: list[object]) -> Pending:
    path, sites, new_sha, diff_sha = raw
    path = str(path)
    return Pending(
        path,
        tuple(_site_from_json(path, row) for row in sites),  # type: ignore[attr-defined]
        str(new_sha),
        str(diff_sha) if diff_sha is not None else None,
    )
