"""Fixtures for the runtime tests that need the real IPFS test node.

Tests marked `ipfs` take the `ipfs_api` fixture: the node's RPC multiaddr, from
MIGRATE_STORAGE_TEST_IPFS_API (set by `scripts/test`, or by hand after
`scripts/ipfs-node start`). Without it they skip with the reason, except under CI
(`CI` set to a true value), where they fail: CI must never silently skip the real node.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _ipfs_helpers import Worker, make_client

ENV_API = "MIGRATE_STORAGE_TEST_IPFS_API"
_STRICT_WARNING = "ignore:The 'strict' parameter is no longer needed:FutureWarning"


def pytest_configure(config: pytest.Config) -> None:
    # urllib3 2.x warns about an argument ipfshttpclient 0.7.0 passes: harmless.
    config.addinivalue_line("filterwarnings", _STRICT_WARNING)


@pytest.fixture(autouse=True)
def _runtime_records_reach_caplog() -> Iterator[None]:
    """In-process tests assert the runtime's own records with caplog, whose handler is on
    the root logger: they get `STORAGE_RUNTIME_LOG=propagate`. What a program sees by
    default (no propagation, warnings on stderr) is checked in separate processes
    (test_runtime_log.py)."""
    from storage_runtime import _log

    _log.configure("propagate")
    yield
    _log.configure(_log.choice())


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def node_api_or_skip() -> str:
    api = os.environ.get(ENV_API, "").strip()
    if not api:
        if _in_ci():
            pytest.fail(f"CI is set but {ENV_API} is not: the real-node tests must run in CI "
                        "(start the node with `scripts/ipfs-node start`)", pytrace=False)
        pytest.skip(f"no IPFS test node: run `scripts/ipfs-node start` and export {ENV_API}")
    return api


@pytest.fixture(scope="session")
def ipfs_api() -> str:
    """The real test node's RPC multiaddr (skip, or fail under CI, when unset)."""
    api = node_api_or_skip()
    client = make_client(api)
    try:
        client.version()
    except Exception as exc:  # noqa: BLE001 - any failure means the node is not usable
        pytest.fail(f"{ENV_API}={api} is set but the node does not answer: {exc}",
                    pytrace=False)
    finally:
        client.close()
    return api


@pytest.fixture
def ipfs_client(ipfs_api: str) -> Iterator[Any]:
    client = make_client(ipfs_api)
    yield client
    client.close()


@pytest.fixture
def namespace() -> str:
    """A fresh MFS namespace per test, so tests sharing the node never collide."""
    return f"/test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ipfs_settings(tmp_path: Any, ipfs_api: str, namespace: str) -> Callable[..., Any]:
    """Factory: `Settings` for the ipfs backend under a root in tmp_path."""
    from storage_runtime.config import Settings

    def make(root: str = "root", **overrides: Any) -> Settings:
        folder = tmp_path / root
        folder.mkdir(exist_ok=True)
        base: dict[str, Any] = {"backend": "ipfs", "api": ipfs_api, "root": str(folder),
                                "namespace": namespace, "timeout": 5.0}
        base.update(overrides)
        return Settings(**base)

    return make


@pytest.fixture
def make_storage(ipfs_settings: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Factory: a `Storage` with the ipfs backend (background drain off: deterministic)."""
    from storage_runtime import Storage
    from storage_runtime._ipfs import IpfsBackend

    made: list[Any] = []

    def make(root: str = "root", *, drain: bool = False, **overrides: Any) -> Any:
        settings = ipfs_settings(root, **overrides)
        backend = IpfsBackend(settings, drain_on_start=drain)
        storage = Storage(settings, backend_impl=backend)
        made.append(backend)
        return storage

    yield make
    for backend in made:
        backend.wait_drain(5)
        backend.close()


@pytest.fixture
def workers(tmp_path: Any, ipfs_api: str, namespace: str) -> Iterator[Callable[..., Worker]]:
    """Factory: `workers("a", api=...)` starts a worker process with root tmp_path/a."""
    started: list[Worker] = []

    def start(name: str, api: str = ipfs_api, **env: str) -> Worker:
        worker = Worker(str(tmp_path / name), api, namespace, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()
