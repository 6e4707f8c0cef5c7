"""Run a fidelity program before and after `migrate-storage apply`, and say what it did.

A program is a folder under fixtures/fidelity/ holding `main.py` (plus, for some, sibling
modules and data files, and an optional `setup_tree.py` that prepares the folder as root:
links, modes, owners; it is excluded from `apply`). Its first line is a comment saying what
it checks; an optional second line `# fidelity: <option>, ...` sets how it is run:

- `unprivileged`: the program runs as uid/gid 65534 (setgid/setuid in the child before exec),
  in a folder that user may enter; skipped when the suite does not run as root;
- `root`: the program (or its setup) needs root, e.g. to give files to another user;
- `ipfs`: also run with the ipfs backend against the real test node (runtime root over the
  folder, strict mode so a failed publish raises, a fresh namespace); the runtime's index
  must then hold at least one entry, and nothing left pending; and another worker (a fresh
  root on the same namespace) must restore every pinned, published path with the bytes
  the run left on disk (`restored_elsewhere`);
- `stdout-file`: also run with stdout redirected to a file (the file's bytes are the stdout);
- `not-rewritten`: `apply` must leave every file of the program as it is;
- `python>=3.13`: skipped on older Pythons (the shape is not valid Python there).

Both phases run in the SAME folder path (the first run's folder is moved aside before the
second starts), so absolute paths in messages need no normalising. A run is recorded as an
`Observation` (fidelity_observe) of everything but the program's own .py sources and, on
the ipfs backend, the runtime's `.storage-runtime/` state folder.

Permission cases need an interpreter uid 65534 may execute: the venv's own when it can,
else the system interpreter of the same minor version with the runtime's source folder on
PYTHONPATH (a pyenv under a private /root is not executable by other users). Before and
after use the same one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from fidelity_observe import Observation, snapshot

REPO = Path(__file__).resolve().parents[2]
PROGRAMS_DIR = REPO / "fixtures" / "fidelity"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
VENV_CLI = REPO / ".venv" / "bin" / "migrate-storage"
RUNTIME_SOURCE = REPO / "runtime"
SETUP_SCRIPT = "setup_tree.py"
STATE_DIR = ".storage-runtime"  # the runtime's own state folder (ipfs backend)
NOBODY = 65534
RUN_TIMEOUT = 60  # seconds per program run; each takes well under one
OPTIONS = frozenset(
    {"unprivileged", "root", "ipfs", "stdout-file", "not-rewritten", "python>=3.13"}
)

_REWROTE = re.compile(r"^rewrote (?P<path>.+) \((?P<count>\d+) sites?\)$")


# --------------------------------------------------------------------------- programs


@dataclass(frozen=True)
class Program:
    name: str
    folder: Path
    checks: str
    options: frozenset[str]

    @property
    def sources(self) -> tuple[str, ...]:
        """The program's own .py files, relative to its folder (never compared as output)."""
        return tuple(
            sorted(
                p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*.py")
            )
        )

    @property
    def strategy(self) -> str:
        """`pin` or `cache` for main.py, fixed by the name (so the suite mixes both); the
        program's other modules get the other one."""
        return "pin" if zlib.crc32(self.name.encode()) % 2 else "cache"


def load_program(folder: Path) -> Program:
    """Read a program's header (raises ValueError naming the file when it is malformed)."""
    main = folder / "main.py"
    lines = main.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("# checks: "):
        raise ValueError(
            f"{main}:1: the first line must be `# checks: <what it checks>`"
        )
    options: set[str] = set()
    if len(lines) > 1 and lines[1].startswith("# fidelity:"):
        options = {o.strip() for o in lines[1].split(":", 1)[1].split(",") if o.strip()}
        unknown = options - OPTIONS
        if unknown:
            raise ValueError(f"{main}:2: unknown option(s) {sorted(unknown)}")
    return Program(
        folder.name, folder, lines[0][len("# checks: ") :], frozenset(options)
    )


def all_programs() -> list[Program]:
    return [
        load_program(p)
        for p in sorted(PROGRAMS_DIR.iterdir())
        if (p / "main.py").is_file()
    ]


# --------------------------------------------------------------------------- migration


