"""`python -m storage_runtime status|sync|reindex`: output and exit codes (real node)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import closed_port_api, disk_cid, rows, run_cli
from storage_runtime import Storage
from storage_runtime.__main__ import main
from storage_runtime._ipfs import IpfsBackend

pytestmark = pytest.mark.ipfs


def _write(settings: Any, files: dict[str, tuple[str, bool]]) -> None:
    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    for rel, (text, pin) in files.items():
        storage.write_text(Path(os.path.join(settings.root, rel)), text, pin=pin)
    backend.close()


def test_status_reports_the_daemon_and_the_counts(ipfs_settings: Callable[..., Any]) -> None:
    settings = ipfs_settings()
    _write(settings, {"a.txt": ("a", True), "b.txt": ("b", False)})
    result = run_cli(["status"], settings.as_env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "backend: ipfs" in lines and f"api: {settings.api}" in lines
    assert any(line.startswith("daemon: reachable (version ") for line in lines)
    assert {"published: 2", "pinned: 1", "pending: 0"} <= set(lines)


def test_status_exits_1_when_unreachable_or_pending(ipfs_settings: Callable[..., Any]) -> None:
    settings = ipfs_settings(api=closed_port_api())
    _write(settings, {"a.txt": ("a", True)})
    result = run_cli(["status"], settings.as_env())
    assert result.returncode == 1
    assert "daemon: unreachable" in result.stdout and "pending: 1" in result.stdout


def test_corrupt_index_status_exits_2_and_reindex_keeps_pending_publishes(
    ipfs_settings: Callable[..., Any], ipfs_api: str
) -> None:
    settings = ipfs_settings()
    _write(settings, {"pub.txt": ("published and pinned", True)})
    down = ipfs_settings(api=closed_port_api())
    _write(down, {"late.txt": ("never reached the node", True), "c.txt": ("cache", False)})
    with open(settings.index, "r+b") as f:
        f.write(b"\xde\xad" * 2048)  # the header and first page are garbage now

    status = run_cli(["status"], settings.as_env())
    assert status.returncode == 2
    assert "reindex" in status.stderr and "Traceback" not in status.stderr

    rebuilt = run_cli(["reindex"], settings.as_env())
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "corrupt index moved aside" in rebuilt.stdout
    index = rows(settings.index)
    assert index["pub.txt"]["state"] == "published" and index["pub.txt"]["pin"] == 1
    assert index["late.txt"]["state"] == "pending"
    assert index["c.txt"]["state"] == "pending"

    synced = run_cli(["sync"], settings.as_env())
    assert synced.returncode == 0, synced.stdout + synced.stderr
    index = rows(settings.index)
    for rel in ("pub.txt", "late.txt", "c.txt"):
        assert index[rel]["state"] == "published"
        assert index[rel]["cid"] == disk_cid(os.path.join(settings.root, rel))


def test_usage_and_configuration_errors_exit_2(
    ipfs_settings: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = ipfs_settings().as_env()
    assert run_cli(["frobnicate"], env).returncode == 2
    # In-process: `import storage_runtime` itself reads the environment (default Storage).
    monkeypatch.setenv("STORAGE_RUNTIME_TIMEOUT", "soon")
    assert main(["status"]) == 2
    assert "error: STORAGE_RUNTIME_TIMEOUT='soon'" in capsys.readouterr().err
    local = run_cli(["sync"], {**env, "STORAGE_RUNTIME_BACKEND": "local"})
    assert local.returncode == 2 and "STORAGE_RUNTIME_BACKEND=ipfs" in local.stderr
    assert run_cli(["status"], {**env, "STORAGE_RUNTIME_BACKEND": "local"}).returncode == 0


def test_reindex_of_a_healthy_index_keeps_what_it_knows(
    ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings()
    _write(settings, {"a.txt": ("a", True), "b.txt": ("b", False), "del.txt": ("d", True)})
    os.remove(os.path.join(settings.root, "del.txt"))
    with open(os.path.join(settings.root, "b.txt"), "a") as f:  # builtin: behind its back
        f.write(" changed")
    result = run_cli(["reindex"], settings.as_env())
    assert result.returncode == 0, result.stderr
    assert "kept rows of deleted files: 1" in result.stdout
    index = rows(settings.index)
    assert index["a.txt"]["state"] == "published" and index["a.txt"]["pin"] == 1
    assert index["b.txt"]["state"] == "pending"  # its bytes are not the published ones
    assert index["del.txt"]["state"] == "published"  # stays known: never restored here
    assert not os.path.exists(os.path.join(settings.root, "del.txt"))
