"""The json and pickle families: dumps and loads on a file handle.

**Rewrites**
- `with open(p, "w"[, encoding=e, errors=r, newline=n]) as f:` whose body is exactly
  `json.dump(obj, f, **kw)` -> `storage.dump_json(obj, p, "w", pin=..., [encoding=e, ...]
  **kw)`; likewise `x = json.load(f)` -> `x = storage.load_json(p[, mode])`,
  `pickle.dump(obj, f[, protocol])` -> `storage.dump_pickle(obj, p, "wb", pin=...[,
  protocol=...])`, `x = pickle.load(f)` -> `x = storage.load_pickle(p, "rb")`;
  `return json.load(f)` and `x: T = ...` too. The helpers are `with open(p, mode, ...) as
  f: json.dump(obj, f, **kw)` themselves (in place, through the runtime's `open`), and the
  emitted call repeats the source's open exactly: its mode positionally only when the
  source gave it, its text keywords as keywords (what a patched open records is the same).
- The one-liners `json.dump(obj, open(p, "w"))`, `json.load(open(p))`,
  `pickle.load(open(p, "rb"))`, `pickle.dump(obj, open(p, "wb"))` the same way (which
  also stops leaking the handle).
- Module aliases resolve by qualified name: `import json as j`, `from json import dump`,
  `import pickle as pkl`.
- Any other json/pickle call whose handle comes from an open this run migrates is
  migrated through its handle (its text stays; its site is PENDING, then MIGRATED).
- In a module a star import reaches, `storage` is imported as a private alias
  (`_storage`, see analysis/bindings.py and the README's "Star imports").

**Leaves alone (why)**
- `f` used after the block, or a block that does more than the one dump/load: the
  handle is needed, so only the open is migrated (the call keeps working on it).
- An open the helper could not repeat exactly: a mode that is not a literal or given as
  `mode=`, a dump (or a pickle load) without a mode (the helper's default mode is not the
  source's read-only one), `file=`, `buffering`/`closefd`/`opener`, an explicit `None`
  (the helper drops it), text keywords on a pickle open; a json/pickle call with
  `*args`/`**kwargs` or a keyword the helper would take as its own (`encoding=`, `mode=`).
- `simplejson.dump/load` (resolved, counted): never collapsed, since the runtime's
  helpers serialise with the stdlib json and simplejson's keywords (`use_decimal`,
  `namedtuple_as_object`...) cannot be passed on. Migrated through the handle instead.
- A handle from an open that is not migrated (`os.fdopen`, a `local` open): UNMIGRATED
  with HANDLE_NOT_MIGRATED; a handle whose origin cannot be seen (a parameter, an
  attribute such as `self._handle`, an unknown call): UNMIGRATED with RECEIVER_UNKNOWN.
  `sys.stdout` and `io.StringIO()` are not files: no site.
- A collapse that would reorder evaluation (issue 13 item 5): in `with open(p, "w") as f:
  json.dump(job.result, f)` the file is truncated before `job.result` runs (a property) and
  `p` is computed first; so the object, the path, the mode, the keyword values (and in a
  one-liner, the arguments after the handle) must be inert: names and literals only
  (analysis/handles.py `is_inert`).
- A literal path the OS rejects on its own terms (`open("out/", "w")`, a NUL): the
  original's error must stay the original's, so the block is not collapsed.
- A collapse that would drop a comment.
"""

from __future__ import annotations

import libcst as cst
from migrate_storage.codemods.analysis.collect import single_small_statement, value_call
from migrate_storage.codemods.analysis.handles import handle_argument
from migrate_storage.codemods.analysis.plan import Collapse
from migrate_storage.codemods.families import lazy_command
from migrate_storage.codemods.families._edit import bool_name, flat_args, keyword
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.model import Reason

DESCRIPTION = (
    "Collapse json/pickle dumps and loads on a fresh open into storage.dump_json & co."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        'import json\n\nwith open(path, "w", encoding="utf-8") as f:\n    json.dump(obj, f, indent=2)\n',
        'import json\nfrom storage_runtime import storage\n\nstorage.dump_json(obj, path, "w", pin=True, encoding="utf-8", indent=2)\n',
    ),
    Rewritten(
        'import pickle as pkl\n\ndef load(path):\n    with open(path, "rb") as f:\n        return pkl.load(f)\n',
        'import pickle as pkl\nfrom storage_runtime import storage\n\ndef load(path):\n    return storage.load_pickle(path, "rb")\n',
    ),
    Rewritten(
        "from json import load\n\nconfig = load(open(path))\n",
        "from json import load\nfrom storage_runtime import storage\n\nconfig = storage.load_json(path)\n",
    ),
    Rewritten(
        'import pickle\n\npickle.dump(model, open(path, "wb"), 4)\n',
        'import pickle\nfrom storage_runtime import storage\n\nstorage.dump_pickle(model, path, "wb", pin=False, protocol=4)\n',
        policy=CACHE,
    ),
    Rewritten(
        'import json\n\nwith open(path, "w") as f:\n    json.dump(obj, f)\nprint(f.closed)\n',
        'import json\nfrom storage_runtime import open\n\nwith open(path, "w", pin=True) as f:\n    json.dump(obj, f)\nprint(f.closed)\n',
    ),
    Unchanged(
        "import json\n\ndef save(obj, f):\n    json.dump(obj, f)\n",
        "Should do nothing, since the handle `f` does not come from an open we can see.",
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


def _build(
    collapse: Collapse, call: cst.Call, opener: cst.Call, storage_name: str
) -> cst.Call:
    """The `storage.<helper>(...)` call replacing `call` on the handle from `opener`:
    `obj` (dumps), the path, the mode positionally only when the source gave it, `pin=`
    (dumps), the open's text keywords, then the json/pickle call's own keywords (a
    pickle.dump protocol given positionally becomes `protocol=`). The checks that make
    this exact are in analysis/handles.py (`_kept_arguments`)."""
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
                extra.append(keyword("protocol", arg.value))
        else:
            extra.append(arg)
    args = [cst.Arg(obj)] if obj is not None else []
    args.extend(head)
    if collapse.pin is not None:
        args.append(keyword("pin", bool_name(collapse.pin)))
    args.extend(text)
    args.extend(extra)
    return call.with_changes(
        func=cst.Attribute(
            value=cst.Name(storage_name), attr=cst.Name(collapse.helper)
        ),
        args=flat_args(args),
        whitespace_before_args=cst.SimpleWhitespace(""),
    )


def collapse_call(call: cst.Call, collapse: Collapse, storage_name: str) -> cst.Call:
    """`json.load(open(p))` -> `storage.load_json(p)` (the opener is the handle argument)."""
    operation = "dump" if collapse.helper.startswith("dump") else "load"
    opener = handle_argument(call, operation)
    assert isinstance(opener, cst.Call)
    return _build(collapse, call, opener, storage_name)


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
__getattr__ = lazy_command(__name__, "JsonPickleCodemod")
