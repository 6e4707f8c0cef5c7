"""`storage.restored(path)`: a third-party reader's path, its file restored first.

The reader is always given the very object it was given before (identity), and nothing
else can be seen: no `__fspath__` call on a custom PathLike, nothing for a file object, a
list of lines, a URL, a file that exists, a replaced `builtins.open`, the local backend.
On the real node a file another worker published is restored by its path; a name no
worker published stays missing, so the reader raises its own error; a file this worker
deleted is not brought back. The daemon down: the path comes back, nothing restored, the
reader's own FileNotFoundError (strict mode raises the runtime's).
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from unittest import mock

import pytest
from _ipfs_helpers import closed_port_api
from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend
from storage_runtime.config import Settings


class _CountingPath(os.PathLike):
    def __init__(self, path: str) -> None:
        self.path = path
        self.calls = 0

    def __fspath__(self) -> str:
        self.calls += 1
        return self.path


def _zip(path: str, text: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", text)


def _values(root: str) -> list[Any]:
    return [
        os.path.join(root, "x.csv"),
        os.fsencode(os.path.join(root, "x.csv")),
        Path(root) / "x.csv",
        PurePosixPath(root) / "x.csv",
        io.BytesIO(b"a,b\n"),
        ["1 2", "3 4"],
        "s3://bucket/x.csv",
        None,
        7,
    ]


def test_the_local_backend_gives_back_the_same_object(tmp_path: Any) -> None:
    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    for value in _values(str(tmp_path)):
        assert storage.restored(value) is value
    counting = _CountingPath(str(tmp_path / "x.csv"))
    assert storage.restored(counting) is counting and counting.calls == 0


@pytest.mark.ipfs
def test_a_missing_file_another_worker_published_is_restored(
    make_storage: Callable[..., Any],
) -> None:
    first, second = make_storage("worker1"), make_storage("worker2")
    written = os.path.join(first.settings.root, "models", "bundle.zip")
    os.makedirs(os.path.dirname(written))
    _zip(written, "alpha")
    first.publish(written, pin=True)

    target = os.path.join(second.settings.root, "models", "bundle.zip")
    given = Path(target)
    assert second.restored(given) is given
    with zipfile.ZipFile(given) as archive:
        assert archive.read("a.txt") == b"alpha"
    os.remove(target)  # this worker deleted it: a later restore must not undo that
    assert second.restored(target) is target
    assert not os.path.exists(target)


@pytest.mark.ipfs
def test_nothing_happens_where_the_reader_could_see_it(make_storage: Callable[..., Any]) -> None:
    first, second = make_storage("worker1"), make_storage("worker2")
    written = os.path.join(first.settings.root, "bundle.zip")
    _zip(written, "alpha")
    first.publish(written, pin=True)
    target = os.path.join(second.settings.root, "bundle.zip")

    counting = _CountingPath(target)
    assert second.restored(counting) is counting
    assert counting.calls == 0 and not os.path.exists(target)  # a custom PathLike: untouched
    with mock.patch("builtins.open", mock.mock_open(read_data="fake")):
        assert second.restored(target) is target
    assert not os.path.exists(target)  # a replaced open: the reader reads the replacement
    for value in _values(second.settings.root)[4:]:
        assert second.restored(value) is value
    assert second.restored(target) is target and os.path.exists(target)


@pytest.mark.ipfs
def test_a_name_no_worker_published_stays_missing_for_the_reader(
    make_storage: Callable[..., Any],
) -> None:
    storage = make_storage("worker1")
    target = os.path.join(storage.settings.root, "none.zip")
    assert storage.restored(target) is target
    with pytest.raises(FileNotFoundError) as restored:
        zipfile.ZipFile(storage.restored(target))
    with pytest.raises(FileNotFoundError) as original:
        zipfile.ZipFile(target)
    assert str(restored.value) == str(original.value)


def test_the_daemon_down_leaves_the_reader_its_own_error(tmp_path: Any) -> None:
    root = tmp_path / "root"
    root.mkdir()
    settings = Settings(backend="ipfs", root=str(root), api=closed_port_api(),
                        namespace="/restored-down", timeout=1.0)
    storage = Storage(settings, backend_impl=IpfsBackend(settings, drain_on_start=False))
    target = str(root / "none.zip")
    assert storage.restored(target) is target
    with pytest.raises(FileNotFoundError):
        zipfile.ZipFile(target)


# -- the call-through form: storage.publishing / storage.restoring -------------------------


def _write(path: Any, text: str, *, fail: bool = False) -> int:
    """A third-party writer stand-in: writes `path` with builtin open, returns a count."""
    with open(path, "w") as f:  # noqa: PTH123 - the writer's own I/O, unseen by the runtime
        f.write(text)
    if fail:
        raise ValueError("writer failed after writing")
    return len(text)


def test_called_through_the_callee_gets_the_very_arguments_and_its_result_comes_back(
    tmp_path: Any,
) -> None:
    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def callee(*args: Any, **kwargs: Any) -> object:
        seen.append((args, kwargs))
        return sentinel

    sentinel, path, data = object(), Path(tmp_path) / "x.bin", object()
    assert storage.publishing(callee, path=0, pin=True)(path, data, k=1) is sentinel
    assert storage.restoring(callee, path="f")(f=path, k=2) is sentinel
    assert seen[0][0][0] is path and seen[0][0][1] is data and seen[0][1] == {"k": 1}
    assert seen[1] == ((), {"f": path, "k": 2}) and seen[1][1]["f"] is path

    def failing(*args: Any) -> None:
        raise KeyError("original")

    with pytest.raises(KeyError, match="original"):
        storage.publishing(failing, path=0)(path)
    with pytest.raises(TypeError) as wrapped:
        storage.publishing(len, path=0)(1, 2)
    with pytest.raises(TypeError) as plain:
        len(1, 2)  # type: ignore[call-arg]
    assert str(wrapped.value) == str(plain.value)


@pytest.mark.ipfs
def test_a_writer_called_through_publishes_and_a_reader_called_through_restores(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    first, second = make_storage("worker1"), make_storage("worker2")
    written = os.path.join(first.settings.root, "runs", "7", "metrics.txt")
    os.makedirs(os.path.dirname(written))
    assert first.publishing(_write, path=0, pin=True)(written, "loss 0.1\n") == 9
    failed = os.path.join(first.settings.root, "runs", "7", "partial.txt")
    with pytest.raises(ValueError):
        first.publishing(_write, path=0, pin=True)(failed, "half", fail=True)

    target = os.path.join(second.settings.root, "runs", "7", "metrics.txt")
    read = second.restoring(lambda p, mode: open(p, mode).read(), path=0)(target, "r")  # noqa: SIM115
    assert read == "loss 0.1\n"
    # a writer that raised published nothing: the other worker does not find it
    missing = os.path.join(second.settings.root, "runs", "7", "partial.txt")
    with pytest.raises(FileNotFoundError):
        second.restoring(lambda p: open(p).read(), path=0)(missing)  # noqa: SIM115


@pytest.mark.ipfs
def test_what_a_writer_returns_is_published_with_returned(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """`storage.publishing(shutil.make_archive, returned=True)`: the writer's arguments do
    not spell the file it writes; the name it returns does. Nothing is published when it
    returns no file's name (a dry run) or raises."""
    first, second = make_storage("worker1"), make_storage("worker2")
    tree = os.path.join(first.settings.root, "tree")
    os.makedirs(tree)
    with open(os.path.join(tree, "a.txt"), "w") as f:
        f.write("alpha")
    base = os.path.join(first.settings.root, "dist", "bundle")
    made = first.publishing(shutil.make_archive, returned=True, pin=True)(base, "zip", tree)
    assert made == base + ".zip"
    dry = first.publishing(shutil.make_archive, returned=True)(base + "-dry", "zip", tree, dry_run=True)
    assert dry == base + "-dry.zip" and not os.path.exists(dry)
    with pytest.raises(ValueError, match="unknown archive format"):
        first.publishing(shutil.make_archive, returned=True)(base + "-bad", "rar", tree)

    there = os.path.join(second.settings.root, "dist", "bundle.zip")
    assert second.restoring(lambda p: open(p, "rb").read(), path=0)(there) == open(made, "rb").read()  # noqa: SIM115
    # a mock of it returns a name it did not write: that file (here: one on disk) is not
    # published, nor is a dry run's name when a file is there already
    with open(base + "-old.zip", "wb") as f:
        f.write(b"stale")
    fake = mock.Mock(return_value=base + "-old.zip")
    assert first.publishing(fake, returned=True)(base, "zip", tree) == base + "-old.zip"
    first.publishing(shutil.make_archive, returned=True)(base + "-old", "zip", tree, dry_run=True)
    for name in ("bundle-dry.zip", "bundle-bad.zip", "bundle-old.zip"):
        with pytest.raises(FileNotFoundError):
            second.restoring(lambda p: open(p).read(), path=0)(  # noqa: SIM115
                os.path.join(second.settings.root, "dist", name)
            )


