"""The vocabulary: the one Site type that the finder emits, the codemods rewrite and the
coverage report counts, and the one per-file result (FileResult, FileStatus) that the
engine returns, the runner completes and the CLI and the report read.

A Site is a single file-I/O call in a source file, classified once by the finder. The
codemods rewrite exactly the PENDING sites; the coverage report adds every site into a
Tally. Keeping one type (frozen, slotted, plain data) is what lets `coverage` and `apply`
never disagree.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import KW_ONLY, dataclass
from pathlib import Path


class Family(enum.Enum):
    """What kind of file I/O a site is: the report's vocabulary (stored in the cache and
    the JSON schema). The family modules (families/registry.py) report their sites under
    these; which of them the codemods rewrite is what those modules' commands declare
    (registry.REWRITABLE_FAMILIES)."""

    OPEN = "open"
    PATHLIB = "pathlib"
    JSON = "json"
    PICKLE = "pickle"
    # File I/O the codemods do not rewrite yet (codecs.open, os.open, shutil.copy, ...).
    UNSUPPORTED = "unsupported"
    # Added for issue 14: temporary files and directories, directory handles opened to
    # fsync them, lock files (families/scratch.py); sites of this family are LOCAL.
    SCRATCH = "scratch"
    # Path I/O done by another library: pandas, numpy, torch, PIL, tarfile, sqlite3, ...
    # (families/third_party.py); counted, not rewritten.
    THIRD_PARTY = "third-party"
    # Renames, removals and copies: os.replace, shutil.copy2, Path.unlink, ...
    # (families/lifecycle.py); rewritten onto the runtime's stand-ins.
    LIFECYCLE = "lifecycle"
    # Existence checks: os.path.exists/isfile/lexists, Path.exists/is_file
    # (families/existence.py); rewritten onto stand-ins that see the shared namespace.
    # Not file I/O: shown in the reports, never in the cover percentage (report `Tally`).
    EXISTENCE = "existence"


class Strategy(enum.Enum):
    """What the rules file chose for a source file (or for one family in it)."""

    PIN = "pin"  # persistent: pinned in IPFS, findable by path from other nodes
    CACHE = "cache"  # published unpinned: may be garbage-collected
    LOCAL = "local"  # never leaves the machine: the site is left unrewritten on purpose


class Status(enum.Enum):
    """One status per site, in the coverage report's words."""

    MIGRATED = "migrated"  # already goes through the runtime
    PENDING = "pending"  # the codemod would rewrite it now
    LOCAL = "local"  # its file's rule says local: excluded from the percentage
    UNMIGRATED = "unmigrated"  # left alone, with a Reason


class Reason(enum.Enum):
    """Why a site is UNMIGRATED or LOCAL. Never free text: reports group by it."""

    RECEIVER_UNKNOWN = "receiver type unknown"
    UNSUPPORTED_FAMILY = "unsupported family"
    DYNAMIC_CALL = "dynamic call"  # *args/**kwargs, or arguments we cannot map
    HANDLE_NOT_MIGRATED = "handle from an open that is not migrated"
    EXCLUDED_FILE = "excluded file"
    LOCAL_RULE = "rule says local"
    FAMILY_NOT_IN_RULE = "family not selected by the rule"
    SECRET_PATH = "secret-looking path"
    NAME_CLASH = "runtime name clashes with a local name"
    # Added by the codemods helper: `from x import *` may rebind `open` (os.open, ...).
    STAR_IMPORT = "name may come from a star import"
    # Added for issue 14 (LOCAL, families/scratch.py): I/O that never holds the program's
    # data beyond the run, provably so.
    TEMPORARY_FILE = "temporary file"
    TEMPORARY_DIRECTORY = "temporary directory"
    DIRECTORY_HANDLE = "directory handle"
    LOCK_FILE = "lock file"
    # Package data read through importlib.resources (families/pathlib_io.py): read-only,
    # shipped with the code (maybe in a zip), the same on every worker: LOCAL.
    PACKAGE_DATA = "package data"
    # A file its function makes owner-only (os.open with 0o600, a chmod to 0o600:
    # analysis/private_files.py): LOCAL, never rewritten, so never published.
    PRIVATE_FILE = "private file"
    # A literal path under /proc, /sys or /dev (a cgroup quota, /dev/null): the kernel's,
    # different on every machine, never shared (finder._apply_policy): LOCAL.
    SYSTEM_FILE = "system file"
    # `os.fdopen(fd)` of a descriptor this module did not open (a pipe's, a parameter, an
    # attribute): the file, if it is one, was opened where the descriptor was made.
    FOREIGN_DESCRIPTOR = "descriptor opened elsewhere"
    # Added for issue 14 (UNMIGRATED, families/third_party.py): another library reads or
    # writes the path itself.
    THIRD_PARTY_WRITER = "third-party writer"
    THIRD_PARTY_READER = "third-party reader"
    # Added by the codemods helper (issue 13 item 5): `open("out/", "w")`, a NUL, an empty
    # name: the original's own error must stay the original's, so the call is not rewritten.
    REJECTED_LITERAL_PATH = "literal path the OS rejects: kept as written"
    # Added by the codemods helper: `from io import open as o; o(p)` holds the C function
    # itself, which no patch of `io.open`/`builtins.open` reaches. No longer produced:
    # such a call is now `storage.open(p, call=o)`, exact (families/open_calls.py); kept
    # because the JSON report's `meta.reasons` lists every member (format 3).
    BOUND_AT_IMPORT = "builtin open imported by name: no stand-in is exact under a patch"
    # Issue 14 (UNMIGRATED, families/function_values.py): a file function or class used
    # as a value, not called where it stands (`retry(os.replace, tmp, dst)`,
    # `staticmethod(open)`, `factory = lzma.LZMAFile`): the I/O done through it later is
    # the module's, and no stand-in is exact for the value itself.
    FUNCTION_VALUE = "file function used as a value"
    # A module beside the file's import root (its script folder, the folder its package
    # is imported from) is named like a standard-library module the runtime imports
    # (`shutil.py`, `logging/`): the runtime would import that file instead, and the
    # migrated program fail at import (pipeline/shadowing.py). Nothing is rewritten.
    STDLIB_SHADOWED = "a module beside it shadows a standard-library module the runtime imports"


