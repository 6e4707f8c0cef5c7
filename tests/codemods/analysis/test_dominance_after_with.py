"""analysis/dominance.py: the `as` target of a `with`'s first item holds after that `with`
statement as a plain statement's binding does (kfp's backend tests: `with
NamedTemporaryFile(mode="w", delete=False) as f:` written, then `try: ... finally:
os.unlink(f.name)`, again in each branch of one test), so the removal in that `finally:`
proves each temporary file scratch (families/scratch.py). Where another binding may
reach the read, or an earlier item of the `with` may swallow the failure of its
`__enter__`, nothing is proven."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import FileStatus, Reason, Status

SCRATCH = (Status.LOCAL, Reason.TEMPORARY_FILE)
COUNTED = (Status.UNMIGRATED, Reason.UNSUPPORTED_FAMILY)

CASE = (
    "        with tempfile.NamedTemporaryFile(mode='w', delete=False) as f:\n"
    "            f.write(spec)\n"
    "        try:\n            load(f.name)\n        finally:\n            os.unlink(f.name)\n"
)


def _temps(code: str) -> list[tuple[Status, Reason | None]]:
    result = run_code("import contextlib, os, tempfile\n\n" + code)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.status, s.reason) for s in result.sites if s.name == "tempfile.NamedTemporaryFile"]


def test_each_branchs_temporary_file_is_removed_in_its_own_finally() -> None:
    code = (
        "def test(scenario, spec):\n    if scenario == 'a':\n" + CASE
        + "    elif scenario == 'b':\n" + CASE + "    else:\n" + CASE
    )
    assert _temps(code) == [SCRATCH, SCRATCH, SCRATCH]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # bound again under an `if` between the `with` and the removal: either may hold
        (
            ("def f(c, spec):\n"
            "    with tempfile.NamedTemporaryFile('w', delete=False) as f:\n        f.write(spec)\n"
            "    if c:\n        with tempfile.NamedTemporaryFile('w', delete=False) as f:\n"
            "            f.write(spec)\n"
            "    try:\n        load(f.name)\n    finally:\n        os.unlink(f.name)\n"),
            [COUNTED, COUNTED],
        ),
        # an earlier item may swallow the failure of the temporary file's `__enter__`
        (
            ("def f(c, spec):\n    f = c\n"
            "    with contextlib.suppress(OSError), tempfile.NamedTemporaryFile('w', delete=False) as f:\n"
            "        f.write(spec)\n"
            "    try:\n        load(f.name)\n    finally:\n        os.unlink(f.name)\n"),
            [COUNTED],
        ),
        # bound again inside the body: the body's binding is the one after the `with`
        (
            ("def f(c, spec):\n"
            "    with tempfile.NamedTemporaryFile('w', delete=False) as f:\n        f = c\n"
            "    try:\n        load(f.name)\n    finally:\n        os.unlink(f.name)\n"),
            [COUNTED],
        ),
        # two in a row: the second's binding is the one the removal reads; the first is
        # published after its `with`
        (
            ("def f(c, spec):\n"
            "    with tempfile.NamedTemporaryFile('w', delete=False) as f:\n        f.write(c)\n"
            "    with tempfile.NamedTemporaryFile('w', delete=False) as f:\n        f.write(spec)\n"
            "    try:\n        load(f.name)\n    finally:\n        os.unlink(f.name)\n"),
            [(Status.PENDING, None), SCRATCH],
        ),
    ],
)
def test_only_the_binding_that_holds_at_the_removal_is_proven(
    code: str, expected: list
) -> None:
    assert _temps(code) == expected
