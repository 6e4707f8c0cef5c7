"""`from storage_runtime import storage` exists: `open` joins that import."""
from pathlib import Path

from storage_runtime import open, storage


def save(path, text):
    with open(path, "w", pin=True) as handle:
        handle.write(text)
    return storage.read_text(Path(path))
