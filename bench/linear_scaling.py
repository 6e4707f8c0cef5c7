"""Does any stage grow faster than the file? `migrate-storage diff` on generated modules.

In one run, each measured as its own `migrate-storage --no-cache -j 1 diff FILE` process
(wall and CPU seconds, peak memory):

1. the series of issue 16: a module of N functions, each `with open(p, "w") as fh:
   json.dump(x, fh)` (two sites per function), for N = 250, 500, 1000, 2000; printed
   with time(N) / time(250) for CPU and wall. Linear work gives 8 at N = 2000; the bar
   is 10 (it was 159 when the safety check used difflib);
2. a 50,000-line module of small functions with 10 such sites spread through it (the bar:
   under 3 s);
3. as a baseline in the same run, the process with nothing to do (a one-line file), so
   start-up is visible apart from the work.

The files are generated into a temporary folder (deterministic; nothing is committed).
Timings are printed, never asserted; CPU seconds are the figure to trust on a busy
machine, and the load average is printed with them.

    python bench/linear_scaling.py [--sizes 250,500,1000,2000] [--lines 50000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import MIB, Measured, machine_line, render_table, run_measured

SITE_FUNCTION = '''

def save_{n}(p, x):
    with open(p, "w") as fh:
        json.dump(x, fh)

'''
PLAIN_FUNCTION = '''

def calc_{n}(a, b):
    v0 = a * 0 + b
    v1 = a * 1 + b
    v2 = a * 2 + b
    v3 = a * 3 + b
    v4 = a * 4 + b
    v5 = a * 5 + b
    return v0 + v1 + v2 + v3 + v4 + v5

'''


def series_module(functions: int) -> str:
    """A module of `functions` functions, each with one collapsible `with` (2 sites)."""
    return "import json\n" + "".join(SITE_FUNCTION.format(n=n) for n in range(functions))


def long_module(lines: int, sites: int) -> str:
    """About `lines` lines of small functions, with `sites` site functions spread evenly."""
    per_plain = PLAIN_FUNCTION.count("\n")
    count = max(1, lines // per_plain)
    every = max(1, count // sites)
    parts = ["import json\n"]
    placed = 0
    for n in range(count):
        if placed < sites and n % every == every // 2:
            parts.append(SITE_FUNCTION.format(n=n))
            placed += 1
        else:
            parts.append(PLAIN_FUNCTION.format(n=n))
    return "".join(parts)


def _measure(cli: Path, path: Path, work: Path) -> Measured:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGRATE_STORAGE_CACHE")}
    return run_measured(
        [cli, "--no-cache", "-q", "-j", "1", "diff", path],
        cwd=work,
        env=env,
        stdout_path=work / (path.stem + ".diff"),
        timeout=3600,
    )


def _row(label: str, lines: int, m: Measured, base: Measured | None) -> list[str]:
    ok = m.returncode in (0, 1) and not m.timed_out
    return [
        label,
        str(lines),
        f"{m.seconds:.2f}s" if ok else f"exit {m.returncode}",
        f"{m.cpu_seconds:.2f}s",
        f"{m.cpu_seconds / base.cpu_seconds:.1f}" if base and ok else "-",
        f"{m.seconds / base.seconds:.1f}" if base and ok else "-",
        f"{m.peak_process_rss / MIB:.0f} MB",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250,500,1000,2000", help="functions per series module")
    parser.add_argument("--lines", type=int, default=50_000, help="lines of the long module")
    parser.add_argument("--sites", type=int, default=10, help="sites of the long module")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    cli = Path(sys.executable).parent / "migrate-storage"
    work = Path(tempfile.mkdtemp(prefix="linear-scaling-"))
    try:
        empty = work / "empty.py"
        empty.write_text("x = 1\n")
        start_up = _measure(cli, empty, work)
        rows = [_row("nothing to do (start-up)", 1, start_up, None)]
        first: Measured | None = None
        for size in sizes:
            path = work / f"series_{size}.py"
            path.write_text(series_module(size))
            measured = _measure(cli, path, work)
            first = first or measured
            lines = path.read_text().count("\n")
            rows.append(_row(f"{size} functions, {2 * size} sites", lines, measured, first))
        long = work / "long.py"
        long.write_text(long_module(args.lines, args.sites))
        lines = long.read_text().count("\n")
        long_run = _measure(cli, long, work)
        rows.append(_row(f"{lines} lines, {2 * args.sites} sites", lines, long_run, first))
        headers = ["module", "lines", "wall", "cpu", "cpu / first", "wall / first", "peak"]
        print(render_table(headers, rows))
        if first is not None and len(sizes) > 1:
            last = rows[len(sizes)]
            print(
                f"time({sizes[-1]}) / time({sizes[0]}): cpu {last[4]}, wall {last[5]} "
                f"(linear: {sizes[-1] / sizes[0]:.0f}; the bar: 10)"
            )
        print(
            f"{lines}-line module with {args.sites} site functions: wall {long_run.seconds:.2f}s, "
            f"cpu {long_run.cpu_seconds:.2f}s (the bar: under 3 s); "
            f"start-up alone: cpu {start_up.cpu_seconds:.2f}s"
        )
        print(machine_line())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
