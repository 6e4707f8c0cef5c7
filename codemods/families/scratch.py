"""The scratch family: temporary files and directories, directory handles, lock files.

These calls open or create something on the local disk that never holds the program's
data beyond the run (or holds none at all), so publishing it would be wrong: a temp
file's name must never reach shared storage, and a lock file is a per-machine mutex. A
site is classified here only where that is provable from the module; it is then LOCAL
(kept on the machine on purpose, not counted in cover %) with one of these reasons:

- "temporary file": `tempfile.TemporaryFile(...)`, `tempfile.SpooledTemporaryFile(...)`,
  `tempfile.NamedTemporaryFile(...)` that is deleted on close (no `delete=`, or a literal
  `delete=True`); a `NamedTemporaryFile(delete=False)`, `mkstemp()` or `mktemp()` whose
  name (`tmp.name`, the path element of `fd, tmp = mkstemp()`, also through one alias
  `tmp_path = tmp.name`) is passed to `os.replace`/`os.rename`/`shutil.move` (its data goes
  to the destination: that call is the commit point) or to `os.remove`/`os.unlink`, or
  wrapped in `Path(...)` whose `replace`/`rename`/`unlink` is called (also through the
  conversions `str(...)`, `os.fspath(...)`, `Path(...)`: `shutil.move(str(tmp_path),
  dst)`), or registered for removal (`atexit.register(os.remove, tmp)`,
  `exit_stack.callback(os.unlink, f.name)`, `self.addCleanup(...)`, also through
  `functools.partial(os.unlink, f.name)` handed to one); and
  `os.fdopen(fd)` on the descriptor of such a `mkstemp`; `os.open(tmp, flags with
  O_CREAT | O_EXCL)` (the flags also through a name bound once) whose `tmp`, a name bound
  once, is the source of `os.replace`/`os.rename` in the same function, or is handed to
  a class of the module whose `__init__` stores it as `self.<x>` (the only store to `<x>`
  in the class) and one of whose methods moves `self.<x>` (click's `_AtomicFile`), and is
  linked nowhere: the temporary name of an atomic write, which this process created
  itself; the move is the commit point, counted at its own call; and the removal of such a
  temporary file (`os.unlink(tmp.name)`), when its name goes nowhere else (a name also
  given to `open(...)` may have been published: its removal stays a migrated one; one
  only read back, `open(name)`/`open(name, "rb")` with a literal read-only mode, after a
  child process wrote it, was not: that read is LOCAL "temporary file" too, before and
  after apply, and the removal stays scratch).
  A `mkstemp()` whose descriptor is only closed (`os.close(fd)`, every read of the
  name, also where another branch binds it) reserves a name and writes nothing:
  "temporary file" too (what is written later by that name is its own site); so does a
  `NamedTemporaryFile(delete=False)` whose handle serves only for its `.name` and to be
  closed (`NamedTemporaryFile(delete=False).name`; `tmp = ...` then `tmp.close()` and
  `shutil.copyfile(src, tmp.name)`; `with ... as t: temp = t.name`). A
  `NamedTemporaryFile(delete=False)` whose `.name` is removed (`os.unlink`/`os.remove`)
  in a `finally:` of the same function never outlives the call: "temporary file",
  whatever reads the name meanwhile (a command run on it); with the name bound again
  elsewhere in the function, the removal must read this binding's value (dominance).
- "descriptor opened elsewhere": `os.fdopen(fd)` where `fd` is a parameter, an
  attribute (`args.pipe`), or from `os.pipe()`/`os.dup()`/`os.openpty()`: no open of
  this module made it (a pipe is no file; a caller's descriptor is counted where it was
  opened), and json/pickle on that handle follow it.
- "temporary directory": `tempfile.TemporaryDirectory(...)` (no `delete=`, or a literal
  `delete=True`); `d = mkdtemp()` (`d` otherwise bound only to None) where
  `shutil.rmtree(d)` runs in a `finally:` block or is registered as a callback (`atexit.register(shutil.rmtree, d)`,
  `self.addCleanup(shutil.rmtree, d)`); any `mkdtemp(...)` without a folder (`dir=`
  absent or None), kept or not: an empty, uniquely named folder of the machine's
  temporary directory holds no data and no other worker can name it (the files written
  into it are counted at their own calls).
- "directory handle": `fd = os.open(d, os.O_RDONLY)` (flags: only `O_RDONLY`,
  `O_DIRECTORY`, `O_CLOEXEC`, `O_NOFOLLOW`, also as `getattr(os, "O_DIRECTORY", 0)` or a
  literal `0`) whose descriptor is only passed to `os.fsync` (at least once) and
  `os.close`, or to a function of the module that only syncs it (`_proper_fsync =
  os.fsync`, or a `def` whose parameter only goes to `os.fsync`/`fcntl.fcntl`/`os.close`):
  the directory fsync that follows an atomic replace. Also any `os.open(d, flags)`
  whose flags surely hold `O_DIRECTORY` and surely not `O_CREAT`/`O_TMPFILE`, whatever
  its descriptor is used for (a `dir_fd=` walk, `os.listdir(fd)`): it opens a directory
  or fails, and no file content can go through it.
- "lock file": `p.open(...)` (a Path method, or any `.open`) whose handle is only locked
  with `fcntl` and closed; `os.open(p, ...)` whose descriptor is only passed to `os.close`,
  `fcntl.flock`, `fcntl.lockf` or `fcntl.fcntl`, when it is created exclusively
  (`O_CREAT | O_EXCL`) or locked with `fcntl`; and `os.open(p, O_CREAT | O_EXCL ...)`
  whose `p` is removed (`os.remove(p)`/`os.unlink(p)`) in a `finally:` of the same
  function, whatever is written to it (a pid never outlives the run).

**Rewrites**
- Nothing: these sites are classified, never rewritten.

**Leaves alone (why)**
- Everything above, LOCAL with its reason (see the list).
- A `with tempfile.NamedTemporaryFile(..., delete=False) as f:` that is kept (its name
  is returned, stored or handed on) is not this module's when families/publish_after.py
  can publish `f.name` after the `with` (it is listed before this module and asks
  `classify` first): a third-party writer, published after the block.
- What cannot be proven stays UNMIGRATED, "unsupported family": any other
  `NamedTemporaryFile(delete=False)` that is kept (a `with`, or a name bound by `=` and
  closed on a line of its own, that publish_after cannot publish after: a block left
  early, `f` rebound; a handle never closed, or returned), a
  `delete=` that is not a literal, `**kwargs`, a descriptor that is also read or
  written (`os.write(fd, pid)`: a "lock" file that holds data, unless removed in a
  `finally:`), a descriptor that
  escapes (returned, stored, passed elsewhere), a name bound more than once, a
  `mkdtemp(dir=out)` removed only on some path (a folder made in the output, often
  renamed into place, is not scratch).
- fcntl locks taken on a builtin `open(...)` handle are not classified here: the module's
  `open` is rebound as a whole by the open family, so the call's status follows it (a
  lock file opened through the runtime publishes nothing it did not create or change).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import (
    Found,
    Position,
    argument,
    literal_string,
    may_write,
    open_mode,
)
from migrate_storage.codemods.analysis.path_api import PATH_TYPES
from migrate_storage.codemods.analysis.uses import ArgUse, Flow
from migrate_storage.codemods.families import lifecycle, third_party
from migrate_storage.codemods.families.examples import PIN_LIFECYCLE_LOCAL, Unchanged
from migrate_storage.codemods.families.protocol import Candidates, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

DESCRIPTION = (
    "Classify provable temporary files, directory handles and lock files as local."
)

EXAMPLES: tuple[Unchanged, ...] = (
    Unchanged(
        "import tempfile\n\nwith tempfile.TemporaryDirectory() as d:\n    run(d)\n",
        "Should do nothing, since a temporary directory is removed when the block ends.",
        site_reason=Reason.TEMPORARY_DIRECTORY,
    ),
    Unchanged(
        "import json, os, tempfile\n\n"
        "def save(obj, path):\n"
        "    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))\n"
        "    with os.fdopen(fd, 'w') as h:\n"
        "        h.write(json.dumps(obj))\n"
        "    os.replace(tmp, path)\n",
        "Should do nothing, since the temp file is replaced into place (the replace is the"
        " commit; a rule keeps it local here, see families/lifecycle.py for its rewrite).",
        site_reason=Reason.TEMPORARY_FILE,
        policy=PIN_LIFECYCLE_LOCAL,
    ),
    Unchanged(
        "import os\n\n"
        "def sync_dir(d):\n"
        "    fd = os.open(d, os.O_RDONLY)\n"
        "    try:\n"
        "        os.fsync(fd)\n"
        "    finally:\n"
        "        os.close(fd)\n",
        "Should do nothing, since a directory opened only to fsync it holds no data.",
        site_reason=Reason.DIRECTORY_HANDLE,
    ),
    Unchanged(
        "import os\n\nos.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))\n",
        "Should do nothing, since an exclusively created, empty file is a lock.",
        site_reason=Reason.LOCK_FILE,
    ),
    Unchanged(
        "import contextlib, functools, os, subprocess, tempfile\n\n"
        "def install(text):\n"
        "    with contextlib.ExitStack() as stack:\n"
        "        with tempfile.NamedTemporaryFile('w', delete=False) as f:\n"
        "            f.write(text)\n"
        "        stack.callback(functools.partial(os.unlink, f.name))\n"
        "        subprocess.run(['pip', 'install', '-r', f.name], check=True)\n",
        "Should do nothing, since a temporary file registered for removal when the stack"
        " closes never outlives the run (nor does its removal publish anything).",
        site_reason=Reason.TEMPORARY_FILE,
    ),
    Unchanged(
        "import tempfile\n\n"
        "def keep(data):\n"
        "    tmp = tempfile.NamedTemporaryFile(delete=False)\n"
        "    tmp.write(data)\n"
        "    return tmp.name\n",
        "Should do nothing, since a kept NamedTemporaryFile is not provably scratch"
        " (counted; as the item of a `with`, families/publish_after.py publishes it).",
        site_reason=Reason.UNSUPPORTED_FAMILY,
    ),
)

_TEMPORARY_ALWAYS = frozenset(
    {"tempfile.TemporaryFile", "tempfile.SpooledTemporaryFile"}
)
# Calls that take a temp file's name and either commit its content elsewhere or delete it.
_CONSUMERS = frozenset(
    {"os.replace", "os.rename", "shutil.move", "os.remove", "os.unlink"}
)
_PATH_TYPES = PATH_TYPES
_PATH_CONSUMER_METHODS = frozenset({"replace", "rename", "unlink"})
# A name passed through one of these is still the same file's name.
_CONVERSIONS = frozenset({"builtins.str", "os.fspath"})
_READ_ONLY_FLAGS = frozenset({"O_RDONLY", "O_DIRECTORY", "O_CLOEXEC", "O_NOFOLLOW"})
_LOCK_CALLS = frozenset({"fcntl.flock", "fcntl.lockf", "fcntl.fcntl"})
_FD_RELEASE = frozenset({"os.close"})
_SYNCS = frozenset({"os.fsync"})
_REMOVALS = frozenset({"os.remove", "os.unlink"})
_RMTREE = frozenset({"shutil.rmtree"})
# Callback registries (`fn, *args`) that run what they hold when a scope or the program
# ends: `contextlib.ExitStack.callback`, `unittest.TestCase.addCleanup`, and
# `weakref.finalize(obj, fn, *args)` (which also runs at exit, as TemporaryDirectory does).
_REGISTRIES = frozenset({"atexit.register", "weakref.finalize"})
_REGISTRY_METHODS = frozenset({"callback", "addCleanup", "addClassCleanup"})
# NamedTemporaryFile(mode, buffering, encoding, newline, suffix, prefix, dir, delete, ...)
_NAMED_DELETE_INDEX = 7
_DIRECTORY_DELETE_INDEX = (
    3  # TemporaryDirectory(suffix, prefix, dir, ignore_cleanup_errors, *, delete)
)


# -- the family protocol (families/protocol.py) ---------------------------------------------

#: Classified on their own: the rules apply before `decide` (which has nothing to decide).
DERIVED = False

#: File I/O the codemods find and report by name but do not rewrite: LOCAL when provably
#: scratch, else UNMIGRATED "unsupported family".
UNSUPPORTED = frozenset(
    {
        "os.open",
        "os.fdopen",
        "tempfile.TemporaryFile",
        "tempfile.NamedTemporaryFile",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
        "tempfile.mkstemp",
        "tempfile.mkdtemp",
        "tempfile.mktemp",
    }
)
# `os.fsync(fd)`/`fcntl.fcntl(fd, ...)` are no sites, but a helper that holds one must stay
# in the tree (not pruned) for `_syncs_only` to read it.
CANDIDATES = Candidates.by_name(
    UNSUPPORTED | {"os.fsync", "fcntl.fcntl"}, text=("open", "tempfile")
)
COMMAND = None  # classifies only
SARIF_RULES = (
    SarifRule(Family.UNSUPPORTED, "MS-UNSUPPORTED", "File I/O the codemods do not rewrite"),
    SarifRule(
        Family.SCRATCH, "MS-SCRATCH", "Temporary file, directory handle or lock file (local)"
    ),
)


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call` resolves to a function of UNSUPPORTED (tempfile, os.open,
    os.fdopen, ...): LOCAL with its scratch reason when provable (`classify`), else
    UNMIGRATED "unsupported family"."""
    unsupported = sorted(n for n in ctx.names(call) if n in UNSUPPORTED)
    if not unsupported:
        return None
    item = Found(call, position, "unsupported", Family.UNSUPPORTED, unsupported[0])
    if item.name == "os.open":
        # The file it names, for the policy: `os.open(os.devnull, ...)` or
        # `os.open("/dev/tty", ...)` is a system file, as `open(...)` of one is.
        item.target = argument(call, 0, ("path",))
    classified = classify(item, ctx.flow)
    if classified is not None:
        return classified
    if item.name == "os.open" and reads_by_path(call, ctx.flow):
        return None  # a read: families/restore_before.py restores the file first
    if item.name == "os.fdopen" and _fd_of_a_read(call, ctx.flow):
        return None  # its file is the read `os.open`'s site
    return item.unmigrated(Reason.UNSUPPORTED_FAMILY)


