"""A json/pickle call's handle bound in several places (analysis/handles.py with
analysis/dominance.py) and the handles of restored readers (families/restore_before.py
HANDLE_READERS): ragas 0.4.3's metric loaders open `gzip.open(p, "rt")` in one branch of
an `if` and `open(p)` in the other, each `as f`, each read by `json.load(f)` in its own
body. The `with` that binds `f` holds in its body whatever binds `f` elsewhere; a
binding that may run inside that body between the two keeps the answer unknown."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status

HEAD = "import bz2\nimport gzip\nimport io\nimport json\nimport pickle\n\n"

RAGAS = (
    "def load(path):\n"
    "    if path.endswith('.gz'):\n"
    "        with gzip.open(path, 'rt', encoding='utf-8') as f:\n"
    "            data = json.load(f)\n"
    "    else:\n"
    "        with open(path, 'r', encoding='utf-8') as f:\n"
    "            data = json.load(f)\n"
    "    return data\n"
)


def _handle_calls(code: str) -> list[tuple[Status, Reason | None]]:
    result = run_code(HEAD + code)
    assert result.status is not FileStatus.FAILED, result.message
    return [
        (s.status, s.reason)
        for s in result.sites
        if s.family in (Family.JSON, Family.PICKLE)
    ]


def test_each_branch_reads_its_own_with_and_a_second_run_finds_them_migrated() -> None:
    assert _handle_calls(RAGAS) == [(Status.PENDING, None)] * 2
    new = run_code(HEAD + RAGAS).new_source.decode()  # type: ignore[union-attr]
    # the gzip handle's call keeps its text; the builtin open's block is collapsed
    assert "gzip.open(storage.restored(path), 'rt'" in new
    assert "data = json.load(f)" in new
    assert "storage.load_json(path, 'r', encoding='utf-8', call=json.load)" in new
    after = run_code(new)
    assert after.status is FileStatus.UNCHANGED
    assert all(s.status is Status.MIGRATED for s in after.sites), after.sites


def test_the_with_that_binds_the_handle_holds_in_its_body() -> None:
    # the other branch's handle is a counted writer (its mode is a parameter's); the
    # read in this branch's body is this branch's open
    code = RAGAS.replace("gzip.open(path, 'rt', encoding='utf-8')", "gzip.open(path, mode)")
    code = code.replace("def load(path)", "def load(path, mode)")
    assert _handle_calls(code) == [
        (Status.UNMIGRATED, Reason.HANDLE_NOT_MIGRATED),
        (Status.PENDING, None),
    ]


@pytest.mark.parametrize(
    "code",
    [
        "def f(p):\n    with gzip.open(p, 'rt') as f:\n        return json.load(f)\n",
        "def f(p):\n    with bz2.BZ2File(p) as f:\n        return pickle.load(f)\n",
        "def f(p):\n    return pickle.load(io.FileIO(p))\n",
        "def f(p):\n    f = gzip.open(p)\n    x = json.load(f)\n    f.close()\n    return x\n",
    ],
)
def test_a_call_on_a_restored_readers_handle_follows_it(code: str) -> None:
    assert _handle_calls(code) == [(Status.PENDING, None)]


@pytest.mark.parametrize(
    "code",
    [
        # a mode held in a parameter may write: the opener stays a counted writer
        "def f(p, mode):\n    with gzip.open(p, mode) as f:\n        return json.load(f)\n",
        # the binding in the other branch may run between the `with` and the read: a
        # loop inside the body
        (
            "def f(p, ps):\n    with open(p) as f:\n        for q in ps:\n"
            "            json.load(f)\n            if q:\n                f = gzip.open(q, mode())\n"
        ),
        # a nested function rebinding it through `nonlocal`, called inside the body
        (
            "def f(p, q):\n    def g():\n        nonlocal f\n        f = gzip.open(q, mode())\n"
            "    with open(p) as f:\n        g()\n        return json.load(f)\n"
        ),
        # another item of the same `with` binds it too
        "def f(p, q):\n    with open(p) as f, gzip.open(q, mode()) as f:\n        return json.load(f)\n",
    ],
)
def test_where_another_binding_may_reach_the_read_it_is_not_migrated(code: str) -> None:
    calls = _handle_calls(code)
    assert calls and all(status is Status.UNMIGRATED for status, _ in calls), calls
