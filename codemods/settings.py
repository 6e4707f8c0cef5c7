"""Settings: everything one run of the CLI decided before touching a file.

The click group builds one frozen `Settings` from its options and keeps it in `ctx.obj`
(fixit's `Options`, black's `Mode`); each command copies it with its own `mode`. The runner
reads only this, so the library never looks at click or the environment on its own
(except `cache_dir`, resolved once here).
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR_ENV = "MIGRATE_STORAGE_CACHE_DIR"


class Mode(enum.Enum):
    """What the run does with each file's result."""

    APPLY = "apply"  # rewrite files in place
    DIFF = "diff"  # print a unified diff, change nothing
    CHECK = "check"  # change nothing, say which files would change (exit 1 when any)
    SCAN = "scan"  # find and classify sites only (rewrite=False), e.g. for coverage


class Color(enum.Enum):
    AUTO = "auto"  # only when the output stream is a terminal
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class Settings:
    """The options of one run. `jobs=None` means one worker per core."""

    rules_file: Path | None = None
    jobs: int | None = None
    use_cache: bool = True
    verbose: bool = False
    quiet: bool = False
    color: Color = Color.AUTO
    mode: Mode = Mode.APPLY
    # None: $MIGRATE_STORAGE_CACHE_DIR, else the user cache folder (see default_cache_dir).
    cache_dir: Path | None = None

    @property
    def workers(self) -> int:
        """How many worker processes at most (at least 1)."""
        if self.jobs is not None:
            return max(1, self.jobs)
        return max(1, os.cpu_count() or 1)

    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()


def default_cache_dir() -> Path:
    """$MIGRATE_STORAGE_CACHE_DIR, else `$XDG_CACHE_HOME/migrate-storage` (~/.cache/...).

    A user cache folder (black's choice) rather than a folder in the project: the tree being
    migrated stays free of tool droppings, and nothing there can end up in a commit.
    """
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "migrate-storage"