def decide(items: list[Found], ctx: Context) -> None:
    """Nothing to decide: these sites are classified, never rewritten."""


def classify(item: Found, flow: Flow) -> Found | None:
    """`item` (an unsupported-family site) made LOCAL with its scratch reason, when
    provable; None otherwise (it stays "unsupported family")."""
    reason = _reason(item.name, item.call, flow)
    return None if reason is None else as_scratch(item, reason)


def as_scratch(item: Found, reason: Reason) -> Found:
    """`item` made a scratch site: LOCAL with `reason`, never rewritten (also for the
    removal of a temp file and a locked handle, which other families recognise)."""
    item.family, item.kind = Family.SCRATCH, "scratch"
    item.status, item.reason, item.edit = Status.LOCAL, reason, None
    return item


def kept_on_close(call: cst.Call) -> bool:
    """`tempfile.NamedTemporaryFile(..., delete=False)` with a literal False (no
    `*args`/`**kwargs`): the file outlives its handle."""
    return _deleted_on_close(call, _NAMED_DELETE_INDEX, default_true=True) is False


def _reason(name: str, call: cst.Call, flow: Flow) -> Reason | None:
    if name in _TEMPORARY_ALWAYS:
        return Reason.TEMPORARY_FILE
    if name == "tempfile.NamedTemporaryFile":
        deleted = _deleted_on_close(call, _NAMED_DELETE_INDEX, default_true=True)
        if deleted:
            return Reason.TEMPORARY_FILE
        if deleted is False and (
            _name_consumed(flow.bound_target(call), flow, via_attribute=True)
            or _name_removed_in_finally(call, flow)
            or _handle_only_named(call, flow)
        ):
            return Reason.TEMPORARY_FILE
        return None
    if name == "tempfile.TemporaryDirectory":
        return (
            Reason.TEMPORARY_DIRECTORY if _deleted_on_close(call, None, True) else None
        )
    if name in ("tempfile.mkstemp", "tempfile.mktemp"):
        if _temp_name_consumed(name, call, flow) or _descriptor_only_closed(name, call, flow):
            return Reason.TEMPORARY_FILE
        return None
    if name == "tempfile.mkdtemp":
        if _removed_directory(call, flow) or _in_system_temp(call):
            return Reason.TEMPORARY_DIRECTORY
        return None
    if name == "os.fdopen":
        if _fd_of_temp_file(call, flow):
            return Reason.TEMPORARY_FILE
        return Reason.FOREIGN_DESCRIPTOR if _fd_from_elsewhere(call, flow) else None
    if name == "os.open":
        return _descriptor_reason(call, flow)
    return None


