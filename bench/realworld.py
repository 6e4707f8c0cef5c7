"""Proof on real code: migrate real packages and keep their own test suites green.

For each target of bench/realworld.toml: fetch its pinned sdist from the package index
(cached), unpack it, install it with its test dependencies plus this project's `runtime/`
distribution into a fresh venv, run its own suite (baseline), migrate its package code
(never its tests) with `migrate-storage apply --rules`, then run the same suite with the
local backend and with the ipfs backend (the runtime root covers the work folder, and
TMPDIR lives under it, so pytest's tmp_path writes really publish). Exactly the tests that
passed in the baseline must pass in each migrated run; any difference makes the exit
code 1.

    python bench/realworld.py [--only NAME ...] [--fast] [--keep] [--json FILE]

The ipfs run needs MIGRATE_STORAGE_TEST_IPFS_API (`scripts/ipfs-node start` prints it);
without it the ipfs run is skipped with a loud note.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realworld_report import (
    Report,
    SuiteResult,
    as_json,
    check_counts,
    compare_runs,
    coverage_counts,
    read_junit,
    render,
)

__all__ = [
    "SuiteResult",
    "Target",
    "compare_runs",
    "coverage_counts",
    "load_targets",
    "main",
    "read_junit",
]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNTIME_DIR = REPO / "runtime"
DEFAULT_DATA = HERE / "realworld.toml"
IPFS_ENV = "MIGRATE_STORAGE_TEST_IPFS_API"
# Variables of ours that must not leak from the caller into the isolated runs.
_SCRUB_PREFIXES = (
    "STORAGE_RUNTIME_",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "PYTEST_ADDOPTS",
    "PIP_REQUIRE_VIRTUALENV",
)


@dataclass(frozen=True, slots=True)
class Target:
    """One package: the four facts, where its code and tests are, and how to migrate it."""

    name: str
    version: str
    install: str
    test: str
    package: str
    tests: str
    strategy: str = "cache"
    fast: bool = False
    timeout: float = 900.0
    module: str | None = None

    @property
    def import_name(self) -> str:
        """What the suite imports the package folder as: `src/poetry/core` is `poetry.core`."""
        if self.module:
            return self.module
        parts = Path(self.package).parts
        return ".".join(parts[1:] if parts[0] == "src" and len(parts) > 1 else parts)


def load_targets(path: Path) -> list[Target]:
    """Read the data file; unknown keys are an error so a typo cannot silently do nothing."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemExit(f"{path}: {exc}") from None
    fields = Target.__dataclass_fields__
    known = set(fields)
    required = {
        name
        for name, field in fields.items()
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    }
    targets = []
    for i, entry in enumerate(data.get("target", []), 1):
        where = f"{path}: target #{i} ({entry.get('name', 'no name')})"
        unknown = set(entry) - known
        if unknown:
            raise SystemExit(f"{where}: unknown keys {sorted(unknown)}")
        missing = required - set(entry)
        if missing:
            raise SystemExit(f"{where}: missing keys {sorted(missing)}")
        targets.append(Target(**entry))
    return targets


class StepFailed(Exception):
    """A step that must succeed (download, install, migration) did not; message says which."""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES)}
    env.update(extra)
    return env


def _run(
    argv: list[str], *, cwd: Path, env: dict[str, str], log: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run one step, append its output to `log`; never raises for a failing command."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {shlex.join(argv)}   (cwd {cwd})\n")
        out.flush()
        try:
            return subprocess.run(
                argv,
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            out.write(f"\n!!! timed out after {timeout:.0f}s\n")
            return subprocess.CompletedProcess(argv, returncode=-9)


def _venv_argv(command: str, venv: Path) -> list[str]:
    """Split a data-file command; `python`, `pip` and `pytest` mean the target venv's."""
    argv = shlex.split(command)
    python = str(venv / "bin" / "python")
    if argv[0] in ("python", "python3"):
        argv[0] = python
    elif argv[0] == "pip":
        argv[:1] = [python, "-m", "pip"]
    elif (venv / "bin" / argv[0]).exists():
        argv[0] = str(venv / "bin" / argv[0])
    return argv


def fetch_sdist(target: Target, cache_dir: Path, log: Path) -> Path:
    """The sdist archive, downloaded once into cache_dir/NAME-VERSION/ and reused after."""
    folder = cache_dir / f"{target.name}-{target.version}"
    found = (
        [p for p in folder.glob("*") if p.suffix in (".gz", ".zip", ".bz2")]
        if folder.is_dir()
        else []
    )
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(folder),
            f"{target.name}=={target.version}",
        ]
        if (
            _run(argv, cwd=folder, env=_clean_env(), log=log, timeout=600).returncode
            != 0
        ):
            raise StepFailed(
                f"pip download {target.name}=={target.version} failed (see {log})"
            )
        found = [p for p in folder.glob("*") if p.suffix in (".gz", ".zip", ".bz2")]
    if len(found) != 1:
        raise StepFailed(
            f"expected one sdist in {folder}, found {[p.name for p in found]}"
        )
    return found[0]


