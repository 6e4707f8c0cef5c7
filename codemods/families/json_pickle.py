"""The json and pickle families: dumps and loads on a file handle.

**Rewrites**
- `with open(p, "w"[, encoding=e, errors=r, newline=n]) as f:` whose body is exactly
  `json.dump(obj, f, **kw)` -> `storage.dump_json(obj, p, "w", pin=..., [encoding=e, ...]
  **kw, call=json.dump)`; likewise `x = json.load(f)` -> `x = storage.load_json(p[,
  mode], call=json.load)`, `pickle.dump(obj, f[, protocol])` -> `storage.dump_pickle(obj,
  p, "wb"[, protocol], pin=..., call=pickle.dump)`, `x = pickle.load(f)` -> `x =
  storage.load_pickle(p, "rb", call=pickle.load)`; `return json.load(f)` and `x: T = ...`
  too. The helpers are `with open(p, mode, ...) as f: call(obj, f, **kw)` themselves (in
  place, through the runtime's `open`), and the emitted call repeats the source's open
  exactly: its mode positionally only when the source gave it, its text keywords as
  keywords (what a patched open records is the same), and the json/pickle call's own
  arguments as the source gave them (a positional pickle protocol stays positional).
- `call=` is the json/pickle callee exactly as the source spelled it (`json.dump`,
  `j.dump` after `import json as j`, `dump` after `from json import dump`), evaluated
  where the source evaluated it: the helper calls that very function, so a patch of the
  module's own name (`mock.patch("pkg.mod.json")`), of a from-imported name, or of
  `json.dump` itself reaches the collapsed call exactly as it reached the original (and
  `mock.patch("json.dump")` does not reach `dump(...)` after `from json import dump`,
  before or after).
- Module aliases resolve by qualified name: `import json as j`, `from json import dump`,
  `import pickle as pkl`.
- Any other json/pickle call whose handle comes from an open this run migrates (the
  one-liners `json.load(open(p))`, `pickle.dump(obj, open(p, "wb"))` too) is
  migrated through its handle (its text stays; its site is PENDING, then MIGRATED), also
  through a function of the module that returns one (`def _open(p): return open(p)`,
  see analysis/handles.py). So is one on the handle of a third-party writer that
  families/publish_after.py publishes after its `with` (`json.dump(obj, f)` in `with
  gzip.open(p, "wt") as f:`, a kept `NamedTemporaryFile(delete=False)`), and one on the
  handle of a reader that families/restore_before.py restores first (`json.load(f)` in
  `with gzip.open(p, "rt") as f:`): those sites say `opens_handle`.
- In a module a star import reaches, `storage` is imported as a private alias
  (`_storage`, see analysis/bindings.py and the README's "Star imports").

**Leaves alone (why)**
- `f` used after the block, or a block that does more than the one dump/load: the
  handle is needed, so only the open is migrated (the call keeps working on it).
- An open the helper could not repeat exactly: a mode that is not a literal or given as
  `mode=`, a dump (or a pickle load) without a mode (the helper's default mode is not the
  source's read-only one), `file=`, `buffering`/`closefd`/`opener`, text keywords on a
  pickle open; a json/pickle call with
  `*args`/`**kwargs` or a keyword the helper would take as its own (`encoding=`, `mode=`,
  `call=`).
- `simplejson.dump/load` (resolved, counted): never collapsed, since the runtime's
  helpers serialise with the stdlib json and simplejson's keywords (`use_decimal`,
  `namedtuple_as_object`...) cannot be passed on. Migrated through the handle instead.
- A handle from an open that is not migrated (`os.fdopen`, a `local` open, a
  third-party writer left counted): UNMIGRATED with HANDLE_NOT_MIGRATED; a handle whose
  origin cannot be seen (an unknown call, an attribute such as `self._handle` that the
  module also stores anything else to): UNMIGRATED with RECEIVER_UNKNOWN. An attribute
  every store of which is an open this run migrates (`self._handle = open(p, "r+")` in
  `__init__`) is migrated through it, like a name.
  `sys.stdout`, `io.StringIO()` and an `urllib.request.urlopen(...)` response are not
  files: no site. Nor is a call on a handle the
  caller passes in (`def dump(value, f): pickle.dump(value, f)`): the caller's open is
  the file site, counted where it is (a serializer would otherwise count twice).
- A collapse that would reorder evaluation (issue 13 item 5): in `with open(p, "w") as f:
  json.dump(job.result, f)` the file is truncated before `job.result` runs (a property) and
  `p` is computed first; so the object, the path, the mode and the keyword values must
  be inert: names and literals only (analysis/handles.py `is_inert`). The callee moves
  too (`call=` is evaluated before the helper opens, where the original looked
  `json.dump` up after the open): its lookup must be inert, a name or attributes of a
  name bound only by imports; not `json.dump` where `json` may also be None, which
  raised only after the file was truncated (lifecycle `callee_lookup_inert`).
- A handle from `io.open(...)` or `builtins.open(...)`: the helpers open the way a bare
  `open` does (a `pkg.mod.open` patched in at run time first, then `builtins.open`), which
  is not what those calls meet under a patch; the open is migrated and the call goes
  through its handle.
- A literal path the OS rejects on its own terms (`open("out/", "w")`, a NUL): the
  original's error must stay the original's, so the block is not collapsed.
- A collapse that would drop a comment.

- The one-liners `json.load(open(p))`, `json.dump(obj, open(p, "w"))`: the open is
  migrated (the module's `open` rebound, `pin=` where it writes) and the call stays on
  its handle. Collapsed, the helper would close the handle the original leaks: a
  patched open would record `__enter__`/`__exit__` the original never called, and the
  original's ResourceWarning would be gone, for nothing a program needs.

**Why collapse a `with` at all** (rather than migrating the open and leaving
`json.dump(obj, f)` on its handle, which is exact by construction and is what happens
wherever a collapse is not): the helper knows when serialisation fails half-way, and then
publishes nothing, where a tracked handle closed by a `with` that an exception leaves
cannot tell, and would publish the torn file for other workers to restore. With `call=`
the collapse is as exact as the block under every patch a test can make (the helper is
`with open(...) as f: return call(obj, f, ...)`); what it still changes is listed in the
README's "only differences": the handle name `f` no longer bound after the call, and the
TypeError wording for wrong arguments to the helper itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import Assignment, GlobalScope
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.collect import single_small_statement, value_call
from migrate_storage.codemods.analysis.found import (
    Found,
    Position,
    literal_string,
    may_write,
    open_mode,
    rejected_path_literal,
)
from migrate_storage.codemods.analysis.handles import (
    FROM_CALLER,
    NOT_A_FILE,
    SECRET,
    UNTRACEABLE,
    handle_argument,
    is_inert,
    provenance,
)
from migrate_storage.codemods.analysis.uses import reads_of
from migrate_storage.codemods.families import lazy_command
from migrate_storage.codemods.families._edit import (
    bool_name,
    count_comments,
    flat_args,
    keyword,
)
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.families.lifecycle import callee_lookup_inert
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

DESCRIPTION = (
    "Collapse json/pickle dumps and loads in a with-block on a fresh open into"
    " storage.dump_json & co."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        'import json\n\nwith open(path, "w", encoding="utf-8") as f:\n    json.dump(obj, f, indent=2)\n',
        'import json\nfrom storage_runtime import storage\n\nstorage.dump_json(obj, path, "w", pin=True, encoding="utf-8", indent=2, call=json.dump)\n',
    ),
    Rewritten(
        'import pickle as pkl\n\ndef load(path):\n    with open(path, "rb") as f:\n        return pkl.load(f)\n',
        'import pickle as pkl\nfrom storage_runtime import storage\n\ndef load(path):\n    return storage.load_pickle(path, "rb", call=pkl.load)\n',
    ),
    Rewritten(
        "from json import dump\n\ndef save(obj, path):\n    with open(path, 'w') as f:\n        dump(obj, f)\n",
        "from json import dump\nfrom storage_runtime import storage\n\ndef save(obj, path):\n    storage.dump_json(obj, path, 'w', pin=True, call=dump)\n",
    ),
    Rewritten(
        'import pickle\n\nwith open(path, "wb") as f:\n    pickle.dump(model, f, 4)\n',
        'import pickle\nfrom storage_runtime import storage\n\nstorage.dump_pickle(model, path, "wb", 4, pin=False, call=pickle.dump)\n',
        policy=CACHE,
    ),
    # The one-liner keeps its call (and its leaked handle): only the open is migrated.
    Rewritten(
        'import pickle\n\npickle.dump(model, open(path, "wb"), 4)\n',
        'import pickle\nfrom storage_runtime import open\n\npickle.dump(model, open(path, "wb", pin=False), 4)\n',
        policy=CACHE,
    ),
    # `json` may be None: the original truncated the file before `json.dump` failed.
    Rewritten(
        "try:\n    import json\nexcept ImportError:\n    json = None\n\n"
        'with open(path, "w") as f:\n    json.dump(obj, f)\n',
        "from storage_runtime import open\n\ntry:\n    import json\nexcept ImportError:\n"
        '    json = None\n\nwith open(path, "w", pin=True) as f:\n    json.dump(obj, f)\n',
    ),
    Rewritten(
        'import json\n\nwith open(path, "w") as f:\n    json.dump(obj, f)\nprint(f.closed)\n',
        'import json\nfrom storage_runtime import open\n\nwith open(path, "w", pin=True) as f:\n    json.dump(obj, f)\nprint(f.closed)\n',
    ),
    Unchanged(
        "import json\n\ndef save(obj, f):\n    json.dump(obj, f)\n",
        "Should do nothing, since the handle `f` is the caller's: its open is the site.",
    ),
    Unchanged(
        "import json\n\ndef save(obj):\n    json.dump(obj, make())\n",
        "Should do nothing, since the handle does not come from an open we can see.",
        site_reason=Reason.RECEIVER_UNKNOWN,
    ),
    Unchanged(
        'import json, os\n\nwith os.fdopen(fd, "w") as f:\n    json.dump(obj, f)\n',
        "Should do nothing, since the handle comes from os.fdopen, which is not migrated.",
        site_reason=Reason.HANDLE_NOT_MIGRATED,
    ),
    Unchanged(
        "import json, sys\n\njson.dump(obj, sys.stdout)\n",
        "Should do nothing, since sys.stdout is not a file.",
    ),
)


# -- the family protocol (families/protocol.py) ---------------------------------------------

#: A json/pickle call's status follows its handle's open: decided after the open family,
#: the rules applied after `decide`.
DERIVED = True

#: json/pickle functions that take a file handle; the value is (family, operation).
#: simplejson is a look-alike: resolved and counted, but never collapsed into
#: storage.dump_json (the runtime serialises with the stdlib json, whose keyword
#: arguments differ).
HANDLE_FUNCTIONS: dict[str, tuple[Family, str]] = {
    "json.dump": (Family.JSON, "dump"),
    "json.load": (Family.JSON, "load"),
    "simplejson.dump": (Family.JSON, "dump"),
    "simplejson.load": (Family.JSON, "load"),
    "pickle.dump": (Family.PICKLE, "dump"),
    "pickle.load": (Family.PICKLE, "load"),
}
CANDIDATES = Candidates.by_name(HANDLE_FUNCTIONS, text=("json", "pickle"))
COMMAND = Command(
    "JsonPickleCodemod", DESCRIPTION, rewrites=(Family.JSON, Family.PICKLE), order=3
)
SARIF_RULES = (
    SarifRule(Family.JSON, "MS-JSON", "json.load/json.dump on a file"),
    SarifRule(Family.PICKLE, "MS-PICKLE", "pickle.load/pickle.dump on a file"),
)


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call` resolves to a json/pickle dump or load that takes a file handle
    (HANDLE_FUNCTIONS, simplejson too); what it is decides `decide`."""
    handle = [n for n in sorted(ctx.names(call)) if n in HANDLE_FUNCTIONS]
    if not handle:
        return None
    family, _ = HANDLE_FUNCTIONS[handle[0]]
    return Found(call, position, "handle", family, handle[0])


