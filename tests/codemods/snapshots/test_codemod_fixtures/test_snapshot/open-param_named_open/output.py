"""io.open inside a function whose parameter is named `open`: it becomes
`storage.open(..., call=io.open)`, names the parameter does not shadow."""
import io
from storage_runtime import storage


def opener(path, open=None):
    if open is None:
        return storage.open(path, "w", pin=True, call=io.open)
    return open(path)


def plain(path):
    return storage.open(path, call=io.open)
