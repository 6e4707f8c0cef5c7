"""Valid Python that LibCST cannot take with the default stack (deep nesting) or reads
otherwise than Python (a form feed in an indentation) is rewritten, or reported with the
exact reason, and the other files of the tree are still processed (issue 13, item 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from migrate_storage.codemods.model import FileStatus
from migrate_storage.codemods.pipeline import engine
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.policy import FilePolicy

SITE = "import json\n\n\ndef save(p, x):\n    with open(p, 'w') as fh:\n        json.dump(x, fh)\n\n\n"
REWRITTEN_SITE = "    storage.dump_json(x, p, 'w', pin=False, call=json.dump)\n"

PLUS = "total = " + " + ".join(f"x{i}" for i in range(250)) + "\n"
ELIF = "if a == 0:\n    r = 0\n" + "".join(f"elif a == {i}:\n    r = {i}\n" for i in range(1, 250))
CHAIN = "y = o" + ".m()" * 500 + "\n"
# The deep code sits at module level (and in the function holding the site), where it is
# always parsed, never cut out as a body with no candidate.
DEEP = {"plus": PLUS, "elif": ELIF, "chain": CHAIN}


def _in_function(code: str) -> str:
    return "".join(f"    {line}\n" for line in code.splitlines())


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deeply_nested_valid_python_is_rewritten(shape: str) -> None:
    code = DEEP[shape]
    source = SITE + code + "\n\ndef also(p, x, o, a):\n" + _in_function(code) + (
        "    with open(p, 'w') as fh:\n        json.dump(x, fh)\n"
    )
    compile(source, "m.py", "exec")  # valid Python
    result = transform_source(source.encode(), "m.py", FilePolicy())
    assert result.status is FileStatus.CHANGED, result.message
    new = result.new_source.decode()
    compile(new, "m.py", "exec")
    assert new.count(REWRITTEN_SITE) == 2
    assert code in new  # the deep code itself is left as it was
    assert sys.getrecursionlimit() < engine._DEEP_RECURSION_LIMIT  # restored


def test_too_deep_even_for_the_large_stack_is_reported_with_the_reason(monkeypatch) -> None:
    monkeypatch.setattr(engine, "_DEEP_RECURSION_LIMIT", 400)
    source = SITE + CHAIN
    result = transform_source(source.encode(), "m.py", FilePolicy())
    assert result.status is FileStatus.FAILED and result.new_source is None
    assert result.message == (
        "m.py:1: nested too deeply for LibCST even with a 512 MiB stack and a recursion "
        "limit of 400; not rewritten"
    )


FED = SITE + "def other(a):\n    b = a\n\x0c    return b\n\n\n\x0c\nclass K:\n\x0c    x = 1\n  \x0c    y = 2\n"


def test_a_form_feed_in_an_indentation_is_kept_and_the_file_rewritten() -> None:
    exec(compile(FED, "m.py", "exec"), {})  # valid Python: Python reads the \f as a reset
    result = transform_source(FED.encode(), "m.py", FilePolicy())
    assert result.status is FileStatus.CHANGED, result.message
    new = result.new_source.decode()
    expected = FED.replace("    with open(p, 'w') as fh:\n        json.dump(x, fh)\n", REWRITTEN_SITE)
    assert new == expected.replace("import json\n", "import json\nfrom storage_runtime import storage\n", 1)
    assert "\x0c    return b\n" in new and "  \x0c    y = 2\n" in new


def test_a_rewrite_on_a_form_fed_line_is_reported_exactly() -> None:
    source = SITE.replace("    with open", "\x0c    with open")
    result = transform_source(source.encode(), "m.py", FilePolicy())
    assert result.status is FileStatus.SKIPPED and result.new_source is None
    assert result.message == (
        "m.py:5: a form feed in this line's indentation, which LibCST cannot read as "
        "Python does; the line holds a rewrite, so the file is not rewritten"
    )


def test_the_rest_of_the_tree_is_processed_with_workers(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for shape, code in DEEP.items():
        (tree / f"{shape}.py").write_text(SITE + code)
    (tree / "fed_site.py").write_text(SITE.replace("    with open", "\x0c    with open"))
    (tree / "fed.py").write_text(FED)
    (tree / "plain.py").write_text(SITE)
    cli = Path(sys.executable).parent / "migrate-storage"
    done = subprocess.run(
        [str(cli), "--no-cache", "-j", "2", "apply", str(tree)], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr  # the one file that could not be rewritten
    assert "fed_site.py:5: a form feed in this line's indentation" in done.stderr
    assert "Traceback" not in done.stderr
    for name in ["plus", "elif", "chain", "fed", "plain"]:
        assert REWRITTEN_SITE in (tree / f"{name}.py").read_text(), name
    assert (tree / "fed_site.py").read_text() == SITE.replace("    with open", "\x0c    with open")
