"""A name a package binds only by star imports is followed into the LAST star import
that may bind it (package_facts `Table._through_star`, `star_binds.star_source`). "May
bind" over-approximates (a conditional import counts); when that star import does not
bind the name at run time, an EARLIER one does, and the name is what that one binds.

Here `pkg/b.py` binds `Path` only under `if sys.version_info < (3, 0):` (never), so
`from pkg import Path` is `pkg/a.py`'s own class with its own `open`: no Path. The run
counts `Path("out.txt").open("w")` migrated (pathlib) and rewrites it to
`storage.path_open(...)`; the runtime then calls the receiver's own `open` (not hooked),
so the program behaves the same, but the count says a non-Path open was migrated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_storage.codemods.model import Status
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.settings import Mode, Settings

FILES = {
    "pkg/__init__.py": "from .a import *\nfrom .b import *\n",
    "pkg/a.py": (
        "import io\n\n\nclass Path:\n    def __init__(self, p):\n        self.p = p\n\n"
        "    def open(self, mode='r'):\n        return io.StringIO()\n"
    ),
    "pkg/b.py": "import sys\n\nif sys.version_info < (3, 0):\n    from pathlib import Path\n",
    "main.py": "from pkg import Path\n\nwith Path('out.txt').open('w') as f:\n    f.write('hi')\n",
}


def _go(root: Path, mode: Mode) -> RunResult:
    return run([str(root)], Settings(mode=mode, jobs=1), cwd=root)


def test_a_conditional_binding_in_the_last_star_import_proves_no_path(tree) -> None:
    root = tree(FILES)
    (found,) = [f for f in _go(root, Mode.SCAN).files if f.path == "main.py"]
    statuses = {s.line: s.status for s in found.sites if s.name.endswith("open")}
    assert statuses.get(3) is not Status.PENDING, statuses


def _open_status(root: Path) -> Status | None:
    (found,) = [f for f in _go(root, Mode.SCAN).files if f.path == "main.py"]
    return {s.line: s.status for s in found.sites if s.name.endswith("open")}.get(3)


# pkg/b.py's forms: each SURELY binds pathlib's Path, so the last star import is the
# source and `Path(...)` is a Path (the open is pending); the conditional form above
# and these negatives are not proofs.
SURE = {
    "import": "from pathlib import Path\n",
    "literal __all__": "__all__ = ['Path']\n\ntry:\n    from pathlib import Path\nexcept ImportError:\n    pass\n",
    "unconditional star": "from .c import *\n",
}
NOT_SURE = {
    "deleted": "from pathlib import Path\n\nif False:\n    del Path\n",
    "in try": "try:\n    from pathlib import Path\nexcept ImportError:\n    pass\n",
    "conditional star": "import sys\n\nif sys.version_info > (3,):\n    from .c import *\n",
    # a name an unconditional star import binds, then a `del` may unbind
    "star then deleted": "from .c import *\n\nif False:\n    del Path\n",
    "stdlib star then deleted": "from pathlib import *\n\ndel Path\n",
}


@pytest.mark.parametrize("form", sorted(SURE))
def test_a_star_import_that_surely_binds_the_name_is_its_source(tree, form: str) -> None:
    files = {**FILES, "pkg/b.py": SURE[form], "pkg/c.py": "from pathlib import Path\n"}
    assert _open_status(tree(files)) is Status.PENDING


@pytest.mark.parametrize("form", sorted(NOT_SURE))
def test_a_binding_that_may_not_run_hides_no_earlier_star_import(tree, form: str) -> None:
    files = {**FILES, "pkg/b.py": NOT_SURE[form], "pkg/c.py": "from pathlib import Path\n"}
    assert _open_status(tree(files)) is not Status.PENDING


def test_without_an_earlier_candidate_the_last_one_is_the_source(tree) -> None:
    # a.py binds no Path: b.py's conditional import is the only one that can
    files = {**FILES, "pkg/a.py": "X = 1\n"}
    assert _open_status(tree(files)) is Status.PENDING
