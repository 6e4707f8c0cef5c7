"""The runtime's entry points are intercepted exactly as the calls they replace: a replaced
`builtins.open` (mock.patch, an audit wrapper) sees the same calls from `open` and the
json/pickle helpers as from the unmigrated code, a replaced `io.open` the same calls from
`io_open` and the pathlib helpers; the pathlib helpers are the method call itself on any
receiver that is not a plain Path with pathlib's own methods, with every argument passed
through and pathlib's own TypeError; warnings point at the program's line."""

from __future__ import annotations

import builtins
import importlib.resources
import inspect
import io
import json
import os
import pickle
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from unittest import mock

import pytest
import storage_runtime
from _local_helpers import describe_exception, local_storage, tracked_storage
from storage_runtime._open import TrackedFileIO

real_open = io.open


@pytest.fixture(params=["local", "tracked"])
def default_storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The default `storage_runtime.storage`, local or on a (recording) publishing backend."""
    if request.param == "local":
        storage, backend = local_storage(tmp_path), None
    else:
        storage, backend = tracked_storage(tmp_path)
    monkeypatch.setattr(storage_runtime, "storage", storage)
    yield storage, backend


OPEN_CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("f.txt",), {}),
    (("f.txt", "w"), {}),
    (("f.txt",), {"mode": "rb"}),
    (("f.txt", "r", -1, "utf-8"), {}),
    ((), {"file": "f.txt", "mode": "a", "encoding": "latin-1", "newline": ""}),
    (("f.txt", "wb", 0), {}),
    (("f.txt", "r"), {"bogus": 1}),  # a call the builtin would reject: the mock takes it
]


# -- 1. a replaced builtins.open / io.open intercepts the migrated call ---------------------

@pytest.mark.parametrize(("args", "kwargs"), OPEN_CALLS)
@pytest.mark.parametrize("pin", [None, True, False])
def test_patched_builtins_open_sees_the_same_call(
    default_storage: Any, tmp_path: Path, args: tuple[Any, ...], kwargs: dict[str, Any],
    pin: bool | None,
) -> None:
    storage, backend = default_storage
    extra = {} if pin is None else {"pin": pin}
    for entry in (storage_runtime.open, storage.open):
        with mock.patch("builtins.open", mock.mock_open(read_data="mocked")) as ref:
            expected = builtins.open(*args, **kwargs)  # noqa: SIM115 - the unmigrated call
        with mock.patch("builtins.open", mock.mock_open(read_data="mocked")) as mine:
            got = entry(*args, **kwargs, **extra)
        assert mine.call_args_list == ref.call_args_list == [mock.call(*args, **kwargs)]
        assert got.read() == expected.read() == "mocked"
    assert list(tmp_path.iterdir()) == []  # nothing reached the disk
    assert backend is None or (backend.writes == [] and backend.reads == [])


@pytest.mark.parametrize(("args", "kwargs"), OPEN_CALLS)
def test_patched_io_open_intercepts_io_open_only(
    default_storage: Any, tmp_path: Path, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with mock.patch("io.open", mock.mock_open(read_data="io")) as ref:
        io.open(*args, **kwargs)  # noqa: SIM115, UP020 - the unmigrated io.open call
    with mock.patch("io.open", mock.mock_open(read_data="io")) as mine:
        got = storage_runtime.io_open(*args, **kwargs, pin=True)
    assert mine.call_args_list == ref.call_args_list and got.read() == "io"
    # `open` stands for builtin open: patching io.open did not intercept that either
    (tmp_path / "real.txt").write_text("disk")
    with (mock.patch("io.open", mock.mock_open(read_data="io")) as patched,
          storage_runtime.open(tmp_path / "real.txt") as f):
        assert f.read() == "disk"
    assert patched.call_args_list == []
    # and `io_open` stands for io.open: patching builtins.open does not intercept it
    with (mock.patch("builtins.open", mock.mock_open(read_data="b")) as patched,
          storage_runtime.io_open(tmp_path / "real.txt") as f):
        assert f.read() == "disk"
    assert patched.call_args_list == []


@pytest.mark.parametrize(("args", "kwargs"), OPEN_CALLS)
def test_storage_open_with_call_is_the_spelled_callee(
    default_storage: Any, tmp_path: Path, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """`storage.open(..., call=io.open)` (what `io.open(...)`/`builtins.open(...)` become)
    calls what `call` names: a patch of it sees the same call as the original, and
    builtin open itself is the runtime's open, which a patch of `builtins.open` does not
    reach when the source named `io.open` (nor did it reach the original)."""
    storage, backend = default_storage
    fake = mock.mock_open(read_data="spelled")
    ref = mock.mock_open(read_data="spelled")
    ref(*args, **kwargs)  # the unmigrated `fake_io.open(...)`
    got = storage.open(*args, **kwargs, pin=True, call=fake)
    assert fake.call_args_list == ref.call_args_list and got.read() == "spelled"
    (tmp_path / "real.txt").write_text("disk")
    with mock.patch("builtins.open", mock.mock_open(read_data="b")) as patched:
        with io.open(tmp_path / "real.txt") as f:  # noqa: UP020 - the unmigrated call
            expected = f.read()
        with storage.open(tmp_path / "real.txt", call=io.open) as f:
            assert f.read() == expected == "disk"
        # `call=builtins.open`, evaluated under the patch: the patch, as before
        assert storage.open("x.txt", "w", call=builtins.open, pin=True) is patched.return_value
    assert patched.call_args_list == [mock.call("x.txt", "w")]
    with storage.open(tmp_path / "w.txt", "w", pin=True, call=io.open) as f:
        f.write("written")
    assert (tmp_path / "w.txt").read_text() == "written"
    if backend is not None:  # the real open through the runtime: published
        assert [Path(w[0]).name for w in backend.writes] == ["w.txt"]


def _shown(call: Any) -> Any:
    """A recorded call with its file handle replaced by its mode (handles differ by id)."""
    return [getattr(a, "mode", a) for a in call.args], call.kwargs


def _block(
    opener: tuple[Any, ...], obj: tuple[Any, ...], *args: Any, **kwargs: Any
) -> Callable[[Any], Any]:
    """The unmigrated `with open(*opener) as f: return <callee>(*obj, f, *args,
    **kwargs)`, with the callee given (`obj` is empty for a load)."""

    def run(callee: Any) -> Any:
        with open(*opener) as f:
            return callee(*obj, f, *args, **kwargs)

    return run


def test_the_json_pickle_helpers_call_the_spelled_callee(default_storage: Any, tmp_path: Path) -> None:
    """`storage.dump_json(obj, p, "w", call=f)` is `with open(p, "w") as h: f(obj, h)`: the
    same call recorded (a positional pickle protocol positional), the same result (what a
    patched dump returns too: `x = json.dump(...)` is collapsed), the same files left (the
    open created them empty)."""
    storage, _ = default_storage
    cases = {
        "dump_json": (("a.json", "w"), ([1],), {"indent": 1}),
        "dump_pickle": (("a.pkl", "wb"), ([1],), {"protocol": 2}),
        "load_json": (("a.json",), (), {"cls": None}),
        "load_pickle": (("a.pkl", "rb"), (), {}),
    }
    for helper, (opener, obj, kwargs) in cases.items():
        for positional in ((), (2,)) if helper == "dump_pickle" else ((),):
            ref_dir, got_dir = tmp_path / f"{helper}{positional}-ref", tmp_path / f"{helper}{positional}-got"
            for folder in (ref_dir, got_dir):
                folder.mkdir()
                (folder / "a.json").write_text("[1]")
                (folder / "a.pkl").write_bytes(pickle.dumps([1]))
            ref, fake = mock.MagicMock(return_value="r"), mock.MagicMock(return_value="r")
            kw = {} if positional else kwargs
            at = (ref_dir / opener[0], *opener[1:])
            expected = _block(at, obj, *positional, **kw)(ref)
            got = getattr(storage, helper)(*obj, got_dir / opener[0], *opener[1:], *positional,
                                           **kw, call=fake)
            assert got == expected
            assert [_shown(c) for c in fake.call_args_list] == [_shown(c) for c in ref.call_args_list]
            assert [(p.name, p.read_bytes()) for p in sorted(got_dir.iterdir())] == [
                (p.name, p.read_bytes()) for p in sorted(ref_dir.iterdir())
            ]
    with mock.patch("builtins.open", mock.mock_open()) as patched:
        storage.dump_json([1], "c.json", "w", encoding=None, call=mock.MagicMock())
    assert patched.call_args_list == [mock.call("c.json", "w", encoding=None)]


def test_the_json_pickle_helpers_without_call_take_the_standard_library_function(
    default_storage: Any, tmp_path: Path
) -> None:
    """Code migrated before `call=`: the stdlib function as it is at call time."""
    storage, _ = default_storage
    with mock.patch("json.dump") as dump, mock.patch("pickle.load", return_value=7) as load:
        storage.dump_json([1], tmp_path / "a.json", "w")
        (tmp_path / "a.pkl").write_bytes(pickle.dumps(1))
        assert storage.load_pickle(tmp_path / "a.pkl", "rb") == 7
    assert dump.call_count == 1 and load.call_count == 1
    storage.dump_pickle([3], tmp_path / "b.pkl", "wb", protocol=2)
    assert pickle.loads((tmp_path / "b.pkl").read_bytes()) == [3]


class _Counted:
    """A PathLike that counts its `__fspath__` calls."""

    def __init__(self, path: str) -> None:
        self.path, self.calls = path, 0

    def __fspath__(self) -> str:
        self.calls += 1
        return self.path

    def __repr__(self) -> str:
        return f"_Counted({self.path!r})"


FSPATH_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("w", {}),
    ("r", {}),
    ("a", {"encoding": "utf-8"}),
    ("wb", {"buffering": 0}),
    ("r", {"newline": 5}),  # the builtin's TypeError, before or after __fspath__
    ("rb", {"encoding": "utf-8"}),  # the builtin's ValueError, after __fspath__
]


@pytest.mark.parametrize(("mode", "kwargs"), FSPATH_CALLS)
@pytest.mark.parametrize("exists", [True, False], ids=["existing", "missing"])
def test_a_pathlike_is_asked_its_path_as_often_as_by_builtin_open(
    default_storage: Any, tmp_path: Path, mode: str, kwargs: dict[str, Any], exists: bool,
) -> None:
    """Builtin open calls `__fspath__` once, first; the runtime's open, on a publishing
    backend too, calls it once and passes the str on: the same count, name, result and
    exception (differential)."""
    storage, _ = default_storage
    seen = []
    for label, opener in (("builtin", real_open), ("runtime", storage.open)):
        folder = tmp_path / label
        folder.mkdir()
        if exists:
            (folder / "f.txt").write_text("x")
        path = _Counted(str(folder / "f.txt"))
        try:
            with opener(path, mode, **kwargs) as f:
                # (a publishing backend's raw layer is a FileIO subclass, TrackedFileIO)
                kind = type(f).__name__.replace("Tracked", "")
                outcome: Any = (kind, Path(f.name).name, f.mode)
        except Exception as exc:  # noqa: BLE001 - compared, not expected
            outcome = (type(exc).__name__, str(exc).replace(label, "<folder>"))
        seen.append((path.calls, outcome, sorted(p.name for p in folder.iterdir())))
    assert seen[0] == seen[1]


def test_an_audit_wrapper_sees_every_migrated_call(
    default_storage: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`builtins.open = audited_open`, delegating to the real open: same calls recorded,
    same files written."""
    storage, _ = default_storage
    seen: list[tuple[Any, ...]] = []

    def audited_open(*args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs))
        return real_open(*args, **kwargs)

    def program(opener: Callable[..., Any], folder: Path, helpers: bool) -> None:
        with opener(folder / "a.txt", "w", encoding="utf-8") as f:
            f.write("a")
        with opener(folder / "a.txt") as f:
            f.read()
        if helpers:
            storage.dump_json([1], folder / "b.json", indent=1)
            storage.load_json(folder / "b.json")
            storage.dump_pickle([2], folder / "c.pkl", "wb")
            storage.load_pickle(folder / "c.pkl")
        else:
            with opener(folder / "b.json", "w") as f:
                json.dump([1], f, indent=1)
            with opener(folder / "b.json") as f:
                json.load(f)
            with opener(folder / "c.pkl", "wb") as f:
                pickle.dump([2], f)
            with opener(folder / "c.pkl", "rb") as f:
                pickle.load(f)

    monkeypatch.setattr(builtins, "open", audited_open)
    ref, mine = tmp_path / "ref", tmp_path / "mine"
    ref.mkdir()
    mine.mkdir()
    program(builtins.open, ref, helpers=False)
    expected = [(tuple(str(a).replace(str(ref), "D") for a in args), kw) for args, kw in seen]
    seen.clear()
    program(storage_runtime.open, mine, helpers=True)
    got = [(tuple(str(a).replace(str(mine), "D") for a in args), kw) for args, kw in seen]
    assert got == expected and len(got) == 6
    for name in ("a.txt", "b.json", "c.pkl"):
        assert (mine / name).read_bytes() == (ref / name).read_bytes()


