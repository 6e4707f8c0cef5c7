"""How fast is the site finder / engine on a large real tree (the standard library)?

    .venv/bin/python bench/finder_speed.py [--jobs N] [--root DIR] [--baseline]

Runs `transform_source` over every .py file of ROOT (default: this Python's Lib folder
without test/ and site-packages) twice: find-only (`rewrite=False`, what `coverage`
does) and rewrite (`rewrite=True`, what `apply`/`diff` do, safety checks included).
Prints wall time, files/s, how many files each stage let through (text prefilter, `ast`
candidate scan, LibCST), the sites per status and the outcomes. `--baseline` also times
`ast.parse` and `libcst.parse_module` of every file, for the ratios.
"""

from __future__ import annotations

import argparse
import ast
import collections
import os
import sys
import sysconfig
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from migrate_storage.codemods.model import FileStatus, Strategy
from migrate_storage.codemods.pipeline import prefilter
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

POLICY = FilePolicy(strategy=Strategy.PIN)


def stdlib_files(root: Path) -> list[Path]:
    skip = {"test", "site-packages"}
    return sorted(
        p for p in root.rglob("*.py") if p.relative_to(root).parts[0] not in skip
    )


def _one(args: tuple[str, bool]) -> tuple[str, str, list[str], str]:
    path, rewrite = args
    source = Path(path).read_bytes()
    result = transform_source(source, path, POLICY, rewrite=rewrite)
    stage = "text"
    if prefilter.may_contain_target(source, POLICY.runtime_module):
        stage = "ast"
        if result.sites or result.status is not FileStatus.UNCHANGED:
            stage = "libcst"
    return (
        result.status.value,
        stage,
        [s.status.value for s in result.sites],
        result.message or "",
    )


def run(
    files: list[Path], rewrite: bool, jobs: int
) -> tuple[float, list[tuple[str, str, list[str], str]]]:
    work = [(str(p), rewrite) for p in files]
    cpu_before = _cpu()
    start = time.perf_counter()
    if jobs == 1:
        results = [_one(w) for w in work]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_one, work, chunksize=8))
    elapsed = time.perf_counter() - start
    print(f"  (CPU time of this run, all processes: {_cpu() - cpu_before:.1f} s)")
    return elapsed, results


def _cpu() -> float:
    """User+system CPU seconds of this process and its finished children."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def report(
    label: str, elapsed: float, results: list[tuple[str, str, list[str], str]]
) -> None:
    outcomes = collections.Counter(r[0] for r in results)
    stages = collections.Counter(r[1] for r in results)
    statuses = collections.Counter(s for r in results for s in r[2])
    print(
        f"{label}: {elapsed:.1f} s for {len(results)} files ({len(results) / elapsed:.0f} files/s)"
    )
    print(
        f"  stopped by text prefilter: {stages['text']}, by ast scan (no candidate): {stages['ast']}, "
        f"went to LibCST (or skipped): {stages['libcst']}"
    )
    print(f"  outcomes: {dict(outcomes)}")
    print(f"  sites: {sum(statuses.values())} {dict(statuses)}")
    for outcome, _, _, message in results:
        if outcome in ("failed", "skipped"):
            print(f"  {outcome}: {message.splitlines()[0] if message else ''}")


def baseline(files: list[Path]) -> None:
    import libcst

    start = time.perf_counter()
    for p in files:
        try:
            ast.parse(p.read_bytes())
        except SyntaxError:
            pass
    print(f"baseline ast.parse: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    for p in files:
        try:
            libcst.parse_module(p.read_bytes())
        except libcst.ParserSyntaxError:
            continue
    print(
        f"baseline libcst.parse_module: {time.perf_counter() - start:.1f} s (1 process)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--root", type=Path, default=Path(sysconfig.get_paths()["stdlib"])
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    files = stdlib_files(args.root)
    print(
        f"{len(files)} files under {args.root}, {args.jobs} job(s), Python {sys.version.split()[0]}"
    )
    for rewrite in (False, True):
        elapsed, results = run(files, rewrite, args.jobs)
        report(
            "rewrite (apply/diff)" if rewrite else "find only (coverage)",
            elapsed,
            results,
        )
    if args.baseline:
        baseline(files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
