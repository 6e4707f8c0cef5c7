"""analysis/receivers.py on its own: is the receiver of `x.read_text()` provably a Path?"""

from __future__ import annotations

import libcst as cst
import pytest
from analysis_helpers import RUNTIME, analysed, last_call_receiver
from migrate_storage.codemods.analysis.receivers import Kind, ReceiverTyper


def kind_of(code: str) -> Kind:
    module, scopes, collector = analysed(code)
    return ReceiverTyper(scopes, collector.bindings, RUNTIME).kind(
        last_call_receiver(module)
    )


@pytest.mark.parametrize(
    "code",
    [
        "from pathlib import Path\nPath('a').read_text()\n",
        "import pathlib\npathlib.Path('a').read_text()\n",
        "from pathlib import Path\n(Path.home() / 'x').read_text()\n",
        "from pathlib import Path\nPath(__file__).parent.joinpath('x').read_text()\n",
        "from pathlib import Path\np = Path('a')\np.read_text()\n",
        "from pathlib import Path\ndef f(p: Path):\n    return p.read_text()\nPath('a').resolve().read_text()\n",
        "from pathlib import Path\n(Path(__file__).parents[1] / 'x').read_text()\n",
        "from pathlib import Path\nups = Path('a').resolve().parents\nups[-1].read_text()\n",
    ],
)
def test_provable_paths(code: str) -> None:
    assert kind_of(code) is Kind.PATH


@pytest.mark.parametrize(
    "code",
    [
        "x.read_text()\n",  # nothing known about x
        "from pathlib import Path\np = Path('a')\nif c:\n    p = other\np.read_text()\n",  # one binding unknown
        "from pathlib import Path\ndef f(p):\n    return p\nf(Path('a')).read_text()\n",  # no flow analysis
        "from pathlib import Path\nPath('a').parents[1:][0].read_text()\n",  # a slice: a tuple
        "x.parents[0].read_text()\n",  # parents of anything
    ],
)
def test_anything_not_shown_is_unknown(code: str) -> None:
    assert kind_of(code) is Kind.UNKNOWN


@pytest.mark.parametrize(
    "code",
    [
        "'a'.read_text()\n",
        "import webbrowser\nwebbrowser.open('x')\n",
    ],
)
def test_provably_something_else(code: str) -> None:
    assert kind_of(code) is Kind.NOT_PATH


def test_the_runtimes_storage_is_runtime() -> None:
    assert (
        kind_of("from storage_runtime import storage\nstorage.read_text('a')\n")
        is Kind.RUNTIME
    )


def test_a_shadowed_path_name_is_not_a_path() -> None:
    """Should not be a Path, since `Path` here is the module's own class."""
    assert kind_of("class Path:\n    pass\nPath('a').read_text()\n") is not Kind.PATH


# -- issue 14 item 1: every source of Path-ness, each with the trap that must defeat it ----

