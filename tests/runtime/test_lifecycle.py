"""The lifecycle stand-ins (`storage_runtime.lifecycle`) are the calls they replace.

Differential: each case runs once with the builtin call and once with the stand-in, in
two identical folders, and compares the return value, the exception (type, errno,
message with the folder name normalised) and the resulting tree, byte for byte. On the
local backend and on the ipfs backend (real node). Plus: `mock.patch` of the replaced
call still takes effect, and a pinned `.tmp` replaced into place is moved in MFS, not
uploaded again.
"""

from __future__ import annotations

import inspect
import os
import pathlib
import shutil
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from _ipfs_helpers import mfs_cid, rows
from storage_runtime import Storage
from storage_runtime._cid import cid_of_bytes


class MyPath(type(pathlib.Path())):  # type: ignore[misc]
    """A Path subclass: its methods must be called on it, and return its type."""


def _tree(folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".storage-runtime"]
        rel = os.path.relpath(base, folder)
        out[rel] = sorted(dirs)
        for name in files:
            with open(os.path.join(base, name), "rb") as f:
                out[os.path.join(rel, name)] = f.read()
    return out


def _populate(folder: str) -> None:
    os.makedirs(os.path.join(folder, "d", "sub"))
    os.makedirs(os.path.join(folder, "e"))
    for rel, data in {"a.txt": b"A", "b.txt": b"B", "d/x.bin": b"X" * 10,
                      "d/sub/y.bin": b"Y", "e/z.txt": b"Z"}.items():
        with open(os.path.join(folder, rel), "wb") as f:
            f.write(data)


