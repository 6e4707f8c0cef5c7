"""A runtime import from an earlier run, plus an io.open added since."""
import io

from storage_runtime import io_open, open


def read(path):
    return open(path).read()


def write(path, text):
    with io_open(path, "w", pin=True) as handle:
        handle.write(text)
