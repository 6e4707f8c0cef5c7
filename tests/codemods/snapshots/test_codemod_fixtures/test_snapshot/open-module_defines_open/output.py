"""A module with its own `open`: the runtime's is imported under another name."""
import io
from storage_runtime import io_open


def open(name, mode="r"):
    """Open a resource by name (the module's own API)."""
    return io_open(resolve(name), mode, pin=True)


def resolve(name):
    return "/srv/data/" + name


def save(name, text):
    with open(name, "w") as handle:
        handle.write(text)
    with io_open(resolve(name) + ".bak", "w", pin=True) as backup:
        backup.write(text)
