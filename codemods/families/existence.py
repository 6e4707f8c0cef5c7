"""The existence family: checks whether a file is there, answered with the shared namespace.

`if os.path.exists(p): load(p)` asked the local disk only, so on a worker that never had
the file it took the "missing" branch although an open there would have restored the
file another worker published. The runtime's stand-ins (`storage_runtime/_exists.py`)
make the check exactly as written, and only when it answers False for a path under the
root that this machine never knew, restore it as a read-only open would and check again.
These sites are not file I/O: the report shows them (family `existence`) but they are
not in the cover percentage, like LOCAL sites (report/model.py `Tally.checks`).

**Rewrites** (recognised by qualified name through scope metadata, whatever the spelling:
`import os.path as osp`, `from os import path`, `from os.path import exists as e`)
- `os.path.exists(p)` -> `storage.exists(p, call=os.path.exists)`; the same for
  `os.path.isfile` (`storage.isfile`) and `os.path.lexists` (`storage.lexists`). `call=`
  is the callee as spelled, evaluated where the original evaluated it, so a patch of
  the module the source named (`mock.patch("pkg.mod.os")`) or of the function
  (`mock.patch("os.path.exists")`) reaches the call as before, and the stand-in answers
  exactly what the patch answers. `path=p` is passed as written.
- `p.exists()` and `p.is_file()` where `p` is KNOWN to be a Path (analysis/receivers.py,
  as for `.open()`) -> `storage.path_exists(p)`, `storage.path_is_file(p)` (the method is
  looked up on the receiver, as before); a literal `follow_symlinks=` (3.12+) is kept.

**Leaves alone (why)**
- `*args`/`**kwargs`, more or other arguments than the one path (`os.path.exists(p,
  x)`, a keyword the function does not take: the original's TypeError stays the
  original's), a `call=` keyword: DYNAMIC_CALL.
- A callee whose name may be bound to something else too (conditional imports, a local
  `def exists` on one path): DYNAMIC_CALL; a name the module does not bind to these
  functions (a parameter `exists`, `exists(...)` after `from os.path import *`): not a
  site.
- `os.path.exists(make())` where `os` may also be something else: the callee would be
  looked up after the argument runs (lifecycle `callee_order_kept`): DYNAMIC_CALL.
- `.exists()`/`.is_file()` on a receiver not known to be a Path (`self.store.exists(k)`,
  `Path`-typed names from a module that does not import pathlib), and with an argument
  that is not a literal: not sites / DYNAMIC_CALL. Counting nothing there costs nothing
  (these sites are not in the percentage); rewriting them would be exact too, but an
  unknown `.exists()` is usually a key-value store's, not a file's.
- The functions used as values (`filter(os.path.exists, paths)`): not sites (a stand-in
  in place of the value is another object); families/function_values.py does not count
  them either.
- `os.path.isdir`, `os.listdir`, `os.scandir`, `glob`, `os.stat`, `Path.is_dir`,
  `Path.iterdir`: not sites. The namespace restores regular files by path and has no
  folder listing to answer them with (README "consistency model").
- Files or families whose rule is `local`, excluded files, secret-looking literal paths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis.found import Found, Position, argument
from migrate_storage.codemods.analysis.handles import is_inert
from migrate_storage.codemods.families import lazy_command
from migrate_storage.codemods.families.examples import Rewritten, Unchanged
from migrate_storage.codemods.families.lifecycle import (
    LifecycleEdit,
    callee_order_kept,
    resolved,
)
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

# Functions by qualified name -> the runtime stand-in (`storage.<name>`).
FUNCTIONS: dict[str, str] = {
    "os.path.exists": "exists",
    "os.path.isfile": "isfile",
    "os.path.lexists": "lexists",
}
# Path methods (receiver known to be a Path) -> the runtime stand-in.
PATH_METHODS: dict[str, str] = {"exists": "path_exists", "is_file": "path_is_file"}
# Every stand-in: a call of one on the runtime's `storage` is migrated.
STAND_INS = frozenset(FUNCTIONS.values()) | frozenset(PATH_METHODS.values())
# The one keyword each takes: `os.path.exists(path=p)`, `p.exists(follow_symlinks=False)`.
_FUNCTION_KEYWORD = "path"
_METHOD_KEYWORD = "follow_symlinks"

KIND = "existence"  # a module function (`Found.kind`)
PATH_KIND = "path-existence"  # a Path method

DESCRIPTION = (
    "Route existence checks (os.path.exists/isfile/lexists, Path.exists/is_file) through "
    "the storage runtime, so they see files other workers published."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        "import os\n\ndef load(path):\n    if os.path.exists(path):\n"
        "        with open(path) as f:\n            return f.read()\n",
        "import os\nfrom storage_runtime import open, storage\n\ndef load(path):\n"
        "    if storage.exists(path, call=os.path.exists):\n"
        "        with open(path) as f:\n            return f.read()\n",
    ),
    Rewritten(
        "from os.path import isfile as is_there\n\nready = is_there(path='state.json')\n",
        "from os.path import isfile as is_there\nfrom storage_runtime import storage\n\n"
        "ready = storage.isfile(path='state.json', call=is_there)\n",
    ),
    Rewritten(
        "from pathlib import Path\n\ndef migrate(dst: Path) -> bool:\n"
        "    if dst.exists():\n        return False\n    return dst.with_suffix('.bak').is_file()\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\n"
        "def migrate(dst: Path) -> bool:\n"
        "    if storage.path_exists(dst):\n        return False\n"
        "    return storage.path_is_file(dst.with_suffix('.bak'))\n",
    ),
    Unchanged(
        "import os\n\ndef any_there(paths):\n    return any(map(os.path.exists, paths))\n",
        "Should do nothing, since `os.path.exists` is used as a value, not called.",
    ),
    Unchanged(
        "import os\n\ndef there(*parts):\n    return os.path.exists(*parts)\n",
        "Should do nothing, since `*args` may carry anything.",
        site_reason=Reason.DYNAMIC_CALL,
    ),
    Unchanged(
        "import os\n\nos.path.exists('a', follow_symlinks=False)\n",
        "Should do nothing, since os.path.exists takes no such keyword (its TypeError stays).",
        site_reason=Reason.DYNAMIC_CALL,
    ),
    Unchanged(
        "def cached(store, key):\n    return store.exists(key)\n",
        "Should do nothing, since `store` is not known to be a Path.",
    ),
    Unchanged(
        "from os.path import *\n\nexists('a')\n",
        "Should do nothing, since `exists` may come from anywhere after a star import.",
    ),
    Unchanged(
        "import os\n\nos.path.isdir('a') or os.listdir('.')\n",
        "Should do nothing, since folder questions are not answered by the namespace.",
    ),
)


# -- recognition and decision ------------------------------------------------------------

#: Classified on their own: the rules (`local`, exclusion, secret paths) apply before
#: `decide`.
DERIVED = False

CANDIDATES = Candidates.by_name(
    FUNCTIONS,
    text=(r"\b(?:exists|isfile|lexists|is_file)\b",),
    # The runtime's stand-ins too (`storage.exists`): only on a name an import binds.
    module_functions=STAND_INS,
    path_only_methods=frozenset(PATH_METHODS),  # only where pathlib is imported
)
COMMAND = Command("ExistenceCodemod", DESCRIPTION, rewrites=(Family.EXISTENCE,), order=6)
SARIF_RULES = (
    SarifRule(
        Family.EXISTENCE,
        "MS-EXISTENCE",
        "Existence check of a file (os.path.exists, Path.exists, ...): not counted in cover",
    ),
)


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call`'s callee resolves to one of FUNCTIONS (by qualified name), is a
    stand-in on the runtime's storage (MIGRATED), or is `p.exists()`/`p.is_file()` on a
    receiver known to be a Path."""
    known, only = resolved(ctx.names(call), FUNCTIONS)
    if known is not None:
        item = Found(call, position, KIND, Family.EXISTENCE, known,
                     target=argument(call, 0, (_FUNCTION_KEYWORD,)))
        if not only or not _one_path(call) or not callee_order_kept(call, ctx):
            return item.unmigrated(Reason.DYNAMIC_CALL)
        return item
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    attr = func.attr.value
    if attr in STAND_INS and ctx.on_runtime_storage(call):
        return Found(call, position, "runtime", Family.EXISTENCE, f"{ctx.rt_storage}.{attr}",
                     status=Status.MIGRATED, target=argument(call, 0, (_FUNCTION_KEYWORD,)))
    if attr not in PATH_METHODS:
        return None
    from migrate_storage.codemods.analysis.receivers import (
        Kind,  # it imports names: late
    )

    if ctx.receiver_kind(call) is not Kind.PATH or ctx.is_own_method(call):
        return None
    item = Found(call, position, PATH_KIND, Family.EXISTENCE, f"pathlib.Path.{attr}",
                 target=func.value)
    if not all(
        not arg.star and arg.keyword is not None and arg.keyword.value == _METHOD_KEYWORD
        and is_inert(arg.value)
        for arg in call.args
    ):
        # an argument that runs code would run after the method lookup, not before, and a
        # positional or unknown one is pathlib's TypeError, which stays as written
        return item.unmigrated(Reason.DYNAMIC_CALL)
    return item


def _one_path(call: cst.Call) -> bool:
    """The call passes exactly its one parameter: `f(p)` or `f(path=p)`, no star."""
    if len(call.args) != 1:
        return False
    arg = call.args[0]
    return not arg.star and (arg.keyword is None or arg.keyword.value == _FUNCTION_KEYWORD)


def decide(items: list[Found], ctx: Context) -> None:
    """Plan each PENDING site: its stand-in (no `pin`: nothing is written)."""
    for item in items:
        if item.status is not Status.PENDING or item.kind not in (KIND, PATH_KIND):
            continue
        region = (item.position.line, item.position.end_line)
        if item.kind == PATH_KIND:
            method = PATH_METHODS[item.call.func.attr.value]  # type: ignore[attr-defined]
        else:
            method = FUNCTIONS[item.name]
        item.edit = LifecycleEdit(item.call, region, method, None, item.kind == PATH_KIND,
                                  family=Family.EXISTENCE)
        item.needs = ("storage",)


# `existence.ExistenceCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
