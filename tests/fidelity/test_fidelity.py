"""Differential fidelity: each program under fixtures/fidelity/ behaves the same before and
after `migrate-storage apply` (issue 13, item 7).

Every program is run on the local backend; those marked `stdout-file` also with stdout
redirected to a file, those marked `ipfs` also on the ipfs backend against the real test
node, those marked `unprivileged` as uid 65534. Compared: exit code, stdout, the last line
of stderr and the tree left behind (see fidelity_observe). `apply` runs once, over a copy of
every program (the `migration` fixture); a separate test per program checks that it really
rewrote something (or, for `not-rewritten` programs, nothing).

A program that behaves differently TODAY is listed in XFAIL with the reason, and marked
`xfail(strict=True)`: the day a fix makes it pass, the suite fails until the entry is
removed. A key is a program name (every run of it) or `name@variant` (one run).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from fidelity_observe import differences
from fidelity_runner import (
    PROGRAMS_DIR,
    VENV_PYTHON,
    Launch,
    Migration,
    Program,
    all_programs,
    load_program,
    prepare,
    published_rows,
    restored_elsewhere,
    run,
)

PROGRAMS = all_programs()

# --------------------------------------------------------------------------- known today

# Grouped by cause, with issue 13's item numbers. A program added for a shape not handled
# yet goes here, with why.
XFAIL: dict[str, str] = {
    # A publishing backend learns the path a lifecycle stand-in moved, copied or removed
    # by calling os.fspath on the argument again (the lifecycle's _at/after_rename): two
    # more __fspath__ per os.replace, more per copy. The local backend is exact, and so is
    # open (it calls __fspath__ once, as builtin open does first, and passes the str on).
    # For os.replace/rename/remove the same would hold with OSError.filename set back to
    # the object; shutil calls __fspath__ repeatedly itself, which no str passed on keeps.
    "pathlike_fspath_lifecycle@ipfs": "a publishing backend calls a PathLike's "
    "__fspath__ again to learn the path a rename, copy or removal touched",
    # An mmap made from a handle that is then closed: the close publishes the file as it
    # is then, and the writes through the map come after it, behind the runtime's back;
    # another worker restores the file without them until a `sync` publishes it (exact15).
    "mmap_outlives_its_handle@ipfs": "writes through an mmap that outlives its handle "
    "come after the handle's close published the file",
}

# Paths whose namespace entry may lag the run's disk when the program ends, by design (the
# next `sync` publishes them: it re-publishes files changed on disk): program -> {path: why}.
# Every other pinned, published path must be restored by another worker as the disk has it.
NAMESPACE_LAGS: dict[str, dict[str, str]] = {
    "cross_module_path_types": {
        "data/setup.py": "written through a Path subclass's own open (not the runtime's)",
    },
    "handle_writers_append_shapes": {
        # published earlier by a migrated call (write_bytes, os.link), then appended by a
        # writer left alone (a `with` left by `return`, a path that is an expression)
        "arch/bad.zip": "appended in a `with` left by `return`: counted, not published",
        "arch/z.zip": "appended through its hard link in a `with` left by `return`",
        "arch/z-second.zip": "appended in a `with` left by `return`: counted, not published",
        "arch/log.gz": "appended through its hard link by gzip.open(str(path), 'ab'): an "
        "expression path, counted, not published",
        "arch/log-second.gz": "appended by gzip.open(str(path), 'ab'): an expression path",
    },
    "lifecycle_and_pathlib_in_del_at_shutdown": {
        "e.tmp": "renamed while the interpreter shuts down, when nothing is recorded",
    },
    "os_open_reads_odd_paths": {
        "a.txt": "removed by a child process, behind the runtime's back",
        "b.txt": "removed through getattr(os, 'remove'), which is no site",
        "d/c.txt": "its folder removed through getattr(shutil, 'rmtree'), no site",
    },
    "third_party_with_writers": {
        "rows.zip": "appended in a `with` left by `return`: counted, not published",
    },
}

# --------------------------------------------------------------------------- cases


def _regular_file(path: Path) -> bool:
    """True when `path` itself (not what a symlink there points to) is a regular file."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _variants(program: Program) -> list[str]:
    variants = ["local"]
    if "stdout-file" in program.options:
        variants.append("stdout-file")
    if "ipfs" in program.options:
        variants.append("ipfs")
    return variants


def _case_id(program: Program, variant: str) -> str:
    return program.name if variant == "local" else f"{program.name}@{variant}"


def _cases() -> list[object]:
    cases = []
    for program in PROGRAMS:
        for variant in _variants(program):
            case_id = _case_id(program, variant)
            reason = XFAIL.get(case_id) or XFAIL.get(program.name)
            # raises=AssertionError: only a difference counts as the known failure; a crash
            # of the harness itself (timeout, OSError) stays a failure.
            marks = (
                [pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)]
                if reason
                else []
            )
            if variant == "ipfs":
                marks.append(pytest.mark.ipfs)
            cases.append(pytest.param(program, variant, id=case_id, marks=marks))
    return cases


# --------------------------------------------------------------------------- suite sanity


