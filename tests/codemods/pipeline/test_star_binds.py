"""What a star import may bind (pipeline/star_binds.py): a bare `open(...)` in a module
with `from X import *` is migrated when no star import of it can bind `open`, left alone
(STAR_IMPORT) when one may, with the real engine and runner; the cache follows an edit of
the starred module."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_storage.codemods.model import FileStatus, Reason, Status
from migrate_storage.codemods.pipeline import star_binds
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.report.collect import collect
from migrate_storage.codemods.settings import Mode, Settings

SAVE = 'def save(p, text):\n    with open(p, "w") as f:\n        f.write(text)\n'


def go(root: Path, mode: Mode, cache: bool = True) -> RunResult:
    return run([str(root)], Settings(mode=mode, jobs=1, use_cache=cache), cwd=root)


def open_sites(result: RunResult, path: str) -> list[tuple[Status, Reason | None]]:
    (file,) = [f for f in result.files if f.path == path]
    return [(s.status, s.reason) for s in file.sites if s.name == "open"]


PENDING = [(Status.PENDING, None)]
STAR = [(Status.UNMIGRATED, Reason.STAR_IMPORT)]


# -- one module's summary ------------------------------------------------------------------


def test_every_module_level_binding_is_counted_and_nothing_inside_functions_or_classes() -> None:
    source = b"""\
import a.b, c as d
from e import f as g
from h import *
x = y = 1
(t1, [t2, *t3]) = z
w: int = 1
aug += 1
for loop in r: pass
with q() as (w1, w2): pass
try:
    pass
except E as err:
    pass
[(walrus := 1) for _ in r]
match v:
    case [m1, *m2]: pass
    case {**m3}: pass
    case P(x=m4): pass
if cond:
    cond_name = 1
del gone
@deco(dec_walrus := 1)
def func(p=(default_walrus := 2)):
    local = 1
    global glob
    def inner(): pass
class Klass:
    def open(self): pass
    attr = 1
