"""The one secret-path rule: which paths look like secrets, and which globs allow them.

Used by the runtime (`_paths.publishable` never publishes such a file), by the codemods (a
literal secret-looking path is reported LOCAL and never rewritten) and by the rules
package (`rules check` / `rules explain` warn about rules that would publish them), so the
three cannot disagree. Pure functions on strings: no I/O, no settings, no import of the
rest of the runtime (importing this module builds no Storage).

The rule, on a path split on `/` and `\\`:
- the last component matches a deny-list glob, case-insensitively (`.ENV`, `x.PEM`), or
- a parent component is a secret folder, case-insensitively (`home/.ssh/config`);
- and no allow-glob matches the file name (as written or lower-cased) or the given
  relative path (`fnmatch` globs: `*` also crosses `/`).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

__all__ = [
    "DEFAULT_SECRET_GLOBS",
    "SECRET_DIRS",
    "is_allowed",
    "is_secret",
    "looks_secret",
    "normalized",
]

#: File names (matched case-insensitively against the last path component) that are
#: never published, whatever the rules say, unless an allow-glob lists them.
DEFAULT_SECRET_GLOBS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "credentials*",
    "*.kdbx",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".htpasswd",
    ".git-credentials",
    ".pypirc",
    ".npmrc",
    "secrets.*",
    "secret.*",
    "*.secret",
    "*.secrets",
)
#: Folders whose whole content is secret (matched against every parent component).
SECRET_DIRS: tuple[str, ...] = (".ssh", ".gnupg")


def _components(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]


def normalized(path: str) -> str:
    """`path` with `/` separators, without empty and `.` components (`./a//b` -> `a/b`)."""
    return "/".join(_components(path))


def looks_secret(path: str) -> bool:
    """The deny list alone: the file name matches a secret glob, or a parent folder is a
    secret folder (both case-insensitively)."""
    parts = _components(path)
    if not parts:
        return False
    name = parts[-1].lower()
    return any(fnmatchcase(name, glob) for glob in DEFAULT_SECRET_GLOBS) or any(
        part.lower() in SECRET_DIRS for part in parts[:-1]
    )


def is_allowed(path: str, allow: Iterable[str], rel: str | None = None) -> bool:
    """Whether an allow-glob lifts the deny list for `path`: it matches the file name (as
    written, or both lower-cased) or `rel`, the path relative to the root (`/`-separated)."""
    parts = _components(path)
    name = parts[-1] if parts else ""
    low = name.lower()
    for glob in allow:
        if fnmatchcase(name, glob) or fnmatchcase(low, glob.lower()):
            return True
        if rel is not None and fnmatchcase(rel, glob):
            return True
    return False


def is_secret(path: str, allow: Iterable[str] = (), rel: str | None = None) -> bool:
    """Secret-looking (`looks_secret`) and not lifted by an allow-glob (`is_allowed`)."""
    return looks_secret(path) and not is_allowed(path, allow, rel)
