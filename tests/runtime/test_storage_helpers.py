"""The pathlib-style and json/pickle helpers against the code they replace: the same bytes
on disk, the same return values, the same exceptions; and what the backend hears."""

from __future__ import annotations

import array
import io
import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import describe_exception, local_storage, tracked_storage

builtin_open = io.open
TEXTS = ["", "plain", "a\nb\r\nc\rd\n", "\u00e9\u20ac\U0001f600\n", "tab\there\x00"]


@pytest.fixture(params=["local", "tracked"])
def storage_and_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "local":
        return local_storage(tmp_path), None
    return tracked_storage(tmp_path)


@pytest.mark.parametrize("newline", [None, "", "\n", "\r", "\r\n"])
@pytest.mark.parametrize(("encoding", "errors"), [(None, None), ("utf-8", None),
                                                  ("utf-16", None), ("ascii", "replace"),
                                                  ("latin-1", "xmlcharrefreplace")])
def test_write_text_matches_pathlib(
    storage_and_backend: Any, tmp_path: Path, encoding: str | None, errors: str | None,
    newline: str | None,
) -> None:
    storage, _ = storage_and_backend
    for i, text in enumerate(TEXTS):
        ref, mine = tmp_path / f"ref{i}", tmp_path / f"mine{i}"
        expected = ref.write_text(text, encoding, errors, newline)
        assert storage.write_text(mine, text, encoding, errors, newline) == expected
        assert mine.read_bytes() == ref.read_bytes()
        assert storage.read_text(mine, encoding, errors) == ref.read_text(encoding, errors)


