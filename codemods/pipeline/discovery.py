"""Turn the PATHS a user gave into the Python files to migrate, and say why others were left.

- A folder is walked for `*.py` files; folders that are hidden (`.git`, `.tox`, ...),
  `__pycache__`, `site-packages`, `node_modules` or a virtualenv (holds `pyvenv.cfg`) are
  not entered. `.gitignore` files (the ones between the repository root and the folder, and
  every nested one) and `.git/info/exclude` are honoured, with git's precedence: the
  deepest file that has a matching pattern decides, and an ignored folder is not entered.
- A file named explicitly is taken whatever its suffix, and whatever .gitignore says (as
  black and ruff do); the rules' `exclude` still applies to it.
- Files the rules `exclude` are kept with `excluded=True`: coverage scans them, `apply`
  never rewrites them.
- Symlinks: a symlinked folder is not followed. A symlinked file is taken at its target
  (so the link stays a link) only when the target lies inside the paths given; otherwise it
  is skipped with a reason. Nothing outside the given paths is ever a candidate for writing.
- Every file is listed once (deduplicated by its real path), sorted by its display path: the
  path relative to the current folder when it lies inside it (what `a/`/`b/` diffs need).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

SKIPPED_DIR_NAMES = frozenset({"__pycache__", "site-packages", "node_modules", "__pypackages__"})
# The writer's temporary files: ".<name>.<pid>.<random>.migrate-storage.tmp" (see writing.py).
TEMP_SUFFIX = ".migrate-storage.tmp"
_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)\.[^.]+" + re.escape(TEMP_SUFFIX) + "$")

IsExcluded = Callable[[Path], bool]
# (base folder, spec, index of the pattern that ignores the folder given as PATH), shallowest
# first. The index lets the walk of an explicitly given folder ignore matches it inherits.
_Ignores = tuple[tuple[Path, GitIgnoreSpec, int | None], ...]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file to process. `path` is for people (messages, diffs); `real_path` is read/written."""

    path: str
    real_path: Path  # absolute, every symlink resolved
    excluded: bool = False  # an `exclude` glob of the rules matches it


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path that was not processed, and why. `error`: the user must act (exit code 2)."""

    path: str
    reason: str
    error: bool = False


@dataclass(frozen=True, slots=True)
class Discovery:
    files: tuple[SourceFile, ...]
    skipped: tuple[Skipped, ...]
    roots: tuple[Path, ...]  # real paths of what was given: nothing outside is written
    stale_temp_files: tuple[Path, ...] = ()  # writer temp files left by a killed run

    @property
    def errors(self) -> tuple[Skipped, ...]:
        return tuple(s for s in self.skipped if s.error)


def display_path(path: Path | str, cwd: Path) -> str:
    """`path` relative to `cwd` (posix) when it lies inside it, else absolute."""
    absolute = os.path.abspath(path)
    try:
        return Path(absolute).relative_to(cwd).as_posix()
    except ValueError:
        return absolute


def is_inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether the absolute `path` is one of `roots` or lies below one."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def _root_of(given: Path) -> Path:
    """The real path a given PATH stands for. A named file keeps its own name (a named link
    is not followed for this), a folder is resolved (the user named it: follow it)."""
    absolute = Path(os.path.abspath(given))
    if absolute.is_dir():
        return absolute.resolve()
    return absolute.parent.resolve() / absolute.name


def find_git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _read_spec(path: Path) -> GitIgnoreSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    spec = GitIgnoreSpec.from_lines(lines)
    return spec if len(spec) else None


def _ignores_down_to(folder: Path) -> _Ignores:
    """The ignore specs that apply inside `folder`: .git/info/exclude, then every .gitignore
    from the repository root down to `folder` itself (without a repository: only `folder`'s)."""
    git_root = find_git_root(folder)
    specs: list[tuple[Path, GitIgnoreSpec]] = []
    chain = [folder]
    if git_root is not None:
        info = _read_spec(git_root / ".git" / "info" / "exclude")
        if info is not None:
            specs.append((git_root, info))
        chain = [folder, *(p for p in folder.parents if p.is_relative_to(git_root))]
        chain.reverse()
    for base in chain:
        spec = _read_spec(base / ".gitignore")
        if spec is not None:
            specs.append((base, spec))
    return tuple((base, spec, _ignoring_pattern(folder, base, spec)) for base, spec in specs)


def _ignoring_pattern(folder: Path, base: Path, spec: GitIgnoreSpec) -> int | None:
    """The index of the pattern of `spec` that ignores `folder` itself, if one does.

    The user named `folder`, so it is walked even when an outer .gitignore ignores it (as
    ripgrep does with explicit paths): `apply ~/.pyenv/versions/3.11.7/lib` must not come
    back empty because pyenv's own repository ignores `/versions/`. The files inside match
    that same pattern only through their parent, so that pattern is disregarded for them.
    """
    if folder == base:
        return None
    result = spec.check_file(folder.relative_to(base).as_posix() + "/")
    return result.index if result.include else None


def is_ignored(path: Path, is_dir: bool, ignores: _Ignores) -> bool:
    """git's answer for `path`: the deepest spec with a matching pattern decides."""
    for base, spec, inherited in reversed(ignores):
        try:
            rel = path.relative_to(base).as_posix()
        except ValueError:
            continue
        result = spec.check_file(rel + "/" if is_dir else rel)
        if result.include is not None and not (result.include and result.index == inherited):
            return result.include
    return False


def _skip_folder(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name in SKIPPED_DIR_NAMES:
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


class _Walker:
    def __init__(self, roots: tuple[Path, ...], cwd: Path, is_excluded: IsExcluded | None) -> None:
        self.roots = roots
        self.cwd = cwd
        self.is_excluded = is_excluded
        self.files: dict[Path, SourceFile] = {}
        self.skipped: list[Skipped] = []
        self.stale: list[Path] = []

    def add(self, real: Path) -> None:
        if real not in self.files:
            excluded = bool(self.is_excluded and self.is_excluded(real))
            self.files[real] = SourceFile(display_path(real, self.cwd), real, excluded)

    def add_link(self, link: Path) -> None:
        """A symlinked file: taken at its target when that lies inside the given paths."""
        shown = display_path(link, self.cwd)
        try:
            target = link.resolve(strict=True)
        except (OSError, RuntimeError):
            self.skipped.append(Skipped(shown, "broken symlink; skipped"))
            return
        if not target.is_file():
            self.skipped.append(Skipped(shown, "symlink to something that is not a file; skipped"))
        elif not is_inside(target, self.roots):
            self.skipped.append(
                Skipped(shown, f"symlink to {target}, outside the paths given; not edited")
            )
        else:
            self.add(target)

    def walk(self, folder: Path, ignores: _Ignores) -> None:
        spec = _read_spec(folder / ".gitignore")
        if spec is not None and (not ignores or ignores[-1][0] != folder):
            ignores = (*ignores, (folder, spec, None))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append(
                Skipped(display_path(folder, self.cwd), f"cannot list folder: {exc.strerror}", True)
            )
            return
        for entry in entries:
            path = folder / entry.name
            try:
                if entry.is_symlink():
                    if entry.is_dir():
                        continue  # symlinked folders are not followed (loops, escapes)
                    if entry.name.endswith(".py") and not is_ignored(path, False, ignores):
                        self.add_link(path)
                    continue
                if entry.is_dir():
                    if not _skip_folder(entry) and not is_ignored(path, True, ignores):
                        self.walk(path, ignores)
                elif entry.name.endswith(".py"):
                    if entry.is_file() and not is_ignored(path, False, ignores):
                        self.add(path)
                elif entry.name.endswith(TEMP_SUFFIX) and _TEMP_NAME.match(entry.name):
                    self.stale.append(path)
            except OSError as exc:  # vanished or unreadable while walking
                self.skipped.append(Skipped(display_path(path, self.cwd), str(exc.strerror), True))


def discover(
    paths: Sequence[Path | str],
    *,
    is_excluded: IsExcluded | None = None,
    cwd: Path | None = None,
) -> Discovery:
    """Expand `paths` (files and folders) into the files to process. Never raises for a bad
    path: a missing one is reported as an error in `skipped` and the others go on."""
    here = (cwd or Path.cwd()).resolve()
    given = [Path(p) for p in paths]
    roots = tuple(dict.fromkeys(_root_of(p) for p in given if os.path.lexists(p)))
    walker = _Walker(roots, here, is_excluded)
    for raw in given:
        absolute = Path(os.path.abspath(raw))
        if not os.path.lexists(absolute):
            walker.skipped.append(Skipped(str(raw), "no such file or directory", True))
        elif absolute.is_dir():
            folder = absolute.resolve()
            walker.walk(folder, _ignores_down_to(folder))
        elif absolute.is_symlink():
            walker.add_link(_root_of(absolute))
        elif stat.S_ISREG(absolute.stat().st_mode):
            walker.add(_root_of(absolute))
        else:
            walker.skipped.append(Skipped(str(raw), "not a regular file or folder", True))
    files = tuple(sorted(walker.files.values(), key=lambda f: f.path))
    skipped = tuple(sorted(set(walker.skipped), key=lambda s: s.path))
    return Discovery(files, skipped, roots, tuple(sorted(set(walker.stale))))
