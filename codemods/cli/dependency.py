"""After `apply`: the projects whose metadata does not declare the runtime they now import.

A rewritten module imports the runtime (`from storage_runtime import open`). A package
installed from its wheel, or built in an isolated environment, then fails at import unless
its metadata lists the runtime's distribution. `apply` does not edit packaging files (a
requirement pip cannot find offline would break every install of the tree); it names each
one that needs the line, on stderr, after the summary.

The project of a rewritten file is the nearest folder above it holding `pyproject.toml`,
`setup.cfg` or `setup.py` (not above a `.git` folder). Its metadata "declares" the runtime
when any of those files mentions the distribution name in any spelling pip normalises to
the same (`storage-runtime`, `storage_runtime`, `Storage.Runtime`), or the runtime module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

#: The distribution that provides the default runtime module (runtime/pyproject.toml).
RUNTIME_DISTRIBUTION = "storage-runtime"
_METADATA = ("pyproject.toml", "setup.cfg", "setup.py")


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_of(path: Path) -> Path | None:
    """The nearest folder above `path` with packaging metadata, or None."""
    for folder in path.resolve().parents:
        if any((folder / name).is_file() for name in _METADATA):
            return folder
        if (folder / ".git").exists():
            return None
    return None


def declares(project: Path, runtime_module: str) -> bool:
    """Whether `project`'s metadata files mention the runtime (see the module docstring)."""
    wanted = {_normalised(RUNTIME_DISTRIBUTION), _normalised(runtime_module.split(".")[0])}
    for name in _METADATA:
        file = project / name
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        words = {_normalised(w) for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", text)}
        if words & wanted:
            return True
    return False


def undeclared(rewritten: Iterable[Path], runtime_module: str) -> list[Path]:
    """The metadata file of each project holding a rewritten file that does not declare
    the runtime: its pyproject.toml, else its setup.cfg, else its setup.py."""
    found: dict[Path, Path] = {}
    seen: set[Path] = set()
    for path in rewritten:
        project = project_of(path)
        if project is None or project in seen:
            continue
        seen.add(project)
        if not declares(project, runtime_module):
            found[project] = next(
                project / name for name in _METADATA if (project / name).is_file()
            )
    return sorted(found.values())


def note(metadata: Path, runtime_module: str) -> str:
    """The line `apply` prints for one project."""
    distribution = (
        RUNTIME_DISTRIBUTION if runtime_module.split(".")[0] == "storage_runtime"
        else f"the distribution of `{runtime_module}`"
    )
    return (
        f"note: {metadata}: does not declare {distribution}, which the migrated modules now "
        f"import; add it to the project's dependencies (and to [build-system].requires if "
        f"its build imports them)"
    )
