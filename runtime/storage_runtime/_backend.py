"""The Backend protocol: the seam between `Storage` (local file semantics) and publishing.

`Storage` does all local I/O itself, exactly as builtin `open` would; a backend is told
only two things: a file under the root was closed after writing (publish it), and a file
under the root is about to be read (restore it first if the shared namespace has it).

Optional methods, looked up with `getattr` (a backend without them is simply not told):
`begin_write(path, pin) -> release | None` before a writable open opens the file (the
release is called once it is closed, before `after_write`; `release(False)` when the handle
changed nothing, so no `after_write` follows; `release(failed=True)` when the open or the
write raised), `after_rename(src, dst, *, pin)`,
`after_remove(path, *, tree=False)` and `pin_of(path)` for the lifecycle stand-ins
(`lifecycle.py`), and `published_as_is(path, pin) -> bool` for the publish of a folder
after a third-party writer (`_after_call.publish`: a file it did not rewrite is not read
and sent again). The ipfs backend implements them (`_ipfs.py`, `_relocate.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("storage_runtime")


class Backend(Protocol):
    name: str

    def after_write(self, path: str, *, pin: bool) -> None:
        """`path` (absolute, under the root, a regular file) was closed after writing.

        Must never raise for daemon trouble (record the publish as pending instead),
        unless strict mode is on.
        """

    def before_read(self, path: str) -> None:
        """`path` (absolute, under the root) is about to be opened for reading.

        If it is missing locally, this machine never wrote it, and the shared namespace
        knows it, restore it from its CID (verified, atomically). Otherwise do nothing.
        """

    def close(self) -> None:
        """Release connections; called at interpreter exit."""


class LocalBackend:
    """The embedded default: the local file and nothing else."""

    name = "local"

    def after_write(self, path: str, *, pin: bool) -> None:
        return None

    def before_read(self, path: str) -> None:
        return None

    def close(self) -> None:
        return None


def begin_write(backend: Any, path: str, pin: bool | None = None) -> Callable[..., None] | None:
    """Tell `backend` that `path` is about to be written (its optional `begin_write`), with
    the pin its close would publish it with when the caller knows it; the release to call
    once the writing is over (`failed=True` when it raised), or None. The program's write
    never fails because of the backend: a failure here is logged and the write goes on
    unmarked."""
    begin = getattr(backend, "begin_write", None)
    if begin is None:
        return None
    try:
        return begin(path, pin)  # type: ignore[no-any-return]
    except Exception:
        log.debug("storage_runtime: begin_write(%s) failed", path, exc_info=True)
        return None
