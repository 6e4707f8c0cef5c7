"""Receivers typed in another module of the run (issue 14 item 1, pipeline/package_facts.py),
through the runner with the real engine: which `.open()` sites become pending, that
coverage and apply agree and a second apply changes nothing, the negatives (a subclass
elsewhere re-annotating the attribute as str, a function returning str, an ambiguous module,
an unresolvable base), the cache following an edit of another module, and a run over one
file of a package reading the facts of the rest of it."""

from __future__ import annotations

from pathlib import Path

from migrate_storage.codemods.model import Reason, Status
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.settings import Mode, Settings

PATHS = """\
from pathlib import Path

DATA_DIR = Path("data")


def target(name: str) -> Path:
    return DATA_DIR / name


def label(name: str) -> str:
    return name
"""

BASE = """\
from dataclasses import dataclass
from pathlib import Path


class Builder:
    def __init__(self, root: Path) -> None:
        self._path: Path = root

    def path_for(self, name: str) -> Path:
        return self._path / name


@dataclass
class Config:
    out_dir: Path


class FS:
    @staticmethod
    def open(name, mode="r"):
        return name
"""

TEXT = """\
from .base import Builder


class TextBuilder(Builder):
    _path: str
"""

MIXED = """\
from elsewhere import Mixin
from .base import Builder


class Mixed(Builder, Mixin):
    pass
"""

USE = """\
import pkg.paths as paths
from .paths import DATA_DIR, label, target
from .base import Builder, Config, FS
from .text import TextBuilder
from .mixed import Mixed


class Sdist(Builder):
    def build(self):
        setup = self._path / "setup.py"
        setup.open("w")
        self.path_for("a").open()


class Text(TextBuilder):
    def build(self):
        (self._path / "x").open()


class Both(Mixed):
    def build(self):
        (self._path / "x").open()


def f(cfg: Config, b: Builder):
    cfg.out_dir.open("w")
    b.path_for("x").open()
    (DATA_DIR / "x.json").open()
    paths.DATA_DIR.open()
    target("y").open()
    label("y").open()
    FS.open("z")
"""

# line -> expected status of the `.open` site on it (None: not a site at all)
EXPECTED = {
    11: Status.PENDING,  # setup = self._path / ...: base class attribute
    12: Status.PENDING,  # self.path_for(): a method of the base
    17: Status.UNMIGRATED,  # TextBuilder re-annotates _path as str
    22: Status.UNMIGRATED,  # Mixin, not in the run, may define _path
    26: Status.PENDING,  # dataclass field of a parameter's class
    27: Status.PENDING,  # a method of a parameter's class
    28: Status.PENDING,  # a constant of another module
    29: Status.PENDING,  # the same through `import pkg.paths as paths`
    30: Status.PENDING,  # a function returning Path
    31: Status.UNMIGRATED,  # a function returning str
    32: None,  # a class of the run with its own static open: not Path I/O
}

FILES = {
    "pkg/__init__.py": "",
    "pkg/paths.py": PATHS,
    "pkg/base.py": BASE,
    "pkg/text.py": TEXT,
    "pkg/mixed.py": MIXED,
    "pkg/use.py": USE,
}


def go(root: Path, mode: Mode, paths: list[str] | None = None) -> RunResult:
    return run(paths or [str(root)], Settings(mode=mode, jobs=1), cwd=root)


def open_sites(result: RunResult, path: str = "pkg/use.py") -> dict[int, Status]:
    (found,) = [f for f in result.files if f.path == path]
    return {s.line: s.status for s in found.sites if s.name.endswith("open")}


def test_sites_typed_elsewhere_are_pending_and_apply_agrees(tree) -> None:
    root = tree(FILES)
    scan = go(root, Mode.SCAN)
    sites = open_sites(scan)
    assert sites == {
        line: status for line, status in EXPECTED.items() if status is not None
    }
    (use,) = [f for f in scan.files if f.path == "pkg/use.py"]
    unknown = [s for s in use.sites if s.status is Status.UNMIGRATED]
    assert {s.reason for s in unknown} == {Reason.RECEIVER_UNKNOWN}
    pending = sum(1 for f in scan.files for s in f.sites if s.status is Status.PENDING)
    applied = go(root, Mode.APPLY)
    assert sum(len(f.rewritten) for f in applied.files) == pending
    text = (root / "pkg/use.py").read_text()
    assert 'storage.path_open(setup, "w", pin=False)' in text
    assert "storage.path_open(paths.DATA_DIR)" in text
    assert 'label("y").open()' in text and 'FS.open("z")' in text
    after = go(root, Mode.SCAN)
    assert not any(s.status is Status.PENDING for f in after.files for s in f.sites)
    assert go(root, Mode.CHECK).exit_code == 0  # a second apply would change nothing