@dataclass(frozen=True)
class Migration:
    """One `migrate-storage apply` run over a folder holding a copy of every program."""

    root: Path
    returncode: int
    stderr: str
    rewritten: dict[str, int] = field(default_factory=dict)  # "prog/file.py" -> sites

    def sites_rewritten(self, program: Program) -> int:
        prefix = program.name + "/"
        return sum(n for path, n in self.rewritten.items() if path.startswith(prefix))

    def problems(self, program: Program) -> list[str]:
        """Lines of apply's report about this program other than `rewrote ...`."""
        prefix = program.name + "/"
        expected = (
            f"excluded: {prefix}{SETUP_SCRIPT}"  # the rules exclude setup scripts
        )
        return [
            line
            for line in self.stderr.splitlines()
            if line.startswith(prefix) or f" {prefix}" in line
            if not _REWROTE.match(line) and line != expected
        ]


def rules_text(programs: Iterable[Program]) -> str:
    """The batch's rules file: each program's files under its strategy, main.py under it
    and sibling modules under the other one; setup scripts never migrated."""
    lines = ['default = "cache"', f'exclude = ["**/{SETUP_SCRIPT}"]', ""]
    for program in programs:
        other = "cache" if program.strategy == "pin" else "pin"
        for paths, strategy in (
            (f"{program.name}/**", other),
            (f"{program.name}/main.py", program.strategy),
        ):
            lines += [
                "[[rules]]",
                f"paths = [{paths!r}]".replace("'", '"'),
                f'strategy = "{strategy}"',
                "",
            ]
    text = "\n".join(lines)
    tomllib.loads(text)  # a malformed rules file would be the harness's bug: fail here
    return text


def migrate_all(programs: list[Program], root: Path) -> Migration:
    """Copy every program under `root`, write the rules, run the real CLI's `apply` once."""
    for program in programs:
        shutil.copytree(program.folder, root / program.name, ignore=_IGNORE)
    rules = root / "migrate-storage.toml"
    rules.write_text(rules_text(programs), encoding="utf-8")
    proc = subprocess.run(
        [
            str(VENV_CLI),
            "--rules",
            str(rules),
            "--no-cache",
            "-j",
            "2",
            "-v",
            "--color",
            "never",
            "apply",
            ".",
        ],
        cwd=root,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    rewritten = {}
    for line in proc.stderr.splitlines():
        m = _REWROTE.match(line)
        if m:
            rewritten[m["path"]] = int(m["count"])
    return Migration(root, proc.returncode, proc.stderr, rewritten)


_IGNORE = shutil.ignore_patterns("__pycache__")


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Launch:
    """How a phase is run: interpreter, user, stdout, backend."""

    python: str
    unprivileged: bool = False
    stdout_file: bool = False
    ipfs_api: str | None = None
    namespace: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STORAGE_RUNTIME_", "PYTHON"))
    }


def _env(work: Path, tmpdir: Path, launch: Launch) -> dict[str, str]:
    env = _clean_env()
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        PYTHONIOENCODING="utf-8",
        TMPDIR=str(tmpdir),
        STORAGE_RUNTIME_BACKEND="local",
        STORAGE_RUNTIME_ROOT=str(work),
        **launch.extra_env,
    )
    if launch.ipfs_api is not None:
        env.update(
            STORAGE_RUNTIME_BACKEND="ipfs",
            STORAGE_RUNTIME_API=launch.ipfs_api,
            STORAGE_RUNTIME_STRICT="1",
            STORAGE_RUNTIME_NAMESPACE=launch.namespace,
            STORAGE_RUNTIME_TIMEOUT="10",
        )
    return env


def drop_privileges() -> None:
    """preexec_fn: become nobody (groups first, while still root)."""
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def prepare(work: Path, sources: Path, tmpdir: Path, launch: Launch) -> None:
    """A fresh copy of the program in `work`, made ready by its setup script (as root).

    On the ipfs backend the runtime's state is created first by `python -m storage_runtime
    sync`, in both phases: the program then runs as on a worker where the runtime ran
    before. (On a fresh root, the first write of a process races the background drain
    thread creating the index, and strict mode sometimes fails it with "database is
    locked": a runtime bug of its own, reported apart, that would make this suite flaky.)
    """
    shutil.copytree(sources, work, ignore=_IGNORE)
    if launch.unprivileged:
        os.chown(work, NOBODY, NOBODY)
    if (work / SETUP_SCRIPT).exists():
        subprocess.run(
            [str(VENV_PYTHON), SETUP_SCRIPT],
            cwd=work,
            env=_clean_env(),
            check=True,
            timeout=RUN_TIMEOUT,
            capture_output=True,
        )
    if launch.ipfs_api is not None:
        subprocess.run(
            [str(VENV_PYTHON), "-m", "storage_runtime", "sync"],
            cwd=work,
            env=_env(work, tmpdir, launch),
            check=True,
            timeout=RUN_TIMEOUT,
            capture_output=True,
        )


