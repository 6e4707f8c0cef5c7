"""codecs.open, as code written for Python 2 and 3 alike still spells it."""
import codecs
import json
import os
from codecs import open as copen
from storage_runtime import storage


def read_readme(here):
    with storage.codecs_open(os.path.join(here, "README.rst"), encoding="utf-8", call=codecs.open) as f:
        return f.read()


def save_grammar(path, text, mode="w"):
    f = storage.codecs_open(path, mode, "utf-8", "strict", pin=True, call=codecs.open)
    try:
        f.write(text)
    finally:
        f.close()


def load_settings(path):
    with storage.codecs_open(path, "r", encoding="utf-8-sig", call=copen) as handle:
        return json.load(handle)


def dump_settings(path, settings):
    with storage.codecs_open(path, "w", encoding="utf-8", pin=True, call=codecs.open) as handle:
        json.dump(settings, handle, indent=2, ensure_ascii=False)


def passthrough(*args, **kwargs):
    return codecs.open(*args, **kwargs)
