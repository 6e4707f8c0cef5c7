"""Differential fidelity: each program under fixtures/fidelity/ behaves the same before and
after `migrate-storage apply` (issue 13, item 7).

Every program is run on the local backend; those marked `stdout-file` also with stdout
redirected to a file, those marked `ipfs` also on the ipfs backend against the real test
node, those marked `unprivileged` as uid 65534. Compared: exit code, stdout, the last line
of stderr and the tree left behind (see fidelity_runner). `apply` runs once, over a copy of
every program (the `migration` fixture); a separate test per program checks that it really
rewrote something (or, for `not-rewritten` programs, nothing).

A program that behaves differently TODAY is listed in XFAIL with the reason, and marked
`xfail(strict=True)`: the day a fix makes it pass, the suite fails until the entry is
removed. A key is a program name (every run of it) or `name@variant` (one run).
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from fidelity_runner import (
    Launch,
    Migration,
    Program,
    all_programs,
    differences,
    load_program,
    prepare,
    published_rows,
    run,
    VENV_PYTHON,
    PROGRAMS_DIR,
)

PROGRAMS = all_programs()

# --------------------------------------------------------------------------- known today

XFAIL: dict[str, str] = {
}

# --------------------------------------------------------------------------- cases


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
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
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


def test_every_xfail_entry_names_a_case() -> None:
    """A stale entry (renamed program, removed variant) would hide nothing and mean nothing."""
    known = {_case_id(p, v) for p in PROGRAMS for v in _variants(p)} | {p.name for p in PROGRAMS}
    assert sorted(set(XFAIL) - known) == []


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_apply_rewrote_the_program(program: Program, migration: Migration) -> None:
    """The comparison cannot pass vacuously: `apply` rewrote at least one site of every
    program and the result imports the runtime, except in programs that must stay as they
    are, which it left byte for byte."""
    assert migration.problems(program) == []
    migrated = migration.root / program.name
    changed = [
        rel for rel in program.sources
        if (migrated / rel).read_bytes() != (program.folder / rel).read_bytes()
    ]
    sites = migration.sites_rewritten(program)
    if "not-rewritten" in program.options:
        assert (sites, changed) == (0, [])
        return
    assert sites > 0, f"apply rewrote nothing in {program.name}:\n{migration.stderr}"
    assert any(b"storage_runtime" in (migrated / rel).read_bytes() for rel in changed)


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize(("program", "variant"), _cases())
def test_program_behaves_the_same_after_apply(
    program: Program, variant: str, migration: Migration, tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if "python>=3.13" in program.options and sys.version_info < (3, 13):
        pytest.skip("the program's shape is valid only on Python 3.13+")
    launch = Launch(python=str(VENV_PYTHON), stdout_file=variant == "stdout-file")
    base = tmp_path
    if "unprivileged" in program.options:
        python, extra = request.getfixturevalue("nobody_python")
        launch = Launch(python=python, unprivileged=True, stdout_file=launch.stdout_file,
                        extra_env=extra)
        base = Path(tempfile.mkdtemp(dir=request.getfixturevalue("nobody_base")))
        base.chmod(0o711)
    if variant == "ipfs":
        launch = Launch(python=launch.python, ipfs_api=request.getfixturevalue("fidelity_ipfs_api"),
                        namespace=f"/fidelity-{uuid.uuid4().hex[:12]}")
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    tmpdir.chmod(0o1777)
    work, stdout = base / "run", base / "stdout.txt"

    prepare(work, program.folder, launch)
    before = run(program, work, stdout, tmpdir, launch)
    work.rename(base / "before")
    prepare(work, migration.root / program.name, launch)
    after = run(program, work, stdout, tmpdir, launch)

    diffs = differences(before, after)
    assert not diffs, f"{program.name} ({program.checks}):\n" + "\n".join(diffs) + (
        f"\n--- stderr before\n{before.stderr}--- stderr after\n{after.stderr}")
    if variant == "ipfs":
        rows = published_rows(work)
        assert rows, "the ipfs run published nothing: the program's writes did not reach the runtime"
        assert [r for r in rows if r[1] != "published"] == []
