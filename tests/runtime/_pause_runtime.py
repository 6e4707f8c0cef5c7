"""Run a program with the runtime paused at one point of its publish (run as a script).

    python _pause_runtime.py POINT PROGRAM [ARGS...]

POINT is where the runtime stops, prints `ready <POINT>` (flushed) and waits for a line
on stdin (or for the SIGKILL the test sends): `place` after the node accepted the bytes,
before the namespace entry is replaced (the index row pending); `taken` inside that
replacement, after the old entry was moved out of the namespace, before the new one is
copied in; `taken-exit`: at that same point, in whichever thread gets there (the
background drain publishing an earlier pending row), the replace goes on after a moment
(a slow node), while the program, once done, exits as soon as the point is reached (no
stop, no line printed); `renamed` inside a migrated `os.replace`, after the OS renamed
the file, before the namespace hears of it. Then PROGRAM runs as `__main__` with ARGS as its argv.
"""

from __future__ import annotations

import runpy
import sys
import threading
import time
from typing import Any

from storage_runtime import _namespace, lifecycle

POINT = sys.argv[1]
_reached = threading.Event()


def _pause() -> None:
    print(f"ready {POINT}", flush=True)
    sys.stdin.readline()


_place, _take = _namespace.place, _namespace._take


def place(*args: Any, **kwargs: Any) -> Any:
    if POINT == "place":
        _pause()
    return _place(*args, **kwargs)


def take(*args: Any, **kwargs: Any) -> Any:
    taken = _take(*args, **kwargs)
    if POINT == "taken":
        _pause()
    elif POINT == "taken-exit":
        _reached.set()
        time.sleep(1.0)  # the new entry's copy, on a slow node
    return taken


def renamed(*args: Any, **kwargs: Any) -> Any:
    if POINT == "renamed":
        _pause()
    return _renamed(*args, **kwargs)


_renamed = lifecycle._renamed
_namespace.place, _namespace._take, lifecycle._renamed = place, take, renamed
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
if POINT == "taken-exit":
    _reached.wait(30)  # the program is done; it exits while the replace is under way