def unpack(archive: Path, dest: Path) -> Path:
    """Unpack into dest and return the sdist's single top-level folder."""
    dest.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")
    tops = [p for p in dest.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise StepFailed(
            f"{archive.name}: expected one top-level folder, found {[p.name for p in tops]}"
        )
    return tops[0]


def write_rules(target: Target, path: Path, src: Path | None = None) -> Path:
    """A rules file: every file of the package gets the target's default strategy; a test
    folder inside the package folder (towncrier's src/towncrier/test) gets `local`, so the
    suite that proves the migration is never migrated itself nor counted in its cover."""
    text = (
        f"# generated by bench/realworld.py for {target.name} {target.version}\n"
        'runtime = "storage_runtime"\n'
        f'default = "{target.strategy}"\n'
    )
    tests = Path(target.tests)
    if src is not None and tests.is_relative_to(Path(target.package)):
        where = (src / tests).relative_to(path.parent).as_posix()
        text += (
            "\n[[rules]]\n"
            'name = "the suite, never migrated"\n'
            f'paths = ["{where}/**"]\n'
            'strategy = "local"\n'
        )
    path.write_text(text, encoding="utf-8")
    return path


def run_suite(
    target: Target,
    src: Path,
    venv: Path,
    label: str,
    env: dict[str, str],
    work: Path,
    log: Path,
) -> SuiteResult:
    """Run the target's own test command once, with a junit file to read outcomes from."""
    junit = work / f"junit-{label}.xml"
    argv = [
        *_venv_argv(target.test, venv),
        f"--junitxml={junit}",
        "-p",
        "no:cacheprovider",
    ]
    started = time.perf_counter()
    own_log = work / f"pytest-{label}.log"
    proc = _run(argv, cwd=src, env=env, log=own_log, timeout=target.timeout)
    seconds = time.perf_counter() - started
    text = own_log.read_text(encoding="utf-8", errors="replace")
    with log.open("a", encoding="utf-8") as out:
        out.write(text)
    result = read_junit(junit, label=label, returncode=proc.returncode, seconds=seconds)
    summary = [
        line
        for line in text.splitlines()
        if re.search(r"\d+ (passed|failed|error)", line)
    ]
    warned = re.search(r"(\d+) warnings?", summary[-1]) if summary else None
    return replace(result, warnings=int(warned.group(1)) if warned else 0)


def migrate_storage(
    cli: list[str], args: list[str], *, cwd: Path, log: Path
) -> subprocess.CompletedProcess[str]:
    """Run the project's CLI (from this project's venv, not the target's)."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ migrate-storage {shlex.join(args)}\n")
    env = _clean_env(
        MIGRATE_STORAGE_CACHE_DIR=str(cwd / "migrate-storage-cache")
    )  # never the user's cache
    proc = subprocess.run(
        [*cli, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    with log.open("a", encoding="utf-8") as out:
        out.write(proc.stdout + proc.stderr + f"[exit {proc.returncode}]\n")
    return proc


def process_target(
    target: Target,
    *,
    cli: list[str] | None,
    cache_dir: Path,
    keep: bool,
    ipfs_api: str | None,
) -> Report:
    """All steps for one target; a failing mandatory step is recorded, never raised."""
    report = Report(target.name, target.version)
    work = Path(tempfile.mkdtemp(prefix=f"realworld-{target.name}-"))
    log = work / "harness.log"
    report.workdir = str(work)

    def timed(step: str, fn, *a, **kw):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            report.steps[step] = time.perf_counter() - started

    try:
        archive = timed("download", fetch_sdist, target, cache_dir, log)
        src = timed("unpack", unpack, archive, work / "src")
        # Beside the work folder, not in it: the ipfs run's root is the work folder, and
        # storage_runtime refuses a root that holds the interpreter it runs from.
        venv = work.with_name(f"{work.name}-venv")
        made = timed(
            "venv",
            _run,
            [sys.executable, "-m", "venv", str(venv)],
            cwd=work,
            env=_clean_env(),
            log=log,
            timeout=300,
        )
        if made.returncode != 0:
            raise StepFailed(f"python -m venv failed (see {log})")
        env = _clean_env(
            PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            VIRTUAL_ENV=str(venv),
        )

        def install() -> None:
            if (
                _run(
                    _venv_argv(target.install, venv),
                    cwd=src,
                    env=env,
                    log=log,
                    timeout=1200,
                ).returncode
                != 0
            ):
                raise StepFailed(
                    f"install command failed: {target.install} (see {log})"
                )
            runtime = [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                str(RUNTIME_DIR),
            ]
            if _run(runtime, cwd=src, env=env, log=log, timeout=900).returncode != 0:
                raise StepFailed(
                    f"installing the runtime from {RUNTIME_DIR} failed (see {log})"
                )

        timed("install", install)
        pkg = src / target.package
        if not pkg.is_dir():
            raise StepFailed(
                f"package folder {target.package!r} not found in the sdist"
            )
        # A non-editable install of a src/ layout runs the suite against site-packages:
        # the migration would change nothing the tests execute and prove nothing.
        imported = _imported_from(target.import_name, src, venv, env)
        if imported is None or not imported.is_relative_to(pkg.resolve()):
            raise StepFailed(
                f"the suite would import {target.import_name} from {imported or 'nowhere'}, "
                f"not from the migrated folder {target.package} (install it editable: pip install -e)"
            )
        base_tmp = work / "tmp-baseline"
        base_tmp.mkdir()
        report.runs["baseline"] = timed(
            "baseline",
            run_suite,
            target,
            src,
            venv,
            "baseline",
            {**env, "TMPDIR": str(base_tmp)},
            work,
            log,
        )
        if cli is None:
            report.notes.append(
                "migrate-storage CLI not found: migration and the migrated runs were skipped"
            )
            report.differences.append(
                "not migrated: the migrate-storage CLI is missing"
            )
            return report
        rules = write_rules(target, work / "migrate-storage.toml", src)
        report.coverage_before = timed(
            "coverage-before", _coverage, cli, pkg, rules, work, log, report
        )
        diff = migrate_storage(
            cli, ["diff", str(pkg), "--rules", str(rules)], cwd=work, log=log
        )
        (work / "migration.diff").write_text(
            diff.stdout, encoding="utf-8"
        )  # for review (--keep)
        apply = timed(
            "apply",
            migrate_storage,
            cli,
            ["apply", str(pkg), "--rules", str(rules)],
            cwd=work,
            log=log,
        )
        if apply.returncode != 0:
            raise StepFailed(
                f"migrate-storage apply exited {apply.returncode}: {(apply.stderr or apply.stdout).strip()[-600:]}"
            )
        check = migrate_storage(
            cli,
            ["apply", "--check", "--no-cache", str(pkg), "--rules", str(rules)],
            cwd=work,
            log=log,
        )
        if check.returncode != 0:
            report.differences.append(
                f"a second `apply --check` is not clean (exit {check.returncode}): the rewrite is not idempotent"
            )
        report.coverage_after = timed(
            "coverage-after", _coverage, cli, pkg, rules, work, log, report
        )
        check_counts(report, apply.stdout + apply.stderr)
        for label, extra in _migrated_runs(work, ipfs_api, report):
            report.runs[label] = timed(
                label, run_suite, target, src, venv, label, {**env, **extra}, work, log
            )
            if label == "ipfs":
                status = _runtime_status(venv, {**env, **extra})
                found = re.search(r"published: (\d+)", status)
                report.published = int(found.group(1)) if found else None
                report.notes.append("runtime status after the ipfs run: " + status)
        report.differences.extend(compare_runs(report.runs))
        base_warnings = report.runs["baseline"].warnings
        for label, run in report.runs.items():
            if (
                run.warnings > base_warnings
            ):  # not a failure, but what a -W error suite would trip on
                report.notes.append(
                    f"{label}: pytest reported {run.warnings} warnings (baseline {base_warnings})"
                )
    except StepFailed as exc:
        report.differences.append(f"step failed: {exc}")
    finally:
        if keep or report.differences:
            report.notes.append(f"work folder kept: {work} (log: {log})")
        else:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(work.with_name(f"{work.name}-venv"), ignore_errors=True)
            report.workdir = None
    return report


def _migrated_runs(
    work: Path, ipfs_api: str | None, report: Report
) -> list[tuple[str, dict[str, str]]]:
    """The environments of the migrated runs; TMPDIR under the runtime root for ipfs."""
    local_tmp = work / "tmp-local"
    local_tmp.mkdir()
    runs = [("local", {"STORAGE_RUNTIME_BACKEND": "local", "TMPDIR": str(local_tmp)})]
    if not ipfs_api:
        report.notes.append(
            f"!!! {IPFS_ENV} is unset: the ipfs run was SKIPPED (start a node: scripts/ipfs-node start)"
        )
        return runs
    ipfs_tmp = work / "tmp-ipfs"
    ipfs_tmp.mkdir()
    runs.append(
        (
            "ipfs",
            {
                "STORAGE_RUNTIME_BACKEND": "ipfs",
                "STORAGE_RUNTIME_API": ipfs_api,
                # The root covers the whole work folder (sdist tree included) so any write the
                # tests make, in tmp_path or next to the sources, goes through publishing.
                "STORAGE_RUNTIME_ROOT": str(work),
                "STORAGE_RUNTIME_NAMESPACE": f"/realworld/{work.name}",
                "STORAGE_RUNTIME_STRICT": "1",
                "TMPDIR": str(ipfs_tmp),
            },
        )
    )
    return runs


def _imported_from(
    module: str, src: Path, venv: Path, env: dict[str, str]
) -> Path | None:
    """Where the target's venv imports `module` from when run in the sdist folder, as the
    suite's `python -m pytest` is (the current folder first on sys.path)."""
    proc = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            f"import {module} as m; print(m.__file__)",
        ],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    return Path(lines[-1]).resolve() if proc.returncode == 0 and lines else None


