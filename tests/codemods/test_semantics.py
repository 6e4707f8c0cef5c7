"""Semantic equivalence: migrated programs do exactly what they did before migration.

Each program under fixtures/programs, and the demos of fixtures/sample_pkg and
fixtures/handwired_pkg, is run twice in fresh temporary folders: once as written, once
after every one of its files went through `transform_source` (policy pin, cache, and for
the sample package its own rules file). Both runs use the runtime's local backend
(STORAGE_RUNTIME_BACKEND=local, STORAGE_RUNTIME_ROOT=the folder). The runs must print the
same stdout/stderr, exit alike, and leave byte-identical trees: same names, same bytes,
same permission bits (the runtime's atomic writes must not leave mkstemp's 0600 behind;
the local backend must not leave an index or anything else).

So that the comparison cannot pass vacuously, every migrated program must have CHANGED,
import storage_runtime, and carry the `pin=` its strategy implies.

The tree is recorded by the fidelity suite's `snapshot` (tests/fidelity/fidelity_observe.py):
one representation of "what a program left on disk" for both differential suites, with
owners, link counts and which names share an inode besides kinds, modes and bytes.
(This suite transforms in-process, policy by policy; the fidelity suite runs the CLI.)
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from migrate_storage.codemods.model import Family, Strategy
from migrate_storage.codemods.pipeline.engine import (
    FileResult,
    FileStatus,
    transform_source,
)
from migrate_storage.codemods.policy import FilePolicy

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "fidelity"))
from fidelity_observe import Entry, snapshot

FIXTURES = REPO / "fixtures"
PROGRAMS = sorted((FIXTURES / "programs").glob("*.py"))
SAMPLE = FIXTURES / "sample_pkg"
HANDWIRED = FIXTURES / "handwired_pkg"
RUN_TIMEOUT = 60  # seconds per subprocess; each run takes well under one

POLICIES = {
    "pin": FilePolicy(strategy=Strategy.PIN),
    "cache": FilePolicy(strategy=Strategy.CACHE),
}
PIN_TEXT = {Strategy.PIN: "pin=True", Strategy.CACHE: "pin=False"}

# Sample-package modules whose only "opens" are look-alikes (os.open, os.fdopen, tarfile,
# webbrowser, `from gzip import open`): no policy may touch them, but for their renames
# and removals (`os.replace` of the atomic-write idiom: the lifecycle family).
SAMPLE_LOOKALIKE_MODULES = ("ml_cache/atomic.py", "ml_cache/archive.py")
# Modules with plain builtin/pathlib/json/pickle I/O: every policy must rewrite them.
SAMPLE_CORE_MODULES = (
    "ml_cache/config.py",
    "ml_cache/eventlog.py",
    "ml_cache/kvstore.py",
    "ml_cache/cache/memo.py",
    "ml_cache/cache/responses.py",
    "ml_cache/models/convert.py",
    "ml_cache/models/registry.py",
)

PolicyFor = Callable[[Path], FilePolicy]


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    tree: dict[str, Entry]


# --------------------------------------------------------------------------- helpers


def _env(root: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STORAGE_RUNTIME_", "PYTHON"))
    }
    env.update(
        STORAGE_RUNTIME_BACKEND="local",
        STORAGE_RUNTIME_ROOT=str(root),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="0",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _run(argv: list[str], cwd: Path, root: Path, skip: frozenset[str]) -> Run:
    proc = subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        env=_env(root),
        capture_output=True,
        timeout=RUN_TIMEOUT,
    )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace").replace(str(root), "<root>"),
        snapshot(root, skip),
    )


def _imports_runtime(source: bytes) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "storage_runtime":
            return True
        if isinstance(node, ast.Import) and any(
            a.name == "storage_runtime" for a in node.names
        ):
            return True
    return False


def _migrate(
    root: Path, files: list[Path], policy_for: PolicyFor
) -> dict[str, FileResult]:
    """Transform `files` (under `root`) in place; fail on FAILED/SKIPPED or broken output."""
    results: dict[str, FileResult] = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        result = transform_source(path.read_bytes(), rel, policy_for(path))
        assert result.status in (FileStatus.CHANGED, FileStatus.UNCHANGED), (
            rel,
            result.status,
            result.message,
        )
        if result.status is FileStatus.CHANGED:
            assert result.new_source is not None
            compile(result.new_source, rel, "exec")
            path.write_bytes(result.new_source)
        results[rel] = result
    return results


def _assert_same(before: Run, after: Run) -> None:
    assert before.returncode == 0, before.stderr
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    assert after.stderr == before.stderr
    extra = sorted(set(after.tree) - set(before.tree))
    missing = sorted(set(before.tree) - set(after.tree))
    assert not extra and not missing, (
        f"only after migration: {extra}; only before: {missing}"
    )
    for name, entry in before.tree.items():
        got = after.tree[name]
        assert (got.kind, oct(got.mode)) == (entry.kind, oct(entry.mode)), name
        assert got.data == entry.data, f"{name}: bytes differ after migration"
        assert got == entry, f"{name}: owner, link count or shared inodes differ"


def _assert_rewritten(result: FileResult, strategy: Strategy) -> None:
    """The file changed, imports the runtime, and says pin= as its strategy implies."""
    assert result.status is FileStatus.CHANGED, (
        result.path,
        result.status,
        result.message,
    )
    assert result.pending, result.path
    new = result.new_source or b""
    assert new != result.source
    assert _imports_runtime(new), (
        f"{result.path}: migrated code does not import storage_runtime"
    )
    other = PIN_TEXT[Strategy.CACHE if strategy is Strategy.PIN else Strategy.PIN]
    assert other.encode() not in new, (
        f"{result.path}: {other} under strategy {strategy.value}"
    )


# --------------------------------------------------------------------------- programs


def test_fixture_programs_exist() -> None:
    """Should find the fixture programs; an empty glob would make the suite pass vacuously."""
    assert len(PROGRAMS) >= 8


@pytest.mark.parametrize("policy_name", sorted(POLICIES))
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_program_behaves_the_same_after_migration(
    program: Path, policy_name: str, tmp_path: Path
) -> None:
    policy = POLICIES[policy_name]
    runs = {}
    for phase in ("before", "after"):
        root = tmp_path / phase
        root.mkdir()
        script = root / program.name
        shutil.copyfile(program, script)
        if phase == "after":
            results = _migrate(root, [script], lambda _p: policy)
            result = results[program.name]
            _assert_rewritten(result, policy.strategy)
            written = (Strategy.PIN, Strategy.CACHE)
            assert any(PIN_TEXT[s].encode() in result.new_source for s in written), (
                "every program writes files, so some rewritten site must carry pin="
            )
        runs[phase] = _run([program.name], root, root, frozenset({program.name}))
    _assert_same(runs["before"], runs["after"])
    assert len(runs["before"].tree) >= 3, "the program should have written files"


# --------------------------------------------------------------------------- packages


def _package_sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _rules_policy(root: Path) -> PolicyFor:
    from migrate_storage.rules import load_rules

    ruleset = load_rules(None, root)
    assert ruleset.source is not None and ruleset.source.name == "migrate-storage.toml"
    return ruleset.policy_for


def _sample_policy(name: str, root: Path) -> PolicyFor:
    if name == "rules":
        return _rules_policy(root)
    policy = POLICIES[name]
    return lambda _p: policy


def _demo_before_and_after(
    tmp_path: Path, package: Path, migrate: Callable[[Path, list[Path]], None]
) -> dict[str, Run]:
    """Run the package's run_demo.py on a fresh copy before and after `migrate(pkg, sources)`."""
    runs = {}
    for phase in ("before", "after"):
        root = tmp_path / phase
        pkg = root / package.name
        shutil.copytree(package, pkg, ignore=shutil.ignore_patterns("__pycache__"))
        sources = _package_sources(pkg)
        skip = frozenset(p.relative_to(root).as_posix() for p in sources)
        if phase == "after":
            migrate(pkg, sources)
        runs[phase] = _run(["run_demo.py", str(root / "work")], pkg, root, skip)
    return runs


