"""The open family: builtin `open(...)`, `io.open(...)`, `builtins.open(...)` and aliases.

**Rewrites**
- The module's `open` is rebound with `from <runtime> import open` (the smart_open
  convention), added once, after the existing top imports. Bare `open(...)` call sites
  keep the name `open`, so tests that patch `pkg.mod.open` keep intercepting them; the
  runtime's `open` defers to a replaced `builtins.open`, or to a `pkg.mod.open` set at
  run time (`mock.patch(..., create=True)`).
- Any other spelling of builtin open becomes `storage.open(..., call=<callee>)`, the
  callee as the source spelled it: `io.open(p, "rb")` (any alias of the module) ->
  `storage.open(p, "rb", call=io.open)`, `builtins.open(p)` -> `storage.open(p,
  call=builtins.open)`, `o(p)` after `from io import open as o` -> `storage.open(p,
  call=o)`. The runtime calls `call` unless it is builtin open itself (then it opens, and
  publishes, as its `open` does), so a patch of `io.open`, of `builtins.open`, of the
  module's own `io`/`builtins` name (`mock.patch("pkg.mod.io")`) or of the imported `o`
  reaches the call exactly as it reached the original, and none reaches a call it did
  not reach before (`o` is the C function bound at import: no later patch of `io.open`
  reaches it, before or after).
- `pin=True` (rule `pin`) or `pin=False` (rule `cache`) is added where the mode can
  write: a literal mode with `w`, `a`, `x` or `+`, or a mode that is not a literal
  (a variable, a conditional expression, an f-string, `*args`/`**kwargs`). Nothing
  else is added or moved: the arguments are builtin open's, which the runtime's `open`
  and `storage.open` take as they are (tests/codemods/test_emitted_signatures.py).
- A literal read-only open keeps its call text: the rebinding migrates it.
- Star imports (issue 13 item 4): in a module that has a star import, or that a module of
  the scanned tree star-imports while it has no literal `__all__`, the runtime names are
  imported under private aliases (`_storage_open`, `_storage`) and every site, bare
  `open(...)` included, is renamed to them: `import *` never binds a `_` name, so what
  any star import binds is unchanged (see analysis/bindings.py).

**Leaves alone (why)**
- `open` that is not builtin open, decided by scope analysis, not spelling: a local
  `def open`, a parameter or variable named `open`, `from gzip import open`, `os.open`,
  `codecs.open` (families/codecs_open.py), `Image.open`, `webbrowser.open`, `tarfile.open`, `x.open(...)`.
- Files or families whose rule is `local` (LOCAL_RULE) or that are excluded (EXCLUDED_FILE).
- A bare `open` in a module with a star import that may bind `open` (STAR_IMPORT): `from
  os import *` binds `os.open`. A star import of a module of the run that binds no `open`
  (its literal `__all__`, or its module-level names, transitively), or of a stdlib module
  whose source says so (`from typing import *`), does not stop it (pipeline/star_binds.py).
- A bare `open(...)` renamed to a private alias inside a function where that name is a
  local (NAME_CLASH).
- `io.open(...)` and the other spellings with a `pin=`/`call=` keyword (the stand-in
  would take it as its own), or whose callee lookup, moved after the arguments (`call=`
  comes last), could be seen: `io.open(target(), "w")` where `io` may also be None
  raised before `target()` ran (DYNAMIC_CALL; lifecycle `callee_order_kept`, README
  "Evaluation order").
- A renamed call whose literal path the OS rejects on its own terms (`io.open("out/",
  "w")`, a NUL, an empty name): REJECTED_LITERAL_PATH, so its error stays the original's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import BuiltinAssignment, Scope
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
from migrate_storage.codemods.families.lifecycle import callee_order_kept
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
        'import io\nfrom storage_runtime import storage\n\nstorage.open(path, "a", encoding="utf-8", pin=False, call=io.open).write(line)\n',
        policy=CACHE,
    ),
    # `o` is the C open bound at import: no later patch of io.open reaches it, before or
    # after; a patch of the module's `o` does, before and after.
    Rewritten(
        "from io import open as o\n\ndef save(p, mode):\n    return o(p, mode)\n",
        "from io import open as o\nfrom storage_runtime import storage\n\n"
        "def save(p, mode):\n    return storage.open(p, mode, pin=True, call=o)\n",
    ),
    Rewritten(
        'import io\n\ndef open(name):\n    return io.open(name, "wb")\n',
        'import io\nfrom storage_runtime import storage\n\ndef open(name):\n    return storage.open(name, "wb", pin=True, call=io.open)\n',
    ),
    Rewritten(
        'import builtins\n\ndef open(name):\n    return builtins.open(name, "wb")\n',
        'import builtins\nfrom storage_runtime import storage\n\ndef open(name):\n    return storage.open(name, "wb", pin=True, call=builtins.open)\n',
    ),
    Rewritten(
        'import io\nfrom os import *\n\nio.open(path, "w").write(text)\n',
        'import io\nfrom os import *\nfrom storage_runtime import storage as _storage\n\n_storage.open(path, "w", pin=True, call=io.open).write(text)\n',
    ),
    Unchanged(
        "try:\n    import io\nexcept ImportError:\n    io = None\n\n"
        "def save(text):\n    io.open(target(), 'w').write(text)\n",
        "Should do nothing, since `io.open` (maybe None.open) was looked up before"
        " `target()` ran, and `call=io.open` would be looked up after it.",
        site_reason=Reason.DYNAMIC_CALL,
    ),
    Unchanged(
        "def read(open, path):\n    return open(path).read()\n",
        "Should do nothing, since the parameter `open` is not builtin open.",
    ),
    Unchanged(
        "from gzip import open\n\nopen(path, 'wt').write(text)\n",
        "Should do nothing, since `open` is gzip.open (counted as third-party I/O).",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
    Unchanged(
        "import webbrowser\n\nwebbrowser.open(url)\n",
        "Should do nothing, since webbrowser.open opens a browser, not a file.",
    ),
    # Builtin open raises TypeError at `pin=True`; the runtime's open takes it. That call
    # stays builtin open's, so the module's `open` is not rebound: the others are renamed.
    Rewritten(
        'def save(p):\n    open(p, "w", pin=True)\n    open(p, "w").close()\n',
        'from storage_runtime import open as _storage_open\n\n'
        'def save(p):\n    open(p, "w", pin=True)\n    _storage_open(p, "w", pin=True).close()\n',
    ),
    Unchanged(
        'open(p, "r", mode="w")\n',
        "Should do nothing, since builtin open refuses a mode given twice (TypeError with its"
        " own message).",
        site_reason=Reason.DYNAMIC_CALL,
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
# Builtin open's parameters, in order: a call that cannot bind to them raises TypeError
# as written, with builtin open's own message; the runtime's open (a Python function that
# also takes `pin=`/`call=`) would accept it or word the error differently.
_OPEN_PARAMETERS = (
    "file", "mode", "buffering", "encoding", "errors", "newline", "closefd", "opener",
)


def open_refuses(call: cst.Call) -> bool:
    """Whether builtin open refuses `call`'s arguments by their shape: more positional
    arguments than it has parameters, a keyword it does not take (`pin=True`, `call=`,
    a typo), or one a positional argument already fills (`open(p, "w", mode="r")`).
    Starred arguments are not judged (DYNAMIC_CALL elsewhere where it matters)."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) > len(_OPEN_PARAMETERS):
        return True
    for arg in call.args:
        if arg.keyword is None:
            continue
        name = arg.keyword.value
        if name not in _OPEN_PARAMETERS or _OPEN_PARAMETERS.index(name) < len(positional):
            return True
    return False


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call` resolves to builtin open and nothing else (see `site_for`)."""
    return site_for(call, position, ctx.names(call), ctx.star_may_bind("open"))


def site_for(
    call: cst.Call, position: Position, names: Collection[str], star_import: bool
) -> Found | None:
    """A site when `names` (what `call` resolves to: scope metadata, never spelling) are
    builtin open's only. A bare `open` in a module where a star import may bind `open`
    (`star_import`, pipeline/star_binds.py) is left alone (STAR_IMPORT)."""
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
    """Plan each PENDING open site: a bare builtin `open(...)` keeps its name, rebound to
    the runtime's `open` (see `decide_bare`); any other spelling (`io.open(...)`,
    `builtins.open(...)`, `o(...)` after `from io import open as o`) goes to
    `storage.open(..., call=<callee>)` (see `decide_spelled`)."""
    for item in items:
        if item.status is not Status.PENDING:
            continue
        scope = ctx.scopes.get(item.call)
        pin = ctx.pin_for(Family.OPEN)
        if _spelled_callee(item.call.func, scope):
            decide_spelled(item, pin, callee_order_kept(item.call, ctx))
        else:
            decide_bare(item, ctx.binding("open"), ctx.bindings, scope, pin)


def _spelled_callee(func: cst.BaseExpression, scope: Scope | None) -> bool:
    """Whether the callee is something other than the bare name `open` resolving to the
    builtin: an attribute (`io.open`, `builtins.open`), a name an import binds (`from
    io import open as o`, which holds the C function itself), or a local alias (`o =
    io.open` then `o(p)`, analysis/names.py `local_alias`: any other name resolving to
    builtin open)."""
    if not isinstance(func, cst.Name):
        return True
    return scope is not None and any(
        not isinstance(a, BuiltinAssignment) for a in scope[func.value]
    )


def decide_spelled(item: Found, pin: bool, order_kept: bool) -> None:
    """`io.open(p, "w")` -> `storage.open(p, "w", pin=..., call=io.open)`: `call=` is the
    callee as the source spelled it, evaluated where the source evaluated it, and the
    runtime calls it unless it is builtin open itself. So a patch of `io.open`, of
    `builtins.open`, of the module's own `io`/`builtins` name, or of an imported `o`
    reaches the call exactly as it reached the original, and a patch of one does not
    reach another (`o` is the C function bound at import: no later patch reaches it,
    before or after). Left alone: a `pin=`/`call=` keyword the stand-in would take as its
    own (DYNAMIC_CALL), a callee whose lookup after the arguments could be seen
    (`order_kept`, DYNAMIC_CALL), a literal path the OS rejects (REJECTED_LITERAL_PATH)."""
    call = item.call
    if open_refuses(call):
        item.unmigrated(Reason.DYNAMIC_CALL)
        return
    if not order_kept:
        item.unmigrated(Reason.DYNAMIC_CALL)  # `io` may be None: it raised first
        return
    if rejected_path_literal(path_argument(call)):
        item.unmigrated(Reason.REJECTED_LITERAL_PATH)  # `io.open("out/", "w")`
        return
    item.needs = ("storage",)
    item.edit = OpenEdit(
        call,
        (item.position.line, item.position.end_line),
        None,
        pin if may_write(open_mode(call, 1)) else None,
        via_storage=True,
    )


def decide_bare(
    item: Found,
    binding: Binding,
    bindings: RuntimeBindings,
    scope: Scope | None,
    pin: bool,
) -> None:
    """Plan one PENDING bare `open(...)` site: the callee is renamed to `binding` (the
    name of the runtime's `open`: `_storage_open` where a star import reaches the module)
    when it is not already spelled so (impossible where that name is a local:
    NAME_CLASH), and a call that may write gets `pin=` (`pin`: the rule's strategy is
    pin). The module needs the runtime's `open` imported even when the call text stays."""
    if open_refuses(item.call):
        # Left calling builtin open (its own TypeError kept): the module's other calls
        # are then renamed rather than the module's `open` rebound (context.bindings).
        item.unmigrated(Reason.DYNAMIC_CALL)
        return
    name = binding.name
    func = item.call.func
    rename = None if isinstance(func, cst.Name) and func.value == name else name
    if rename is not None and not bindings.is_global_in(scope, name):
        item.unmigrated(Reason.NAME_CLASH)
        return
    if rename is not None and rejected_path_literal(path_argument(item.call)):
        # A renamed `_storage_open("out/", "w")`: the original raises its own error; left
        # as written. (A bare `open("out/")` is moved by the module's rebinding, whose
        # open is exact.)
        item.unmigrated(Reason.REJECTED_LITERAL_PATH)
        return
    item.needs = ("open",)
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
    # The new callee name (`open(...)` -> `_storage_open(...)`); None keeps it.
    rename_to: str | None
    pin: bool | None  # None: the mode cannot write, no pin
    family: Family = Family.OPEN
    via_storage: bool = False  # io.open(...) -> storage.open(..., call=io.open)

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.Call:
        """Rename the callee and/or add `pin=` (and `call=`, the callee as spelled)."""
        assert isinstance(node, cst.Call)
        call = node
        func = call.func
        if self.via_storage:
            call = call.with_changes(
                func=cst.Attribute(
                    cst.Name(names["storage"]),
                    cst.Name("open"),
                    lpar=func.lpar,
                    rpar=func.rpar,
                )
            )
        elif self.rename_to is not None:
            call = call.with_changes(
                func=cst.Name(self.rename_to, lpar=func.lpar, rpar=func.rpar)
            )
        if self.pin is not None:
            call = append_arg(call, keyword("pin", bool_name(self.pin)))
        if self.via_storage:
            spelled = func.with_changes(lpar=[], rpar=[])
            call = append_arg(call, keyword("call", spelled))
        return call


# `open_calls.OpenCallsCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