# -- removals of what is proven scratch ------------------------------------------------------


def removed_scratch(path: cst.BaseExpression, flow: Flow) -> Reason | None:
    """TEMPORARY_FILE when `path` names a temporary file this module proves scratch (see
    `_reason`) and whose name goes nowhere but to the calls that commit or remove it:
    `tmp.name` of such a NamedTemporaryFile (also through one alias `p = tmp.name`), or
    the path of such a `mkstemp()`/`mktemp()`. Removing it (`os.unlink(tmp.name)` in a
    `finally:`) is part of the idiom: LOCAL like the temporary itself, not a migrated
    removal, since nothing but the runtime-blind temp handle ever wrote it (a name also
    given to `open(...)` may have been published through the runtime: its removal stays
    a migrated one, which drops that entry). Folders are not followed: files written
    into a temporary folder may have been published. None otherwise."""
    if isinstance(path, cst.Attribute) and path.attr.value == "name":
        holder = path.value
        value = flow.value_of(holder) if isinstance(holder, cst.Name) else None
        if not (
            isinstance(value, cst.Call)
            and "tempfile.NamedTemporaryFile" in flow.names(value.func)
            and _name_only_consumed(flow.bound_target(value), flow, via_attribute=True)
        ):
            return None
        return _reason("tempfile.NamedTemporaryFile", value, flow)
    if not isinstance(path, cst.Name):
        return None
    value = flow.value_of(path)
    if isinstance(value, cst.Attribute):  # `p = tmp.name`
        return removed_scratch(value, flow)
    source: cst.BaseExpression | None = None
    name = "tempfile.mktemp"
    if isinstance(value, cst.Call) and name in flow.names(value.func):
        source = value
    else:
        pair = flow.tuple_source(path)  # `fd, tmp = mkstemp()`
        name = "tempfile.mkstemp"
        if pair is not None and pair[1] == 1 and isinstance(pair[0], cst.Call):
            source = pair[0] if name in flow.names(pair[0].func) else None
    if not isinstance(source, cst.Call):
        return None
    target = flow.bound_target(source)
    if isinstance(target, cst.Tuple) and len(target.elements) == 2:
        target = target.elements[1].value
    if not _name_only_consumed(target, flow, via_attribute=False):
        return None
    return _reason(name, source, flow)


def temporary_directory_name(path: cst.BaseExpression, flow: Flow) -> bool:
    """`path` is a name bound once to a `tempfile.mkdtemp()` this module proves scratch
    (removed in a `finally:` or registered as a callback: `_removed_directory`), so a
    removal function handed that name (`atexit.register(shutil.rmtree, d)`) removes
    scratch."""
    if not isinstance(path, cst.Name):
        return False
    value = flow.value_of(path)
    return (
        isinstance(value, cst.Call)
        and "tempfile.mkdtemp" in flow.names(value.func)
        and _removed_directory(value, flow)
    )


def _name_only_consumed(
    target: cst.BaseExpression | None, flow: Flow, *, via_attribute: bool
) -> bool:
    """Every read of the file's name (`_name_reads`) is the first argument of a _CONSUMERS
    call or given to a subprocess; the object itself is never passed on."""
    reads = _name_reads(target, flow, via_attribute=via_attribute)
    return reads is not None and all(
        node is not None
        and (
            _consumed_here(node, flow)
            or _given_to_a_process(node, flow)
            or read_only_open(node, flow)
            or _existence_checked(node, flow)
        )
        for node in reads
    )