_OPEN_CASES = {
    # name: (code whose last `.open()` receiver is asked about, expected kind)
    "optional-param": (
        "from pathlib import Path\ndef load(path: Path | None):\n    if path is None:\n        return\n    path.open()\n",
        Kind.PATH,
    ),
    "typing-optional": (
        "from typing import Optional\nfrom pathlib import Path\ndef load(path: Optional[Path] = None):\n    path.open()\n",
        Kind.PATH,
    ),
    "union-none": (
        "import typing, pathlib\ndef load(path: typing.Union[None, pathlib.Path]):\n    path.open()\n",
        Kind.PATH,
    ),
    "string-annotation": (
        "from pathlib import Path\ndef load(path: 'Path | None'):\n    path.open()\n",
        Kind.PATH,
    ),
    "union-with-str": (
        "from pathlib import Path\ndef load(path: Path | str):\n    path.open()\n",
        Kind.UNKNOWN,
    ),
    "annotated-local": (
        "from pathlib import Path\ndef f(x):\n    p: Path = x\n    p.open()\n",
        Kind.PATH,
    ),
    "returns": (
        "from pathlib import Path\ndef target(n) -> Path:\n    return Path(n)\ntarget('a').open()\n",
        Kind.PATH,
    ),
    "returns-async": (
        "from pathlib import Path\nasync def target(n) -> Path:\n    return Path(n)\ntarget('a').open()\n",
        Kind.UNKNOWN,
    ),
    "returns-decorated": (
        "import contextlib\nfrom pathlib import Path\n@contextlib.contextmanager\ndef target(n) -> Path:\n    yield Path(n)\ntarget('a').open()\n",
        Kind.UNKNOWN,
    ),
    "returns-cached": (
        "import functools\nfrom pathlib import Path\n@functools.lru_cache\ndef target(n) -> Path:\n    return Path(n)\ntarget('a').open()\n",
        Kind.PATH,
    ),
    "method-returns": (
        "from pathlib import Path\nclass B:\n    def blob(self, d) -> Path:\n        return Path(d)\n    def get(self, d):\n        self.blob(d).open()\n",
        Kind.PATH,
    ),
    "init-attribute": (
        "from pathlib import Path\nclass S:\n    def __init__(self, root: Path):\n        self._state = root / 'state.json'\n    def load(self):\n        self._state.open()\n",
        Kind.PATH,
    ),
    "attribute-reassigned": (
        "from pathlib import Path\nclass S:\n    def __init__(self, root: Path):\n        self._state = root / 'state.json'\n    def reset(self):\n        self._state = str(self._state)\n    def load(self):\n        self._state.open()\n",
        Kind.UNKNOWN,
    ),
    "attribute-stored-outside": (
        "from pathlib import Path\nclass S:\n    def __init__(self, root: Path):\n        self._state = root / 'state.json'\ns = S(Path('.'))\ns._state = 'x'\ndef load(self: S):\n    self._state.open()\n",
        Kind.UNKNOWN,
    ),
    "attribute-augmented": (
        "from pathlib import Path\nclass S:\n    def __init__(self, root: Path):\n        self._state = root / 'state.json'\n        self._state += 'x'\n    def load(self):\n        self._state.open()\n",
        Kind.UNKNOWN,
    ),
    "attribute-tuple-store": (
        "from pathlib import Path\nclass S:\n    def __init__(self, root: Path):\n        self._state = root / 'state.json'\n        self._state, b = 'x', 1\n    def load(self):\n        self._state.open()\n",
        Kind.UNKNOWN,
    ),
    "class-annotation": (
        "from pathlib import Path\nclass S:\n    path: Path\n    def load(self):\n        self.path.open()\n",
        Kind.PATH,
    ),
    "dataclass-field": (
        "from dataclasses import dataclass\nfrom pathlib import Path\n@dataclass\nclass C:\n    path: Path | None = None\ndef run(c: C):\n    c.path.open()\n",
        Kind.PATH,
    ),
    "namedtuple-field": (
        "from typing import NamedTuple\nfrom pathlib import Path\nclass C(NamedTuple):\n    path: Path\nc = C(Path('a'))\nc.path.open()\n",
        Kind.PATH,
    ),
    "property": (
        "from pathlib import Path\nclass C:\n    @property\n    def path(self) -> Path:\n        return Path('a')\n    def f(self):\n        self.path.open()\n",
        Kind.PATH,
    ),
    "plain-method-not-attribute": (
        "from pathlib import Path\nclass C:\n    def path(self) -> Path:\n        return Path('a')\n    def f(self):\n        self.path.open()\n",
        Kind.UNKNOWN,
    ),
    "with-suffix": (
        "from pathlib import Path\ndef f(path: Path):\n    tmp = path.with_suffix('.tmp')\n    tmp.open('w')\n",
        Kind.PATH,
    ),
    "expanduser-resolve": (
        "from pathlib import Path\nPath('~/x').expanduser().resolve().absolute().with_name('y').open()\n",
        Kind.PATH,
    ),
    "str-over-path": (
        "from pathlib import Path\n('a' / Path('b')).open()\n",
        Kind.PATH,
    ),
    "iterdir-loop": (
        "from pathlib import Path\nfor q in Path('r').iterdir():\n    q.open()\n",
        Kind.PATH,
    ),
    "sorted-glob-loop": (
        "from pathlib import Path\nroot = Path('r')\nfor q in sorted(root.glob('*.json')):\n    q.open()\n",
        Kind.PATH,
    ),
    "list-rglob-index": (
        "from pathlib import Path\nfound = list(Path('r').rglob('*.py'))\nfound[0].open()\n",
        Kind.PATH,
    ),
    "filtered-glob-comprehension": (
        "from pathlib import Path\nD = Path('r')\nfor q in [e for e in D.glob('*.json') if e.stem]:\n    q.open()\n",
        Kind.PATH,
    ),
    "generator-of-iterdir": (
        "from pathlib import Path\nfor q in (e for e in Path('r').iterdir()):\n    q.open()\n",
        Kind.PATH,
    ),
    "comprehension-of-attributes": (
        "from pathlib import Path\nfor q in [e.stem for e in Path('r').iterdir()]:\n    q.open()\n",
        Kind.UNKNOWN,
    ),  # the stems are str
    "star-args-of-paths": (
        "from pathlib import Path\ndef f(*paths: Path):\n    for q in paths:\n        q.open()\n",
        Kind.PATH,
    ),
    "iterable-of-paths-param": (
        "from collections.abc import Iterable\nfrom pathlib import Path\ndef f(paths: Iterable[Path]):\n    for q in paths:\n        q.open()\n",
        Kind.PATH,
    ),
    "tuple-of-paths-param": (
        "from pathlib import Path\ndef f(paths: tuple[Path, ...]):\n    for q in paths:\n        q.open()\n",
        Kind.PATH,
    ),
    "kwargs-of-paths": (
        "from pathlib import Path\ndef f(**paths: Path):\n    for q in paths:\n        q.open()\n",
        Kind.UNKNOWN,
    ),  # iterating **kwargs gives the keywords
    "list-of-str-param": (
        "def f(paths: list[str]):\n    for q in paths:\n        q.open()\n",
        Kind.UNKNOWN,
    ),
    "paths-param-rebound": (
        "from pathlib import Path\ndef f(paths: list[Path]):\n    paths = [str(p) for p in paths]\n    for q in paths:\n        q.open()\n",
        Kind.UNKNOWN,
    ),
    "dict-of-paths-param": (
        "from pathlib import Path\ndef f(paths: dict[Path, int]):\n    for q in paths:\n        q.open()\n",
        Kind.UNKNOWN,
    ),  # a mapping's keys are not read (only one-element collections are)
    "dataclass-collection-field": (
        "from dataclasses import dataclass, field\nfrom pathlib import Path\n@dataclass\nclass R:\n    files: list[Path] = field(default_factory=list)\n    def f(self):\n        for q in self.files:\n            q.open()\n",
        Kind.PATH,
    ),
    "collection-field-stored": (
        "from dataclasses import dataclass\nfrom pathlib import Path\n@dataclass\nclass R:\n    files: frozenset[Path] = frozenset()\n    def g(self, x):\n        self.files = x\n    def f(self):\n        for q in self.files:\n            q.open()\n",
        Kind.UNKNOWN,
    ),  # a store the annotation does not prove
    "collection-field-default-holds-str": (
        "from dataclasses import dataclass, field\nfrom pathlib import Path\n@dataclass\nclass R:\n    files: list[Path] = field(default_factory=lambda: ['x'])\n    def f(self):\n        for q in self.files:\n            q.open()\n",
        Kind.UNKNOWN,
    ),
    # `enumerate` pairs a count with each element: the element is iterdir's Path
    "enumerate-loop": (
        "from pathlib import Path\nfor i, q in enumerate(Path('r').iterdir()):\n    q.open()\n",
        Kind.PATH,
    ),
    "enumerate-count": (
        "from pathlib import Path\nfor q, i in enumerate(Path('r').iterdir()):\n    q.open()\n",
        Kind.UNKNOWN,
    ),
    "enumerate-shadowed": (
        "from pathlib import Path\nfrom x import enumerate\n"
        "for i, q in enumerate(Path('r').iterdir()):\n    q.open()\n",
        Kind.UNKNOWN,
    ),
    "loop-over-strings": (
        "for q in ['a', 'b']:\n    q.open()\n",
        Kind.UNKNOWN,
    ),  # not a Path
    "module-constant": (
        "from pathlib import Path\nLOCK = Path(__file__).parent / 'x.lock'\ndef f():\n    LOCK.open('a+')\n",
        Kind.PATH,
    ),
    "global-write": (
        "from pathlib import Path\nLOCK = Path('x')\ndef g():\n    global LOCK\n    LOCK = 'x'\nLOCK.open('a+')\n",
        Kind.UNKNOWN,
    ),
    "nonlocal-write": (
        "from pathlib import Path\ndef f():\n    p = Path('x')\n    def g():\n        nonlocal p\n        p = 'y'\n    g()\n    p.open()\n",
        Kind.UNKNOWN,
    ),
    "walrus": (
        "from pathlib import Path\ndef f(x):\n    p = Path('a')\n    if (p := x):\n        pass\n    p.open()\n",
        Kind.UNKNOWN,
    ),
    "walrus-in-comprehension": (
        "from pathlib import Path\ndef f():\n    p = Path('a')\n    [(p := n) for n in 'ab']\n    p.open()\n",
        Kind.UNKNOWN,
    ),
    "walrus-in-generator-at-module": (
        "from pathlib import Path\np = Path('a')\nany((p := n) for n in 'ab')\np.open()\n",
        Kind.UNKNOWN,
    ),
    "for-target": (
        "from pathlib import Path\np = Path('a')\nfor p in range(3):\n    pass\np.open()\n",
        Kind.UNKNOWN,
    ),
    "augmented-other": (
        "from pathlib import Path\np = Path('a')\np += 'x'\np.open()\n",
        Kind.UNKNOWN,
    ),
    "augmented-divide": (
        "from pathlib import Path\np = Path('a')\np /= 'x'\np.open()\n",
        Kind.PATH,
    ),
    "del": (
        "from pathlib import Path\ndef f():\n    p = Path('a')\n    del p\n    p.open()\n",
        Kind.UNKNOWN,
    ),
    "with-as": (
        "from pathlib import Path\np = Path('a')\nwith ctx() as p:\n    pass\np.open()\n",
        Kind.UNKNOWN,
    ),
    "except-as": (
        "from pathlib import Path\np = Path('a')\ntry:\n    pass\nexcept OSError as p:\n    pass\np.open()\n",
        Kind.UNKNOWN,
    ),
    "none-then-path": (
        "from pathlib import Path\np = None\nif c:\n    p = Path('a')\np.open()\n",
        Kind.PATH,
    ),
    "stdlib-from-import": (
        "from importlib import resources\nresources.open()\n",
        Kind.NOT_PATH,
    ),
    "plain-class-instance": (
        "class Buf:\n    def open(self):\n        pass\nBuf().open()\n",
        Kind.NOT_PATH,
    ),
    "zipfile-path": ("import zipfile\nzipfile.Path('a.zip').open()\n", Kind.NOT_PATH),
    # package data: importlib.resources Traversables, through joinpath and `/`
    "resource-files": (
        "import importlib.resources\nimportlib.resources.files('pkg').joinpath('a').open()\n",
        Kind.RESOURCE,
    ),
    "resource-slash-name": (
        "from importlib.resources import files\nr = files(__package__) / 'schemas' / 'x.json'\n"
        "r.open()\n",
        Kind.RESOURCE,
    ),
    "resource-backport": (
        "import importlib_resources as ir\nir.files('pkg').joinpath('t.txt').open()\n",
        Kind.RESOURCE,
    ),
    "resource-returned": (
        "from importlib.abc import Traversable\nfrom importlib.resources import files\n"
        "def data() -> Traversable:\n    return files('pkg') / 'd'\ndata().open()\n",
        Kind.RESOURCE,
    ),
    "resource-parameter": (
        "from importlib.resources.abc import Traversable\n"
        "def f(t: Traversable):\n    return t.open()\n",
        Kind.RESOURCE,
    ),
    # as_file gives a real Path on disk; a local `files` is not importlib's
    "resource-as-file-is-not": (
        "from importlib.resources import as_file, files\n"
        "with as_file(files('pkg') / 'x') as p:\n    p.open()\n",
        Kind.UNKNOWN,
    ),
    "resource-local-files-is-not": (
        "def files(x):\n    return x\nfiles('pkg').joinpath('a').open()\n",
        Kind.UNKNOWN,
    ),
    "resource-rebound-is-not": (
        "from importlib.resources import files\nr = files('pkg')\nr = other\nr.open()\n",
        Kind.UNKNOWN,
    ),
    "purepath": ("from pathlib import PurePath\nPurePath('a').open()\n", Kind.NOT_PATH),
    "attrs-type-argument": (
        "import attr\nfrom pathlib import Path\n@attr.s\nclass C:\n    path = attr.ib(type=Path)\n"
        "    def f(self):\n        return self.path.open()\n",
        Kind.PATH,
    ),
    "attrs-field-optional-type": (
        "import attrs\nfrom pathlib import Path\nfrom typing import Optional\n@attrs.define\n"
        "class C:\n    path = attrs.field(type=Optional[Path], default=None)\n"
        "    def f(self):\n        return self.path.open()\n",
        Kind.PATH,
    ),
    "attrs-type-with-converter": (
        "import attr\nfrom pathlib import Path\n@attr.s\nclass C:\n"
        "    path = attr.ib(type=Path, converter=str)\n"
        "    def f(self):\n        return self.path.open()\n",
        Kind.UNKNOWN,
    ),
    "attrs-type-not-a-path": (
        "import attr\n@attr.s\nclass C:\n    path = attr.ib(type=str)\n"
        "    def f(self):\n        return self.path.open()\n",
        Kind.UNKNOWN,
    ),
    "own-package-import": ("from .paths import DATA\nDATA.open()\n", Kind.UNKNOWN),
    "local-function-named-like-stdlib": ("def copy(x):\n    x.open()\n", Kind.UNKNOWN),
}