def decide(items: list[Found], ctx: Context) -> None:
    """Each site's status from its handle's provenance (analysis/handles.py); the ones
    that are not file I/O (`sys.stdout`) are dropped; a collapse where it is exact (see
    the module docstring); a call on a handle from a scratch site is as local as it."""
    kept = []
    for item in items:
        operation = HANDLE_FUNCTIONS[item.name][1]
        handle = handle_argument(item.call, operation)
        if handle is None:
            item.unmigrated(Reason.DYNAMIC_CALL)
            kept.append(item)
            continue
        status = provenance(
            handle,
            ctx.scopes,
            ctx.collector.bindings,
            ctx.by_call,
            stores=lambda attr: _stored_values(ctx.typer.attribute_stores(attr)),
            parent=ctx.flow.parent,
        )
        if status in (NOT_A_FILE, FROM_CALLER):
            continue  # not file I/O here: the caller's open is the site
        kept.append(item)
        if status is Status.MIGRATED:
            item.status = Status.MIGRATED
        elif status is Status.PENDING:
            _try_collapse(item, operation, handle, ctx)
        elif status == UNTRACEABLE:
            item.unmigrated(Reason.RECEIVER_UNKNOWN)
        elif status == SECRET:  # its open stays local: so does the dump/load on it
            item.status, item.reason = Status.LOCAL, Reason.SECRET_PATH
        else:
            item.unmigrated(Reason.HANDLE_NOT_MIGRATED)
    items[:] = kept
    _local_with_scratch_handles(items, ctx)


