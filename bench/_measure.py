"""Run a child process and measure it: wall time and peak memory of its whole process tree.

Shared by the benchmark scripts under bench/. Peak memory is measured by polling the
child's process tree with psutil (the sum of the tree's resident memory, and the largest
single process in it, i.e. the peak per worker), because `getrusage(RUSAGE_CHILDREN)`
reports only the largest process ever waited for by this interpreter and cannot tell
one measured command from the previous one.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

try:  # psutil is in requirements-ci.txt; without it we fall back to getrusage.
    import psutil
except ImportError:  # pragma: no cover - exercised only on a bare interpreter
    psutil = None  # type: ignore[assignment]

_POLL_SECONDS = 0.05
MIB = 1024 * 1024
BENCH = Path(__file__).resolve().parent
#: The baseline of the codemod benchmarks: LibCST's own runner with a codemod that does
#: nothing (bench/_noop_codemod.py).
NOOP_COMMAND = "_noop_codemod.NoOpCommand"


def libcst_runner(
    command: str, target: str, jobs: int, env: Mapping[str, str], *extra: str
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of `python -m libcst.tool codemod` running `command` over
    `target` with `jobs` workers (bench/ on PYTHONPATH, so the no-op command is found). The
    command comes first: libcst.tool's first-pass parser does not know -j's value."""
    argv = [
        sys.executable, "-m", "libcst.tool", "codemod", "-x", command,
        "-j", str(jobs), "--no-format", *extra, "--hide-progress", target,
    ]
    path = os.pathsep.join(filter(None, [str(BENCH), env.get("PYTHONPATH", "")]))
    return argv, {**env, "PYTHONPATH": path}


@dataclass(frozen=True, slots=True)
class Measured:
    """What one measured command did: exit code, output, wall time, peak memory (bytes)."""

    argv: tuple[str, ...]
    returncode: int
    seconds: float
    stdout: str
    stderr: str
    peak_tree_rss: int  # max over time of the sum of RSS over the process tree
    peak_process_rss: int  # max over time of the largest single process (a worker)
    # user+sys CPU seconds of the whole tree (every descendant that was waited for): unlike
    # wall time, barely affected by other load on the machine.
    cpu_seconds: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _tree_rss(root: psutil.Process) -> tuple[int, int]:
    """(sum, max) of resident memory over `root` and its descendants; gone ones count 0."""
    total = largest = 0
    try:
        procs = [root, *root.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0, 0
    for proc in procs:
        try:
            rss = proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        total += rss
        largest = max(largest, rss)
    return total, largest


def run_measured(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    stdout_path: Path | None = None,
) -> Measured:
    """Run `argv` to completion, polling its process tree's memory until it exits.

    Output is captured (into `stdout_path` when given, so a large diff does not sit in
    memory twice). Never raises for a failing command; a timeout kills the whole tree and
    sets `timed_out`.
    """
    args = tuple(os.fspath(a) for a in argv)
    out_file = open(stdout_path, "wb") if stdout_path else None  # noqa: SIM115
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=out_file if out_file else subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    peak_tree = peak_one = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak_tree, peak_one
        if psutil is None:
            return
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            total, largest = _tree_rss(root)
            peak_tree = max(peak_tree, total)
            peak_one = max(peak_one, largest)
            stop.wait(_POLL_SECONDS)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_tree(proc)
        out, err = proc.communicate()
    finally:
        stop.set()
        poller.join()
        if out_file:
            out_file.close()
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    if psutil is None:  # coarse fallback: largest child ever waited for
        peak_one = peak_tree = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return Measured(
        argv=args,
        returncode=proc.returncode if not timed_out else -9,
        seconds=seconds,
        stdout=(out or b"").decode("utf-8", "replace"),
        stderr=(err or b"").decode("utf-8", "replace"),
        peak_tree_rss=peak_tree,
        peak_process_rss=peak_one,
        cpu_seconds=cpu,
        timed_out=timed_out,
    )


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole session (it was started in its own, so only its tree)."""
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def format_seconds(seconds: float | None) -> str:
    """Seconds for a table cell: '-' when the step did not run."""
    if seconds is None:
        return "-"
    return f"{seconds:.1f}s" if seconds < 100 else f"{seconds:.0f}s"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table (first column left-aligned, the others right-aligned)."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def machine_line() -> str:
    """The machine the figures come from, and the load they were measured under (wall
    times mean little once the 1-minute load average is above 1)."""
    return (
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; load average "
        f"(1 min) at the end: {os.getloadavg()[0]:.1f} (wall figures mean little above 1)"
    )


def best_of(fn: Callable[[], None], rounds: int) -> float:
    """The shortest wall time of `rounds` calls of `fn`: the figure least disturbed by a
    busy machine (the runtime benchmarks' per-operation costs)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
