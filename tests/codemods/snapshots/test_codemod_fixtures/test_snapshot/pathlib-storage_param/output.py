"""A parameter named `storage` elsewhere in the module: the import is aliased."""
from pathlib import Path
from storage_runtime import storage as storage_runtime_storage


def backend(storage):
    return storage.bucket


def save(text):
    storage_runtime_storage.write_text(Path("out.txt"), text, pin=True)
