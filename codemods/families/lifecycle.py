"""The lifecycle family: renames, removals and copies of files, through the runtime.

The runtime's stand-ins (`storage_runtime/lifecycle.py`) make exactly the call they
replace first (same arguments, exceptions and return value), then the namespace follows:
a rename publishes its destination and drops its source (moved in MFS when the content
is already there), a removal drops the entry (no other worker restores a file the
program deleted), a copy publishes what it copied.

**Rewrites** (recognised by qualified name through scope metadata, whatever the spelling:
`import os as o`, `from shutil import move`, `from os import replace as r`)
- `os.replace(a, b)` -> `storage.replace(a, b, pin=True, call=os.replace)`; the same for
  `os.rename`, `os.link` (a hard link made into place: its destination is published;
  atomicwrites' and safer's no-overwrite write), `shutil.move`, `shutil.copy`, `copy2`, `copyfile`, `copytree` (the calls
  that create a file: `pin=` from the rule, True for `pin`, False for `cache`).
- `os.remove(p)` -> `storage.remove(p, call=os.remove)`; the same for `os.unlink`,
  `shutil.rmtree` (no pin: nothing is created).
- `call=` is the callee as the source spelled it, evaluated where the original evaluated
  it: the stand-in calls that very function, so `mock.patch("pkg.mod.os")`,
  `mock.patch("pkg.mod.move")` after `from shutil import move`, or a module that rebinds
  `os` reach the call as before (and a patch of `os.replace` does not reach `r(...)`
  after `from os import replace as r`, as before). Every argument is passed as written.
- `p.replace(t)`, `p.rename(t)`, `p.unlink(...)`, `p.touch(...)` where `p` is KNOWN to
  be a Path (analysis/receivers.py) -> `storage.path_replace(p, t, pin=...)`,
  `storage.path_rename(p, t, pin=...)`, `storage.path_unlink(p, ...)`,
  `storage.path_touch(p, ..., pin=...)` (a file the touch created is published, as the
  closed `open(p, "a")` that created it is): the method is looked up on the receiver,
  as before. With an argument that is not a name or a literal
  (`tmp.replace(final())`), unless `p` is a Path built in the expression, the original
  looks `replace` up on `p` before it runs `final()`: the lookup-first form
  `storage.path(p, pin=...).replace(final())` keeps that order (families/_lookup_first.py).

**Leaves alone (why)**
- `*args`/`**kwargs` in the call, or a `pin=`/`call=` keyword (the stand-in would take
  it as its own): DYNAMIC_CALL.
- A callee whose name may be bound to something else too (conditional imports, a local
  `def` shadowing an import on one path): DYNAMIC_CALL.
- `.unlink()` on a receiver not known to be a Path: RECEIVER_UNKNOWN, unless it passes
  pathlib's `missing_ok=` (a UPath, a Path of another module) or the receiver is joined
  right there with a str (`(root / "old.bin").unlink()`, receivers.py
  `joined_with_str`): rewritten as a Path's (the runtime calls the receiver's own
  `unlink`, so any receiver gets exactly its call). `.replace()`, `.rename()` and
  `.touch()` on such a receiver are not sites at all (`str.replace`,
  `DataFrame.rename`, diskcache's `Cache.touch(key)`), but on a joined one they are a
  Path's too.
- `os.remove`/`os.unlink`/`shutil.rmtree` of a temporary file proven scratch whose name
  goes nowhere else (`os.unlink(tmp)` after `fd, tmp = mkstemp()` on failure): LOCAL
  "temporary file", like the temporary itself (families/scratch.py `removed_scratch`).
- `replace(...)` after `from os import *`: the name cannot be resolved, not a site.
- The functions used without being called (`atexit.register(shutil.rmtree, d)`,
  `retry(os.replace, a, b)`): not call sites; families/function_values.py counts them.
- Files or families whose rule is `local` (kept local), excluded files, and calls whose
  first argument is a secret-looking literal path (LOCAL, as for every family).

Evaluation order: the original evaluates its callee before its arguments, the rewrite
after them (`call=` comes last). So a function call is rewritten only when that cannot be
seen (`callee_order_kept`): its callee is a name or an attribute of a name bound only by
imports (`os.replace`, inert), or its arguments are names and literals; `shutil.copy(
src(), dst())` where `shutil` may also be None (`except ImportError: shutil = None`)
raised before `src()` ran, and is left (DYNAMIC_CALL) (README "Evaluation order").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import ImportAssignment
from migrate_storage.codemods.analysis.found import Found, Position, argument
from migrate_storage.codemods.analysis.names import dotted
from migrate_storage.codemods.families import lazy_command
from migrate_storage.codemods.families._edit import append_arg, bool_name, keyword
from migrate_storage.codemods.families._lookup_first import (
    LookupFirstEdit,
    held_path,
    lookup_order_kept,
)
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

# -- recognition tables ------------------------------------------------------------------

# Functions by qualified name -> the runtime stand-in (`storage.<name>`).
FUNCTIONS: dict[str, str] = {
    "os.replace": "replace",
    "os.rename": "rename",
    "os.link": "link",
    "os.remove": "remove",
    "os.unlink": "unlink",
    "shutil.move": "move",
    "shutil.rmtree": "rmtree",
    "shutil.copy": "copy",
    "shutil.copy2": "copy2",
    "shutil.copyfile": "copyfile",
    "shutil.copytree": "copytree",
}
# Path methods (receiver known to be a Path) -> the runtime stand-in.
PATH_METHODS: dict[str, str] = {
    "replace": "path_replace",
    "rename": "path_rename",
    "unlink": "path_unlink",
    # Creates an empty file, or only changes a file's times (a download's completion
    # marker: kagglehub's `Path(marker).touch()`).
    "touch": "path_touch",
}
# Methods common enough on other types (str.replace, DataFrame.rename, a cache's
# `touch(key)`) that only a known Path makes them a site; `unlink` on an unknown receiver
# is one, left alone.
PATH_ONLY_METHODS = frozenset({"replace", "rename", "touch"})
# The removals: the one of a temporary proven scratch is scratch too.
REMOVALS = frozenset({"os.remove", "os.unlink", "shutil.rmtree"})
# The stand-ins that create a file: they take `pin=`.
CREATING = frozenset(
    {"replace", "rename", "link", "move", "copy", "copy2", "copyfile", "copytree",
     "path_replace", "path_rename", "path_touch"}
)
# Every stand-in: a call of one on the runtime's `storage` is migrated.
STAND_INS = frozenset(FUNCTIONS.values()) | frozenset(PATH_METHODS.values())
# How the first path is passed (os.remove(path=...), shutil.copy(src=...)): the file the
# secret-path rule judges (`Found.target`).
_PATH_KEYWORDS = ("path", "src", "file")
# Keywords the stand-ins take as their own: a call passing one cannot be rewritten.
_RESERVED = frozenset({"pin", "call"})

KIND = "lifecycle"  # a module function (`Found.kind`)
PATH_KIND = "path-lifecycle"  # a Path method


@dataclass(frozen=True, slots=True)
class LifecycleEdit:
    """`f(args)` -> `storage.<method>(args[, pin=...], call=f)`, or for a Path method
    `p.m(args)` -> `storage.<method>(p, args[, pin=...])` (an `analysis.plan.Edit`)."""

    node: cst.Call
    region: tuple[int, int]
    method: str
    pin: bool | None
    on_path: bool
    family: Family = Family.LIFECYCLE

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.Call:
        assert isinstance(node, cst.Call)
        return rewrite_call(node, self, names["storage"])


DESCRIPTION = (
    "Route renames, removals and copies (os.replace/rename/remove/unlink, shutil.move/"
    "rmtree/copy*, Path.replace/rename/unlink) through the storage runtime."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        "import json\nimport os\nimport tempfile\n\ndef save(obj, path):\n"
        "    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))\n"
        "    with os.fdopen(fd, 'w') as f:\n        json.dump(obj, f)\n"
        "    os.replace(tmp, path)\n",
        "import json\nimport os\nimport tempfile\nfrom storage_runtime import storage\n\n"
        "def save(obj, path):\n"
        "    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))\n"
        "    with os.fdopen(fd, 'w') as f:\n        json.dump(obj, f)\n"
        "    storage.replace(tmp, path, pin=True, call=os.replace)\n",
    ),
    Rewritten(
        "import shutil as sh\n\ndef backup(src, dst):\n    return sh.copy2(src, dst)\n",
        "import shutil as sh\nfrom storage_runtime import storage\n\n"
        "def backup(src, dst):\n    return storage.copy2(src, dst, pin=False, call=sh.copy2)\n",
        policy=CACHE,
    ),
    Rewritten(
        "from os import remove as rm\nfrom shutil import rmtree\n\n"
        "def clean(path, folder):\n    rm(path)\n    rmtree(folder, ignore_errors=True)\n",
        "from os import remove as rm\nfrom shutil import rmtree\nfrom storage_runtime import storage\n\n"
        "def clean(path, folder):\n    storage.remove(path, call=rm)\n"
        "    storage.rmtree(folder, ignore_errors=True, call=rmtree)\n",
    ),
    Rewritten(
        "from pathlib import Path\n\ndef publish(root: Path) -> Path:\n"
        "    tmp = root / 'model.bin.tmp'\n    tmp.write_bytes(b'')\n"
        "    (root / 'old.bin').unlink(missing_ok=True)\n"
        "    target = root / 'model.bin'\n    return tmp.replace(target)\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\n"
        "def publish(root: Path) -> Path:\n"
        "    tmp = root / 'model.bin.tmp'\n    storage.write_bytes(tmp, b'', pin=True)\n"
        "    storage.path_unlink(root / 'old.bin', missing_ok=True)\n"
        "    target = root / 'model.bin'\n    return storage.path_replace(tmp, target, pin=True)\n",
    ),
    # A module's `final` may be set to anything from outside (a monkeypatch): not a
    # provable Path, so `replace` is looked up before the argument runs.
    Rewritten(
        "from pathlib import Path\n\nfinal = Path('out') / 'model.bin'\n"
        "final.with_suffix('.tmp').replace(final.with_name('model.bin'))\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\n"
        "final = Path('out') / 'model.bin'\n"
        "storage.path(final.with_suffix('.tmp'), pin=True).replace(final.with_name('model.bin'))\n",
    ),
    # `replace` is looked up on `tmp` (maybe None) before `root / 'model.bin'` is
    # evaluated: so it is in the lookup-first form.
    Rewritten(
        "from pathlib import Path\nfrom typing import Optional\n\n"
        "def publish(tmp: Optional[Path], root: Path) -> None:\n"
        "    tmp.replace(root / 'model.bin')\n",
        "from pathlib import Path\nfrom typing import Optional\nfrom storage_runtime import storage\n\n"
        "def publish(tmp: Optional[Path], root: Path) -> None:\n"
        "    storage.path(tmp, pin=True).replace(root / 'model.bin')\n",
    ),
    Rewritten(
        "import shutil\n\nshutil.copytree(\n    'in',\n    'out',\n    dirs_exist_ok=True,\n)\n",
        "import shutil\nfrom storage_runtime import storage\n\nstorage.copytree(\n"
        "    'in',\n    'out',\n    dirs_exist_ok=True,\n    pin=True,\n    call=shutil.copytree,\n)\n",
    ),
    # A download's completion marker (kagglehub's cache): the file the touch creates is
    # published, so another worker's existence check sees it.
    Rewritten(
        "import os\nfrom pathlib import Path\n\ndef mark_as_complete(marker: str) -> None:\n"
        "    os.makedirs(os.path.dirname(marker), exist_ok=True)\n    Path(marker).touch()\n",
        "import os\nfrom pathlib import Path\nfrom storage_runtime import storage\n\n"
        "def mark_as_complete(marker: str) -> None:\n"
        "    os.makedirs(os.path.dirname(marker), exist_ok=True)\n"
        "    storage.path_touch(Path(marker), pin=True)\n",
    ),
    Unchanged(
        "def refresh(cache, key):\n    cache.touch(key)\n",
        "Should do nothing, since a `touch` on a receiver not known to be a Path is no site"
        " (a cache's `touch(key)`).",
    ),
    Unchanged(
        "import os\n\ndef move_all(pairs):\n    for pair in pairs:\n        os.replace(*pair)\n",
        "Should do nothing, since `*args` may carry anything.",
        site_reason=Reason.DYNAMIC_CALL,
    ),
    Unchanged(
        "import shutil\n\ndef copy(src, dst, **options):\n    shutil.copy(src, dst, **options)\n",
        "Should do nothing, since `**kwargs` may hold a `pin` or `call` the stand-in would take.",
        site_reason=Reason.DYNAMIC_CALL,
    ),
    Unchanged(
        "def tidy(name: str, lock) -> str:\n    lock.unlink()\n    return name.replace('-', '_')\n",
        "Should do nothing, since neither receiver is known to be a Path (`str.replace` is"
        " not a site at all).",
        site_reason=Reason.RECEIVER_UNKNOWN,
    ),
    Unchanged(
        "try:\n    from os import replace\nexcept ImportError:\n    def replace(a, b): pass\n\n"
        "replace('a', 'b')\n",
        "Should do nothing, since `replace` may be the local function.",
        site_reason=Reason.DYNAMIC_CALL,
    ),
    Unchanged(
        "import atexit\nimport shutil\nimport tempfile\n\nd = tempfile.mkdtemp()\n"
        "atexit.register(shutil.rmtree, d)\n",
        "Should do nothing, since `shutil.rmtree` is not called here (the scratch folder is"
        " local).",
        site_reason=Reason.TEMPORARY_DIRECTORY,
    ),
)


# -- recognition and decision ------------------------------------------------------------

#: Classified on their own: the rules (`local`, exclusion, secret paths) apply before
#: `decide`.
DERIVED = False

CANDIDATES = Candidates.by_name(
    FUNCTIONS,
    text=(
        "shutil",
        "unlink",
        "rmtree",
        "pathlib",  # Path.replace/Path.rename
        # os.replace/rename/remove (also `import os as o` and `from os import replace`)
        r"\bos\s*\.\s*(?:replace|rename|remove|link)\b",
        r"\bfrom\s+os\s+import\b",
        r"\bimport\s+os\s+as\b",
    ),
    # The runtime's stand-ins too (`storage.replace`): only on a name an import binds
    # (`str.replace` is everywhere), as os.replace, shutil.copy2, ...
    module_functions=STAND_INS,
    any_receiver_methods=frozenset({"unlink"}),  # Path.unlink: rare enough elsewhere
    path_only_methods=PATH_ONLY_METHODS,  # only where pathlib is imported
)
COMMAND = Command("LifecycleCodemod", DESCRIPTION, rewrites=(Family.LIFECYCLE,), order=4)
SARIF_RULES = (
    SarifRule(
        Family.LIFECYCLE,
        "MS-LIFECYCLE",
        "Rename, removal or copy of a file (os.replace, shutil.copy2, Path.unlink, ...)",
    ),
)


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call`'s callee resolves to one of FUNCTIONS (by qualified name), is a
    stand-in on the runtime's storage (MIGRATED), or is `p.replace(...)`,
    `p.rename(...)`, `p.unlink(...)` (see `recognise_method`)."""
    item = recognise_function(call, position, ctx.names(call))
    if item is not None:
        if item.status is Status.PENDING and not callee_order_kept(call, ctx):
            return item.unmigrated(Reason.DYNAMIC_CALL)
        return _scratch_removal(item, ctx) if item.name in REMOVALS else item
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    attr = func.attr.value
    if attr in STAND_INS and ctx.on_runtime_storage(call):
        name = f"{ctx.rt_storage}.{attr}"
        # `storage.path(p, ...).replace(t)` (the lookup-first form): the file is `p`
        target = held_path(func.value) or argument(call, 0, _PATH_KEYWORDS)
        return Found(call, position, "runtime", Family.LIFECYCLE, name, status=Status.MIGRATED,
                     target=target)
    if attr not in PATH_METHODS:
        return None
    from migrate_storage.codemods.analysis.receivers import (  # it imports names: late
        Kind,
        joined_with_str,
    )
    kind = ctx.receiver_kind(call)
    may_be_path = kind not in (Kind.NOT_PATH, Kind.RUNTIME, Kind.RESOURCE) and (
        # `await apath.unlink()`: no pathlib method returns an awaitable (uses.py)
        kind is Kind.PATH or not ctx.flow.awaited(call)
    )
    item = recognise_method(
        call,
        position,
        kind is Kind.PATH or (may_be_path and (_pathlib_unlink(call) or joined_with_str(func.value))),
        may_be_path,
        lambda: ctx.is_own_method(call),
    )
    return item


