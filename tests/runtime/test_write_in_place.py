"""The write helpers make the system calls of the code they stand in for: `write_text` /
`write_bytes` are `Path.write_text` / `write_bytes`, `dump_json` / `dump_pickle` are
`with open(path, "w"/"wb") as f: json.dump(obj, f)`. Differential: the same operation on
the same starting tree, once through pathlib/builtin open and once through the runtime
(local backend, and a tracked backend, which takes the publishing route), comparing return
values, exceptions (type, message, errno, filename), bytes, modes, inode identity, link
counts, what an already-open reader sees, and the stdout of a process writing to
/dev/stdout. Permission cases run as an unprivileged user (uid/gid 65534)."""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _local_helpers import (
    describe_exception,
    local_storage,
    run_as_nobody,
    shared_tempdir,
    tracked_storage,
)

builtin_open = io.open
LONG = "n" * 240
LONGEST = "m" * 255


# -- starting trees -------------------------------------------------------------------------

def _tree_plain(folder: str) -> str:
    Path(folder, "f").write_bytes(b"old content that is long\n")
    os.chmod(os.path.join(folder, "f"), 0o640)
    os.link(os.path.join(folder, "f"), os.path.join(folder, "hardlink"))
    return "f"


def _tree_missing(folder: str) -> str:
    return "f"


def _tree_symlink(folder: str) -> str:
    Path(folder, "target").write_bytes(b"old target\n")
    os.symlink("target", os.path.join(folder, "f"))
    return "f"


def _tree_dangling(folder: str) -> str:
    os.symlink("target", os.path.join(folder, "f"))
    return "f"


def _tree_loop(folder: str) -> str:
    os.symlink("g", os.path.join(folder, "f"))
    os.symlink("f", os.path.join(folder, "g"))
    return "f"


def _tree_long(folder: str) -> str:
    Path(folder, LONG).write_bytes(b"old long\n")
    return LONG


def _tree_longest(folder: str) -> str:
    return LONGEST  # NAME_MAX exactly: builtin open creates it, a temp name could not


def _tree_dir(folder: str) -> str:
    os.mkdir(os.path.join(folder, "f"))
    return "f"


def _tree_trailing_slash(folder: str) -> str:
    Path(folder, "f").write_bytes(b"old\n")
    return "f/"


TREES: dict[str, Callable[[str], str]] = {
    "plain": _tree_plain, "missing": _tree_missing, "symlink": _tree_symlink,
    "dangling": _tree_dangling, "loop": _tree_loop, "long": _tree_long,
    "longest": _tree_longest, "dir": _tree_dir, "trailing-slash": _tree_trailing_slash,
}


# -- operations: (reference, runtime) --------------------------------------------------------

class Unserialisable:
    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle this one")


def _json_ref(obj: Any, encoding: str | None = None, **kw: Any) -> Callable[[Any], Any]:
    def run(p: Any) -> Any:
        with builtin_open(p, "w", **({"encoding": encoding} if encoding else {})) as f:
            return json.dump(obj, f, **kw)
    return run


def _pickle_ref(obj: Any, *protocol: int) -> Callable[[Any], Any]:
    def run(p: Any) -> Any:
        with builtin_open(p, "wb") as f:
            return pickle.dump(obj, f, *protocol)
    return run


HALF_JSON = {"a": [1, 2, "x" * 9000], "b": object()}  # json writes ~9 KB, then raises
HALF_PICKLE = ["y" * 70000, Unserialisable()]  # pickle flushes frames, then raises

