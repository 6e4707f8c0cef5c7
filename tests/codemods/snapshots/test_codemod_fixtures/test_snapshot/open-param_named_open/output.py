"""io.open inside a function whose parameter is named `open`: renaming would clash."""
import io
from storage_runtime import open


def opener(path, open=None):
    if open is None:
        return io.open(path, "w")
    return open(path)


def plain(path):
    return open(path)