def _existence_checked(node: cst.CSTNode, flow: Flow) -> bool:
    """`node` is the path of an existence check, `os.path.exists(tmp.name)` (`isfile`,
    `lexists`), or of its migrated form `storage.exists(tmp.name, call=os.path.exists)`:
    the cleanup's `if os.path.exists(tmp.name): os.remove(tmp.name)`. It asks about the
    name and gives it nowhere."""
    from migrate_storage.codemods.families import (
        existence,  # it imports lifecycle: late
    )

    use = flow.as_argument(node)
    if use is None or use.index != 0:
        return False
    checks = existence.FUNCTIONS.keys()
    if _names.all_in(flow.names(use.call.func), checks):
        return True
    func = use.call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in existence.FUNCTIONS.values()):
        return False
    return any(
        arg.keyword is not None
        and arg.keyword.value == "call"
        and _names.all_in(flow.names(arg.value), checks)
        for arg in use.call.args
    )


def read_only_open(node: cst.CSTNode, flow: Flow) -> bool:
    """`open(node)` / `open(node, "rb")`: the builtin `open` (or the runtime's stand-in
    for it) of `node` with a literal mode that only reads. Reading a temporary file back
    (after a child process wrote it) publishes nothing."""
    use = flow.as_argument(node)
    if use is None or not (use.index == 0 or use.keyword == "file"):
        return False
    names = flow.names(use.call.func)
    if not names or not names <= flow.opens:
        return False
    return not may_write(open_mode(use.call, 1))


def temporary_read(item: Found, flow: Flow) -> bool:
    """`item`, an open site, reads back a temporary file this module proves scratch (see
    `removed_scratch`: every read of its name commits, removes, hands it to a child
    process or reads it; nothing publishes it): LOCAL "temporary file" too."""
    target = item.target
    return (
        target is not None
        and any(arg.value is target for arg in item.call.args[:1])
        and read_only_open(target, flow)
        and removed_scratch(target, flow) is Reason.TEMPORARY_FILE
    )


#: Another process reads or writes what it is given: never through this one's runtime.
_PROCESSES = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
     "subprocess.Popen", "os.system"}
)


def _given_to_a_process(node: cst.CSTNode, flow: Flow) -> bool:
    """`node` is an argument of a subprocess call, directly or as an element of its argv
    list/tuple (`subprocess.run(["git", "commit", "-F", f.name])`)."""
    current = flow.parent(node)
    while isinstance(current, (cst.Element, cst.List, cst.Tuple)):
        node, current = current, flow.parent(current)
    arg = flow.as_argument(node)
    return arg is not None and bool(flow.names(arg.call.func) & _PROCESSES)


# -- temporary files ------------------------------------------------------------------------


def _deleted_on_close(
    call: cst.Call, delete_index: int | None, default_true: bool
) -> bool | None:
    """True: deleted on close; False: a literal `delete=False`; None: unknown."""
    positional = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if delete_index is not None and positional == delete_index:
                return _literal_bool(arg.value)
            positional += 1
        elif arg.keyword.value == "delete":
            return _literal_bool(arg.value)
    return default_true


