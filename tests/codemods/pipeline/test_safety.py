"""The safety net: stray changes, a second pass that still changes, output that fails."""

from __future__ import annotations

from pathlib import Path

from migrate_storage.codemods.analysis.plan import Plan
from migrate_storage.codemods.model import Family, Site, Status
from migrate_storage.codemods.pipeline import safety

ORIGINAL = "import os\n\n\ndef f(p):\n    return open(p, 'w')\n"
REWRITTEN = "import os\nfrom storage_runtime import open\n\n\ndef f(p):\n    return open(p, 'w', pin=True)\n"


def _plan(*regions: tuple[int, int]) -> Plan:
    plan = Plan()
    plan.regions.extend(regions)
    return plan


def _clean(new: bytes, focus: frozenset[int]):
    return (), False


def _check(
    new: str, rerun=_clean, original: str = ORIGINAL, region=(5, 5)
) -> str | None:
    """safety.check of ORIGINAL (or `original`) -> `new`, one rewritten region."""
    return safety.check(
        original.encode(),
        original,
        new.encode(),
        "m.py",
        _plan(region),
        "storage_runtime",
        rerun=rerun,
    )


def _dumped_diff(problem: str) -> Path:
    """The temporary diff file a failed check names."""
    return Path(problem.rsplit("(diff in ", 1)[1].rstrip(")"))


def test_rewrite_inside_regions_and_imports_passes() -> None:
    assert safety.compare(ORIGINAL, REWRITTEN, [(5, 5)], "storage_runtime").stray == []
    problem = _check(REWRITTEN)
    assert problem is None


def test_change_outside_any_region_fails_and_dumps_a_diff() -> None:
    tampered = REWRITTEN.replace("import os", "import sys")
    problem = _check(tampered)
    assert problem is not None
    assert problem.startswith(
        "m.py:1: safety check failed: line 1 changed outside any rewritten call (diff in "
    )
    diff_file = _dumped_diff(problem)
    assert (
        "-import os" in diff_file.read_text() and "+import sys" in diff_file.read_text()
    )
    diff_file.unlink()


def test_second_pass_that_changes_again_fails() -> None:
    problem = _check(REWRITTEN, rerun=lambda new, focus: ((), True))
    assert problem is not None and "not idempotent" in problem
    _dumped_diff(problem).unlink()


def test_pending_after_rewrite_fails() -> None:
    left = Site("m.py", 5, 11, Family.OPEN, "open", Status.PENDING)
    problem = _check(REWRITTEN, rerun=lambda new, focus: ((left,), False))
    assert problem is not None and problem.startswith(
        "m.py:5: safety check failed: 1 site(s) still pending"
    )
    _dumped_diff(problem).unlink()


def test_output_that_does_not_compile_fails() -> None:
    broken = REWRITTEN.replace("pin=True)", "pin=True")
    problem = _check(broken)
    assert problem is not None and "output does not compile" in problem
    _dumped_diff(problem).unlink()


def test_input_that_does_not_compile_only_needs_to_parse() -> None:
    original = "return open('x', 'w')\n"  # parses, but `return` outside a function
    new = "from storage_runtime import open\n\nreturn open('x', 'w', pin=True)\n"
    assert _check(new, original=original, region=(1, 1)) is None


def test_stray_line_numbers_are_one_based() -> None:
    old = "a = 1\nb = 2\nc = 3\n"
    new = "a = 1\nb = 20\nc = 3\n"
    assert safety.compare(old, new, [], "storage_runtime").stray == [2]
    inserted = "a = 1\nb = 2\nx = 9\nc = 3\n"
    assert safety.compare(old, inserted, [], "storage_runtime").stray == [3]


def test_the_second_pass_is_given_the_new_lines_that_changed() -> None:
    seen: list[frozenset[int]] = []

    def recording(new: bytes, focus: frozenset[int]):
        seen.append(focus)
        return (), False

    assert _check(REWRITTEN, rerun=recording) is None
    assert seen == [frozenset({2, 6})]  # the added import and the rewritten call


def _function(name: str, call: str) -> str:
    body = "".join(f"    x{i} = {i}\n" for i in range(8))
    return f"def {name}(p):\n{body}    return {call}\n\n\n"


def test_a_focused_pass_classifies_only_the_functions_holding_a_focus_line() -> None:
    from migrate_storage.codemods.pipeline.engine import analyse_source
    from migrate_storage.codemods.policy import FilePolicy

    source = "import json\n\n\n" + _function("first", "open(p)") + _function("second", "open(p, 'w')")
    policy = FilePolicy()
    every = analyse_source(source.encode(), "m.py", policy, rewrite=False)
    assert [s.line for s in every.sites] == [13, 25]
    second_only = analyse_source(source.encode(), "m.py", policy, rewrite=False, focus=[20])
    assert [(s.line, s.status) for s in second_only.sites] == [(25, Status.PENDING)]
    outside = analyse_source(source.encode(), "m.py", policy, rewrite=False, focus=[1])
    assert outside.sites == ()


CUT_SOURCE = (
    "import os\nfrom pathlib import Path\n\n\n"
    + _function("unrelated", "1")
    + _function("write", "open(p, 'w')")
    + _function("also_unrelated", "2")
    + _function("read", "Path(p).read_text()")
    + _function("unsupported", "os.open(p, os.O_WRONLY)")
)


