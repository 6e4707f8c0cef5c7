"""The publishers' reader slots after a fork: the parent's publishing threads do not exist
in the child, so the child starts with every slot free (it would otherwise wait forever
for threads that are not there)."""

from __future__ import annotations

import os

import pytest
from storage_runtime import _writers


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_has_every_reader_slot() -> None:
    taken = 0
    try:
        while _writers._reader_slots.acquire(blocking=False):  # the parent's publishers
            taken += 1
        assert taken == _writers.READERS
        pid = os.fork()
        if pid == 0:  # the child: every slot free, none more
            got = 0
            while got <= _writers.READERS and _writers._reader_slots.acquire(blocking=False):
                got += 1
            os._exit(0 if got == _writers.READERS else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        for _ in range(taken):
            _writers._reader_slots.release()
