"""`storage.path(x, pin=...).method(...)` (storage_runtime/_receiver.py) against
`x.method(...)`: the method is looked up before the arguments are evaluated, with the
receiver's own error; what a plain Path writes is published with the pin given; anything
else gets exactly its own method, with every argument as written."""

from __future__ import annotations

import pathlib
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from _local_helpers import tracked_storage


def order_of(call: Any) -> list[str]:
    """What `call(trace)` records, and the exception it ends with."""
    seen: list[str] = []
    try:
        call(seen)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        seen.append(f"{type(exc).__name__}: {exc}")
    return seen


@pytest.mark.parametrize("receiver", [None, "a str", 3, object()])
@pytest.mark.parametrize("method", ["write_text", "read_text", "open", "write_bytes"])
def test_the_method_is_looked_up_before_the_arguments_as_the_original(
    tmp_path: Path, receiver: Any, method: str
) -> None:
    storage, _ = tracked_storage(tmp_path)

    def argument(seen: list[str]) -> str:
        seen.append("argument evaluated")
        return "x"

    original = order_of(lambda seen: getattr(receiver, method)(argument(seen)))
    rewritten = order_of(
        lambda seen: getattr(storage.path(receiver, pin=True), method)(argument(seen))
    )
    assert rewritten == original
    assert original[-1].startswith("AttributeError")  # the argument never ran


def test_a_plain_path_goes_through_the_backend_with_the_pin(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)
    target = tmp_path / "out.txt"
    assert storage.path(target, pin=True).write_text("hello") == 5
    assert target.read_text() == "hello"
    assert storage.path(target).read_text() == "hello"
    with storage.path(target, pin=False).open("a") as handle:
        handle.write("!")
    assert target.read_text() == "hello!"
    assert [(Path(path).name, pin) for path, pin in backend.writes] == [
        ("out.txt", True),
        ("out.txt", False),
    ]


def test_anything_else_gets_its_own_method_with_every_argument(tmp_path: Path) -> None:
    storage, backend = tracked_storage(tmp_path)

    class Store:
        def __init__(self) -> None:
            self.calls: list[tuple[Any, ...]] = []

        def write_text(self, data: str, **options: Any) -> str:
            self.calls.append((data, options))
            return "stored"

    store = Store()
    assert storage.path(store, pin=True).write_text("d", pin=False, mode=1) == "stored"
    assert store.calls == [("d", {"pin": False, "mode": 1})]

    class Loud(pathlib.PosixPath):
        def write_text(self, *args: Any, **kwargs: Any) -> int:
            return -1

    assert storage.path(Loud(tmp_path / "x"), pin=True).write_text("data") == -1
    assert not (tmp_path / "x").exists()
    with mock.patch.object(pathlib.Path, "write_text", return_value=42) as patched:
        assert storage.path(tmp_path / "y", pin=True).write_text("data") == 42
    patched.assert_called_once_with("data")
    with pytest.raises(TypeError) as own:
        (tmp_path / "z").open(pin=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError) as through:
        storage.path(tmp_path / "z", pin=False).open(pin=True)
    assert str(through.value) == str(own.value)
    assert backend.writes == []


def test_a_property_lookup_runs_once_and_first() -> None:
    storage, _ = tracked_storage("/nonexistent-root")
    seen: list[str] = []

    class Lazy:
        @property
        def read_text(self) -> Any:
            seen.append("looked up")
            return lambda *a: "text"

    def argument() -> str:
        seen.append("argument")
        return "utf-8"

    assert storage.path(Lazy()).read_text(argument()) == "text"
    assert seen == ["looked up", "argument"]


def test_lifecycle_methods_look_up_first_and_the_namespace_follows(tmp_path: Path) -> None:
    """`storage.path(tmp, pin=True).replace(final())`: `replace` is looked up on `tmp`
    before `final()` runs (None's own AttributeError first), and on a Path the rename is
    the one the backend hears about, with the pin given."""
    storage, backend = tracked_storage(tmp_path)
    seen: list[str] = []

    def final() -> Path:
        seen.append("final")
        return tmp_path / "final.txt"

    original = order_of(lambda s: None.replace(final()))  # type: ignore[attr-defined]
    seen_before = list(seen)
    seen.clear()
    rewritten = order_of(lambda s: storage.path(None, pin=True).replace(final()))
    assert rewritten == original and seen == seen_before == []
    tmp = tmp_path / "x.tmp"
    tmp.write_text("data")
    renames: list[tuple[Any, ...]] = []
    backend.after_rename = lambda src, dst, pin: renames.append((Path(src).name, Path(dst).name, pin))  # type: ignore[attr-defined]
    result = storage.path(tmp, pin=True).replace(final())
    assert result == tmp_path / "final.txt" and (tmp_path / "final.txt").read_text() == "data"
    assert renames == [("x.tmp", "final.txt", True)]
    removed: list[str] = []
    backend.after_remove = lambda path: removed.append(Path(path).name)  # type: ignore[attr-defined]
    storage.path(tmp_path / "final.txt").unlink()
    assert removed == ["final.txt"] and not (tmp_path / "final.txt").exists()