def test_the_second_pass_over_the_rewritten_cut_sees_what_a_whole_source_pass_sees() -> None:
    from migrate_storage.codemods.pipeline import engine
    from migrate_storage.codemods.policy import FilePolicy

    policy = FilePolicy()
    analysis = engine.analyse_source(CUT_SOURCE.encode(), "m.py", policy)
    assert analysis.new_source is not None and analysis.rewritten_cut is not None
    every_line = frozenset(range(1, analysis.new_source.count(b"\n") + 1))
    via_cut = engine._rerun(analysis.new_source, every_line, "m.py", policy, analysis.rewritten_cut)
    whole = engine._rerun(analysis.new_source, every_line, "m.py", policy, None)
    assert via_cut == whole
    new_lines = analysis.new_source.decode().splitlines()
    spelled = {s.name: (s.status, new_lines[s.line - 1]) for s in via_cut[0]}
    assert (
        spelled["storage_runtime.open"],
        spelled["storage_runtime.storage.read_text"],
        spelled["os.open"],
    ) == (
        (Status.MIGRATED, "    return open(p, 'w', pin=False)"),
        (Status.MIGRATED, "    return storage.read_text(Path(p))"),
        (Status.UNMIGRATED, "    return os.open(p, os.O_WRONLY)"),
    )
    assert via_cut[1] is False
    # The focus the safety net passes: the lines the rewrite changed. The function with
    # `os.open` was not changed, so neither pass looks into it.
    from migrate_storage.codemods.pipeline import prefilter

    changed = safety.compare(
        analysis.text, prefilter.decode(analysis.new_source), analysis.plan.regions, "storage_runtime"
    ).new_lines
    focused = engine._rerun(analysis.new_source, changed, "m.py", policy, analysis.rewritten_cut)
    assert focused == engine._rerun(analysis.new_source, changed, "m.py", policy, None)
    assert sorted(s.name for s in focused[0]) == [
        "storage_runtime.open",
        "storage_runtime.storage.read_text",
    ]


def _failed_through_the_cut_pass(monkeypatch, rewrite_path_call) -> str:
    """The message of the engine's FAILED result for CUT_SOURCE with pathlib_io's
    rewrite replaced by `rewrite_path_call`; the second pass must have read the cut."""
    from migrate_storage.codemods.families import pathlib_io
    from migrate_storage.codemods.model import FileStatus
    from migrate_storage.codemods.pipeline import engine
    from migrate_storage.codemods.policy import FilePolicy

    cut_passes = []
    real = engine._rerun_cut
    monkeypatch.setattr(pathlib_io, "rewrite_path_call", rewrite_path_call)
    monkeypatch.setattr(engine, "_rerun_cut", lambda *a: cut_passes.append(a) or real(*a))
    result = engine.transform_source(CUT_SOURCE.encode(), "m.py", FilePolicy())
    assert result.status is FileStatus.FAILED and result.new_source is None
    assert len(cut_passes) == 1
    return result.message or ""


def test_a_rewrite_whose_text_says_more_than_its_tree_fails(monkeypatch) -> None:
    import libcst as cst

    def text_with_a_call(call, edit, storage_name):  # one string node, printed as code
        return cst.SimpleString('"x" + Path(p).read_text() + "y"')

    message = _failed_through_the_cut_pass(monkeypatch, text_with_a_call)
    # The printed `Path(p).read_text()` is found pending, and a pass would rewrite it.
    assert "a second pass would change the output again" in message


def test_a_rewrite_a_second_pass_would_change_again_fails(monkeypatch) -> None:
    def one_more_space(call, edit, storage_name):  # each pass adds a space
        space = call.whitespace_before_args
        return call.with_changes(whitespace_before_args=space.with_changes(value=space.value + " "))

    message = _failed_through_the_cut_pass(monkeypatch, one_more_space)
    assert "a second pass would change the output again (not idempotent)" in message


def test_a_site_the_rewrite_left_pending_fails_through_the_cut_pass(monkeypatch) -> None:
    def still_a_path_call(call, edit, storage_name):  # touches the line, rewrites nothing
        return call.with_changes(whitespace_before_args=call.whitespace_before_args.with_changes(value=" "))

    message = _failed_through_the_cut_pass(monkeypatch, still_a_path_call)
    # Reported at its line in the whole rewritten source (one import line was added).
    line = CUT_SOURCE.splitlines().index("    return Path(p).read_text()") + 1 + 1
    assert message.startswith(f"m.py:{line}: safety check failed: 1 site(s) still pending after the rewrite")


def test_a_rewrite_made_on_a_cut_is_compiled_as_its_cut_and_errors_name_whole_source_lines() -> None:
    """Check 1 compiles the rewritten cut, not the whole file; its error's line is mapped
    back to the whole source's. Through the engine, the same broken rewrite is FAILED
    whether the cut or the whole source is compiled."""
    cut = "import os\nfrom storage_runtime import open\n\n\ndef f(p):\n    return open(p, 'w', pin=True\n"
    lines = [1, 2, 3, 4, 20, 21]  # the cut's lines stand for lines 20-21 of the file
    broken = safety.check(
        ORIGINAL.encode(), ORIGINAL, REWRITTEN.encode(), "m.py", _plan((5, 5)),
        "storage_runtime", rerun=_clean, cut=(cut.encode(), lines),
    )
    assert broken is not None and broken.startswith("m.py:21: safety check failed: output does not compile")
    _dumped_diff(broken).unlink()
    fine = safety.check(
        ORIGINAL.encode(), ORIGINAL, REWRITTEN.encode(), "m.py", _plan((5, 5)),
        "storage_runtime", rerun=_clean, cut=(REWRITTEN.encode(), [1, 2, 3, 4, 5, 6]),
    )
    assert fine is None