OPS: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = {
    "write_text": (lambda p: Path(p).write_text("new text\n"),
                   lambda s, p: s.write_text(Path(p), "new text\n")),
    "write_text-kw": (lambda p: Path(p).write_text(data="a\nb", encoding="utf-16", newline="\r\n"),
                      lambda s, p: s.write_text(Path(p), data="a\nb", encoding="utf-16",
                                                newline="\r\n", pin=True)),
    "write_text-unencodable": (lambda p: Path(p).write_text("ab\u20ac", encoding="ascii"),
                               lambda s, p: s.write_text(Path(p), "ab\u20ac", encoding="ascii")),
    "write_text-not-str": (lambda p: Path(p).write_text(b"x"),  # type: ignore[arg-type]
                           lambda s, p: s.write_text(Path(p), b"x")),
    "write_bytes": (lambda p: Path(p).write_bytes(b"new\x00bytes"),
                    lambda s, p: s.write_bytes(Path(p), b"new\x00bytes")),
    "write_bytes-not-bytes": (lambda p: Path(p).write_bytes("x"),  # type: ignore[arg-type]
                              lambda s, p: s.write_bytes(Path(p), "x")),
    "dump_json": (_json_ref({"k": [1, 2]}, indent=1),
                  lambda s, p: s.dump_json({"k": [1, 2]}, p, indent=1)),
    "dump_json-encoding": (_json_ref(["\u00e9"], encoding="utf-16", ensure_ascii=False),
                           lambda s, p: s.dump_json(["\u00e9"], p, encoding="utf-16",
                                                    ensure_ascii=False)),
    "dump_json-half": (_json_ref(HALF_JSON), lambda s, p: s.dump_json(HALF_JSON, p, pin=True)),
    "dump_json-circular": (_json_ref([[]]), lambda s, p: s.dump_json([[]], p)),
    "dump_pickle": (_pickle_ref({"a": 1}, 2), lambda s, p: s.dump_pickle({"a": 1}, p, protocol=2)),
    "dump_pickle-half": (_pickle_ref(HALF_PICKLE), lambda s, p: s.dump_pickle(HALF_PICKLE, p)),
}
_circular: list[Any] = []
_circular.append(_circular)
OPS["dump_json-circular"] = (_json_ref(_circular), lambda s, p: s.dump_json(_circular, p))


def snapshot(folder: str) -> dict[str, Any]:
    """Every entry: kind, bytes, mode, link count, inode (compared as identity, below)."""
    state = {}
    for name in sorted(os.listdir(folder)):
        full = os.path.join(folder, name)
        st = os.lstat(full)
        if stat.S_ISLNK(st.st_mode):
            state[name] = ("link", os.readlink(full))
        elif stat.S_ISDIR(st.st_mode):
            state[name] = ("dir",)
        else:
            state[name] = ("file", Path(full).read_bytes(), stat.S_IMODE(st.st_mode),
                           st.st_nlink, st.st_ino)
    return state


def observe(folder: str, fn: Callable[[Any], Any], as_str: bool) -> list[Any]:
    name = TREES[os.path.basename(folder).split("=", 1)[0]](folder)
    before = snapshot(folder)
    reader = None
    if before.get(name, ("",))[0] == "file":
        reader = builtin_open(os.path.join(folder, name), "rb")  # an open reader
    path = os.path.join(folder, name) if as_str else Path(folder, name)
    if name.endswith("/"):
        path = os.path.join(folder, name)  # Path() would drop the slash
    try:
        out: list[Any] = [("returned", fn(path))]
    except Exception as exc:  # noqa: BLE001 - compared
        out = [("raised", describe_exception(exc, folder))]
    if reader is not None:
        out.append(("reader-sees", reader.read()))
        reader.close()
    after = snapshot(folder)
    for entry, value in after.items():
        if value[0] == "file":
            old = before.get(entry)
            same_inode = old is not None and old[0] == "file" and old[4] == value[4]
            out.append((entry, value[:4], "same-inode" if same_inode else "new-inode"))
        else:
            out.append((entry, value))
    return out


def differential(op: str, tree: str, storage_kind: str) -> tuple[list[Any], list[Any], Any]:
    ref_fn, mine_fn = OPS[op]
    base = tempfile.mkdtemp(prefix="sr-inplace-")
    try:
        a, b = os.path.join(base, "a", tree), os.path.join(base, "b", tree)
        os.makedirs(a)
        os.makedirs(b)
        if storage_kind == "local":
            storage, backend = local_storage(b), None
        else:
            storage, backend = tracked_storage(b)
        as_str = op.startswith("dump_")
        expected = observe(a, ref_fn, as_str)
        got = observe(b, lambda p: mine_fn(storage, p), as_str)
        return expected, got, backend
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize("storage_kind", ["local", "tracked"])
@pytest.mark.parametrize("tree", sorted(TREES))
@pytest.mark.parametrize("op", sorted(OPS))
def test_write_helpers_match_the_code_they_replace(op: str, tree: str, storage_kind: str) -> None:
    expected, got, backend = differential(op, tree, storage_kind)
    assert got == expected
    if backend is not None:
        # publishing: after a write that returned; never after one that raised half-way
        if got[0][0] == "raised":
            assert backend.writes == []
        elif tree in ("plain", "missing", "long", "longest", "symlink", "dangling"):
            assert len(backend.writes) == 1