def run(
    program: Program, work: Path, stdout_path: Path, tmpdir: Path, launch: Launch
) -> Observation:
    """Run main.py in `work` (prepared) and observe what it did."""
    stdout_path.unlink(missing_ok=True)
    with open(stdout_path, "wb") as out:
        proc = subprocess.run(
            [launch.python, "main.py"],
            cwd=work,
            env=_env(work, tmpdir, launch),
            stdin=subprocess.DEVNULL,
            stdout=out if launch.stdout_file else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=RUN_TIMEOUT,
            preexec_fn=drop_privileges if launch.unprivileged else None,
            check=False,
        )
    stdout = stdout_path.read_bytes() if launch.stdout_file else proc.stdout
    stderr = proc.stderr.decode("utf-8", "replace")
    lines = stderr.rstrip("\n").splitlines()
    skip = {*program.sources}
    if launch.ipfs_api is not None:
        skip.add(STATE_DIR)
    return Observation(
        proc.returncode,
        stdout.decode("utf-8", "replace"),
        lines[-1] if lines else "",
        snapshot(work, frozenset(skip)),
        stderr,
    )


def published_rows(work: Path) -> list[tuple[str, str, int, int]]:
    """(path, state, pin, generation) of every entry in the runtime's index under `work`."""
    index = work / STATE_DIR / "index.sqlite3"
    if not index.exists():
        return []
    con = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    try:
        return [
            tuple(r)
            for r in con.execute("SELECT path, state, pin, gen FROM files ORDER BY path")
        ]
    finally:
        con.close()


#: Run in a fresh root by `restored_elsewhere`: each path of argv[1] (a JSON list) read
#: through the runtime, which restores it from the namespace; its bytes' digest, or the
#: exception's type name.
_OTHER_WORKER = """\
import hashlib, json, sys
from storage_runtime import storage
seen = {}
for rel in json.loads(sys.argv[1]):
    try:
        with storage.open(rel, "rb") as f:
            seen[rel] = hashlib.sha256(f.read()).hexdigest()
    except Exception as exc:
        seen[rel] = type(exc).__name__
print(json.dumps(seen))
"""


def restored_elsewhere(
    work: Path, other: Path, tmpdir: Path, launch: Launch
) -> dict[str, tuple[str, str]]:
    """What another worker (a fresh root `other`, the run's namespace) restores for every
    pinned, published path of the run that differs from the run's own disk: {path:
    (restored digest or exception name, the disk's digest or MISSING)}. The namespace
    must hold what this worker's disk holds once the program is done."""
    pinned = [r[0] for r in published_rows(work) if r[1] == "published" and r[2]]
    if not pinned:
        return {}
    other.mkdir()
    proc = subprocess.run(
        [launch.python, "-c", _OTHER_WORKER, json.dumps(pinned)],
        cwd=other,
        env=_env(other, tmpdir, launch),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=True,
    )
    seen = json.loads(proc.stdout)
    stale = {}
    for rel in pinned:
        path = work / rel
        local = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "MISSING"
        if seen.get(rel) != local:
            stale[rel] = (seen.get(rel, "?"), local)
    return stale


def python_for_nobody(
    runtime_source: Path = RUNTIME_SOURCE,
) -> tuple[str, dict[str, str]] | str:
    """An interpreter uid 65534 can run with `storage_runtime` importable, and the extra
    environment it needs; or the reason there is none. The venv's own interpreter is tried
    first; a venv under a private home (pyenv under /root) is not executable by nobody, so
    the system interpreter of the same minor version is tried next, with the runtime's
    source folder on PYTHONPATH (the local backend needs nothing else)."""
    candidates = [
        (str(VENV_PYTHON), {}),
        (
            f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}",
            {"PYTHONPATH": str(runtime_source)},
        ),
    ]
    tried = []
    for python, extra in candidates:
        env = {**_clean_env(), **extra}
        try:
            proc = subprocess.run(
                [
                    python,
                    "-c",
                    "import storage_runtime, sys; print(sys.version_info[:2])",
                ],
                cwd="/",
                env=env,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                preexec_fn=drop_privileges,
                check=False,
            )
        except OSError as exc:
            tried.append(f"{python}: {exc}")
            continue
        if proc.returncode == 0 and proc.stdout.strip() == str(
            tuple(sys.version_info[:2])
        ):
            return python, extra
        tried.append(f"{python}: exit {proc.returncode} {proc.stderr.strip()[-200:]}")
    return "no interpreter uid 65534 can run with storage_runtime: " + "; ".join(tried)
