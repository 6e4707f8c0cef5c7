"""`publishable` / `is_secret`: what may leave the machine, and what never does."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from storage_runtime import Settings
from storage_runtime._paths import (
    DEFAULT_SECRET_GLOBS,
    is_secret,
    is_special,
    publishable,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    r.mkdir()
    return r


def settings(root: Path, **kw: object) -> Settings:
    return Settings(root=str(root), **kw)  # type: ignore[arg-type]


def test_files_inside_root_are_publishable_by_real_path(root: Path) -> None:
    s = settings(root)
    (root / "sub").mkdir()
    assert publishable(root / "sub" / "new.txt", s) == str(root / "sub" / "new.txt")
    assert publishable(str(root / "sub" / ".." / "a.txt"), s) == str(root / "a.txt")
    assert publishable(os.fsencode(root / "b.bin"), s) == str(root / "b.bin")
    (root / "real.txt").write_text("x")
    (root / "alias.txt").symlink_to("real.txt")
    assert publishable(root / "alias.txt", s) == str(root / "real.txt")


def test_relative_paths_resolve_against_cwd(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    assert publishable("rel.txt", settings(root)) == str(root / "rel.txt")


@pytest.mark.parametrize("value", [0, 1, 7, True, None, 1.5, object(), "", "a\0b", b"a\0b"])
def test_non_paths_are_never_publishable(root: Path, value: object) -> None:
    assert publishable(value, settings(root)) is None


def test_outside_root_is_not_publishable(root: Path, tmp_path: Path) -> None:
    s = settings(root)
    assert publishable(tmp_path / "outside.txt", s) is None
    assert publishable(root / ".." / "outside.txt", s) is None
    assert publishable(str(root) + "-sibling/x", s) is None  # prefix, not a parent
    assert publishable(root, s) is None
    (tmp_path / "secret.txt").write_text("x")
    (root / "escape").symlink_to(tmp_path / "secret.txt")
    assert publishable(root / "escape", s) is None  # a link in the tree pointing out
    (root / "outdir").symlink_to(tmp_path)
    assert publishable(root / "outdir" / "f", s) is None


def test_special_files_are_not_publishable(root: Path) -> None:
    s = settings(root)
    os.mkfifo(root / "fifo")
    assert publishable(root / "fifo", s) is None
    (root / "dir").mkdir()
    assert publishable(root / "dir", s) is None
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "sock"))
        assert publishable(root / "sock", s) is None
    finally:
        sock.close()
    everything = Settings(root="/")
    for special in ("/dev/null", "/proc/self/status", "/proc/cpuinfo", "/sys/kernel", "/dev/nonexistent"):
        assert is_special(special)
        assert publishable(special, everything) is None
    assert not is_special(str(root / "missing-file"))


def test_runtime_state_is_not_publishable(root: Path, tmp_path: Path) -> None:
    s = settings(root)
    assert publishable(root / ".storage-runtime" / "index.sqlite3", s) is None
    assert publishable(root / ".storage-runtime" / "anything", s) is None
    custom = settings(root, index=str(root / "data" / "idx.db"))
    for name in ("idx.db", "idx.db-wal", "idx.db-shm", "idx.db-journal"):
        assert publishable(root / "data" / name, custom) is None
    assert publishable(root / "data" / "other.db", custom) == str(root / "data" / "other.db")


SECRET_NAMES = [
    ".env", ".env.local", "prod.env", "server.pem", "tls.key", "secrets.key", "id_rsa",
    "id_rsa.pub", "id_ed25519", "cert.p12", "cert.pfx", "credentials", "credentials.json",
    "vault.kdbx", ".netrc", ".pgpass", ".git-credentials", "secrets.yaml", "SERVER.PEM", ".ENV",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names_are_denied(root: Path, name: str) -> None:
    s = settings(root)
    assert is_secret(root / name, s)
    assert publishable(root / "sub" / name, s) is None


@pytest.mark.parametrize("name", ["data.json", "environment.txt", "keys.txt", "envoy.yaml",
                                  "monkey.py", "credential_notes.md"])
def test_ordinary_names_are_allowed(root: Path, name: str) -> None:
    assert not is_secret(root / name, settings(root))
    assert publishable(root / name, settings(root)) == str(root / name)


def test_secret_folders_and_secret_link_targets_are_denied(root: Path) -> None:
    s = settings(root)
    assert publishable(root / ".ssh" / "config", s) is None
    assert publishable(root / "home" / ".gnupg" / "pubring.kbx", s) is None
    (root / "server.pem").write_text("k")
    (root / "innocent.txt").symlink_to("server.pem")
    assert publishable(root / "innocent.txt", s) is None


def test_every_default_glob_matches_something() -> None:
    for glob in DEFAULT_SECRET_GLOBS:
        example = glob.replace("*", "x")
        assert is_secret(example), glob


def test_allow_list_overrides_deny_list(root: Path) -> None:
    allowed = settings(root, allow_secrets=("*.pem", "config/.env"))
    assert publishable(root / "public.pem", allowed) == str(root / "public.pem")
    assert publishable(root / "config" / ".env", allowed) == str(root / "config" / ".env")
    assert publishable(root / ".env", allowed) is None  # only that one .env
    assert publishable(root / "tls.key", allowed) is None


def test_allow_list_from_environment(root: Path) -> None:
    s = Settings.from_env({"STORAGE_RUNTIME_ROOT": str(root),
                           "STORAGE_RUNTIME_ALLOW": os.pathsep.join(["*.key", "id_rsa.pub"])})
    assert publishable(root / "tls.key", s) == str(root / "tls.key")
    assert publishable(root / "id_rsa.pub", s) == str(root / "id_rsa.pub")
    assert publishable(root / "id_rsa", s) is None