def test_the_differential_sees_what_atomic_replacement_changed(tmp_path: Path) -> None:
    """The observation is sharp enough: the old atomic behaviour (a new inode, the hard link
    keeping the old content) differs from pathlib's in what `observe` records."""
    folder = tmp_path / "plain"
    folder.mkdir()
    storage, _ = tracked_storage(folder)

    def atomically(p: Any) -> None:
        with storage.atomic_write(p, "w") as f:
            f.write("new text\n")

    ref = tmp_path / "ref" / "plain"
    ref.mkdir(parents=True)
    expected = observe(str(ref), OPS["write_text"][0], False)
    got = observe(str(folder), atomically, False)
    assert got != expected
    assert ("f", ("file", b"new text\n", 0o640, 1), "new-inode") in got
    assert ("f", ("file", b"new text\n", 0o640, 2), "same-inode") in expected


def test_partial_files_are_what_the_original_leaves(tmp_path: Path) -> None:
    """Not only equal to the reference: the reference really leaves a partial file (so the
    comparison above is not between two untouched files)."""
    expected, got, _ = differential("dump_json-half", "plain", "tracked")
    assert got == expected
    assert got[0][0] == "raised"
    f_entry = next(e for e in got if e[0] == "f")
    assert f_entry[1][1].startswith(b'{"a": [1, 2, "xxx') and f_entry[2] == "same-inode"
    expected, got, _ = differential("dump_pickle-half", "plain", "local")
    assert got == expected
    f_entry = next(e for e in got if e[0] == "f")
    assert 0 < len(f_entry[1][1]) and f_entry[1][1] != b"old content that is long\n"


# -- /dev/stdout, as a pipe and as a redirected file -----------------------------------------

STDOUT_PROGRAM = textwrap.dedent(
    """
    import io, json, sys
    from pathlib import Path
    sys.path.insert(0, {helpers!r})
    side = sys.argv[1]
    if side == "ref":
        def write_text(p, d): return Path(p).write_text(d)
        def write_bytes(p, d): return Path(p).write_bytes(d)
        def dump_json(o, p):
            with io.open(p, "w") as f:
                json.dump(o, f)
    else:
        if side == "tracked":
            from _local_helpers import tracked_storage
            storage, _ = tracked_storage("/dev")
        else:
            from storage_runtime import storage
        def write_text(p, d): return storage.write_text(Path(p), d, pin=True)
        def write_bytes(p, d): return storage.write_bytes(Path(p), d)
        def dump_json(o, p): return storage.dump_json(o, p)
    print("first", flush=True)
    print(write_text("/dev/stdout", "text line\\n"), flush=True)
    print(write_bytes("/dev/stdout", b"bytes line\\n"), flush=True)
    dump_json({{"json": 1}}, "/dev/stdout")
    print("\\nlast", flush=True)
    """
)


def _stdout_run(side: str, redirect: Path | None) -> tuple[int, bytes, bytes]:
    code = STDOUT_PROGRAM.format(helpers=os.path.dirname(__file__))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_RUNTIME_")}
    if redirect is None:
        done = subprocess.run([sys.executable, "-c", code, side], capture_output=True,
                              timeout=60, env=env, check=False)
        return done.returncode, done.stdout, done.stderr.splitlines()[-1:][0] if done.stderr else b""
    with builtin_open(redirect, "wb") as out:
        done = subprocess.run([sys.executable, "-c", code, side], stdout=out,
                              stderr=subprocess.PIPE, timeout=60, env=env, check=False)
    return done.returncode, redirect.read_bytes(), done.stderr.splitlines()[-1:][0] if done.stderr else b""


