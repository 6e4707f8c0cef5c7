"""Codemod throughput on a corpus the benchmark does not choose: the running Python's stdlib.

The corpus is fixed by rule: every .py file under the running Python's standard library
(`sysconfig.get_paths()["stdlib"]`), leaving out test folders (`test`, `tests`),
`site-packages`, `idlelib` and `lib2to3`, and nothing else; copied to a temporary folder
so nothing real is touched. In one run, over that copy:

1. `migrate-storage diff -j N` cold: a fresh, empty MIGRATE_STORAGE_CACHE_DIR;
2. the same again warm: that cache filled, nothing changed;
3. LibCST's own runner with a codemod that does nothing (`_noop_codemod.NoOpCommand`:
   `python -m libcst.tool codemod -x ... -j N --no-format -u 3`): the cost of parsing,
   visiting and printing every file the LibCST way, which is the baseline of the ratios;
4. `ruff check --select UP --diff` as the native-speed reference.

It prints wall time, CPU time (user+sys of the whole process tree: the figure to trust on
a busy machine), files/s and peak memory (the whole process tree, and the largest single
process: the peak per worker) of each, and the ratios to LibCST's no-op runner. Timings
are never asserted.

    python bench/codemod_throughput.py [--jobs N] [--limit N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import (
    MIB,
    NOOP_COMMAND,
    Measured,
    libcst_runner,
    machine_line,
    render_table,
    run_measured,
)

REPO = Path(__file__).resolve().parents[1]
LIBCST_LABEL = "libcst.tool codemod (no-op)"
# The corpus rule (issue 16): test folders, site-packages, idlelib and lib2to3 left out.
_SKIP_DIRS = {"test", "tests", "site-packages", "idlelib", "lib2to3", "__pycache__"}
_DIFF_TARGET = re.compile(r"^\+\+\+ (?:b/)?(.+?)(?:\t.*)?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Row:
    """One measured tool run over the corpus."""

    label: str
    measured: Measured | None
    changed: frozenset[str] = frozenset()
    note: str = ""


def copy_stdlib(dest: Path, limit: int | None) -> list[Path]:
    """Copy the corpus (see the module docstring) to dest; return the copies."""
    lib = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(
        p
        for p in lib.rglob("*.py")
        if not _SKIP_DIRS.intersection(p.relative_to(lib).parts[:-1]) and p.is_file()
    )
    if limit is not None:
        sources = sources[:limit]
    copied = []
    for src in sources:
        target = dest / src.relative_to(lib)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        copied.append(target)
    return copied


def changed_files(diff_text: str, corpus: Path) -> frozenset[str]:
    """Paths (relative to the corpus) named on the `+++` lines of a unified diff."""
    found = set()
    for raw in _DIFF_TARGET.findall(diff_text):
        path = Path(raw.strip())
        if path.is_absolute():
            try:
                path = path.relative_to(corpus)
            except ValueError:
                pass
        found.add(path.as_posix().removeprefix(f"{corpus.name}/"))
    return frozenset(found)


def _measure_tool(label: str, argv: list[str], *, cwd: Path, env: dict[str, str], work: Path) -> Row:
    out = work / f"{re.sub(r'[^a-z0-9]+', '-', label.lower())}.out"
    measured = run_measured(argv, cwd=cwd, env=env, stdout_path=out, timeout=3600)
    text = out.read_text(encoding="utf-8", errors="replace")
    crashed = measured.returncode not in (0, 1) or "Traceback (most recent call last)" in measured.stderr
    last = (measured.stderr.strip().splitlines() or [""])[-1]
    note = f"exit {measured.returncode}: {last[:300]}" if crashed else ""
    return Row(label, measured, changed_files(text, cwd), note)


def run_all(
    corpus: Path, work: Path, *, jobs: int, libcst_command: str | None, cli: Path, ruff: str | None
) -> list[Row]:
    """The four measurements, in order, over the same corpus."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("MIGRATE_STORAGE_CACHE")}
    cache = work / "cache"
    cache.mkdir()
    env = {**base_env, "MIGRATE_STORAGE_CACHE_DIR": str(cache)}
    rows = []
    if cli.exists():
        diff = [str(cli), "diff", "--jobs", str(jobs), corpus.name]
        rows.append(_measure_tool("migrate-storage diff (cold)", diff, cwd=corpus.parent, env=env, work=work))
        warm = _measure_tool("migrate-storage diff (warm)", diff, cwd=corpus.parent, env=env, work=work)
        cached = sum(1 for p in cache.rglob("*") if p.is_file())
        rows.append(
            warm
            if cached
            else Row(
                warm.label,
                warm.measured,
                warm.changed,
                (warm.note + " the cache folder stayed empty").strip(),
            )
        )
    else:
        rows.append(Row("migrate-storage diff", None, note=f"{cli} not found"))
    if libcst_command:
        argv, noop_env = libcst_runner(libcst_command, corpus.name, jobs, base_env, "-u", "3")
        row = _measure_tool(LIBCST_LABEL, argv, cwd=corpus.parent, env=noop_env, work=work)
        summary = (
            "; ".join(
                line.strip(" -")
                for line in row.measured.stderr.splitlines()
                if re.match(r"^(Finished codemodding| - (Transformed|Skipped|Failed) )", line)
            )
            if row.measured
            else ""
        )
        rows.append(Row(row.label, row.measured, row.changed, (row.note + " " + summary).strip()))
    else:
        rows.append(Row(LIBCST_LABEL, None, note="no LibCST command to run"))
    if ruff:
        argv = [ruff, "check", "--isolated", "--no-cache", "--select", "UP", "--diff", corpus.name]
        rows.append(
            _measure_tool(
                "ruff check --select UP --diff",
                argv,
                cwd=corpus.parent,
                env={**base_env, "RAYON_NUM_THREADS": str(jobs)},
                work=work,
            )
        )
    else:
        rows.append(Row("ruff check --select UP --diff", None, note="ruff not found"))
    return rows