HELPER_SHAPES: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    ("load_json", lambda o: json.load(o("cfg.json")), lambda s: s.load_json("cfg.json")),
    ("load_json-r", lambda o: json.load(o("cfg.json", "r")), lambda s: s.load_json("cfg.json", "r")),
    ("load_json-enc", lambda o: json.load(o("cfg.json", encoding="utf-8")),
     lambda s: s.load_json("cfg.json", encoding="utf-8")),
    ("load_pickle", lambda o: pickle.load(o("m.pkl", "rb")), lambda s: s.load_pickle("m.pkl")),
]


@pytest.mark.parametrize(("name", "ref_fn", "mine_fn"), HELPER_SHAPES)
def test_collapsed_read_helpers_make_the_same_open_call(
    default_storage: Any, name: str, ref_fn: Callable[[Any], Any], mine_fn: Callable[[Any], Any]
) -> None:
    storage, _ = default_storage
    data = pickle.dumps({"k": 1}) if "pickle" in name else '{"k": 1}'
    with mock.patch("builtins.open", mock.mock_open(read_data=data)) as ref:
        expected = ref_fn(builtins.open)
    with mock.patch("builtins.open", mock.mock_open(read_data=data)) as mine:
        got = mine_fn(storage)
    assert got == expected == {"k": 1}
    assert mine.call_args_list[0] == ref.call_args_list[0]