# -- the frame-free form: storage.held(p) ... **storage.restore_held() ---------------------


def _warns_its_caller(path: Any, **kwargs: Any) -> Any:
    """A reader stand-in that warns its caller as torch.load does (stacklevel=2)."""
    import warnings

    warnings.warn("weights_only", FutureWarning, stacklevel=2)
    return path, kwargs


def test_held_gives_back_the_path_and_restore_held_adds_no_argument(tmp_path: Any) -> None:
    import warnings

    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    for value in _values(str(tmp_path)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = _warns_its_caller(storage.held(value), k=len("x"), **storage.restore_held())
        assert got[0] is value and got[1] == {"k": 1}
        # the reader is called from this frame, not the runtime's: the warning names it
        assert [w.filename for w in caught] == [__file__]
    assert len(storage.restore_held()) == 0  # nothing held: nothing restored, no argument


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_a_call_that_raises_between_held_and_restore_held_leaves_later_pairs_exact(
    tmp_path: Any,
) -> None:
    from storage_runtime import _after_call

    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    seen: list[Any] = []
    restore = _after_call.restored

    def recording(_storage: Any, path: Any) -> Any:
        seen.append(path)
        return restore(_storage, path)

    def fails() -> int:
        raise LookupError("before the reader")

    def inner() -> Any:
        try:
            _warns_its_caller(storage.held("stale"), k=fails(), **storage.restore_held())
        except LookupError:
            pass
        return _warns_its_caller(storage.held("inner"), **storage.restore_held())[0]

    with mock.patch.object(_after_call, "restored", recording):
        for _ in range(2):
            try:
                _warns_its_caller(storage.held("same-frame"), k=fails(), **storage.restore_held())
            except LookupError:
                pass
            # nested: the path held by the call in an argument is restored first, and a
            # path left by a call that raised (here or in a deeper frame) is never taken
            got = _warns_its_caller(
                storage.held(inner()), k=inner(), **storage.restore_held()
            )
            assert got[0] == "inner"
    assert seen == ["inner", "inner", "inner"] * 2


@pytest.mark.ipfs
def test_a_held_path_is_restored_after_every_argument_right_before_the_reader(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    first, second = make_storage("worker1"), make_storage("worker2")
    written = os.path.join(first.settings.root, "runs", "8", "metrics.txt")
    os.makedirs(os.path.dirname(written))
    assert first.publishing(_write, path=0, pin=True)(written, "loss 0.2\n") == 9
    target = os.path.join(second.settings.root, "runs", "8", "metrics.txt")
    seen: list[bool] = []

    def mode() -> str:  # a later argument: runs before the restore
        seen.append(os.path.exists(target))
        return "r"

    def read(p: Any, m: str) -> str:
        with open(p, m) as f:
            return f.read()

    assert read(second.held(target), mode(), **second.restore_held()) == "loss 0.2\n"
    assert seen == [False]
