"""The large-codebase case of issue 16, on a synthetic stand-in generated at bench time.

A real codebase of that kind (1,880 files, 75 MB, single modules of 18,000+ lines) cannot
be shipped, so `generate` writes a deterministic stand-in into a temporary folder: thousands
of modules in packages, most of a few hundred lines, some of 20,000, mostly plain code
with the file-I/O shapes of /work/shared/REAL_PATTERNS.md spread through it (typed pathlib
receivers, `self._state_path = root / "state.json"`, atomic writes with tempfile.mkstemp +
os.fdopen + os.replace, lock files through os.open, json/pickle on `with open` handles,
append-mode logs, `Path.open` with bounded reads, look-alikes such as `Image.open` and
`gzip.open`). Nothing generated is committed; the same seed gives the same bytes.

In one run, each on its own copy of the same tree:

1. `migrate-storage apply -j N` cold (a fresh, empty cache folder);
2. LibCST's own runner with a codemod that does nothing (`_noop_codemod.NoOpCommand`,
   `python -m libcst.tool codemod -x ... -j N --no-format`, in place like apply): the
   baseline; the bar is apply at most a third of it.

It prints wall and CPU seconds (user+sys of the whole process tree: the figure to trust on
a busy machine), peak memory (tree, and per worker), the ratio, and the load average.
Timings are never asserted.

    python bench/large_codebase.py [--modules 2000] [--huge 8] [--jobs N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
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

HEADER = '''"""Generated module {name} (a stand-in for a large codebase; see bench/large_codebase.py)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

LOG = logging.getLogger(__name__)
ROOT = Path(__file__).parent
'''

# Plain code: most of a real module.
PLAIN = [
    '''

def compute_{n}(values: list[float], scale: float = 1.0) -> float:
    total = 0.0
    for index, value in enumerate(values):
        if index % 3 == 0:
            total += value * scale
        elif index % 3 == 1:
            total -= value / (scale or 1.0)
        else:
            total += abs(value) ** 0.5
    return round(total, 6)
''',
    '''

class Model{n}:
    """A plain class with a few methods."""

    def __init__(self, name: str, size: int = 8) -> None:
        self.name = name
        self.size = size
        self.weights = [0.0] * size

    def update(self, delta: list[float]) -> None:
        for i, d in enumerate(delta[: self.size]):
            self.weights[i] += d

    def summary(self) -> dict[str, object]:
        return {{"name": self.name, "size": self.size, "norm": sum(w * w for w in self.weights)}}
''',
    '''

def parse_record_{n}(line: str) -> dict[str, str]:
    fields = {{}}
    for part in line.strip().split(";"):
        if "=" not in part:
            continue
        key, _, value = part.partition("=")
        fields[key.strip()] = value.strip()
    if "id" not in fields:
        raise ValueError(f"record without id: {{line!r}}")
    return fields
''',
    '''

@dataclass
class Config{n}:
    name: str
    retries: int = 3
    timeout: float = 10.0

    def merged(self, other: "Config{n}") -> "Config{n}":
        return Config{n}(self.name, max(self.retries, other.retries), min(self.timeout, other.timeout))
''',
]

# The I/O shapes of REAL_PATTERNS.md.
IO = [
    '''

def save_state_{n}(path, state):
    with open(path, "w") as handle:
        json.dump(state, handle, indent=2)
''',
    '''

def load_config_{n}(path: Path) -> dict:
    return json.loads(path.read_text())
''',
    '''

