"""A mode chosen by a conditional expression of literal modes (`"a" if append else "w"`,
analysis/found.py `mode_of`): wherever a literal mode decides, every branch decides
together. All reading: a reader (restored before, no pin); all writing: a writer
(published after its `with`/`try`, pinned); mixed, or a branch that is not a literal: as
a mode that is not known (a writer, never published after)."""

from __future__ import annotations

import libcst as cst
import pytest
from codemod_cases import run_code
from migrate_storage.codemods.analysis.found import UNKNOWN_MODE, may_write, mode_of
from migrate_storage.codemods.model import FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)


@pytest.mark.parametrize(
    ("expression", "mode", "writes"),
    [
        ('"w"', "w", True),
        ('"a" if append else "w"', ("a", "w"), True),
        ('"rb" if binary else "r"', ("rb", "r"), False),
        ('"r" if a else "w"', ("r", "w"), True),
        ('"w" if a else "w"', "w", True),  # one choice: the literal itself
        ('"ab" if a else ("wb" if b else "xb")', ("ab", "wb", "xb"), True),
        ('("r" if a else "rb") if b else "rt"', ("r", "rb", "rt"), False),
        ('"w" if a else mode', UNKNOWN_MODE, True),
        ('b"w" if a else "w"', UNKNOWN_MODE, True),
        ('f"{m}" if a else "r"', UNKNOWN_MODE, True),
    ],
)
def test_the_mode_of_a_conditional_expression(
    expression: str, mode: object, writes: bool
) -> None:
    found = mode_of(cst.parse_expression(expression))
    assert found == mode
    assert may_write(found) is writes


def _third_party(code: str, name: str) -> list[tuple[Status, Reason | None]]:
    result = run_code(code, PIN)
    assert result.status is not FileStatus.FAILED, result.message
    return [(s.status, s.reason) for s in result.sites if s.name == name]


def test_all_writing_modes_publish_after_the_with() -> None:
    """srsly's `write_gzip_jsonl` (`_json_api.py:131`)."""
    code = (
        "import gzip\n\ndef write(path, lines, append=False):\n"
        '    mode = "a" if append else "w"\n'
        '    with gzip.open(path, "a" if append else "w") as f:\n'
        "        f.writelines(lines)\n"
    )
    assert _third_party(code, "gzip.open") == [(Status.PENDING, None)]
    new = run_code(code, PIN).new_source.decode()  # type: ignore[union-attr]
    assert new.endswith(
        "        f.writelines(lines)\n    storage.publish(path, pin=True)\n"
    )
    assert run_code(new, PIN).status is FileStatus.UNCHANGED


READ, WRITTEN, COUNTED = "restored", "published", "counted"
# a mode that keeps the content, or refuses a file that exists ("x"): both
APPENDED = "restored, then published"


@pytest.mark.parametrize(
    ("call", "outcome"),
    [
        # a read mode every way: a reader, its path restored (called through: the mode
        # expression after the path is not a name or a literal)
        ('gzip.open(p, "rb" if raw else "rt")', READ),
        ('tarfile.open(p, "r:gz" if z else "r")', READ),
        # mixed: may write, never published after (as a mode held in a name)
        ('gzip.open(p, "rb" if raw else "wb")', COUNTED),
        # a branch tarfile does not write in ("r"): not published after
        ('tarfile.open(p, "w" if z else "r")', COUNTED),
        # every branch a writing mode
        ('tarfile.open(p, "w:gz" if z else "w")', WRITTEN),
        ('zipfile.ZipFile(p, mode="a" if keep else "w")', APPENDED),
        ('zipfile.ZipFile(p, mode="x" if keep else "w")', APPENDED),
        ('zipfile.ZipFile(p, mode="w" if keep else "w")', WRITTEN),
    ],
)
def test_third_party_look_alikes(call: str, outcome: str) -> None:
    code = f"import gzip, tarfile, zipfile\n\ndef f(p, raw, z, keep):\n    with {call} as h:\n        h.read()\n"
    name = call.split("(")[0]
    counted = (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)
    expected = counted if outcome == COUNTED else (Status.PENDING, None)
    assert _third_party(code, name) == [expected]
    new = (run_code(code, PIN).new_source or b"").decode()
    assert ("storage.publish(p, pin=True)" in new) is (outcome in (WRITTEN, APPENDED)), new
    assert ("storage.restored(p)" in new) is (outcome in (READ, APPENDED)), new


def test_builtin_and_pathlib_opens_pin_only_a_mode_that_may_write() -> None:
    code = (
        "from pathlib import Path\n\ndef f(p, binary, append):\n"
        '    with open(p, "rb" if binary else "r") as a:\n        a.read()\n'
        '    with open(p, "a" if append else "w") as b:\n        b.write("x")\n'
        '    with Path(p).open("ab" if append else "wb") as c:\n        c.write(b"x")\n'
    )
    new = run_code(code, PIN).new_source.decode()  # type: ignore[union-attr]
    assert 'open(p, "rb" if binary else "r") as a' in new
    assert 'open(p, "a" if append else "w", pin=True) as b' in new
    assert 'storage.path_open(Path(p), "ab" if append else "wb", pin=True) as c' in new


