"""A literal path under /proc, /sys or /dev (also through a name bound to it once) is the
kernel's, per machine: LOCAL "system file", not counted; other paths stay sites."""

from __future__ import annotations

import textwrap

from migrate_storage.codemods.model import Reason, Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

CODE = textwrap.dedent(
    """\
    import os
    from pathlib import Path


    def cpu_quota():
        cpu_max_fname = "/sys/fs/cgroup/cpu.max"
        if os.path.exists(cpu_max_fname):
            with open(cpu_max_fname) as fh:
                return fh.read()


    def status():
        return Path("/proc/self/status").read_text()


    def quiet():
        return open("/dev/null", "w")


    def data(p):
        return open(p).read()


    def not_system():
        return open("/system/config.json").read()


    def rebound():
        name = "/proc/meminfo"
        name = choose()
        return open(name).read()
    """
)


def test_kernel_files_are_local_and_the_rest_are_sites() -> None:
    result = transform_source(
        CODE.encode(), "m.py", FilePolicy(runtime_module="storage_runtime")
    )
    by_line = {s.line: (s.status, s.reason) for s in result.sites}
    system = (Status.LOCAL, Reason.SYSTEM_FILE)
    assert by_line[8] == system and by_line[13] == system and by_line[17] == system
    assert by_line[21] == (Status.PENDING, None)
    assert by_line[25] == (Status.PENDING, None)
    assert by_line[31] == (Status.PENDING, None)
    assert (
        'Path("/proc/self/status").read_text()' in (result.new_source or b"").decode()
    )


NULL = textwrap.dedent(
    """\
    import os
    import pathlib
    from pathlib import Path
    from os import devnull


    def sinks(other):
        a = Path(os.devnull).open("wb")
        b = open(Path(os.devnull), "wb")
        c = pathlib.Path(devnull).open("w")
        sink = Path(os.devnull)
        d = sink.open("wb")
        e = Path(os.devnull, "x").open("w")
        f = Path(other).open("w")
        g = Path(os.devnull).parent.open("w")
        return a, b, c, d, e, f, g


    def rebound(flag):
        sink = Path(os.devnull)
        if flag:
            sink = Path("out.bin")
        return sink.open("wb")
    """
)


def test_the_null_device_spelled_with_pathlib_is_a_system_file() -> None:
    """`Path(os.devnull)` (one argument, also through a name bound once to it) is the null
    device like `os.devnull`; `Path(os.devnull, "x")` (a path under it), a parent of it,
    another Path and a name that may hold another file stay sites."""
    result = transform_source(
        NULL.encode(), "m.py", FilePolicy(runtime_module="storage_runtime")
    )
    by_line = {s.line: (s.status, s.reason) for s in result.sites}
    system = (Status.LOCAL, Reason.SYSTEM_FILE)
    assert [by_line[n] for n in (8, 9, 10, 12)] == [system] * 4
    assert all(by_line[n][0] is Status.PENDING for n in (13, 14, 15, 23)), by_line
    new = (result.new_source or b"").decode()
    assert (
        'Path(os.devnull).open("wb")' in new and 'open(Path(os.devnull), "wb")' in new
    )


FALLBACK = textwrap.dedent(
    """\
    import os


    def detach(log_file):
        devnull = "/dev/null"
        if hasattr(os, "devnull"):
            devnull = os.devnull
        null_fd = os.open(devnull, os.O_RDWR)
        sink = "/dev/null"
        if log_file:
            sink = log_file
        out_fd = os.open(sink, os.O_RDWR)
        return null_fd, out_fd
    """
)


def test_a_name_bound_only_to_the_null_device_is_a_system_file() -> None:
    """zenml 0.98.0 `daemonize`: `devnull = "/dev/null"`, then `os.devnull` where the
    platform has it; every binding is the null device. A name that one branch binds to
    another file (`sink = log_file`) stays a site."""
    result = transform_source(
        FALLBACK.encode(), "m.py", FilePolicy(runtime_module="storage_runtime")
    )
    by_line = {s.line: (s.status, s.reason) for s in result.sites}
    assert by_line[8] == (Status.LOCAL, Reason.SYSTEM_FILE)
    assert by_line[12] == (Status.UNMIGRATED, Reason.UNSUPPORTED_FAMILY)