def _last_receiver(module):  # type: ignore[no-untyped-def]
    """The receiver of the module's last `.open()`/`.read_text()` call, wherever it is."""
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in (
                "open",
                "read_text",
            ):
                found.append(node.func.value)

    module.visit(Visitor())
    return found[-1]


@pytest.mark.parametrize(
    ("code", "expected"), _OPEN_CASES.values(), ids=_OPEN_CASES.keys()
)
def test_sources_of_path_and_their_traps(code: str, expected: Kind) -> None:
    module, scopes, collector = analysed(code)
    typer = ReceiverTyper(scopes, collector.bindings, RUNTIME, collector=collector)
    assert typer.kind(_last_receiver(module)) is expected


def test_an_attribute_stored_in_a_pruned_body_is_not_provable() -> None:
    """Should not be a Path, since a body the pruner cut out may store to `_state`."""
    code = _OPEN_CASES["init-attribute"][0]
    module, scopes, collector = analysed(code)
    pruned = "    def reset(self):\n        self._state = 'x'\n"
    typer = ReceiverTyper(
        scopes, collector.bindings, RUNTIME, collector=collector, pruned_text=pruned
    )
    assert typer.kind(_last_receiver(module)) is Kind.UNKNOWN


def test_methods_storing_attributes_are_kept_by_the_pruner() -> None:
    """The finder sees `self._state = ...` in a long `__init__` without any I/O call, and a
    reassignment in another long method, so the attribute is not taken for a Path."""
    lines = "\n".join(f"        self.x{i} = {i}" for i in range(12))
    code = (
        "from pathlib import Path\n"
        "class S:\n"
        "    def __init__(self, root: Path):\n"
        f"{lines}\n"
        "        self._state = root / 'state.json'\n"
        "    def reset(self):\n"
        f"{lines}\n"
        "        self._state = 'plain str'\n"
        "    def load(self):\n"
        "        return self._state.open()\n"
    )
    from analysis_helpers import RUNTIME as runtime
    from migrate_storage.codemods.model import Reason
    from migrate_storage.codemods.pipeline.engine import transform_source
    from migrate_storage.codemods.policy import FilePolicy

    result = transform_source(code.encode(), "m.py", FilePolicy(runtime_module=runtime))
    assert [(s.name, s.reason) for s in result.sites] == [
        ("self._state.open", Reason.RECEIVER_UNKNOWN)
    ]
    without_reset = code.replace("        self._state = 'plain str'\n", "")
    result = transform_source(
        without_reset.encode(), "m.py", FilePolicy(runtime_module=runtime)
    )
    assert [(s.name, s.status.value) for s in result.sites] == [
        ("pathlib.Path.open", "pending")
    ]


