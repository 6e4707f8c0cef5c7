"""The engine's contract: outcomes, messages, byte fidelity, never raising, picklable results."""

from __future__ import annotations

import pickle

from codemod_cases import CASES, PIN, output, run, run_code
from migrate_storage.codemods.model import Family, Reason, Status, Strategy
from migrate_storage.codemods.pipeline import prefilter
from migrate_storage.codemods.pipeline.engine import (
    FileResult,
    FileStatus,
    transform_source,
)
from migrate_storage.codemods.policy import FilePolicy


def test_syntax_error_is_skipped_with_its_line() -> None:
    result = run(CASES / "files" / "syntax_error.py")
    assert result.status is FileStatus.SKIPPED
    assert (
        result.message
        == "fixtures/cases/files/syntax_error.py:5: syntax error: expected ':'"
    )
    assert result.sites == () and result.new_source is None


def test_non_utf8_without_declaration_is_skipped() -> None:
    result = run(CASES / "files" / "non_utf8.py")
    assert result.status is FileStatus.SKIPPED
    assert result.message is not None
    assert result.message.startswith("fixtures/cases/files/non_utf8.py:1: not UTF-8")


def test_declared_encoding_is_honoured_and_kept() -> None:
    result = run(CASES / "files" / "latin1_declared.py")
    assert result.status is FileStatus.CHANGED
    assert result.new_source is not None
    assert "café".encode("latin-1") in result.new_source  # still latin-1 bytes
    assert result.new_source.startswith(b"# -*- coding: latin-1 -*-\n")