def _literal_bool(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _temp_name_consumed(name: str, call: cst.Call, flow: Flow) -> bool:
    target = flow.bound_target(call)
    if name == "tempfile.mkstemp":
        if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
            return False
        target = target.elements[1].value
    return _name_consumed(target, flow, via_attribute=False)


def _name_consumed(
    target: cst.BaseExpression | None, flow: Flow, *, via_attribute: bool
) -> bool:
    """Some read of the file's name (`_name_reads`) is the first argument of a _CONSUMERS
    call, and none is linked (`os.link(tmp, path)`: the content lives on under `path`)."""
    reads = _name_reads(target, flow, via_attribute=via_attribute) or ()
    if any(node is not None and _linked_here(node, flow) for node in reads):
        return False
    return any(node is not None and _consumed_here(node, flow) for node in reads)


def _linked_here(node: cst.CSTNode, flow: Flow) -> bool:
    """`os.link(node, dst)` (or its migrated form), `dst.hardlink_to(node)`: a new name for
    the file, which keeps its content after the temporary name is removed."""
    use = flow.as_argument(node)
    if use is None:
        return False
    if "os.link" in lifecycle.callee_names(use.call, flow.names):
        return use.index == 0 or use.keyword == "src"
    func = use.call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "hardlink_to"


def _name_reads(
    target: cst.BaseExpression | None, flow: Flow, *, via_attribute: bool
) -> list[cst.CSTNode | None] | None:
    """The reads of the name `target` binds that carry the file's name: each read, or
    with `via_attribute` (a temp file object) each `.name` of it, followed through one
    alias `p = tmp.name`; a None for a read of the object itself (passed on: it may be
    anything); other attributes (`tmp.write`) are the object's own I/O and left out.
    None when `target` is not a name bound once (other bindings to None, or under `if
    TYPE_CHECKING:`, are no other value: `Flow.reads_past_none`), unless every read of
    the name provably sees one binding (`Flow.dominated_reads`: then the reads of
    `target`'s)."""
    uses = flow.uses(target)
    if uses is None and isinstance(target, cst.Name):
        uses = flow.reads_past_none(target)
    if uses is None and isinstance(target, cst.Name):
        # `fd, path = mkstemp()` again for each case of a test: the reads each binding
        # provably holds at, when every read has one (analysis/dominance.py).
        uses = flow.dominated_reads(target)
    if uses is None:
        return None
    reads: list[cst.CSTNode | None] = []
    for use in uses:
        if not via_attribute:
            reads.append(use)
            continue
        attribute = flow.attribute_of(use)
        if attribute is None:
            reads.append(None)
            continue
        if attribute.attr.value != "name":
            continue
        alias = flow.parent(attribute)
        if isinstance(alias, cst.Assign) and alias.value is attribute:
            reads.extend(_name_reads(alias.targets[0].target, flow, via_attribute=False) or [None])
        else:
            reads.append(attribute)
    return reads


def _consumed_here(node: cst.CSTNode, flow: Flow, depth: int = 0) -> bool:
    """`os.replace(node, dst)` and the other _CONSUMERS, or `Path(node).replace(dst)`
    (also through one name: `p = Path(node)` then `p.replace(dst)`), also through the
    conversions typed code wraps a name in: `shutil.move(str(tmp_path), ...)`,
    `os.replace(os.fspath(p), ...)`, `tmp_path = Path(tmp)` then `str(tmp_path)`."""
    use = flow.as_argument(node)
    if use is None:
        return False
    names = lifecycle.callee_names(use.call, flow.names)
    if (use.index == 0 or use.keyword in ("src", "path")) and names & _CONSUMERS:
        return True
    if _removal_registered(use, flow):
        return True
    if depth > 2 or use.index != 0 or len(use.call.args) != 1:
        return False
    is_path = bool(names & _PATH_TYPES)
    if not is_path and not names & _CONVERSIONS:
        return False
    if is_path and _path_method_called(use.call, flow):
        return True
    if _consumed_here(use.call, flow, depth + 1):
        return True
    return any(
        (is_path and _path_method_called(u, flow)) or _consumed_here(u, flow, depth + 1)
        for u in flow.uses(flow.bound_target(use.call)) or ()
    )


def _removal_registered(
    use: ArgUse, flow: Flow, removals: frozenset[str] = _REMOVALS
) -> bool:
    """The argument at `use` comes right after one of `removals` handed to a callback
    registry, in its `fn, *args` convention: `atexit.register(os.unlink, tmp)`,
    `exit_stack.callback(os.remove, f.name)`, `self.addCleanup(shutil.rmtree, d)`, also
    through `functools.partial(os.unlink, f.name)` handed to one (build 1.6.1's pip
    requirement files). The registry runs it when its scope or the program ends. Any
    other callee (`retry(os.remove, tmp)`, `pool.submit(shutil.rmtree, d)`) may do
    anything with it, or never run it: not a removal. One rule for temporary files and
    `mkdtemp()` folders (`_removed_directory`)."""
    offset = _callback_index(use.call, flow)
    if use.index != 1 + offset or any(a.star for a in use.call.args[: use.index]):
        return False
    first = use.call.args[offset]
    if first.keyword is not None or not flow.names(first.value) & removals:
        return False
    if _registers(use.call, flow):
        return True
    if "functools.partial" not in flow.names(use.call.func):
        return False
    outer = flow.as_argument(use.call)
    return (
        outer is not None
        and _registers(outer.call, flow)
        and outer.index == _callback_index(outer.call, flow)
    )


def _callback_index(call: cst.Call, flow: Flow) -> int:
    """Where a registry call holds its callback: `weakref.finalize(obj, fn, *args)` one
    place further on than `atexit.register(fn, *args)`."""
    return 1 if "weakref.finalize" in flow.names(call.func) else 0


def _registers(call: cst.Call, flow: Flow) -> bool:
    """`call` registers a callback that runs when a scope or the program ends."""
    func = call.func
    return bool(flow.names(func) & _REGISTRIES) or (
        isinstance(func, cst.Attribute) and func.attr.value in _REGISTRY_METHODS
    )


def _path_method_called(receiver: cst.CSTNode, flow: Flow) -> bool:
    """`receiver.replace(...)`, `.rename(...)` or `.unlink(...)` (receiver: a Path), or
    their migrated form `storage.path_replace(receiver, ...)` (families/lifecycle.py)."""
    use = flow.as_argument(receiver)
    if use is not None and lifecycle.path_receiver_of(use.call) is receiver:
        return True
    attribute = flow.attribute_of(receiver)
    if attribute is None or attribute.attr.value not in _PATH_CONSUMER_METHODS:
        return False
    call = flow.parent(attribute)
    return isinstance(call, cst.Call) and call.func is attribute


def _fd_of_temp_file(call: cst.Call, flow: Flow) -> bool:
    """`os.fdopen(fd, ...)` where `fd, tmp = tempfile.mkstemp(...)` is a temp file."""
    if not call.args or call.args[0].keyword is not None or call.args[0].star:
        return False
    fd = call.args[0].value
    if not isinstance(fd, cst.Name):
        return False
    source = flow.tuple_source(fd)
    if source is None or source[1] != 0:
        return False
    value = source[0]
    if not isinstance(value, cst.Call) or "tempfile.mkstemp" not in flow.names(
        value.func
    ):
        return False
    return _temp_name_consumed("tempfile.mkstemp", value, flow)


# Calls that make a descriptor of something else than a file of this module's naming.
_FOREIGN_FD_MAKERS = third_party.FOREIGN_DESCRIPTOR_MAKERS


def _fd_from_elsewhere(call: cst.Call, flow: Flow) -> bool:
    """`os.fdopen(fd)` where `fd` is a parameter, an attribute (`args.pipe`), or an
    element or the value of `os.pipe()`/`os.dup(...)`, also as the argument itself: no
    open of this module made it."""
    fd = argument(call, 0, ("fd",))
    if isinstance(fd, cst.Attribute):
        return True
    if isinstance(fd, cst.Call):  # `os.fdopen(os.dup(sys.stdout.fileno()), "w")`
        return bool(_FOREIGN_FD_MAKERS & flow.names(fd.func))
    if not isinstance(fd, cst.Name):
        return False
    if flow.is_parameter(fd):
        return True
    source = flow.tuple_source(fd)
    value = source[0] if source is not None else flow.value_of(fd)
    return isinstance(value, cst.Call) and bool(
        _FOREIGN_FD_MAKERS & flow.names(value.func)
    )


# Flags that open nothing for writing, create nothing, and keep `path` a file's path
# (not `dir_fd`-relative): what `os.open(path, flags)` reads is the file a read-only
# `open(path)` would read. Not O_PATH (no content), O_DIRECTORY (scratch's directory
# handles), O_TMPFILE (an unnamed new file), nor anything unknown.
_READS_BY_PATH = frozenset(
    {
        "O_RDONLY",
        "O_NOFOLLOW",
        "O_NONBLOCK",
        "O_NDELAY",
        "O_CLOEXEC",
        "O_NOCTTY",
        "O_NOATIME",
        "O_LARGEFILE",
        "O_BINARY",
        "O_TEXT",
        "O_NOINHERIT",
        "O_SEQUENTIAL",
        "O_RANDOM",
        "O_RSYNC",
        "O_SYNC",
        "O_DSYNC",
        "O_DIRECT",
        "O_ASYNC",
    }
)


def reads_by_path(call: cst.Call, flow: Flow) -> bool:
    """`os.open(path, flags)` (the call's callee resolves to it) that surely only reads
    the file `path` names: every flag it may hold is one of _READS_BY_PATH (`os.O_RDONLY
    | os.O_NOFOLLOW`, `0`, a name bound once to such flags, `getattr(os, "O_BINARY",
    0)`), no `dir_fd=` (a path relative to another descriptor), no `*args`/`**kwargs`,
    and not classified scratch here. families/restore_before.py restores it first."""
    if "os.open" not in flow.names(call.func) or any(a.star for a in call.args):
        return False
    dir_fd = argument(call, -1, ("dir_fd",))  # keyword-only
    if dir_fd is not None and not _is_none(dir_fd):
        return False
    possibly = _flags(call, flow, at_most=True)
    return possibly is not None and possibly <= _READS_BY_PATH


def os_flags(node: cst.BaseExpression, flow: Flow) -> bool:
    """`node` is made only of `os.O_*` flags or'ed (names, `0`, `getattr(os, "O_X",
    0)`): evaluating it runs no code of the program, so a restore may come before it."""
    return _collect_flags(node, flow, set(), mode="most")


def _fd_of_a_read(call: cst.Call, flow: Flow) -> bool:
    """`os.fdopen(fd)` where `fd` is such a read's descriptor (`os.fdopen(os.open(p,
    O_RDONLY))`, or a name bound once to it): the file was opened, and is counted, at
    the `os.open`; `fdopen` only wraps its descriptor."""
    fd = argument(call, 0, ("fd",))
    if isinstance(fd, cst.Name):
        fd = flow.value_of(fd)
    return (
        isinstance(fd, cst.Call)
        and reads_by_path(fd, flow)
        and _descriptor_reason(fd, flow) is None
    )


def _descriptor_only_closed(name: str, call: cst.Call, flow: Flow) -> bool:
    """`fd, tmp = mkstemp()` whose descriptor is only closed (`os.close(fd)`): the call
    reserves a name and writes nothing; what is written later by that name is its own
    site (atomicwrites, safer)."""
    if name != "tempfile.mkstemp":
        return False
    target = flow.bound_target(call)
    if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
        return False
    descriptor = target.elements[0].value
    # Every read of the name, whatever else binds it (safer: `fd = os.open(...)` in the
    # other branch): if each one only closes, so does this one.
    uses = (
        flow.reads_of_every_binding(descriptor)
        if isinstance(descriptor, cst.Name)
        else None
    )
    if not uses:
        return False
    for use in uses:
        arg = flow.as_argument(use)
        if arg is None or arg.index != 0 or "os.close" not in flow.names(arg.call.func):
            return False
    return True


def _handle_only_named(call: cst.Call, flow: Flow) -> bool:
    """`NamedTemporaryFile(delete=False)` whose handle serves for nothing but its name
    and being closed: `NamedTemporaryFile(delete=False).name`, `tmp = ...` (or `with ...
    as tmp`) whose every read is `tmp.name` or `tmp.close()`. Like a `mkstemp()` whose
    descriptor is only closed, the call reserves a name and writes nothing; what is
    written later by that name (a copy, a migrated `open`, a child process) is its own
    site (comet's `tmp_file.close()` then `shutil.copyfile(src, tmp_file.name)`). A
    handle written, flushed, passed on or returned is not proven, nor one whose name is
    never read (rebound, `f = None`), nor a call with `*args`/`**kwargs`."""
    if any(arg.star for arg in call.args):
        return False
    holder = flow.parent(call)
    if isinstance(holder, cst.Attribute) and holder.value is call:
        return holder.attr.value == "name"
    target = flow.bound_target(call)
    if not isinstance(target, cst.Name):
        return False
    uses = flow.uses(target)
    if uses is None:
        uses = flow.reads_past_none(target)
    if uses is None:
        uses = flow.dominated_reads(target)
    if uses is None:
        return False
    named = False
    for use in uses:
        attribute = flow.attribute_of(use)
        if attribute is None:
            if _truth_tested(use, flow):
                continue  # `t.name if t else None`: the wrapper has no `__bool__`
            return False  # the handle itself, passed on or returned
        if attribute.attr.value == "name":
            named = True
            continue
        closing = flow.parent(attribute)
        if not (
            attribute.attr.value == "close"
            and isinstance(closing, cst.Call)
            and closing.func is attribute
            and not closing.args
        ):
            return False
    return named


def _truth_tested(read: cst.Name, flow: Flow) -> bool:
    """`read` is only tested: the test of an `if`, `elif`, `while` or conditional
    expression, the operand of `not`, or compared with `is`/`is not` (comet-ml's
    `randomized_points_file.name if randomized_points_file else None`). A temporary
    file's wrapper defines neither `__bool__` nor `__len__`, so no I/O runs there."""
    holder = flow.parent(read)
    if isinstance(holder, (cst.If, cst.While, cst.IfExp)):
        return holder.test is read
    if isinstance(holder, cst.UnaryOperation):
        return isinstance(holder.operator, cst.Not)
    if isinstance(holder, cst.Comparison):
        return all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in holder.comparisons)
    if isinstance(holder, cst.ComparisonTarget):
        comparison = flow.parent(holder)
        return isinstance(holder.operator, (cst.Is, cst.IsNot)) and isinstance(
            comparison, cst.Comparison
        )
    return False


