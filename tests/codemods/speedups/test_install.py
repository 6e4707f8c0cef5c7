"""The LibCST speedups are installed by the engine, never as a side effect of an import."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import libcst as cst
from libcst import _batched_visitor
original_visit, original_lookup = cst.CSTNode.visit, _batched_visitor.BatchableCSTVisitor.get_visitors
import migrate_storage.codemods.analysis.finder, migrate_storage.codemods.commands
import migrate_storage.codemods.pipeline.engine as engine, migrate_storage.codemods.cli
from migrate_storage.codemods.policy import FilePolicy
print(cst.CSTNode.visit is original_visit, _batched_visitor.BatchableCSTVisitor.get_visitors is original_lookup)
engine.transform_source(b"open('a', 'w').write('x')\\n", "m.py", FilePolicy())
print(cst.CSTNode.visit is original_visit, _batched_visitor.BatchableCSTVisitor.get_visitors is original_lookup)
"""


def test_importing_patches_nothing_and_the_engine_installs_the_speedups() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True", "False", "False"]


def test_uninstall_restores_libcst_and_results_stay_the_same() -> None:
    import libcst as cst
    from migrate_storage.codemods import speedups
    from migrate_storage.codemods.pipeline.engine import transform_source
    from migrate_storage.codemods.policy import FilePolicy

    source = b'import json\nwith open(p, "w") as f:\n    json.dump(x, f)\nPath("a").read_text()\n'
    fast = transform_source(source, "m.py", FilePolicy())
    speedups.uninstall()
    try:
        assert not speedups.installed()
        from migrate_storage.codemods.analysis.finder import find_sites  # noqa: F401 - import alone
        from migrate_storage.codemods.speedups import walk

        assert (
            "visit" not in walk._ORIGINAL
            and cst.CSTNode.visit.__module__.startswith("libcst")
        )
        from migrate_storage.codemods.pipeline.rewrite import run_source_pass

        slow = run_source_pass(cst.parse_module(source), "m.py", FilePolicy())
        assert slow.module is not None and slow.module.code.encode() == fast.new_source
        assert slow.sites == fast.sites
    finally:
        speedups.install()
