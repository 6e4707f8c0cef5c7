"""Property tests: on any Python source, `transform_source` never raises or FAILs, yields
code that compiles, and is idempotent.

Inputs come from hypothesmith (`from_grammar()`: programs derived from CPython's grammar;
`from_node()`: LibCST trees) and, because random programs rarely contain file I/O, from a
strategy that splices real-world I/O snippets (see /work/shared/REAL_PATTERNS.md) into
generated programs at top level or inside a def/async def/class/if body. The number of
examples is bounded so this file runs in well under a minute.
"""

from __future__ import annotations

import ast
import textwrap
import warnings

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from migrate_storage.codemods.model import Family, Status, Strategy
from migrate_storage.codemods.pipeline.engine import (
    FileResult,
    FileStatus,
    transform_source,
)
from migrate_storage.codemods.policy import FilePolicy

# hypothesmith compiles what it generates; CPython's SyntaxWarnings about it are noise.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

PATH = "generated/mod.py"
# Built once: constructing a grammar strategy compiles CPython's grammar (seconds).
PROGRAMS = hypothesmith.from_grammar()
TREES = hypothesmith.from_node()

POLICIES = st.sampled_from(
    [
        FilePolicy(strategy=Strategy.PIN),
        FilePolicy(strategy=Strategy.CACHE),
        FilePolicy(strategy=Strategy.LOCAL),
        FilePolicy(
            strategy=Strategy.PIN,
            families=(Family.JSON, Family.PICKLE),
            fallback=Strategy.CACHE,
        ),
        FilePolicy(
            strategy=Strategy.CACHE, families=(Family.OPEN,), fallback=Strategy.LOCAL
        ),
        FilePolicy(strategy=Strategy.PIN, runtime_module="company.storage_rt"),
        FilePolicy(strategy=Strategy.PIN, excluded=True),
    ]
)

# File I/O as real code writes it, plus look-alikes, shadowing and already-migrated code.
IO_SNIPPETS = [
    'with open("a.txt", "w") as f:\n    f.write("x")\n',
    'data = open("a.txt").read()\n',
    'import json\nwith open("c.json", "w", encoding="utf-8") as f:\n    json.dump({"k": 1}, f, indent=2, sort_keys=True)\n',
    'import json\nwith open("c.json") as f:\n    cfg = json.load(f)\n',
    'import json\nx = json.load(open("c.json"))\njson.dump(x, open("d.json", "w"))\n',
    'import pickle\nwith open("m.pkl", "rb") as f:\n    model = pickle.load(f)\n',
    'import pickle\nwith open("m.pkl", "wb") as f:\n    pickle.dump(model, f, protocol=4)\n',
    'from pathlib import Path\nPath("p.txt").write_text("t", encoding="utf-8")\n',
    'import json\nfrom pathlib import Path\ncfg = json.loads((Path(__file__).parent / "x.json").read_text())\n',
    'import pathlib\npathlib.Path.home().joinpath("b").write_bytes(b"")\nprint(pathlib.Path.cwd().read_bytes())\n',
    "def opener(p, mode):\n    return open(p, mode)\n",
    'mode = "a" if flag else "w"\nwith open(f"{name}.log", mode) as log, open("b", "rb") as src:\n    log.write(src.read())\n',
    'async def save(p):\n    with open(p, "x") as f:\n        f.write("1")\n',
    'reader = lambda p: open(p, "rb").read()\n',
    'import io\nio.open("t", "w", newline="").close()\n',
    'import builtins\nbuiltins.open("t", "a+", errors="replace").close()\n',
    'from io import open as o\no("t", "r+").close()\n',
    'def open(p):\n    return p\nopen("shadowed", "w")\n',
    'import os\nos.close(os.open("t", os.O_RDONLY | os.O_NOFOLLOW))\n',
    'from gzip import open\nopen("g.gz", "wb")\n',
    'import tarfile, webbrowser, codecs\ntarfile.open("t.tar", "w")\nwebbrowser.open("u")\ncodecs.open("c", "w")\n',
    'storage = 1\nwith open("s", "w") as f:\n    f.write("s")\n',
    'from pathlib import Path\ndef f(p: Path):\n    with p.open("rb") as h:\n        return h.read()\n',
    'import json as j\nwith open("j", "w") as f:\n    j.dump([1], f)\nf.close()\n',
    '@decorator\ndef g():\n    return open("d", "wb")\n',
    'open(*args, **kwargs)\nopen(file="k", mode="w")\n',
    'from storage_runtime import open, storage\nwith open("m", "w", pin=True) as f:\n    storage.dump_json({}, "n", pin=False)\n',
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pathlib import Path\n",
    'with open("crlf", "w") as f:\r\n\tf.write("x")\r\n',
    'f = open("u", "w")\nprint("x", file=f)\nf.close()\n',
]

WRAPPERS = [
    "{body}",
    "def _w():\n{body}",
    "async def _w():\n{body}",
    "class _W:\n{body}",
    "if _c:\n{body}",
]