def _in_system_temp(call: cst.Call) -> bool:
    """`mkdtemp(...)` with no folder (`dir=` absent or a literal None, no `*args`): a new,
    empty, uniquely named folder in the machine's temporary directory, kept or not. It
    holds no data and no other worker can name it; what is written into it is counted at
    its own calls. (Removals of it stay migrated unless it is removed in a `finally:`,
    `_removed_directory`: files written there may have been published.)"""
    positional = 0
    for arg in call.args:
        if arg.star:
            return False
        if arg.keyword is None:
            if positional == 2 and not _is_none(arg.value):  # (suffix, prefix, dir)
                return False
            positional += 1
        elif arg.keyword.value == "dir" and not _is_none(arg.value):
            return False
    return True


def _is_zero(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer) and node.value == "0"


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _removed_directory(call: cst.Call, flow: Flow) -> bool:
    """`d = mkdtemp()` with `shutil.rmtree(d)` in a `finally:` or registered as a callback;
    `d` may also be bound to None (`d = None` before the `try:`, so the `finally:` can
    ask `if d:`): a read that removes anything removes this folder."""
    target = flow.bound_target(call)
    uses = flow.uses(target)
    if uses is None and isinstance(target, cst.Name) and flow.others_bind_none(target):
        uses = flow.reads_of_every_binding(target)
    for use in uses or ():
        arg = flow.as_argument(use)
        if arg is None:
            continue
        if "shutil.rmtree" in lifecycle.callee_names(arg.call, flow.names) and arg.index == 0:
            if flow.in_finally(arg.call):
                return True
        elif _removal_registered(arg, flow, _RMTREE):
            return True
    return False


# -- descriptors: directory handles and lock files -------------------------------------------


