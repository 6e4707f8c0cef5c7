"""Existence checks that see the shared namespace (`storage.exists`, `isfile`, `lexists`,
`path_exists`, `path_is_file`; storage_runtime/_exists.py).

Differential first: on every argument type (str, bytes, Path, custom PathLike, int
descriptor, NUL, None, a float) and under patches, each stand-in answers, raises and
calls `__fspath__` exactly as the check it stands for, on the local backend and on the
ipfs backend alike (no namespace has these names). Then on the real node: a file another
worker published is seen (restored, then the callee asked a second time), a name nobody
published stays False with one namespace lookup per negative-cache period, a path this
worker deleted stays deleted; fakes only for the fault paths (daemon down, a refusal).
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from _ipfs_helpers import PYTHON, closed_port_api
from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend
from storage_runtime.config import Settings

CHECKS = {"exists": os.path.exists, "isfile": os.path.isfile, "lexists": os.path.lexists}
PATH_CHECKS = ("exists", "is_file")


class _Counting(os.PathLike):  # type: ignore[type-arg]
    def __init__(self, path: str) -> None:
        self.path = path
        self.calls = 0

    def __fspath__(self) -> str:
        self.calls += 1
        return self.path


def _outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return ("returned", fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return ("raised", (type(exc), str(exc)))


def _call_method(receiver: Any, name: str) -> Any:
    return getattr(receiver, name)()


def _tree(root: Path) -> dict[str, Any]:
    (root / "present.txt").write_text("here")
    (root / "folder").mkdir()
    (root / "dangling").symlink_to(root / "nowhere.txt")
    return {
        "str": str(root / "present.txt"),
        "missing str": str(root / "missing.txt"),
        "bytes": os.fsencode(root / "present.txt"),
        "missing bytes": os.fsencode(root / "missing.txt"),
        "path": root / "present.txt",
        "missing path": root / "missing.txt",
        "folder": str(root / "folder"),
        "dangling": str(root / "dangling"),
        "nul": str(root / "bad\0name"),
        "empty": "",
        "none": None,
        "float": 1.5,
        "unknown fd": 987654,
    }


def _storages(tmp_path: Path) -> list[Storage]:
    local = Storage(Settings(backend="local", root=str(tmp_path)))
    # ipfs, its node unreachable: nothing here may be restored, and nothing may change
    ipfs = Storage(Settings(backend="ipfs", root=str(tmp_path), api=closed_port_api(),
                            timeout=1.0))
    return [local, ipfs]


def test_every_argument_gets_the_check_s_own_answer_or_error(tmp_path: Path) -> None:
    values = _tree(tmp_path)
    fd = os.open(tmp_path / "present.txt", os.O_RDONLY)
    values["fd"] = fd
    try:
        for storage in _storages(tmp_path):
            for label, value in values.items():
                for name, check in CHECKS.items():
                    before = _outcome(check, value)
                    after = _outcome(getattr(storage, name), value, call=check)
                    assert after == before, (storage, label, name)
                    # without `call=`: os.path.<name> as it is at call time
                    assert _outcome(getattr(storage, name), value) == before
                assert _outcome(storage.exists, path=value) == _outcome(
                    os.path.exists, path=value
                )
    finally:
        os.close(fd)


def test_wrong_arguments_get_the_check_s_own_type_error(tmp_path: Path) -> None:
    storage = Storage(Settings(backend="local", root=str(tmp_path)))
    for args, kwargs in (((), {}), (("a", "b"), {}), (("a",), {"follow_symlinks": False}),
                         ((), {"p": "a"})):
        before = _outcome(os.path.exists, *args, **kwargs)
        assert before[0] == "raised"
        assert _outcome(storage.exists, *args, call=os.path.exists, **kwargs) == before


def test_a_custom_pathlike_is_asked_for_its_path_exactly_as_often(tmp_path: Path) -> None:
    (tmp_path / "present.txt").write_text("here")
    for storage in _storages(tmp_path):
        for name, check in CHECKS.items():
            for leaf in ("present.txt", "missing.txt"):
                original, standin = _Counting(str(tmp_path / leaf)), _Counting(str(tmp_path / leaf))
                assert getattr(storage, name)(standin, call=check) == check(original)
                assert standin.calls == original.calls == 1


def test_path_methods_answer_as_the_receiver_s_own(tmp_path: Path) -> None:
    values = _tree(tmp_path)
    receivers: list[Any] = [Path(v) for v in values.values() if isinstance(v, str) and v]
    receivers += [str(tmp_path / "present.txt"), None, mock.MagicMock()]
    for storage in _storages(tmp_path):
        for receiver in receivers:
            for name in PATH_CHECKS:
                before = _outcome(_call_method, receiver, name)
                after = _outcome(getattr(storage, f"path_{name}"), receiver)
                if isinstance(receiver, mock.MagicMock):  # a new child mock per lookup
                    assert after[0] == before[0] == "returned"
                    continue
                assert after == before, (storage, receiver, name)


def test_patches_answer_for_the_disk_they_fake(tmp_path: Path) -> None:
    backend = mock.Mock()
    storage = Storage(Settings(backend="ipfs", root=str(tmp_path)), backend_impl=backend)
    missing = str(tmp_path / "missing.txt")
    with mock.patch("os.path.exists", return_value=0) as fake:
        assert storage.exists(missing, call=os.path.exists) == 0  # the patch's own answer
        assert fake.call_args == mock.call(missing)
    with mock.patch("os.stat", side_effect=FileNotFoundError(2, "faked")):
        assert storage.exists(missing, call=os.path.exists) is False
    with mock.patch("builtins.open", mock.mock_open()):
        assert storage.isfile(missing, call=os.path.isfile) is False
    with mock.patch.object(Path, "stat", side_effect=FileNotFoundError(2, "faked")):
        assert storage.path_exists(Path(missing)) is False
    with mock.patch.object(Path, "exists", lambda self: "own"):
        assert storage.path_exists(Path(missing)) == "own"
    assert backend.before_read.call_count == 0
    # the same check unpatched asks the backend (a Mock: it restores nothing)
    assert storage.exists(missing, call=os.path.exists) is False
    assert backend.before_read.call_args == mock.call(missing)


class _Restoring:
    """A fake backend whose `before_read` puts the file there (the fault-free path)."""

    name = "fake"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def before_read(self, path: str) -> None:
        self.asked.append(path)
        Path(path).write_text("restored")

    def after_write(self, path: str, *, pin: bool) -> None:
        return None

    def close(self) -> None:
        return None


def test_a_restored_file_is_asked_about_once_more_and_only_then(tmp_path: Path) -> None:
    backend = _Restoring()
    storage = Storage(Settings(backend="ipfs", root=str(tmp_path)), backend_impl=backend)
    calls: list[Any] = []

    def counted(path: Any) -> bool:
        calls.append(path)
        return os.path.exists(path)

    target = tmp_path / "one.txt"
    # `counted` is not os.path.exists itself: a replaced function is answered as it is
    assert storage.exists(str(target), call=counted) is False and calls == [str(target)]
    assert backend.asked == []
    assert storage.exists(str(target), call=os.path.exists) is True
    assert backend.asked == [str(target)]
    assert storage.path_is_file(tmp_path / "two.txt") is True
    assert storage.lexists(os.fsencode(tmp_path / "three.txt"), call=os.path.lexists) is True
    assert storage.exists(_Counting(str(tmp_path / "four.txt"))) is False  # never asked
    assert storage.exists(str(tmp_path.parent / "outside.txt")) is False  # outside the root
    assert storage.exists(str(tmp_path / ".env")) is False  # a secret name: never restored
    assert backend.asked == [str(target), str(tmp_path / "two.txt"), str(tmp_path / "three.txt")]


def test_a_backend_that_raises_leaves_the_answer_as_it_was(tmp_path: Path) -> None:
    backend = mock.Mock()
    backend.before_read.side_effect = RuntimeError("boom")
    storage = Storage(Settings(backend="ipfs", root=str(tmp_path), strict=True),
                      backend_impl=backend)
    assert storage.exists(str(tmp_path / "x.txt"), call=os.path.exists) is False
    assert storage.path_exists(tmp_path / "x.txt") is False
    assert backend.before_read.call_count == 2


def test_the_daemon_down_leaves_the_answer_and_restores_nothing(tmp_path: Path) -> None:
    settings = Settings(backend="ipfs", root=str(tmp_path), api=closed_port_api(), timeout=1.0)
    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    try:
        for _ in range(3):
            assert storage.exists(str(tmp_path / "x.txt"), call=os.path.exists) is False
        assert not (tmp_path / "x.txt").exists()
    finally:
        backend.close()


# -- the real node ------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """\
    from pathlib import Path
    from storage_runtime import storage

    Path("cache").mkdir()
    storage.write_text(Path("cache") / "info.json", '{"size": 3}', pin=True)
    """
)

# What the codemods make of `if cache.exists(): data = cache.read_text()` (checked below).
READER = textwrap.dedent(
    """\
    import sys
    from pathlib import Path

    def load(name):
        cache = Path("cache") / name
        if cache.exists():
            return cache.read_text()
        return "missing"

    for name in sys.argv[1:]:
        print(name, load(name))
    """
)


def _migrated(source: str) -> str:
    from migrate_storage.codemods.model import Strategy
    from migrate_storage.codemods.pipeline.engine import transform_source
    from migrate_storage.codemods.policy import FilePolicy

    result = transform_source(source.encode(), "main.py", FilePolicy(strategy=Strategy.PIN))
    assert result.new_source is not None, result.message
    return result.new_source.decode()


def _env(root: Path, api: str, namespace: str) -> dict[str, str]:
    env = {**os.environ, "STORAGE_RUNTIME_BACKEND": "ipfs", "STORAGE_RUNTIME_API": api,
           "STORAGE_RUNTIME_ROOT": str(root), "STORAGE_RUNTIME_NAMESPACE": namespace,
           "STORAGE_RUNTIME_TIMEOUT": "5", "STORAGE_RUNTIME_STRICT": "1"}
    env.pop("STORAGE_RUNTIME_INDEX", None)
    return env


def _run(code: str, root: Path, argv: list[str], env: dict[str, str]) -> str:
    program = root.parent / f"{root.name}-main.py"
    program.write_text(code)
    done = subprocess.run([PYTHON, str(program), *argv], cwd=root, env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.ipfs
def test_a_path_exists_guard_on_another_worker_sees_the_published_file(
    tmp_path: Path, ipfs_api: str, namespace: str
) -> None:
    reader = _migrated(READER)
    assert "if storage.path_exists(cache):" in reader, reader
    a, b, plain = tmp_path / "a", tmp_path / "b", tmp_path / "plain"
    for root in (a, b, plain):
        root.mkdir()
    _run(WRITER, a, [], _env(a, ipfs_api, namespace))
    assert (a / "cache" / "info.json").read_text() == '{"size": 3}'

    # The unmigrated guard on worker B: the "missing" branch (the bug).
    assert _run(READER, plain, ["info.json"], _env(plain, ipfs_api, namespace)) == (
        "info.json missing\n"
    )
    # Migrated: B sees A's file; a name nobody published stays missing.
    out = _run(reader, b, ["info.json", "none.json"], _env(b, ipfs_api, namespace))
    assert out == 'info.json {"size": 3}\nnone.json missing\n'
    assert (b / "cache" / "info.json").read_bytes() == (a / "cache" / "info.json").read_bytes()
    assert not (b / "cache" / "none.json").exists()


@pytest.mark.ipfs
def test_a_deleted_path_stays_deleted_and_absent_ones_are_asked_once(
    make_storage: Callable[..., Any],
) -> None:
    writer, reader = make_storage("a"), make_storage("b")
    a_root, b_root = Path(writer.settings.root), Path(reader.settings.root)
    writer.write_text(a_root / "x.txt", "one", pin=True)
    assert reader.isfile(str(b_root / "x.txt"), call=os.path.isfile) is True
    reader.remove(str(b_root / "x.txt"), call=os.remove)  # B deletes its copy...
    writer.write_text(a_root / "x.txt", "two", pin=True)  # ...A pins a newer version
    assert reader.exists(str(b_root / "x.txt"), call=os.path.exists) is False  # B knew it

    lookups: list[str] = []
    real = reader.backend.client

    def counting_client() -> Any:
        lookups.append("client")
        return real()

    with mock.patch.object(reader.backend, "client", counting_client):
        for _ in range(5):  # a polling loop: one namespace lookup in the negative cache's period
            assert reader.exists(str(b_root / "never.txt"), call=os.path.exists) is False
    assert 1 <= len(lookups) <= 2  # the lookup (and, at most, a pin check)
    assert not (b_root / "never.txt").exists()
