"""The codecs family: `codecs.open(...)`, through the runtime's `storage.codecs_open`.

`codecs.open(filename, mode, encoding, errors, buffering)` opens its file with
`builtins.open` at call time and wraps it in a StreamReaderWriter. The runtime's
`storage.codecs_open` runs the standard library's own function with that `builtins.open`
answered by `storage.open` (`storage_runtime/_codecs.py`): the same object, content,
exceptions and patches, and a written file is published at close like any open. Its
sites are counted in the open family (the rules' `open` selects them).

**Rewrites** (recognised by qualified name through scope metadata, whatever the spelling:
`import codecs as c`, `from codecs import open as copen`)
- `codecs.open(p, "w", "utf-8")` -> `storage.codecs_open(p, "w", "utf-8", pin=True,
  call=codecs.open)`: `pin=` (the rule's, for the open family) where the mode can write
  (a literal with `w`, `a`, `x` or `+`, or a mode that is not a literal); `call=` is the
  callee as spelled, so `mock.patch("codecs.open")` or a patch of the module's `codecs`
  reaches the call as before, and `copen` after `from codecs import open as copen` stays
  the real function (which no later patch of `codecs.open` reaches, before or after).
- A json/pickle call on its handle follows it (analysis/handles.py).

**Leaves alone (why)**
- `*args`/`**kwargs`, or a `pin=`/`call=` keyword (the stand-in would take it as its
  own), or a callee that may be bound to something else too: DYNAMIC_CALL.
- A literal path the OS rejects on its own terms (`codecs.open("out/", "w")`):
  REJECTED_LITERAL_PATH, so the error stays the original's.
- Files or families whose rule is `local`, excluded files, secret-looking literal paths
  (LOCAL, as for every family).

Evaluation order: the original evaluates its callee before its arguments, the rewrite
after them (`call=` comes last); only a name or an attribute of a name bound only by
imports is looked up there, which is inert, or the arguments are names and literals
(lifecycle `callee_order_kept`; README "Evaluation order").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis.found import (
    Found,
    Position,
    argument,
    may_write,
    open_mode,
    rejected_path_literal,
)
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.families.lifecycle import LifecycleEdit, callee_order_kept
from migrate_storage.codemods.families.protocol import Candidates
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

#: The function this family recognises, by qualified name, and its runtime stand-in.
FUNCTION = "codecs.open"
STAND_IN = "codecs_open"
KIND = "codecs"  # `Found.kind`
# Keywords the stand-in takes as its own: a call passing one cannot be rewritten.
_RESERVED = frozenset({"pin", "call"})

DESCRIPTION = "Route codecs.open(...) through the storage runtime's codecs_open."

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        "import codecs\n\ndef save(path, text):\n"
        "    with codecs.open(path, 'w', 'utf-8') as f:\n        f.write(text)\n",
        "import codecs\nfrom storage_runtime import storage\n\ndef save(path, text):\n"
        "    with storage.codecs_open(path, 'w', 'utf-8', pin=True, call=codecs.open) as f:\n"
        "        f.write(text)\n",
    ),
    Rewritten(
        "from codecs import open as copen\n\ndef load(path):\n"
        "    with copen(path, encoding='utf8') as f:\n        return f.read()\n",
        "from codecs import open as copen\nfrom storage_runtime import storage\n\n"
        "def load(path):\n"
        "    with storage.codecs_open(path, encoding='utf8', call=copen) as f:\n"
        "        return f.read()\n",
        policy=CACHE,
    ),
    Unchanged(
        "import codecs\n\ndef load(*args):\n    return codecs.open(*args)\n",
        "Should do nothing, since `*args` may carry anything.",
        site_reason=Reason.DYNAMIC_CALL,
    ),
    Unchanged(
        "import codecs\n\ncodecs.open('out/', 'w', 'utf-8')\n",
        "Should do nothing, since the OS rejects the literal path: the error stays the"
        " original's.",
        site_reason=Reason.REJECTED_LITERAL_PATH,
    ),
)

#: Classified on their own: the rules (`local`, exclusion, secret paths) apply before
#: `decide`.
DERIVED = False

CANDIDATES = Candidates.by_name(
    (FUNCTION,),
    text=("codecs",),
    # The migrated call (`storage.codecs_open`): on a name an import binds, as lifecycle's.
    module_functions=frozenset({STAND_IN}),
)
#: Its sites are the open family's: OpenCallsCodemod (families/open_calls.py) rewrites
#: them, and they are reported under MS-OPEN.
COMMAND = None
SARIF_RULES: tuple[()] = ()


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call`'s callee resolves to `codecs.open`; MIGRATED when it is the
    runtime's `storage.codecs_open`."""
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value == STAND_IN
        and ctx.on_runtime_storage(call)
    ):
        name = f"{ctx.rt_storage}.{STAND_IN}"
        return Found(call, position, "runtime", Family.OPEN, name, status=Status.MIGRATED,
                     target=_filename(call), opens_handle=True)
    names = ctx.names(call)
    if FUNCTION not in names:
        return None
    item = Found(call, position, KIND, Family.OPEN, FUNCTION, target=_filename(call),
                 opens_handle=True)
    if len(names) > 1:  # also bound to something else: cannot know which
        return item.unmigrated(Reason.DYNAMIC_CALL)
    if not callee_order_kept(call, ctx):  # `codecs` also bound to None, say
        return item.unmigrated(Reason.DYNAMIC_CALL)
    for arg in call.args:
        if arg.star or (arg.keyword is not None and arg.keyword.value in _RESERVED):
            return item.unmigrated(Reason.DYNAMIC_CALL)
    if rejected_path_literal(_filename(call)):
        return item.unmigrated(Reason.REJECTED_LITERAL_PATH)
    return item


def _filename(call: cst.Call) -> cst.BaseExpression | None:
    """The `filename` argument: the first positional or `filename=`."""
    return argument(call, 0, ("filename",))


def decide(items: list[Found], ctx: Context) -> None:
    """Each PENDING site goes to `storage.codecs_open(..., call=<callee>)`, with the open
    family's pin where the mode can write."""
    pin = ctx.pin_for(Family.OPEN)
    for item in items:
        if item.status is not Status.PENDING:
            continue
        writes = may_write(open_mode(item.call, 1))
        region = (item.position.line, item.position.end_line)
        item.edit = LifecycleEdit(
            item.call, region, STAND_IN, pin if writes else None, False, Family.OPEN
        )
        item.needs = ("storage",)
