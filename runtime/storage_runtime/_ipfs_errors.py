"""Exceptions of the IPFS backend. All are `OSError`s, so code that handles file errors
around `open`/`close` handles them too.

- `PublishError`: a publish could not be confirmed (daemon down, slow, erroring, or it
  stored other bytes than the runtime sent). Raised only in strict mode; otherwise the
  file stays pending in the index and `python -m storage_runtime sync` publishes it.
- `RestoreError` (a `FileNotFoundError`: the file is missing locally and stays missing):
  a restore was attempted and failed (fetch error, content not matching its CID).
- `RestoreRefused` (a `RestoreError`): the namespace entry would land outside the root
  (`..`, absolute, a symlink in the way pointing out), is not a regular file, or is not
  pinned while restores are limited to pinned entries. Never written, always logged.
"""

from __future__ import annotations

import errno

__all__ = ["PublishError", "RestoreError", "RestoreRefused"]


class PublishError(OSError):
    """Publishing a closed file was not confirmed by the node."""


class RestoreError(FileNotFoundError):
    """A missing file could not be restored from the shared namespace."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(errno.ENOENT, f"not restored: {reason}", path)
        self.reason = reason


class RestoreRefused(RestoreError):
    """A namespace entry was refused for safety; nothing was written."""