def _stored_values(
    stores: list[tuple[cst.Attribute, cst.BaseExpression | None, object]] | None,
) -> list[cst.BaseExpression | None] | None:
    """The values of an attribute's stores (receivers.ReceiverTyper.attribute_stores)."""
    return None if stores is None else [value for _, value, _ in stores]


def _local_with_scratch_handles(items: list[Found], ctx: Context) -> None:
    """A json/pickle call on a handle from a scratch site (`json.dump(obj, h)` with
    `h = os.fdopen(fd)` of a temp file) or from package data (`json.load(h)` with
    `h = files(pkg).joinpath(x).open()`) is as local as that handle (issue 14)."""
    for item in items:
        if item.reason is not Reason.HANDLE_NOT_MIGRATED:
            continue
        handle = handle_argument(item.call, HANDLE_FUNCTIONS[item.name][1])
        value = ctx.flow.value_of(handle) if isinstance(handle, cst.Name) else handle
        opener = ctx.by_call.get(value) if isinstance(value, cst.Call) else None
        if (
            opener is not None
            and opener.status is Status.LOCAL
            and (
                opener.family is Family.SCRATCH
                or opener.reason in (Reason.PACKAGE_DATA, Reason.PRIVATE_FILE)
            )
        ):
            item.status, item.reason, item.edit = Status.LOCAL, opener.reason, None


