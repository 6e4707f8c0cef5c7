"""Cheap checks that decide whether a file needs LibCST at all.

LibCST parsing costs about 10x `ast.parse`, and scope metadata several times more, so the
engine pays for them only when this module finds a candidate call:

1. `may_contain_target`: a byte regex; a file that spells none of the words the families
   ask for (`Candidates.text`: `open`, a pathlib method, `json`, ...) nor the runtime
   module cannot hold a site.
2. `scan`: one `ast.parse` and a walk, near the lines that spell a candidate name,
   collecting the calls that *could* be sites by shape alone (a superset of what the
   finder keeps). The finder pairs its LibCST calls
   with these in source order and takes their line/column from them, which spares the
   costly PositionProvider (it verifies the pairing and falls back when it disagrees).
   The same walk collects the references that may be file functions used as values
   (`is_value_candidate`: `retry(os.replace, a, b)`, `staticmethod(open)`), paired with
   the collector's the same way (`Scan.values`).

Shapes are compared as (name, root) pairs: `open(...)` is ("open", None) for a bare name,
`io.open(...)` is ("open", "io"), `Path(x).read_text()` is ("read_text", "").

Both steps know no family: the words and shapes are the union of what the families listed
in families/registry.py ask for (`CANDIDATES`, families/protocol.py), see `candidates`.
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from migrate_storage.codemods.families.protocol import Candidates, FamilyModule

_GENERATED_RX = re.compile(rb"@generated\b")
GENERATED_LINES = 10  # `@generated` counts within the first lines only
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
# Lines with their endings, ended where Python ends them (as `ast` line numbers count).
LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
BYTE_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

Shape = tuple[str, "str | None"]


class SourceError(Exception):
    """The file cannot be read as Python: not decodable or not parseable."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"{line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Candidate:
    """A call that may be a site, with its position (1-based line, 0-based char column)."""

    shape: Shape
    line: int
    column: int
    end_line: int
    # When the call is the context expression of a `with` item: that with's line span.
    with_span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    candidates: tuple[Candidate, ...]
    module_names: frozenset[str]  # names bound by imports of target modules
    from_names: frozenset[str]  # names imported from target modules
    tree: ast.Module | None = None  # for prune.py
    lines: tuple[str, ...] = ()  # the source lines, with their line endings
    fences: tuple[int, ...] = ()  # lines of `global`/`nonlocal` statements, in order
    # References that may be a file function used as a value (`is_value_candidate`),
    # in source order, and the names from-imported under a value function's name.
    values: tuple[Candidate, ...] = ()
    from_values: frozenset[str] = frozenset()


def generated_marker_line(source: bytes) -> int | None:
    """The line of an `@generated` marker in the first lines, else None."""
    head = source.split(b"\n", GENERATED_LINES)[:GENERATED_LINES]
    for number, line in enumerate(head, start=1):
        if _GENERATED_RX.search(line):
            return number
    return None


def decode(source: bytes) -> str:
    """The text of `source` in its declared encoding (PEP 263, BOM), or SourceError."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:
        raise SourceError(
            exc.lineno or 1, f"not UTF-8 and no usable encoding declaration ({exc.msg})"
        ) from None
    try:
        return source.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = source.count(b"\n", 0, start) + 1
        raise SourceError(line, f"not valid {encoding}: {exc}") from None


# The indentation of a line up to its last form feed, when code follows on the line:
# Python's tokenizer starts counting the indentation again after a form feed, LibCST's
# does not (it fails, or reads another block structure).
_FORM_FEED_INDENT = re.compile(rb"^[ \t\f]*\f(?=[^\r\n])", re.MULTILINE)


def without_form_feeds(source: bytes) -> tuple[bytes, frozenset[int]]:
    """`source` with each line's indentation cut after its last form feed (the same
    program to Python's tokenizer, but for the text of a string literal spread over
    lines), and the 1-based lines that changed (empty when none did)."""
    if b"\f" not in source:
        return source, frozenset()
    lines: set[int] = set()
    counted = [0, 1]  # (offset, its 1-based line): counting on from the last match

    def cut(match: re.Match[bytes]) -> bytes:
        counted[1] += source.count(b"\n", counted[0], match.start())
        counted[0] = match.start()
        lines.add(counted[1])
        return b""

    # `\n` counts lines here: a form feed in a file ended by `\r` alone is not supported.
    if b"\r" in source.replace(b"\r\n", b""):
        return source, frozenset()
    stripped = _FORM_FEED_INDENT.sub(cut, source)
    return stripped, frozenset(lines)


# Marks, among a scan's module names, a module that imports pathlib (Path.replace and
# Path.rename are candidates only there: `Candidates.path_only_methods`).
PATHLIB_IMPORTED = "<pathlib>"


def candidates() -> Candidates:
    """What every listed family asks the prefilter to let through (their `CANDIDATES`).

    Read from the registry when asked, not on import: the family modules import the
    analyses, which import this module. Asked for every call the scans meet, so the
    union is kept until the registry's tuple changes (a test lists a family of its own)."""
    global _registry, _last
    if _registry is None:
        from migrate_storage.codemods.families import registry as _registry
    modules = _registry.FAMILY_MODULES
    if _last[0] is not modules:
        union = Candidates()
        for module in modules:
            union |= module.CANDIDATES
        _last = (modules, union)
    return _last[1]


