"""analysis/bindings.py on its own: which names the rewrite uses for the runtime's open/storage."""

from __future__ import annotations

from analysis_helpers import RUNTIME, analysed
from migrate_storage.codemods.analysis.bindings import Binding, RuntimeBindings


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