def _pathlib_unlink(call: cst.Call) -> bool:
    """`p.unlink(missing_ok=...)`: pathlib's own keyword (a UPath, a Path from another
    module). Rewritten like a known Path's: the runtime calls `p.unlink` itself and
    follows the namespace only where that is pathlib's own on a Path, so any other
    receiver gets exactly its call."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "unlink"
        and any(a.keyword is not None and a.keyword.value == "missing_ok" for a in call.args)
    )


def callee_order_kept(call: cst.Call, ctx: Context) -> bool:
    """Whether `storage.f(args, call=<callee>)` evaluates what `<callee>(args)` did in an
    order no program can tell apart: the callee moves after the arguments, which is
    unseen when every argument is a name or a literal, or the callee is a name, or
    attributes of a name every binding of which is an import (`os.replace`,
    `pkg.mod.os.replace`). `shutil.copy(src(), dst())` after `except ImportError:
    shutil = None` raised AttributeError before `src()` ran."""
    from migrate_storage.codemods.analysis.handles import is_inert

    if all(not arg.star and is_inert(arg.value) for arg in call.args):
        return True
    return callee_lookup_inert(call.func, ctx)


def callee_lookup_inert(func: cst.BaseExpression, ctx: Context) -> bool:
    """Whether looking `func` up earlier or later than the original did cannot be seen:
    a name, or attributes of a name every binding of which is an import (`os.replace`,
    `pkg.mod.os.replace`, `json.dump`); not `shutil.copy` where `shutil` may be None."""
    node = func
    while isinstance(node, cst.Attribute):
        node = node.value
    if not isinstance(node, cst.Name):
        return False
    if node is func:
        return True  # a bound name evaluates without running code (README "inert")
    scope = ctx.scopes.get(node)
    if scope is None:
        return False
    bindings = scope[node.value]
    return bool(bindings) and all(isinstance(b, ImportAssignment) for b in bindings)


def recognise_function(
    call: cst.Call, position: Position, names: Collection[str]
) -> Found | None:
    """A site when `call`'s callee resolves to one of FUNCTIONS (by qualified name)."""
    known, only = resolved(names, FUNCTIONS)
    if known is None:
        return None
    item = Found(call, position, KIND, Family.LIFECYCLE, known,
                 target=argument(call, 0, _PATH_KEYWORDS))
    if not only:
        return item.unmigrated(Reason.DYNAMIC_CALL)
    return _checked(item)