def test_an_ambiguous_module_name_is_unknown(tree) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/paths.py": PATHS,
        "vendored/pkg/paths.py": PATHS,
        "app.py": "from pkg.paths import target\ntarget('x').open()\n",
    }
    root = tree(files)
    assert open_sites(go(root, Mode.SCAN), "app.py") == {2: Status.UNMIGRATED}
    (root / "vendored/pkg/paths.py").unlink()
    assert open_sites(go(root, Mode.SCAN), "app.py") == {2: Status.PENDING}


def test_the_cache_follows_an_edit_of_another_module(tree, monkeypatch) -> None:
    from migrate_storage.codemods.pipeline import runner
    from migrate_storage.codemods.pipeline.engine import transform_source

    transformed: list[str] = []

    def recording(source, path, policy, **kwargs):  # type: ignore[no-untyped-def]
        transformed.append(path)
        return transform_source(source, path, policy, **kwargs)

    monkeypatch.setattr(runner, "_engine", lambda: recording)
    root = tree(FILES)
    first = go(root, Mode.DIFF)
    assert b'storage.path_open(target("y"))' in _diff_of(first, "pkg/use.py")
    (root / "pkg/paths.py").write_text(
        PATHS.replace("def target(name: str) -> Path", "def target(name: str) -> str")
    )
    second = go(root, Mode.DIFF)  # use.py is unchanged, but what it imports is not
    assert b'storage.path_open(target("y"))' not in _diff_of(second, "pkg/use.py")
    assert b"storage.path_open(paths.DATA_DIR)" in _diff_of(second, "pkg/use.py")
    assert open_sites(go(root, Mode.SCAN))[30] is Status.UNMIGRATED
    # an edit that changes no fact another module reads keeps the entry
    (root / "pkg/text.py").write_text(TEXT + "\n# a comment\n")
    transformed.clear()
    third = go(root, Mode.DIFF)
    assert transformed == ["pkg/text.py"]
    assert _diff_of(third, "pkg/use.py") == _diff_of(second, "pkg/use.py")
    # an edit of what it imports re-transforms it, even when its own bytes are the same
    (root / "pkg/text.py").write_text(
        "from pathlib import Path\n" + TEXT.replace("_path: str", "_path: Path")
    )
    transformed.clear()
    go(root, Mode.DIFF)
    assert sorted(transformed) == ["pkg/text.py", "pkg/use.py"]
    assert (
        open_sites(go(root, Mode.SCAN))[17] is Status.PENDING
    )  # TextBuilder._path: Path now


def _diff_of(result: RunResult, path: str) -> bytes:
    (found,) = [f for f in result.files if f.path == path]
    return found.diff or b""


def test_one_file_of_a_package_is_rewritten_as_in_a_run_over_the_tree(tree) -> None:
    root = tree(FILES)
    whole = _diff_of(go(root, Mode.DIFF), "pkg/use.py")
    alone = go(root, Mode.DIFF, [str(root / "pkg/use.py")])
    assert [f.path for f in alone.files] == ["pkg/use.py"]
    assert _diff_of(alone, "pkg/use.py") == whole


def test_the_libcst_command_reads_the_package_as_apply_does(tree) -> None:
    import libcst as cst
    from libcst.codemod import CodemodContext
    from migrate_storage.codemods.commands import MigrateStorageCommand

    root = tree(FILES)
    path = root / "pkg/use.py"
    module = cst.parse_module(path.read_bytes())
    command = MigrateStorageCommand(CodemodContext(filename=str(path)))
    by_command = command.transform_module(module).bytes
    go(root, Mode.APPLY)
    assert by_command == path.read_bytes()
    assert b"storage.path_open(target(" in by_command


ITEMS = """\
from pathlib import Path


class Item:
    def __init__(self, path, root: Path) -> None:
        self.path = Path(path)
        if not self.path.is_absolute():
            self.path = root / self.path
        self.path = self.path.resolve()
        self.name = str(path)
"""

LOOSE = """\
from pathlib import Path


class Loose:
    def __init__(self, path) -> None:
        self.path = Path(path)

    def rename(self, other: str) -> None:
        self.path = other
"""

