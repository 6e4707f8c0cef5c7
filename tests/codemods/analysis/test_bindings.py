"""analysis/bindings.py on its own: which names the rewrite uses for the runtime's open/storage."""

from __future__ import annotations

import libcst as _cst
import pytest
from analysis_helpers import RUNTIME, analysed, findings
from migrate_storage.codemods.analysis.bindings import (
    Binding,
    RuntimeBindings,
    literal_all,
)
from migrate_storage.codemods.policy import FilePolicy


def bindings(code: str, star: bool | None = None) -> RuntimeBindings:
    module, scopes, collector = analysed(code)
    return RuntimeBindings(module, scopes, RUNTIME, collector.star_import if star is None else star)


def test_a_module_without_its_own_open_rebinds_open() -> None:
    assert bindings("open('a').read()\n").open_binding() == Binding("open", needs_import=True, alias=None)


def test_a_module_level_open_of_its_own_gets_the_runtime_as_storage_open() -> None:
    found = bindings("def open(name):\n    return io.open(name)\n").open_binding()
    assert (found.name, found.needs_import, found.alias) == ("storage_open", True, "storage_open")


def test_a_previous_runs_import_is_reused_without_a_new_one() -> None:
    code = "from storage_runtime import open\nopen('a').read()\n"
    assert bindings(code).open_binding() == Binding("open", needs_import=False, alias=None)


def test_storage_is_storage_unless_the_name_is_taken() -> None:
    assert bindings("x = 1\n").storage_binding().name == "storage"
    taken = bindings("storage = {}\nprint(storage)\n").storage_binding()
    assert taken.name == "storage_runtime_storage" and taken.alias == "storage_runtime_storage"


def test_a_star_import_may_bind_storage_unseen() -> None:
    """Should not use the bare name, since `from x import *` may bind `storage`."""
    assert bindings("from helpers import *\n").storage_binding().name != "storage"


def test_a_local_named_storage_takes_the_name_too() -> None:
    code = "def f():\n    storage = 1\n    return storage\n"
    assert bindings(code).storage_binding().name == "storage_runtime_storage"


# -- issue 13 item 4: private names where a star import could see them ---------------------



@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("__all__ = ['a', 'b']\n", True),
        ("__all__ = ('a',)\n__all__ += ['b']\n", True),
        ("__all__: list[str] = ['a']\n", True),
        ("x = 1\n", False),
        ("__all__ = [n for n in globals()]\n", False),
        ("__all__ = ['a']\n__all__.append('b')\n", False),
        ("__all__ = ['a']\ndef f():\n    global __all__\n    __all__ = []\n", False),
        ("__all__ = [NAME]\n", False),
    ],
)
def test_literal_all_is_only_a_list_of_strings_never_touched_otherwise(code: str, expected: bool) -> None:
    assert literal_all(_cst.parse_module(code)) is expected


def _imports(code: str, *, star_imported: bool = False) -> list[tuple[str, str | None]]:
    return findings(code, FilePolicy(star_imported=star_imported)).plan.imports


def test_a_module_with_a_star_import_gets_only_private_runtime_names() -> None:
    code = "import io, builtins\nfrom os import *\nio.open(p, 'w')\nbuiltins.open(p)\n"
    assert sorted(_imports(code)) == [("storage", "_storage")]


def test_a_star_imported_module_without_all_gets_private_names_with_all_public_ones() -> None:
    code = "from pathlib import Path\ndef f():\n    return open('a'), Path('b').read_text()\n"
    assert sorted(_imports(code)) == [("open", None), ("storage", None)]
    assert sorted(_imports(code, star_imported=True)) == [("open", "_storage_open"), ("storage", "_storage")]
    with_all = "__all__ = ['f']\n" + code
    assert sorted(_imports(with_all, star_imported=True)) == [("open", None), ("storage", None)]


def test_a_private_name_already_taken_gets_the_next_one() -> None:
    code = "import io\nfrom os import *\n_storage = 1\nio.open(p)\n"
    assert _imports(code) == [("storage", "_storage_2")]


@pytest.mark.parametrize(
    "use",
    [
        "class Store:\n    opener = staticmethod(open)\n",
        "def read(p):\n    return retry(open, p)\n",
        "OPENERS = {'txt': open}\n",
        "opener = open\n",
        "def pick():\n    return open\n",
    ],
)
def test_open_used_as_a_value_keeps_the_builtin_and_renames_the_calls(use: str) -> None:
    """Rebinding the module's `open` would change what `staticmethod(open)` holds (joblib:
    a captured open then sees a later patch of builtins.open): the runtime's open gets a
    private alias, the calls are renamed, and the value stays the builtin."""
    code = "def save(p):\n    open(p, 'w').close()\n\n" + use
    found = bindings(code).open_binding()
    assert (found.name, found.needs_import, found.alias) == (
        "_storage_open", True, "_storage_open"
    )
    from migrate_storage.codemods.pipeline.engine import transform_source

    result = transform_source(code.encode(), "m.py", FilePolicy(runtime_module=RUNTIME))
    new = (result.new_source or b"").decode()
    assert "_storage_open(p, 'w', pin=False).close()" in new
    assert use in new  # the value is still the builtin open


def test_open_only_called_keeps_the_rebinding() -> None:
    code = "def save(p):\n    open(p, 'w').close()\n\ndef f():\n    return open('x')\n"
    assert bindings(code).open_binding().name == "open"