NAME_HELD = {
    # srsly's write_gzip_jsonl: the mode in a local bound once, published after the `with`
    # (restored before it too: "a" keeps what another worker published)
    "local-writing-choice": (
        '    mode = "a" if append else "w"\n',
        "gzip.open(p, mode=mode)",
        APPENDED,
    ),
    # "x" refuses a file another worker published: restored first too
    "local-exclusive-choice": (
        '    mode = "x" if append else "w"\n',
        "gzip.open(p, mode=mode)",
        APPENDED,
    ),
    "local-truncating-choice": (
        '    mode = "wb" if append else "w"\n',
        "gzip.open(p, mode=mode)",
        WRITTEN,
    ),
    "local-reading-choice": (
        '    mode = "rb" if append else "rt"\n',
        "gzip.open(p, mode)",
        READ,
    ),
    "local-literal": ('    mode = "wb"\n', "gzip.open(p, mode)", WRITTEN),
    # bound twice, a parameter, a module-level name (another module may rebind it):
    # not known, as before
    "bound-twice": (
        '    mode = "w"\n    if append:\n        mode = "r"\n',
        "gzip.open(p, mode)",
        COUNTED,
    ),
    "parameter": ("", "gzip.open(p, raw)", COUNTED),
    "module-level": ("", "gzip.open(p, MODE)", COUNTED),
    "walrus-elsewhere": (
        '    mode = "w"\n    (mode := "r")\n',
        "gzip.open(p, mode)",
        COUNTED,
    ),
}


@pytest.mark.parametrize("case", sorted(NAME_HELD))
def test_a_mode_held_in_a_local_bound_once(case: str) -> None:
    before, call, outcome = NAME_HELD[case]
    code = (
        'import gzip\n\nMODE = "w"\n\ndef f(p, raw, append):\n'
        f"{before}    with {call} as h:\n        h.read()\n"
    )
    counted = (Status.UNMIGRATED, Reason.THIRD_PARTY_WRITER)
    expected = counted if outcome == COUNTED else (Status.PENDING, None)
    assert _third_party(code, "gzip.open") == [expected]
    new = (run_code(code, PIN).new_source or b"").decode()
    assert ("storage.publish(p, pin=True)" in new) is (outcome in (WRITTEN, APPENDED)), new
    assert ("storage.restored(p)" in new) is (outcome in (READ, APPENDED)), new


@pytest.mark.parametrize(
    ("expression", "mode", "writes"),
    [
        # tarfile's mode: the file mode, a separator, a compression (weasel's
        # `f"r:{compression}"`): the start stands for the whole
        ('f"r:{c}"', "r:", False),
        ('f"w:{c}"', "w:", True),
        ("f'r|{c}'", "r|", False),
        ('f"x:{c}" if c else "x"', ("x:", "x"), True),
        ('f"r:{c}" if c else "r"', ("r:", "r"), False),
        # no separator, or one that is not right after the mode letters: not known
        ('f"r{extra}"', UNKNOWN_MODE, True),  # may be "r+"
        ('f"{m}:gz"', UNKNOWN_MODE, True),
        ('f":{c}"', UNKNOWN_MODE, True),
        ('f"r{c}:gz"', UNKNOWN_MODE, True),
        ('f"rz:{c}"', UNKNOWN_MODE, True),
        ('rf"r:{c}"', UNKNOWN_MODE, True),
    ],
)
def test_the_mode_of_an_f_string_with_a_separator(
    expression: str, mode: object, writes: bool
) -> None:
    found = mode_of(cst.parse_expression(expression))
    assert found == mode
    assert may_write(found) is writes


def test_an_f_string_tar_mode_reads_or_writes_by_its_file_mode() -> None:
    """weasel 1.0.1 `cli/remote_storage.py`: the pull's archive is restored before its
    read, the push's is published after its `with`."""
    code = (
        "import tarfile\n\ndef pull(loc, root, c):\n"
        '    mode = f"r:{c}" if c else "r"\n'
        "    with tarfile.open(loc, mode=mode) as t:\n        t.extractall(root)\n\n"
        "def push(loc, src, c):\n"
        '    with tarfile.open(loc, f"w:{c}") as t:\n        t.add(src)\n'
    )
    assert _third_party(code, "tarfile.open") == [(Status.PENDING, None)] * 2
    new = run_code(code, PIN).new_source.decode()  # type: ignore[union-attr]
    assert "with tarfile.open(storage.restored(loc), mode=mode) as t:" in new
    assert new.endswith("        t.add(src)\n    storage.publish(loc, pin=True)\n")


def test_an_f_string_open_mode_with_a_separator_raises_as_before(tmp_path) -> None:
    """Builtin open rejects a mode holding `:`: the migrated call raises the same error."""
    import subprocess
    import sys

    code = 'import sys\ntry:\n    open(sys.argv[1], f"r:{sys.argv[2]}")\nexcept ValueError as e:\n    print(e)\n'
    (tmp_path / "before.py").write_text(code)
    result = run_code(code, PIN)
    new = (result.new_source or code.encode()).decode()
    (tmp_path / "after.py").write_text(new)
    (tmp_path / "f.txt").write_text("x")
    outs = [
        subprocess.run([sys.executable, side, "f.txt", "gz"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60, check=False,
                       env={"PATH": "/usr/bin:/bin", "STORAGE_RUNTIME_ROOT": str(tmp_path)})
        for side in ("before.py", "after.py")
    ]
    assert outs[0].stdout == outs[1].stdout == "invalid mode: 'r:gz'\n", outs[1].stderr