def test_write_text_errors_match_pathlib(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    for data, kwargs in ((b"bytes", {}), ("\u20ac", {"encoding": "ascii"}),
                         ("x", {"encoding": "no-such-codec"}), ("x", {"newline": "bad"})):
        with pytest.raises(Exception) as ref:
            (tmp_path / "ref").write_text(data, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(Exception) as mine:
            storage.write_text(tmp_path / "mine", data, **kwargs)  # type: ignore[arg-type]
        assert describe_exception(mine.value, str(tmp_path)) == describe_exception(
            ref.value, str(tmp_path)
        )
        # in place, as pathlib: an encoding error leaves the same created, empty file
        assert (tmp_path / "mine").exists() == (tmp_path / "ref").exists()
        if (tmp_path / "ref").exists():
            assert (tmp_path / "mine").read_bytes() == (tmp_path / "ref").read_bytes()
    assert backend.writes == []


@pytest.mark.parametrize(
    "data", [b"", b"\x00\xffbytes", bytearray(b"ba"), memoryview(b"mv"), array.array("i", [1, 2])]
)
def test_write_bytes_matches_pathlib(storage_and_backend: Any, tmp_path: Path, data: Any) -> None:
    storage, _ = storage_and_backend
    expected = (tmp_path / "ref").write_bytes(data)
    assert storage.write_bytes(tmp_path / "mine", data) == expected
    assert (tmp_path / "mine").read_bytes() == (tmp_path / "ref").read_bytes()
    assert storage.read_bytes(tmp_path / "mine") == (tmp_path / "ref").read_bytes()


def test_write_bytes_rejects_str_like_pathlib(tmp_path: Path) -> None:
    storage, _ = tracked_storage(tmp_path)
    with pytest.raises(TypeError) as ref:
        (tmp_path / "ref").write_bytes("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError) as mine:
        storage.write_bytes(tmp_path / "mine", "text")
    assert repr(mine.value) == repr(ref.value)


def test_read_errors_match_pathlib(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "latin").write_bytes(b"\xe9")
    cases = [
        (lambda p: p.read_text(), lambda p: storage.read_text(p), "missing"),
        (lambda p: p.read_bytes(), lambda p: storage.read_bytes(p), "missing"),
        (lambda p: p.read_text(), lambda p: storage.read_text(p), "d"),
        (lambda p: p.read_text("utf-8"), lambda p: storage.read_text(p, "utf-8"), "latin"),
    ]
    for ref_fn, mine_fn, name in cases:
        with pytest.raises(Exception) as ref:
            ref_fn(tmp_path / name)
        with pytest.raises(Exception) as mine:
            mine_fn(tmp_path / name)
        assert describe_exception(mine.value, "") == describe_exception(ref.value, "")
    assert storage.read_text(tmp_path / "latin", "utf-8", "replace") == "\ufffd"
    # only a missing file is worth asking the backend about
    assert backend.reads == [str(tmp_path / "missing")] * 2


JSON_CASES = [
    ({"b": 1, "a": [1.5, None, True, "\u00e9\u20ac"]}, {}),
    ({"b": 1, "a": [1, 2]}, {"indent": 2, "sort_keys": True}),
    (["\u00e9\u20ac\U0001f600"], {"ensure_ascii": False, "indent": "\t"}),
    ({"k": float("nan")}, {"separators": (",", ":")}),
]


@pytest.mark.parametrize(("obj", "kwargs"), JSON_CASES)
@pytest.mark.parametrize("encoding", [None, "utf-8", "utf-16"])
def test_dump_json_matches_open_and_json_dump(
    storage_and_backend: Any, tmp_path: Path, obj: Any, kwargs: dict[str, Any], encoding: str | None
) -> None:
    storage, _ = storage_and_backend
    with builtin_open(tmp_path / "ref.json", "w", encoding=encoding) as f:
        json.dump(obj, f, **kwargs)
    assert storage.dump_json(obj, tmp_path / "mine.json", encoding=encoding, **kwargs) is None
    assert (tmp_path / "mine.json").read_bytes() == (tmp_path / "ref.json").read_bytes()
    with builtin_open(tmp_path / "ref.json", encoding=encoding) as f:
        expected = json.load(f)
    got = storage.load_json(tmp_path / "mine.json", encoding=encoding)
    assert json.dumps(got) == json.dumps(expected)


def test_load_json_passes_json_kwargs(tmp_path: Path) -> None:
    storage, _ = tracked_storage(tmp_path)
    (tmp_path / "f.json").write_text('{"x": 1.5, "y": [2.25]}')
    from decimal import Decimal

    got = storage.load_json(tmp_path / "f.json", parse_float=Decimal, object_hook=dict)
    assert got == {"x": Decimal("1.5"), "y": [Decimal("2.25")]}
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(json.JSONDecodeError) as mine:
        storage.load_json(tmp_path / "bad.json")
    with pytest.raises(json.JSONDecodeError) as ref, builtin_open(tmp_path / "bad.json") as f:
        json.load(f)
    assert str(mine.value) == str(ref.value)


@pytest.mark.parametrize("protocol", [None, 0, 2, pickle.HIGHEST_PROTOCOL])
def test_dump_pickle_matches_open_and_pickle_dump(
    storage_and_backend: Any, tmp_path: Path, protocol: int | None
) -> None:
    storage, _ = storage_and_backend
    obj = {"a": [1, 2.5, "\u00e9"], "b": (None, b"\x00"), "c": {1, 2}}
    with builtin_open(tmp_path / "ref.pkl", "wb") as f:
        pickle.dump(obj, f, protocol)
    storage.dump_pickle(obj, tmp_path / "mine.pkl", protocol=protocol)
    assert (tmp_path / "mine.pkl").read_bytes() == (tmp_path / "ref.pkl").read_bytes()
    assert storage.load_pickle(tmp_path / "mine.pkl") == obj


def test_load_pickle_passes_kwargs(tmp_path: Path) -> None:
    storage, _ = tracked_storage(tmp_path)
    (tmp_path / "py2.pkl").write_bytes(b"\x80\x02U\x03\xe9t\xe9q\x00.")  # a py2 str
    assert storage.load_pickle(tmp_path / "py2.pkl", encoding="latin-1") == "\u00e9t\u00e9"
    assert storage.load_pickle(tmp_path / "py2.pkl", encoding="bytes") == b"\xe9t\xe9"


def test_write_helpers_publish_with_pin(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    (tmp_path / "sub").mkdir()
    storage.write_text(tmp_path / "a.txt", "a", pin=True)
    storage.write_bytes(tmp_path / "b.bin", b"b")
    storage.dump_json([1], tmp_path / "sub" / ".." / "c.json", pin=True)
    storage.dump_pickle([1], tmp_path / "d.pkl", pin=False)
    assert backend.writes == [
        (str(tmp_path / "a.txt"), True),
        (str(tmp_path / "b.bin"), False),
        (str(tmp_path / "c.json"), True),
        (str(tmp_path / "d.pkl"), False),
    ]
    assert storage.load_json(tmp_path / "c.json") == [1]
    assert backend.reads == []  # it exists: no restore needed
    with pytest.raises(FileNotFoundError):
        storage.load_pickle(tmp_path / "gone.pkl")
    assert backend.reads == [str(tmp_path / "gone.pkl")]


@pytest.mark.parametrize("name", [".env", "server.pem", "id_rsa", "credentials.json", "x.key"])
def test_write_helpers_never_publish_secrets(tmp_path: Path, name: str) -> None:
    storage, backend = tracked_storage(tmp_path)
    storage.write_text(tmp_path / name, "SECRET=1", pin=True)
    storage.dump_json({"secret": 1}, tmp_path / name, pin=True)
    with storage.open(tmp_path / name, "w", pin=True) as f:
        f.write("SECRET=2")
    assert (tmp_path / name).read_text() == "SECRET=2"
    assert backend.writes == [] and backend.reads == []


def test_write_helpers_outside_root_are_not_published(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    storage, backend = tracked_storage(root)
    storage.write_text(tmp_path / "outside.txt", "x", pin=True)
    storage.write_text(root / ".." / "outside2.txt", "x", pin=True)
    assert backend.writes == []


def test_backend_failure_after_helper_write_is_logged_or_strict(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    backend.fail_write = ConnectionError("down")
    storage.dump_json([1], tmp_path / "f.json")
    assert json.loads((tmp_path / "f.json").read_text()) == [1]
    strict, strict_backend = tracked_storage(tmp_path, strict=True)
    strict_backend.fail_write = ConnectionError("down")
    with pytest.raises(ConnectionError):
        strict.dump_json([2], tmp_path / "f.json")
    assert json.loads((tmp_path / "f.json").read_text()) == [2]  # written, then raised


def test_json_and_pickle_helpers_accept_what_open_accepts(tmp_path: Path) -> None:
    storage, _ = tracked_storage(tmp_path)
    for path in (str(tmp_path / "s"), os.fsencode(tmp_path / "b"), tmp_path / "p"):
        storage.dump_json([1], path)
        assert storage.load_json(path) == [1]
        storage.dump_pickle({2}, path)
        assert storage.load_pickle(path) == {2}


def test_a_storage_pickles_by_reference_never_its_locks_or_backend(tmp_path: Path) -> None:
    """A function shipped by value (cloudpickle, dill `recurse=True`) carries the globals
    it names: the default instance arrives as the receiver's own default, another as a
    fresh Storage with the same settings."""
    import copy
    import pickle

    import storage_runtime
    from storage_runtime import Storage

    default = storage_runtime.storage
    assert pickle.loads(pickle.dumps(default)) is default
    assert copy.deepcopy(default) is default
    other = Storage(root=str(tmp_path), backend="local")
    other.write_text(tmp_path / "a.txt", "x")  # used: its backend is built
    again = pickle.loads(pickle.dumps(other))
    assert type(again) is Storage and again is not other
    assert again.settings == other.settings
    assert again.read_text(tmp_path / "a.txt") == "x"