@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_collapsed_dump_json_makes_the_same_calls(default_storage: Any, encoding: str | None) -> None:
    storage, backend = default_storage
    kw = {} if encoding is None else {"encoding": encoding}
    with (mock.patch("builtins.open", mock.mock_open()) as ref,
          builtins.open("out.json", "w", **kw) as f):
        json.dump({"a": [1, 2]}, f, indent=2)
    with mock.patch("builtins.open", mock.mock_open()) as mine:
        storage.dump_json({"a": [1, 2]}, "out.json", pin=True, indent=2, **kw)
    assert mine.mock_calls == ref.mock_calls  # open, __enter__, every write, __exit__
    assert backend is None or backend.writes == []


def test_collapsed_dump_pickle_makes_the_same_calls(default_storage: Any) -> None:
    storage, _ = default_storage
    with (mock.patch("builtins.open", mock.mock_open()) as ref,
          builtins.open("m.pkl", "wb") as f):
        pickle.dump([1, "x"], f, 4)
    with mock.patch("builtins.open", mock.mock_open()) as mine:
        storage.dump_pickle([1, "x"], "m.pkl", protocol=4)
    assert mine.mock_calls == ref.mock_calls


def test_patched_io_open_intercepts_the_pathlib_helpers(default_storage: Any, tmp_path: Path) -> None:
    """pathlib opens through `io.open`: patching it intercepted `p.read_text()`, and still
    intercepts `storage.read_text(p)` (the real file is never touched)."""
    storage, backend = default_storage
    p = tmp_path / "x.txt"
    for call_ref, call_mine in (
        (lambda: p.read_text(), lambda: storage.read_text(p)),
        (lambda: p.read_bytes(), lambda: storage.read_bytes(p)),
        (lambda: p.write_text("t"), lambda: storage.write_text(p, "t", pin=True)),
        (lambda: p.write_bytes(b"b"), lambda: storage.write_bytes(p, b"b")),
        (lambda: p.open("a").close(), lambda: storage.path_open(p, "a", pin=True).close()),
    ):
        with mock.patch("io.open", mock.mock_open(read_data="m")) as ref:
            expected = call_ref()
        with mock.patch("io.open", mock.mock_open(read_data="m")) as mine:
            got = call_mine()
        assert _without_id(got) == _without_id(expected)
        assert mine.mock_calls == ref.mock_calls and mine.call_count == 1
    assert not p.exists()
    assert backend is None or (backend.writes == [] and backend.reads == [])