def _in_dir(folder: str, fn: Callable[[int], Any]) -> Any:
    """`fn(fd)` with `fd` a descriptor of `folder` (the `dir_fd` forms)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return fn(fd)
    finally:
        os.close(fd)


def _errors(fn: Callable[[Callable[..., None]], Any]) -> Any:
    """What an `onerror` callback was given (function name, exception type)."""
    seen: list[Any] = []
    fn(lambda func, path, info: seen.append((func.__name__, info[0].__name__)))
    return tuple(seen)


# Each case: (builtin call, stand-in call), both given (storage, folder) -> result.
def _p(folder: str, *parts: str) -> str:
    return os.path.join(folder, *parts)


CASES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "replace-new": (lambda s, f: os.replace(_p(f, "a.txt"), _p(f, "n.txt")),
                    lambda s, f: s.replace(_p(f, "a.txt"), _p(f, "n.txt"))),
    "replace-existing": (lambda s, f: os.replace(_p(f, "a.txt"), _p(f, "b.txt")),
                         lambda s, f: s.replace(_p(f, "a.txt"), _p(f, "b.txt"))),
    "replace-missing": (lambda s, f: os.replace(_p(f, "no"), _p(f, "b.txt")),
                        lambda s, f: s.replace(_p(f, "no"), _p(f, "b.txt"))),
    "replace-dir-onto-nonempty": (lambda s, f: os.replace(_p(f, "e"), _p(f, "d")),
                                  lambda s, f: s.replace(_p(f, "e"), _p(f, "d"))),
    "replace-bytes-kw": (lambda s, f: os.replace(src=os.fsencode(_p(f, "a.txt")),
                                                 dst=os.fsencode(_p(f, "q.txt"))),
                         lambda s, f: s.replace(src=os.fsencode(_p(f, "a.txt")),
                                                dst=os.fsencode(_p(f, "q.txt")))),
    "replace-extra-positional": (lambda s, f: os.replace(_p(f, "a.txt"), _p(f, "n"), 3),
                                 lambda s, f: s.replace(_p(f, "a.txt"), _p(f, "n"), 3)),
    "remove-unknown-keyword": (lambda s, f: os.remove(_p(f, "a.txt"), bogus=1),
                               lambda s, f: s.remove(_p(f, "a.txt"), bogus=1)),
    "copy-extra-positional": (lambda s, f: shutil.copy(_p(f, "a.txt"), _p(f, "c"), True),
                              lambda s, f: s.copy(_p(f, "a.txt"), _p(f, "c"), True)),
    "replace-between-hard-links": (
        lambda s, f: (os.link(_p(f, "a.txt"), _p(f, "h")), os.replace(_p(f, "a.txt"), _p(f, "h"))),
        lambda s, f: (os.link(_p(f, "a.txt"), _p(f, "h")), s.replace(_p(f, "a.txt"), _p(f, "h")))),
    "rename-dir": (lambda s, f: os.rename(_p(f, "d"), _p(f, "r")),
                   lambda s, f: s.rename(_p(f, "d"), _p(f, "r"))),
    "rename-file-onto-dir": (lambda s, f: os.rename(_p(f, "a.txt"), _p(f, "e")),
                             lambda s, f: s.rename(_p(f, "a.txt"), _p(f, "e"))),
    "path-replace": (lambda s, f: MyPath(f, "a.txt").replace(_p(f, "b.txt")),
                     lambda s, f: s.path_replace(MyPath(f, "a.txt"), _p(f, "b.txt"))),
    "path-rename-missing": (lambda s, f: pathlib.Path(f, "no").rename(_p(f, "b.txt")),
                            lambda s, f: s.path_rename(pathlib.Path(f, "no"), _p(f, "b.txt"))),
    "path-rename": (lambda s, f: MyPath(f, "a.txt").rename(MyPath(f, "m.txt")),
                    lambda s, f: s.path_rename(MyPath(f, "a.txt"), MyPath(f, "m.txt"))),
    "move-into-dir": (lambda s, f: shutil.move(_p(f, "a.txt"), _p(f, "e")),
                      lambda s, f: s.move(_p(f, "a.txt"), _p(f, "e"))),
    "move-dir": (lambda s, f: shutil.move(_p(f, "d"), _p(f, "moved")),
                 lambda s, f: s.move(_p(f, "d"), _p(f, "moved"))),
    "move-exists-in-dir": (lambda s, f: (shutil.copy(_p(f, "a.txt"), _p(f, "e")),
                                         shutil.move(_p(f, "a.txt"), _p(f, "e")))[1],
                           lambda s, f: (shutil.copy(_p(f, "a.txt"), _p(f, "e")),
                                         s.move(_p(f, "a.txt"), _p(f, "e")))[1]),
    "remove": (lambda s, f: os.remove(_p(f, "a.txt")), lambda s, f: s.remove(_p(f, "a.txt"))),
    "remove-missing": (lambda s, f: os.remove(_p(f, "no")), lambda s, f: s.remove(_p(f, "no"))),
    "remove-dir": (lambda s, f: os.remove(_p(f, "d")), lambda s, f: s.remove(_p(f, "d"))),
    "unlink": (lambda s, f: os.unlink(_p(f, "d", "x.bin")),
               lambda s, f: s.unlink(_p(f, "d", "x.bin"))),
    "path-unlink-missing-ok": (lambda s, f: MyPath(f, "no").unlink(missing_ok=True),
                               lambda s, f: s.path_unlink(MyPath(f, "no"), missing_ok=True)),
    "path-unlink-missing": (lambda s, f: pathlib.Path(f, "no").unlink(),
                            lambda s, f: s.path_unlink(pathlib.Path(f, "no"))),
    # Path.touch: a new empty file, an existing one left as it is, its own errors.
    "path-touch": (lambda s, f: pathlib.Path(f, "new").touch(),
                   lambda s, f: s.path_touch(pathlib.Path(f, "new"))),
    "path-touch-existing": (lambda s, f: MyPath(f, "a.txt").touch(),
                            lambda s, f: s.path_touch(MyPath(f, "a.txt"))),
    "path-touch-exist-not-ok": (lambda s, f: pathlib.Path(f, "a.txt").touch(exist_ok=False),
                                lambda s, f: s.path_touch(pathlib.Path(f, "a.txt"),
                                                          exist_ok=False)),
    "path-touch-positional": (lambda s, f: pathlib.Path(f, "m").touch(0o600, False),
                              lambda s, f: s.path_touch(pathlib.Path(f, "m"), 0o600, False)),
    "path-touch-no-folder": (lambda s, f: pathlib.Path(f, "no", "x").touch(),
                             lambda s, f: s.path_touch(pathlib.Path(f, "no", "x"))),
    "path-touch-a-folder": (lambda s, f: pathlib.Path(f, "d").touch(),
                            lambda s, f: s.path_touch(pathlib.Path(f, "d"))),
    "path-touch-on-a-str": (lambda s, f: _p(f, "a.txt").touch(),  # type: ignore[attr-defined]
                            lambda s, f: s.path_touch(_p(f, "a.txt"))),
    "path-touch-bogus": (lambda s, f: pathlib.Path(f, "n").touch(bogus=1),
                         lambda s, f: s.path_touch(pathlib.Path(f, "n"), bogus=1)),
    # the lookup-first form (`p.touch(mode=m())` with `p` maybe None)
    "path-touch-lookup-first": (lambda s, f: MyPath(f, "lf").touch(mode=0o640),
                                lambda s, f: s.path(MyPath(f, "lf"), pin=True).touch(mode=0o640)),
    "path-touch-lookup-first-none": (lambda s, f: None.touch(),  # type: ignore[attr-defined]
                                     lambda s, f: s.path(None, pin=True).touch()),
    "rmtree": (lambda s, f: shutil.rmtree(_p(f, "d")), lambda s, f: s.rmtree(_p(f, "d"))),
    "rmtree-missing": (lambda s, f: shutil.rmtree(_p(f, "no")),
                       lambda s, f: s.rmtree(_p(f, "no"))),
    "rmtree-ignore": (lambda s, f: shutil.rmtree(_p(f, "no"), ignore_errors=True),
                      lambda s, f: s.rmtree(_p(f, "no"), ignore_errors=True)),
    "rmtree-file": (lambda s, f: shutil.rmtree(_p(f, "a.txt")),
                    lambda s, f: s.rmtree(_p(f, "a.txt"))),
    "copy-into-dir": (lambda s, f: shutil.copy(_p(f, "a.txt"), _p(f, "e")),
                      lambda s, f: s.copy(_p(f, "a.txt"), _p(f, "e"))),
    "copy2": (lambda s, f: shutil.copy2(_p(f, "a.txt"), _p(f, "c.txt")),
              lambda s, f: s.copy2(_p(f, "a.txt"), _p(f, "c.txt"))),
    "copyfile-same": (lambda s, f: shutil.copyfile(_p(f, "a.txt"), _p(f, "a.txt")),
                      lambda s, f: s.copyfile(_p(f, "a.txt"), _p(f, "a.txt"))),
    "copyfile-to-dir": (lambda s, f: shutil.copyfile(_p(f, "a.txt"), _p(f, "e")),
                        lambda s, f: s.copyfile(_p(f, "a.txt"), _p(f, "e"))),
    "copytree": (lambda s, f: shutil.copytree(_p(f, "d"), _p(f, "t")),
                 lambda s, f: s.copytree(_p(f, "d"), _p(f, "t"))),
    "copytree-exists": (lambda s, f: shutil.copytree(_p(f, "d"), _p(f, "e")),
                        lambda s, f: s.copytree(_p(f, "d"), _p(f, "e"))),
    "copytree-exists-ok": (lambda s, f: shutil.copytree(_p(f, "d"), _p(f, "e"),
                                                        dirs_exist_ok=True),
                           lambda s, f: s.copytree(_p(f, "d"), _p(f, "e"),
                                                   dirs_exist_ok=True)),
    # Every parameter of the originals, and wrong calls: the original's own TypeError.
    "replace-dir-fd": (lambda s, f: _in_dir(f, lambda fd: os.replace("a.txt", "n.txt",
                                                                      src_dir_fd=fd, dst_dir_fd=fd)),
                       lambda s, f: _in_dir(f, lambda fd: s.replace("a.txt", "n.txt",
                                                                     src_dir_fd=fd, dst_dir_fd=fd))),
    "remove-dir-fd": (lambda s, f: _in_dir(f, lambda fd: os.remove("a.txt", dir_fd=fd)),
                      lambda s, f: _in_dir(f, lambda fd: s.remove("a.txt", dir_fd=fd))),
    "unlink-dir-fd-missing": (lambda s, f: _in_dir(f, lambda fd: os.unlink("no", dir_fd=fd)),
                              lambda s, f: _in_dir(f, lambda fd: s.unlink("no", dir_fd=fd))),
    "replace-missing-argument": (lambda s, f: os.replace(_p(f, "a.txt")),
                                 lambda s, f: s.replace(_p(f, "a.txt"))),
    "replace-src-twice": (lambda s, f: os.replace(_p(f, "a.txt"), src=_p(f, "b.txt")),
                          lambda s, f: s.replace(_p(f, "a.txt"), src=_p(f, "b.txt"))),
    "rename-none": (lambda s, f: os.rename(None, _p(f, "b.txt")),
                    lambda s, f: s.rename(None, _p(f, "b.txt"))),
    "path-replace-no-target": (lambda s, f: pathlib.Path(f, "a.txt").replace(),
                               lambda s, f: s.path_replace(pathlib.Path(f, "a.txt"))),
    "path-replace-keyword": (lambda s, f: pathlib.Path(f, "a.txt").replace(target=_p(f, "k")),
                             lambda s, f: s.path_replace(pathlib.Path(f, "a.txt"),
                                                         target=_p(f, "k"))),
    "path-replace-on-a-str": (lambda s, f: _p(f, "a.txt").replace("a.txt", "b.txt"),
                              lambda s, f: s.path_replace(_p(f, "a.txt"), "a.txt", "b.txt")),
    "path-rename-on-none": (lambda s, f: None.rename(_p(f, "b")),  # type: ignore[attr-defined]
                            lambda s, f: s.path_rename(None, _p(f, "b"))),
    "path-unlink-positional": (lambda s, f: pathlib.Path(f, "no").unlink(True),
                               lambda s, f: s.path_unlink(pathlib.Path(f, "no"), True)),
    "path-unlink-dir": (lambda s, f: pathlib.Path(f, "d").unlink(),
                        lambda s, f: s.path_unlink(pathlib.Path(f, "d"))),
    "move-copy-function": (lambda s, f: shutil.move(_p(f, "d"), _p(f, "m"),
                                                    copy_function=shutil.copy),
                           lambda s, f: s.move(_p(f, "d"), _p(f, "m"),
                                               copy_function=shutil.copy)),
    "move-pathlike": (lambda s, f: shutil.move(pathlib.Path(f, "a.txt"), pathlib.Path(f, "e")),
                      lambda s, f: s.move(pathlib.Path(f, "a.txt"), pathlib.Path(f, "e"))),
    "rmtree-onerror": (lambda s, f: _errors(lambda cb: shutil.rmtree(_p(f, "no"), onerror=cb)),
                       lambda s, f: _errors(lambda cb: s.rmtree(_p(f, "no"), onerror=cb))),
    "rmtree-dir-fd": (lambda s, f: _in_dir(f, lambda fd: shutil.rmtree("d", dir_fd=fd)),
                      lambda s, f: _in_dir(f, lambda fd: s.rmtree("d", dir_fd=fd))),
    "rmtree-positional-ignore": (lambda s, f: shutil.rmtree(_p(f, "no"), True),
                                 lambda s, f: s.rmtree(_p(f, "no"), True)),
    "copy-no-follow": (lambda s, f: (os.symlink("a.txt", _p(f, "ln")),
                                     shutil.copy(_p(f, "ln"), _p(f, "c"), follow_symlinks=False))[1],
                       lambda s, f: (os.symlink("a.txt", _p(f, "ln")),
                                     s.copy(_p(f, "ln"), _p(f, "c"), follow_symlinks=False))[1]),
    "link": (lambda s, f: os.link(_p(f, "a.txt"), _p(f, "hard")),
             lambda s, f: s.link(_p(f, "a.txt"), _p(f, "hard"))),
    "link-exists": (lambda s, f: os.link(_p(f, "a.txt"), _p(f, "a.txt")),
                    lambda s, f: s.link(_p(f, "a.txt"), _p(f, "a.txt"))),
    "link-missing": (lambda s, f: os.link(_p(f, "no"), _p(f, "hard")),
                     lambda s, f: s.link(_p(f, "no"), _p(f, "hard"))),
    "link-dir-fd": (lambda s, f: _in_dir(f, lambda fd: os.link("a.txt", "h", src_dir_fd=fd,
                                                               dst_dir_fd=fd)),
                    lambda s, f: _in_dir(f, lambda fd: s.link("a.txt", "h", src_dir_fd=fd,
                                                              dst_dir_fd=fd))),
    "copyfile-missing": (lambda s, f: shutil.copyfile(_p(f, "no"), _p(f, "c")),
                         lambda s, f: s.copyfile(_p(f, "no"), _p(f, "c"))),
    "copy2-bytes": (lambda s, f: shutil.copy2(os.fsencode(_p(f, "a.txt")), os.fsencode(_p(f, "e"))),
                    lambda s, f: s.copy2(os.fsencode(_p(f, "a.txt")), os.fsencode(_p(f, "e")))),
    "copytree-ignore-symlinks": (
        lambda s, f: shutil.copytree(_p(f, "d"), _p(f, "t"), True, shutil.ignore_patterns("*.bin"),
                                     shutil.copy, False, False),
        lambda s, f: s.copytree(_p(f, "d"), _p(f, "t"), True, shutil.ignore_patterns("*.bin"),
                                shutil.copy, False, False)),
    "copytree-too-many": (lambda s, f: shutil.copytree(_p(f, "d"), _p(f, "t"), 1, 2, 3, 4, 5, 6),
                          lambda s, f: s.copytree(_p(f, "d"), _p(f, "t"), 1, 2, 3, 4, 5, 6)),
}


def _outcome(fn: Callable[..., Any], storage: Any, folder: str) -> tuple[Any, ...]:
    def norm(value: Any) -> Any:
        if isinstance(value, (str, bytes, os.PathLike)):
            text = os.fsdecode(os.fspath(value))
            return (type(value).__name__, text.replace(folder, "<F>"))
        return value

    try:
        result = fn(storage, folder)
    except Exception as exc:  # noqa: BLE001 - the exception is the observable result
        text = str(exc).replace(folder, "<F>")
        return ("raised", type(exc), getattr(exc, "errno", None), text)
    return ("returned", norm(result))


def _differential(storage: Storage, base: str, name: str) -> None:
    builtin, stand_in = CASES[name]
    left, right = os.path.join(base, "builtin"), storage.settings.root
    _populate(left)
    _populate(right)
    assert _outcome(builtin, storage, left) == _outcome(stand_in, storage, right)
    assert _tree(left) == _tree(right)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stand_in_is_the_call_on_the_local_backend(tmp_path: Any, name: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    _differential(Storage(root=str(root), backend="local"), str(tmp_path), name)


@pytest.mark.ipfs
@pytest.mark.parametrize("name", sorted(CASES))
def test_stand_in_is_the_call_on_the_ipfs_backend(
    make_storage: Callable[..., Any], tmp_path: Any, name: str
) -> None:
    _differential(make_storage(), str(tmp_path), name)


def test_a_patched_call_is_what_the_stand_in_calls(tmp_path: Any) -> None:
    storage = Storage(root=str(tmp_path), backend="local")
    with (mock.patch("os.replace", side_effect=PermissionError(13, "mocked")) as patched,
          pytest.raises(PermissionError, match="mocked")):
        storage.replace("a", "b")
    patched.assert_called_once_with("a", "b")
    with mock.patch("shutil.copy2", return_value="sentinel") as patched:
        assert storage.copy2("a", "b", follow_symlinks=False) == "sentinel"
    patched.assert_called_once_with("a", "b", follow_symlinks=False)
    with mock.patch("os.remove", return_value=7) as patched:  # its return value too
        assert storage.remove("a") == 7
    with mock.patch.object(pathlib.Path, "unlink", return_value="u") as patched:
        assert storage.path_unlink(pathlib.Path("a"), missing_ok=True) == "u"
    patched.assert_called_once_with(missing_ok=True)


def test_call_is_the_function_the_source_named(tmp_path: Any) -> None:
    """`call=` (what the codemods emit) is called instead of the module attribute: a
    patch of the source module's `os` or of a `from shutil import move` name reaches it,
    a patch of `os.replace` itself does not (as for the original)."""
    storage = Storage(root=str(tmp_path), backend="local")
    fake_os = mock.MagicMock()
    storage.replace("a", "b", pin=True, call=fake_os.replace)
    fake_os.replace.assert_called_once_with("a", "b")
    real_move = shutil.move
    (tmp_path / "a").write_text("A")
    with mock.patch("shutil.move") as patched:
        result = storage.move(str(tmp_path / "a"), str(tmp_path / "b"), call=real_move)
    patched.assert_not_called()
    assert result == str(tmp_path / "b") and (tmp_path / "b").read_text() == "A"


@pytest.mark.parametrize(
    ("stand_in", "original"),
    [("replace", "os.replace"), ("rename", "os.rename"), ("link", "os.link"),
     ("remove", "os.remove"),
     ("unlink", "os.unlink"), ("move", "shutil.move"), ("rmtree", "shutil.rmtree"),
     ("copy", "shutil.copy"), ("copy2", "shutil.copy2"), ("copyfile", "shutil.copyfile"),
     ("copytree", "shutil.copytree")],
)
def test_a_signature_is_the_originals_plus_pin_and_call(stand_in: str, original: str) -> None:
    """inspect.signature of each stand-in binds exactly the argument lists the running
    Python's original binds (plus `pin`/`call`)."""
    module, _, name = original.partition(".")
    target = inspect.signature(getattr({"os": os, "shutil": shutil}[module], name))
    ours = inspect.signature(getattr(Storage, stand_in))
    keywords = [p.name for p in target.parameters.values()] + ["bogus"]
    for count in range(9):
        for keyword in [None, *keywords]:
            args, kwargs = ("x",) * count, ({keyword: 1} if keyword else {})
            assert _binds(target, args, kwargs) == _binds(ours, ("self", *args), kwargs), (
                count, keyword)
    assert "call" in ours.parameters