_private = 1
"""
    found = star_binds.summary(source)
    assert found == {
        "binds": sorted(
            [
                "a", "d", "g", "x", "y", "t1", "t2", "t3", "w", "aug", "loop", "w1", "w2",
                "err", "walrus", "m1", "m2", "m3", "m4", "cond_name", "gone", "dec_walrus",
                "default_walrus", "func", "glob", "Klass",
            ]
        ),
        "stars": [[0, "h"]],
        # what only an absolute import binds, and to what (`import a.b`: a)
        "imports": {"a": "a", "d": "c", "g": "e.f"},
        # what no unconditional top-level statement binds (`aug +=`, a loop's, a
        # `with`'s, a handler's, a walrus', a case's, a conditional one, a deleted one)
        "unsure": sorted(
            [
                "aug", "loop", "w1", "w2", "err", "walrus", "m1", "m2", "m3", "m4",
                "cond_name", "gone", "dec_walrus", "default_walrus", "glob",
            ]
        ),
        # the unconditional star imports (indexes in "stars")
        "ustars": [0],
    }


def test_a_literal_all_is_exactly_its_names_and_literal_additions() -> None:
    # each listed name is surely bound once the star import ran (else it raised)
    assert star_binds.summary(b'__all__ = ["a"]\ndef open(): pass\n') == {"all": ["a"]}
    assert star_binds.summary(b'__all__ = ("a",)\nif x:\n    __all__.append("open")\n') == {
        "all": ["a", "open"]
    }
    assert star_binds.summary(b'__all__ = ["a"]\n__all__ += ["b"]\n__all__.extend(["c"])\n') == {
        "all": ["a", "b", "c"]
    }
    # a class's own `__all__` is its own (typing's `class io: __all__ = [...]`)
    assert star_binds.summary(b'__all__ = ["a"]\nclass C:\n    __all__ = ["open"]\n') == {
        "all": ["a"]
    }


@pytest.mark.parametrize(
    "source",
    [
        b"__all__ = [name for name in dir()]\n",  # not a literal
        b'__all__ = ["a"]\n__all__ += other.__all__\n',
        b'__all__ = ["a"]\ndef export(f):\n    __all__.append(f.__name__)\n    return f\n',
        b'if x:\n    __all__ = ["a"]\n',  # conditional: without it, every public name
        b'__all__ = ["a"]\nglobals()["__all__"] = ["open"]\n',
        b'import sys\n__all__ = ["a"]\nsys.modules[__name__] = Other()\n',
        b'x = 1\nglobals()["open"] = print\n',
        b'x = 1\nglobals().update(open=print)\n',
        b'exec("open = print")\n',
        b'eval("(open := print)")\n',
        b'import sys\nsetattr(sys.modules[__name__], "open", print)\n',
        b"def __getattr__(name):\n    return print\n",
        b"vars()['open'] = print\n",
        b"def f(:\n",  # does not parse
    ],
)
def test_what_may_rebind_names_unseen_makes_it_anything(source: bytes) -> None:
    assert star_binds.summary(source) == {"any": 1}


def test_only_code_counts_not_strings_or_comments() -> None:
    source = b'"""Exceptions of the modules; see globals() and sys.modules."""\n# exec(x)\nclass E(Exception): pass\n'
    assert star_binds.summary(source) == {"binds": ["E"], "stars": []}
    assert star_binds.summary(b"import sys as s\ns.modules[__name__] = None\n") == {"any": 1}
    assert star_binds.summary(b"from sys import modules as m\n") == {"any": 1}


def test_what_the_stdlib_surely_binds_is_read_from_its_source_too() -> None:
    assert {"copyfile", "rmtree"} <= star_binds.stdlib_sure("shutil")  # literal __all__
    # os: what its top level binds unconditionally; `from posix import *` stands under
    # an `if`, so posix's names are not sure, though may-bind says they may be bound
    assert "makedirs" in star_binds.stdlib_sure("os")
    assert "remove" not in star_binds.stdlib_sure("os")
    assert star_binds.may_bind(star_binds.stdlib_binds("os"), "remove")
    assert "open" in star_binds.stdlib_sure("posix")  # compiled in: its namespace
    assert star_binds.stdlib_sure("nt") == frozenset()
    assert star_binds.stdlib_sure("no_such_module_here") == frozenset()


def test_the_stdlib_is_read_from_its_source() -> None:
    assert star_binds.may_bind(star_binds.stdlib_binds("io"), "open")  # io.__all__
    assert star_binds.may_bind(star_binds.stdlib_binds("os"), "open")  # built __all__
    # os builds its `__all__`: at most what its source and posix (loaded) bind; not
    # `nt` (absent here), not the names of other modules
    assert not star_binds.may_bind(star_binds.stdlib_binds("os"), "io")
    assert not star_binds.may_bind(star_binds.stdlib_binds("os"), "copyfile")
    assert star_binds.stdlib_binds("nt") == star_binds.NOTHING
    assert star_binds.may_bind(star_binds.stdlib_binds("os.path"), "open")  # no source
    assert not star_binds.may_bind(star_binds.stdlib_binds("typing"), "open")
    assert star_binds.may_bind(star_binds.stdlib_binds("typing"), "cast")
    assert not star_binds.may_bind(star_binds.stdlib_binds("shutil"), "open")  # appends
    assert not star_binds.may_bind(star_binds.stdlib_binds("math"), "open")  # C, table
    assert star_binds.may_bind(star_binds.stdlib_binds("math"), "sqrt")
    assert star_binds.stdlib_binds("numpy") is None


def test_a_star_import_the_table_does_not_hold_may_bind_anything() -> None:
    table = ((1, "consts", ("x",), False),)
    assert not star_binds.star_may_bind(table, [(1, "consts")], "open")
    assert star_binds.star_may_bind(table, [(1, "consts"), (0, "os")], "open")
    assert star_binds.star_may_bind(None, [(1, "consts")], "open")  # no pre-pass


# -- with the runner -----------------------------------------------------------------------


def test_star_imports_that_bind_no_open_leave_the_bare_open_migrated(tree) -> None:
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/consts.py": "import os\nNAME = 1\ndef helper(): pass\nclass R:\n    def open(self): pass\n",
            "pkg/listed.py": '__all__ = ["x"]\nx = 1\ndef open(p): pass\n',
            "pkg/main.py": "from .consts import *\nfrom pkg.listed import *\nfrom typing import *\n" + SAVE,
        }
    )
    result = go(root, Mode.DIFF)
    assert open_sites(result, "pkg/main.py") == PENDING
    (changed,) = result.changed
    assert b"with _storage_open(p, \"w\", pin=False) as f:" in changed.diff


@pytest.mark.parametrize(
    "files",
    [
        {"pkg/consts.py": "def open(p, mode='r'): pass\n"},  # its own `open`
        {"pkg/consts.py": "from io import open\n"},
        {"pkg/consts.py": "from os import *\n"},  # transitively, the stdlib
        {"pkg/consts.py": "from .deeper import *\n", "pkg/deeper.py": "open = print\n"},
        {"pkg/consts.py": "from .deeper import *\nx = 1\n", "pkg/deeper.py": "from .consts import *\nopen = print\n"},
        {"pkg/consts.py": "def f():\n    global open\n    open = print\n"},
        {"pkg/consts.py": "if x:\n    import gzip as open\n"},
        {"pkg/consts.py": "[(open := print) for _ in ()]\n"},
        {"pkg/consts.py": "for open in ():\n    pass\n"},
        {"pkg/consts.py": "try:\n    pass\nexcept E as open:\n    pass\n"},
        {"pkg/consts.py": '__all__ = ["x", "open"]\nx = 1\nopen = print\n'},
        {"pkg/consts.py": "x = 1\ndef __getattr__(name):\n    return print\n"},
        {"pkg/consts.py": 'x = 1\nglobals()["op" + "en"] = print\n'},
        {"pkg/consts.py": "x = 1\n", "other/pkg/consts.py": "y = 1\n"},  # two files match
        {"pkg/consts.py": "x = 1\n", "pkg/consts/__init__.py": "y = 1\n"},  # idem
        {"pkg/consts.py": "x = 1\n", "pkg/consts.cpython-311-x86_64-linux-gnu.so": ""},  # the .so loads
    ],
    ids=lambda files: next(iter(files.values()))[:30],
)
def test_a_star_import_that_may_bind_open_leaves_it_alone(tree, files) -> None:
    root = tree({"pkg/__init__.py": "", "pkg/main.py": "from pkg.consts import *\n" + SAVE, **files})
    result = go(root, Mode.DIFF)
    assert open_sites(result, "pkg/main.py") == STAR
    assert "pkg/main.py" not in [f.path for f in result.changed]


@pytest.mark.parametrize(
    "main",
    [
        "from numpy import *\n",  # outside the run
        "from .missing import *\n",  # not found
        "from . import *\n",  # the package: its submodule `open.py` is an attribute once imported
        "if True: from .consts import *\n",  # a star import the byte pass does not see
        "import sys; from .consts import *\n",
    ],
)
def test_star_imports_not_known_to_bind_no_open_leave_it_alone(tree, main) -> None:
    root = tree(
        {"pkg/__init__.py": "", "pkg/open.py": "", "pkg/consts.py": "x = 1\n", "pkg/main.py": main + SAVE}
    )
    assert open_sites(go(root, Mode.DIFF), "pkg/main.py") == STAR


def test_a_function_value_behind_a_star_import_has_the_reason_that_holds(tree) -> None:
    root = tree(
        {
            "ok.py": "x = 1\n",
            "bad.py": "def open(p): pass\n",
            "a.py": "from ok import *\nreader = open\n",
            "b.py": "from bad import *\nreader = open\n",
        }
    )
    result = go(root, Mode.DIFF)
    assert open_sites(result, "a.py") == [(Status.UNMIGRATED, Reason.FUNCTION_VALUE)]
    assert open_sites(result, "b.py") == STAR


def test_an_edit_of_the_starred_module_reaches_the_importers_warm_decision(tree) -> None:
    root = tree({"consts.py": "x = 1\n", "main.py": "from consts import *\n" + SAVE})
    assert open_sites(go(root, Mode.CHECK), "main.py") == PENDING  # cold, recorded pending
    # a binding the package facts (their own digest) do not record
    (root / "consts.py").write_text("x = 1\nif x:\n    open = print\n")
    warm = go(root, Mode.CHECK)
    # main.py is unchanged, but what its star import binds is not: its entry is a miss
    assert open_sites(warm, "main.py") == STAR
    assert warm.changed == ()
    report = collect([str(root)], Settings(mode=Mode.SCAN, jobs=1), cwd=root)
    assert report.totals.pending == 0
    applied = go(root, Mode.APPLY)
    assert applied.changed == ()
    assert (root / "main.py").read_text() == "from consts import *\n" + SAVE
    # and back: the module no longer binds `open`
    (root / "consts.py").write_text("x = 2\n")
    again = go(root, Mode.CHECK)
    assert open_sites(again, "main.py") == PENDING
    report = collect([str(root)], Settings(mode=Mode.SCAN, jobs=1), cwd=root)
    applied = go(root, Mode.APPLY)
    assert [f.path for f in applied.changed] == ["main.py"]
    assert sum(len(f.rewritten) for f in applied.changed) == report.totals.pending == 1
    assert go(root, Mode.CHECK).exit_code == 0
    cached = go(root, Mode.CHECK)  # warm, all cached: the same answer
    assert all(f.status is FileStatus.CACHED for f in cached.files)


def test_a_cold_and_a_warm_run_decide_the_same(tree) -> None:
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from .b import *\n",
            "pkg/b.py": "y = 1\n",
            "pkg/main.py": "from .a import *\n" + SAVE,
            "pkg/other.py": "from .c import *\n" + SAVE,
            "pkg/c.py": "open = print\n",
        }
    )
    cold = go(root, Mode.DIFF, cache=False)
    go(root, Mode.DIFF)
    warm = go(root, Mode.DIFF)
    for result in (cold, warm):
        assert [f.path for f in result.changed] == ["pkg/main.py"]
        assert result.changed[0].diff == cold.changed[0].diff


def test_a_long_chain_of_star_imports_is_bounded(tree) -> None:
    files = {f"m{i}.py": f"from m{i + 1} import *\n" for i in range(100)}
    files["m100.py"] = "x = 1\n"
    root = tree({**files, "main.py": "from m0 import *\n" + SAVE})
    assert open_sites(go(root, Mode.DIFF), "main.py") == STAR  # too deep to know: anything


def test_a_del_unbinds_what_an_unconditional_star_import_bound() -> None:
    # `from pathlib import *` surely binds Path, until a `del` anywhere may unbind it
    def stdlib(level: int, module: str) -> frozenset[str]:
        return star_binds.stdlib_sure(module)

    kept = star_binds.summary(b"from pathlib import *\nx = 1\n")
    assert {"Path", "PurePath", "x"} <= star_binds.sure_names(kept, stdlib)
    for source in (b"from pathlib import *\ndel Path\n", b"from pathlib import *\nif c:\n    del Path\n"):
        found = star_binds.sure_names(star_binds.summary(source), stdlib)
        assert "PurePath" in found and "Path" not in found, source
    # a literal `__all__` is sure as listed (else the star import raises)
    assert star_binds.sure_names(star_binds.summary(b'__all__ = ["a"]\na = 1\n'), stdlib) == {"a"}
