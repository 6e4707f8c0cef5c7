"""`Storage.codecs_open` is `codecs.open`: the same object types, content, exceptions and
files on disk for every call, on the local backend, on a (recording) publishing backend and
on the real node; a write through it is published with its pin, a missing file is restored
first; a patch of `builtins.open` or of `codecs.open` sees exactly the calls the original
made."""

from __future__ import annotations

import builtins
import codecs
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from _local_helpers import describe_exception, local_storage, tracked_storage

#: (args, kwargs, text written or None to read). Paths are relative to the folder.
CALLS: list[tuple[tuple[Any, ...], dict[str, Any], str | None]] = [
    (("data.txt", "r", "utf-8"), {}, None),
    (("data.txt",), {}, None),  # no encoding: the builtin's own file object, binary text
    (("data.txt", "rb"), {}, None),
    (("data.txt",), {"encoding": "latin-1", "errors": "replace"}, None),
    (("data.txt", "r", "ascii", "strict"), {}, None),  # a decode error on read
    (("out.txt", "w", "utf-8"), {}, "héllo\nwörld\n"),
    (("out.txt", "w"), {}, "plain"),  # no encoding: text mode, builtin's handle
    (("out.txt", "a", "utf-16"), {}, "appended"),
    (("data.txt", "r+", "utf-8"), {}, "Z"),
    (("out.txt", "wb", None, "strict", 0), {}, None),
    (("out.txt", "w", "no-such-codec"), {}, "x"),  # LookupError, the file closed
    (("missing.txt", "r", "utf-8"), {}, None),  # FileNotFoundError
    (("sub", "r", "utf-8"), {}, None),  # IsADirectoryError
    (("data.txt", "r", "utf-8"), {"bogus": 1}, None),  # TypeError
    (("data.txt", "rw", "utf-8"), {}, None),  # ValueError from open
    ((), {"filename": "out.txt", "mode": "w", "encoding": "utf-8"}, "by keyword"),
]