@pytest.mark.parametrize("policy_name", ["pin", "cache", "rules"])
def test_sample_package_demo_behaves_the_same(policy_name: str, tmp_path: Path) -> None:
    def migrate(pkg: Path, sources: list[Path]) -> None:
        # The package's own tests are not part of the demo (and `exclude`d by its rules).
        targets = [p for p in sources if p.relative_to(pkg).parts[0] != "tests"]
        results = _migrate(pkg, targets, _sample_policy(policy_name, pkg))
        _check_sample_results(results, policy_name)

    runs = _demo_before_and_after(tmp_path, SAMPLE, migrate)
    _assert_same(runs["before"], runs["after"])
    assert "-- files --" in runs["before"].stdout


def _check_sample_results(results: dict[str, FileResult], policy_name: str) -> None:
    for rel in SAMPLE_LOOKALIKE_MODULES:
        rewritten = {s.family for s in results[rel].pending}
        # Lifecycle stand-ins, and a publish after a third-party writer's `with` (the
        # writer itself, `tarfile.open`, stays as written): never a look-alike as open.
        allowed = {Family.LIFECYCLE, Family.THIRD_PARTY}
        assert rewritten <= allowed, f"{rel}: look-alikes were rewritten"
        assert not any(
            s.family is Family.OPEN for s in results[rel].sites
        ), f"{rel}: a look-alike was taken for open"
        assert (results[rel].status is FileStatus.CHANGED) == bool(rewritten), rel
    for rel in SAMPLE_CORE_MODULES:
        assert results[rel].status is FileStatus.CHANGED, (rel, results[rel].message)
        assert _imports_runtime(results[rel].new_source or b""), rel
    for rel, result in results.items():
        if result.status is FileStatus.CHANGED:
            assert _imports_runtime(result.new_source or b""), rel
    if policy_name == "rules":
        assert results["ml_cache/credentials.py"].status is FileStatus.UNCHANGED, (
            "rule says local"
        )
        _assert_rewritten(results["ml_cache/models/registry.py"], Strategy.PIN)
        _assert_rewritten(results["ml_cache/models/convert.py"], Strategy.PIN)
        _assert_rewritten(results["ml_cache/cache/memo.py"], Strategy.CACHE)
        _assert_rewritten(results["ml_cache/cache/responses.py"], Strategy.CACHE)
    else:
        strategy = POLICIES[policy_name].strategy
        for rel in SAMPLE_CORE_MODULES:
            _assert_rewritten(results[rel], strategy)