def _descriptor_reason(call: cst.Call, flow: Flow) -> Reason | None:
    flags = _flags(call, flow)
    surely = flags if flags is not None else _flags(call, flow, at_least=True)
    if (
        surely is not None
        and {"O_CREAT", "O_EXCL"} <= surely
        and _moved_into_place(call, flow)
    ):
        # A name this process created exclusively whose content a move publishes: the
        # temporary name of an atomic write (its destination is the move's own site).
        return Reason.TEMPORARY_FILE
    if surely is not None and _directory_only(surely, _flags(call, flow, at_most=True)):
        return Reason.DIRECTORY_HANDLE
    if flags is None:
        return None
    if {"O_CREAT", "O_EXCL"} <= flags and _removed_in_finally(call, flow):
        # Created exclusively and removed in a `finally:` of the same function: a lock
        # (its content, a pid, never outlives the run), whatever the descriptor does.
        return Reason.LOCK_FILE
    target = flow.bound_target(call)
    if target is None:
        # `os.close(os.open(lock, O_CREAT | O_EXCL))`: created and released at once.
        use = flow.as_argument(call)
        released = use is not None and bool(flow.names(use.call.func) & _FD_RELEASE)
        return Reason.LOCK_FILE if released and {"O_CREAT", "O_EXCL"} <= flags else None
    uses = flow.uses(target)
    if not uses:
        return None
    callees: list[frozenset[str]] = []
    for use in uses:
        arg = flow.as_argument(use)
        if arg is None or arg.index != 0:
            return None  # escapes, or used in a way not proven harmless
        names = flow.names(arg.call.func)
        if not names & (_SYNCS | _LOCK_CALLS | _FD_RELEASE) and _syncs_only(
            arg.call.func, flow
        ):
            names = _SYNCS
        callees.append(names)
    if flags <= _READ_ONLY_FLAGS and all(n & {"os.fsync", "os.close"} for n in callees):
        if any("os.fsync" in n for n in callees):
            return Reason.DIRECTORY_HANDLE
        return None
    if all(n & (_LOCK_CALLS | _FD_RELEASE) for n in callees):
        locked = any(n & _LOCK_CALLS for n in callees)
        if locked or {"O_CREAT", "O_EXCL"} <= flags:
            return Reason.LOCK_FILE
    return None


def _directory_only(surely: frozenset[str], possibly: frozenset[str] | None) -> bool:
    """`os.open(path, flags)` surely opens a directory, or fails: `O_DIRECTORY` surely
    set, and neither `O_CREAT` (which some kernels honour with a new regular file) nor
    `O_TMPFILE` (which holds `O_DIRECTORY`'s bits but opens an unnamed regular file)
    possibly set. No file content can go through such a descriptor (`os.read` raises
    IsADirectoryError), whatever the program does with it: `fsync`, `dir_fd=` of other
    calls (counted at those calls), `os.listdir(fd)`."""
    return (
        "O_DIRECTORY" in surely
        and possibly is not None
        and not possibly & {"O_CREAT", "O_TMPFILE"}
    )


#: Moves that put a temporary file's content in place under another name.
_MOVES = frozenset({"os.replace", "os.rename"})


def _moved_into_place(call: cst.Call, flow: Flow) -> bool:
    """`os.open(tmp, ...)` whose `tmp` (a name bound once) is also the source of
    `os.replace`/`os.rename` in the same function, or is handed to the constructor of a
    class of the module that stores it (`self._tmp = tmp` in `__init__`, the attribute's
    only store in the class) and moves `self._tmp` in one of its methods (click's
    `_AtomicFile`); and is linked nowhere (`os.link(tmp, other)` keeps the content under
    another name)."""
    first = call.args[0] if call.args else None
    if first is None or first.star or first.keyword is not None:
        return False
    if not isinstance(first.value, cst.Name):
        return False
    reads = flow.reads_of_binding(first.value)
    if not reads or any(_linked_here(read, flow) for read in reads):
        return False
    return any(_moved_here(read, flow) or _moved_by_its_class(read, flow) for read in reads)


def _moved_here(node: cst.CSTNode, flow: Flow) -> bool:
    use = flow.as_argument(node)
    return (
        use is not None
        and (use.index == 0 or use.keyword == "src")
        and bool(lifecycle.callee_names(use.call, flow.names) & _MOVES)
    )


def _moved_by_its_class(node: cst.CSTNode, flow: Flow) -> bool:
    """`Holder(..., node, ...)`, `Holder` a class of the module whose `__init__` stores
    that parameter as `self.<x>` (and nothing else to `<x>` in the class) and one of
    whose methods moves `self.<x>` (see `_moved_into_place`)."""
    use = flow.as_argument(node)
    if use is None or not isinstance(use.call.func, cst.Name):
        return False
    scope_class = flow.class_named(use.call.func)
    if scope_class is None:
        return False
    init = next(
        (
            s
            for s in _class_body(scope_class)
            if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"
        ),
        None,
    )
    if init is None or init.decorators:
        return False
    params = [*init.params.posonly_params, *init.params.params]
    if not params:
        return False
    if use.index is not None:
        param = params[use.index + 1] if use.index + 1 < len(params) else None
    else:
        named = [p for p in [*params[1:], *init.params.kwonly_params] if p.name.value == use.keyword]
        param = named[0] if named else None
    if param is None:
        return False
    stored: set[str] = set()
    for read in flow.parameter_reads(param) or ():
        holder = flow.parent(read)
        if (
            isinstance(holder, cst.Assign)
            and holder.value is read
            and len(holder.targets) == 1
            and _self_attribute(holder.targets[0].target, params[0].name.value)
        ):
            stored.add(holder.targets[0].target.attr.value)  # type: ignore[attr-defined]
    if len(stored) != 1:
        return False
    (attr,) = stored
    stores = 0
    moved = False
    for node_ in _walk(scope_class):
        if isinstance(node_, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)):
            target = node_.target
            if isinstance(target, cst.Attribute) and target.attr.value == attr:
                stores += 1
        elif isinstance(node_, (cst.Del, cst.Tuple)):
            if any(
                isinstance(n, cst.Attribute) and n.attr.value == attr for n in _walk(node_)
            ):
                return False
        elif isinstance(node_, cst.Call) and node_.args:
            arg = node_.args[0]
            if (
                not arg.star
                and arg.keyword is None
                and isinstance(arg.value, cst.Attribute)
                and arg.value.attr.value == attr
                and isinstance(arg.value.value, cst.Name)
                and arg.value.value.value == params[0].name.value
                and lifecycle.callee_names(node_, flow.names) & _MOVES
            ):
                moved = True
    return moved and stores == 1


def _class_body(cls: cst.ClassDef) -> list[cst.CSTNode]:
    body = cls.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _self_attribute(node: cst.BaseExpression, self_name: str) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == self_name
    )


def _walk(node: cst.CSTNode):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _syncs_only(func: cst.BaseExpression, flow: Flow) -> bool:
    """`func` is a function of this module that only syncs the descriptor it is given:
    each binding of its name is `os.fsync` itself (`_proper_fsync = os.fsync`) or a `def`
    whose first parameter only goes to `os.fsync`/`fcntl.fcntl`/`os.close`, at least once
    (atomicwrites' `_proper_fsync`, F_FULLFSYNC on macOS). No data moves through it."""
    if not isinstance(func, cst.Name):
        return False
    definitions = flow.definitions(func)
    if not definitions:
        return False
    for definition in definitions:
        if not isinstance(definition, cst.FunctionDef):
            if not flow.names(definition) & _SYNCS:
                return False
            continue
        params = definition.params.params
        reads = flow.parameter_reads(params[0]) if params else None
        if not reads:
            return False
        for read in reads:
            use = flow.as_argument(read)
            if use is None or use.index != 0:
                return False
            if not flow.names(use.call.func) & (_SYNCS | {"fcntl.fcntl"} | _FD_RELEASE):
                return False
    return True