def test_with_binds_what_enter_returns() -> None:
    """Should not be NOT_PATH, since `with Maker() as d` binds `Maker().__enter__()`."""
    code = (
        "from pathlib import Path\n"
        "class Maker:\n"
        "    def __enter__(self):\n"
        "        return Path('d')\n"
        "    def __exit__(self, *exc):\n"
        "        pass\n"
        "with Maker() as d:\n"
        "    d.read_text()\n"
    )
    module, scopes, collector = analysed(code)
    typer = ReceiverTyper(scopes, collector.bindings, RUNTIME, collector=collector)
    assert typer.kind(_last_receiver(module)) is Kind.UNKNOWN


@pytest.mark.parametrize(
    ("bases", "expected"),
    [
        ("ZipFile", Kind.NOT_PATH),  # wheel's `class WheelFile(ZipFile)`
        ("zipfile.ZipFile", Kind.NOT_PATH),
        ("io.TextIOBase, object", Kind.NOT_PATH),
        ("ZipFile, Path", Kind.UNKNOWN),  # a Path base: not proven
        ("ZipFile, Other", Kind.UNKNOWN),  # a base of unknown kind
    ],
)
def test_an_instance_of_a_subclass_of_a_known_no_path_class_is_no_path(
    bases: str, expected: Kind
) -> None:
    """`with ArchiveFile(p) as af: af.open(member)` (unseen9's W2): ZipFile's `__enter__`
    gives the instance itself, which is no Path when every base is known to be none."""
    code = (
        "import io, zipfile\n"
        "from pathlib import Path\n"
        "from zipfile import ZipFile\n"
        "from elsewhere import Other\n"
        f"class ArchiveFile({bases}):\n"
        "    dist_info = 'pkg.dist-info'\n"
        "with ArchiveFile(p) as af:\n"
        "    af.open('x')\n"
    )
    module, scopes, collector = analysed(code)
    typer = ReceiverTyper(scopes, collector.bindings, RUNTIME, collector=collector)
    assert typer.kind(_last_receiver(module)) is expected
    # Its own `__enter__` may give anything: not proven.
    entered = code.replace(
        "    dist_info = 'pkg.dist-info'\n",
        "    def __enter__(self):\n        return Path('d')\n",
    )
    module, scopes, collector = analysed(entered)
    typer = ReceiverTyper(scopes, collector.bindings, RUNTIME, collector=collector)
    assert typer.kind(_last_receiver(module)) is Kind.UNKNOWN


