"""CPython's own test suites against a migrated copy of the standard library modules they test.

A differential proof on code nobody tuned the codemods on, with the most demanding tests
there are for file I/O (exact exceptions, modes, replaced `os` functions, read-only
folders, links). In one run:

1. the modules under test (`fileinput.py`, `tarfile.py`, the `dbm` package, ...) are copied
   twice from the running Python's standard library into a work folder: `base/` as they
   are, `migrated/` then rewritten by `migrate-storage apply`;
2. `python -m test -v <suites>` runs once per copy, the copy first on `PYTHONPATH` (so
   the tests import it; the runtime's source folder after it), on the local backend and,
   with `--backend ipfs|both`, on the ipfs backend with the root and the temporary folder
   of the tests in one fresh folder (every file a test writes is under the root, so it is
   published, restored and removed through the namespace);
3. the failing test ids of each migrated run are compared with those of the base run of
   the same backend. A test that fails only after migration is a difference; the ones
   listed in KNOWN are expected, each with the README's reason.

Only modules the runtime does not import itself can be swapped (the runtime would import
the migrated copy of, say, `shutil` while it is being imported); the script refuses the
others. The suites need CPython's `test` package (pyenv and python.org builds have it;
Debian's python3 keeps it in `libpython3-testsuite`).

    python bench/stdlib_suites.py [--backend local|ipfs|both] [--keep] [SUITE ...]

With `--backend ipfs` or `both`, MIGRATE_STORAGE_TEST_IPFS_API names the node (as for the
tests: `scripts/ipfs-node start`). Exit status: 0 when no run differs from its base beyond
KNOWN, 1 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNTIME_SOURCE = REPO / "runtime"
STDLIB = Path(sysconfig.get_paths()["stdlib"])
CLI = Path(sys.executable).parent / "migrate-storage"  # the one beside this Python

#: suite -> the modules or packages it tests (copied, migrated, imported from the copy).
SUITES: dict[str, tuple[str, ...]] = {
    "test_fileinput": ("fileinput",),
    "test_gzip": ("gzip",),
    "test_netrc": ("netrc",),
    "test_filecmp": ("filecmp",),
    "test_configparser": ("configparser",),
    "test_py_compile": ("py_compile",),
    "test_compileall": ("compileall", "py_compile"),
    "test_zipapp": ("zipapp", "zipfile"),
    "test_tarfile": ("tarfile",),
    "test_zipfile": ("zipfile",),
    "test_mailbox": ("mailbox",),
    "test_dbm": ("dbm",),
    "test_dbm_dumb": ("dbm",),
    "test_shelve": ("shelve", "dbm"),
    "test_wave": ("wave",),
    "test_pstats": ("pstats",),
    "test_glob": ("glob",),
    "test_shlex": ("shlex",),
    "test_pkgutil": ("pkgutil",),
    "test_mimetypes": ("mimetypes",),
    "test_plistlib": ("plistlib",),
    "test_trace": ("trace",),
    "test_tabnanny": ("tabnanny",),
    "test_tempfile": ("tempfile",),
    "test_aifc": ("aifc",),
    "test_sunau": ("sunau",),
    "test_uu": ("uu",),
    "test_sndhdr": ("sndhdr",),
    "test_imghdr": ("imghdr",),
    "test_mailcap": ("mailcap",),
    "test_pipes": ("pipes",),
    "test_quopri": ("quopri",),
    "test_doctest": ("doctest",),
    "test_pdb": ("pdb",),
    "test_cprofile": ("cProfile", "profile"),
    "test_profile": ("profile",),
    "test_pyclbr": ("pyclbr",),
    "test_pydoc": ("pydoc",),
    "test_platform": ("platform",),
    "test_gettext": ("gettext",),
    "test_optparse": ("optparse",),
    "test_argparse": ("argparse",),
    "test_symtable": ("symtable",),
    "test_cgi": ("cgi",),
    "test_webbrowser": ("webbrowser",),
    "test_http_cookiejar": ("http",),
    "test_httpservers": ("http",),
    "test_xml_etree": ("xml",),
    "test_minidom": ("xml",),
    "test_pulldom": ("xml",),
    "test_sax": ("xml",),
    "test_xmlrpc": ("xmlrpc",),
    "test_zoneinfo": ("zoneinfo",),
    "test_distutils": ("distutils",),
}
#: What the quick run (the CI test) takes: a second or two each, both backends.
QUICK = ("test_fileinput", "test_gzip", "test_netrc", "test_filecmp", "test_configparser",
         "test_py_compile", "test_dbm_dumb", "test_glob")

#: Failures a migrated copy is expected to add, with the README's reason ("The only
#: differences a migrated program may show"): matched against the failing test's id.
KNOWN: dict[str, str] = {
    "test_tempfile.TestExports.test_exports": "one more public name (`storage`) in the module",
    "test_argparse.TestImportStar.test_all_exports_everything_but_modules":
        "one more public name (`open`) in the module",
    "test_pdb.test_pdb_breakpoints_preserved_across_interactive_sessions":
        "line numbers after the added import shift by one",
}

_FAILED = re.compile(r"^(?:FAIL|ERROR): (\S+) \((\S+?)\)", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    label: str
    failing: frozenset[str]
    tests: int
    seconds: float
    log: Path


def runtime_imports(env: dict[str, str]) -> frozenset[str]:
    """The top-level modules `import storage_runtime` loads, under `env`."""
    code = (
        "import sys; before = set(sys.modules); import storage_runtime; "
        "print(' '.join(sorted({m.partition('.')[0] for m in set(sys.modules) - before})))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, cwd=env.get("STORAGE_RUNTIME_ROOT"))
    return frozenset(out.stdout.split())


def copy_modules(names: set[str], into: Path) -> None:
    into.mkdir(parents=True)
    for name in sorted(names):
        source = STDLIB / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(STDLIB / f"{name}.py", into / f"{name}.py")


def failing_ids(log: str) -> frozenset[str]:
    """`module.Class.test` of every FAIL/ERROR block in a verbose regrtest log."""
    found = set()
    for test, where in _FAILED.findall(log):
        module_class = where.removeprefix("test.")
        found.add(module_class if module_class.endswith(test) else f"{module_class}.{test}")
    return frozenset(found)


def run_suites(label: str, modules: Path, suites: list[str], env: dict[str, str],
               work: Path) -> Run:
    cwd = work / f"cwd-{label}"
    cwd.mkdir()
    env = {**env, "PYTHONPATH": os.pathsep.join([str(modules), str(RUNTIME_SOURCE)])}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "test", "-v", *suites], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=3600, check=False)
    log = work / f"{label}.log"
    log.write_text(proc.stdout + proc.stderr)
    total = re.search(r"Total tests: run=([\d,]+)", proc.stdout)
    return Run(label, failing_ids(proc.stdout), int(total.group(1).replace(",", "")) if total
               else 0, time.monotonic() - started, log)


def backend_env(backend: str, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORAGE_RUNTIME_")}
    if backend == "local":
        return env
    api = os.environ.get("MIGRATE_STORAGE_TEST_IPFS_API", "").strip()
    if not api:
        raise SystemExit("error: --backend ipfs needs MIGRATE_STORAGE_TEST_IPFS_API "
                         "(scripts/ipfs-node start)")
    root = work / "ipfs-root"
    (root / "tmp").mkdir(parents=True)
    # The tests write under TMPDIR (regrtest's working folder too): under the root, so
    # every file goes through the namespace; a fresh namespace per run.
    return {**env, "STORAGE_RUNTIME_BACKEND": "ipfs", "STORAGE_RUNTIME_API": api,
            "STORAGE_RUNTIME_ROOT": str(root), "TMPDIR": str(root / "tmp"),
            "STORAGE_RUNTIME_NAMESPACE": f"/stdlib-suites-{os.getpid()}-{time.time_ns()}"}


def compare(base: Run, migrated: Run) -> tuple[list[str], list[str]]:
    """(new failures not in KNOWN, new failures in KNOWN) of `migrated` against `base`."""
    new = sorted(migrated.failing - base.failing)
    known = [t for t in new if t in KNOWN]
    return [t for t in new if t not in KNOWN], known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suites", nargs="*", help="suites to run (default: all of SUITES)")
    parser.add_argument("--backend", choices=("local", "ipfs", "both"), default="local")
    parser.add_argument("--quick", action="store_true", help="only the QUICK suites")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    suites = list(args.suites or (QUICK if args.quick else SUITES))
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        parser.error(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
    if not (STDLIB / "test" / "libregrtest").is_dir():
        print(f"skipped: this Python has no test package under {STDLIB} (CPython's tests)")
        return 0
    backends = ["local", "ipfs"] if args.backend == "both" else [args.backend]
    work = Path(tempfile.mkdtemp(prefix="stdlib-suites-"))
    differences = 0
    try:
        for backend in backends:
            env = backend_env(backend, work / backend)
            imported = runtime_imports(env)
            here = [s for s in suites if not set(SUITES[s]) & imported]
            for suite in sorted(set(suites) - set(here)):
                clash = ", ".join(sorted(set(SUITES[suite]) & imported))
                print(f"{backend}: {suite} skipped: the runtime imports {clash} itself")
            if not here:
                continue
            modules = {m for s in here for m in SUITES[s]}
            base, migrated = work / backend / "base", work / backend / "migrated"
            copy_modules(modules, base)
            copy_modules(modules, migrated)
            apply = subprocess.run([str(CLI), "--no-cache", "apply", str(migrated)],
                                   capture_output=True, text=True, check=False)
            if apply.returncode != 0:
                print(apply.stderr)
                return 1
            summary = apply.stderr.strip().splitlines()[1:2]
            runs = [run_suites(f"{backend}-{label}", folder, here, env, work / backend)
                    for label, folder in (("base", base), ("migrated", migrated))]
            new, known = compare(*runs)
            differences += len(new)
            print(f"{backend}: {', '.join(summary)}")
            for run in runs:
                print(f"  {run.label:16} {run.tests:5} tests, {len(run.failing):3} failing, "
                      f"{run.seconds:6.1f} s")
            for test in known:
                print(f"  known: {test} ({KNOWN[test]})")
            for test in new:
                print(f"  DIFFERS: {test} fails only after migration (log: {runs[1].log})")
        print("no difference" if not differences else f"{differences} difference(s)")
        return 1 if differences else 0
    finally:
        if args.keep or differences:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
