"""io.open inside a function whose parameter is named `open`: it becomes the runtime's
`io_open`, a name the parameter does not shadow."""
import io
from storage_runtime import io_open


def opener(path, open=None):
    if open is None:
        return io_open(path, "w", pin=True)
    return open(path)


def plain(path):
    return io_open(path)
