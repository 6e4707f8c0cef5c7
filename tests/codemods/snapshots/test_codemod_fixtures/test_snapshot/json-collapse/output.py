"""with-blocks around exactly one json call collapse into storage helpers."""
import json
from pathlib import Path
from storage_runtime import open, storage


def save(obj, path):
    storage.dump_json(obj, path, "w", pin=True, encoding="utf-8", indent=2, sort_keys=True, call=json.dump)


def load(path):
    data = storage.load_json(path, call=json.load)
    return data


def load_return(path):
    return storage.load_json(path, encoding="utf-8", call=json.load)


def load_annotated(path) -> dict:
    config: dict = storage.load_json(path, "r", call=json.load)
    return config


def one_liners(obj, path):
    """Not collapsed: the open is migrated, the call stays on its (leaked) handle."""
    json.dump(obj, open(path, "w", pin=True))
    return json.load(open(path))


def in_loop(paths, obj):
    for path in paths:
        storage.dump_json(obj, path, "w", pin=True, call=json.dump)
        obj = storage.load_json(path, call=json.load)
    return obj


def f_string_path(run, obj):
    with open(f"runs/{run}/metrics.json", "w", pin=True) as f:  # metrics of one run
        json.dump(obj, f)


def keyword_args(obj, path, opts):
    with open(path, "w", pin=True) as f:
        json.dump(obj, f, **opts)


def suite(path):
    data = storage.load_json(path, call=json.load)
    return data


def from_path(base: Path):
    with storage.path_open(base / "index.json") as f:
        return json.load(f)
