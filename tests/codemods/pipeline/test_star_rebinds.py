"""A star import that rebinds a name the module imported itself (`from os import remove`
then `from helpers import *`, helpers defining `remove`): the callee (or its root, `os`
of `os.replace`) is another module's, so the site is left alone (STAR_IMPORT); unless
the star import binds it to the same thing (`import os` in both), does not bind it
(`__all__`), runs before the module's own import, or after the read (analysis/context.py
`star_rebinds`, pipeline/star_binds.py `Resolver.values`). With the real runner: the
pre-pass's answers, the cache, `apply` then coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_storage.codemods.model import Reason, Status
from migrate_storage.codemods.pipeline.runner import RunResult, run
from migrate_storage.codemods.report.collect import collect
from migrate_storage.codemods.settings import Mode, Settings

STAR = (Status.UNMIGRATED, Reason.STAR_IMPORT)
PENDING = (Status.PENDING, None)


def go(root: Path, mode: Mode, cache: bool = True) -> RunResult:
    return run([str(root)], Settings(mode=mode, jobs=1, use_cache=cache), cwd=root)


def sites(result: RunResult, path: str = "main.py") -> list[tuple[str, Status, Reason | None]]:
    (file,) = [f for f in result.files if f.path == path]
    return [(s.name, s.status, s.reason) for s in file.sites]


def one(result: RunResult, path: str = "main.py") -> tuple[Status, Reason | None]:
    (site,) = sites(result, path)
    return site[1], site[2]


FAKE = "def remove(p):\n    print('kept', p)\n"


@pytest.mark.parametrize(
    ("files", "main"),
    [
        # the repro: helpers' remove, though the parse says os.remove
        ({"helpers.py": FAKE}, "from os import remove\nfrom helpers import *\nremove(p)\n"),
        # in a function: it runs after the star import
        (
            {"helpers.py": FAKE},
            "from os import remove\nfrom helpers import *\ndef f(p):\n    remove(p)\n",
        ),
        # the callee's root
        ({"helpers.py": "import fakeos as os\n"}, "import os\nfrom helpers import *\nos.replace(a, b)\n"),
        ({"helpers.py": "shutil = None\n"}, "import shutil\nfrom helpers import *\nshutil.copyfile(a, b)\n"),
        ({"helpers.py": "class os:\n    pass\n"}, "import os\nfrom helpers import *\nos.path.exists(p)\n"),
        # imported from another module than the importer's
        ({"helpers.py": "from shutil import move as remove\n"}, "from os import remove\nfrom helpers import *\nremove(p)\n"),
        # transitively
        (
            {"helpers.py": "from deeper import *\n", "deeper.py": FAKE},
            "from os import remove\nfrom helpers import *\nremove(p)\n",
        ),
        # helpers imports os itself, but its own star import may rebind it
        (
            {"helpers.py": "import os\nfrom deeper import *\n", "deeper.py": "os = 1\n"},
            "import os\nfrom helpers import *\nos.remove(p)\n",
        ),
        # an earlier star import, the module's own import conditional
        ({"helpers.py": FAKE}, "from helpers import *\nif c:\n    from os import remove\nremove(p)\n"),
        ({"helpers.py": FAKE}, "from helpers import *\ntry:\n    from os import remove\nexcept E:\n    pass\nremove(p)\n"),
        # a function defined before the module's own import may run before it
        ({"helpers.py": FAKE}, "from helpers import *\ndef f(p):\n    remove(p)\nf(x)\nfrom os import remove\n"),
        # not known (outside the run, dynamic): anything
        ({}, "from os import remove\nfrom numpy import *\nremove(p)\n"),
        ({"helpers.py": "x = 1\nglobals()['remove'] = print\n"}, "from os import remove\nfrom helpers import *\nremove(p)\n"),
        # a local alias of a rebound root (`rm = os.remove` in a function)
        ({"helpers.py": "os = 1\n"}, "import os\nfrom helpers import *\ndef f(p):\n    rm = os.remove\n    rm(p)\n"),
    ],
)
def test_a_star_import_that_may_rebind_the_callee_leaves_it_alone(tree, files, main) -> None:
    root = tree({**files, "main.py": main})
    result = go(root, Mode.DIFF)
    assert one(result) == STAR
    assert "main.py" not in [f.path for f in result.changed]


@pytest.mark.parametrize(
    ("files", "main"),
    [
        # the star import runs first: the module's own import rebinds the name after it
        ({"helpers.py": FAKE}, "from helpers import *\nfrom os import remove\ndef f(p):\n    remove(p)\n"),
        # the star import binds the same module (litellm: `_types` does `import os`)
        ({"helpers.py": "import os, json\nx = 1\n"}, "import os\nfrom helpers import *\nos.remove(p)\n"),
        ({"helpers.py": "from os import remove\n"}, "from os import remove\nfrom helpers import *\nremove(p)\n"),
        (
            {"helpers.py": "from deeper import *\n", "deeper.py": "import os\n"},
            "import os\nfrom helpers import *\nos.remove(p)\n",
        ),
        # `from os import *` binds os's own remove
        ({}, "from os import remove\nfrom os import *\nremove(p)\n"),
        ({}, "import shutil\nfrom os import *\nshutil.copyfile(a, b)\n"),
        # `__all__` leaves the name out
        ({"helpers.py": '__all__ = ["x"]\nx = 1\n' + FAKE}, "from os import remove\nfrom helpers import *\nremove(p)\n"),
        # a private name is never star-imported, and a name helpers does not bind
        ({"helpers.py": "def _remove(p): pass\n"}, "from os import remove\nfrom helpers import *\nremove(p)\n"),
        # read before the star import runs
        ({"helpers.py": FAKE}, "from os import remove\nremove(p)\nfrom helpers import *\n"),
        # bound in the function itself
        ({"helpers.py": FAKE}, "from helpers import *\ndef f(p):\n    from os import remove\n    remove(p)\n"),
    ],
)
def test_a_star_import_that_cannot_rebind_the_callee_keeps_the_site(tree, files, main) -> None:
    root = tree({**files, "main.py": main})
    result = go(root, Mode.DIFF)
    assert one(result) == PENDING
    assert [f.path for f in result.changed] == ["main.py"]


def test_the_star_import_of_the_same_module_is_known_when_helpers_is_a_package(tree) -> None:
    # litellm's shape: `from litellm.proxy._types import *`, `_types` importing os
    root = tree(
        {
            "lib/__init__.py": "",
            "lib/proxy/__init__.py": "",
            "lib/proxy/_types.py": "import os, json\nfrom typing import *\nclass Model:\n    pass\n",
            "lib/proxy/main.py": "import os\nfrom lib.proxy._types import *\ndef f(p):\n    os.remove(p)\n",
        }
    )
    assert one(go(root, Mode.DIFF), "lib/proxy/main.py") == PENDING


def test_a_warm_run_decides_as_a_cold_one_and_follows_an_edit_of_the_starred_module(tree) -> None:
    main = "import os\nfrom helpers import *\ndef f(p):\n    os.remove(p)\n"
    root = tree({"helpers.py": "import os\n", "main.py": main})
    cold = go(root, Mode.DIFF)
    assert one(cold) == PENDING
    warm = go(root, Mode.DIFF)  # from the cache: the same decision, the same diff
    assert one(warm) == PENDING
    assert [f.diff for f in warm.changed] == [f.diff for f in cold.changed]
    (root / "helpers.py").write_text("import fakeos as os\n")  # now another `os`
    assert one(go(root, Mode.CHECK)) == STAR
    assert one(go(root, Mode.CHECK, cache=False)) == STAR
    (root / "helpers.py").write_text("import os\n")  # and back
    assert one(go(root, Mode.CHECK)) == PENDING


def test_apply_and_coverage_agree(tree) -> None:
    main = (
        "from os import remove, rename\nfrom helpers import *\n"
        "def f(p):\n    remove(p)\n    rename(p, q)\n"
    )
    root = tree({"helpers.py": "from os import rename\n" + FAKE, "main.py": main})
    before = collect([str(root)], Settings(mode=Mode.SCAN, jobs=1), cwd=root)
    assert (before.totals.pending, before.totals.unmigrated) == (1, 1)
    applied = go(root, Mode.APPLY)
    assert sum(len(f.rewritten) for f in applied.changed) == 1
    text = (root / "main.py").read_text()
    assert "    remove(p)\n" in text and "call=rename" in text
    after = collect([str(root)], Settings(mode=Mode.SCAN, jobs=1), cwd=root)
    assert (after.totals.migrated, after.totals.pending, after.totals.unmigrated) == (1, 0, 1)
    assert sites(go(root, Mode.CHECK, cache=False)) == [
        ("os.remove", *STAR),
        ("storage_runtime.storage.rename", Status.MIGRATED, None),
    ]


def test_a_package_star_importing_itself_rebinds_nothing(tree) -> None:
    # litellm/llms/__init__.py: `import os`, `from . import *`, then os.path.exists(...)
    root = tree(
        {
            "pkg/__init__.py": "import os\nfrom . import *\nx = globals()\nos.remove(p)\n",
            "pkg/sub.py": "os = 1\n",  # a submodule is no name the package binds yet
        }
    )
    assert one(go(root, Mode.DIFF), "pkg/__init__.py") == PENDING
