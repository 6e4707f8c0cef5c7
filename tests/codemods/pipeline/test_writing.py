"""writing.replace_file: atomic in-place replacement that keeps everything but the bytes."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from migrate_storage.codemods.pipeline import writing
from migrate_storage.codemods.pipeline.writing import (
    WriteRefused,
    remove_stale_temp_files,
    replace_file,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make(path: Path, data: bytes, mode: int) -> Path:
    path.write_bytes(data)
    os.chmod(path, mode)
    return path.resolve()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("mode", [0o755, 0o644, 0o664, 0o4755, 0o640])
def test_permission_bits_are_kept_and_mkstemp_0600_does_not_leak(tmp_path: Path, mode: int) -> None:
    path = make(tmp_path / "script.py", b"old\n", mode)
    st = replace_file(path, b"new\n", expected_sha256=sha(b"old\n"), roots=[tmp_path.resolve()])
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == mode == stat.S_IMODE(st.st_mode)
    assert leftovers(tmp_path) == []


def test_an_executable_script_stays_runnable(tmp_path: Path) -> None:
    path = make(tmp_path / "tool.py", b"#!%s\nprint('old')\n" % sys.executable.encode(), 0o755)
    replace_file(path, b"#!%s\nprint('new')\n" % sys.executable.encode(), expected_sha256=None, roots=[tmp_path.resolve()])
    assert subprocess.run([str(path)], capture_output=True, text=True, check=True).stdout == "new\n"


def test_bytes_are_written_verbatim(tmp_path: Path) -> None:
    """BOM, CRLF and a Latin-1 byte survive: the writer never decodes."""
    data = b"\xef\xbb\xbf# -*- coding: latin-1 -*-\r\nx = '\xe9'\r\n"
    path = make(tmp_path / "a.py", b"x\n", 0o644)
    replace_file(path, data, expected_sha256=None, roots=[tmp_path.resolve()])
    assert path.read_bytes() == data


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = make(tmp_path / "a.py", b"old\n", 0o644)
    os.chown(path, 1234, 4321)
    replace_file(path, b"new\n", expected_sha256=None, roots=[tmp_path.resolve()])
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (1234, 4321)


def test_read_only_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = make(tmp_path / "ro.py", b"old\n", 0o444)
    with pytest.raises(WriteRefused, match=r"^read-only file \(mode 0444\); skipped$"):
        replace_file(path, b"new\n", expected_sha256=None, roots=[tmp_path.resolve()])
    assert path.read_bytes() == b"old\n"


def test_file_changed_since_it_was_read_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path / "a.py", b"edited meanwhile\n", 0o644)
    with pytest.raises(WriteRefused, match="changed on disk during the run"):
        replace_file(path, b"new\n", expected_sha256=sha(b"old\n"), roots=[tmp_path.resolve()])
    assert path.read_bytes() == b"edited meanwhile\n"


def test_nothing_is_written_outside_the_roots_or_through_a_symlink(tmp_path: Path) -> None:
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir(), outside.mkdir()
    target = make(outside / "o.py", b"old\n", 0o644)
    with pytest.raises(WriteRefused, match="outside the paths given"):
        replace_file(target, b"new\n", expected_sha256=None, roots=[inside.resolve()])
    link = inside / "link.py"
    link.symlink_to(target)
    with pytest.raises(WriteRefused, match="is a symlink"):
        replace_file(inside.resolve() / "link.py", b"new\n", expected_sha256=None, roots=[inside.resolve()])
    assert target.read_bytes() == b"old\n" and link.is_symlink()


def test_interrupt_before_the_rename_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C at the worst moment (fault injected at os.replace): old bytes, no temp file."""
    path = make(tmp_path / "a.py", b"old\n", 0o644)

    def interrupted(src: str, dst: object) -> None:
        assert Path(src).exists()  # the temp file was there, complete
        raise KeyboardInterrupt

    monkeypatch.setattr(writing.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        replace_file(path, b"new\n", expected_sha256=None, roots=[tmp_path.resolve()])
    assert path.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []


def test_ctrl_c_during_a_write_is_held_until_the_file_is_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real SIGINT sent mid-write: the write finishes, then KeyboardInterrupt is raised."""
    path = make(tmp_path / "a.py", b"old\n", 0o644)
    real_replace = os.replace

    def signalled(src: str, dst: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(writing.os, "replace", signalled)
    with pytest.raises(KeyboardInterrupt):
        replace_file(path, b"new\n", expected_sha256=None, roots=[tmp_path.resolve()])
    assert path.read_bytes() == b"new\n"
    assert leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_unwritable_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = make(folder / "a.py", b"old\n", 0o644)
    folder.chmod(0o555)
    try:
        with pytest.raises(WriteRefused, match="cannot write: Permission denied; left unchanged"):
            replace_file(path, b"new\n", expected_sha256=None, roots=[tmp_path.resolve()])
    finally:
        folder.chmod(0o755)


def test_stale_temp_files_of_dead_processes_only_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".a.py.{dead.pid}.k2j3h4g5.migrate-storage.tmp"
    live = tmp_path / f".a.py.{os.getpid()}.abcdefgh.migrate-storage.tmp"
    stale.write_bytes(b"partial")
    live.write_bytes(b"in progress")
    assert remove_stale_temp_files([stale, live]) == [stale]
    assert not stale.exists() and live.exists()


def test_a_file_with_a_very_long_name_can_be_replaced(tmp_path: Path) -> None:
    path = make(tmp_path / ("m" * 250 + ".py"), b"old\n", 0o644)
    replace_file(path, b"new\n", expected_sha256=None, roots=[tmp_path.resolve()])
    assert path.read_bytes() == b"new\n" and leftovers(tmp_path) == []
