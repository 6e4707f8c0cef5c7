"""The package facts (pipeline/package_facts.py): what one module's bytes say, how a name
another module imports resolves across the run, and what a file's cache entry depends on.
The receiver typer's use of them, through the runner, is in test_cross_module_receivers.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from migrate_storage.codemods.pipeline import package_facts as pf

ROOT = Path("/proj")

PATHS = """\
from pathlib import Path
from typing import Optional

DATA_DIR = Path(__file__).parent / "data"
CACHE = DATA_DIR / "cache"
NAME = "x"
MAYBE: Optional[Path] = None
TWICE = Path("a")
TWICE = "b"
LATER = None
LATER = Path("c")


def target(name: str) -> Path:
    return DATA_DIR / name


def label(name: str) -> str:
    return name


async def remote(name: str) -> Path:
    return DATA_DIR


def wrap(f):
    return f


@wrap
def wrapped() -> Path:
    return DATA_DIR
"""

BASE = """\
from dataclasses import dataclass
from pathlib import Path


class Builder:
    def __init__(self, root: Path, other) -> None:
        self._path: Path = root
        self._other = other
        self._derived = self._path / "x"

    def path_for(self, name: str) -> Path:
        return self._path / name

    @property
    def home(self) -> Path:
        return self._path

    @staticmethod
    def make() -> Path:
        return Path("m")


@dataclass
class Config:
    out_dir: Path
    name: str


class Plain:
    pass