def test_pruned_text_keyword_arguments_are_no_tuple_store() -> None:
    """A pruned body passing `root=self._path, other=...` to a call does not store
    `_path` (it kept poetry-core's `self._path / "setup.py"` unknown); a tuple target does."""
    from migrate_storage.codemods.analysis._receiver_nodes import stored_in_text

    assert stored_in_text("_path", "    self._path, x = a, b\n")
    assert stored_in_text("_path", "a[0]._path, b = 1, 2\n")
    assert stored_in_text("_path", "self._path = 1\n") and stored_in_text(
        "_path", "del self._path\n"
    )
    assert not stored_in_text(
        "_path", "        path=f, project_root=self._path, source_root=self._path\n"
    )
    assert not stored_in_text("_path", "foo(self._path, x=1)\n")


def typed_kind(code: str) -> Kind:
    """The receiver of the last statement of the module's last function."""
    module, scopes, collector = analysed(code)
    function = module.body[-1]
    assert isinstance(function, cst.FunctionDef)
    inner = cst.Module(body=[function.body.body[-1]])
    return ReceiverTyper(scopes, collector.bindings, RUNTIME, collector=collector).kind(
        last_call_receiver(inner)
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(p: Path):\n    p = p.resolve()\n    p.open()\n", Kind.PATH),
        ("def f(p: Path | None, d: Path):\n    p = p or d\n    p.open()\n", Kind.PATH),
        (
            "def f(p: Path):\n    p = p / 'a'\n    p = p.parent\n    p.open()\n",
            Kind.PATH,
        ),
        ("def f(p: Path):\n    p = p.read_text()\n    p.open()\n", Kind.UNKNOWN),
        ("def f(p: Path):\n    p = str(p)\n    p.open()\n", Kind.UNKNOWN),
        ("def f(p):\n    p = p.resolve()\n    p.open()\n", Kind.UNKNOWN),  # no evidence
        ("def f(p: Path, q):\n    p = p or q\n    p.open()\n", Kind.UNKNOWN),
    ],
)
def test_a_name_rebound_from_itself(code: str, expected: Kind) -> None:
    """`path = path.resolve()`: each binding reads what an earlier one made, so the name
    is a Path when every binding that does not read it makes one (induction)."""
    assert typed_kind("from pathlib import Path\n" + code) is expected


