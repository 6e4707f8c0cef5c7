"""The finder's instructions to the rewriters: which original node becomes what.

The finder decides everything (status, names, pin); the family modules only build the
new nodes from these records. Nodes are keys by identity (LibCST nodes hash by id), and
always the *original* nodes of the tree the metadata was computed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from migrate_storage.codemods.model import Family


@dataclass(frozen=True, slots=True)
class OpenEdit:
    """A builtin open call: maybe renamed to the runtime's open, maybe given `pin=`."""

    rename_to: str | None  # new callee name (io.open(...) -> open(...)); None keeps it
    pin: bool | None  # None: the mode cannot write, no pin


@dataclass(frozen=True, slots=True)
class PathEdit:
    """`p.method(args)` -> `storage.method(p, args[, pin=...])`."""

    method: str
    pin: bool | None


@dataclass(frozen=True, slots=True)
class Collapse:
    """json/pickle on a runtime-free handle -> one `storage.<helper>(...)` call.

    `dump`/`load` is the json/pickle call; `opener` the builtin open call that produced
    the handle; `statement` the `with` statement that goes away (None for one-liners
    such as `json.load(open(p))`, where only the call is replaced).
    """

    family: Family
    helper: str  # dump_json, load_json, dump_pickle, load_pickle
    call: cst.Call
    opener: cst.Call
    pin: bool | None
    statement: cst.With | None = None
    small: cst.BaseSmallStatement | None = None  # the with body's one statement


@dataclass(slots=True)
class Plan:
    """All edits for one module, plus the runtime names the edits use."""

    open_name: str = "open"
    storage_name: str = "storage"
    opens: dict[cst.Call, OpenEdit] = field(default_factory=dict)
    paths: dict[cst.Call, PathEdit] = field(default_factory=dict)
    collapses: dict[cst.CSTNode, Collapse] = field(
        default_factory=dict
    )  # key: With or Call
    # Renames, removals, copies (families/lifecycle.py: its LifecycleEdit records).
    lifecycle: dict[cst.Call, object] = field(default_factory=dict)
    # (object, alias) pairs to import from the runtime module.
    imports: list[tuple[str, str | None]] = field(default_factory=list)
    # Original line spans (first, last) that the edits may touch, for safety.py.
    regions: list[tuple[int, int]] = field(default_factory=list)
    # Every edited node and the nodes enclosing it: the only subtrees the rewriter visits.
    path_nodes: set[cst.CSTNode] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.opens or self.paths or self.collapses or self.lifecycle or self.imports
        )
