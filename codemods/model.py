"""The one Site type that the finder emits, the codemods rewrite and the coverage report counts.

A Site is a single file-I/O call in a source file, classified once by the finder. The
codemods rewrite exactly the PENDING sites; the coverage report adds every site into a
Tally. Keeping one type (frozen, slotted, plain data) is what lets `coverage` and `apply`
never disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Family(enum.Enum):
    """What kind of file I/O a site is; the codemods handle the first four."""

    OPEN = "open"
    PATHLIB = "pathlib"
    JSON = "json"
    PICKLE = "pickle"
    # File I/O the codemods do not rewrite yet (codecs.open, os.open, shutil.copy, ...).
    UNSUPPORTED = "unsupported"


REWRITABLE_FAMILIES: tuple[Family, ...] = (Family.OPEN, Family.PATHLIB, Family.JSON, Family.PICKLE)


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
