"""Two machines editing one MFS entry in the instant between a `stat` and a removal.

The MFS API has no compare-and-swap, so `_namespace` removes an entry by moving it aside
and reading what it took. These tests put another machine's pinned publish (a second
in-process backend with its own root and index, on the real node) exactly inside that
window, by running it right after the first machine's `stat` of the entry, and check the
promise "one pin per path": the version that left the namespace is unpinned, the one in
the namespace is pinned, and a conditional removal spares a version it did not know.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from _ipfs_helpers import is_pinned, mfs_cid
from storage_runtime import _namespace
from storage_runtime._cid import cid_of_bytes

pytestmark = pytest.mark.ipfs


def _write(storage: Any, rel: str, data: bytes) -> str:
    with storage.open(os.path.join(storage.backend.settings.root, rel), "wb", pin=True) as f:
        f.write(data)
    return cid_of_bytes(data)


def _after_first_stat(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run `action` (once) just after the next `entry_cid` call returns."""
    real = _namespace.entry_cid
    pending = [action]

    def stat_then_race(backend: Any, rel: str) -> str | None:
        result = real(backend, rel)
        if pending:
            pending.pop()()
        return result

    monkeypatch.setattr(_namespace, "entry_cid", stat_then_race)


def test_a_version_placed_between_stat_and_replace_is_unpinned_when_replaced(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    v1 = _write(a, "x.bin", f"v1 {namespace}".encode())
    data_b = f"v-b {namespace}".encode()
    _after_first_stat(monkeypatch, lambda: _write(b, "x.bin", data_b))
    v2 = _write(a, "x.bin", f"v2 {namespace}".encode())  # its stat sees v1, then b places
    v_b = cid_of_bytes(data_b)
    assert mfs_cid(ipfs_client, f"{namespace}/x.bin") == v2  # the last placement wins
    assert is_pinned(ipfs_client, v2)
    assert not is_pinned(ipfs_client, v1)
    assert not is_pinned(ipfs_client, v_b), "a replaced version kept its pin"


def test_a_removal_spares_a_version_placed_between_stat_and_removal(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_storage("a"), make_storage("b")
    v1 = _write(a, "x.bin", f"v1 {namespace}".encode())
    data_b = f"v-b {namespace}".encode()
    _after_first_stat(monkeypatch, lambda: _write(b, "x.bin", data_b))
    a.remove(os.path.join(a.backend.settings.root, "x.bin"))  # its stat sees v1
    v_b = cid_of_bytes(data_b)
    assert mfs_cid(ipfs_client, f"{namespace}/x.bin") == v_b  # the newer version stays
    assert is_pinned(ipfs_client, v_b)
    assert not is_pinned(ipfs_client, v1)