COLLECT = """\
from .items import Item
from .loose import Loose


class Collector:
    def collect(self) -> set[Item]:
        return set()

    def loose(self) -> list[Loose]:
        return []

    def names(self) -> list[str]:
        return []

    def run(self):
        found = self.collect()
        for item in sorted(found, key=lambda i: i.name):
            item.path.open("rb")
        for loose in self.loose():
            loose.path.open("rb")
        for name in self.names():
            name.open()
"""


def test_elements_of_an_annotated_collection_of_a_class_of_another_module(tree) -> None:
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/items.py": ITEMS,
            "pkg/loose.py": LOOSE,
            "pkg/collect.py": COLLECT,
        }
    )
    assert open_sites(go(root, Mode.SCAN), "pkg/collect.py") == {
        18: Status.PENDING,  # Item.path: Path(...), root / itself, itself.resolve()
        20: Status.UNMIGRATED,  # Loose.path is also stored a str
        22: Status.UNMIGRATED,  # a str
    }


def test_the_cache_follows_a_module_imported_inside_a_function(tree) -> None:
    """app.py never says Path and imports FS inside a function: its entry still depends on
    what pkg/fs.py says (a class with its own `open`, later a Path subclass)."""
    from migrate_storage.codemods.model import FileStatus

    app = "def load():\n    from pkg.fs import FS\n    with FS.open('x') as fh:\n        return fh.read()\n"
    plain = "class FS:\n    @staticmethod\n    def open(name):\n        return name\n"
    root = tree({"pkg/__init__.py": "", "pkg/fs.py": plain, "app.py": app})
    go(root, Mode.DIFF)
    cached = go(root, Mode.DIFF)
    (first,) = [f for f in cached.files if f.path == "app.py"]
    assert first.status is FileStatus.CACHED and not first.left_alone()
    (root / "pkg/fs.py").write_text(
        "from pathlib import PosixPath\n\n\nclass FS(PosixPath):\n    pass\n"
    )
    again = go(root, Mode.DIFF)
    (second,) = [f for f in again.files if f.path == "app.py"]
    assert second.status is not FileStatus.CACHED
    assert [s.reason for s in second.sites] == [Reason.RECEIVER_UNKNOWN]


def test_a_module_nobody_imported_is_parsed_the_day_one_does(tree, monkeypatch) -> None:
    """Facts are extracted only from the files an import statement of the run names; a
    cache entry made while nobody imported pkg/paths.py is read again when app.py does."""
    from migrate_storage.codemods.pipeline import package_facts

    parsed: list[int] = []
    real_extract = package_facts.extract

    def counting(source: bytes):  # type: ignore[no-untyped-def]
        parsed.append(len(source))
        return real_extract(source)

    monkeypatch.setattr(package_facts, "extract", counting)
    root = tree({"pkg/__init__.py": "", "pkg/paths.py": PATHS, "app.py": "print(1)\n"})
    go(root, Mode.DIFF)
    assert parsed == []  # nobody imports anything
    (root / "app.py").write_text("from pkg.paths import target\ntarget('x').open()\n")
    result = go(root, Mode.DIFF)
    assert len(PATHS) in parsed  # pkg/paths.py, from its lazy cache entry
    assert b"storage.path_open(target('x'))" in _diff_of(result, "app.py")


def test_a_member_of_a_module_of_the_run_reached_through_import_pkg_is_unknown(
    tree,
) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/paths.py": PATHS,
        "app.py": "import pkg\nimport json\npkg.paths.DATA_DIR.open()\njson.decoder.open()\n",
        "named.py": "import pkg\nimport pkg.paths as paths\npkg.paths.DATA_DIR.open()\npaths.open()\n",
    }
    root = tree(files)
    scan = go(root, Mode.SCAN)
    # pkg.paths is named by no import statement of app.py: unknown (its digest does not
    # follow pkg/paths.py); the standard library's json.decoder is no site
    assert open_sites(scan, "app.py") == {3: Status.UNMIGRATED}
    # named.py imports pkg.paths: proven; the module itself is no site
    assert open_sites(scan, "named.py") == {3: Status.PENDING}


