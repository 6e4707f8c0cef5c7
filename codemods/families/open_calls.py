"""The open family: builtin `open(...)`, `io.open(...)`, `builtins.open(...)` and aliases.

**Rewrites**
- The module's `open` is rebound with `from <runtime> import open` (the smart_open
  convention), added once, after the existing top imports. Call sites keep the name
  `open`, so tests that patch `pkg.mod.open` keep intercepting them.
- `builtins.open(...)` becomes `storage.open(...)`; `io.open(...)` (any alias of the
  module) becomes `io_open(...)` (`from <runtime> import io_open`). Each defers to what
  the original call would have met when it is replaced: the runtime's `open` (for a bare
  `open`) to a replaced `builtins.open` or a `pkg.mod.open` set at run time
  (`mock.patch(..., create=True)`), `storage.open` to a replaced `builtins.open` only,
  `io_open` to a replaced `io.open`.
- `pin=True` (rule `pin`) or `pin=False` (rule `cache`) is added where the mode can
  write: a literal mode with `w`, `a`, `x` or `+`, or a mode that is not a literal
  (a variable, a conditional expression, an f-string, `*args`/`**kwargs`). Nothing
  else is added or moved: the arguments are builtin open's, which the runtime's `open`
  and `io_open` take as they are (tests/codemods/test_emitted_signatures.py).
- A literal read-only open keeps its call text: the rebinding migrates it.
- Star imports (issue 13 item 4): in a module that has a star import, or that a module of
  the scanned tree star-imports while it has no literal `__all__`, the runtime names are
  imported under private aliases (`_storage_open`, `_storage_io_open`) and every site,
  bare `open(...)` included, is renamed to them: `import *` never binds a `_` name, so
  what any star import binds is unchanged (see analysis/bindings.py).

**Leaves alone (why)**
- `open` that is not builtin open, decided by scope analysis, not spelling: a local
  `def open`, a parameter or variable named `open`, `from gzip import open`, `os.open`,
  `codecs.open` (families/codecs_open.py), `Image.open`, `webbrowser.open`, `tarfile.open`, `x.open(...)`.
- Files or families whose rule is `local` (LOCAL_RULE) or that are excluded (EXCLUDED_FILE).
- A bare `open` in a module with a star import (STAR_IMPORT): `from os import *` binds
  `os.open`, so what `open` is cannot be known.
- `io.open(...)` inside a function where the runtime's name is a local (NAME_CLASH).
- `o(...)` after `from io import open as o` (or `from builtins import open`): the name holds
  the C function itself, which no later patch reaches, while every stand-in defers to a
  patched `io.open`/`builtins.open` (BOUND_AT_IMPORT).
- A renamed call whose literal path the OS rejects on its own terms (`io.open("out/",
  "w")`, a NUL, an empty name): REJECTED_LITERAL_PATH, so its error stays the original's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import ImportAssignment, Scope
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.bindings import Binding, RuntimeBindings
from migrate_storage.codemods.analysis.found import (
    Found,
    Position,
    may_write,
    open_mode,
    path_argument,
    rejected_path_literal,
)
from migrate_storage.codemods.families import lazy_command
from migrate_storage.codemods.families._edit import append_arg, bool_name, keyword
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

DESCRIPTION = (
    "Rebind builtin open to the storage runtime's open and pin its writing calls."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        'with open(path, "w") as f:\n    f.write(text)\n',
        'from storage_runtime import open\n\nwith open(path, "w", pin=True) as f:\n    f.write(text)\n',
    ),
    Rewritten(
        "data = open(path).read()\n",
        "from storage_runtime import open\n\ndata = open(path).read()\n",
    ),
    Rewritten(
        'import io\n\nio.open(path, "a", encoding="utf-8").write(line)\n',
        'import io\nfrom storage_runtime import io_open\n\nio_open(path, "a", encoding="utf-8", pin=False).write(line)\n',
        policy=CACHE,
    ),
    Unchanged(
        "from io import open as o\n\ndef save(p, mode):\n    return o(p, mode)\n",
        "Should do nothing, since `o` is the C open bound at import: no patch reaches it.",
        site_reason=Reason.BOUND_AT_IMPORT,
    ),
    Rewritten(
        'import io\n\ndef open(name):\n    return io.open(name, "wb")\n',
        'import io\nfrom storage_runtime import io_open\n\ndef open(name):\n    return io_open(name, "wb", pin=True)\n',
    ),
    Rewritten(
        'import builtins\n\ndef open(name):\n    return builtins.open(name, "wb")\n',
        'import builtins\nfrom storage_runtime import storage\n\ndef open(name):\n    return storage.open(name, "wb", pin=True)\n',
    ),
    Rewritten(
        'import io\nfrom os import *\n\nio.open(path, "w").write(text)\n',
        'import io\nfrom os import *\nfrom storage_runtime import io_open as _storage_io_open\n\n_storage_io_open(path, "w", pin=True).write(text)\n',
    ),
    Unchanged(
        "def read(open, path):\n    return open(path).read()\n",
        "Should do nothing, since the parameter `open` is not builtin open.",
    ),
    Unchanged(
        "from gzip import open\n\nopen(path).read()\n",
        "Should do nothing, since `open` is gzip.open (counted as third-party I/O).",
        site_reason=Reason.THIRD_PARTY_READER,
    ),
    Unchanged(
        "import webbrowser\n\nwebbrowser.open(url)\n",
        "Should do nothing, since webbrowser.open opens a browser, not a file.",
    ),
    Unchanged(
        "from os import *\n\nopen(path)\n",
        "Should do nothing, since a star import may bind `open` (os.open).",
        site_reason=Reason.STAR_IMPORT,
    ),
)


# -- recognition: what a call's name must resolve to ---------------------------------------

#: Qualified names of builtin open (`io.open` is the same function).
BUILTIN_OPEN = frozenset({"builtins.open", "io.open"})

#: Classified on their own: the rules (`local`, exclusion, secret paths) apply before
#: `decide`.
DERIVED = False

#: `open(...)` needs no import; `io.open`/`builtins.open` (and `from io import open`) do.
CANDIDATES = Candidates(
    text=("open",),
    bare_names=frozenset({"open"}),
    module_roots=frozenset({"builtins", "io"}),
    module_functions=frozenset({"open"}),
)
COMMAND = Command("OpenCallsCodemod", DESCRIPTION, rewrites=(Family.OPEN,), order=1)
SARIF_RULES = (SarifRule(Family.OPEN, "MS-OPEN", "Builtin open() / io.open() call"),)


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call` resolves to builtin open and nothing else (see `site_for`)."""
    return site_for(call, position, ctx.names(call), ctx.star_import)


