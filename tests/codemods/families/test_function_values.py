"""File functions used as values, end to end (families/function_values.py).

Every case runs the whole engine (prefilter, prune, finder, rewrite, safety net): what
is counted and under which family, what is not a site, that the `ast` scan and the
LibCST collector see the same references (so positions come from the scan and a cut
module counts what the whole one does), and that `coverage` and `apply` agree: the
references are unmigrated before and after, and apply leaves their text alone.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner
from codemod_cases import run_code
from migrate_storage.codemods.analysis.collect import Collector
from migrate_storage.codemods.cli.main import main
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status, Strategy
from migrate_storage.codemods.pipeline import prefilter
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)
VALUE = Reason.FUNCTION_VALUE


def values(
    code: str, policy: FilePolicy = PIN
) -> list[tuple[int, str, Family, Status, Reason | None]]:
    """(line, name, family, status, reason) of the sites that are references."""
    result = run_code(textwrap.dedent(code), policy)
    assert result.status is not FileStatus.FAILED, result.message
    calls = _call_lines(textwrap.dedent(code))
    return [
        (s.line, s.name, s.family, s.status, s.reason)
        for s in result.sites
        if (s.line, s.column) not in calls
    ]


def _call_lines(code: str) -> set[tuple[int, int]]:
    import ast

    return {
        (n.lineno, n.col_offset)
        for n in ast.walk(ast.parse(code))
        if isinstance(n, ast.Call)
    }


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import os\nretry(os.replace, a, b)\n", [(2, "os.replace", Family.LIFECYCLE)]),
        ("import os as o\nretry(fn=o.remove)\n", [(2, "os.remove", Family.LIFECYCLE)]),
        (
            (
                "from os import replace as concurrency_safe_rename\n"
                "class S:\n    _move = staticmethod(concurrency_safe_rename)\n"
            ),
            [(3, "os.replace", Family.LIFECYCLE)],
        ),
        ("class S:\n    _open_item = staticmethod(open)\n", [(2, "open", Family.OPEN)]),
        (
            "def load(p, opener=open):\n    return opener(p)\n",
            [(1, "open", Family.OPEN)],
        ),
        ("import io\nOPENERS = [io.open]\n", [(2, "io.open", Family.OPEN)]),
        ("import codecs\nf = codecs.open\n", [(2, "codecs.open", Family.OPEN)]),
        (
            "import lzma, gzip\nCOMPRESSORS = {'xz': lzma.LZMAFile, 'gz': gzip.open}\n",
            [
                (2, "lzma.LZMAFile", Family.THIRD_PARTY),
                (2, "gzip.open", Family.THIRD_PARTY),
            ],
        ),
        (
            "import bz2\nclass C:\n    def __init__(self):\n        self.factory = bz2.BZ2File\n",
            [(4, "bz2.BZ2File", Family.THIRD_PARTY)],
        ),
        (
            "import os\nlist(map(os.remove, paths))\n",
            [(2, "os.remove", Family.LIFECYCLE)],
        ),
        (
            "import functools, shutil\ncp = functools.partial(shutil.copy, src)\n",
            [(2, "shutil.copy", Family.LIFECYCLE)],
        ),
        (
            "import shutil\ndef f():\n    return shutil.move\n",
            [(3, "shutil.move", Family.LIFECYCLE)],
        ),
        (
            "import shutil\ng = lambda: shutil.rmtree\n",
            [(2, "shutil.rmtree", Family.LIFECYCLE)],
        ),
        (
            "import pandas as pd\nREADERS = (pd.read_csv,)\n",
            [(2, "pandas.read_csv", Family.THIRD_PARTY)],
        ),
    ],
)
def test_a_file_function_used_as_a_value_is_a_site_of_its_family(
    code: str, expected: list[tuple[int, str, Family]]
) -> None:
    assert values(code) == [
        (line, name, family, Status.UNMIGRATED, VALUE)
        for line, name, family in expected
    ]


@pytest.mark.parametrize(
    "code",
    [
        "import os\nos.replace(a, b)\n",  # a call: the lifecycle site itself
        "x = open.__name__\n",
        "import os\nif fn is os.replace or fn == os.remove:\n    pass\n",
        # a capability check: the displays' elements are only compared (nltk, shutil)
        "import os\nFD_OK = {os.open, os.unlink} <= os.supports_dir_fd\n",
        "import os, shutil\nif fn in (os.remove, shutil.rmtree):\n    pass\n",
        "import gzip\nok = isinstance(f, gzip.GzipFile) or hasattr(open, 'x')\n",
        "import gzip\nfrom typing import Optional\ndef f(h: Optional[gzip.GzipFile]) -> gzip.GzipFile:\n    x: gzip.GzipFile = h\n",
        "import gzip\nfrom typing import Union\nHandle = Union[gzip.GzipFile, None]\n",
        "import zipfile\nclass Archive(zipfile.ZipFile):\n    pass\n",
        "import shutil\nshutil.copytree(a, b, copy_function=shutil.copy2)\n",
        "import os\nfrom storage_runtime import storage\nstorage.replace(a, b, pin=True, call=os.replace)\n",
        "def f(open):\n    return open\n",  # a parameter named open
        "def open(p):\n    pass\nOPENERS = [open]\n",  # the module's own open
        "import os\nos.replace = fake\ndel os.remove\n",  # stores, not reads
        "from os import replace\nreplace, x = 1, 2\n",
        "x = 'open'\n# open\n",
        # the object a patch replaces an attribute of
        (
            "import tarfile\nfrom unittest import mock\n"
            "with mock.patch.object(tarfile.TarFile, 'extractall', side_effect=OSError):\n    pass\n"
        ),
        # a class alone given to a `register`: a dispatch key, a virtual subclass
        (
            "import io\nimport numpy as np\n@normalize.register(np.memmap)\ndef _(x):\n    pass\n"
            "@wrap.register(io.FileIO)\ndef _(x):\n    pass\n"
        ),
        "import abc, gzip\nabc.ABC.register(gzip.GzipFile)\n",
    ],
)
def test_what_never_calls_it_is_not_a_site(code: str) -> None:
    assert values(code) == []


def test_a_register_that_may_call_what_it_gets_still_counts() -> None:
    code = (
        "import atexit, io, os, shutil\nfrom unittest import mock\n"
        "atexit.register(shutil.rmtree, d)\n"  # a function, called at exit
        "codecs.register(os.remove)\n"  # a function, called later
        "wrap.register(io.FileIO, handler)\n"  # the class with more: not judged
        "mock.patch.object(target, 'x', os.remove)\n"  # the replacement: it is called
    )
    assert [(line, name) for line, name, *_ in values(code)] == [
        (3, "shutil.rmtree"), (4, "os.remove"), (5, "io.FileIO"), (6, "os.remove")
    ]


def test_a_display_that_is_not_only_compared_still_escapes() -> None:
    code = "import os\nREMOVERS = {os.unlink} | extra\nok = [os.remove][0] == f\n"
    assert [(line, name) for line, name, *_ in values(code)] == [(2, "os.unlink"), (3, "os.remove")]


def test_a_bare_name_in_a_module_with_a_star_import_cannot_be_known() -> None:
    code = "from os import *\nclass S:\n    _open = staticmethod(open)\n"
    assert values(code) == [
        (3, "open", Family.OPEN, Status.UNMIGRATED, Reason.STAR_IMPORT)
    ]


def test_a_removal_of_a_proven_temporary_folder_is_scratch() -> None:
    """A registered cleanup of a `mkdtemp()` folder is scratch; a temporary file's name
    handed on with the removal is not proven (what `retry` does with it is not known)."""
    code = """
        import atexit, os, shutil, tempfile

        def folder():
            d = tempfile.mkdtemp()
            atexit.register(shutil.rmtree, d)
            return d

        def reserved():
            fd, tmp = tempfile.mkstemp()
            os.close(fd)
            retry(os.remove, tmp)
    """
    assert values(code) == [
        (6, "shutil.rmtree", Family.SCRATCH, Status.LOCAL, Reason.TEMPORARY_DIRECTORY),
        (12, "os.remove", Family.LIFECYCLE, Status.UNMIGRATED, VALUE),
    ]


def test_the_rules_apply_to_value_sites() -> None:
    code = "import os\nretry(os.replace, a, b)\n"
    local = FilePolicy(
        strategy=Strategy.PIN, by_family=((Family.LIFECYCLE, Strategy.LOCAL),)
    )
    assert values(code, local) == [
        (2, "os.replace", Family.LIFECYCLE, Status.LOCAL, Reason.LOCAL_RULE)
    ]
    excluded = FilePolicy(strategy=Strategy.PIN, excluded=True)
    assert values(code, excluded) == [
        (2, "os.replace", Family.LIFECYCLE, Status.UNMIGRATED, Reason.EXCLUDED_FILE)
    ]


def test_a_value_in_a_function_without_a_candidate_call_is_kept_by_the_cut() -> None:
    """Pruning cuts functions with no candidate: a reference is a candidate too, so the
    function that holds it stays, and the cut module counts what the whole one does."""
    filler = "".join(
        f"def filler_{i}(x):\n    y = x + {i}\n    return y\n\n" for i in range(30)
    )
    code = (
        "import os\n\n" + filler + "class Cache:\n    def get(self, key):\n"
        "        return self._run_safely(open, key, 'rb')\n\n"
        "    def set(self, tmp, key):\n        self._run_safely(os.replace, tmp, key)\n\n"
        "def write(p):\n    with open(p, 'w') as f:\n        f.write('x')\n"
    )
    found = values(code)
    assert [(name, reason) for _, name, _, _, reason in found] == [
        ("open", VALUE),
        ("os.replace", VALUE),
    ]
    lines = code.splitlines()
    assert "_run_safely(open" in lines[found[0][0] - 1]
    assert "_run_safely(os.replace" in lines[found[1][0] - 1]


TRICKY = """
import os, shutil
from os import remove as rm
from shutil import copy2

