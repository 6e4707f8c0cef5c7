"""Runtime names that would clash with a local are avoided, not refused: builtins.open
inside a function whose parameter is named `open`, and io.open inside one whose parameter
is named `io_open` (the module's own `from storage_runtime import io_open`, from an
earlier run, stays), become `storage.open(..., call=...)`."""
import builtins
import io

from storage_runtime import storage, io_open


def opener(path, open=None):
    if open is None:
        return storage.open(path, "w", pin=True, call=builtins.open)
    return open(path)


def io_opener(path, io_open=None):
    if io_open is None:
        return storage.open(path, "w", pin=True, call=io.open)
    return io_open(path)


def log(path):
    return io_open(path, "a", pin=False)
