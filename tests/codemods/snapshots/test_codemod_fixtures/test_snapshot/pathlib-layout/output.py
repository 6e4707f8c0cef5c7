"""Layout of the rewritten calls: multi-line arguments, comments, parentheses."""
from pathlib import Path
from storage_runtime import storage

OUT = Path("build")


def write_all(text, data):
    storage.write_text(
        OUT / "a.txt",
        text,
        encoding="utf-8",
        pin=True,
    )
    storage.write_bytes(OUT / "b.bin", data, pin=True)  # binary copy
    storage.write_text(OUT / "c.txt", text,
                               encoding="utf-8", pin=True)
    return storage.read_text(
        OUT / "a.txt"
    )