# -- the collapse: when it is exact -------------------------------------------------------


def _try_collapse(
    item: Found, operation: str, handle: cst.BaseExpression, ctx: Context
) -> None:
    """Plan the collapse of `item` (its handle comes from a PENDING open) when it is
    exact: the `with` block whose body it is becomes a Collapse, and the open it folds is
    `consumed` (the open family's edit and import for it are then not planned). A
    one-liner (`json.load(open(p))`) is never collapsed (module docstring)."""
    if not ctx.rewrites(item.family):
        return
    names = ctx.names(item.call)
    module = "json" if item.family is Family.JSON else "pickle"
    if not _names.all_in(names, {f"{module}.{operation}"}):
        return  # a look-alike (simplejson) or an ambiguous import
    found = _with_block(item, handle, ctx)
    if found is None:
        return
    opener, statement, small, line = found
    if (
        opener is None
        or opener.position.with_span is None
        or opener.kind != "open"
        or opener.status is not Status.PENDING
        or opener.consumed
        # Only a bare `open`: the helpers open as a bare name would (a patched
        # `pkg.mod.open`, then `builtins.open`); `io.open(...)`/`builtins.open(...)`
        # honour other patches, so their handle is migrated, not collapsed.
        or not isinstance(opener.call.func, cst.Name)
    ):
        return
    kept = _kept_arguments(item.call, opener.call, module, operation)
    if kept is None:
        return
    if not _same_order(item.call, opener.call, operation):
        return
    if not callee_lookup_inert(item.call.func, ctx):
        return
    trailing = line.trailing_whitespace  # type: ignore[attr-defined]
    kept_extra = [
        *statement.leading_lines,
        trailing,
        small.with_changes(value=cst.Name("x")),
    ]
    if count_comments(statement) != count_comments(
        [*kept, *kept_extra, item.call.func]
    ):
        return
    pin = ctx.pin_for(item.family) if operation == "dump" else None
    item.edit = Collapse(
        statement,
        opener.position.with_span,
        item.family,
        f"{operation}_{module}",
        item.call,
        opener.call,
        pin,
        small,
    )
    item.needs = ("storage",)
    opener.consumed = True