def test_a_class_body_rebinding_a_global_is_no_induction() -> None:
    """`_os = _os` in a class body (dbm.dumb) reads the global module, not an earlier
    binding of the class attribute: `self._os.unlink(p)` is not on a Path."""
    code = (
        "import os as _os\nfrom pathlib import Path\n\n\nclass D:\n    _os = _os\n"
        "    root = Path('r')\n    root = root / 'x'\n\n    def f(self):\n"
        "        self._os.unlink('x')\n"
    )
    module, scopes, collector = analysed(code)
    method = module.body[-1].body.body[-1]
    receiver = method.body.body[-1].body[0].value.func.value
    typer = ReceiverTyper(scopes, collector.bindings, RUNTIME, collector=collector)
    assert typer.kind(receiver) is Kind.UNKNOWN


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import webbrowser\nwebbrowser.open('u')\n", Kind.NOT_PATH),  # the module itself
        ("import foo.bar\nfoo.bar.open('x')\n", Kind.NOT_PATH),  # a module it imports
        ("import config\nconfig.DATA_DIR.open()\n", Kind.UNKNOWN),  # a member: not proven
        ("import config as c\nc.paths.LOG.open('a')\n", Kind.UNKNOWN),
        ("import os\nos.environ.open()\n", Kind.NOT_PATH),  # the standard library's
    ],
)
def test_a_member_of_a_module_outside_the_run_is_not_proven(code: str, expected: Kind) -> None:
    assert kind_of(code) is expected


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("for file in revision.files:\n", False),  # a header's colon, not an annotation
        ("if self.files:\n", False),
        ("while self.files:\n", False),
        ("x = a[self.files:]\n", False),
        ("# ... removed with the entry.\n    files=frozenset(x),\n", False),  # keyword
        ("    self.files: frozenset = x\n", True),
        ("self.files: int\n", True),
        ("    x[0].files: int = 3\n", True),
        ("self.files += 1\n", True),
        ("for self.files in y:\n", True),
    ],
)
def test_pruned_text_stores_are_told_from_headers_and_keywords(text: str, stored: bool) -> None:
    """huggingface_hub's cut bodies hold `for file in revision.files:` and, after a comment
    ending with a period, a `files=...` keyword: neither stores `.files`, and reading them
    as stores hid `DeleteCacheStrategy.files` (a `frozenset[Path]` field)."""
    from migrate_storage.codemods.analysis._receiver_nodes import stored_in_text

    assert stored_in_text("files", text) is stored