def _populate(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.txt").write_bytes("ünïcode line\nsecond\n".encode())
    (folder / "sub").mkdir(exist_ok=True)


def _tree(folder: Path) -> dict[str, bytes]:
    """The program's files (not the runtime's own state folder)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".storage-runtime" not in p.relative_to(folder).parts
    }


def _run(open_: Callable[..., Any], folder: Path, args: tuple[Any, ...], kwargs: dict[str, Any],
         text: str | None) -> tuple[Any, ...]:
    """What a program observes of one call: its result's type and what it reads, or the
    exception; the file is written and closed when `text` is given."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        f = open_(*args, **kwargs)
        try:
            kind = (type(f).__name__, getattr(f, "encoding", None), getattr(f, "mode", None))
            got = f.write(text) if text is not None else f.read()
        finally:
            f.close()
        return ("returned", kind, got, f.closed)
    except Exception as exc:  # noqa: BLE001 - the exception is the observable result
        return ("raised", *describe_exception(exc, str(folder)))
    finally:
        os.chdir(here)


def _differential(storage: Any, base: Path, args: tuple[Any, ...], kwargs: dict[str, Any],
                  text: str | None, call: Any = None) -> None:
    left, right = base / "builtin", Path(storage.settings.root)
    _populate(left)
    _populate(right)
    original = _run(codecs.open, left, args, kwargs, text)
    migrated = _run(lambda *a, **k: storage.codecs_open(*a, pin=True, call=call, **k),
                    right, args, kwargs, text)
    assert migrated == original
    assert _tree(right) == _tree(left)


@pytest.mark.parametrize(("args", "kwargs", "text"), CALLS)
def test_the_same_as_codecs_open_on_the_local_backend(
    tmp_path: Path, args: tuple[Any, ...], kwargs: dict[str, Any], text: str | None
) -> None:
    _differential(local_storage(tmp_path / "root"), tmp_path, args, kwargs, text)


@pytest.mark.parametrize("call", [None, codecs.open], ids=["no-call", "call"])
@pytest.mark.parametrize(("args", "kwargs", "text"), CALLS)
def test_the_same_as_codecs_open_on_a_publishing_backend(
    tmp_path: Path, args: tuple[Any, ...], kwargs: dict[str, Any], text: str | None, call: Any
) -> None:
    storage, backend = tracked_storage(tmp_path / "root")
    _differential(storage, tmp_path, args, kwargs, text, call)
    writes = {os.path.basename(p): pin for p, pin in backend.writes}
    mode = kwargs.get("mode", args[1] if len(args) > 1 else "r")
    opened = mode != "rw" and "bogus" not in kwargs  # those fail before anything is opened
    if opened and any(c in mode for c in "wa+"):
        # the write went through the tracked open: published at close, with its pin (an
        # unknown codec too: the file was created, then closed, as by the original)
        name = kwargs.get("filename", args[0] if args else None)
        assert writes == {name: True}
    else:
        assert writes == {}


def test_a_missing_file_is_restored_before_the_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage, backend = tracked_storage(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as raised:
        storage.codecs_open("gone.txt", "r", "utf-8")
    with pytest.raises(FileNotFoundError) as expected:
        codecs.open("gone.txt", "r", "utf-8")  # noqa: SIM115 - it raises
    assert describe_exception(raised.value, "") == describe_exception(expected.value, "")
    assert backend.reads == [str(tmp_path / "gone.txt")]


def test_a_patched_builtins_open_sees_the_originals_call(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    target = str(tmp_path / "x.txt")
    seen = []
    for open_ in (codecs.open, storage.codecs_open):
        with (mock.patch("builtins.open", mock.mock_open(read_data=b"abc")) as patched,
              open_(target, "r", "utf-8") as f):
            assert f.read() == "abc"
        seen.append(patched.call_args_list)
    assert seen[0] == seen[1] == [mock.call(target, "rb", -1)]
    assert backend.reads == [] and backend.writes == []
    assert builtins.open is not None


def test_a_patched_codecs_open_is_what_the_stand_in_calls(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    real = codecs.open
    with mock.patch("codecs.open", return_value="sentinel") as patched:
        # no call=: the module attribute at call time, as `codecs.open(...)` looked it up
        assert storage.codecs_open("a", "w", "utf-8", pin=True) == "sentinel"
        # call= the spelling at the call site: `codecs.open` evaluated there is the patch
        assert storage.codecs_open("b", "w", pin=False, call=codecs.open) == "sentinel"
        # `from codecs import open as copen` before the patch: the real function, not it
        with storage.codecs_open(str(tmp_path / "c"), "w", "utf-8", call=real) as f:
            f.write("real")
    assert patched.call_args_list == [mock.call("a", "w", "utf-8"), mock.call("b", "w")]
    assert (tmp_path / "c").read_text() == "real"
    assert backend.writes == [(str(tmp_path / "c"), False)]


def test_the_encoding_lookup_is_looked_up_at_call_time(tmp_path: Path) -> None:
    """A patch of `codecs.lookup` (a codec registered in a test) reaches the function, as
    it reaches the original's globals."""
    storage, _ = tracked_storage(tmp_path)
    (tmp_path / "d.txt").write_bytes(b"abc")
    errors = []
    for open_ in (codecs.open, storage.codecs_open):
        with (mock.patch("codecs.lookup", side_effect=LookupError("patched lookup")),
              pytest.raises(LookupError) as raised):
            open_(str(tmp_path / "d.txt"), "r", "utf-8")
        errors.append(str(raised.value))
    assert errors == ["patched lookup", "patched lookup"]


@pytest.mark.ipfs
@pytest.mark.parametrize(("args", "kwargs", "text"), CALLS)
def test_the_same_as_codecs_open_on_the_real_node(
    make_storage: Callable[..., Any], tmp_path: Path, args: tuple[Any, ...],
    kwargs: dict[str, Any], text: str | None
) -> None:
    _differential(make_storage(str(tmp_path / "root")), tmp_path, args, kwargs, text)


@pytest.mark.ipfs
def test_a_write_is_published_and_another_worker_restores_it(
    make_storage: Callable[..., Any],
) -> None:
    writer = make_storage("worker1")
    with writer.codecs_open(os.path.join(writer.settings.root, "notes.txt"), "w", "utf-8",
                            pin=True) as f:
        f.write("ünïcode\n")
    reader = make_storage("worker2")  # same namespace, other root, other index
    with reader.codecs_open(os.path.join(reader.settings.root, "notes.txt"), "r", "utf-8") as f:
        assert f.read() == "ünïcode\n"
    with pytest.raises(FileNotFoundError):  # nothing else is there to restore
        reader.codecs_open(os.path.join(reader.settings.root, "other.txt"), "r", "utf-8")
