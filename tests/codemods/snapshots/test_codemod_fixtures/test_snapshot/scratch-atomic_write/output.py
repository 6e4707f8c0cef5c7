"""The atomic-write idiom as real code writes it: only the replace target holds data.

Every temp file below is provably scratch (LOCAL, "temporary file"), and so is the
directory handle opened to fsync the folder after the replace ("directory handle").
"""
import json
import os
import tempfile
from pathlib import Path
from storage_runtime import storage


def write_json_atomic(path: Path, obj: object) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        storage.replace(tmp, path, pin=True, call=os.replace)
    except BaseException:
        os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_text_atomic(path: str, text: str) -> None:
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=os.path.dirname(path), delete=False
    ) as tmp:
        tmp.write(text)
        tmp_path = tmp.name
    storage.replace(tmp_path, path, pin=True, call=os.replace)


def fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)


def scratch_space(run) -> None:
    with tempfile.TemporaryDirectory(prefix="work-") as work:
        run(work)
    with tempfile.TemporaryFile() as spill:
        spill.write(b"x")
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as buffer:
        buffer.write(b"y")
    with tempfile.NamedTemporaryFile("w", suffix=".cfg") as config:
        config.write("[x]\n")
        run(config.name)
    workdir = tempfile.mkdtemp(prefix="build-")
    try:
        run(workdir)
    finally:
        storage.rmtree(workdir, ignore_errors=True, call=shutil.rmtree)


import shutil  # noqa: E402 - late on purpose: resolution is by scope, not by order
