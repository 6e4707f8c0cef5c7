"""Differential tests: the same operations through builtin `open` and `Storage.open`.

The storage side uses a recording backend, so every writable open of a file under the root
takes the tracked path (the `TrackedFileIO` stack), which is the code that could differ from
the builtin. Each run records what a program can observe: the handle's types, name, mode,
repr, every operation's result or exception, warnings, and the bytes left on disk.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import (
    describe_exception,
    local_storage,
    normalise,
    run_as_nobody,
    shared_tempdir,
    tracked_storage,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_runtime._open import MODES

builtin_open = io.open
IO_CLASSES = (
    io.IOBase, io.RawIOBase, io.BufferedIOBase, io.TextIOBase, io.FileIO,
    io.BufferedReader, io.BufferedWriter, io.BufferedRandom, io.TextIOWrapper,
)
INITIAL_BYTES = b"hello\r\nworld\n\xc3\xa9t\xc3\xa9\rlast"
TEXTS = ["", "a", "hello\nworld\n", "x\r\ny\rz", "\u00e9\u20ac\U0001f600\n", "\x00\t"]
BLOBS = [t.encode("utf-8") for t in TEXTS] + [b"\xff\xfe\x00"]
INVALID_MODES = ["rw", "", "rr", "q", "rbt", "b", "+", "wx", "U", "rU", "r+b+", "tb"]


# -- running one case on one side ---------------------------------------------------------

def describe_handle(f: Any) -> list[Any]:
    kinds = [c.__name__ for c in IO_CLASSES if isinstance(f, c)]
    exact = "FileIO-like" if isinstance(f, io.FileIO) else type(f)
    info: list[Any] = [
        kinds, exact, f.name, f.mode, repr(f), f.closed,
        f.readable(), f.writable(), f.seekable(), f.isatty(),
    ]
    if isinstance(f, io.TextIOWrapper):
        raw = f.buffer.raw
        info += [f.encoding, f.errors, f.line_buffering, f.write_through, type(f.buffer)]
        info += [isinstance(raw, io.FileIO), raw.mode, raw.name, raw.closefd, repr(raw)]
    elif isinstance(f, io.BufferedIOBase):
        info += [isinstance(f.raw, io.FileIO), f.raw.mode, f.raw.name, repr(f.raw)]
    else:
        info += [f.closefd]
    return info


def apply_op(f: Any, op: tuple[Any, ...], binary: bool) -> Any:
    kind = op[0]
    if kind == "write":
        return f.write(BLOBS[op[1]] if binary else TEXTS[op[1] % len(TEXTS)])
    if kind == "writelines":
        return f.writelines([BLOBS[op[1]]] * 2 if binary else [TEXTS[op[1] % len(TEXTS)]] * 2)
    if kind == "read":
        return f.read(op[1])
    if kind == "readline":
        return f.readline()
    if kind == "readlines":
        return f.readlines()
    if kind == "iter":
        return list(f)
    if kind == "seek":
        return f.seek(op[1], op[2])
    if kind == "tell":
        return f.tell()
    if kind == "truncate":
        return f.truncate(op[1])
    if kind == "flush":
        return f.flush()
    if kind == "fsync":
        f.flush()
        return os.fsync(f.fileno())
    raise AssertionError(op)


def prepare(folder: str, initial: str) -> str:
    """Create the starting state; return the path (str) the case opens."""
    path = os.path.join(folder, "f.txt")
    if initial == "file":
        Path(path).write_bytes(INITIAL_BYTES)
    elif initial == "dir":
        os.mkdir(path)
    elif initial == "symlink":
        Path(folder, "target.txt").write_bytes(INITIAL_BYTES)
        os.symlink("target.txt", path)
    elif initial == "dangling":
        os.symlink("target.txt", path)
    return path


def disk_state(folder: str) -> list[Any]:
    state = []
    for name in sorted(os.listdir(folder)):
        full = os.path.join(folder, name)
        if os.path.islink(full):
            state.append((name, "link", os.readlink(full)))
        elif os.path.isdir(full):
            state.append((name, "dir"))
        else:
            state.append((name, Path(full).read_bytes(), oct(os.stat(full).st_mode)))
    return state


def as_kind(path: str, kind: str) -> Any:
    if kind == "bytes":
        return os.fsencode(path)
    if kind == "pathlib":
        return Path(path)
    if kind == "relative":
        return os.path.basename(path)
    return path


def run_case(
    open_fn: Callable[..., Any], folder: str, case: dict[str, Any]
) -> list[Any]:
    out: list[Any] = []
    path = as_kind(prepare(folder, case["initial"]), case["path_kind"])
    mode = case["mode"]
    binary = isinstance(mode, str) and "b" in mode
    old_cwd = os.getcwd()
    os.chdir(folder)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                f = open_fn(path, mode, **case["kwargs"])
            except Exception as exc:  # noqa: BLE001 - recorded and compared
                out.append(("open-raised", describe_exception(exc, folder)))
            else:
                out.append(("open", normalise(describe_handle(f), folder)))
                for op in case["ops"]:
                    try:
                        out.append((op, normalise(apply_op(f, op, binary), folder)))
                    except Exception as exc:  # noqa: BLE001 - recorded and compared
                        out.append((op, "raised", describe_exception(exc, folder)))
                try:
                    f.close()
                    out.append(("close", f.closed))
                except Exception as exc:  # noqa: BLE001 - recorded and compared
                    out.append(("close-raised", describe_exception(exc, folder)))
                out.append(("after-close", normalise(repr(f), folder)))
        out.append(("warnings", [(w.category, str(w.message)) for w in caught
                                 if not issubclass(w.category, ResourceWarning)]))
    finally:
        os.chdir(old_cwd)
    out.append(("disk", disk_state(folder)))
    return out


def changed(case: dict[str, Any], got: list[Any]) -> bool:
    """Whether the open changed the file, so that its close must publish: `w`/`x` create or
    truncate, `a` creates a missing file, and a write of some data or a truncate that
    succeeded changes it; a `r+`/`a` open that only read, sought or flushed does not."""
    rawmode = MODES[case["mode"]].rawmode
    if rawmode[0] in "wx" or (rawmode[0] == "a" and case["initial"] in ("missing", "dangling")):
        return True
    binary = "b" in case["mode"]
    for item in got[1:]:
        op = item[0]
        if not isinstance(op, tuple) or len(item) != 2:
            continue  # a marker, or an op that raised
        if op[0] == "truncate":
            return True
        if op[0] in ("write", "writelines"):
            data = BLOBS[op[1]] if binary else TEXTS[op[1] % len(TEXTS)]
            if data:
                return True
    # A text write of "" can still write: the BOM of utf-16/utf-32/utf-8-sig after a
    # seek to 0 (`a+`, utf-16, seek(0), write("")). What is on disk says so.
    return case["initial"] in ("file", "link") and _final_bytes(got) not in (
        None,
        INITIAL_BYTES,
    )


def _final_bytes(got: list[Any]) -> bytes | None:
    """The bytes of the file the case opened, as the run left it (the link's target)."""
    for item in got:
        if item[0] == "disk":
            for entry in item[1]:
                if entry[0] in ("f.txt", "target.txt") and isinstance(entry[1], bytes):
                    return entry[1]
    return None


def compare(case: dict[str, Any], *, pin: bool = False) -> None:
    """Run `case` through builtin open and the tracked storage.open; assert equal, and
    that the backend heard exactly what it should."""
    base = tempfile.mkdtemp(prefix="sr-diff-")
    try:
        a, b = os.path.join(base, "a"), os.path.join(base, "b")
        os.mkdir(a)
        os.mkdir(b)
        storage, backend = tracked_storage(b)
        expected = run_case(builtin_open, a, case)

        def storage_open(*args: Any, **kw: Any) -> Any:
            return storage.open(*args, pin=pin, **kw)

        got = run_case(storage_open, b, case)
        assert got == expected
        spec = MODES.get(case["mode"]) if isinstance(case["mode"], str) else None
        opened = got[0][0] == "open"
        closed_ok = any(item[0] == "close" for item in got)
        target = os.path.realpath(os.path.join(b, "f.txt"))
        if opened and spec is not None and spec.writable and closed_ok and changed(case, got):
            assert backend.writes == [(target, pin)]
        else:
            assert backend.writes == []
        if spec is None or not spec.sees_existing:
            assert backend.reads == []
        elif not spec.writable:  # read-only: asked only after a FileNotFoundError
            if opened or case["initial"] != "missing":
                assert backend.reads == []
            else:
                assert backend.reads in ([], [target])
        elif opened:
            # r+, a, a+ ask first: content matters; x, x+ too: whether it exists does,
            # unless pinned: a pinned x claims its path once created instead (_claim)
            claims = pin and spec.rawmode[0] == "x"
            assert backend.reads == ([] if claims else [target])
        else:  # refused: asked first unless the path is no file it could publish (a dir)
            assert backend.reads in ([], [target])
    finally:
        shutil.rmtree(base)


# -- every mode, explicit -------------------------------------------------------------------

STANDARD_OPS = [
    ("read", -1), ("seek", 0, 0), ("write", 2), ("tell",), ("seek", 0, 0),
    ("readline",), ("truncate", 3), ("seek", 0, 2), ("write", 4), ("flush",),
    ("seek", 0, 0), ("read", -1),
]


@pytest.mark.parametrize("initial", ["missing", "file", "dir", "symlink"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_mode_matches_builtin(mode: str, initial: str) -> None:
    compare({"initial": initial, "path_kind": "str", "mode": mode, "kwargs": {},
             "ops": STANDARD_OPS}, pin=True)


@pytest.mark.parametrize("path_kind", ["str", "bytes", "pathlib", "relative"])
@pytest.mark.parametrize("mode", ["r", "w", "a+", "xb", "rb+", "w+t"])
def test_path_kinds_match_builtin(path_kind: str, mode: str) -> None:
    compare({"initial": "file" if "x" not in mode else "missing", "path_kind": path_kind,
             "mode": mode, "kwargs": {}, "ops": [("write", 3), ("seek", 0, 0), ("read", -1)]})


@pytest.mark.parametrize("newline", [None, "", "\n", "\r", "\r\n"])
@pytest.mark.parametrize("encoding", [None, "utf-8", "latin-1", "utf-16", "ascii"])
def test_text_encodings_and_newlines_match_builtin(encoding: str | None, newline: str | None) -> None:
    ops = [("write", 2), ("write", 3), ("write", 4), ("seek", 0, 0), ("readlines",),
           ("seek", 0, 0), ("iter",)]
    for mode in ("w+", "a+", "r+"):
        compare({"initial": "file", "path_kind": "str", "mode": mode,
                 "kwargs": {"encoding": encoding, "newline": newline,
                            "errors": "replace" if encoding == "ascii" else None},
                 "ops": ops})


@pytest.mark.parametrize(
    ("mode", "kwargs", "initial"),
    [
        ("rw", {}, "file"), ("", {}, "file"), ("rr", {}, "file"), ("q", {}, "file"),
        ("rbt", {}, "file"), ("b", {}, "file"), ("+", {}, "file"), ("wx", {}, "file"),
        ("U", {}, "file"), (3, {}, "file"), (None, {}, "file"),
        ("wb", {"encoding": "utf-8"}, "file"), ("wb", {"errors": "strict"}, "file"),
        ("wb", {"newline": "\n"}, "file"), ("w", {"buffering": 0}, "file"),
        ("w", {"buffering": 0}, "missing"), ("w", {"buffering": "1"}, "file"),
        ("w", {"buffering": 1.5}, "file"), ("w", {"buffering": 2**40}, "file"),
        ("w", {"encoding": 1}, "file"), ("w", {"errors": 1}, "file"),
        ("w", {"newline": "bad"}, "missing"), ("w", {"newline": 1}, "file"),
        ("w", {"encoding": "no-such-codec"}, "file"), ("w", {"closefd": False}, "file"),
        ("w", {"closefd": "yes"}, "file"), ("r", {}, "missing"), ("r+", {}, "missing"),
        ("x", {}, "file"), ("xb+", {}, "symlink"), ("w", {}, "dir"), ("r", {}, "dir"),
        ("a", {}, "dir"), ("w", {}, "dangling"), ("wb", {"buffering": 1}, "missing"),
        ("w", {"buffering": True}, "missing"), ("w", {"buffering": -7}, "missing"),
    ],
)
def test_errors_match_builtin(mode: Any, kwargs: dict[str, Any], initial: str) -> None:
    compare({"initial": initial, "path_kind": "str", "mode": mode, "kwargs": kwargs,
             "ops": [("write", 2)]})


@pytest.mark.parametrize(
    "bad_file",
    [None, 1.5, ["f"], "bad\0name", b"bad\0name", os.path.join("no-such-dir", "f")],
)
def test_bad_files_match_builtin(tmp_path: Path, bad_file: Any) -> None:
    storage, backend = tracked_storage(tmp_path)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        outcomes = []
        for fn in (builtin_open, storage.open):
            with pytest.raises(Exception) as info:
                fn(bad_file, "w")
            outcomes.append(describe_exception(info.value, str(tmp_path)))
    finally:
        os.chdir(old)
    assert outcomes[0] == outcomes[1]
    assert backend.writes == []


def test_not_a_directory_matches_builtin(tmp_path: Path) -> None:
    storage, _ = tracked_storage(tmp_path)
    (tmp_path / "plain").write_text("x")
    target = tmp_path / "plain" / "child"
    errors = []
    for fn in (builtin_open, storage.open):
        with pytest.raises(NotADirectoryError) as info:
            fn(target, "w")
        errors.append(repr(info.value))
    assert errors[0] == errors[1]


# -- random sequences -----------------------------------------------------------------------

OPS = st.one_of(
    st.tuples(st.sampled_from(["write", "writelines"]), st.integers(0, len(BLOBS) - 1)),
    st.tuples(st.just("read"), st.sampled_from([-1, 0, 1, 3, 100])),
    st.tuples(st.sampled_from(["readline", "readlines", "iter", "tell", "flush", "fsync"])),
    st.tuples(st.just("seek"), st.integers(-3, 40), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("truncate"), st.one_of(st.none(), st.integers(0, 30))),
)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    mode = draw(st.sampled_from(sorted(MODES) + INVALID_MODES))
    kwargs: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        kwargs["buffering"] = draw(st.sampled_from([-1, 0, 1, 2, 7, 4096]))
    textual = "b" not in mode or draw(st.integers(0, 9)) == 0
    if textual:
        if draw(st.booleans()):
            kwargs["encoding"] = draw(
                st.sampled_from([None, "utf-8", "latin-1", "utf-16", "ascii", "no-such"])
            )
        if draw(st.booleans()):
            kwargs["errors"] = draw(st.sampled_from([None, "strict", "replace", "surrogateescape"]))
        if draw(st.booleans()):
            kwargs["newline"] = draw(st.sampled_from([None, "", "\n", "\r", "\r\n", "bogus"]))
    return {
        "mode": mode,
        "kwargs": kwargs,
        "initial": draw(st.sampled_from(["missing", "file", "file", "dir", "symlink"])),
        "path_kind": draw(st.sampled_from(["str", "bytes", "pathlib", "relative"])),
        "ops": draw(st.lists(OPS, max_size=7)),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), pin=st.booleans())
def test_random_sequences_match_builtin(case: dict[str, Any], pin: bool) -> None:
    compare(case, pin=pin)


# -- the local backend is builtin open itself ------------------------------------------------

def test_local_backend_returns_builtin_objects(tmp_path: Path) -> None:
    """The local backend is a straight call: the exact builtin types, same observations."""
    storage = local_storage(tmp_path)
    with storage.open(tmp_path / "f", "wb", buffering=0, pin=True) as f:
        assert type(f) is io.FileIO
    with storage.open(tmp_path / "f", "w") as f:
        assert type(f.buffer.raw) is io.FileIO
    for mode in ("w", "r+b", "a+"):
        mine, other = tmp_path / f"mine{mode}", tmp_path / f"other{mode}"
        mine.mkdir()
        other.mkdir()
        case = {"initial": "file", "path_kind": "str", "mode": mode, "kwargs": {},
                "ops": STANDARD_OPS}
        got = run_case(storage.open, str(mine), case)
        expected = run_case(builtin_open, str(other), case)
        assert normalise(got, str(mine)) == normalise(expected, str(other))


# -- PermissionError, from a real unprivileged process ----------------------------------------

def test_permission_errors_match_builtin() -> None:
    """As root, permission bits are bypassed; the comparison runs in a child as `nobody`."""
    base = shared_tempdir()
    try:
        for side in ("a", "b"):
            folder = os.path.join(base, side)
            os.mkdir(folder)
            os.chmod(folder, 0o777)
            Path(folder, "ro.txt").write_bytes(b"keep")
            os.chmod(os.path.join(folder, "ro.txt"), 0o444)
            os.mkdir(os.path.join(folder, "rodir"))
            os.chmod(os.path.join(folder, "rodir"), 0o555)
        storage, _ = tracked_storage(os.path.join(base, "b"))

        def child() -> list[Any]:
            rows = []
            for side, fn in (("a", builtin_open), ("b", storage.open)):
                folder = os.path.join(base, side)
                for name, mode in (("ro.txt", "w"), ("ro.txt", "r+"), ("ro.txt", "ab"),
                                   ("ro.txt", "rb+"), ("rodir/new", "w"), ("rodir/new", "x")):
                    try:
                        fn(os.path.join(folder, name), mode).close()
                        rows.append((side, name, mode, "opened"))
                    except Exception as exc:  # noqa: BLE001 - recorded and compared
                        rows.append((side, name, mode, describe_exception(exc, folder)))
            return rows

        rows = run_as_nobody(child)
        builtin_rows = [r[1:] for r in rows if r[0] == "a"]
        storage_rows = [r[1:] for r in rows if r[0] == "b"]
        assert storage_rows == builtin_rows
        assert all(r[2][0] is PermissionError for r in builtin_rows)
        for side in ("a", "b"):
            assert Path(base, side, "ro.txt").read_bytes() == b"keep"
            assert os.listdir(os.path.join(base, side, "rodir")) == []
    finally:
        for side in ("a", "b"):
            rodir = os.path.join(base, side, "rodir")
            if os.path.isdir(rodir):
                os.chmod(rodir, 0o755)
        shutil.rmtree(base)


def test_an_empty_text_write_that_writes_a_bom_publishes() -> None:
    """`a+` in utf-16, seek(0), write(""): the encoder, reset by the seek, writes its BOM
    (the builtin does too), so the file changed and its close publishes (found by the
    random sequences above)."""
    case = {
        "mode": "+a",
        "kwargs": {"encoding": "utf-16"},
        "initial": "file",
        "path_kind": "str",
        "ops": [("seek", 0, 0), ("write", 0)],
    }
    assert TEXTS[0] == ""
    compare(case, pin=False)
