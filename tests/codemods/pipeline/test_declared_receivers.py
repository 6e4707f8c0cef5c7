"""Receivers an annotation declares another class than a Path (analysis/receivers.py,
"Declared receivers"; unseen8 G1): `formatter.write_text(t)` with `formatter:
HelpFormatter`, a class defining its own `write_text`, and `self._zipfile.open(m)` with
the attribute stored from `f: zipfile.ZipFile`, are no pathlib sites; every way the
receiver may still be a Path keeps today's answer. Through the real engine (the pruner
cuts the classes' bodies) and, for classes of other modules, the runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_storage.codemods.model import Status
from migrate_storage.codemods.pipeline.engine import transform_source
from migrate_storage.codemods.pipeline.runner import run
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.codemods.settings import Mode, Settings

# Long enough bodies that the pruner cuts them (and the class then keeps only its `def`s).
_FILLER = "".join(f"        self.x{i} = {i}\n" for i in range(6))

FORMATTER = (
    "class HelpFormatter:\n"
    "    def __init__(self):\n"
    f"{_FILLER}"
    "    def write_text(self, text):\n"
    f"{_FILLER}"
    "        self.buffer.append(text)\n"
)


def statuses(code: str) -> list[tuple[str, Status]]:
    """(name, status) of every site of `code`, as `coverage` sees them."""
    sites = transform_source(code.encode(), "m.py", FilePolicy(), rewrite=False).sites
    return [(s.name, s.status) for s in sites]


@pytest.mark.parametrize(
    "code",
    [
        # a parameter annotated with a class of the module defining the method
        FORMATTER
        + "def epilog(formatter: HelpFormatter, text):\n    formatter.write_text(text)\n",
        # also as a string, Optional, `| None`
        FORMATTER
        + "def epilog(formatter: 'HelpFormatter', text):\n    formatter.write_text(text)\n",
        FORMATTER + "from typing import Optional\n"
        "def epilog(formatter: Optional[HelpFormatter], text):\n    formatter.write_text(text)\n",
        FORMATTER
        + "def epilog(formatter: HelpFormatter | None, text):\n    formatter.write_text(text)\n",
        # inherited from a base of the module that is no Path
        FORMATTER + "class Wide(HelpFormatter):\n    width = 80\n"
        "def epilog(formatter: Wide, text):\n    formatter.write_text(text)\n",
        # a known class of the standard library, also through an attribute of the class
        (
            "import zipfile\n"
            "class Wheel:\n"
            "    def __init__(self, f: zipfile.ZipFile):\n"
            "        self._zipfile = f\n"
            "    def member(self, name):\n"
            "        with self._zipfile.open(name) as s:\n"
            "            return s.read()\n"
        ),
        # an annotated store, and None beside it
        (
            "import io\n"
            "class Out:\n"
            "    _stream: io.TextIOBase | None = None\n"
            "    def attach(self, s):\n"
            "        self._stream: io.TextIOBase = s\n"
            "    def emit(self, t):\n"
            "        self._stream.write_text(t)\n"
        ),
    ],
)
def test_a_receiver_declared_another_class_is_no_site(code: str) -> None:
    assert statuses(code) == []


@pytest.mark.parametrize(
    "code",
    [
        # a union with Path: it may be a Path
        FORMATTER + "from pathlib import Path\n"
        "def epilog(out: Path | HelpFormatter, text):\n    out.write_text(text)\n",
        # the class does not define the method: a subclass mixing in Path would run
        # pathlib's
        (
            "class Plain:\n    pass\n"
            "def epilog(out: Plain, text):\n    out.write_text(text)\n"
        ),
        # a Protocol: a Path matches it without subclassing it
        (
            "from typing import Protocol\n"
            "class Writer(Protocol):\n"
            "    def write_text(self, text): ...\n"
            "def epilog(out: Writer, text):\n    out.write_text(text)\n"
        ),
        # an abstract method: the subclass that implements it is not known
        (
            "from abc import ABC, abstractmethod\n"
            "class Sink(ABC):\n"
            "    @abstractmethod\n"
            "    def write_text(self, text): ...\n"
            "def epilog(out: Sink, text):\n    out.write_text(text)\n"
        ),
        # a base that is not known (it may be a Path)
        (
            "from somewhere import Base\n"
            "class Mine(Base):\n    pass\n"
            "def epilog(out: Mine, text):\n    out.write_text(text)\n"
        ),
        # the class's write_text is an attribute, not a method of its own
        (
            "class Odd:\n    write_text = staticmethod(print)\n"
            "def epilog(out: Odd, text):\n    out.write_text(text)\n"
        ),
        # `str` is a common (wrong) annotation of parameters given Paths
        "def epilog(out: str, text):\n    out.write_text(text)\n",
        # the parameter is rebound
        FORMATTER + "def epilog(formatter: HelpFormatter, text):\n"
        "    formatter = make()\n    formatter.write_text(text)\n",
        # one store of the attribute is not declared
        (
            "import zipfile\n"
            "class Wheel:\n"
            "    def __init__(self, f: zipfile.ZipFile):\n"
            "        self._zipfile = f\n"
            "    def reopen(self, g):\n"
            "        self._zipfile = g\n"
            "    def member(self, name):\n"
            "        return self._zipfile.read_text()\n"
        ),
        # a metaclass may make anything of the class
        (
            "class Meta(type):\n    pass\n"
            "class Fmt(metaclass=Meta):\n    def write_text(self, t):\n        pass\n"
            "def epilog(out: Fmt, text):\n    out.write_text(text)\n"
        ),
    ],
)
def test_a_receiver_that_may_be_a_path_stays_a_site(code: str) -> None:
    sites = statuses(code)
    assert len(sites) == 1 and sites[0][1] is Status.PENDING, sites


def test_a_pruned_class_hiding_the_method_is_not_trusted() -> None:
    """Should stay a site, since the cut body of `Wide` assigns a `write_text` of its own
    (not a `def`), which would be the one an instance runs."""
    code = (
        FORMATTER + "class Wide(HelpFormatter):\n"
        "    if True:\n"
        f"{_FILLER.replace('        self.', '        ')}"
        "        write_text = print\n"
        "def epilog(formatter: Wide, text):\n    formatter.write_text(text)\n"
    )
    assert [s for _, s in statuses(code)] == [Status.PENDING]


CORE = """\
from pathlib import Path
from .base import HelpFormatter
from .formatting import Loose, Wide