_registry: ModuleType | None = None  # families/registry.py, once imported
# The registry's tuple and the union of its candidates.
_last: tuple[tuple[FamilyModule, ...] | None, Candidates] = (None, Candidates())


@cache
def _text_rx(wanted: Candidates) -> re.Pattern[bytes]:
    # The plain words as one trie (word_alternation), the few regular expressions beside.
    plain = {t for t in wanted.text if t and re.escape(t) == t}
    patterns = [t for t in wanted.text if t and t not in plain]
    return re.compile("|".join([word_alternation(plain)] * bool(plain) + patterns).encode() or rb"(?!)")


def may_contain_target(source: bytes, runtime_module: str) -> bool:
    """False only when no site can be in `source` (cheap, byte-level): it spells none of
    the families' `Candidates.text`, nor the runtime module."""
    return (
        _text_rx(candidates()).search(source) is not None
        or runtime_module.encode() in source
    )


def is_candidate(
    shape: Shape, scan_names: tuple[frozenset[str], frozenset[str]]
) -> bool:
    """The one shape rule shared by the `ast` scan and the LibCST finder."""
    name, root = shape
    module_names, from_names = scan_names
    wanted = candidates()
    if root is None:
        return name in wanted.bare_names or name in from_names
    if name in wanted.any_receiver_methods:
        return True
    if name in wanted.path_only_methods and PATHLIB_IMPORTED in module_names:
        return True
    return name in wanted.module_functions and root in module_names


def is_value_candidate(
    shape: Shape, value_names: tuple[frozenset[str], frozenset[str]]
) -> bool:
    """The shape rule for a reference that is not called (`Candidates.value_functions`),
    shared by the `ast` scan and the LibCST collector: a bare name that is a builtin
    value function (`open`) or from-imported under a value function's name (any alias),
    or `root.name` with `root` bound by an import of a candidate module."""
    name, root = shape
    module_names, from_values = value_names
    wanted = candidates()
    if root is None:
        return name in from_values or (
            name in wanted.bare_names and name in wanted.value_functions
        )
    return bool(root) and name in wanted.value_functions and root in module_names


def _shape(func: ast.expr) -> Shape | None:
    if isinstance(func, ast.Name):
        return (func.id, None)
    if isinstance(func, ast.Attribute):
        node = func.value
        while isinstance(node, ast.Attribute):
            node = node.value
        return (func.attr, node.id if isinstance(node, ast.Name) else "")
    return None


