"""io.open, builtins.open and aliases of them all reach the builtin open; a name imported
from io (`from io import open as io_open`) holds the C function itself: left alone."""
import builtins
import io
import io as i
from io import open as io_open
from storage_runtime import io_open as storage_io_open, storage


def a(path):
    return storage_io_open(path, "w", pin=True)


def b(path):
    return storage.open(path)


def c(path):
    return io_open(path, "ab")


def d(path):
    return storage_io_open(path, encoding="utf-8").read()


def e(path):
    return (storage_io_open)(path, "a", pin=True)
