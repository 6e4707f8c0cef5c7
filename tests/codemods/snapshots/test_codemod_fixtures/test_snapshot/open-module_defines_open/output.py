"""A module with its own `open`: its io.open calls become `storage.open(..., call=io.open)`,
which leaves the module's `open` alone."""
import io
from storage_runtime import storage


def open(name, mode="r"):
    """Open a resource by name (the module's own API)."""
    return storage.open(resolve(name), mode, pin=True, call=io.open)


def resolve(name):
    return "/srv/data/" + name


def save(name, text):
    with open(name, "w") as handle:
        handle.write(text)
    with storage.open(resolve(name) + ".bak", "w", pin=True, call=io.open) as backup:
        backup.write(text)
