"""json under aliases, and simplejson (a look-alike: resolved, never collapsed)."""
import json as j
from json import dump, load
from storage_runtime import open, storage

try:
    import simplejson as sj
except ImportError:  # pragma: no cover
    sj = None


def a(obj, path):
    storage.dump_json(obj, path, "w", pin=True, call=j.dump)


def b(obj, path):
    storage.dump_json(obj, path, "w", pin=True, call=dump)
    return load(open(path))


def c(obj, path):
    with open(path, "w", pin=True) as f:
        sj.dump(obj, f, use_decimal=True)
