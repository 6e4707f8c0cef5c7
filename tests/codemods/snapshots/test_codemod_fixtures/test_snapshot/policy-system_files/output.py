"""The kernel's files (/proc, /sys, /dev) are per machine: kept as written (system file);
a data file next to them is migrated."""
import os
from storage_runtime import open


def cgroup_cpu_limit():
    quota_file = "/sys/fs/cgroup/cpu.max"
    if not os.path.exists(quota_file):
        return None
    with open(quota_file) as handle:
        return handle.read().split()


def total_memory_kb():
    with open("/proc/meminfo") as handle:
        return int(handle.readline().split()[1])


def save_limits(path, limits):
    with open(path, "w", pin=True) as handle:
        handle.write(repr(limits))
