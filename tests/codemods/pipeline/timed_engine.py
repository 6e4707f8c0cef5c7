"""A stand-in engine for the scheduling test: it takes time in proportion to the file's
size (sleeping, so a busy machine does not change the order) and logs, per call, which
process ran which file and when, in the folder named by SCHEDULE_LOG."""

from __future__ import annotations

import os
import time

from migrate_storage.codemods.model import FileResult, FileStatus
from migrate_storage.codemods.policy import FilePolicy

SECONDS_PER_BYTE = 2.0 / 200_000


def transform_source(source: bytes, path: str, policy: FilePolicy, *, rewrite: bool = True) -> FileResult:
    start = time.monotonic()
    time.sleep(len(source) * SECONDS_PER_BYTE)
    with open(os.path.join(os.environ["SCHEDULE_LOG"], f"{os.getpid()}.log"), "a") as log:
        log.write(f"{os.path.basename(path)} {start} {time.monotonic()}\n")
    return FileResult(path, FileStatus.UNCHANGED, source=source)