def _without_id(value: Any) -> Any:
    return repr(value).split(" id=")[0] if isinstance(value, mock.Mock) else value


# -- 3. guarded pathlib helpers ---------------------------------------------------------------

class Overriding(type(Path())):  # type: ignore[misc]
    """A Path subclass with its own methods (3.11: subclass the concrete class)."""

    def read_text(self, *args: Any, **kwargs: Any) -> str:
        return "overridden read_text"

    def write_text(self, data: Any, *args: Any, **kwargs: Any) -> int:
        return -1

    def read_bytes(self) -> bytes:
        return b"overridden"

    def write_bytes(self, data: Any) -> int:
        return -2

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return io.StringIO("overridden open")


def zipped_resource(folder: Path) -> Any:
    """An importlib.resources Traversable that is not a Path: a file of a package imported
    from a zip archive in `folder` (never an installed package: a test may write to it)."""
    name = f"respkg_{abs(hash(str(folder)))}"
    with zipfile.ZipFile(folder / "res.zip", "w") as zf:
        zf.writestr(f"{name}/__init__.py", "")
        zf.writestr(f"{name}/data.txt", "resource data")
    sys.path.insert(0, str(folder / "res.zip"))
    try:
        resource = importlib.resources.files(importlib.import_module(name)).joinpath("data.txt")
    finally:
        sys.path.remove(str(folder / "res.zip"))
        sys.modules.pop(name, None)
    assert not isinstance(resource, Path)
    return resource


def receivers(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "f.txt").write_text("plain")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as zf:
        zf.writestr("inner.txt", "zipped")
    return {
        "str": str(tmp_path / "f.txt"),
        "bytes": os.fsencode(tmp_path / "f.txt"),
        "None": None,
        "int": 3,
        "purepath": PurePosixPath(tmp_path / "f.txt"),
        "subclass": Overriding(tmp_path / "f.txt"),
        "mock": mock.MagicMock(name="p"),
        "zipfile": zipfile.Path(tmp_path / "z.zip", "inner.txt"),
        "resource": zipped_resource(tmp_path),
        "plain": tmp_path / "f.txt",
    }


METHOD_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("read_text", (), {}),
    ("read_text", ("utf-8",), {}),
    ("read_text", (), {"encoding": "latin-1", "errors": "strict"}),
    ("read_text", (), {"newline": ""}),  # valid on 3.13 only: pathlib's TypeError before
    ("read_text", ("utf-8", "strict", "x", "y"), {}),
    ("read_bytes", (), {}),
    ("read_bytes", (1,), {}),
    ("write_text", ("data",), {}),
    ("write_text", (), {"data": "d", "encoding": "utf-8", "errors": "strict", "newline": "\n"}),
    ("write_text", (), {}),
    ("write_text", ("d",), {"bogus": 1}),
    ("write_bytes", (b"data",), {}),
    ("write_bytes", (), {"data": b"d"}),
    ("open", (), {}),
    ("open", ("rb",), {"buffering": 0}),
    ("open", (), {"mode": "w", "encoding": "utf-8", "newline": ""}),
    ("open", ("r", -1, None, None, None, "extra"), {}),
    ("open", (3,), {}),
]
HELPER_OF = {"read_text": "read_text", "read_bytes": "read_bytes", "write_text": "write_text",
             "write_bytes": "write_bytes", "open": "path_open"}


def _outcome(fn: Callable[[], Any], folder: str) -> Any:
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - compared
        return ("raised", describe_exception(exc, folder))
    if isinstance(result, mock.Mock):
        return ("mock", result._mock_name or repr(result).split(" id=")[0])
    if hasattr(result, "read") and hasattr(result, "close"):
        try:
            text = result.read() if result.readable() else None
        finally:
            result.close()
        return ("handle", type(result).__name__, text)
    return ("returned", result)