def scan(source: bytes | str, text: str, runtime_module: str) -> Scan:
    """Parse with `ast` and collect candidate calls, sorted in source order.

    The tree is walked twice, neither time whole: its statements for imports and
    `global`/`nonlocal` (the names a candidate can be spelled with), then only the nodes
    whose lines hold one of those names as a word (a call's lines hold its name)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are the program's business
            tree = ast.parse(source)
    except SyntaxError as exc:
        raise SourceError(exc.lineno or 1, f"syntax error: {exc.msg}") from None
    except ValueError as exc:  # null bytes
        raise SourceError(1, f"cannot parse: {exc}") from None
    statements = _Statements(runtime_module)
    statements.walk(tree.body)
    names = (frozenset(statements.module_names), frozenset(statements.from_names))
    lines = _LINE_SPLIT.split(text)
    hints = _hint_lines(text, lines, names)
    value_names = (names[0], frozenset(statements.from_values))
    with_spans: dict[int, tuple[int, int]] = {}
    found: list[tuple[ast.Call, Shape]] = []
    values: list[tuple[ast.expr, Shape]] = []
    # Called or looked into (`f(...)`, `f.attr`): not a value; `_near` yields a node
    # before its children, so a reference's parent has been seen when it comes.
    not_values: set[int] = set()
    for node in _near(tree, hints):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                span = (node.lineno, node.end_lineno or node.lineno)
                with_spans[id(item.context_expr)] = span
        elif isinstance(node, ast.Call):
            not_values.add(id(node.func))
            shape = _shape(node.func)
            if shape is not None and is_candidate(shape, names):
                found.append((node, shape))
        elif isinstance(node, (ast.Name, ast.Attribute)):
            if isinstance(node, ast.Attribute):
                not_values.add(id(node.value))
            if isinstance(node.ctx, ast.Load) and id(node) not in not_values:
                shape = _shape(node)
                if shape is not None and is_value_candidate(shape, value_names):
                    values.append((node, shape))
    found.sort(
        key=lambda c: (
            c[0].lineno,
            c[0].col_offset,
            -(c[0].end_lineno or 0),
            -(c[0].end_col_offset or 0),
        )
    )
    values.sort(key=lambda v: (v[0].lineno, v[0].col_offset))
    kept_lines = tuple(LINES.findall(text)) if found or values else ()

    def candidate(node: ast.expr, shape: Shape) -> Candidate:
        return Candidate(
            shape=shape,
            line=node.lineno,
            column=_char_column(lines, node.lineno, node.col_offset),
            end_line=node.end_lineno or node.lineno,
            with_span=with_spans.get(id(node)),
        )

    candidates = tuple(candidate(call, shape) for call, shape in found)
    return Scan(
        candidates,
        *names,
        tree=tree if found or values else None,
        lines=kept_lines,
        fences=tuple(statements.fences),
        values=tuple(candidate(node, shape) for node, shape in values),
        from_values=value_names[1],
    )


class _Statements:
    """One walk over every statement (function bodies included, expressions skipped)."""

    def __init__(self, runtime_module: str) -> None:
        wanted = candidates()
        self.roots = wanted.module_roots | {runtime_module.partition(".")[0]}
        self.value_functions = wanted.value_functions
        self.star_functions = wanted.module_functions
        self.module_names: set[str] = set()
        self.from_names: set[str] = set()
        self.from_values: set[str] = set()  # from-imported value functions, as bound
        self.fences: list[int] = []  # lines of `global`/`nonlocal`, in order

    def walk(self, body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.partition(".")[0] == "pathlib":
                        self.module_names.add(PATHLIB_IMPORTED)
                    if alias.name.partition(".")[0] in self.roots:
                        self.module_names.add(alias.asname or alias.name.partition(".")[0])
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0 and node.module and node.module.partition(".")[0] == "pathlib":
                    self.module_names.add(PATHLIB_IMPORTED)
                if node.level == 0 and node.module and node.module.partition(".")[0] in self.roots:
                    for alias in node.names:
                        if alias.name == "*":
                            # `from os import *` then `remove(p)`: any function a family
                            # knows may be bound (analysis/context.py `names` says which)
                            self.from_names.update(self.star_functions)
                            continue
                        bound = alias.asname or alias.name
                        self.module_names.add(bound)
                        self.from_names.add(bound)
                        if alias.name in self.value_functions:
                            self.from_values.add(bound)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self.fences.append(node.lineno)
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Attribute)
            ):
                # `ct = shutil.copytree`: a call `ct(...)` may be that function's
                # (analysis/names.py `local_alias` decides), so it is a candidate
                shape = _shape(node.value)
                values = (frozenset(self.module_names), frozenset(self.from_values))
                if shape is not None and is_value_candidate(shape, values):
                    self.from_names.add(node.targets[0].id)
            else:
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        self.walk(inner)
                for part in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
                    self.walk(part.body)


@cache
def _hint_names(wanted: Candidates) -> frozenset[str]:
    """Every name a candidate call can have, whatever the module imports."""
    return (
        wanted.bare_names
        | wanted.any_receiver_methods
        | wanted.path_only_methods
        | wanted.module_functions
        | wanted.value_functions
    )


def word_alternation(words: Iterable[str]) -> str:
    """A regular expression matching exactly `words`, written as a trie (`open(?:_file)?`):
    `re` tries the branches of a plain alternation one by one wherever it looks, a trie's
    fail on their first letter (the hint search reads every module that may hold a site)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def spelled(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + spelled(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return ("(?:" + body + ")" if len(branches) == 1 and len(body) > 1 else body) + "?"

    return "(?:" + (spelled(trie) or "(?!)") + ")"


def _hint_lines(
    text: str, lines: list[str], names: tuple[frozenset[str], frozenset[str]]
) -> list[int]:
    """The (1-based, sorted) lines where a name a candidate call can have is a word."""
    rx = re.compile(r"\b" + word_alternation({*_hint_names(candidates()), *names[1]}) + r"\b")
    if "\r" in text:  # lone CRs end lines too: search line by line
        return [number for number, line in enumerate(lines, start=1) if rx.search(line)]
    # One search over the whole text (a search per line was most of this stage's cost);
    # newlines counted between matches, so the whole is linear in the text.
    hints: list[int] = []
    number, counted_to = 1, 0
    for match in rx.finditer(text):
        number += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        if not hints or hints[-1] != number:
            hints.append(number)
    return hints


def _near(tree: ast.Module, hints: list[int]) -> Iterator[ast.AST]:
    """The nodes of `tree` whose lines include a hint line (and those without lines)."""
    if not hints:
        return
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if getattr(child, "lineno", None) is not None:
                first = first_line(child)  # type: ignore[arg-type]
                index = bisect.bisect_left(hints, first)
                if index == len(hints) or hints[index] > (child.end_lineno or first):  # type: ignore[attr-defined]
                    continue
            yield child
            stack.append(child)


def first_line(node: ast.stmt | ast.expr) -> int:
    """Where a node starts: its first decorator's line for a decorated `def`/`class`
    (decorators stand above the line `ast` gives it)."""
    decorators = getattr(node, "decorator_list", None)
    if not decorators:
        return node.lineno
    return min(node.lineno, *(d.lineno for d in decorators))


def _char_column(lines: list[str], line: int, byte_offset: int) -> int:
    """ast columns count UTF-8 bytes; Sites count characters, as LibCST does."""
    if line - 1 >= len(lines):
        return byte_offset
    text = lines[line - 1]
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))