def _name_removed_in_finally(call: cst.Call, flow: Flow) -> bool:
    """`f = NamedTemporaryFile(delete=False)` (or `with ... as f`) whose `f.name` is the
    first argument of `os.remove`/`os.unlink` in a `finally:` of the same function: the
    file never outlives the call, whatever reads its name meanwhile (a command line, a
    subprocess). Other bindings of `f` may only be `f = None` (set before the `try:`)."""
    target = flow.bound_target(call)
    if not isinstance(target, cst.Name):
        return False
    if flow.others_bind_none(target):
        reads = flow.reads_of_every_binding(target)
    else:
        # `with NamedTemporaryFile(delete=False) as f:` in each branch of a test, each
        # followed by its own `try: ... finally: os.unlink(f.name)` (kfp): the reads this
        # binding provably holds at (analysis/dominance.py)
        reads = flow.dominated_reads(target)
    return any(
        attribute is not None
        and attribute.attr.value == "name"
        and _removed_in_a_finally(attribute, flow)
        for attribute in map(flow.attribute_of, reads or ())
    )


def _removed_in_finally(call: cst.Call, flow: Flow) -> bool:
    """`os.open(path, ...)` whose `path` (a name bound once in this function) is also the
    first argument of `os.remove`/`os.unlink` in a `finally:` block of it."""
    first = call.args[0] if call.args else None
    if first is None or first.star or first.keyword is not None:
        return False
    if not isinstance(first.value, cst.Name):
        return False
    return any(
        _removed_in_a_finally(read, flow) for read in flow.reads_of_binding(first.value) or ()
    )


def _removed_in_a_finally(node: cst.CSTNode, flow: Flow) -> bool:
    """`node` is the first argument of `os.remove`/`os.unlink` in a `finally:` block."""
    use = flow.as_argument(node)
    if use is None or use.index != 0 or not flow.in_finally(use.call):
        return False
    return bool(lifecycle.callee_names(use.call, flow.names) & _REMOVALS)


def locked_handle(call: cst.Call, flow: Flow) -> bool:
    """`f = p.open(...)` (or `with p.open(...) as f`) whose handle is only locked with
    fcntl (`fcntl.flock(f, ...)`, `fcntl.lockf(f.fileno(), ...)`, at least once) and
    closed: a lock file, whatever its mode, since nothing reads or writes it through the
    handle. A handle also written, read, passed elsewhere or returned is not proven."""
    uses = flow.uses(flow.bound_target(call))
    if not uses:
        return False
    locked = False
    for use in uses:
        node: cst.CSTNode = use
        attribute = flow.attribute_of(use)
        if attribute is not None:
            method = flow.parent(attribute)
            if not (isinstance(method, cst.Call) and method.func is attribute and not method.args):
                return False
            if attribute.attr.value == "close":
                continue
            if attribute.attr.value != "fileno":
                return False
            node = method
        arg = flow.as_argument(node)
        if arg is None or arg.index != 0 or not flow.names(arg.call.func) & _LOCK_CALLS:
            return False
        locked = True
    return locked


def _flags(
    call: cst.Call, flow: Flow, at_least: bool = False, at_most: bool = False
) -> frozenset[str] | None:
    """The `os.O_*` names of `os.open(path, flags)`, None when not all are known. With
    `at_least`, the flags it surely has: a name bound once and then only or-ed into
    (`flags |= getattr(os, "O_BINARY", 0)`, maybe on some path only) has at least those
    of its first value. With `at_most`, every flag it may have: those of the first value
    and of every or-ed value."""
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        return None
    keyword = [
        a for a in call.args if a.keyword is not None and a.keyword.value == "flags"
    ]
    node = (
        positional[1].value
        if len(positional) > 1
        else keyword[0].value
        if keyword
        else None
    )
    if node is None:
        return None
    found: set[str] = set()
    mode = "most" if at_most else "least" if at_least else "exact"
    if (at_least or at_most) and isinstance(node, cst.Name):
        values = flow.augmented_values(node)
        if values is None or not all(
            isinstance(a.operator, cst.BitOrAssign) for a in values[1]
        ):
            return None
        node = values[0]
        if at_most and not all(
            _collect_flags(a.value, flow, found, mode=mode) for a in values[1]
        ):
            return None
    return frozenset(found) if _collect_flags(node, flow, found, mode=mode) else None


def _collect_flags(
    node: cst.BaseExpression, flow: Flow, found: set[str], depth: int = 0, mode: str = "exact"
) -> bool:
    """Or-ed `os.O_*` names into `found`; False when one part is not known. `mode`: an
    exact set ("exact"), the flags surely set ("least") or all possibly set ("most"),
    which differ for `getattr(os, "O_SEARCH", fallback)`: one flag or the other."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return _collect_flags(node.left, flow, found, depth, mode) and _collect_flags(
            node.right, flow, found, depth, mode
        )
    if isinstance(node, cst.Name) and depth < 2:
        # `flags = os.O_RDWR | os.O_CREAT | os.O_EXCL` bound once, then `os.open(p, flags)`
        value = flow.value_of(node)
        if value is not None:
            return _collect_flags(value, flow, found, depth + 1, mode)
    if isinstance(node, (cst.Name, cst.Attribute)):
        names = flow.names(node)
        flags = {n.partition(".")[2] for n in names if n.startswith("os.O_")}
        if len(flags) != 1 or len(names) != 1:
            return False
        found |= flags
        return True
    if _is_zero(node):
        found.add("O_RDONLY")  # 0 is O_RDONLY on every platform (atomicwrites)
        return True
    if isinstance(node, cst.Call) and "builtins.getattr" in flow.names(node.func):
        # getattr(os, "O_DIRECTORY", 0): that flag where the platform has it, else none.
        # Any other default (`getattr(os, "O_SEARCH", os.O_RDONLY)`) is one flag or the
        # other: not known exactly; surely neither; possibly either.
        args = node.args
        if len(args) in (2, 3) and not any(a.star or a.keyword for a in args):
            module = flow.names(args[0].value)
            flag = literal_string(args[1].value)
            if module != {"os"} or flag is None or not flag.startswith("O_"):
                return False
            if len(args) == 2 or _is_zero(args[2].value):
                found.add(flag)
                return True
            if mode == "exact":
                return False
            fallback: set[str] = set()
            if not _collect_flags(args[2].value, flow, fallback, depth, mode):
                return False
            if mode == "most":
                found |= fallback | {flag}
            return True
    return False