@pytest.mark.parametrize("side", ["local", "tracked"])
@pytest.mark.parametrize("how", ["pipe", "file"])
def test_dev_stdout_works_as_before(tmp_path: Path, side: str, how: str) -> None:
    expected = _stdout_run("ref", tmp_path / "ref.out" if how == "file" else None)
    got = _stdout_run(side, tmp_path / "mine.out" if how == "file" else None)
    assert got == expected
    assert expected[0] == 0 and b"last" in expected[1]  # the reference itself works


# -- permissions, as an unprivileged user ----------------------------------------------------

PERMISSION_CASES = [
    ("rodir/writable.txt", "a writable file in a read-only folder"),
    ("rodir/new.txt", "a new file in a read-only folder"),
    ("sticky/theirs.txt", "another user's world-writable file in a sticky folder"),
    ("sticky/mine.txt", "the user's own file in a sticky folder"),
    ("sticky/new.txt", "a new file in a sticky folder"),
    ("ro.txt", "a read-only file"),
]


def _permission_tree(folder: str) -> None:
    os.makedirs(folder)
    os.chmod(folder, 0o777)
    for sub, mode in (("rodir", 0o555), ("sticky", 0o1777)):
        os.mkdir(os.path.join(folder, sub))
        os.chmod(os.path.join(folder, sub), mode)
    for name, owner in (("rodir/writable.txt", 0), ("sticky/theirs.txt", 0),
                        ("sticky/mine.txt", 65534), ("ro.txt", 65534)):
        full = os.path.join(folder, name)
        Path(full).write_bytes(b"old\n")
        os.chmod(full, 0o444 if name == "ro.txt" else 0o666)
        os.chown(full, owner, owner)


def test_permission_cases_match_as_an_unprivileged_user() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to set up files owned by another user and drop to uid 65534")
    base = shared_tempdir()
    try:
        a, b = os.path.join(base, "a"), os.path.join(base, "b")
        _permission_tree(a)
        _permission_tree(b)
        storage, backend = tracked_storage(b)
        ops = ["write_text", "write_bytes", "dump_json", "dump_pickle", "write_text-unencodable"]

        def child() -> list[Any]:
            rows = []
            for name, _ in PERMISSION_CASES:
                for op in ops:
                    ref_fn, mine_fn = OPS[op]
                    for side, fn in (("ref", ref_fn), ("mine", lambda p, m=mine_fn: m(storage, p))):
                        folder = a if side == "ref" else b
                        full = os.path.join(folder, name)
                        path = full if op.startswith("dump_") else Path(full)
                        try:
                            result: Any = ("returned", fn(path))
                        except Exception as exc:  # noqa: BLE001 - compared
                            result = ("raised", describe_exception(exc, folder))
                        try:
                            content: Any = Path(full).read_bytes()
                        except OSError as exc:
                            content = type(exc)
                        rows.append((side, name, op, result, content))
            return [rows, backend.writes]  # the child's backend heard the publishes

        rows, writes = run_as_nobody(child)
        ref = [r[1:] for r in rows if r[0] == "ref"]
        mine = [r[1:] for r in rows if r[0] == "mine"]
        assert mine == ref
        outcomes = {(r[0], r[1]): r[2][0] for r in ref}
        # the cases are what they claim: the in-place writes work where atomic ones failed
        assert outcomes[("rodir/writable.txt", "write_text")] == "returned"
        assert outcomes[("sticky/mine.txt", "dump_json")] == "returned"
        assert outcomes[("rodir/new.txt", "write_text")] == "raised"
        assert outcomes[("ro.txt", "write_bytes")] == "raised"
        for side in (a, b):
            assert sorted(os.listdir(os.path.join(side, "rodir"))) == ["writable.txt"]
            assert stat.S_IMODE(os.stat(os.path.join(side, "sticky")).st_mode) == 0o1777
        published = {os.path.relpath(p, b) for p, _ in writes}
        assert "rodir/writable.txt" in published and "ro.txt" not in published
    finally:
        os.chmod(os.path.join(base, "a", "rodir"), 0o755)
        os.chmod(os.path.join(base, "b", "rodir"), 0o755)
        shutil.rmtree(base)