def test_sample_package_own_tests_still_pass(tmp_path: Path) -> None:
    """Its tests patch `ml_cache.config.open` and `ml_cache.sysinfo.open` with mock_open:
    after migration they must still intercept the module's opens."""
    pkg = tmp_path / "sample_pkg"
    shutil.copytree(SAMPLE, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    targets = [
        p for p in _package_sources(pkg) if p.relative_to(pkg).parts[0] != "tests"
    ]
    results = _migrate(pkg, targets, _rules_policy(pkg))
    assert results["ml_cache/config.py"].status is FileStatus.CHANGED
    # its reads of /proc are system files (LOCAL): left as written, so its patches hold
    assert results["ml_cache/sysinfo.py"].status is FileStatus.UNCHANGED
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=pkg,
        env={**_env(tmp_path), "PYTHONPATH": str(pkg)},
        capture_output=True,
        timeout=RUN_TIMEOUT,
    )
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, out + proc.stderr.decode("utf-8", "replace")
    assert "5 passed" in out


def test_handwired_package_demo_behaves_the_same(tmp_path: Path) -> None:
    def migrate(pkg: Path, sources: list[Path]) -> None:
        results = _migrate(pkg, sources, lambda _p: POLICIES["cache"])
        for name in ("export.py", "journal.py", "loader.py", "writer.py"):
            _assert_rewritten(results[f"feature_store/{name}"], Strategy.CACHE)

    runs = _demo_before_and_after(tmp_path, HANDWIRED, migrate)
    _assert_same(runs["before"], runs["after"])


# --------------------------------------------------------------------------- stability


def _all_fixture_sources() -> list[Path]:
    sample = [
        p for p in _package_sources(SAMPLE) if p.relative_to(SAMPLE).parts[0] != "tests"
    ]
    return PROGRAMS + sample + _package_sources(HANDWIRED)


@pytest.mark.parametrize(
    "path", _all_fixture_sources(), ids=lambda p: p.relative_to(FIXTURES).as_posix()
)
def test_migrated_fixture_is_stable(path: Path) -> None:
    """A second pass over migrated code changes nothing and finds nothing pending, and
    `rewrite=False` classifies the same sites that `rewrite=True` rewrites. (Pin only:
    the strategy changes the `pin=` text, not which sites are rewritten.)"""
    policy = POLICIES["pin"]
    rel = path.relative_to(FIXTURES).as_posix()
    first = transform_source(path.read_bytes(), rel, policy)
    assert first.status in (FileStatus.CHANGED, FileStatus.UNCHANGED), first.message
    found = transform_source(path.read_bytes(), rel, policy, rewrite=False)
    assert found.sites == first.sites
    assert found.pending == first.pending
    if first.status is FileStatus.UNCHANGED:
        assert not first.pending
        return
    migrated = first.new_source or b""
    compile(migrated, rel, "exec")
    second = transform_source(migrated, rel, policy)
    assert second.status is FileStatus.UNCHANGED, second.message
    assert not second.pending, [(s.line, s.name) for s in second.pending]