def resolved(
    names: Collection[str], table: Mapping[str, str]
) -> tuple[str | None, bool]:
    """(the first of the qualified names a callee resolves to that `table` lists, None if
    none; whether the callee is that stand-in only). Not only when it may also be bound to
    something else, or to two functions of the table with different stand-ins: which one
    runs is not known."""
    known = sorted(n for n in names if n in table)
    if not known:
        return None, False
    return known[0], len(known) == len(names) and len({table[n] for n in known}) == 1


def recognise_method(
    call: cst.Call, position: Position, is_path: bool, may_be_path: bool,
    is_own_method: Callable[[], bool],
) -> Found | None:
    """A site when `call` is `p.replace(...)`, `p.rename(...)`, `p.unlink(...)` or
    `p.touch(...)` on a receiver known to be a Path (`is_path`); `.unlink()` on a receiver that may be one
    (`may_be_path`: not provably something else) is a site left alone."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in PATH_METHODS:
        return None
    attr = func.attr.value
    if not is_path and (attr in PATH_ONLY_METHODS or not may_be_path):
        return None
    if is_own_method():
        return None
    if is_path:
        return _checked(Found(call, position, PATH_KIND, Family.LIFECYCLE,
                              f"pathlib.Path.{attr}", target=func.value))
    spelled = dotted(func.value)
    name = f"{spelled}.{attr}" if spelled else f"?.{attr}"
    return Found(call, position, PATH_KIND, Family.LIFECYCLE, name, target=func.value).unmigrated(
        Reason.RECEIVER_UNKNOWN
    )


def _scratch_removal(item: Found, ctx: Context) -> Found:
    """`os.unlink(tmp.name)`, `shutil.rmtree(d)` of a temporary file or folder proven
    scratch (families/scratch.py): LOCAL with its reason, as the temporary itself, not a
    removal to migrate (the namespace never had it)."""
    from migrate_storage.codemods.families import scratch  # it imports this module

    first = item.call.args[0] if item.call.args else None
    if first is None or first.star or first.keyword is not None:
        return item
    reason = scratch.removed_scratch(first.value, ctx.flow)
    return item if reason is None else scratch.as_scratch(item, reason)


def _checked(item: Found) -> Found:
    """DYNAMIC_CALL when the arguments cannot be passed on as written."""
    for arg in item.call.args:
        if arg.star or (arg.keyword is not None and arg.keyword.value in _RESERVED):
            return item.unmigrated(Reason.DYNAMIC_CALL)
    return item


def decide(items: list[Found], ctx: Context) -> None:
    """Plan each PENDING site: its stand-in, and `pin=` (the rule's) on one that creates
    a file."""
    pin = ctx.pin_for(Family.LIFECYCLE)
    for item in items:
        if item.status is not Status.PENDING or item.kind not in (KIND, PATH_KIND):
            continue
        func = item.call.func
        region = (item.position.line, item.position.end_line)
        if item.kind == PATH_KIND:
            assert isinstance(func, cst.Attribute)
            method = PATH_METHODS[func.attr.value]
            if not lookup_order_kept(item.call, ctx):
                # `tmp.replace(final())`: `replace` is looked up on `tmp` before `final()`
                # runs; so it is in `storage.path(tmp, pin=...).replace(final())`
                item.edit = LookupFirstEdit(
                    item.call, region, pin if method in CREATING else None,
                    Family.LIFECYCLE,
                )
                item.needs = ("storage",)
                continue
        else:
            method = FUNCTIONS[item.name]
        item.edit = LifecycleEdit(
            item.call, region, method, pin if method in CREATING else None,
            item.kind == PATH_KIND,
        )
        item.needs = ("storage",)


def callee_names(
    call: cst.Call, names_of: Callable[[cst.BaseExpression], frozenset[str]]
) -> frozenset[str]:
    """What `call` calls, as other analyses need it: its callee's qualified names, plus,
    for a migrated `storage.replace(..., call=os.replace)`, the names of its `call=`
    (so `os.replace` is recognised before and after `apply` alike: families/scratch.py)."""
    names = names_of(call.func)
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in FUNCTIONS.values():
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "call":
                return names | names_of(arg.value)
    return names


def path_receiver_of(call: cst.Call) -> cst.BaseExpression | None:
    """The receiver of a migrated `storage.path_replace(p, ...)` (and path_rename,
    path_unlink): `p`, the first argument; else None."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in PATH_METHODS.values()):
        return None
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return None
    return call.args[0].value


# -- rewrite -------------------------------------------------------------------------------


def rewrite_call(call: cst.Call, edit: LifecycleEdit, storage_name: str) -> cst.Call:
    """`f(args)` -> `storage.<method>(args[, pin=...], call=f)`; a Path method's receiver
    becomes the first argument (pathlib_io's layout rules)."""
    if edit.on_path:
        from migrate_storage.codemods.families.pathlib_io import (
            PathEdit,
            rewrite_path_call,
        )

        path_edit = PathEdit(edit.node, edit.region, edit.method, edit.pin)
        return rewrite_path_call(call, path_edit, storage_name)
    new = call.with_changes(
        func=cst.Attribute(value=cst.Name(storage_name), attr=cst.Name(edit.method))
    )
    if edit.pin is not None:
        new = append_arg(new, keyword("pin", bool_name(edit.pin)))
    return append_arg(new, keyword("call", call.func))


# `lifecycle.LifecycleCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
