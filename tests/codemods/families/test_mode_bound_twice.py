"""A mode held in a function's local bound several times, each time to a str literal
(nemo's `tar_header = "r:"`, then `tar_header = "r:gz"` in the `except` of a `try` that
probes the file): the mode is one of those literals at any read that succeeds
(analysis/uses.py `Flow.mode_value_of`). All reading: a reader, restored before; all
writing: a writer published after its `with`; mixed, or any binding that is not a plain
literal assignment (a loop target, a parameter's value): a mode that is not known."""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)

PROBED = (
    "import tarfile\n\ndef unpack(path2file, out):\n"
    '    tar_header = "r:"\n'
    "    try:\n"
    "        tar_test = tarfile.open(path2file, tar_header)\n"
    "        tar_test.close()\n"
    "    except tarfile.ReadError:\n"
    '        tar_header = "r:gz"\n'
    "    with tarfile.open(path2file, tar_header) as tar:\n"
    "        tar.extractall(out)\n"
)


def _tar_sites(code: str) -> list[tuple[Status, Reason | None]]:
    result = run_code(code, PIN)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.status, s.reason) for s in result.sites if s.name == "tarfile.open"]


def test_a_probed_read_mode_is_a_reader_restored_first() -> None:
    assert _tar_sites(PROBED) == [(Status.PENDING, None), (Status.PENDING, None)]
    new = run_code(PROBED, PIN).new_source.decode()  # type: ignore[union-attr]
    assert new.count("tarfile.open(storage.restored(path2file), tar_header)") == 2


def test_write_modes_bound_twice_publish_after_the_with() -> None:
    code = (
        "import tarfile\n\ndef pack(out, compress):\n"
        '    mode = "w:"\n'
        "    if compress:\n"
        '        mode = "w:gz"\n'
        "    with tarfile.open(out, mode) as tar:\n"
        '        tar.add("a")\n'
    )
    assert _tar_sites(code) == [(Status.PENDING, None)]
    new = run_code(code, PIN).new_source.decode()  # type: ignore[union-attr]
    assert new.endswith('        tar.add("a")\n    storage.publish(out, pin=True)\n')


@pytest.mark.parametrize(
    "binding",
    [
        '    mode = "r:"\n    if w:\n        mode = "w:gz"\n',  # a read and a write
        '    mode = "r:"\n    if w:\n        mode = w\n',  # a value not known
        '    mode = "r:"\n    if w:\n        mode += "gz"\n',  # augmented
        '    mode = "r:"\n    if w:\n        mode, other = "w:", 1\n',  # a tuple target
    ],
)
def test_any_other_binding_leaves_the_mode_unknown(binding: str) -> None:
    code = (
        "import tarfile\n\ndef f(p, w):\n"
        + binding
        + "    with tarfile.open(p, mode) as tar:\n        tar.list()\n"
    )
    assert _tar_sites(code) == [(Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)]


def test_a_loop_over_modes_is_no_literal_binding() -> None:
    code = (
        "import tarfile\n\ndef f(p):\n"
        '    mode = "r:"\n'
        '    for mode in ("r:", "w:"):\n'
        "        with tarfile.open(p, mode) as tar:\n            tar.list()\n"
    )
    assert _tar_sites(code) == [(Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)]


def test_a_module_level_name_bound_twice_is_not_followed() -> None:
    """Another module may rebind a module's name: only a function's locals."""
    code = (
        'import tarfile\n\nMODE = "r:"\nif X:\n    MODE = "r:gz"\n\n'
        "def f(p):\n    with tarfile.open(p, MODE) as tar:\n        tar.list()\n"
    )
    assert _tar_sites(code) == [(Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("'r'", (Status.PENDING, None)),  # nemo's offset index: restored first
        ("'c'", (Status.PENDING, None)),  # copy-on-write: its writes stay in memory
        ("'r+'", (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)),
        ("'w+'", (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)),
        (None, (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)),  # "r+" by default
    ],
)
def test_a_memmap_in_a_read_mode_is_a_reader(mode: str | None, expected: tuple) -> None:
    given = "" if mode is None else f", mode={mode}"
    code = f"import numpy as np\n\ndef f(p):\n    return np.memmap(p, dtype='u8'{given})\n"
    result = run_code(code, PIN)
    assert result.status is not FileStatus.FAILED, result.message
    assert [(s.status, s.reason) for s in result.sites] == [expected]
    if expected[0] is Status.PENDING:
        assert "np.memmap(storage.restored(p), dtype='u8'" in result.new_source.decode()  # type: ignore[union-attr]
