"""io.open, builtins.open and aliases of them all reach the builtin open."""
import builtins
import io
import io as i
from io import open as io_open
from storage_runtime import open


def a(path):
    return open(path, "w", pin=True)


def b(path):
    return open(path)


def c(path):
    return open(path, "ab", pin=True)


def d(path):
    return open(path, encoding="utf-8").read()


def e(path):
    return (open)(path, "a", pin=True)