def test_a_module_of_the_run_imported_from_its_package_is_no_receiver(tree) -> None:
    # nltk's `from nltk import pathsec; pathsec.unlink(p)`: a module's function, no
    # Path's unlink; a name that is a member of the module (or not a module) still counts
    files = {
        "pkg/__init__.py": "",
        "pkg/safe.py": "def unlink(p):\n    pass\n\ndef open(p):\n    pass\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/io.py": "def open(p):\n    pass\n",
        "app.py": (
            "from pkg import safe\n"
            "from pkg.sub import io as sio\n"
            "from pkg.safe import unlink\n"
            "from other import handle\n"
            "safe.unlink('x')\n"
            "safe.open('x')\n"
            "sio.open('x')\n"
            "handle.unlink()\n"
            "handle.open()\n"
        ),
        "pkg/rel.py": "from . import safe\nsafe.unlink('y')\n",
    }
    root = tree(files)
    scan = go(root, Mode.SCAN)
    (app,) = [f for f in scan.files if f.path == "app.py"]
    assert {s.line: s.status for s in app.sites} == {
        8: Status.UNMIGRATED, 9: Status.UNMIGRATED
    }
    (rel,) = [f for f in scan.files if f.path == "pkg/rel.py"]
    assert not rel.sites
    (root / "pkg/safe.py").unlink()  # now `safe` may be anything `pkg` binds
    scan = go(root, Mode.SCAN)
    (app,) = [f for f in scan.files if f.path == "app.py"]
    assert {s.line for s in app.sites} == {5, 6, 8, 9}


def test_a_second_run_over_an_unchanged_tree_transforms_nothing(
    tree, monkeypatch
) -> None:
    """Which files get parsed for facts must not depend on which ones the cache already
    knew parsed: the digests of a warm run are the cold run's (`import a.b` binds `a`)."""
    from migrate_storage.codemods.pipeline import runner
    from migrate_storage.codemods.pipeline.engine import transform_source

    transformed: list[str] = []

    def recording(source, path, policy, **kwargs):  # type: ignore[no-untyped-def]
        transformed.append(path)
        return transform_source(source, path, policy, **kwargs)

    monkeypatch.setattr(runner, "_engine", lambda: recording)
    root = tree(
        {
            "a/__init__.py": "",
            "a/b.py": "from pathlib import Path\nimport a.c\nX = Path('x')\n",
            "a/c.py": "from pathlib import Path\nY = Path('y')\n",
            "main.py": "import a.b\nimport os.path\na.b.X.open()\n",
        }
    )
    go(root, Mode.DIFF)
    assert len(transformed) == 4
    transformed.clear()
    go(root, Mode.DIFF)
    assert transformed == []


FRAGMENTS = """\
from pathlib import Path
from typing import Iterator, Optional

import attr


@attr.s
class Fragment:
    path = attr.ib(type=Path)


class Note:
    path: str = "x"


class Scriv:
    def new_fragment(self) -> Fragment:
        return Fragment(path=Path("x"))

    def maybe(self) -> Optional["Fragment"]:
        return None

    def fragments(self) -> list[Fragment]:
        return [Fragment(path=Path("x"))]

    def walk(self) -> Iterator[Fragment]:
        yield Fragment(path=Path("x"))

    def note(self) -> Note:
        return Note()

    def notes(self) -> list[Note]:
        return [Note()]

    @some_decorator
    def wrapped(self) -> Fragment:
        return Fragment(path=Path("x"))


def load() -> Fragment | None:
    return None


async def later() -> Fragment:
    return Fragment(path=Path("x"))
"""

CONSUMER = """\
from typing import Optional

from .fragments import Fragment, Scriv, load


def made(frags: list[Fragment], maybe: Optional[Fragment]):
    s = Scriv()
    frag = s.new_fragment()
    frag.path.unlink()
    s.maybe().path.unlink()
    for one in s.fragments():
        one.path.unlink()
    for one in sorted(s.walk()):
        one.path.unlink()
    for one in frags:
        one.path.unlink()
    maybe.path.unlink()
    load().path.unlink()
    got = load()
    got.path.unlink()


def not_proven(frags, s: Scriv):
    s.note().path.unlink()
    for note in s.notes():
        note.path.unlink()
    for one in frags:
        one.path.unlink()
    w = s.wrapped()
    w.path.unlink()
    frag = s.new_fragment()
    frag = frag.path
    frag.path.unlink()
"""


