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

The two restore errors are the backend's (`IpfsBackend.before_read`, reported by `pull`);
a program never sees them, strict mode or not: its read of the missing file fails with the
builtin's own `FileNotFoundError` (same type, errno, message and filename as the caller gave
it), exactly as before migration, and the reason is logged on the `storage_runtime` logger.
Their `filename` is the absolute path the runtime would have restored.
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