def epilog(formatter: HelpFormatter, text):
    formatter.write_text(text)


def wide(formatter: Wide, text):
    formatter.write_text(text)


def loose(out: Loose, text):
    out.write_text(text)


def either(out: Path | HelpFormatter, text):
    out.write_text(text)
"""

FORMATTING = """\
from elsewhere import Mixin
from .base import HelpFormatter


class Wide(HelpFormatter):
    pass


class Loose(Mixin):
    def write_text(self, text):
        pass
"""


def test_classes_of_other_modules_and_apply_agree(tree) -> None:  # type: ignore[no-untyped-def]
    """A class of another module of the run defining the method (or inheriting it from
    one): no site; one whose base is not known stays one (it may be a Path subclass), so
    does a union with Path; the pending count is what apply rewrites."""
    root: Path = tree(
        {
            "pkg/__init__.py": "",
            "pkg/base.py": FORMATTER,
            "pkg/formatting.py": FORMATTING,
            "pkg/core.py": CORE,
        }
    )
    scan = run([str(root)], Settings(mode=Mode.SCAN, jobs=1), cwd=root)
    (core,) = [f for f in scan.files if f.path == "pkg/core.py"]
    assert {s.line: s.status for s in core.sites} == {
        15: Status.PENDING,
        19: Status.PENDING,
    }
    applied = run([str(root)], Settings(mode=Mode.APPLY, jobs=1), cwd=root)
    assert sum(len(f.rewritten) for f in applied.files) == 2
    text = (root / "pkg/core.py").read_text()
    assert text.count("    formatter.write_text(text)\n") == 2
    assert run([str(root)], Settings(mode=Mode.CHECK, jobs=1), cwd=root).exit_code == 0
