"""The `os` functions the runtime calls for its own bookkeeping, captured at import.

Builtin `open` never calls `os.fstat` or `os.stat` through the `os` module, so a program
that replaces one of them (`os.fstat = raising`, as CPython's test_fileinput does, or
`mock.patch("os.stat")` around its own code) must not see the runtime's calls: the
stand-in's check of the file it opened, its `stat` of an appended file, the publish's
read of the closed file. They go through these, which a later patch of the `os` module
does not reach. Calls made on the program's behalf (its callee, `call=`) are looked up
when they run, as the program's own code would.
"""

from __future__ import annotations

import os
from stat import S_ISDIR

fstat = os.fstat
stat = os.stat
lstat = os.lstat
unlink = os.unlink
samestat = os.path.samestat
scandir = os.scandir
mkdir = os.mkdir


def _is_dir(path: str) -> bool:
    try:
        return S_ISDIR(stat(path).st_mode)
    except (OSError, ValueError):
        return False


def makedirs(name: str, mode: int = 0o777) -> None:
    """`os.makedirs(name, mode, exist_ok=True)`, step for step, through the captured calls:
    os.makedirs asks `os.path.exists`/`isdir`, that is `os.stat` as the program left it."""
    head, tail = os.path.split(name)
    if not tail:
        head, tail = os.path.split(head)
    if head and tail and not _is_dir(head):
        try:
            makedirs(head, mode)
        except FileExistsError:
            pass  # made meanwhile by another thread or process
    try:
        mkdir(name, mode)
    except OSError:
        if not _is_dir(name):
            raise
