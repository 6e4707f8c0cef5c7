"""LibCST's no-op codemod: the baseline of the throughput benchmarks.

`python -m libcst.tool codemod -x _noop_codemod.NoOpCommand ...` (with bench/ on
PYTHONPATH) runs LibCST's own runner over a tree doing nothing but what every LibCST
codemod pays for: read, parse, visit, print, compare. It is what "LibCST's no-op runner"
means in the benchmarks' ratios.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import VisitorBasedCodemodCommand


class NoOpCommand(VisitorBasedCodemodCommand):
    DESCRIPTION = "Changes nothing (the cost of LibCST's runner itself)."

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node