@dataclass(frozen=True, slots=True)
class Site:
    """One file-I/O call site. `line` is 1-based, `column` 0-based (LibCST's CodeRange)."""

    path: str
    line: int
    column: int
    family: Family
    # The qualified name of what is called, as a reader would write it:
    # "open", "io.open", "pathlib.Path.read_text", "json.dump", "codecs.open", ...
    name: str
    status: Status
    reason: Reason | None = None
    strategy: Strategy | None = None


def counts_in_cover(site: Site) -> bool:
    """Whether a site is in the coverage's status counts (and, unless LOCAL, its
    percentage): every site but an existence check (`os.path.exists(p)`,
    `Path.is_file()`), which is no file I/O of its own; migrating one must leave a
    codebase's cover where it was (report/model.py `Tally.checks`, report/sarif.py)."""
    return site.family is not Family.EXISTENCE


class FileStatus(enum.Enum):
    """What happened to one file: the engine says the first four, the runner the others."""

    CHANGED = "changed"  # rewritten (apply) or would be (check, diff)
    UNCHANGED = "unchanged"  # nothing to rewrite
    SKIPPED = "skipped"  # left alone on purpose (e.g. @generated), or unreadable (engine)
    FAILED = "failed"  # could not be read, parsed or written: the run exits 2
    CACHED = "cached"  # unchanged since a run that found it clean: not read
    EXCLUDED = "excluded"  # an `exclude` glob matches: never rewritten


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file's result, from the engine (`transform_source`) through the runner (which
    adds `real_path`, the diff, and turns an unreadable SKIPPED into FAILED) to the CLI's
    output and the coverage report's rows. `message` is `path[:line]: reason` for
    SKIPPED/FAILED. The bytes (`source`, `new_source`) travel only from the engine to the
    runner's worker; the report the parent receives carries none."""

    path: str
    status: FileStatus
    _: KW_ONLY
    sites: tuple[Site, ...] = ()  # every site found, with its status BEFORE rewriting
    message: str | None = None
    real_path: Path | None = None  # the file read (runner)
    source: bytes | None = None  # the original bytes (engine)
    new_source: bytes | None = None  # the rewritten bytes, CHANGED only (engine)
    diff: bytes | None = None  # diff mode, CHANGED files only (runner)
    left_alone_cached: tuple[tuple[str, int], ...] = ()  # CACHED files: from the cache
    # SKIPPED on purpose (an `@generated` marker), not because the input is unreadable:
    # only the latter is an input error (exit 2).
    skipped_on_purpose: bool = False

    @property
    def pending(self) -> tuple[Site, ...]:
        """The PENDING sites, whether or not this run rewrote them (`rewrite=False`)."""
        return tuple(s for s in self.sites if s.status is Status.PENDING)

    @property
    def rewritten(self) -> tuple[Site, ...]:
        """The sites rewritten (or that would be): PENDING sites of a CHANGED file."""
        return self.pending if self.status is FileStatus.CHANGED else ()

    def left_alone(self) -> Counter[str]:
        """The sites left alone, by `left_alone_key` (from the cache for a CACHED file)."""
        if self.status is FileStatus.CACHED:
            return Counter(dict(self.left_alone_cached))
        return Counter(
            left_alone_key(s) for s in self.sites if s.status in (Status.UNMIGRATED, Status.LOCAL)
        )


def left_alone_key(site: Site) -> str:
    """How the summary groups a site that was left alone: its reason, else its status."""
    return site.reason.value if site.reason is not None else site.status.value