def write_report_{n}(out_dir: Path, report: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report_{n}.json").write_text(json.dumps(report, indent=2))
''',
    '''

def atomic_write_{n}(path: Path, obj: object) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{{path.name}}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(obj, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
''',
    '''

def take_lock_{n}(lock: str) -> int:
    fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.write(fd, str(os.getpid()).encode())
    return fd
''',
    '''

def update_cache_{n}(cache_file, key, value):
    with open(cache_file, "rb") as handle:
        cache = pickle.load(handle)
    cache[key] = value
    with open(cache_file, "wb") as handle:
        pickle.dump(cache, handle)
''',
    '''

def log_event_{n}(log_path, message):
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(message + "\\n")
''',
    '''

def checksum_{n}(destination: Path) -> int:
    total = 0
    with destination.open("rb") as handle:
        while chunk := handle.read(8192):
            total = (total + sum(chunk)) % 65521
    return total
''',
    '''

class Store{n}:
    def __init__(self, root: Path) -> None:
        self._state_path = root / "state_{n}.json"

    def load(self) -> dict:
        if not self._state_path.exists():
            return {{}}
        return json.loads(self._state_path.read_text(encoding="utf-8"))

    def save(self, state: dict) -> None:
        self._state_path.write_text(json.dumps(state), encoding="utf-8")
''',
    '''

def thumbnail_{n}(src, dst):
    image = Image.open(src)
    image.thumbnail((64, 64))
    with gzip.open(dst, "wb") as out:
        out.write(image.tobytes())
    shutil.copy2(dst, str(dst) + ".bak")
''',
    '''

def read_template_{n}() -> str:
    return (ROOT / "templates" / "t{n}.txt").read_text()
''',
]


def _module(rng: random.Random, name: str, lines: int) -> str:
    parts = [HEADER.format(name=name)]
    length = HEADER.count("\n")
    n = 0
    while length < lines:
        template = rng.choice(IO) if rng.random() < 0.08 else rng.choice(PLAIN)
        text = template.format(n=n)
        parts.append(text)
        length += text.count("\n")
        n += 1
    return "".join(parts)


def generate(root: Path, modules: int, huge: int, seed: int = 16) -> tuple[int, int]:
    """Write the stand-in tree under `root`; return (files, bytes)."""
    rng = random.Random(seed)
    huge_at = set(rng.sample(range(modules), min(huge, modules)))
    total = 0
    for index in range(modules):
        package = root / f"pkg_{index // 100:02d}"
        if not package.exists():
            package.mkdir(parents=True)
            (package / "__init__.py").write_text("")
        lines = 20_000 if index in huge_at else int(rng.lognormvariate(5.6, 0.8)) + 40
        text = _module(rng, f"pkg_{index // 100:02d}.mod_{index:04d}", lines)
        (package / f"mod_{index:04d}.py").write_text(text)
        total += len(text)
    return modules + (modules + 99) // 100, total


def _row(label: str, m: Measured, base: Measured | None) -> list[str]:
    ok = m.returncode in (0, 1) and not m.timed_out
    return [
        label,
        f"{m.seconds:.1f}s" if ok else f"exit {m.returncode}",
        f"{m.cpu_seconds:.1f}s",
        f"{m.peak_tree_rss / MIB:.0f} MB",
        f"{m.peak_process_rss / MIB:.0f} MB",
        f"{m.seconds / base.seconds:.2f}" if base and ok and base.seconds else "1.00",
        f"{m.cpu_seconds / base.cpu_seconds:.2f}" if base and ok and base.cpu_seconds else "1.00",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=2000)
    parser.add_argument("--huge", type=int, default=8, help="modules of 20,000 lines among them")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the generated trees")
    args = parser.parse_args(argv)
    cli = Path(sys.executable).parent / "migrate-storage"
    work = Path(tempfile.mkdtemp(prefix="large-codebase-"))
    try:
        ours, theirs = work / "ours" / "tree", work / "libcst" / "tree"
        files, size = generate(ours, args.modules, args.huge)
        shutil.copytree(ours, theirs)
        print(
            f"stand-in: {files} files, {size / MIB:.1f} MB, {args.huge} modules of 20,000 lines; "
            f"jobs {args.jobs}",
            file=sys.stderr,
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("MIGRATE_STORAGE_CACHE")}
        cache = work / "cache"
        apply = run_measured(
            [cli, "-j", str(args.jobs), "apply", "tree"],
            cwd=ours.parent,
            env={**env, "MIGRATE_STORAGE_CACHE_DIR": str(cache)},
            stdout_path=work / "apply.out",
            timeout=7200,
        )
        argv, noop_env = libcst_runner(NOOP_COMMAND, "tree", args.jobs, env)
        noop = run_measured(
            argv, cwd=theirs.parent, env=noop_env, stdout_path=work / "libcst.out", timeout=7200
        )
        headers = ["run", "wall", "cpu", "peak tree", "peak worker", "wall / libcst", "cpu / libcst"]
        print(render_table(headers, [
            _row("migrate-storage apply (cold)", apply, noop),
            _row("libcst.tool codemod (no-op)", noop, None),
        ]))
        summary = [line for line in apply.stderr.splitlines() if line and not line.startswith("error:")]
        print("apply: " + " ".join(summary[-2:]))
        errors = sum(1 for line in apply.stderr.splitlines() if line.startswith("error:"))
        if errors:
            print(f"apply: {errors} error line(s); first: {next(l for l in apply.stderr.splitlines() if l.startswith('error:'))[:200]}")
        if noop.returncode != 0:
            print(f"libcst: exit {noop.returncode}: {noop.stderr.strip().splitlines()[-1:]}")
        print(
            f"apply / no-op runner: wall {apply.seconds / noop.seconds:.2f}, cpu "
            f"{apply.cpu_seconds / noop.cpu_seconds:.2f} (the bar: at most 0.33)"
        )
        print(machine_line())
    finally:
        if args.keep:
            print(f"kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