def _compiles(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, PATH, "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def _top_level_starts(source: str) -> list[int]:
    """0-based line indexes where a top-level statement (or its decorators) begins."""
    starts: list[int] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            starts.clear()  # nothing may precede a future import
            continue
        if node.col_offset != 0:
            continue
        decorators = getattr(node, "decorator_list", [])
        starts.append(min([node.lineno] + [d.lineno for d in decorators]) - 1)
    return starts


@st.composite
def spliced_programs(draw: st.DrawFn) -> str:
    """A hypothesmith program with 1-3 I/O snippets inserted between its statements."""
    base = draw(PROGRAMS)
    assume(_compiles(base))
    lines = base.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    starts = _top_level_starts(base) + [len(lines)]
    for _ in range(draw(st.integers(1, 3))):
        snippet = draw(st.sampled_from(IO_SNIPPETS))
        wrapper = draw(st.sampled_from(WRAPPERS))
        body = snippet if wrapper == "{body}" else textwrap.indent(snippet, "    ")
        where = draw(st.sampled_from(starts))
        lines[where:where] = [wrapper.format(body=body)]
        starts = [s if s < where else s + 1 for s in starts]
    return "".join(lines)


def _check(source: bytes, policy: FilePolicy) -> FileResult:
    """The properties every input must have; returns the first result for extra checks."""
    result = transform_source(source, PATH, policy)
    assert result.status is not FileStatus.FAILED, result.message
    assert result.source == source
    if result.status is FileStatus.SKIPPED:
        assert result.new_source is None
        return result
    pending = [s for s in result.sites if s.status is Status.PENDING]
    assert list(result.pending) == pending == list(result.rewritten)
    assert (result.status is FileStatus.CHANGED) == bool(pending), result.status
    if policy.excluded or (
        policy.strategy is Strategy.LOCAL and policy.families is None
    ):
        assert result.status is FileStatus.UNCHANGED, (
            "an excluded/local file was rewritten"
        )
    found = transform_source(source, PATH, policy, rewrite=False)
    assert found.sites == result.sites, "finder and rewriter disagree"
    if result.status is FileStatus.UNCHANGED:
        assert result.new_source is None
        return result
    new = result.new_source
    assert new is not None and new != source
    if _compiles(source.decode("utf-8")):
        assert _compiles(new.decode("utf-8")), new.decode("utf-8")
    again = transform_source(new, PATH, policy)
    assert again.status is FileStatus.UNCHANGED, (
        again.status,
        again.message,
        new.decode(),
    )
    assert not again.pending
    return result


COMMON = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
    database=None,
)


@settings(COMMON, max_examples=100)
@given(source=PROGRAMS, policy=POLICIES)
def test_generated_programs(source: str, policy: FilePolicy) -> None:
    _check(source.encode("utf-8"), policy)


@settings(COMMON, max_examples=25)
@given(source=TREES, policy=POLICIES)
def test_generated_libcst_trees(source: str, policy: FilePolicy) -> None:
    _check(source.encode("utf-8"), policy)


@settings(COMMON, max_examples=100)
@given(source=spliced_programs(), policy=POLICIES)
def test_programs_with_file_io(source: str, policy: FilePolicy) -> None:
    _check(source.encode("utf-8"), policy)


@pytest.mark.parametrize("index", range(len(IO_SNIPPETS)))
def test_each_snippet(index: int) -> None:
    """Every snippet alone, under pin, in a wrapper that rotates with its index: the
    deterministic floor under the random cases (hypothesis might not draw some)."""
    snippet = IO_SNIPPETS[index]
    wrapper = WRAPPERS[index % len(WRAPPERS)]
    body = snippet if wrapper == "{body}" else textwrap.indent(snippet, "    ")
    source = wrapper.format(body=body)
    assert _compiles(source)
    _check(source.encode("utf-8"), FilePolicy(strategy=Strategy.PIN))


def test_spliced_snippets_are_rewritten() -> None:
    """The splice strategy must reach the rewriter, else the properties above are vacuous."""
    changed = 0
    for snippet in IO_SNIPPETS:
        result = transform_source(
            snippet.encode("utf-8"), PATH, FilePolicy(strategy=Strategy.PIN)
        )
        changed += result.status is FileStatus.CHANGED
    assert changed >= len(IO_SNIPPETS) // 2


@settings(COMMON, max_examples=100)
@given(
    data=st.binary(max_size=200)
    | st.text(max_size=200).map(lambda t: t.encode("utf-8"))
)
def test_arbitrary_bytes_never_fail(data: bytes) -> None:
    """Should do nothing harmful, since arbitrary bytes are mostly not Python: SKIPPED or
    UNCHANGED, never FAILED, never an exception."""
    result = transform_source(data, PATH, FilePolicy(strategy=Strategy.CACHE))
    assert result.status is not FileStatus.FAILED, result.message
    if result.status is FileStatus.CHANGED and _compiles(data.decode("utf-8")):
        assert result.new_source is not None
        assert _compiles(result.new_source.decode("utf-8"))