def _runtime_status(venv: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "storage_runtime", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    text = (proc.stdout + proc.stderr).strip().replace("\n", "; ")
    return (
        text[:400] if proc.returncode == 0 else f"exit {proc.returncode}: {text[:400]}"
    )


def _coverage(
    cli: list[str], pkg: Path, rules: Path, work: Path, log: Path, report: Report
) -> dict[str, float]:
    proc = migrate_storage(
        cli,
        ["coverage", str(pkg), "--rules", str(rules), "--format", "json"],
        cwd=work,
        log=log,
    )
    try:
        return coverage_counts(json.loads(proc.stdout))
    except (ValueError, KeyError, TypeError) as exc:
        report.notes.append(
            f"coverage --format json unusable (exit {proc.returncode}): {exc}"
        )
        return {}


def _find_cli(explicit: str | None) -> list[str] | None:
    if explicit:
        return shlex.split(explicit)
    for candidate in (
        Path(sys.executable).parent / "migrate-storage",
        REPO / ".venv" / "bin" / "migrate-storage",
    ):
        if candidate.exists():
            return [str(candidate)]
    found = shutil.which("migrate-storage")
    return [found] if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these targets"
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="only the targets marked fast (what .ci/run runs)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep each work folder (they are kept anyway on a difference)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="the targets file (default: %(default)s)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="where downloaded sdists are kept between runs "
        "(default: $MIGRATE_STORAGE_REALWORLD_CACHE or ~/.cache/migrate-storage/realworld)",
        default=Path(
            os.environ.get(
                "MIGRATE_STORAGE_REALWORLD_CACHE",
                Path.home() / ".cache" / "migrate-storage" / "realworld",
            )
        ),
    )
    parser.add_argument(
        "--cli", help="how to run migrate-storage (default: the one beside this Python)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    targets = load_targets(args.data)
    if args.only:
        unknown = set(args.only) - {t.name for t in targets}
        if unknown:
            parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
        targets = [t for t in targets if t.name in args.only]
    if args.fast:
        targets = [t for t in targets if t.fast]
    cli = _find_cli(args.cli)
    ipfs_api = os.environ.get(IPFS_ENV) or None
    if not ipfs_api:
        print(
            f"!!! {IPFS_ENV} is unset: the ipfs-backend runs will be SKIPPED. Start a node with `scripts/ipfs-node start`.",
            file=sys.stderr,
        )
    reports = []
    for target in targets:
        print(f"== {target.name} {target.version}", file=sys.stderr, flush=True)
        reports.append(
            process_target(
                target,
                cli=cli,
                cache_dir=args.cache_dir,
                keep=args.keep,
                ipfs_api=ipfs_api,
            )
        )
    print(render(reports))
    if args.json:
        args.json.write_text(
            json.dumps([as_json(r) for r in reports], indent=2), encoding="utf-8"
        )
    return 1 if any(r.differences for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
