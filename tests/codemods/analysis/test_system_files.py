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
    result = transform_source(CODE.encode(), "m.py", FilePolicy(runtime_module="storage_runtime"))
    by_line = {s.line: (s.status, s.reason) for s in result.sites}
    system = (Status.LOCAL, Reason.SYSTEM_FILE)
    assert by_line[8] == system and by_line[13] == system and by_line[17] == system
    assert by_line[21] == (Status.PENDING, None)
    assert by_line[25] == (Status.PENDING, None)
    assert by_line[31] == (Status.PENDING, None)
    assert "Path(\"/proc/self/status\").read_text()" in (result.new_source or b"").decode()
