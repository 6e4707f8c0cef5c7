"""`storage.held(p)` in a writer's call, then `storage.publish_held(pin=...)` on the next line.

The migration writes a third-party writer whose path is an expression, when its call is a
whole statement, as `df.to_csv(storage.held(out(n)), sep=sep())` followed by
`storage.publish_held(pin=True)`: the writer is the program's own call from the program's
frame (a warning it attributes to its caller names the program's line), and the path it
was given, that very object, is published once it returned. A writer that raised, or an
argument after the path that raised, leaves its path held and never published; later
pairs, in the same frame, a deeper one or a nested call, publish their own path only.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from storage_runtime import Storage, _after_call
from storage_runtime.config import Settings


def _writes_warning_its_caller(path: Any, *args: Any) -> None:
    """A writer stand-in that warns its caller as pandas' find_stack_level does."""
    if args:
        warnings.warn("keyword-only", FutureWarning, stacklevel=2)
    with open(path, "w") as f:
        f.write("".join(map(str, args)) or "x")


def _recording(seen: list[tuple[Any, bool, str | None]]) -> Any:
    publish = _after_call.publish

    def record(storage: Any, path: Any, *, pin: bool = False, suffix: str | None = None) -> None:
        seen.append((path, pin, suffix))
        publish(storage, path, pin=pin, suffix=suffix)

    return mock.patch.object(_after_call, "publish", record)


def test_the_path_object_is_published_after_the_writer_called_from_this_frame(
    tmp_path: Any,
) -> None:
    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    path = Path(tmp_path) / "m.csv"
    seen: list[tuple[Any, bool, str | None]] = []
    with _recording(seen), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _writes_warning_its_caller(storage.held(path), ",")
        storage.publish_held(pin=True, suffix=".csv")
        storage.publish_held()  # nothing held any more: nothing published
    assert [w.filename for w in caught] == [__file__]  # the writer's caller: this frame
    assert len(seen) == 1 and seen[0][0] is path and seen[0][1:] == (True, ".csv")
    assert path.read_text() == ","


def test_a_raising_writer_or_argument_is_never_published_and_later_pairs_stay_exact(
    tmp_path: Any,
) -> None:
    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    seen: list[tuple[Any, bool, str | None]] = []

    def fails() -> str:
        raise LookupError("a later argument")

    def reads(p: Any, **kwargs: Any) -> str:
        return str(p)

    def deeper(depth: int) -> None:
        # a writer that raises here, then one that returns, then one in a deeper frame
        try:
            _writes_warning_its_caller(storage.held(f"{tmp_path}/no/such/{depth}"))
            storage.publish_held(pin=True)
        except FileNotFoundError:
            pass
        _writes_warning_its_caller(storage.held(f"{tmp_path}/d{depth}"))
        if depth < 2:
            deeper(depth + 1)
        storage.publish_held(pin=True)

    with _recording(seen), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for attempt in range(2):
            try:
                _writes_warning_its_caller(storage.held(f"{tmp_path}/never{attempt}"), fails())
                storage.publish_held(pin=True)
            except LookupError:
                pass
            # a reader's held pair nested in a later argument restores its own path only
            _writes_warning_its_caller(
                storage.held(f"{tmp_path}/w{attempt}"),
                reads(storage.held("r"), **storage.restore_held()),
            )
            storage.publish_held(pin=False)
        deeper(0)
    assert [(os.path.basename(p), pin) for p, pin, _ in seen] == [
        ("w0", False), ("w1", False), ("d2", True), ("d1", True), ("d0", True)
    ]
    assert sorted(os.listdir(tmp_path)) == ["d0", "d1", "d2", "w0", "w1"]


@pytest.mark.ipfs
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_a_held_writer_s_file_reaches_another_worker_and_a_raising_one_s_does_not(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    first, second = make_storage("worker1"), make_storage("worker2")
    folder = os.path.join(first.settings.root, "runs", "9")
    os.makedirs(folder)

    def half_then_fail(path: Any, text: str) -> None:
        with open(path, "w") as f:
            f.write(text[:2])
        raise ValueError("half written")

    try:
        half_then_fail(first.held(os.path.join(folder, "partial.txt")), "loss")
        first.publish_held(pin=True)
    except ValueError:
        pass
    _writes_warning_its_caller(first.held(os.path.join(folder, "metrics")), "loss 0.3")
    first.publish_held(pin=True, suffix=".npy")  # the writer wrote another name: none
    _writes_warning_its_caller(first.held(os.path.join(folder, "metrics.txt")), "loss 0.3")
    first.publish_held(pin=True)

    other = os.path.join(second.settings.root, "runs", "9")
    with open(second.restored(os.path.join(other, "metrics.txt"))) as f:
        assert f.read() == "loss 0.3"
    for name in ("partial.txt", "metrics"):  # raised; published under another name
        with pytest.raises(FileNotFoundError):
            open(second.restored(os.path.join(other, name)))  # noqa: SIM115


def test_paths_left_by_calls_that_raised_in_one_frame_stay_bounded(tmp_path: Any) -> None:
    """A loop whose writer call raises every time leaves a held path per iteration in
    the same frame: the oldest are forgotten, and a pair after them is still exact."""
    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    seen: list[tuple[Any, bool, str | None]] = []

    def fails() -> str:
        raise LookupError("a later argument")

    with _recording(seen):
        for i in range(5000):
            try:
                _writes_warning_its_caller(storage.held(f"{tmp_path}/never{i}"), fails())
                storage.publish_held(pin=True)
            except LookupError:
                pass
        _writes_warning_its_caller(storage.held(f"{tmp_path}/last"))
        storage.publish_held(pin=True)
    assert [os.path.basename(p) for p, _, _ in seen] == ["last"]
    left = _after_call._HELD.get(id(sys._getframe()), [])
    assert 0 < len(left) <= _after_call._HELD_PER_FRAME
