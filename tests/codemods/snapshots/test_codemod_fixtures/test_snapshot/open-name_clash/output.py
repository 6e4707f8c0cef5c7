"""Runtime names that would clash with a local are avoided, not refused: io.open inside a
function whose parameter is named `io_open` goes to a fresh alias (`storage_io_open`), not
to the module's own `from storage_runtime import io_open`; builtins.open inside a function
whose parameter is named `open` becomes `storage.open(...)`."""
import builtins
import io

from storage_runtime import storage, io_open as storage_io_open, io_open


def opener(path, open=None):
    if open is None:
        return storage.open(path, "w", pin=True)
    return open(path)


def io_opener(path, io_open=None):
    if io_open is None:
        return storage_io_open(path, "w", pin=True)
    return io_open(path)


def log(path):
    return io_open(path, "a", pin=False)