def _binds(signature: inspect.Signature, args: Any, kwargs: Any) -> bool:
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        return False
    return True


class _FailingBackend:
    """A backend whose every namespace hook fails: the program must not notice."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            raise ConnectionError(f"{name} failed")
        return fail


def test_a_failing_backend_changes_nothing_the_program_sees(tmp_path: Any) -> None:
    from storage_runtime.config import Settings

    root = tmp_path / "root"
    root.mkdir()
    backend = _FailingBackend()
    storage = Storage(Settings(backend="local", root=str(root)), backend_impl=backend)
    storage._local = False  # publishing as far as the stand-ins know
    _populate(str(root))
    assert storage.replace(_p(str(root), "a.txt"), _p(str(root), "n.txt")) is None
    assert storage.copy(_p(str(root), "b.txt"), _p(str(root), "c.txt")) == _p(str(root), "c.txt")
    assert storage.copytree(_p(str(root), "d"), _p(str(root), "t")) == _p(str(root), "t")
    assert storage.remove(_p(str(root), "c.txt")) is None
    assert storage.rmtree(_p(str(root), "t")) is None
    assert storage.path_unlink(pathlib.Path(root, "n.txt")) is None
    assert sorted(os.listdir(root)) == ["b.txt", "d", "e"]
    assert {"after_rename", "after_remove", "pin_of"} <= set(backend.calls)


@pytest.mark.ipfs
def test_a_patched_call_leaves_the_namespace_alone(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """A patched os.replace did nothing on disk: the source's entry must stay, and no
    destination is published (a patched builtins.open is not published either)."""
    storage = make_storage()
    root = storage.settings.root
    storage.write_text(pathlib.Path(root, "a.json"), "A", pin=True)
    with mock.patch("os.replace") as patched:
        storage.replace(os.path.join(root, "a.json"), os.path.join(root, "b.json"), pin=True)
    patched.assert_called_once()
    with mock.patch("shutil.rmtree"):
        storage.rmtree(root)
    assert mfs_cid(ipfs_client, f"{namespace}/a.json") == cid_of_bytes(b"A")
    assert mfs_cid(ipfs_client, f"{namespace}/b.json") is None
    assert rows(storage.settings.index)["a.json"]["state"] == "published"


@pytest.mark.ipfs
def test_a_pinned_tmp_replaced_into_place_is_moved_not_uploaded(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    root = storage.settings.root
    data = os.urandom(3000)
    storage.write_bytes(pathlib.Path(root, "model.json.tmp"), data, pin=True)
    client = storage.backend.client()
    with mock.patch.object(client, "add", wraps=client.add) as add:
        storage.replace(os.path.join(root, "model.json.tmp"), os.path.join(root, "model.json"))
    assert add.call_count == 0
    assert mfs_cid(ipfs_client, f"{namespace}/model.json") == cid_of_bytes(data)
    assert mfs_cid(ipfs_client, f"{namespace}/model.json.tmp") is None
    index = rows(storage.settings.index)
    assert (index["model.json"]["state"], index["model.json"]["pin"]) == ("published", 1)
    assert index["model.json"]["cid"] == cid_of_bytes(data)
    assert index["model.json.tmp"]["state"] == "gone"


@pytest.mark.ipfs
def test_a_folder_moved_and_removed_follows_in_the_namespace(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    root = storage.settings.root
    os.makedirs(os.path.join(root, "run1", "ckpt"))
    storage.write_text(pathlib.Path(root, "run1", "ckpt", "a.json"), "a", pin=True)
    storage.write_text(pathlib.Path(root, "run1", "b.json"), "b", pin=True)
    storage.move(os.path.join(root, "run1"), os.path.join(root, "best"))
    assert mfs_cid(ipfs_client, f"{namespace}/best/ckpt/a.json") == cid_of_bytes(b"a")
    assert mfs_cid(ipfs_client, f"{namespace}/best/b.json") == cid_of_bytes(b"b")
    assert mfs_cid(ipfs_client, f"{namespace}/run1/b.json") is None
    copied = storage.copytree(os.path.join(root, "best"), os.path.join(root, "copy"), pin=True)
    assert copied == os.path.join(root, "copy")
    assert mfs_cid(ipfs_client, f"{namespace}/copy/ckpt/a.json") == cid_of_bytes(b"a")
    storage.rmtree(os.path.join(root, "best"))
    assert mfs_cid(ipfs_client, f"{namespace}/best/ckpt/a.json") is None
    assert mfs_cid(ipfs_client, f"{namespace}/best/b.json") is None
    assert mfs_cid(ipfs_client, f"{namespace}/copy/b.json") == cid_of_bytes(b"b")


@pytest.mark.ipfs
def test_a_rename_that_leaves_the_source_in_place_keeps_its_entry(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    storage = make_storage()
    root = storage.settings.root
    storage.write_text(pathlib.Path(root, "a.txt"), "linked", pin=True)
    os.link(os.path.join(root, "a.txt"), os.path.join(root, "b.txt"))
    storage.replace(os.path.join(root, "a.txt"), os.path.join(root, "b.txt"))  # a no-op
    assert os.path.exists(os.path.join(root, "a.txt"))
    assert mfs_cid(ipfs_client, f"{namespace}/a.txt") == cid_of_bytes(b"linked")
    assert mfs_cid(ipfs_client, f"{namespace}/b.txt") == cid_of_bytes(b"linked")


def test_a_failing_rmtree_raises_its_own_error_in_strict_mode(tmp_path: Any) -> None:
    """rmtree raised part-way (a missing folder, a read-only one): the namespace is still
    told what is gone, but a failing namespace update, which strict mode raises after a
    call that succeeded, must not replace rmtree's own error."""
    from storage_runtime.config import Settings

    root = tmp_path / "root"
    root.mkdir()
    backend = _FailingBackend()
    storage = Storage(Settings(backend="local", root=str(root), strict=True),
                      backend_impl=backend)
    storage._local = False
    missing = _p(str(root), "missing")
    with pytest.raises(FileNotFoundError) as raised:
        storage.rmtree(missing)
    assert raised.value.filename == missing
    assert backend.calls == ["after_remove"]
    (root / "d").mkdir()
    with pytest.raises(ConnectionError):  # after a call that succeeded, strict raises
        storage.rmtree(_p(str(root), "d"))
    assert not (root / "d").exists()