def test_bom_and_cookie_are_kept() -> None:
    result = run(CASES / "files" / "bom_cookie.py")
    assert result.status is FileStatus.CHANGED and result.new_source is not None
    assert result.new_source.startswith(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n")


def test_crlf_and_tabs_are_kept() -> None:
    result = run(CASES / "files" / "crlf_tabs.py")
    assert result.status is FileStatus.CHANGED and result.new_source is not None
    new = result.new_source
    assert b"\n" not in new.replace(b"\r\n", b"")  # every line still ends in CRLF
    assert b'\tstorage.dump_json(obj, path, "w", pin=True, call=json.dump)\r\n' in new
    assert b'\treturn open(path,\r\n\t\t\t"a", pin=True)\r\n' in new


def test_generated_file_is_skipped() -> None:
    result = run(CASES / "files" / "generated.py")
    assert result.status is FileStatus.SKIPPED
    assert (
        result.message
        == "fixtures/cases/files/generated.py:1: generated file (@generated marker), skipped"
    )


def test_generated_marker_counts_only_near_the_top() -> None:
    code = "\n" * 20 + "# @generated\nopen('x', 'w')\n"
    assert run_code(code).status is FileStatus.CHANGED


def test_file_without_targets_is_not_parsed() -> None:
    source = (CASES / "files" / "no_targets.py").read_bytes()
    assert not prefilter.may_contain_target(source, "storage_runtime")
    assert run(CASES / "files" / "no_targets.py").status is FileStatus.UNCHANGED


def test_prose_mentions_pass_the_text_filter_but_not_the_ast_scan() -> None:
    path = CASES / "files" / "docstring_only_mentions.py"
    source = path.read_bytes()
    assert prefilter.may_contain_target(source, "storage_runtime")
    assert prefilter.scan(source, source.decode(), "storage_runtime").candidates == ()


SCATTERED = """\
import json
from json import dump as save_json


@save_json(
    {"x": 1},
    None,
)
def decorated():
    pass


class Box:
    def __init__(self):
        global STATE
        STATE = (
            json
            .load(
                handle
            )
        )


def nested():
    def inner(p):
        return (p
                .open())
    return inner
"""


def test_the_scan_finds_calls_in_decorators_and_split_over_lines_and_the_fences() -> None:
    scan = prefilter.scan(SCATTERED.encode(), SCATTERED, "storage_runtime")
    assert [(c.shape, c.line, c.end_line) for c in scan.candidates] == [
        (("save_json", None), 5, 8),
        (("load", "json"), 17, 20),
        (("open", "p"), 26, 27),
    ]
    assert scan.from_names == {"save_json"} and scan.module_names == {"json", "save_json"}
    assert scan.fences == (15,)


def test_unchanged_output_is_the_input_byte_for_byte() -> None:
    path = CASES / "open" / "star_import.py"
    result = run(path)
    assert result.status is FileStatus.UNCHANGED and output(result) == path.read_bytes()


def test_internal_error_becomes_failed_with_traceback() -> None:
    class BrokenPolicy(FilePolicy):
        def strategy_for(self, family: Family) -> Strategy:  # a fault, on purpose
            raise ZeroDivisionError("boom")

    result = transform_source(
        b"open('x', 'w')\n", "m.py", BrokenPolicy(strategy=Strategy.PIN)
    )
    assert result.status is FileStatus.FAILED
    assert result.message is not None
    assert result.message.startswith("m.py:1: internal error: ZeroDivisionError: boom")
    assert "Traceback" in result.message
    assert result.source == b"open('x', 'w')\n" and result.new_source is None


def test_rewrite_false_only_classifies() -> None:
    result = transform_source(b"open('x', 'w')\n", "m.py", PIN, rewrite=False)
    assert result.status is FileStatus.UNCHANGED and result.new_source is None
    assert [s.status for s in result.sites] == [Status.PENDING]
    assert result.pending == result.sites and result.rewritten == ()


def test_result_pickles() -> None:
    result = run(CASES / "json" / "collapse.py")
    clone = pickle.loads(pickle.dumps(result))
    assert (
        isinstance(clone, FileResult)
        and clone == result
        and clone.pending == result.pending
    )


def test_sites_are_sorted_and_one_based() -> None:
    result = run_code("x = 1\nopen('a', 'w'); open('b')\n")
    assert [(s.line, s.column) for s in result.sites] == [(2, 0), (2, 16)]


def test_runtime_module_is_configurable() -> None:
    policy = FilePolicy(strategy=Strategy.CACHE, runtime_module="acme.storage")
    result = run_code(
        "from pathlib import Path\nPath('a').write_text('x')\nopen('b', 'a')\n", policy
    )
    assert result.new_source is not None
    text = result.new_source.decode()
    assert "from acme.storage import open, storage\n" in text
    assert "storage.write_text(Path('a'), 'x', pin=False)" in text
    again = transform_source(result.new_source, "m.py", policy)
    assert again.status is FileStatus.UNCHANGED
    assert {s.status for s in again.sites} == {Status.MIGRATED}


def test_bytes_libcst_loses_are_kept_by_a_line_merge() -> None:
    """LibCST 1.9 drops the space in `except (A, B) :`; the rewrite must not."""
    code = "try:\n    f = open('x', 'w')\nexcept (OSError, ValueError) :\n    pass\n"
    result = run_code(code)
    assert result.status is FileStatus.CHANGED, result.message
    assert result.new_source is not None
    assert b"except (OSError, ValueError) :\n" in result.new_source
    assert b"    f = open('x', 'w', pin=True)\n" in result.new_source


def test_attribute_handle_follows_the_open_stored_to_it() -> None:
    code = (
        "import json\nclass S:\n    def __init__(self, p):\n        self._h = open(p, 'r+')\n"
        "    def read(self):\n        return json.load(self._h)\n"
    )
    result = run_code(code)
    sites = {s.name: s for s in result.sites}
    assert sites["json.load"].status is Status.PENDING
    assert result.new_source is not None
    after = {s.name: s for s in run_code(result.new_source.decode()).sites}
    assert after["json.load"].status is Status.MIGRATED
    stored_elsewhere = code + "s = S('a')\ns._h = other()\n"
    sites = {s.name: s for s in run_code(stored_elsewhere).sites}
    assert sites["json.load"].reason is Reason.RECEIVER_UNKNOWN


def test_warm_up_goes_through_a_whole_rewrite_before_workers_fork() -> None:
    import subprocess
    import sys

    from migrate_storage.codemods.pipeline import engine

    sample = transform_source(engine._WARM_UP_SOURCE, "w.py", FilePolicy())
    assert sample.status is FileStatus.CHANGED  # the sample reaches every stage
    code = (
        "import sys\n"
        "import libcst as cst\n"
        "from migrate_storage.codemods.pipeline import engine\n"
        "from migrate_storage.codemods.speedups import walk as _walk\n"
        "before = 'libcst.codemod' in sys.modules\n"
        "engine.warm_up()\n"
        "print(before, 'libcst.codemod' in sys.modules, all(c in _walk._FIELDS for c in (cst.FunctionDef, cst.With, cst.Call)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]