def test_enough_programs_each_saying_what_it_checks() -> None:
    assert len(PROGRAMS) >= 100
    for folder in sorted(PROGRAMS_DIR.iterdir()):
        assert (folder / "main.py").is_file(), f"{folder.name}: no main.py"
        load_program(folder)  # raises on a malformed header


def test_every_namespace_lag_names_an_ipfs_program() -> None:
    known = {p.name for p in PROGRAMS if "ipfs" in p.options}
    assert sorted(set(NAMESPACE_LAGS) - known) == []


def test_every_xfail_entry_names_a_case() -> None:
    """A stale entry (renamed program, removed variant) would hide nothing and mean nothing."""
    known = {_case_id(p, v) for p in PROGRAMS for v in _variants(p)} | {
        p.name for p in PROGRAMS
    }
    assert sorted(set(XFAIL) - known) == []


def _migration_problem(program: Program, migration: Migration) -> str | None:
    """Why `apply` did not migrate `program` as it must, or None: at least one site
    rewritten and the result importing the runtime, or, for programs that must stay as
    they are, nothing rewritten and every file byte for byte the same."""
    problems = migration.problems(program)
    if problems:
        return f"apply reported: {problems}"
    migrated = migration.root / program.name
    changed = [
        rel
        for rel in program.sources
        if (migrated / rel).read_bytes() != (program.folder / rel).read_bytes()
    ]
    sites = migration.sites_rewritten(program)
    if "not-rewritten" in program.options:
        if sites or changed:
            return (
                f"must not be rewritten, but {sites} site(s) were, changing {changed}"
            )
        return None
    if sites == 0:
        return f"apply rewrote nothing in {program.name}:\n{migration.stderr}"
    if not any(b"storage_runtime" in (migrated / rel).read_bytes() for rel in changed):
        return f"no rewritten file of {program.name} imports storage_runtime"
    return None


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_apply_rewrote_the_program(program: Program, migration: Migration) -> None:
    """The comparison cannot pass vacuously: see _migration_problem."""
    assert _migration_problem(program, migration) is None


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize(("program", "variant"), _cases())
def test_program_behaves_the_same_after_apply(
    program: Program,
    variant: str,
    migration: Migration,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if "python>=3.13" in program.options and sys.version_info < (3, 13):
        pytest.skip("the program's shape is valid only on Python 3.13+")
    if "root" in program.options and os.geteuid() != 0:
        pytest.skip(
            "the program gives files to another user: the suite must run as root"
        )
    problem = _migration_problem(program, migration)
    # pytest.fail, not assert: never mistaken for the expected (xfail) difference
    if problem is not None:
        pytest.fail(f"not compared, the migration is wrong: {problem}", pytrace=False)
    launch = Launch(python=str(VENV_PYTHON), stdout_file=variant == "stdout-file")
    base = tmp_path
    if "unprivileged" in program.options:
        python, extra = request.getfixturevalue("nobody_python")
        launch = Launch(
            python=python,
            unprivileged=True,
            stdout_file=launch.stdout_file,
            extra_env=extra,
        )
        base = Path(tempfile.mkdtemp(dir=request.getfixturevalue("nobody_base")))
        base.chmod(0o711)
    if variant == "ipfs":
        launch = Launch(
            python=launch.python,
            ipfs_api=request.getfixturevalue("fidelity_ipfs_api"),
            namespace=f"/fidelity-{uuid.uuid4().hex[:12]}",
            # the interpreter chosen for `unprivileged` programs may need its PYTHONPATH
            extra_env=launch.extra_env,
        )
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    tmpdir.chmod(0o1777)
    work, stdout = base / "run", base / "stdout.txt"

    prepare(work, program.folder, tmpdir, launch)
    before = run(program, work, stdout, tmpdir, launch)
    work.rename(base / "before")
    prepare(work, migration.root / program.name, tmpdir, launch)
    after = run(program, work, stdout, tmpdir, launch)

    diffs = differences(before, after)
    assert not diffs, (
        f"{program.name} ({program.checks}):\n"
        + "\n".join(diffs)
        + (f"\n--- stderr before\n{before.stderr}--- stderr after\n{after.stderr}")
    )
    if variant == "ipfs":
        rows = published_rows(work)
        assert rows, (
            "the ipfs run published nothing: the program's writes did not reach the runtime"
        )
        # A file the program removed or moved away, or replaced by a symlink (links are
        # not in the namespace), is `gone` (its namespace entry dropped); a new file
        # whose handle the program never closed (leaked to the end, kept alive by a
        # mock's call list) is still `pending` at generation 1, the row its open made
        # (that open's bump), for the next `sync`; every other row is published (a close
        # that failed to publish leaves generation 2 or more).
        assert [r for r in rows if r[1] != "published" and not (
            r[1] == "gone" and not _regular_file(work / r[0])) and not (
            r[1] == "pending" and r[3] == 1)] == []
        lags = NAMESPACE_LAGS.get(program.name, {})
        stale = restored_elsewhere(work, base / "other", tmpdir, launch)
        assert {k: v for k, v in stale.items() if k not in lags} == {}, (
            "another worker restores these paths (restored, on disk) otherwise than the "
            "run left them"
        )
