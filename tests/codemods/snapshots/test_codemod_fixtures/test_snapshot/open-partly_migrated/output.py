"""A runtime import from an earlier run, plus an io.open added since."""
import io

from storage_runtime import storage, open


def read(path):
    return open(path).read()


def write(path, text):
    with storage.open(path, "w", pin=True, call=io.open) as handle:
        handle.write(text)