def _same_order(call: cst.Call, opener: cst.Call, operation: str) -> bool:
    """Collapsing a `with` moves the open after the call's arguments (and, for a dump,
    the path after the object): only when those cannot observe or reorder anything.

    In `with open(p, "w") as f: json.dump(build(), f)` the file is truncated before
    `build()` runs (it may read that very file), and `p` is computed before it. The
    callee moves too (`call=` is evaluated before the helper opens, where the original
    looked it up after the open): `callee_lookup_inert` must hold for it.
    """
    arguments = [a.value for a in call.args if a.value is not None]
    if operation == "dump":
        arguments += [a.value for a in opener.args]
    return all(is_inert(a) for a in arguments)


def _with_block(
    item: Found, handle: cst.BaseExpression, ctx: Context
) -> tuple[Found | None, cst.With, cst.BaseSmallStatement, cst.CSTNode] | None:
    entry = ctx.collector.with_bodies.get(item.call)
    if entry is None or not isinstance(handle, cst.Name):
        return None
    statement, small, line = entry
    target = statement.items[0].asname
    opener_call = statement.items[0].item
    if (
        target is None
        or not isinstance(target.name, cst.Name)
        or target.name.value != handle.value
    ):
        return None
    if not isinstance(opener_call, cst.Call) or not _only_use(
        target.name, handle, statement, ctx
    ):
        return None
    return ctx.by_call.get(opener_call), statement, small, line


def _only_use(
    bound: cst.Name, handle: cst.Name, statement: cst.With, ctx: Context
) -> bool:
    """`f` of `with ... as f` is read nowhere but in `handle` (the json/pickle call)."""
    scope = ctx.scopes.get(bound)
    if scope is None:
        return False
    pruned = ctx.pruned
    if (
        isinstance(scope, GlobalScope)
        and pruned is not None
        and pruned.mentions(bound.value)
    ):
        return False  # a module-level handle, read in some (pruned) function
    mine = [
        a
        for a in scope.assignments[bound.value]
        if isinstance(a, Assignment) and a.node is bound
    ]
    if len(mine) != 1:
        return False
    outer = ctx.collector.enclosing.get(statement, ())
    for node in reads_of(scope, bound.value, mine):  # those written before it too
        if node is handle:
            continue
        shield = (
            ctx.collector.shielded.get(node) if isinstance(node, cst.Name) else None
        )
        if shield is None or shield is statement or shield in outer:
            return False
    return True


def _kept_arguments(
    call: cst.Call, opener: cst.Call, module: str, operation: str
) -> list[cst.CSTNode] | None:
    """The argument nodes the collapsed call keeps, or None when the collapse cannot
    be exact. The helper opens `open(path[, mode], <text keywords>)` exactly as the
    source did only when the source wrote `open(path[, "literal mode"], encoding=,
    errors=, newline=)` (json) or `open(path, "literal mode")` (pickle): the mode is
    passed on positionally only when the source gave it, a keyword `mode=`/`file=`,
    `buffering`, `closefd` or `opener` would reach a patched open differently, and a dump or a pickle load without a mode would get the helper's
    default mode instead of the source's read-only one."""
    kept: list[cst.CSTNode] = []
    positional = 0
    mode_given = False
    for arg in opener.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional += 1
            if positional == 1:
                if rejected_path_literal(arg.value):
                    return None  # `open("out/", "w")` keeps its own error
            elif positional == 2:
                if literal_string(arg.value) is None:
                    return None
                mode_given = True
            else:
                return None
            kept.append(arg.value)
        elif module == "json" and arg.keyword.value in _TEXT_KEYWORDS:
            kept.append(arg.value)
        else:
            return None
    if positional == 0:
        return None
    mode = open_mode(opener, 1)
    if operation == "dump" and not (mode_given and may_write(mode)):
        return None
    if module == "pickle" and operation == "load" and not mode_given:
        return None
    return _kept_call_arguments(call, module, operation, kept)


def _kept_call_arguments(
    call: cst.Call, module: str, operation: str, kept: list[cst.CSTNode]
) -> list[cst.CSTNode] | None:
    """The json/pickle call's own arguments: `obj, f` (dump) or `f` (load), pickle.dump's
    third positional (protocol), and keywords the helper passes on unchanged (not one
    of its own parameter names). No `*args`/`**kwargs`: their keys could be the
    helper's own parameters."""
    expected_positional = 2 if operation == "dump" else 1
    reserved = _RESERVED[(module, operation)]
    positional = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional += 1
            if positional == 3 and module == "pickle" and operation == "dump":
                kept.append(arg.value)
            elif positional > expected_positional:
                return None
            elif positional == 1 and operation == "dump":
                kept.append(arg.value)
            continue
        if arg.keyword.value in reserved:
            return None
        kept.extend([arg.keyword, arg.value])
    if positional < expected_positional:
        return None
    return kept


