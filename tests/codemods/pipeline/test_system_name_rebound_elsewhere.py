"""A module-level name bound only to system files (`OUT = "/dev/null"`, then `OUT =
os.devnull` where the platform has it: finder `_system_at_every_binding`, new this
session; one binding: `_bound_literal`, older) is judged a system file at every open of
it, so the open is LOCAL (no site to migrate). A module attribute is rebound from outside
(`config.OUT = args.out`, `mock.patch("config.OUT", ...)`): then the program writes a real
file, which a LOCAL open never published while coverage reported nothing left to do. A
module's name read in a function is no proof now (finder `_global_read_in_function`):
the open is a site, and the runtime's open is exact on a system file too. Read at the
module's top level, or bound in the function, it still is one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_storage.codemods.model import Status
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.settings import Mode, Settings

FILES = {
    "config.py": (
        "import os\n\nOUT = '/dev/null'\nif hasattr(os, 'devnull'):\n    OUT = os.devnull\n\n\n"
        "def write(data):\n    with open(OUT, 'w') as f:\n        f.write(data)\n"
    ),
    "main.py": "import config\n\nconfig.OUT = 'real.out'\nconfig.write('x')\n",
}


def _go(root: Path, mode: Mode) -> RunResult:
    return run([str(root)], Settings(mode=mode, jobs=1), cwd=root)


def test_a_module_name_another_module_rebinds_is_no_system_file(tree) -> None:
    root = tree(FILES)
    (found,) = [f for f in _go(root, Mode.SCAN).files if f.path == "config.py"]
    statuses = [s.status for s in found.sites if s.name.endswith("open")]
    assert statuses and Status.LOCAL not in statuses, statuses


@pytest.mark.parametrize(
    "where",
    [
        "OUT = '/dev/null'\nwith open(OUT, 'w') as f:\n    f.write('x')\n",
        "def write():\n    out = '/dev/null'\n    with open(out, 'w') as f:\n        f.write('x')\n",
        (
            "import os\n\ndef write():\n    out = '/dev/null'\n    if hasattr(os, 'devnull'):\n"
            "        out = os.devnull\n    with open(out, 'w') as f:\n        f.write('x')\n"
        ),
    ],
    ids=["module level", "local once", "local at every binding"],
)
def test_a_name_nothing_else_can_rebind_still_names_a_system_file(tree, where: str) -> None:
    root = tree({"config.py": where})
    (found,) = _go(root, Mode.SCAN).files
    statuses = [s.status for s in found.sites if s.name.endswith("open")]
    assert statuses == [Status.LOCAL], statuses
