"""Package data read through importlib.resources: read-only, shipped with the code (maybe
in a zip), the same on every worker. Local ("package data") however it is read, and the
json call on its handle follows; a real file beside it is migrated as usual."""
import importlib.resources
import json
from importlib.abc import Traversable
from importlib.resources import as_file, files
from pathlib import Path
from storage_runtime import storage


def schema() -> dict:
    resource = importlib.resources.files("app.resources").joinpath("schema.json")
    with resource.open(encoding="utf-8") as f:
        return json.load(f)


def template(name: str) -> str:
    return (files(__package__) / "templates" / name).read_text(encoding="utf-8")


def license_file() -> Traversable:
    return files("app") / "LICENSE"


def license_text() -> bytes:
    return license_file().read_bytes()


def extracted(name: str, out: Path) -> None:
    # as_file gives a real file on disk; what is written from it is the program's data
    with as_file(files("app") / name) as real:
        storage.path(out, pin=True).write_bytes(storage.read_bytes(real))
