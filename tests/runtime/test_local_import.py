"""The runtime as migrated code sees it: imports with no ipfshttpclient and without the
tool's own dependencies, and a module-level `open` that is a drop-in for the builtin."""

from __future__ import annotations

import builtins
import inspect
import io
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from unittest import mock

import pytest
import storage_runtime
from _local_helpers import tracked_storage


def run_python(code: str, env: dict[str, str] | None = None, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_RUNTIME_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=60, env=full_env, cwd=cwd, check=False,
    )


def test_imports_and_works_without_ipfshttpclient(tmp_path: Path) -> None:
    done = run_python(
        """
        import sys
        sys.modules["ipfshttpclient"] = None  # any import of it now raises ImportError
        import storage_runtime
        from storage_runtime import open, storage, Storage, Settings
        with open("f.txt", "w", pin=True) as f:
            f.write("local")
        storage.dump_json({"a": 1}, "f.json", pin=True)
        assert storage.load_json("f.json") == {"a": 1}
        assert open("f.txt").read() == "local"
        print(storage.settings.backend, sorted(storage_runtime.__all__))
        """,
        cwd=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "local"
    assert (tmp_path / "f.txt").read_text() == "local"


def test_import_pulls_in_no_tool_or_network_modules() -> None:
    done = run_python(
        """
        import sys
        import storage_runtime
        from storage_runtime import open, storage
        storage.read_text  # touch the default instance
        bad = [m for m in ("libcst", "click", "ipfshttpclient", "storage_runtime._ipfs",
                           "requests", "urllib3", "storage_runtime._transport",
                           "storage_runtime._index", "sqlite3", "hypothesis")
               if m in sys.modules]
        print(bad)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_default_instance_reads_environment(tmp_path: Path) -> None:
    done = run_python(
        """
        from storage_runtime import storage
        print(storage.settings.root, storage.settings.namespace, storage.settings.strict)
        """,
        env={"STORAGE_RUNTIME_ROOT": str(tmp_path), "STORAGE_RUNTIME_NAMESPACE": "/ns",
             "STORAGE_RUNTIME_STRICT": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [os.path.realpath(tmp_path), "/ns", "True"]


def test_bad_environment_fails_loudly_at_import() -> None:
    done = run_python("import storage_runtime", env={"STORAGE_RUNTIME_BACKEND": "ipsf"})
    assert done.returncode != 0
    assert "ValueError: STORAGE_RUNTIME_BACKEND='ipsf'" in done.stderr


@pytest.mark.parametrize("command", ["status", "sync", "pull"])
def test_the_cli_reports_a_bad_environment_as_an_error_not_a_traceback(command: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_RUNTIME_")}
    env["STORAGE_RUNTIME_TIMEOUT"] = "soon"
    done = subprocess.run(
        [sys.executable, "-m", "storage_runtime", command],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path, check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("error: STORAGE_RUNTIME_TIMEOUT='soon'")


def test_module_open_has_builtin_signature_plus_pin() -> None:
    assert isinstance(storage_runtime.open, types.FunctionType)
    ours = inspect.signature(storage_runtime.open)
    theirs = inspect.signature(builtins.open)
    params = list(ours.parameters.values())
    assert [(p.name, p.default, p.kind) for p in params[:-1]] == [
        (p.name, p.default, p.kind) for p in theirs.parameters.values()
    ]
    assert (params[-1].name, params[-1].default, params[-1].kind) == (
        "pin", False, inspect.Parameter.KEYWORD_ONLY
    )
    # Storage.open also takes `call=` (the callee the source spelled: `io.open(...)` ->
    # `storage.open(..., call=io.open)`); the module's `open` does not.
    method = inspect.signature(storage_runtime.Storage.open)
    assert list(method.parameters)[1:] == [*ours.parameters, "call"]
    assert method.parameters["call"].kind is inspect.Parameter.KEYWORD_ONLY


def test_module_open_delegates_to_current_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replacement, backend = tracked_storage(tmp_path)
    monkeypatch.setattr(storage_runtime, "storage", replacement)
    with storage_runtime.open(tmp_path / "f.txt", "w", encoding="utf-8", pin=True) as f:
        f.write("x")
    assert backend.writes == [(str(tmp_path / "f.txt"), True)]
    with storage_runtime.open(tmp_path / "f.txt", "rb", 0) as f:
        assert isinstance(f, io.FileIO) and f.read() == b"x"


def test_patching_a_modules_open_still_intercepts(tmp_path: Path) -> None:
    """Codemods rebind `open` in a module; `mock.patch("pkg.mod.open", mock_open(...))`
    must keep working on such a module."""
    module = types.ModuleType("migrated")
    exec(  # noqa: S102 - builds a stand-in for a migrated module
        "from storage_runtime import open\ndef load(p):\n    with open(p) as f:\n        return f.read()\n",
         module.__dict__)
    sys.modules["migrated"] = module
    try:
        with mock.patch("migrated.open", mock.mock_open(read_data="patched")):
            assert module.load(tmp_path / "nothing") == "patched"
    finally:
        del sys.modules["migrated"]


def test_positional_and_keyword_arguments_reach_open(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    with storage_runtime.open(path, "w", -1, "utf-16", "strict", "\r\n", True, None) as f:
        f.write("a\nb")
    assert path.read_bytes() == "a\r\nb".encode("utf-16")
    with storage_runtime.open(file=path, mode="r", encoding="utf-16", newline="") as f:
        assert f.read() == "a\r\nb"