@pytest.mark.parametrize(("method", "args", "kwargs"), METHOD_CALLS)
@pytest.mark.parametrize("kind", ["str", "bytes", "None", "int", "purepath", "subclass", "mock",
                                  "zipfile", "resource", "plain"])
@pytest.mark.parametrize("storage_kind", ["local", "tracked"])
def test_helpers_are_the_method_call_on_every_receiver(
    tmp_path: Path, storage_kind: str, kind: str, method: str, args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    ref_dir, mine_dir = tmp_path / "ref", tmp_path / "mine"
    ref_dir.mkdir()
    mine_dir.mkdir()
    ref_p, mine_p = receivers(ref_dir)[kind], receivers(mine_dir)[kind]
    storage = local_storage(mine_dir) if storage_kind == "local" else tracked_storage(mine_dir)[0]
    helper = getattr(storage, HELPER_OF[method])
    expected = _outcome(lambda: getattr(ref_p, method)(*args, **kwargs), str(ref_dir))
    got = _outcome(lambda: helper(mine_p, *args, **kwargs), str(mine_dir))
    assert got == expected
    if kind == "mock":
        ref_call = getattr(ref_p, method).call_args_list
        assert getattr(mine_p, method).call_args_list == ref_call == [mock.call(*args, **kwargs)]
    assert (mine_dir / "f.txt").read_bytes() == (ref_dir / "f.txt").read_bytes()
    for name in ("z.zip", "res.zip"):
        assert _members(mine_dir / name) == _members(ref_dir / name)


def _members(archive: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(archive) as zf:
        return sorted((n.split("/")[-1], zf.read(n)) for n in zf.namelist())


@pytest.mark.parametrize("method", ["read_text", "read_bytes", "write_text", "write_bytes", "open"])
def test_a_patched_pathlib_method_wins(tmp_path: Path, method: str) -> None:
    """`mock.patch.object(Path, ...)` intercepted `p.<method>()`; it intercepts the helper,
    on the publishing route too, and nothing reaches the disk or the backend."""
    storage, backend = tracked_storage(tmp_path)
    p = tmp_path / "f.txt"
    args = {"write_text": ("x",), "write_bytes": (b"x",)}.get(method, ())
    with mock.patch.object(Path, method, return_value="patched") as patched:
        got = getattr(storage, HELPER_OF[method])(p, *args, pin=True) if method.startswith(
            ("write", "open")) else getattr(storage, HELPER_OF[method])(p, *args)
    assert got == "patched" and patched.call_args_list == [mock.call(*args)]
    assert not p.exists() and backend.writes == [] and backend.reads == []


def test_plain_paths_take_the_publishing_route(tmp_path: Path) -> None:
    """The guard lets plain Paths through: the backend hears about writes, missing files
    are asked for, and the file I/O is still pathlib's (same bytes as the reference)."""
    storage, backend = tracked_storage(tmp_path)
    p = tmp_path / "f.txt"
    assert storage.write_text(p, "abc", pin=True) == 3
    assert storage.write_bytes(p, b"abcd") == 4
    with storage.path_open(p, "a", pin=True) as f:
        assert isinstance(f.buffer.raw, TrackedFileIO)
        f.write("e")
    with storage.path_open(p, "r+b") as f:  # opened, only read: nothing to publish
        assert f.read() == b"abcde"
    assert backend.writes == [(str(p), True), (str(p), False), (str(p), True)]
    with pytest.raises(FileNotFoundError):
        storage.read_text(tmp_path / "missing.txt")
    assert backend.reads == [str(p), str(p), str(tmp_path / "missing.txt")]


def test_helper_signatures_are_pathlibs_on_this_python() -> None:
    """What a codemod-side test walks emitted call shapes against: the running Python's
    pathlib parameters, the receiver first (positional-only), `pin` keyword-only on
    writers."""
    storage = storage_runtime.storage
    for helper, method in HELPER_OF.items():
        ours = inspect.signature(getattr(storage, method))
        theirs = inspect.signature(getattr(Path, helper))
        params = list(ours.parameters.values())
        assert params[0].name == "path" and params[0].kind is inspect.Parameter.POSITIONAL_ONLY
        rest = [(p.name, p.default, p.kind) for p in params[1:] if p.name != "pin"]
        assert rest == [(p.name, p.default, p.kind) for p in list(theirs.parameters.values())[1:]]
        has_pin = "pin" in ours.parameters
        assert has_pin == (helper.startswith("write") or helper == "open")
        if has_pin:
            assert ours.parameters["pin"].kind is inspect.Parameter.KEYWORD_ONLY
        # a shape the signature accepts reaches the method; one it rejects gets
        # pathlib's own TypeError (checked above); the signature decides, nothing else
        ours.bind(Path("x"), *(["d"] if helper == "write_text" else
                               [b"d"] if helper == "write_bytes" else []))
    for name in ("open", "io_open"):
        sig = inspect.signature(getattr(storage_runtime, name))
        assert list(sig.parameters)[:-1] == list(inspect.signature(real_open).parameters)
        assert sig.parameters["pin"].kind is inspect.Parameter.KEYWORD_ONLY


# -- buffering=0 under a publishing backend: the documented truth ------------------------------

def test_unbuffered_tracked_handle_is_a_fileio_subclass(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    with storage.open(tmp_path / "u.bin", "wb", buffering=0) as f:
        assert isinstance(f, io.FileIO) and type(f) is TrackedFileIO
        f.write(b"x")
    with local_storage(tmp_path).open(tmp_path / "u.bin", "wb", buffering=0) as f:
        assert type(f) is io.FileIO  # local backend: the builtin object itself
    assert backend.writes == [(str(tmp_path / "u.bin"), False)]


# -- a read/write open that changed nothing does not publish ---------------------------------

def _past(path: Path) -> None:
    os.utime(path, ns=(10**18, 10**18))  # an old mtime: any later change surely moves it


@pytest.mark.parametrize(
    ("mode", "initial", "action", "publishes"),
    [
        ("r+b", True, "read", False),
        ("r+b", True, "lock", False),
        ("r+", True, "seek", False),
        ("r+b", True, "write-empty", False),
        ("ab", True, "nothing", False),
        ("a+", True, "read", False),
        ("ab", False, "nothing", True),  # created
        ("w", True, "nothing", True),  # truncated
        ("wb", False, "nothing", True),  # created
        ("xb", False, "nothing", True),
        ("r+b", True, "write", True),
        ("r+b", True, "truncate", True),
        ("r+b", True, "os.write", True),  # behind the object's back: seen by the stat
        ("r+b", True, "mmap", True),
        ("ab", True, "write", True),
    ],
)
def test_publishes_only_what_changed(
    tmp_path: Path, mode: str, initial: bool, action: str, publishes: bool
) -> None:
    import fcntl
    import mmap

    storage, backend = tracked_storage(tmp_path)
    p = tmp_path / "f.bin"
    if initial:
        p.write_bytes(b"content")
        _past(p)
    with storage.open(p, mode, pin=True) as f:
        if action == "read":
            f.read()
        elif action == "lock":
            fcntl.flock(f, fcntl.LOCK_EX)
            fcntl.flock(f, fcntl.LOCK_UN)
        elif action == "seek":
            f.seek(3)
        elif action == "write-empty":
            f.write(b"")
        elif action == "write":
            f.write(b"W" if "b" in mode else "W")
        elif action == "truncate":
            f.truncate(7)  # same size: still a change of the file (mtime)
        elif action == "os.write":
            os.pwrite(f.fileno(), b"X", 0)
        elif action == "mmap":
            with mmap.mmap(f.fileno(), 0) as mm:
                mm[:1] = b"M"
                mm.flush()
    assert backend.writes == ([(str(p), True)] if publishes else [])


# -- warnings point at the program's line ----------------------------------------------------

def _called_from_another_frame(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, int]:
    line = sys._getframe().f_lineno + 1
    return fn(*args, **kwargs), line


def _record(call: Callable[[], tuple[Any, int]]) -> tuple[list[tuple[Any, ...]], int]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f, line = call()
        f.close()
    return [(w.category, str(w.message), w.filename, w.lineno) for w in caught
            if not issubclass(w.category, ResourceWarning)], line


@pytest.mark.parametrize("storage_kind", ["local", "tracked"])
@pytest.mark.parametrize("shape", ["module-open", "io-open", "storage-open", "path-open",
                                   "keyword", "nested", "missing-file"])
def test_binary_line_buffering_warning_points_at_the_callers_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage_kind: str, shape: str
) -> None:
    storage = local_storage(tmp_path) if storage_kind == "local" else tracked_storage(tmp_path)[0]
    monkeypatch.setattr(storage_runtime, "storage", storage)
    p = tmp_path / "w.bin"
    builtin_rows, builtin_line = _record(
        lambda: (real_open(p, "wb", 1), sys._getframe().f_lineno))
    assert builtin_rows == [(RuntimeWarning, builtin_rows[0][1], __file__, builtin_line)]
    calls: dict[str, Callable[[], tuple[Any, int]]] = {
        "module-open": lambda: (storage_runtime.open(p, "wb", 1, pin=True), sys._getframe().f_lineno),
        "io-open": lambda: (storage_runtime.io_open(p, "wb", 1), sys._getframe().f_lineno),
        "storage-open": lambda: (storage.open(p, "wb", 1), sys._getframe().f_lineno),
        "path-open": lambda: (storage.path_open(p, "wb", 1), sys._getframe().f_lineno),
        "keyword": lambda: (storage_runtime.open(p, mode="ab", buffering=True),
                            sys._getframe().f_lineno),
        "nested": lambda: _called_from_another_frame(storage_runtime.open, p, "r+b", 1),
        "missing-file": lambda: (storage_runtime.open(tmp_path / "new.bin", "xb", 1),
                                 sys._getframe().f_lineno),
    }
    rows, line = _record(calls[shape])
    if shape in ("keyword", "missing-file"):
        line -= 1  # the call starts on the line before
    if shape == "path-open":
        # the original `p.open("wb", 1)` warned in pathlib's Path.open, which calls io.open
        path_rows, _ = _record(lambda: (p.open("wb", 1), 0))
        assert path_rows[0][2] == inspect.getsourcefile(Path.open)
        assert rows == path_rows
        return
    assert rows == [(RuntimeWarning, builtin_rows[0][1], __file__, line)]


def test_warning_as_error_raises_before_opening_like_the_builtin(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    for opener, folder in ((real_open, tmp_path / "ref"), (storage.open, tmp_path / "mine")):
        folder.mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with pytest.raises(RuntimeWarning, match="line buffering"):
                opener(folder / "f.bin", "wb", 1)
        assert list(folder.iterdir()) == []
    assert backend.writes == []


def test_no_warning_where_the_builtin_raises_first(tmp_path: Path) -> None:
    for bad in ((object(), "rb", 1), (tmp_path / "f", "rbt", 1), (tmp_path / "f", "rb", 1, "utf-8")):
        with warnings.catch_warnings(record=True) as ref_warned:
            warnings.simplefilter("always")
            with pytest.raises((TypeError, ValueError)) as ref:
                real_open(*bad)
        with warnings.catch_warnings(record=True) as mine_warned:
            warnings.simplefilter("always")
            with pytest.raises((TypeError, ValueError)) as mine:
                storage_runtime.open(*bad)
        assert repr(mine.value) == repr(ref.value)
        assert len(mine_warned) == len(ref_warned) == 0


ENCODING_WARNING_PROGRAM = '''
import io, json, os, sys, warnings
sys.path.insert(0, {helpers!r})
import storage_runtime
from _local_helpers import tracked_storage
folder = sys.argv[1]
open(os.path.join(folder, "exists.txt"), "w", encoding="utf-8").close()
tracked, _ = tracked_storage(folder)

def call(fn, *args, **kwargs):
    return fn(*args, **kwargs)  # the line every warning below must name

CASES = [
    ("exists.txt",), ("exists.txt", "r", -1, None, None, ""), ("new.txt", "w"),
    ("missing.txt",), ("exists.txt", "r", 0), ("exists.txt", "r", -1, None, None, "bad"),
    ("exists.txt", "rb"), ("exists.txt", "r", -1, "utf-8"), ("new2.txt", "a+", 1),
    ("exists.txt", "rb", 1), ("new3.bin", "wb", 1),
]
rows = []
for name, fn in (("builtin", io.open), ("module", storage_runtime.open),
                 ("io_open", storage_runtime.io_open), ("tracked", tracked.open)):
    for case in CASES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                f = call(fn, os.path.join(folder, case[0]), *case[1:])
                out = [type(f).__name__, getattr(f, "encoding", None)]
                f.close()
            except Exception as exc:
                out = [type(exc).__name__, str(exc).replace(folder, "D")]
        rows.append([name, list(case), out, [[w.category.__name__, str(w.message),
                     w.filename, w.lineno] for w in caught
                     if not issubclass(w.category, ResourceWarning)]])
from pathlib import Path
for name, fn in (("pathlib", True), ("helper", None)):
    for storage in ((None,) if fn else (storage_runtime.storage, tracked)):
        for method, case in (("read_text", ()), ("read_text", ("utf-8",)),
                             ("write_text", ("x",)), ("write_text", ("x", None, None, "")),
                             ("open", ()), ("open", ("w",)), ("open", ("rb",)),
                             ("read_text", ()), ("open", ("r", -1, None)),
                             ("read_text", ("bad", None))):
            target = Path(folder, "exists.txt" if method != "read_text" or case != () else "missing.txt")
            if storage is None:
                runner = lambda: call(getattr(Path, method), target, *case)
            else:
                helper = getattr(storage, "path_open" if method == "open" else method)
                runner = lambda: call(helper, target, *case)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    out = runner()
                    if hasattr(out, "close"):
                        out = [type(out).__name__, getattr(out, "encoding", None), out.close()]
                except Exception as exc:
                    out = [type(exc).__name__, str(exc).replace(folder, "D")]
            rows.append([name, [method, list(case)], out, [[w.category.__name__,
                         str(w.message), w.filename, w.lineno] for w in caught
                         if not issubclass(w.category, ResourceWarning)]])
print(json.dumps(rows))
'''


@pytest.mark.parametrize("flags", [["-X", "warn_default_encoding"],
                                   ["-X", "warn_default_encoding", "-X", "utf8"]])
def test_encoding_warning_points_at_the_callers_line(tmp_path: Path, flags: list[str]) -> None:
    """Under -X warn_default_encoding builtin open warns its caller about a text open
    without an encoding (after the file opened): the runtime's entry points warn the same
    line, and pick the same encoding."""
    import subprocess

    script = tmp_path / "prog.py"
    script.write_text(ENCODING_WARNING_PROGRAM.format(helpers=os.path.dirname(__file__)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_RUNTIME_")}
    done = subprocess.run([sys.executable, *flags, str(script), str(tmp_path)],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr
    by_side: dict[str, list[Any]] = {}
    for side, case, out, warned in json.loads(done.stdout):
        by_side.setdefault(side, []).append((case, out, warned))
    call_line = ENCODING_WARNING_PROGRAM.splitlines().index(
        "    return fn(*args, **kwargs)  # the line every warning below must name") + 1
    builtin = by_side.pop("builtin")
    warned_cases = [row for row in builtin if row[2]]
    assert len(warned_cases) == 7  # the cases are what they claim
    assert all(w[0][2:] == [str(script), call_line] for _, _, w in warned_cases)
    pathlib_rows = by_side.pop("pathlib")
    assert sum(1 for row in pathlib_rows if row[2]) == 7
    assert all(w[0][2:] == [str(script), call_line] for _, _, w in pathlib_rows if w)
    helper_rows = by_side.pop("helper")
    assert helper_rows == pathlib_rows * 2  # local default, then the tracked storage
    for side, got in by_side.items():
        assert got == builtin, side


@pytest.mark.parametrize("storage_kind", ["local", "tracked"])
def test_pyfakefs_intercepts_every_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage_kind: str
) -> None:
    """pyfakefs replaces `builtins.open`, the `io` and `pathlib` names of loaded modules:
    migrated calls land in the fake file system as the unmigrated ones did. (pyfakefs is
    not a CI dependency: this runs where it is installed.)"""
    pytest.importorskip("pyfakefs")
    from pyfakefs.fake_filesystem_unittest import Patcher

    storage = local_storage(tmp_path) if storage_kind == "local" else tracked_storage(tmp_path)[0]
    monkeypatch.setattr(storage_runtime, "storage", storage)
    with Patcher() as patcher:
        patcher.fs.create_dir("/fake")
        with storage_runtime.open("/fake/a.txt", "w", pin=True) as f:
            f.write("a")
        with storage_runtime.io_open("/fake/b.txt", "w") as f:
            f.write("b")
        storage.dump_json([1], "/fake/c.json", pin=True)
        storage.write_text(Path("/fake/d.txt"), "d", pin=True)
        with storage.path_open(Path("/fake/d.txt"), "a") as f:
            f.write("+")
        seen = (storage.load_json("/fake/c.json"), storage.read_text(Path("/fake/d.txt")),
                sorted(os.listdir("/fake")))
    assert seen == ([1], "d+", ["a.txt", "b.txt", "c.json", "d.txt"])
    assert not os.path.exists("/fake")


def test_the_runtime_first_imported_under_pyfakefs_works_there_and_after(tmp_path: Path) -> None:
    """A migrated module imported for the first time inside a Patcher (a test's lazy
    import): the runtime's import must not run the fake open (it probed `io.open` with
    fd -1 and raised AttributeError), its writes land in the fake file system, and after
    the Patcher the real disk is written again."""
    pytest.importorskip("pyfakefs")
    (tmp_path / "mod.py").write_text(
        "from storage_runtime import open\n\ndef go(p):\n"
        "    with open(p, 'w') as f:\n        f.write('hi')\n    return open(p).read()\n"
    )
    code = (
        "import os, sys\nfrom pyfakefs.fake_filesystem_unittest import Patcher\n"
        "with Patcher() as p:\n    p.fs.create_dir('/data')\n    import mod\n"
        "    print(mod.go('/data/x.txt'))\n"
        "print(os.path.exists('/data/x.txt'), mod.go('real.txt'), os.path.exists('real.txt'))\n"
    )
    runtime_source = Path(storage_runtime.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(runtime_source)])}
    env.pop("STORAGE_RUNTIME_BACKEND", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "hi\nFalse hi True\n"), done.stderr


def test_a_restored_read_warns_once_like_the_builtin(tmp_path: Path) -> None:
    """A read-only open of a missing file that the backend restores is tried twice; the
    builtin warned once (before its one open), so does the runtime."""
    storage, backend = tracked_storage(tmp_path)

    def restore(path: str) -> None:
        backend.reads.append(path)
        Path(path).write_bytes(b"restored")

    backend.before_read = restore  # type: ignore[method-assign]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        with storage.open(tmp_path / "gone.bin", "rb", 1) as f:
            assert f.read() == b"restored"
    rows = [(w.category, w.filename, w.lineno) for w in caught
            if not issubclass(w.category, ResourceWarning)]
    assert rows == [(RuntimeWarning, __file__, line)]
    assert backend.reads == [str(tmp_path / "gone.bin")]


def test_a_deleted_builtins_open_raises_the_bare_names_nameerror(
    default_storage: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sandbox that deletes `builtins.open`, or a `__del__` run at shutdown after the
    builtins were cleared: the bare `open(...)` raised NameError, and so do its stand-ins
    (the collapsed helpers too); the calls that never needed it (publish, restore, the
    existence checks) answer as before."""
    storage, _ = default_storage
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.txt").write_text("x")
    monkeypatch.delattr(builtins, "open")
    with pytest.raises(NameError) as ref:
        eval("open('a.txt', 'w')", {})  # the original call: the builtin lookup fails
    for call in (
        lambda: storage_runtime.open("a.txt", "w", pin=True),
        lambda: storage.open("a.txt", "w"),
        lambda: storage.dump_json({"k": 1}, "a.json", "w"),
        lambda: storage.load_json("here.txt"),
    ):
        with pytest.raises(NameError) as mine:
            call()
        assert (str(mine.value), mine.value.name) == (str(ref.value), ref.value.name)
    assert storage.exists("here.txt", call=os.path.exists) is True
    assert storage.exists("none.txt", call=os.path.exists) is False
    assert storage.publish("here.txt") is None
    assert storage.restored("none.txt") == "none.txt"
    assert not (tmp_path / "a.txt").exists()
