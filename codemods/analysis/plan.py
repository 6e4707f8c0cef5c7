"""The finder's instructions to the rewriter: which original node becomes what.

The families decide everything (status, names, pin) and record it as one `Edit` per
rewritten node; `pipeline/rewrite.py` only calls `edit.apply` on the nodes of `edits`, so
it holds no family's code. Nodes are keys by identity (LibCST nodes hash by id), and
always the *original* nodes of the tree the metadata was computed on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import libcst as cst
from migrate_storage.codemods.model import Family

#: The runtime objects a rewrite may use, in the order their imports are added
#: (analysis/bindings.py chooses the name each gets in a module).
RUNTIME_OBJECTS = ("open", "storage")


class Edit(Protocol):
    """One family's rewrite of one original node (a call, or a statement such as `with`).

    `node`: the original node replaced; `region`: the original lines (first, last) the
    rewrite may touch (pipeline/safety.py allows changes there only); `apply` builds the
    replacement from the node as the transformer has updated it so far, given `names`
    (runtime object -> the name the module uses for it, e.g. `{"storage": "_storage"}`,
    holding every object the module's PENDING sites need)."""

    @property
    def node(self) -> cst.CSTNode: ...

    @property
    def family(self) -> Family: ...

    @property
    def region(self) -> tuple[int, int]: ...

    def apply(
        self, node: cst.CSTNode, names: Mapping[str, str]
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]: ...


@dataclass(slots=True)
class Plan:
    """All edits for one module, plus the runtime names the edits use."""

    edits: dict[cst.CSTNode, Edit] = field(default_factory=dict)
    # Runtime object -> the name the rewritten module uses for it (see RUNTIME_OBJECTS).
    names: dict[str, str] = field(default_factory=dict)
    # (object, alias) pairs to import from the runtime module.
    imports: list[tuple[str, str | None]] = field(default_factory=list)
    # Original line spans (first, last) that the edits may touch, for safety.py.
    regions: list[tuple[int, int]] = field(default_factory=list)
    # Every edited node and the nodes enclosing it: the only subtrees the rewriter visits.
    path_nodes: set[cst.CSTNode] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.edits or self.imports)
