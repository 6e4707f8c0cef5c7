"""The fidelity harness itself: what it records and compares can tell programs apart, and
its normalisation removes only the differences the README allows."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from fidelity_observe import Observation, differences, normalise, snapshot
from fidelity_runner import all_programs, load_program, rules_text


def _tree(root: Path) -> Path:
    root.mkdir()
    (root / "a.txt").write_text("a")
    os.link(root / "a.txt", root / "b.txt")
    os.symlink("a.txt", root / "link")
    (root / "sub").mkdir()
    (root / "main.py").write_text("print()")
    return root


def _observe(root: Path, stdout: str = "", last: str = "") -> Observation:
    return Observation(0, stdout, last, snapshot(root, frozenset({"main.py"})), "")


def test_snapshot_records_links_modes_and_skips_sources(tmp_path: Path) -> None:
    tree = snapshot(_tree(tmp_path / "t"), frozenset({"main.py"}))
    assert sorted(tree) == ["a.txt", "b.txt", "link", "sub"]
    assert tree["a.txt"].same_inode == ("a.txt", "b.txt") and tree["a.txt"].nlink == 2
    assert (tree["link"].kind, tree["link"].data) == ("link", b"a.txt")
    assert tree["sub"].kind == "dir" and tree["sub"].nlink is None


@pytest.mark.parametrize(
    "change",
    [
        lambda r: (r / "a.txt").write_text("changed"),  # bytes (through both links)
        lambda r: (r / "a.txt").chmod(0o600),  # mode
        lambda r: (
            (r / "b.txt").unlink(),
            (r / "b.txt").write_text("a"),
        ),  # a broken hard link
        lambda r: (
            (r / "link").unlink(),
            os.symlink("b.txt", r / "link"),
        ),  # link target
        lambda r: (r / "sub" / "new").write_bytes(b""),  # a new file
        lambda r: (
            os.chown(r / "a.txt", 65534, 65534)
            if os.geteuid() == 0
            else (r / "a.txt").unlink()
        ),
    ],
)
def test_every_recorded_property_is_compared(change, tmp_path: Path) -> None:
    before = _observe(_tree(tmp_path / "before"))
    after_root = _tree(tmp_path / "after")
    assert differences(before, _observe(after_root)) == []
    change(after_root)
    assert differences(before, _observe(after_root)) != []


def test_stdout_exit_code_and_last_stderr_line_are_compared(tmp_path: Path) -> None:
    root = _tree(tmp_path / "t")
    base = _observe(root, "out\n", "ValueError: x")
    assert differences(base, _observe(root, "out!\n", "ValueError: x"))
    assert differences(base, _observe(root, "out\n", "ValueError: y"))
    failed = Observation(1, base.stdout, base.stderr_last, base.tree, "")
    assert differences(base, failed)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            '  File "main.py", line 7, in <module>',
            '  File "main.py", line 8, in <module>',
        ),
        ("<class 'builtin_function_or_method'>", "<class 'function'>"),
        (
            "TypeError: 'bogus' is an invalid keyword argument for open()",
            "TypeError: open() got an unexpected keyword argument 'bogus'",
        ),
        (
            "TypeError: open() takes at most 8 arguments (9 given)",
            "TypeError: open() takes from 1 to 8 positional arguments but 9 were given",
        ),
    ],
)
def test_allowed_differences_are_normalised(before: str, after: str) -> None:
    assert normalise(before) == normalise(after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("read line 7", "read line 8"),  # a line number outside a traceback frame
        ("<class 'int'>", "<class 'function'>"),
        (  # a TypeError that is not about the call's arguments
            "TypeError: expected str, bytes or os.PathLike object, not NoneType",
            "TypeError: expected str, bytes or os.PathLike object, not MemoryPath",
        ),
        (  # an argument TypeError against another exception
            "TypeError: f() got an unexpected keyword argument 'x'",
            "AttributeError: 'str' object has no attribute 'write_text'",
        ),
    ],
)
def test_other_differences_are_kept(before: str, after: str) -> None:
    assert normalise(before) != normalise(after)


def test_rules_mix_pin_and_cache_and_exclude_setup_scripts() -> None:
    programs = all_programs()
    rules = tomllib.loads(rules_text(programs))
    assert rules["exclude"] == ["**/setup_tree.py"]
    assert {r["strategy"] for r in rules["rules"]} == {"pin", "cache"}
    assert {p.strategy for p in programs} == {"pin", "cache"}


def test_a_malformed_program_header_is_refused(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("print()\n")
    with pytest.raises(ValueError, match="first line"):
        load_program(tmp_path)
    (tmp_path / "main.py").write_text("# checks: x\n# fidelity: ipfs, sudo\n")
    with pytest.raises(ValueError, match="sudo"):
        load_program(tmp_path)
