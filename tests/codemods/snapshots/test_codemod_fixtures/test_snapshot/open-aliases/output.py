"""io.open, builtins.open and aliases of them all reach the builtin open; each becomes
`storage.open(..., call=<the callee as spelled>)`, so a name imported from io (`from io
import open as io_open`), which holds the C function itself, stays what is called."""
import builtins
import io
import io as i
from io import open as io_open
from storage_runtime import storage


def a(path):
    return storage.open(path, "w", pin=True, call=io.open)


def b(path):
    return storage.open(path, call=builtins.open)


def c(path):
    return storage.open(path, "ab", pin=True, call=io_open)


def d(path):
    return storage.open(path, encoding="utf-8", call=i.open).read()


def e(path):
    return (storage.open)(path, "a", pin=True, call=io.open)