"""


def table(files: dict[str, str | bytes]) -> pf.Table:
    return pf.Table(
        {
            ROOT / name: pf.extract(src.encode() if isinstance(src, str) else src)
            for name, src in files.items()
        }
    )


def view(t: pf.Table, name: str) -> pf.View:
    found = t.view(ROOT / name)
    assert found is not None
    return found


@pytest.fixture
def pkg() -> pf.Table:
    return table(
        {
            "pkg/__init__.py": "from .paths import DATA_DIR\n",
            "pkg/paths.py": PATHS,
            "pkg/base.py": BASE,
            "pkg/use.py": "import os\nimport pkg.paths\nfrom . import DATA_DIR\nfrom .paths import DATA_DIR\nfrom .base import Builder\n",
        }
    )


def test_module_constants_and_functions_resolve_relatively_absolutely_and_through_reexports(
    pkg,
) -> None:
    use = view(pkg, "pkg/use.py")
    for name in (
        ".paths.DATA_DIR",
        ".paths.CACHE",
        "pkg.paths.DATA_DIR",
        "pkg.DATA_DIR",
        ".DATA_DIR",
    ):
        assert use.value_is_path(name), name
    for name in (
        ".paths.NAME",
        ".paths.TWICE",
        ".paths.target",
        "pkg.paths.missing",
        "os.sep",
    ):
        assert not use.value_is_path(name), name
    assert use.value_is_path(
        ".paths.LATER"
    )  # None first, then a Path: None sits beside it
    assert use.value_is_path(".paths.MAYBE")  # Optional[Path]
    assert use.call_is_path(".paths.target") and use.call_is_path("pkg.paths.target")
    for name in (
        ".paths.label",
        ".paths.remote",
        ".paths.wrapped",
        ".paths.DATA_DIR",
        "pathlib.Path",
    ):
        assert not use.call_is_path(name), name


def test_classes_attributes_methods_and_properties(pkg) -> None:
    use = view(pkg, "pkg/use.py")
    builder = use.class_named(".base.Builder")
    config = use.class_named("pkg.base.Config")
    assert builder is not None and config is not None
    assert use.attribute(builder, "_path") == "path"
    assert use.attribute(builder, "_derived") == "path"  # self._path / "x"
    assert use.attribute(builder, "home") == "path"  # a property
    assert use.attribute(builder, "_other") == "other"  # an unannotated parameter
    assert use.attribute(builder, "path_for") == "other"  # a method is no Path
    assert use.attribute(builder, "nothing") == "absent"
    assert (
        use.attribute(config, "out_dir") == "path"
        and use.attribute(config, "name") == "other"
    )
    assert use.method_is_path(builder, "path_for") and use.method_is_path(
        builder, "make"
    )
    assert use.call_is_path(".base.Builder.make")  # a staticmethod through the class
    assert not use.method_is_path(builder, "home")
    assert use.class_named(".paths.DATA_DIR") is None


def test_a_store_elsewhere_in_the_module_or_a_subclass_override_is_no_path() -> None:
    t = table(
        {
            "pkg/base.py": BASE
            + "\n\ndef reset(b: Builder) -> None:\n    b._path = 'nowhere'\n",
            "pkg/sub.py": (
                "from pathlib import Path\nfrom .base import Builder\n\n\n"
                "class Text(Builder):\n    _derived: str\n\n\n"
                "class Kept(Builder):\n    pass\n\n\n"
                "class Again(Builder):\n    extra: Path\n"
            ),
            "pkg/use.py": "from . import base, sub\n",
        }
    )
    use = view(t, "pkg/use.py")
    builder = use.class_named(".base.Builder")
    assert use.attribute(builder, "_path") == "other"  # reset() stores a str
    text, kept = use.class_named(".sub.Text"), use.class_named(".sub.Kept")
    assert (
        use.attribute(text, "_derived") == "other"
    )  # the subclass's own annotation wins
    assert (
        use.attribute(builder, "_derived") == "other"
    )  # self._path / "x": not proven now
    assert use.attribute(kept, "home") == "path"  # inherited
    assert use.method_is_path(kept, "make")
    assert use.attribute(use.class_named(".sub.Again"), "extra") == "path"


def test_an_attribute_made_from_itself_stays_a_path_only_with_other_evidence() -> None:
    source = (
        "from pathlib import Path\n\n\nclass Item:\n"
        "    def __init__(self, path, root: Path) -> None:\n"
        "        self.path = Path(path)\n        self.path = root / self.path\n"
        "        self.path = self.path.resolve()\n        self.loop = self.loop.parent\n"
        "        self.other = self.path.name\n"
    )
    use = view(table({"m.py": source, "u.py": "import m\n"}), "u.py")
    item = use.class_named("m.Item")
    assert use.attribute(item, "path") == "path"
    assert use.attribute(item, "loop") == "other"  # nothing but itself: no evidence
    assert use.attribute(item, "other") == "other"


def test_unresolvable_bases_and_ambiguous_modules_are_unknown() -> None:
    t = table(
        {
            "a/util.py": "from pathlib import Path\nROOT = Path('a')\n",
            "b/util.py": "from pathlib import Path\nROOT = Path('b')\n",
            "app/base.py": BASE,
            "app/sub.py": (
                "from somewhere import Mixin\nfrom .base import Builder\n\n\n"
                "class Mixed(Builder, Mixin):\n    pass\n\n\n"
                "class Meta(Builder, metaclass=type):\n    pass\n"
            ),
            "app/use.py": "import util\nfrom util import ROOT\nfrom . import sub, base\n",
        }
    )
    use = view(t, "app/use.py")
    assert not use.value_is_path("util.ROOT")  # a/util.py or b/util.py: ambiguous
    mixed = use.class_named(".sub.Mixed")
    assert mixed is not None
    assert use.attribute(mixed, "_path") == "other"  # Mixin may define it otherwise
    assert not use.not_path_class(mixed)  # Mixin may be a Path
    assert not use.not_path_class(use.class_named(".sub.Meta"))
    assert use.not_path_class(use.class_named(".base.Plain"), instances=True)
    assert use.not_path_class(use.class_named(".base.Builder"))


def test_a_file_without_path_is_skimmed_for_its_classes_and_reexports() -> None:
    t = table(
        {
            "lark/__init__.py": "from .lark import Lark\n__version__ = '1'\n",
            "lark/utils.py": (
                "import os\n\nclass Serialize:\n    def memo(self):\n        pass\n\n\n"
                "class FS:\n    exists = staticmethod(os.path.exists)\n\n"
                "    @staticmethod\n    def open(name, mode='r', **kwargs):\n        return open(name, mode, **kwargs)\n\n\n"
                "class Shadowed:\n    pass\n\n\nShadowed = None\n"
            ),
            "lark/lark.py": (
                'from .utils import Serialize, FS\n\n\nclass Lark(Serialize):\n    """Use Lark(regex=True) or `Lark.open`."""\n\n'
                "    @classmethod\n    def load(cls, name):\n        return cls()\n"
            ),
            "app/parser.py": "from lark import Lark\n",
        }
    )
    app = view(t, "app/parser.py")
    lark = app.class_named("lark.Lark")  # lark/__init__.py, not lark/lark.py
    assert lark is not None and app.not_path_class(lark)
    assert app.attribute(lark, "anything") == "other"  # its body was not read
    assert not app.owns_method(lark, "load")  # so its methods are not known either
    # a file defining a method named like a Path I/O method is read whole (utils.py)
    fs = view(t, "lark/lark.py").class_named(".utils.FS")
    assert fs is not None and app.owns_method(fs, "open")
    assert not app.owns_method(fs, "exists")  # a class-level value, not a method
    assert app.class_named("lark.lark.Lark") is None  # lark.lark: not imported by app
    inner = view(t, "lark/lark.py")
    assert inner.not_path_class(inner.class_named(".utils.FS"))
    assert inner.class_named(".utils.Shadowed") is None  # rebound at module level


def test_path_subclasses_are_not_provably_other_classes() -> None:
    t = table(
        {
            "pkg/paths.py": "from pathlib import PosixPath\n\n\nclass Loud(PosixPath):\n    pass\n\n\nclass Louder(Loud):\n    pass\n",
            "pkg/use.py": "from . import paths\n",
        }
    )
    use = view(t, "pkg/use.py")
    assert not use.not_path_class(use.class_named(".paths.Loud"))
    assert not use.not_path_class(use.class_named(".paths.Louder"))


def test_names_bound_in_several_ways_are_unknown() -> None:
    source = (
        "from pathlib import Path\nimport sys\nA = Path('a')\nfor A in []:\n    pass\n"
        "B = Path('b')\ndel B\nC = Path('c')\n\n\ndef f():\n    global C\n    C = 'x'\n"
        "try:\n    from .x import D\nexcept ImportError:\n    D = Path('d')\n"
        "E, F = Path('e'), Path('f')\nG = Path('g')\nG /= 'h'\n"
    )
    names = pf.extract(source.encode())["n"]
    for name in "ABCEF":
        assert names[name] == ["?"], name
    assert names["D"] == ["?"]  # an import and a value
    t = table({"m.py": source, "u.py": "import m\n"})
    assert view(t, "u.py").value_is_path("m.G")  # `/=` keeps a Path


def test_digest_follows_the_modules_a_file_imports_only() -> None:
    files = {
        "pkg/paths.py": PATHS,
        "pkg/use.py": "from .paths import target\n",
        "pkg/alone.py": "from pathlib import Path\nX = Path('x')\n",
    }
    before = table(files)
    changed = table(
        {
            **files,
            "pkg/paths.py": PATHS.replace(
                "def target(name: str) -> Path", "def target(name: str) -> str"
            ),
        }
    )
    assert view(before, "pkg/use.py").call_is_path(".paths.target")
    assert not view(changed, "pkg/use.py").call_is_path(".paths.target")
    assert before.digest(ROOT / "pkg/use.py") != changed.digest(ROOT / "pkg/use.py")
    assert before.digest(ROOT / "pkg/alone.py") == changed.digest(ROOT / "pkg/alone.py")
    # a new file that makes an absolute import ambiguous changes the importer's digest
    absolute = {"pkg/paths.py": PATHS, "app.py": "from pkg.paths import target\n"}
    one, two = table(absolute), table({**absolute, "vendored/pkg/paths.py": PATHS})
    assert view(one, "app.py").call_is_path("pkg.paths.target")
    assert not view(two, "app.py").call_is_path("pkg.paths.target")
    assert one.digest(ROOT / "app.py") != two.digest(ROOT / "app.py")


def test_import_cycles_and_unparsable_files_are_harmless() -> None:
    t = table(
        {
            "pkg/a.py": "from pathlib import Path\nfrom .b import Y as X\n",
            "pkg/b.py": "from pathlib import Path\nfrom .a import X as Y\n",
            "pkg/c.py": "from pathlib import Path\nA = B\nB = A\n",
            "pkg/bad.py": "from pathlib import Path\ndef (:\n",
            "pkg/use.py": "from . import a, c, bad\n",
        }
    )
    use = view(t, "pkg/use.py")
    assert not use.value_is_path(".a.X") and not use.value_is_path(".c.A")
    assert not use.value_is_path(".bad.anything")
    assert (
        len({t.digest(ROOT / "pkg/a.py"), t.digest(ROOT / "pkg/b.py")}) == 1
    )  # one component


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f() -> tuple[Path, str]: ...", ["Path", "str"]),
        ("def f() -> 'Tuple[pathlib.Path, \"Path\"]': ...", ["pathlib.Path", "Path"]),
        ("def f() -> tuple[Path, list[str]]: ...", ["Path", None]),
        ("@functools.cache\ndef f() -> tuple[Path, Path]: ...", ["Path", "Path"]),
        ("def f() -> tuple[Path, ...]: ...", None),
        ("def f() -> Optional[tuple[Path, Path]]: ...", None),
        ("def f() -> list[Path]: ...", None),
        ("async def f() -> tuple[Path, Path]: ...", None),
        ("@contextmanager\ndef f() -> tuple[Path, Path]: ...", None),
        ("@wrap\ndef f() -> tuple[Path, Path]: ...", None),
    ],
)
def test_the_positions_of_a_returned_tuple(source: str, expected: list | None) -> None:
    """`returned_parts`: what each position of a fixed-length tuple return names."""
    (function,) = ast.parse(source).body
    assert pf.returned_parts(function) == expected