@register(os.replace)
def f(a, b=os.rename, *, c=rm, **kw):
    x = [shutil.move for _ in range(2)]
    (y := os.unlink)
    for z in (open, rm):
        pass
    match a:
        case os.remove:
            pass
    with ctx(copy2) as open_:
        pass
    try:
        pass
    except Error as rm2:
        global copy
    g = lambda rm=rm: rm
    print(f"{open!r} {os.link}")
    return {open: copy2}[a], d[rm], a if b else shutil.copytree
"""


def test_the_scan_and_the_collector_see_the_same_references() -> None:
    """The finder takes the positions of value sites from the `ast` scan by pairing its
    references with the LibCST collector's in source order: both must collect the same
    ones, in the same order, on every syntax a name can stand in."""
    source = TRICKY.encode()
    scan = prefilter.scan(source, TRICKY, "storage_runtime")
    collector = Collector(
        (scan.module_names, scan.from_names), (scan.module_names, scan.from_values)
    )
    module = cst.parse_module(source)
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.module.visit(collector)
    ranges = wrapper.resolve(PositionProvider)
    theirs = [(v.shape, v.line, v.column) for v in scan.values]
    ours = [
        (shape, ranges[n].start.line, ranges[n].start.column)
        for n, shape in collector.values
    ]
    assert ours == theirs
    assert len(theirs) == 17


def test_coverage_and_apply_agree_and_apply_leaves_the_values_alone(
    tmp_path: Path,
) -> None:
    source = textwrap.dedent(
        """\
        import os


        class Store:
            _open_item = staticmethod(open)

            def commit(self, tmp, dst):
                retry(os.replace, tmp, dst)
                os.replace(tmp + ".bak", dst + ".bak")
                with open(dst + ".log", "a") as log:
                    log.write("done")
        """
    )
    module = tmp_path / "store.py"
    module.write_text(source)
    runner = CliRunner()

    def coverage() -> list[dict]:
        out = runner.invoke(
            main, ["--no-cache", "coverage", str(tmp_path), "--format", "json"]
        )
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)["files"][str(module)]["sites"]

    before = coverage()
    pending = [s for s in before if s["status"] == "pending"]
    valued = [s for s in before if s["reason"] == "function_value"]
    assert [s["name"] for s in valued] == ["open", "os.replace"]
    applied = runner.invoke(main, ["--no-cache", "apply", str(tmp_path)])
    assert applied.exit_code == 0, applied.output
    assert f"Rewrote {len(pending)} sites" in applied.stderr, applied.stderr
    assert "Left alone 2 sites: file function used as a value 2." in applied.stderr
    after = coverage()
    assert [s for s in after if s["status"] == "pending"] == []
    assert [s for s in after if s["status"] == "migrated"] != []
    assert [
        (s["name"], s["reason"]) for s in after if s["reason"] == "function_value"
    ] == [
        ("open", "function_value"),
        ("os.replace", "function_value"),
    ]
    text = module.read_text()
    assert "staticmethod(open)" in text and "retry(os.replace, tmp, dst)" in text
    assert (
        "_storage_open(" in text
    )  # the calls use the runtime; the captured open stays