def test_instances_returned_by_functions_and_methods_of_another_module(tree) -> None:
    """`scriv.new_fragment()` / `for frag in scriv.fragments()` / a parameter annotated
    `list[Fragment]`: the class comes from a return annotation or a parameter annotation
    (Optional included), and its attribute's type from its own module; a class whose
    attribute is a str, an unannotated or rebound name, a decorated method are unknown."""
    root = tree(
        {
            "pkg/__init__.py": "",
            "pkg/fragments.py": FRAGMENTS,
            "pkg/consumer.py": CONSUMER,
        }
    )
    (found,) = [f for f in go(root, Mode.SCAN).files if f.path == "pkg/consumer.py"]
    sites = {s.line: s.status for s in found.sites if s.name.endswith("unlink")}
    pending = {line for line, status in sites.items() if status is Status.PENDING}
    assert pending == {9, 10, 12, 14, 16, 17, 18, 20}
    assert {line for line, st in sites.items() if st is Status.UNMIGRATED} == {
        24, 26, 28, 30, 33
    }
    applied = go(root, Mode.APPLY)
    assert sum(len(f.rewritten) for f in applied.files) == len(pending)
    assert go(root, Mode.CHECK).exit_code == 0


def test_a_with_target_is_not_typed_by_the_return_annotation_of_its_callee(tree) -> None:
    """`with s.new_fragment() as frag` binds what `Fragment.__enter__` returns, which the
    annotation `-> Fragment` does not say."""
    consumer = (
        "from .fragments import Scriv\n"
        "\n"
        "\n"
        "def f(s: Scriv):\n"
        "    with s.new_fragment() as frag:\n"
        "        frag.path.unlink()\n"
        "    frag = s.new_fragment()\n"
    )
    root = tree(
        {"pkg/__init__.py": "", "pkg/fragments.py": FRAGMENTS, "pkg/consumer.py": consumer}
    )
    (found,) = [f for f in go(root, Mode.SCAN).files if f.path == "pkg/consumer.py"]
    assert [(s.line, s.status) for s in found.sites] == [(6, Status.UNMIGRATED)]
    alone = consumer.replace("    frag = s.new_fragment()\n", "")
    root2 = tree(
        {"pkg/__init__.py": "", "pkg/fragments.py": FRAGMENTS, "pkg/consumer.py": alone}
    )
    (found,) = [f for f in go(root2, Mode.SCAN).files if f.path == "pkg/consumer.py"]
    assert [(s.line, s.status) for s in found.sites] == [(6, Status.UNMIGRATED)]


WORKSPACE = """\
import contextlib
from contextlib import contextmanager
from pathlib import Path
from typing import Generator, Iterator


class Item:
    path: Path


@contextmanager
def workdir(name: str) -> Iterator[Path]:
    yield Path(name)


@contextlib.contextmanager
def item() -> Generator[Item, None, None]:
    yield Item()


def sources() -> list[Path]:
    return [Path("a")]


@contextmanager
def plain():
    yield Path("x")


@contextmanager
@some_decorator
def wrapped() -> Iterator[Path]:
    yield Path("x")


def here():
    with workdir("x") as d:
        d.open()
    with item() as it:
        it.path.open()
    for p in sources():
        p.open()
    with plain() as q:
        q.open()
    with wrapped() as r:
        r.open()
"""

AWAY = """\
from .ws import item, sources, workdir, wrapped


def away():
    with workdir("x") as d:
        d.open()
    with item() as it:
        it.path.open()
    for p in sources():
        p.unlink()
    w = workdir("y")
    w.open()
    with wrapped() as r:
        r.open()
"""


def test_what_a_context_manager_yields_and_the_elements_of_returned_paths(tree) -> None:
    """`with workdir() as d` of a `@contextmanager` annotated `-> Iterator[Path]` (or
    `Generator[Item, None, None]`) binds a Path (an Item), in its module and in another;
    `for p in sources()` with `-> list[Path]` too. The context manager object itself,
    an unannotated one and one with another decorator are unknown."""
    root = tree({"pkg/__init__.py": "", "pkg/ws.py": WORKSPACE, "pkg/use.py": AWAY})
    scan = go(root, Mode.SCAN)
    here = {s.line: s.status for f in scan.files if f.path == "pkg/ws.py" for s in f.sites}
    away = {s.line: s.status for f in scan.files if f.path == "pkg/use.py" for s in f.sites}
    pending, unknown = Status.PENDING, Status.UNMIGRATED
    assert here == {38: pending, 40: pending, 42: pending, 44: unknown, 46: unknown}
    assert away == {6: pending, 8: pending, 10: pending, 12: unknown, 14: unknown}
    applied = go(root, Mode.APPLY)
    assert sum(len(f.rewritten) for f in applied.files) == 6
    assert go(root, Mode.CHECK).exit_code == 0


