"""Files made owner-only are never published: kept as written (private file); a file the
same code shares with a group-readable mode is migrated."""
import json
import os
from pathlib import Path
from storage_runtime import storage


def save_signing_key(key_file: str, key: bytes) -> None:
    with Path(key_file).open("wb") as handle:
        handle.write(key)
    Path(key_file).chmod(0o600)


def save_credentials(path: str, credentials: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(credentials, handle)


def save_report(report_path: Path, text: str) -> None:
    storage.write_text(report_path, text, pin=True)
    os.chmod(report_path, 0o644)