def render(rows: list[Row], nfiles: int) -> str:
    """The figures table plus the ratios to LibCST's no-op runner."""
    reference = next(
        (
            r.measured
            for r in rows
            if r.label.startswith("libcst") and r.measured and r.measured.returncode in (0, 1)
        ),
        None,
    )
    headers = [
        "tool",
        "wall",
        "cpu",
        "files/s",
        "peak tree",
        "peak worker",
        "changed",
        "vs libcst",
        "cpu vs libcst",
    ]
    table = []
    for r in rows:
        m = r.measured
        if m is None:
            table.append([r.label, *["-"] * (len(headers) - 1)])
            continue
        crashed = r.note.startswith("exit ")
        ratio = (
            f"{reference.seconds / m.seconds:.1f}x faster" if reference and m.seconds and not crashed else "-"
        )
        cpu_ratio = (
            f"{reference.cpu_seconds / m.cpu_seconds:.1f}x less"
            if reference and m.cpu_seconds and not crashed
            else "-"
        )
        table.append(
            [
                r.label,
                f"{m.seconds:.2f}s",
                f"{m.cpu_seconds:.2f}s",
                f"{nfiles / m.seconds:.0f}" if m.seconds else "-",
                f"{m.peak_tree_rss / MIB:.0f} MB",
                f"{m.peak_process_rss / MIB:.0f} MB",
                str(len(r.changed)),
                ratio if r.label != LIBCST_LABEL else "1.0x",
                cpu_ratio if r.label != LIBCST_LABEL else "1.0x",
            ]
        )
    lines = [render_table(headers, table)]
    lines.extend(f"note: {r.label}: {r.note}" for r in rows if r.note)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 1,
        help="workers for every tool (default: all cores)",
    )
    parser.add_argument("--limit", type=int, help="only the first N files (sorted by path), for a quick run")
    parser.add_argument(
        "--libcst-command", default=NOOP_COMMAND, help="the LibCST command of the baseline (default: the no-op)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the corpus copy and each tool's output")
    args = parser.parse_args(argv)

    cli = Path(sys.executable).parent / "migrate-storage"
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    libcst_command, why = args.libcst_command, ""
    work = Path(tempfile.mkdtemp(prefix="codemod-throughput-"))
    try:
        corpus = work / "Lib"
        files = copy_stdlib(corpus, args.limit)
        print(
            f"corpus: {len(files)} files: every .py of {sysconfig.get_paths()['stdlib']} but test folders, site-packages, idlelib and lib2to3; jobs {args.jobs}; Python {sys.version.split()[0]}; {os.cpu_count()} cores",
            file=sys.stderr,
        )
        rows = run_all(corpus, work, jobs=args.jobs, libcst_command=libcst_command, cli=cli, ruff=ruff)
        if why:
            rows = [
                r
                if not r.label.startswith("libcst")
                else Row(r.label, r.measured, r.changed, (r.note + " " + why).strip())
                for r in rows
            ]
        print(render(rows, len(files)))
        print(machine_line())
        for r in rows:
            if r.measured and (
                r.measured.returncode not in (0, 1) or "Traceback (most recent" in r.measured.stderr
            ):
                print(f"--- stderr of {r.label} ---\n{r.measured.stderr[-2000:]}", file=sys.stderr)
    finally:
        if args.keep:
            print(f"kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
