"""The pathlib family: `read_text`, `write_text`, `read_bytes`, `write_bytes`, `open` on a Path.

The runtime's helpers are exact stand-ins on every receiver: `storage.read_text(x)` calls
`x.read_text()` as written unless `x` is a plain PosixPath/WindowsPath with pathlib's own
methods (then the backend hears about it too). So which receivers are rewritten is a
question of what coverage counts, not of behaviour.

**Rewrites**
- `x.read_text(...)` -> `storage.read_text(x, ...)`, same for `read_bytes`, on any receiver
  not provably something else (see analysis/receivers.py: a str literal, a module, a
  standard-library name, `zipfile.ZipFile(...)`/`zipfile.Path(...)`, an instance of a
  plain class of the module are not sites at all).
- `x.write_text(data, ...)` -> `storage.write_text(x, data, ..., pin=...)`, same for
  `write_bytes`, on the same receivers; `pin` always written (True for rule `pin`,
  False for `cache`).
- `p.open(mode, ...)` -> `storage.path_open(p, mode, ...)`, with `pin=` only if the mode
  can write, where `p` is KNOWN to be a Path (receivers.py: `Path(...)` and what derives
  from it, annotations including `Optional[Path]`/`Path | None`, returns of functions and
  methods of the module, attributes of the module's classes, elements of `iterdir`/
  `glob`/`rglob`, module constants; a name rebound to anything else is not one).
- `storage` is imported once (`from <runtime> import storage`); when the module already
  uses the name `storage` for something else, the import is aliased
  (`from storage_runtime import storage as storage_runtime_storage`); in a module a star
  import reaches it is the private `_storage` (README "Star imports").

**Leaves alone (why)**
- `.open()` on a receiver not known to be a Path (`self._store.open()`, an unannotated
  parameter, a call of an unknown function), unless the receiver is joined right there
  with a str (`(folder / "train.tsv").open()`: rewritten, see receivers.py `joined_with_str`): counted as
  RECEIVER_UNKNOWN. `.open` is a
  common method name (ftplib, shelve, custom stores); rewriting it would be exact but
  would count other libraries' opens as migrated file I/O.
- `self.read_text()` in a class that defines `read_text` itself: the class's own method;
  also `formatter.write_text(t)` on a receiver an annotation declares an instance of a
  class that is no Path and owns the method (`formatter: HelpFormatter`,
  `self._zipfile.open(m)` stored from `f: zipfile.ZipFile`): receivers.py, "Declared
  receivers". Not sites at all.
- A `pin=` keyword in the call, or `**kwargs` given to `open`/`write_text`/
  `write_bytes` (the helper would take a `pin` as its own): DYNAMIC_CALL.
- `x.write_text(render())` unless `x` is built right there as a Path (`Path(...)`, `/`,
  `.parent`, `.with_suffix(...)` of one): the original looks `write_text` up on `x`
  before it evaluates `render()`, the rewrite after. Where `x` lacks the method (None, a
  str: the duck-typing `try: x.write_text(...) except AttributeError:`) the argument
  would run once more, and a generator given to it would be consumed (RECEIVER_UNKNOWN:
  what `x` is at run time is not known). Arguments that are names and literals
  (`is_inert`) evaluate the same either way.
- Calls that are a TypeError on any Path, so another library's method: arguments that
  cannot bind to pathlib's parameters (`fs.open(path, mode="rb")`), a parameter pathlib
  requires a str for given a value surely no str (`Image.open(io.BytesIO(raw))`,
  `fs.open(src)` with `src: Path`), and a call awaited or entered with `async with`
  (`await af.read_text()`). Not sites at all.
- `PurePath` (cannot do I/O), modules and known non-path objects (`zipfile.ZipFile(...)
  .open(name)`, `tarfile.open`, `Image.open`): not sites at all.
- Files or families whose rule is `local`, excluded files.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from migrate_storage.codemods.analysis import names as _names
from migrate_storage.codemods.analysis.found import (
    Found,
    Position,
    literal_string,
    may_write,
    open_mode,
)
from migrate_storage.codemods.analysis.path_api import PATH_TYPES
from migrate_storage.codemods.analysis.receivers import Kind, joined_with_str
from migrate_storage.codemods.families import lazy_command, scratch
from migrate_storage.codemods.families._edit import (
    append_arg,
    bool_name,
    keyword,
    prepend_arg,
    strip_parens,
)
from migrate_storage.codemods.families._lookup_first import (
    LookupFirstEdit,
    lookup_order_kept,
)
from migrate_storage.codemods.families.examples import CACHE, Rewritten, Unchanged
from migrate_storage.codemods.families.protocol import Candidates, Command, SarifRule
from migrate_storage.codemods.model import Family, Reason, Status

if TYPE_CHECKING:
    from migrate_storage.codemods.analysis.context import Context

# Rewritten on any receiver not provably something else (see `recognise`).
ANY_RECEIVER_METHODS = frozenset(
    {"read_text", "write_text", "read_bytes", "write_bytes"}
)

DESCRIPTION = (
    "Route pathlib.Path reads and writes through storage.read_text/write_text/open."
)

EXAMPLES: tuple[Rewritten | Unchanged, ...] = (
    Rewritten(
        'from pathlib import Path\n\ntext = Path("a.txt").read_text(encoding="utf-8")\n',
        'from pathlib import Path\nfrom storage_runtime import storage\n\ntext = storage.read_text(Path("a.txt"), encoding="utf-8")\n',
    ),
    Rewritten(
        "from pathlib import Path\n\ndef save(p: Path, data: bytes) -> None:\n    p.write_bytes(data)\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\ndef save(p: Path, data: bytes) -> None:\n    storage.write_bytes(p, data, pin=False)\n",
        policy=CACHE,
    ),
    Rewritten(
        'import pathlib\n\nout = pathlib.Path(__file__).parent / "out.json"\nout.write_text(payload)\n',
        'import pathlib\nfrom storage_runtime import storage\n\nout = pathlib.Path(__file__).parent / "out.json"\nstorage.write_text(out, payload, pin=True)\n',
    ),
    Rewritten(
        'from pathlib import Path\n\nwith Path.home().joinpath("log").open("a") as f:\n    f.write(line)\n',
        'from pathlib import Path\nfrom storage_runtime import storage\n\nwith storage.path_open(Path.home().joinpath("log"), "a", pin=True) as f:\n    f.write(line)\n',
    ),
    Rewritten(
        "class Config:\n    def load(self):\n        return self._path.read_text()\n",
        "from storage_runtime import storage\n\nclass Config:\n    def load(self):\n        return storage.read_text(self._path)\n",
    ),
    Rewritten(
        "from pathlib import Path\n\ndef load(path: Path | None = None) -> str:\n    if path is None:\n        return ''\n    with path.open(encoding='utf-8') as f:\n        return f.read()\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\ndef load(path: Path | None = None) -> str:\n    if path is None:\n        return ''\n    with storage.path_open(path, encoding='utf-8') as f:\n        return f.read()\n",
    ),
    Rewritten(
        "from pathlib import Path\n\nclass State:\n    def __init__(self, root: Path) -> None:\n        self._state_path = root / 'state.json'\n\n    def lock(self):\n        return self._state_path.with_suffix('.lock').open('a+')\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\nclass State:\n    def __init__(self, root: Path) -> None:\n        self._state_path = root / 'state.json'\n\n    def lock(self):\n        return storage.path_open(self._state_path.with_suffix('.lock'), 'a+', pin=True)\n",
    ),
    Rewritten(
        "from pathlib import Path\n\ndef target(name: str) -> Path:\n    return Path('out') / name\n\nfor q in sorted(Path('in').glob('*.txt')):\n    with q.open('rb') as src, target(q.name).open('wb') as dst:\n        dst.write(src.read())\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\ndef target(name: str) -> Path:\n    return Path('out') / name\n\nfor q in sorted(Path('in').glob('*.txt')):\n    with storage.path_open(q, 'rb') as src, storage.path_open(target(q.name), 'wb', pin=True) as dst:\n        dst.write(src.read())\n",
    ),
    Unchanged(
        "class Config:\n    def load(self):\n        return self._store.open()\n",
        "Should do nothing, since `self._store` is not known to be a Path.",
        site_reason=Reason.RECEIVER_UNKNOWN,
    ),
    Unchanged(
        "from pathlib import Path\n\ndef f():\n    p = Path('a')\n    names = [(p := n) for n in ('x', 'y')]\n    return p.open()\n",
        "Should do nothing, since the walrus in the comprehension rebinds `p` to a str.",
        site_reason=Reason.RECEIVER_UNKNOWN,
    ),
    Unchanged(
        "from pathlib import Path\n\ndef f(value):\n    p = Path('a')\n    match value:\n        case [*p]:\n            pass\n    return p.open()\n",
        "Should do nothing, since the match capture rebinds `p` to a list (LibCST's scopes "
        "record no assignment for it).",
        site_reason=Reason.RECEIVER_UNKNOWN,
    ),
    # A capture (`case str() as p`) may rebind `p`: `write_text` is looked up before the
    # argument runs, as the original did.
    Rewritten(
        "from pathlib import Path\n\ndef f(value, body):\n    p = Path('a')\n    match value:\n        case str() as p:\n            pass\n    return p.write_text(body())\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\ndef f(value, body):\n    p = Path('a')\n    match value:\n        case str() as p:\n            pass\n    return storage.path(p, pin=True).write_text(body())\n",
    ),
    # `pin=` of the program's own reaches pathlib (its TypeError), not the helper.
    Rewritten(
        "from pathlib import Path\n\ndef peek(p: Path):\n    return p.open(pin=True)\n",
        "from pathlib import Path\nfrom storage_runtime import storage\n\ndef peek(p: Path):\n    return storage.path(p).open(pin=True)\n",
    ),
    # `write_text` is looked up on `target` (maybe a str) before the join runs: so it is
    # in the rewrite.
    Rewritten(
        "def save(target, chunks):\n    target.write_text(''.join(chunks))\n",
        "from storage_runtime import storage\n\ndef save(target, chunks):\n    storage.path(target, pin=True).write_text(''.join(chunks))\n",
    ),
    Unchanged(
        "from importlib import resources\n\ntext = resources.read_text('pkg', 'data.txt')\n",
        "Should do nothing, since a standard-library module is not a Path.",
    ),
    Unchanged(
        'from pathlib import PurePath\n\nPurePath("a").with_suffix(".b")\n',
        "Should do nothing, since PurePath does no I/O.",
    ),
    Rewritten(
        'from pathlib import Path\n\ndef read_js(src):\n    custom_js = Path(src, "custom.js")\n    with Path.open(custom_js, encoding="utf-8") as f:\n        return f.read()\n',
        'from pathlib import Path\nfrom storage_runtime import storage\n\ndef read_js(src):\n    custom_js = Path(src, "custom.js")\n    with storage.path_open(custom_js, encoding="utf-8") as f:\n        return f.read()\n',
    ),
    Unchanged(
        'from pathlib import Path\n\ndef read_js(p):\n    with Path.open(p, encoding="utf-8") as f:\n        return f.read()\n',
        "Should do nothing, since `p` may be a subclass whose own open the helper would call.",
        site_reason=Reason.RECEIVER_UNKNOWN,
    ),
    Rewritten(
        'from pathlib import Path\n\ndef write_config(name, text):\n    with Path.open(Path(name), mode="w") as f:\n        f.write(text)\n',
        'from pathlib import Path\nfrom storage_runtime import storage\n\ndef write_config(name, text):\n    with storage.path_open(Path(name), mode="w", pin=True) as f:\n        f.write(text)\n',
    ),
    Unchanged(
        'def load(fs, path):\n    with fs.open(path, mode="rb") as f:\n        return f.read()\n',
        "Should do nothing, since `mode` given twice is a TypeError on a Path: a filesystem"
        " object's method (fsspec), no site.",
    ),
    Unchanged(
        'def persist(fs, path, data):\n    with fs.open(path, "w", encoding="utf-8") as f:\n        f.write(data)\n',
        'Should do nothing, since "w" as pathlib\'s buffering is a TypeError on a Path: no site.',
    ),
    Unchanged(
        "def save(self, path, text):\n    self.fs.write_text(path, text, encoding='utf-8')\n",
        "Should do nothing, since `encoding` given twice is a TypeError on a Path: no site.",
    ),
    Unchanged(
        'import zipfile\n\nzipfile.ZipFile(*archive).open("member")\n',
        "Should do nothing, since a zip member is not a pathlib.Path (the ZipFile"
        " itself is counted as third-party I/O).",
        site_reason=Reason.THIRD_PARTY_WRITER,
    ),
)


# -- recognition and decision ------------------------------------------------------------

#: Classified on their own: the rules (`local`, exclusion, secret paths) apply before
#: `decide`.
DERIVED = False

#: The Path methods this family rewrites.
PATH_METHODS = frozenset({"read_text", "write_text", "read_bytes", "write_bytes", "open"})
#: Any receiver may be a Path: its type is decided after the prefilter.
CANDIDATES = Candidates(text=tuple(sorted(PATH_METHODS)), any_receiver_methods=PATH_METHODS)
COMMAND = Command("PathlibCodemod", DESCRIPTION, rewrites=(Family.PATHLIB,), order=2)
SARIF_RULES = (
    SarifRule(Family.PATHLIB, "MS-PATHLIB", "pathlib.Path read/write/open call"),
)


def recognise(call: cst.Call, position: Position, ctx: Context) -> Found | None:
    """A site when `call` is `<receiver>.<Path I/O method>(...)` (PATH_METHODS) on a
    receiver that is not provably something else (analysis/receivers.py); `self.open()` in
    a class that defines `open` (asked last) is not a site.

    PENDING when the receiver is a known Path, and for `read_text`/`write_text`/
    `read_bytes`/`write_bytes` on any receiver not provably something else (the runtime's
    helpers call the receiver's own method, so the rewrite is exact on every receiver).
    `open` on an unknown receiver is left alone (RECEIVER_UNKNOWN): `.open` is everybody's
    method name, and counting `ftp.open()` or `self.store.open()` as migrated file I/O
    would overstate coverage."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    attr = func.attr.value
    if attr not in PATH_METHODS:
        return None
    if _called_on_the_class(call, ctx):
        # `Path.open(Path(x), "w")`: pathlib's own method on a plain Path, which the
        # runtime's helpers call as `Path(x).open("w")` does
        return Found(call, position, "path", Family.PATHLIB, f"pathlib.Path.{attr}",
                     target=call.args[0].value, opens_handle=attr == "open")
    kind = ctx.receiver_kind(call)
    if kind in (Kind.NOT_PATH, Kind.RUNTIME):
        return None
    if ctx.is_own_method(call):
        return None
    if kind is not Kind.PATH and not _binds_to_pathlib(call, attr, ctx):
        return None  # `fs.open(path, mode="rb")`: a TypeError on any Path, so no Path
    if kind is not Kind.PATH and ctx.flow.awaited(call):
        return None  # `await af.read_text()`: no pathlib method returns an awaitable
    if kind is Kind.PATH:
        name = f"pathlib.Path.{attr}"
    else:
        spelled = _names.dotted(func.value)
        name = f"{spelled}.{attr}" if spelled else f"?.{attr}"
    if kind is Kind.RESOURCE:
        # package data (an importlib.resources Traversable): read-only, shipped with the
        # code, maybe from a zip; read as written, whatever the method
        found = Found(call, position, "path", Family.PATHLIB, name, target=func.value,
                      opens_handle=attr == "open")
        found.status, found.reason = Status.LOCAL, Reason.PACKAGE_DATA
        return found
    if attr == "open" and scratch.locked_handle(call, ctx.flow):
        # a handle only fcntl-locked and closed: a lock file, kept local as written
        found = Found(call, position, "path", Family.PATHLIB, name, target=func.value)
        return scratch.as_scratch(found, Reason.LOCK_FILE)
    found = Found(call, position, "path", Family.PATHLIB, name, target=func.value,
                  opens_handle=attr == "open")
    if kind is not Kind.PATH and attr not in ANY_RECEIVER_METHODS and not (
        attr == "open" and joined_with_str(func.value)
    ):
        return found.unmigrated(Reason.RECEIVER_UNKNOWN)
    return found


#: pathlib's parameters for each method (the widest of Python 3.11 to 3.13: 3.13's
#: read_text takes `newline`), after `self`.
_PATHLIB_PARAMETERS: dict[str, tuple[str, ...]] = {
    "open": ("mode", "buffering", "encoding", "errors", "newline"),
    "read_text": ("encoding", "errors", "newline"),
    "read_bytes": (),
    "write_text": ("data", "encoding", "errors", "newline"),
    "write_bytes": ("data",),
}


_PLAIN_PATHS = PATH_TYPES


def _called_on_the_class(call: cst.Call, ctx: Context) -> bool:
    """`Path.open(Path(x), ...)`: a pathlib method called on the class itself, whose first
    argument is a plain Path made right there, or a name bound once to one (so pathlib's
    method is the one that runs either way, not a subclass's own)."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not call.args:
        return False
    if not _names.all_in(ctx.flow.names(func.value), _PLAIN_PATHS):
        return False
    first = call.args[0]
    if first.star or first.keyword is not None:
        return False
    made = first.value
    if isinstance(made, cst.Name):  # `custom_js = Path(src, "custom.js")`, bound once
        made = ctx.flow.value_of(made)
    return isinstance(made, cst.Call) and _names.all_in(
        ctx.flow.names(made.func), _PLAIN_PATHS
    )


def _binds_to_pathlib(call: cst.Call, attr: str, ctx: Context) -> bool:
    """Whether the call's arguments could bind to pathlib's method: False for too many
    positional arguments, an unknown keyword, or a keyword that repeats a positional one
    (`fs.open(path, mode="rb")`, `fs.read_text(path, encoding=e)`: fsspec's and other
    filesystems' methods take the path first; on a Path each is a TypeError, so a program
    that works does not call them on one), or a value pathlib refuses there (`_fits`).
    True when `*args` hides the shape (`**kwargs` only adds keywords: what the call
    spells is refused or not all the same, `fs.open(path, mode="rb", **options)`)."""
    params = _PATHLIB_PARAMETERS[attr]
    if any(arg.star == "*" for arg in call.args):
        return True
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if len(positional) > len(params):
        return False
    bound = dict(zip(params, (arg.value for arg in positional)))
    for arg in call.args:
        if arg.keyword is not None:
            name = arg.keyword.value
            if name not in params or name in bound:
                return False
            bound[name] = arg.value
    wanted = _STR_PARAMETERS | ({"data"} if attr == "write_text" else frozenset())
    return all(
        _literal_fits(name, value) and (name not in wanted or not _surely_no_str(value, ctx))
        for name, value in bound.items()
    )


#: The parameters pathlib requires a str for (a TypeError otherwise, before any I/O).
_STR_PARAMETERS = frozenset({"mode", "encoding", "errors", "newline"})
#: Calls that surely make no str: file-like buffers and paths handed where pathlib
#: wants a mode (`Image.open(io.BytesIO(data))`, `fs.open(input_file)` with
#: `input_file: Path`).
_NOT_STR_MAKERS = frozenset({
    "io.BytesIO", "io.StringIO", "builtins.bytes", "builtins.bytearray",
    "builtins.memoryview", "builtins.open", "io.open",
})


def _surely_no_str(value: cst.BaseExpression, ctx: Context) -> bool:
    """A value surely no str, given where pathlib requires one (`mode`, `encoding`, ...;
    `write_text`'s `data`): a Path by the receiver typer, or a buffer made right there.
    Such a call is a TypeError on any Path, so a program that works does not make it on
    one: `Image.open(io.BytesIO(raw))`, `fs.open(input_file, encoding=e)` with
    `input_file: Path`."""
    if isinstance(value, cst.Call) and _names.all_in(ctx.flow.names(value.func), _NOT_STR_MAKERS):
        return True
    return isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.BinaryOperation)) and (
        ctx.typer.kind(value) is Kind.PATH
    )


def _literal_fits(parameter: str, value: cst.BaseExpression) -> bool:
    """False for a literal pathlib would refuse there (`fs.open(path, "w")`: "w" as the
    buffering, a TypeError; a mode that is no mode, a ValueError); True otherwise."""
    text = literal_string(value)
    if parameter == "buffering":
        return not isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))
    if parameter == "mode":
        if isinstance(value, cst.FormattedString):
            # `s3.open(f"{url}/_metadata")`: what the literal parts spell is no mode
            spelled = "".join(
                part.value for part in value.parts if isinstance(part, cst.FormattedStringText)
            )
            return set(spelled) <= set("rwxabt+")
        return text is None or bool(text) and set(text) <= set("rwxabt+")
    if parameter in ("encoding", "errors", "newline"):
        if isinstance(value, (cst.Integer, cst.Float)):
            return False
        # `dist.read_text("top_level.txt")` (importlib.metadata): no codec by that name,
        # a LookupError on a Path, so the argument is another method's file name
        return text is None or _known(parameter, text)
    return True


def _known(parameter: str, text: str) -> bool:
    """Whether pathlib would take the literal `text` for `parameter`."""
    if parameter == "newline":
        return text in ("", "\n", "\r", "\r\n")
    try:
        if parameter == "encoding":
            codecs.lookup(text)
        else:
            codecs.lookup_error(text)
    except LookupError:
        return False
    return True


def _arguments_kept(call: cst.Call, attr: str) -> bool:
    """Whether every argument reaches the receiver's method as written: a `pin=` keyword
    would be the helper's own (`Store().write_text(data, pin=True)` on a class that takes
    one; `p.open(pin=True)`, a TypeError before, would open), and so might a `**kwargs`
    given to a helper that has `pin` (`open`, `write_text`, `write_bytes`)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "pin":
            return False
        if arg.star == "**" and attr in ("open", "write_text", "write_bytes"):
            return False
    return True


def decide(items: list[Found], ctx: Context) -> None:
    """Plan each PENDING Path site: `p.open(...)` becomes `storage.path_open(p, ...)`, the
    others keep their name; `pin=` (the rule's strategy is pin) on a call that writes
    (`write_text`, `write_bytes`, `open` with a mode that may write)."""
    pin = ctx.pin_for(Family.PATHLIB)
    for item in items:
        if item.status is not Status.PENDING:
            continue
        attr = item.call.func.attr.value  # type: ignore[attr-defined]
        on_class = _called_on_the_class(item.call, ctx)
        writes = attr in ("write_text", "write_bytes") or (
            attr == "open" and may_write(open_mode(item.call, 1 if on_class else 0))
        )
        region = (item.position.line, item.position.end_line)
        if on_class:
            if not _arguments_kept(item.call, attr):
                item.unmigrated(Reason.DYNAMIC_CALL)
                continue
            method = "path_open" if attr == "open" else attr
            item.edit = PathEdit(item.call, region, method, pin if writes else None, True)
        elif _arguments_kept(item.call, attr) and lookup_order_kept(item.call, ctx):
            method = "path_open" if attr == "open" else attr
            item.edit = PathEdit(item.call, region, method, pin if writes else None)
        else:
            item.edit = LookupFirstEdit(item.call, region, pin if writes else None)
        item.needs = ("storage",)


# -- rewrite -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathEdit:
    """`p.method(args)` -> `storage.method(p, args[, pin=...])`; with `on_class`,
    `Path.method(p, args)` -> the same (the receiver is already the first argument)."""

    node: cst.Call
    region: tuple[int, int]
    method: str
    pin: bool | None
    on_class: bool = False
    family: Family = Family.PATHLIB

    def apply(self, node: cst.CSTNode, names: Mapping[str, str]) -> cst.Call:
        assert isinstance(node, cst.Call)
        if not self.on_class:
            return rewrite_path_call(node, self, names["storage"])
        func = cst.Attribute(value=cst.Name(names["storage"]), attr=cst.Name(self.method))
        new = node.with_changes(func=func)
        if self.pin is not None:
            new = append_arg(new, keyword("pin", bool_name(self.pin)))
        return new


def rewrite_path_call(call: cst.Call, edit: PathEdit, storage_name: str) -> cst.Call:
    """`recv.method(args)` -> `storage.method(recv, args[, pin=...])`."""
    assert isinstance(call.func, cst.Attribute)
    receiver = call.func.value
    new = call.with_changes(
        func=cst.Attribute(value=cst.Name(storage_name), attr=cst.Name(edit.method))
    )
    if (
        not call.args
        and len(receiver.lpar) == 1
        and _blank(call.whitespace_before_args)
    ):
        # `(\n    a / b\n).read_text()`: the receiver's parentheses become the call's.
        inner = receiver.with_changes(lpar=[], rpar=[])
        new = new.with_changes(
            args=[
                cst.Arg(inner, whitespace_after_arg=receiver.rpar[0].whitespace_before)
            ],
            whitespace_before_args=receiver.lpar[0].whitespace_after,
        )
    else:
        new = prepend_arg(new, strip_parens(receiver))
    if edit.pin is not None:
        new = append_arg(new, keyword("pin", bool_name(edit.pin)))
    return new


def _blank(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.SimpleWhitespace) and not whitespace.value


# `pathlib_io.PathlibCodemod` for libcst.tool (see families/__init__.py).
__getattr__ = lazy_command(__name__)