# The text keywords of open() a collapsed json call passes on (an explicit None too: the
# helper tells it from a keyword not given, so a patched open records the same call).
_TEXT_KEYWORDS = frozenset({"encoding", "errors", "newline"})
# Keywords of the json/pickle call that the helper would take as its own parameters (or
# that name the handle): such a call is not collapsed.
_RESERVED = {
    ("json", "dump"): frozenset({"obj", "fp", "file", "path", "mode", "pin", "call"})
    | _TEXT_KEYWORDS,
    ("json", "load"): frozenset({"fp", "file", "path", "mode", "call"})
    | _TEXT_KEYWORDS,
    ("pickle", "dump"): frozenset({"obj", "file", "path", "mode", "pin", "call"}),
    ("pickle", "load"): frozenset({"file", "path", "mode", "call"}),
}


# -- rewrite -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Collapse:
    """`with open(p, mode) as f: json.dump(obj, f)` -> one `storage.<helper>(...)` call.

    `node`: the `with` statement that goes away; `call` is the json/pickle call, `opener`
    the builtin open call that produced the handle, `small` the with body's statement.
    """

    node: cst.With
    region: tuple[int, int]
    family: Family
    helper: str  # dump_json, load_json, dump_pickle, load_pickle
    call: cst.Call
    opener: cst.Call
    pin: bool | None
    small: cst.BaseSmallStatement

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.CSTNode:
        assert isinstance(node, cst.With)
        return collapse_with(node, self, names["storage"])


def _build(
    collapse: Collapse, call: cst.Call, opener: cst.Call, storage_name: str
) -> cst.Call:
    """The `storage.<helper>(...)` call replacing `call` on the handle from `opener`:
    `obj` (dumps), the path, the mode positionally only when the source gave it (then a
    pickle.dump protocol the source gave positionally, positionally), `pin=` (dumps), the
    open's text keywords, the json/pickle call's own keywords, and last `call=`, its
    callee as spelled. The checks that make this exact are `_kept_arguments`'s and
    `_callee_order_kept`'s."""
    head: list[cst.Arg] = []
    text: list[cst.Arg] = []
    for arg in opener.args:
        if arg.keyword is None:
            head.append(cst.Arg(arg.value))  # the path, then the mode if given
        else:
            text.append(keyword(arg.keyword.value, arg.value))
    dump = collapse.helper.startswith("dump")
    obj: cst.BaseExpression | None = None
    extra: list[cst.Arg] = []
    positional = 0
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            positional += 1
            if dump and positional == 1:
                obj = arg.value
            elif positional == 3:
                head.append(cst.Arg(arg.value))  # after the mode, which a dump gives
        else:
            extra.append(arg)
    args = [cst.Arg(obj)] if obj is not None else []
    args.extend(head)
    if collapse.pin is not None:
        args.append(keyword("pin", bool_name(collapse.pin)))
    args.extend(text)
    args.extend(extra)
    args.append(keyword("call", call.func))
    return call.with_changes(
        func=cst.Attribute(
            value=cst.Name(storage_name), attr=cst.Name(collapse.helper)
        ),
        args=flat_args(args),
        whitespace_before_args=cst.SimpleWhitespace(""),
    )


def collapse_with(
    statement: cst.With, collapse: Collapse, storage_name: str
) -> cst.SimpleStatementLine:
    """`with open(p, "w") as f: json.dump(obj, f)` -> `storage.dump_json(obj, p, pin=...)`."""
    single = single_small_statement(statement.body)
    assert single is not None
    small, line = single
    call = value_call(small)
    opener = statement.items[0].item
    assert call is not None and isinstance(opener, cst.Call)
    new_small = small.with_changes(value=_build(collapse, call, opener, storage_name))
    return cst.SimpleStatementLine(
        body=[new_small],
        leading_lines=statement.leading_lines,
        trailing_whitespace=line.trailing_whitespace,  # type: ignore[attr-defined]
    )


# `json_pickle.JsonPickleCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
