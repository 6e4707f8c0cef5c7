"""Under a `local` rule: secrets never leave the machine. Nothing is rewritten."""
from pathlib import Path


def read_key(path):
    with open(path, "rb") as handle:
        return handle.read()


def write_key(path: Path, key: bytes):
    path.write_bytes(key)
