"""The one secret-path rule: which paths look like secrets, and which globs allow them.

Used by the runtime (`_paths.publishable` never publishes such a file), by the codemods (a
literal secret-looking path is reported LOCAL and never rewritten) and by the rules
package (`rules check` / `rules explain` warn about rules that would publish them), so the
three cannot disagree. Pure functions on strings: no I/O, no settings, no import of the
rest of the runtime (importing this module builds no Storage).

The rule, on a path split on `/` and `\\`, all of it case-insensitive:
- the file name matches a deny-list glob (`.ENV`, `x.PEM`), also once stripped of backup
  and editor suffixes (`my.pem.bak`, `.env~`, `id_rsa.orig`, `.env.swp`) and of one
  leading dot (`.secrets.toml` is `secrets.toml`), or
- a parent folder is a secret folder (`home/.ssh/config`, `secrets/db_password.txt`,
  `.aws/credentials`), or
- the last two components are a known credential file (`.docker/config.json`,
  `.kube/config`);
- and no allow-glob matches the file name (as written or lower-cased) or the given
  relative path (`fnmatch` globs: `*` also crosses `/`).

Why so broad: a false positive keeps a file on the machine (the safe direction, and
`STORAGE_RUNTIME_ALLOW` / `allow_secrets` lift it); a false negative publishes a credential
to every worker of the namespace, for good. A hard link to a secret file is a secret file
too: the runtime checks the other names of a multiply-linked file (`_paths`).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

__all__ = [
    "BACKUP_SUFFIXES",
    "DEFAULT_SECRET_GLOBS",
    "SECRET_DIRS",
    "SECRET_FILES",
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
    # Anything named for a secret: `secrets.toml`, `notebook_secret` (nbformat's signing
    # key), `jupyter_cookie_secret`, `client_secret.json`, `secret_key`, `x.secret`.
    "*secret*",
    ".envrc",
    "*.ppk",
    "*.gpg",
    "*.p8",
    "*.pkcs12",
    "*.keychain",
    "*.keychain-db",
    "*.ovpn",
    ".vault-token",
    "*.tfstate",
    "*.tfvars",
    "*credentials*",
    "*service?account*.json",
    "*password",
    "*password.txt",
    "*passwords.txt",
    "*password*.json",
    ".passwd*",
    "*.token",
    "*_token",  # `github_token`, `refresh_token`
    "*private?key*",  # `private_key`, `signing-private-key.bin`
    "*signing?key*",
    "*api?key*",
    "token.json",
    "auth.json",
    ".dockercfg",
    ".boto",
    ".s3cfg",
    "kubeconfig",
)
#: Folders whose whole content is secret (matched against every parent component).
SECRET_DIRS: tuple[str, ...] = (
    ".ssh",
    ".gnupg",
    "secrets",
    ".secrets",
    ".aws",
    ".azure",
    ".gcloud",
    "gcloud",
    ".kube",
    ".password-store",
)
#: Credential files known by their folder and name (the last two components).
SECRET_FILES: tuple[str, ...] = (
    ".docker/config.json",
    ".kube/config",
    ".config/gh/hosts.yml",
    ".config/hub",
)
#: Suffixes that backup copies and editors add (`my.pem.bak`, `.env~`, `.env.swp`).
BACKUP_SUFFIXES: tuple[str, ...] = (
    "~", ".bak", ".backup", ".orig", ".old", ".save", ".swp", ".swo", ".tmp", ".copy",
)


def _components(path: str) -> list[str]:
    return [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]


def normalized(path: str) -> str:
    """`path` with `/` separators, without empty and `.` components (`./a//b` -> `a/b`)."""
    return "/".join(_components(path))


def looks_secret(path: str) -> bool:
    """The deny list alone: the file name matches a secret glob, or a parent folder is a
    secret folder (both case-insensitively)."""
    parts = [p.lower() for p in _components(path)]
    if not parts:
        return False
    if any(part in SECRET_DIRS for part in parts[:-1]):
        return True
    if len(parts) >= 2 and "/".join(parts[-2:]) in SECRET_FILES:
        return True
    return any(
        fnmatchcase(name, glob) for name in _name_variants(parts[-1]) for glob in DEFAULT_SECRET_GLOBS
    )


def _name_variants(name: str) -> set[str]:
    """`name` (lower-cased), without backup suffixes (repeatedly), and each without one
    leading dot: the names a secret file goes by."""
    names = {name}
    stripped = name
    changed = True
    while changed:
        changed = False
        for suffix in BACKUP_SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                stripped = stripped[: -len(suffix)]
                names.add(stripped)
                changed = True
    names.update(n[1:] for n in list(names) if n.startswith(".") and len(n) > 1)
    return names


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