def site_for(
    call: cst.Call, position: Position, names: Collection[str], star_import: bool
) -> Found | None:
    """A site when `names` (what `call` resolves to: scope metadata, never spelling) are
    builtin open's only. A bare `open` in a module with a star import is left alone
    (STAR_IMPORT)."""
    if not _names.all_in(names, BUILTIN_OPEN):
        return None
    name = "io.open" if "io.open" in names and len(names) == 1 else "open"
    item = Found(call, position, "open", Family.OPEN, name, target=path_argument(call),
                 opens_handle=True)
    if star_import and isinstance(call.func, cst.Name):
        item.unmigrated(Reason.STAR_IMPORT)
    return item


# -- decision: rename, NAME_CLASH, pin= --------------------------------------------------


def decide(items: list[Found], ctx: Context) -> None:
    """Plan each PENDING open site (see `decide_one`): `open(...)`/`builtins.open(...)`
    go to the runtime's `open`, `io.open(...)` to its `io_open`."""
    for item in items:
        if item.status is Status.PENDING:
            obj = "io_open" if item.name == "io.open" else "open"
            decide_one(
                item,
                obj,
                ctx.binding(obj),
                ctx.bindings,
                ctx.scopes.get(item.call),
                ctx.pin_for(Family.OPEN),
            )


def decide_one(
    item: Found,
    obj: str,
    binding: Binding,
    bindings: RuntimeBindings,
    scope: Scope | None,
    pin: bool,
) -> None:
    """Plan one PENDING open site: the callee is renamed to `binding` (the name of the
    runtime's `obj`) when it is not already spelled so (impossible where that name is a
    local: NAME_CLASH), and a call that may write gets `pin=` (`pin`: the rule's strategy
    is pin). The module needs `obj` imported even when the call text stays."""
    name = binding.name
    func = item.call.func
    if (
        isinstance(func, cst.Name)
        and scope is not None
        and any(isinstance(a, ImportAssignment) for a in scope[func.value])
    ):
        # `from io import open as o`: `o` is the C function, bound at import; the original
        # call ignores a later patch of `io.open`/`builtins.open`, the stand-ins would not.
        item.unmigrated(Reason.BOUND_AT_IMPORT)
        return
    if obj == "open" and not isinstance(func, cst.Name):
        # `builtins.open(...)` -> `storage.open(...)`, not the runtime's `open`: that one
        # honours a patched `pkg.mod.open` (a bare name looks in the module first), which
        # the original attribute call never saw; `Storage.open` honours only a patched
        # `builtins.open`, as the original did.
        if rejected_path_literal(path_argument(item.call)):
            item.unmigrated(Reason.REJECTED_LITERAL_PATH)
            return
        item.needs = ("storage",)
        item.edit = OpenEdit(
            item.call,
            (item.position.line, item.position.end_line),
            None,
            pin if may_write(open_mode(item.call, 1)) else None,
            via_storage=True,
        )
        return
    rename = None if isinstance(func, cst.Name) and func.value == name else name
    if rename is not None and not bindings.is_global_in(scope, name):
        item.unmigrated(Reason.NAME_CLASH)
        return
    if rename is not None and rejected_path_literal(path_argument(item.call)):
        # `io.open("out/", "w")`: the original raises its own error; left as written. (A
        # bare `open("out/")` is moved by the module's rebinding, whose open is exact.)
        item.unmigrated(Reason.REJECTED_LITERAL_PATH)
        return
    item.needs = (obj,)
    pin_value = pin if may_write(open_mode(item.call, 1)) else None
    if rename is not None or pin_value is not None:
        region = (item.position.line, item.position.end_line)
        item.edit = OpenEdit(item.call, region, rename, pin_value)


# -- rewrite -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenEdit:
    """A builtin open call renamed to the runtime's open (or io_open), and/or given `pin=`."""

    node: cst.Call
    region: tuple[int, int]
    rename_to: (
        str | None
    )  # new callee name (io.open(...) -> io_open(...)); None keeps it
    pin: bool | None  # None: the mode cannot write, no pin
    family: Family = Family.OPEN
    via_storage: bool = False  # builtins.open(...) -> storage.open(...)

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.Call:
        """Rename the callee and/or add `pin=`."""
        assert isinstance(node, cst.Call)
        call = node
        if self.via_storage:
            func = call.func
            call = call.with_changes(
                func=cst.Attribute(
                    cst.Name(names["storage"]),
                    cst.Name("open"),
                    lpar=func.lpar,
                    rpar=func.rpar,
                )
            )
        elif self.rename_to is not None:
            func = call.func
            call = call.with_changes(
                func=cst.Name(self.rename_to, lpar=func.lpar, rpar=func.rpar)
            )
        if self.pin is not None:
            call = append_arg(call, keyword("pin", bool_name(self.pin)))
        return call


# `open_calls.OpenCallsCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