@pytest.mark.ipfs
def test_a_touched_file_is_published_when_the_touch_created_it(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """kagglehub's completion marker (`Path(marker).touch()`): the empty file the touch
    creates is published, so another worker's `os.path.exists(marker)` through the
    runtime sees it; a touch of a file that was there publishes nothing new."""
    storage = make_storage()
    root = storage.settings.root
    os.makedirs(os.path.join(root, "m"))
    assert storage.path_touch(pathlib.Path(root, "m", "bundle.complete"), pin=True) is None
    assert mfs_cid(ipfs_client, f"{namespace}/m/bundle.complete") == cid_of_bytes(b"")
    assert rows(storage.settings.index)["m/bundle.complete"]["pin"] == 1
    with open(os.path.join(root, "plain.txt"), "wb") as f:  # not through the runtime
        f.write(b"P")
    storage.path(pathlib.Path(root, "plain.txt"), pin=False).touch()
    assert mfs_cid(ipfs_client, f"{namespace}/plain.txt") is None


@pytest.mark.ipfs
def test_a_touch_keeps_the_content_another_worker_published(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """A file published and missing here is restored before the touch (as `open(p,
    "a")` restores it): the touch changes its times, never its content, locally or in
    the namespace. With `exist_ok=False` it is restored too, and refused (as `open(p,
    "x")` refuses it): FileExistsError, the content kept here and in the namespace."""
    writer = make_storage("worker1")
    writer.write_bytes(pathlib.Path(writer.settings.root, "data.bin"), b"DATA", pin=True)
    writer.write_bytes(pathlib.Path(writer.settings.root, "x.bin"), b"X", pin=True)
    storage = make_storage("worker2")  # same namespace, other root, other index
    root = storage.settings.root
    storage.path_touch(pathlib.Path(root, "data.bin"))
    assert pathlib.Path(root, "data.bin").read_bytes() == b"DATA"
    assert mfs_cid(ipfs_client, f"{namespace}/data.bin") == cid_of_bytes(b"DATA")
    with pytest.raises(FileExistsError):
        storage.path_touch(pathlib.Path(root, "x.bin"), exist_ok=False)
    assert pathlib.Path(root, "x.bin").read_bytes() == b"X"
    assert mfs_cid(ipfs_client, f"{namespace}/x.bin") == cid_of_bytes(b"X")


@pytest.mark.ipfs
def test_a_removal_through_super_in_a_path_subclass_drops_the_entry(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """`class Audited(Path): def unlink(self, missing_ok=False): return
    super().unlink(missing_ok=missing_ok)`: its `super().unlink(...)` is rewritten
    `storage.path_unlink(super(), ...)`. The file is removed and its entry dropped (it
    stayed: another worker restored a file removed here), as for the Path itself."""
    storage = make_storage()
    root = storage.settings.root
    removed: list[str] = []

    class Audited(type(pathlib.Path())):  # type: ignore[misc]
        def unlink(self, missing_ok: bool = False) -> None:
            removed.append(self.name)
            return storage.path_unlink(super(), missing_ok=missing_ok)

    storage.write_text(pathlib.Path(root, "a.flag"), "A", pin=True)
    assert mfs_cid(ipfs_client, f"{namespace}/a.flag") == cid_of_bytes(b"A")
    assert storage.path_unlink(Audited(root, "a.flag"), missing_ok=True) is None
    assert storage.path_unlink(Audited(root, "a.flag"), missing_ok=True) is None
    with pytest.raises(FileNotFoundError):
        storage.path_unlink(Audited(root, "a.flag"))
    assert removed == ["a.flag"] * 3
    assert not os.path.exists(os.path.join(root, "a.flag"))
    assert mfs_cid(ipfs_client, f"{namespace}/a.flag") is None
    assert rows(storage.settings.index)["a.flag"]["state"] == "gone"


@pytest.mark.ipfs
def test_a_touch_through_a_dangling_symlink_publishes_the_file_it_created(
    make_storage: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    """`Path("link").touch()` where `link` points to a missing file creates that file,
    as `open("link", "w")` does; both publish it by its own path (links are not in the
    namespace). The touch published nothing (the link was there), so another worker
    never found a file this one created. A link to an existing file: nothing new."""
    storage = make_storage()
    root = storage.settings.root
    os.symlink("made.txt", os.path.join(root, "link"))
    assert storage.path_touch(pathlib.Path(root, "link"), pin=True) is None
    assert os.path.isfile(os.path.join(root, "made.txt"))
    assert mfs_cid(ipfs_client, f"{namespace}/made.txt") == cid_of_bytes(b"")
    assert mfs_cid(ipfs_client, f"{namespace}/link") is None
    before = rows(storage.settings.index)
    storage.path_touch(pathlib.Path(root, "link"), pin=True)  # now there: unchanged
    assert rows(storage.settings.index) == before
