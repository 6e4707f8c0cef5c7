"""A runtime import from an earlier run, plus an io.open added since."""
import io

from storage_runtime import open


def read(path):
    return open(path).read()


def write(path, text):
    with open(path, "w", pin=True) as handle:
        handle.write(text)
