"""Receivers that are provably a pathlib.Path, and ones that are not."""
from __future__ import annotations

import json
import pathlib
from pathlib import Path, PurePath
from storage_runtime import storage

HERE = Path(__file__).parent
TEMPLATE = storage.read_text(HERE / "templates" / "base.html", encoding="utf-8")
SETTINGS = json.loads(storage.read_text(Path(__file__).parent.joinpath("settings.json")))


def home_config():
    return storage.read_text(Path.home() / ".toolrc")


def cwd_marker():
    storage.write_text(Path.cwd().joinpath(".marker"), "", encoding="utf-8", pin=True)


def save_model(out_dir: Path, blob: bytes) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    storage.write_bytes(out_dir / "model.bin", blob, pin=True)


def save_json(path: pathlib.Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    storage.path(path, pin=True).write_text(json.dumps(obj, indent=2))


def read_local():
    target = Path("data") / "input.csv"
    return storage.read_bytes(target)


def stream(destination: Path):
    with storage.path_open(destination, "rb") as handle:
        while chunk := handle.read(8192):
            yield chunk


def append(destination: Path, line):
    with storage.path_open(destination, mode="a", encoding="utf-8", pin=True) as handle:
        handle.write(line)


def resolved(name):
    return storage.read_text(Path(name).expanduser().resolve())


class Store:
    def __init__(self, path):
        self._path = path

    def load(self):
        return storage.read_text(self._path)

    def save(self, text):
        storage.write_text(self._path, text, pin=True)


def untyped(path):
    return storage.read_bytes(path)


def rebound(flag):
    p = Path("a.txt")
    if flag:
        p = "b.txt"
    return storage.read_text(p)


def pure(name):
    return PurePath(name).with_suffix(".txt")


def optional(path: Path | None):
    return storage.read_text(path)