def test_a_static_context_manager_called_on_its_class_of_another_module(tree) -> None:
    """isort's `with io.File.read(name) as source_file: source_file.path.open("w")`."""
    files = {
        "pkg/__init__.py": "",
        "pkg/io.py": (
            "from contextlib import contextmanager\n"
            "from dataclasses import dataclass\n"
            "from pathlib import Path\n"
            "from typing import Iterator\n"
            "\n"
            "\n"
            "@dataclass(frozen=True)\n"
            "class File:\n"
            "    path: Path\n"
            "\n"
            "    @staticmethod\n"
            "    @contextmanager\n"
            '    def read(name: str) -> Iterator["File"]:\n'
            "        yield File(Path(name))\n"
        ),
        "pkg/api.py": (
            "from . import io\n"
            "\n"
            "\n"
            "def sort(name):\n"
            "    with io.File.read(name) as source_file:\n"
            '        source_file.path.open("w")\n'
            "    io.File.read(name).path.open()\n"
        ),
    }
    root = tree(files)
    (api,) = [f for f in go(root, Mode.SCAN).files if f.path == "pkg/api.py"]
    assert {s.line: s.status for s in api.sites} == {
        6: Status.PENDING,
        7: Status.UNMIGRATED,  # the context manager object, not what it yields
    }


SIDECARS = """\
from pathlib import Path
from typing import Optional, Tuple


def sidecars(name: str) -> tuple[Path, str]:
    return Path(name + ".lock"), name + ".tmp"


def quoted(name: str) -> "Tuple[str, Path]":
    return name, Path(name)


def maybe(name: str) -> Optional[tuple[Path, Path]]:
    return None


def many(name: str) -> tuple[Path, ...]:
    return (Path(name),)
"""

UNPACK = """\
from .sidecars import maybe, many, quoted, sidecars


def clean(name):
    lock, tmp = sidecars(name)
    lock.open()
    tmp.open()
    label, path = quoted(name)
    path.open()
    a, b = maybe(name)
    a.open()
    c, d = many(name)
    c.open()
    e, f, g = sidecars(name)
    e.open()
    sidecars(name)[0].open()
"""


def test_names_unpacked_from_a_tuple_a_function_of_another_module_returns(tree) -> None:
    """`lock, tmp = sidecars(name)` with `-> tuple[Path, str]` in another module of the
    run: each name typed by its position, only for a tuple of fixed length."""
    root = tree(
        {"pkg/__init__.py": "", "pkg/sidecars.py": SIDECARS, "pkg/unpack.py": UNPACK}
    )
    assert open_sites(go(root, Mode.SCAN), "pkg/unpack.py") == {
        6: Status.PENDING,  # tuple[Path, str]: position 0
        7: Status.UNMIGRATED,  # position 1 is a str
        9: Status.PENDING,  # a string annotation, typing.Tuple
        11: Status.UNMIGRATED,  # Optional[tuple[...]]
        13: Status.UNMIGRATED,  # tuple[Path, ...]: its length is not the targets'
        15: Status.UNMIGRATED,  # three names from a pair
        16: Status.PENDING,  # an index of the pair
    }


def test_a_path_re_exported_by_a_package_star_import_is_a_path(tree) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/conf/__init__.py": "from .paths import *\nfrom .names import *\n",
        "pkg/conf/paths.py": PATHS,
        "pkg/conf/names.py": "label = str\n",
        "app.py": (
            "from pkg.conf import DATA_DIR, target, label\n"
            "DATA_DIR.open()\ntarget('x').open()\nlabel('y').open()\n"
        ),
    }
    root = tree(files)
    assert open_sites(go(root, Mode.SCAN), "app.py") == {
        2: Status.PENDING, 3: Status.PENDING, 4: Status.UNMIGRATED,
    }
    go(root, Mode.APPLY)
    text = (root / "app.py").read_text()
    assert "storage.path_open(DATA_DIR)" in text and "storage.path_open(target('x'))" in text
    assert go(root, Mode.CHECK).exit_code == 0


def test_pathlib_s_path_re_exported_by_a_module_of_the_run_makes_paths(tree) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/compat.py": "from pathlib import Path\nfrom pathlib2 import Path as Path2\n",
        "pkg/use.py": (
            "from .compat import Path, Path2\nimport pkg.compat as c\n"
            "Path('a').open()\nPath.home().open()\nPath2('b').open()\nc.Path('d').open()\n"
        ),
    }
    root = tree(files)
    assert open_sites(go(root, Mode.SCAN)) == {
        3: Status.PENDING, 4: Status.PENDING, 5: Status.UNMIGRATED, 6: Status.PENDING,
    }