def last_open_kind(code: str) -> Kind:
    """The kind of the receiver of the module's last `.open()`, wherever it is."""
    module, scopes, collector = analysed(code)
    typer = ReceiverTyper(scopes, collector.bindings, RUNTIME, collector=collector)
    return typer.kind(_last_receiver(module))


_HELPER = "def pair(x) -> tuple[Path, Path]:\n    return Path(x), Path(x + '.tmp')\n"
_MIXED = "def named(x) -> Tuple[str, Path]:\n    return x, Path(x)\n"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # `a, b = helper(x)` with `-> tuple[Path, Path]`: both names
        (_HELPER + "def f(x):\n    a, b = pair(x)\n    b.open()\n", Kind.PATH),
        (_HELPER + "def f(x):\n    (a, b) = pair(x)\n    a.open()\n", Kind.PATH),
        (_HELPER + "def f(x):\n    [a, b] = pair(x)\n    a.open()\n", Kind.PATH),
        # only the Path positions of `Tuple[str, Path]`
        (_MIXED + "def f(x):\n    n, p = named(x)\n    p.open()\n", Kind.PATH),
        (_MIXED + "def f(x):\n    n, p = named(x)\n    n.open()\n", Kind.UNKNOWN),
        # a string annotation, a method of the class (as `-> Path` methods are followed)
        (
            "def pair(x) -> 'tuple[Path, Path]':\n    return Path(x), Path(x)\n"
            "def f(x):\n    a, b = pair(x)\n    b.open()\n",
            Kind.PATH,
        ),
        (
            "class C:\n    def paths(self) -> tuple[Path, Path]:\n        return Path('a'), Path('b')\n"
            "    def f(self):\n        a, b = self.paths()\n        b.open()\n",
            Kind.PATH,
        ),
        # literal tuples and an index of the pair
        ("def f(x):\n    a, b = Path(x), x\n    a.open()\n", Kind.PATH),
        ("def f(x):\n    a, b = Path(x), x\n    b.open()\n", Kind.UNKNOWN),
        (_HELPER + "def f(x):\n    p = pair(x)\n    p[1].open()\n", Kind.PATH),
        (_HELPER + "def f(x):\n    p = pair(x)\n    p[-2].open()\n", Kind.PATH),
        (_HELPER + "def f(x):\n    p = pair(x)\n    p[2].open()\n", Kind.UNKNOWN),
        (_MIXED + "def f(x):\n    p = named(x)\n    p[0].open()\n", Kind.UNKNOWN),
        # nested targets
        (
            "def f(x) -> tuple[str, tuple[Path, int]]:\n    return x, (Path(x), 1)\n"
            "def g(x):\n    n, (p, i) = f(x)\n    p.open()\n",
            Kind.PATH,
        ),
        # negatives: rebound, starred, length mismatch, Optional, `...`, unannotated
        (
            _HELPER + "def f(x):\n    a, b = pair(x)\n    b = str(b)\n    b.open()\n",
            Kind.UNKNOWN,
        ),
        (_HELPER + "def f(x):\n    a, *b = pair(x)\n    a.open()\n", Kind.UNKNOWN),
        (_HELPER + "def f(x):\n    a, b, c = pair(x)\n    a.open()\n", Kind.UNKNOWN),
        (
            "def pair(x) -> Optional[tuple[Path, Path]]:\n    return None\n"
            "def f(x):\n    a, b = pair(x)\n    a.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def pair(x) -> tuple[Path, ...]:\n    return (Path(x),)\n"
            "def f(x):\n    a, b = pair(x)\n    a.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def pair(x):\n    return Path(x), Path(x)\n"
            "def f(x):\n    a, b = pair(x)\n    a.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "async def pair(x) -> tuple[Path, Path]:\n    return Path(x), Path(x)\n"
            "def f(x):\n    a, b = pair(x)\n    a.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def pair(x) -> tuple[Path, Path]:\n    return Path(x), Path(x)\n"
            "pair = str\n"
            "def f(x):\n    a, b = pair(x)\n    a.open()\n",
            Kind.UNKNOWN,
        ),
    ],
)
def test_names_unpacked_from_a_typed_tuple(code: str, expected: Kind) -> None:
    """`a, b = helper(x)` with `-> tuple[Path, Path]`: each name is typed by its position
    (syrupy's `lock_path, tmp_path = ...`), only where every binding agrees."""
    head = "from pathlib import Path\nfrom typing import Optional, Tuple\n"
    assert last_open_kind(head + code) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "def f(files: Iterable[tuple[str, Path]]):\n    for r, p in files:\n        p.open()\n",
            Kind.PATH,
        ),
        (
            "def f(files: Iterable[tuple[str, Path]]):\n    for r, p in files:\n        r.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(files: list[Tuple[str, Path]]):\n    for r, p in sorted(files):\n        p.open()\n",
            Kind.PATH,
        ),
        (
            "def f(files: Sequence[tuple[str, Path]]):\n    for i, (r, p) in enumerate(files):\n        p.open()\n",
            Kind.PATH,
        ),
        (
            "def f(files: Sequence[tuple[str, Path]]):\n    for i, (r, p) in enumerate(files):\n        i.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(m: dict[str, Path]):\n    for k, p in m.items():\n        p.open()\n",
            Kind.PATH,
        ),
        (
            "def f(m: Mapping[str, Path]):\n    for k, p in m.items():\n        k.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(names, paths: list[Path]):\n    for n, p in zip(names, paths):\n        p.open()\n",
            Kind.PATH,
        ),
        (
            "def f(names, paths: list[Path]):\n    for n, p in zip(names, paths):\n        n.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(names, paths):\n    for n, p in zip(names, paths):\n        p.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def pairs() -> list[tuple[str, Path]]:\n    return []\n"
            "def f():\n    for r, p in pairs():\n        p.open()\n",
            Kind.PATH,
        ),
        (
            "def f(files: Iterable[tuple[str, Path]]):\n"
            "    return [p.open() for r, p in files]\n",
            Kind.PATH,
        ),
        (
            "def f(d: Path):\n    files: list[tuple[str, Path]] = []\n    for r, p in files:\n        p.open()\n",
            Kind.PATH,
        ),
        # negatives: rebound, starred, length mismatch, Optional, `*args` (each element)
        (
            "def f(*groups: list[tuple[str, Path]]):\n    for r, p in groups:\n        p.open()\n",
            Kind.UNKNOWN,
        ),
        ("def f(*pair: tuple[str, Path]):\n    pair[1].open()\n", Kind.UNKNOWN),
        ("def f(pair: tuple[str, Path]):\n    pair[1].open()\n", Kind.PATH),
        ("def f(files: list[tuple[str, Path]]):\n    for i, (r, p) in enumerate(files, 1):\n        p.open()\n", Kind.PATH),
        (
            "def f(files: Iterable[tuple[str, Path]]):\n    for r, p in files:\n        p = str(p)\n        p.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(files: Iterable[tuple[str, Path]]):\n    for r, *p in files:\n        r.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(files: Iterable[tuple[str, Path, int]]):\n    for r, p in files:\n        p.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(files: Optional[Iterable[tuple[str, Path]]]):\n    for r, p in files:\n        p.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(files: Iterable[Optional[tuple[str, Path]]]):\n    for r, p in files:\n        p.open()\n",
            Kind.UNKNOWN,
        ),
        (
            "def f(files: Iterable[tuple[str, Path]]):\n    files = g()\n    for r, p in files:\n        p.open()\n",
            Kind.UNKNOWN,
        ),
    ],
)
def test_loop_targets_unpacked_from_typed_iterables(code: str, expected: Kind) -> None:
    """`for rel, path in files` with `files: Iterable[tuple[str, Path]]` (pdm-backend's
    sdist), through `enumerate`, `zip` of typed iterables and `dict[str, Path].items()`."""
    head = (
        "from pathlib import Path\nfrom typing import Optional, Tuple\n"
        "from collections.abc import Iterable, Mapping, Sequence\n"
    )
    assert last_open_kind(head + code) is expected
