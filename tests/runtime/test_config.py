"""`Settings.from_env`: documented variables, defaults, and errors that name the variable."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from storage_runtime import Settings, Storage
from storage_runtime._backend import LocalBackend
from storage_runtime.config import ENV, make_backend


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(tmp_path / "link")
    s = Settings.from_env({})
    assert s.backend == "local"
    assert s.api == "/ip4/127.0.0.1/tcp/5001/http"
    assert s.root == str(real)  # realpath of the cwd at construction
    assert s.namespace == "/migrate-storage"
    assert s.strict is False
    assert s.index == str(real / ".storage-runtime" / "index.sqlite3")
    assert s.state_dir == str(real / ".storage-runtime")
    assert s.timeout == 10.0
    assert s.allow_secrets == ()
    assert s.restore_pinned_only is False
    assert s.restore_namespaces == ("/migrate-storage",)


def test_every_variable_is_read(tmp_path: Path) -> None:
    env = {
        "STORAGE_RUNTIME_BACKEND": "IPFS",
        "STORAGE_RUNTIME_API": "/ip4/127.0.0.1/tcp/15001/http",
        "STORAGE_RUNTIME_ROOT": str(tmp_path),
        "STORAGE_RUNTIME_NAMESPACE": "/team/a/",
        "STORAGE_RUNTIME_STRICT": "true",
        "STORAGE_RUNTIME_INDEX": str(tmp_path / "idx.db"),
        "STORAGE_RUNTIME_TIMEOUT": "2.5",
        "STORAGE_RUNTIME_ALLOW": os.pathsep.join(["*.pem", "", " certs/*.key "]),
        "STORAGE_RUNTIME_RESTORE_NAMESPACES": os.pathsep.join(["/team/a", "/shared"]),
    }
    s = Settings.from_env(env)
    assert s.backend == "ipfs"
    assert s.api == "/ip4/127.0.0.1/tcp/15001/http"
    assert s.root == os.path.realpath(tmp_path)
    assert s.namespace == "/team/a"
    assert s.strict is True
    assert s.index == str(tmp_path / "idx.db")
    assert s.timeout == 2.5
    assert s.allow_secrets == ("*.pem", "certs/*.key")
    assert s.restore_namespaces == ("/team/a", "/shared")
    assert s.restore_pinned_only is True  # listing namespaces turns the limit on
    assert set(ENV.values()) == set(env) | {"STORAGE_RUNTIME_RESTORE_PINNED_ONLY"}


def test_relative_root_and_index_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({"STORAGE_RUNTIME_ROOT": "data", "STORAGE_RUNTIME_INDEX": "i.db"})
    assert s.root == str(Path(os.path.realpath(tmp_path)) / "data")
    assert s.index == str(Path(os.path.realpath(tmp_path)) / "i.db")


@pytest.mark.parametrize("value", ["1", "true", "YES", "on", " True "])
def test_strict_true(value: str) -> None:
    assert Settings.from_env({"STORAGE_RUNTIME_STRICT": value}).strict is True


@pytest.mark.parametrize("value", ["0", "false", "no", "off", ""])
def test_strict_false(value: str) -> None:
    assert Settings.from_env({"STORAGE_RUNTIME_STRICT": value}).strict is False


def test_pinned_only_switch_alone() -> None:
    s = Settings.from_env({"STORAGE_RUNTIME_RESTORE_PINNED_ONLY": "1"})
    assert s.restore_pinned_only is True and s.restore_namespaces == (s.namespace,)


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        ("STORAGE_RUNTIME_BACKEND", "ipf", "expected one of local, ipfs"),
        ("STORAGE_RUNTIME_STRICT", "maybe", "expected 1/true"),
        ("STORAGE_RUNTIME_TIMEOUT", "ten", "number of seconds"),
        ("STORAGE_RUNTIME_TIMEOUT", "-1", "positive"),
        ("STORAGE_RUNTIME_TIMEOUT", "nan", "positive"),
        ("STORAGE_RUNTIME_TIMEOUT", "inf", "positive"),
        ("STORAGE_RUNTIME_API", "http://127.0.0.1:5001", "multiaddr"),
        ("STORAGE_RUNTIME_NAMESPACE", "relative", "absolute MFS path"),
        ("STORAGE_RUNTIME_NAMESPACE", "/a/../b", "'..'"),
        ("STORAGE_RUNTIME_RESTORE_NAMESPACES", "/ok" + os.pathsep + "bad", "absolute MFS path"),
        ("STORAGE_RUNTIME_RESTORE_PINNED_ONLY", "sometimes", "expected 1/true"),
    ],
)
def test_invalid_values_name_the_variable(var: str, value: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        Settings.from_env({var: value})
    assert str(info.value).startswith(f"{var}=")
    bad = value.split(os.pathsep)[-1] if var.endswith("NAMESPACES") else value
    assert repr(bad) in str(info.value)
    assert fragment in str(info.value)


def test_invalid_fields_raise_on_direct_construction() -> None:
    with pytest.raises(ValueError, match="^backend='s3'"):
        Settings(backend="s3")
    with pytest.raises(ValueError, match="^timeout=0"):
        Settings(timeout=0)


def test_settings_are_frozen_and_round_trip_through_env(tmp_path: Path) -> None:
    s = Settings(root=str(tmp_path), backend="ipfs", strict=True, allow_secrets=("*.pem",),
                 restore_namespaces=("/a", "/b"), restore_pinned_only=True, timeout=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.backend = "local"  # type: ignore[misc]
    assert Settings.from_env(s.as_env()) == s


def test_make_backend_local_and_lazy_ipfs(tmp_path: Path) -> None:
    assert isinstance(make_backend(Settings(backend="local")), LocalBackend)
    storage = Storage(Settings(backend="ipfs", root=str(tmp_path)))
    assert "backend='ipfs'" in repr(storage)  # building a Storage does not build the backend
    assert storage._backend is None


def test_path_fields_accept_pathlike_and_bytes(tmp_path: Path) -> None:
    s = Settings(root=os.fsencode(tmp_path), index=tmp_path / "i.db")  # type: ignore[arg-type]
    assert s.root == os.path.realpath(tmp_path) and isinstance(s.root, str)
    assert s.index == str(tmp_path / "i.db")


def test_storage_keyword_overrides(tmp_path: Path) -> None:
    storage = Storage(Settings(root=str(tmp_path)), strict=True, namespace="/x")
    assert storage.settings.strict is True
    assert storage.settings.namespace == "/x"
    assert storage.settings.root == os.path.realpath(tmp_path)


def test_an_overridden_root_moves_a_defaulted_index_with_it(tmp_path, monkeypatch) -> None:
    """Storage(root=X) must not keep an index under the old root (the cwd)."""
    from storage_runtime import Storage

    monkeypatch.delenv("STORAGE_RUNTIME_INDEX", raising=False)
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    s = Storage(root=str(other))
    assert s.settings.index == str(other.resolve() / ".storage-runtime" / "index.sqlite3")
    explicit = Storage(root=str(other), index=str(tmp_path / "i.sqlite3"))
    assert explicit.settings.index == str(tmp_path / "i.sqlite3")


# -- dangerous or wrong configuration of the ipfs backend fails at start -----------------

_IPFS = {"STORAGE_RUNTIME_BACKEND": "ipfs"}


def _homes() -> list[str]:
    """Folders that hold the interpreter or the runtime package, and one of their parents."""
    import storage_runtime

    package = os.path.dirname(os.path.abspath(storage_runtime.__file__))
    site = os.path.dirname(os.__file__)  # the standard library, inside the installation
    return [sys.prefix, os.path.dirname(sys.prefix), package, os.path.dirname(package), site]


@pytest.mark.parametrize("root", ["/", *_homes()])
def test_a_root_holding_the_python_installation_or_the_runtime_is_refused(root: str) -> None:
    with pytest.raises(ValueError) as info:
        Settings.from_env({**_IPFS, "STORAGE_RUNTIME_ROOT": root})
    assert str(info.value).startswith("STORAGE_RUNTIME_ROOT=")
    assert "the runtime's own Python installation or package" in str(info.value)
    with pytest.raises(ValueError, match="(contains|lies inside) the runtime's own"):
        Settings(backend="ipfs", root=root)  # direct construction too
    Settings(backend="local", root=root)  # the local backend publishes nothing: accepted


def test_an_unset_root_is_the_current_directory_and_the_message_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir("/")
    with pytest.raises(ValueError, match=r"^STORAGE_RUNTIME_ROOT \(unset: the current directory\)='/'"):
        Settings.from_env(_IPFS)
    assert Settings.from_env({}).root == "/"  # the local backend publishes nothing


def test_a_missing_root_or_a_file_as_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for root, what in ((tmp_path / "nope", "does not exist"), (tmp_path / "file", "not a folder")):
        with pytest.raises(ValueError, match=f"^STORAGE_RUNTIME_ROOT=.*{what}"):
            Settings.from_env({**_IPFS, "STORAGE_RUNTIME_ROOT": str(root)})
    assert Settings.from_env({**_IPFS, "STORAGE_RUNTIME_ROOT": str(tmp_path)}).root == str(
        os.path.realpath(tmp_path))


@pytest.mark.parametrize("api", ["/garbage", "/ip4/127.0.0.1/tcp/99999/http", "/ip4/1.2.3/tcp/5001",
                                 "/ip4/127.0.0.1/udp/5001", "/ip4/127.0.0.1/tcp/5001/ws",
                                 "/ip4/127.0.0.1"])
def test_an_api_address_that_does_not_parse_is_refused(api: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"^STORAGE_RUNTIME_API={re.escape(repr(api))}"):
        Settings.from_env({**_IPFS, "STORAGE_RUNTIME_API": api, "STORAGE_RUNTIME_ROOT": str(tmp_path)})


@pytest.mark.parametrize("api", ["/ip4/127.0.0.1/tcp/5001/http", "/ip4/127.0.0.1/tcp/5001",
                                 "/ip6/::1/tcp/5001/http", "/dns/localhost/tcp/5001/https"])
def test_dialable_api_addresses_are_accepted(api: str, tmp_path: Path) -> None:
    assert Settings(backend="ipfs", api=api, root=str(tmp_path)).api == api


def _harmless(tmp_path: Path) -> dict[str, str]:
    """Were a check missing, the command must still touch nothing outside the test's
    folder: its own index, and an API where nothing listens (nothing fetched into `/`)."""
    from _ipfs_helpers import closed_port_api

    return {"STORAGE_RUNTIME_ROOT": str(tmp_path), "STORAGE_RUNTIME_API": closed_port_api(),
            "STORAGE_RUNTIME_INDEX": str(tmp_path / "index.sqlite3")}


_BAD_CONFIG = [
    {"STORAGE_RUNTIME_ROOT": "/"},
    {"STORAGE_RUNTIME_ROOT": "{tmp}/missing"},  # under the test's own folder
    {"STORAGE_RUNTIME_API": "/garbage"},
]


@pytest.mark.parametrize("env", _BAD_CONFIG)
def test_bad_configuration_fails_the_program_at_import_naming_the_variable(env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
    full = {**os.environ, **_IPFS, **_harmless(tmp_path), **env}
    result = subprocess.run([sys.executable, "-c", "import storage_runtime"], env=full,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    (var,) = env
    assert f"ValueError: {var}=" in result.stderr


@pytest.mark.parametrize("command", ["status", "sync", "reindex", "pull"])
@pytest.mark.parametrize("env", _BAD_CONFIG)
def test_bad_configuration_is_an_error_line_and_exit_2_for_the_cli(env: dict[str, str], command: str, tmp_path: Path) -> None:
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
    full = {**os.environ, **_IPFS, **_harmless(tmp_path), **env}
    result = subprocess.run([sys.executable, "-m", "storage_runtime", command], env=full,
                            capture_output=True, text=True, timeout=60, check=False)
    (var,) = env
    assert result.returncode == 2, result
    assert result.stderr.startswith(f"error: {var}="), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
