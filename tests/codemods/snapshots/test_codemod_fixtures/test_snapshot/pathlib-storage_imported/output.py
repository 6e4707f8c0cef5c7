"""The runtime's storage is already imported (earlier run): it is reused, not re-added."""
from pathlib import Path

from storage_runtime import storage


def save(name, text):
    storage.write_text(Path(name), text, pin=True)


def load(name):
    return storage.read_text(Path(name))
