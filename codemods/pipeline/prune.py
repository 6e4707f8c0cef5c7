"""Scope analysis only where it matters: cut the functions and classes that hold no
candidate call out of the source bytes before LibCST parses them, and splice the rewrite
of what is left back into the whole source.

LibCST's parse, its ScopeProvider and its printing each cost in proportion to the tree,
and most of a large module is functions and classes with no file I/O. A module-level or
class-level function or class (reached through `if`/`try`/`for`/`while`/`with`/`class`
bodies, never inside a function) that contains no candidate call (decorators, defaults
and bases included) and no `global`/`nonlocal` statement cannot change how a name
resolves at a candidate site: its names are its own and it binds no module-level name but
its own. (A method's `self.open()` is told from a Path call by its own class's methods;
that class holds the call, so it is kept.) Its body becomes one `...` line (`cut_source`);
one that no kept line even names goes whole (`_drop_unreferenced`).

What the cut bodies could still matter for is checked on their text instead
(`Pruned.mentions`): a name the rewrite wants to introduce (`storage`, an alias), or a
module-level `with ... as f` handle read later by a function.

This is the one pruning mechanism. Stubbing the same bodies in a parsed LibCST tree
(which the engine also did until issue 12) saves the scope analysis but not the parse and
print: alone it took twice the engine's CPU, and beside the cut the engine cost the same
without it (README, "One pruning mechanism"). A tree that LibCST has already parsed (the
engine's fallback when a cut cannot be used, the LibCST codemod commands) is analysed
whole; the codemod commands pay about a fifth more for their own pass for it.

Three records: `Cut` (the cut source and what each of its lines stands for), `Pruned`
(what the finder is told about the module it analyses) and `Spliced` (the rewrite put
back into the whole source).
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst
from migrate_storage.codemods.pipeline import align
from migrate_storage.codemods.pipeline.package_facts import dotted, may_return_path
from migrate_storage.codemods.pipeline.prefilter import BYTE_LINES, Scan, first_line

_MIN_LINES = 2  # a unit shorter than this is not worth a `...` line


@dataclass(frozen=True, slots=True)
class Pruned:
    """What the finder is told about the module it analyses: `Pruned(module)` for a whole
    source; for a cut one (`Cut.pruned`), the text and lines of what was cut, and that
    LibCST's positions in `module` are not the source's (lines were removed)."""

    module: cst.Module
    text: str = ""  # the source text of the cut units
    ranges: tuple[tuple[int, int], ...] = ()  # the cut units' source lines, in order
    exact_lines: bool = True
    # (name, source text) of each class cut whole whose name no other class of the module
    # has: what its own body may define is asked of its own text (analysis/receivers.py)
    class_texts: tuple[tuple[str, str], ...] = ()

    def covers(self, line: int) -> bool:
        # `ranges` are in source order and do not overlap: the last one starting at or
        # before `line` is the only one that can hold it (one lookup per candidate).
        at = bisect.bisect_right(self.ranges, (line, float("inf"))) - 1
        return at >= 0 and line <= self.ranges[at][1]

    def mentions(self, name: str) -> bool:
        """Whether the cut text spells the identifier `name` as a whole word."""
        return bool(self.text) and name in _words(self.text)


@functools.lru_cache(maxsize=4)
def _words(text: str) -> frozenset[str]:
    # One pass over the cut text, then a set lookup per name: the finder asks about
    # hundreds of names per file, and a regex search per name read the text each time.
    return frozenset(_TEXT_WORD.findall(text))


_TEXT_WORD = re.compile(r"\w+")


def _ast_units(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Functions and classes reached through compound statements (never inside a
    function), in source order, each class before what it holds."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            yield node
            yield from _ast_units(node.body)
        elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            yield from _ast_units(node.body)
            yield from _ast_units(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _ast_units(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield from _ast_units(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                yield from _ast_units(handler.body)
            yield from _ast_units(node.orelse)  # type: ignore[attr-defined]
            yield from _ast_units(node.finalbody)  # type: ignore[attr-defined]


def marks(scan: Scan, focus: Collection[int] | None) -> list[int]:
    """The lines whose functions and classes must stay: the `focus` lines when given
    (the safety net's second pass), else those of the candidate calls and of the
    references that may be file functions used as values; plus what
    analysis/receivers.py reads to type an attribute that a candidate's receiver goes
    through (`self._path.open()`, `config.path.read_text()`): the class-level
    annotations and assignments of that name (dataclass fields; the class stays, its
    methods may still be stubbed) and every store to or `del` of an attribute of that
    name (`self._path = root / "x"` in `__init__`). What is cut anyway is checked on its
    text (receivers.py), so this decides what can be shown, never what is assumed."""
    lines = (
        sorted(focus)
        if focus is not None
        else sorted(c.line for c in (*scan.candidates, *scan.values))
    )
    if scan.tree is None or not lines:
        return lines
    return sorted(
        {
            *lines,
            *_typing_lines(scan.tree, set(lines), scan.lines),
            # `walrus`: whether `:=` is spelled at all (else no helper body is searched
            # for an assignment expression)
            *_helper_lines(scan.tree, lines, any(":=" in line for line in scan.lines)),
        }
    )


def _helper_lines(tree: ast.Module, lines: Sequence[int], walrus: bool) -> Iterator[int]:
    """A line of each unannotated function or method that the kept code calls (by name,
    `force_path(p)`, or as a method, `self.target(x)`) and that may return a Path
    (package_facts.may_return_path): analysis/receivers.py proves what it returns from
    its body ("Unannotated returns"), which a cut would hide. Kept helpers' own calls
    are followed in turn."""
    helpers: dict[str, list[tuple[ast.FunctionDef, str | None]]] = {}
    for unit in _ast_units(tree.body):
        if isinstance(unit, ast.ClassDef):
            for inner in unit.body:
                if isinstance(inner, ast.FunctionDef) and inner.returns is None:
                    helpers.setdefault(inner.name, []).append((inner, unit.name))
        elif isinstance(unit, ast.FunctionDef) and unit.returns is None:
            helpers.setdefault(unit.name, []).append((unit, None))
    if not helpers:
        return
    marked = sorted(lines)
    kept: set[int] = set()
    pending: list[ast.AST] = [tree]
    while pending:
        called = _called_names(pending.pop(), marked, kept)
        for name in called & helpers.keys():
            for function, cls in helpers.pop(name):
                if id(function) not in kept and may_return_path(tree, function, cls, walrus):
                    kept.add(id(function))
                    pending.append(function)
                    yield function.body[0].lineno


def _called_names(root: ast.AST, marked: Sequence[int], kept: set[int]) -> set[str]:
    """The names called in `root` (`f(...)`, `x.f(...)`), not looking into the
    functions and classes inside it that hold no line of `marked` (those may be cut)
    unless `kept` holds them."""
    found: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if (
                isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and id(child) not in kept
            ):
                first = first_line(child)
                at = bisect.bisect_left(marked, first)
                if at == len(marked) or marked[at] > (child.end_lineno or first):
                    continue
            if isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Name):
                    found.add(func.id)
                elif isinstance(func, ast.Attribute):
                    found.add(func.attr)
            stack.append(child)
    return found


def _typing_lines(
    tree: ast.Module, lines: set[int], text: Sequence[str]
) -> Iterator[int]:
    receivers: set[str] = set()
    methods: set[str] = set()  # the methods candidate calls call (`x.write_text(...)`)
    stack: list[ast.AST] = [tree]
    marked = sorted(lines)
    while stack:  # only the nodes whose lines hold a marked line
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            start = getattr(child, "lineno", None)
            if start is not None:
                at = bisect.bisect_left(marked, start)
                if at == len(marked) or marked[at] > (child.end_lineno or start):
                    continue
            if (
                isinstance(child, ast.Call)
                and child.lineno in lines
                and isinstance(child.func, ast.Attribute)
            ):
                receivers.update(
                    sub.attr
                    for sub in ast.walk(child.func.value)
                    if isinstance(sub, ast.Attribute)
                )
                methods.add(child.func.attr)
                if child.func.attr in ("replace", "rename") and child.args:
                    # `os.replace(self._tmp, dst)`: families/scratch.py reads the stores
                    # of `_tmp` (`self._tmp = tmp` in `__init__`) to tell a temp name
                    receivers.update(
                        sub.attr
                        for sub in ast.walk(child.args[0])
                        if isinstance(sub, ast.Attribute)
                    )
            stack.append(child)
    yield from _owner_lines(tree, methods)
    if not receivers:
        return
    yield from _property_lines(tree, receivers)
    mention = re.compile(
        r"\b(?:" + "|".join(map(re.escape, sorted(receivers))) + r")\b"
    )
    for unit in _ast_units(tree.body):
        if not isinstance(unit, ast.ClassDef):
            continue
        end = unit.end_lineno or unit.lineno
        if not any(mention.search(line) for line in text[unit.lineno - 1 : end]):
            continue
        for statement in unit.body:
            target = (
                statement.target
                if isinstance(statement, ast.AnnAssign)
                else statement.targets[0]
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1
                else None
            )
            if isinstance(target, ast.Name) and target.id in receivers:
                yield statement.lineno
        for node in ast.walk(unit):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in receivers
                and isinstance(node.ctx, (ast.Store, ast.Del))
            ):
                yield node.lineno


def _owner_lines(tree: ast.Module, methods: set[str]) -> Iterator[int]:
    """The `class` line of each class that defines a method a candidate calls: the class
    and its `def` lines stay (the methods' bodies may still be cut), so
    analysis/receivers.py sees that `formatter.write_text()` on a parameter annotated with
    that class calls the class's own method ("Declared receivers")."""
    if not methods:
        return
    for unit in _ast_units(tree.body):
        if isinstance(unit, ast.ClassDef) and any(
            isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in methods
            for s in unit.body
        ):
            yield unit.lineno


def _property_lines(tree: ast.Module, receivers: set[str]) -> Iterator[int]:
    """A line of each unannotated `@property` of a class named as a receiver's attribute
    (`self.serializer.open()`): analysis/receivers.py types it from its returns
    (`return self._serializer`), whose attributes are added to `receivers` in turn so
    their stores are kept too."""
    properties: dict[str, list[ast.FunctionDef]] = {}
    for unit in _ast_units(tree.body):
        if isinstance(unit, ast.ClassDef):
            for statement in unit.body:
                if (
                    isinstance(statement, ast.FunctionDef)
                    and statement.returns is None
                    and len(statement.decorator_list) == 1
                    and (dotted(statement.decorator_list[0]) or "").rsplit(".")[-1]
                    in ("property", "cached_property")
                ):
                    properties.setdefault(statement.name, []).append(statement)
    pending = list(receivers & properties.keys())
    while pending:
        for function in properties.pop(pending.pop(), ()):
            yield function.body[0].lineno
            for node in ast.walk(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    for sub in ast.walk(node.value):
                        if isinstance(sub, ast.Attribute) and sub.attr not in receivers:
                            receivers.add(sub.attr)
                            if sub.attr in properties:
                                pending.append(sub.attr)


def _selected(
    units: Sequence[ast.stmt],
    marks: Sequence[int],
    fences: Sequence[int],
    fits: Callable[[int], bool],
) -> Iterator[tuple[int, int, int]]:
    """(index, first line, last line) of each unit to cut: long enough, no line of
    `marks` or `fences` (`global`/`nonlocal` statements) inside, `fits(index)`, and not
    inside a unit already cut."""
    marks = sorted([*marks, *fences])
    last_cut = 0
    for index, node in enumerate(units):
        first = first_line(node)
        last = node.end_lineno or node.lineno
        if first <= last_cut or last - first < _MIN_LINES or not fits(index):
            continue
        # The first mark at or after `first` (no copy of the tail).
        at = bisect.bisect_left(marks, first)
        if any(first <= line <= last for line in marks[at : at + 1]):
            continue
        last_cut = last
        yield index, first, last


@dataclass(frozen=True, slots=True)
class Cut:
    """A source whose stubbable bodies are each reduced to one `...` line at the body's
    indentation. Lines are removed, not blanked: LibCST would make a node of every blank
    line, and its scope analysis would walk them all. So positions in the cut differ from
    the source's; the finder takes them from the `ast` scan of the whole source instead."""

    source: bytes
    chunks: tuple[
        bytes, ...
    ]  # per line of `source`: the bytes of the whole source it stands for
    stub_lines: frozenset[int]  # 0-based lines of `source` that stand for a cut body
    ranges: tuple[tuple[int, int], ...]  # the cut units' lines in the whole source
    text: str  # the cut units' source text (for Pruned.mentions)
    class_texts: tuple[tuple[str, str], ...] = ()  # Pruned.class_texts

    def pruned(self, module: cst.Module) -> Pruned:
        """The Pruned that stands for this cut in the finder (`module` is LibCST's parse
        of `source`, so its positions are not the whole source's)."""
        return Pruned(module, self.text, self.ranges, exact_lines=False,
                      class_texts=self.class_texts)


def cut_source(source: bytes, scan: Scan, candidate_lines: Sequence[int]) -> Cut | None:
    """The source with the bodies of the units `_selected` picks cut out (see the module
    docstring), or None if there are none."""
    assert scan.tree is not None
    lines = scan.lines
    units = list(_ast_units(scan.tree.body))
    byte_lines = BYTE_LINES.findall(source)

    def body_starts_a_line(index: int) -> bool:  # not `def f(): return 1`
        first = units[index].body[0]  # type: ignore[attr-defined]
        start = first_line(first)
        line = byte_lines[start - 1] if start <= len(byte_lines) else b""
        return start > units[index].lineno and not line[: first.col_offset].strip()

    selected = list(_selected(units, candidate_lines, scan.fences, body_starts_a_line))
    bodies: list[tuple[int, int, bytes]] = []  # (first line cut, last line, stub line)
    ranges: list[tuple[int, int]] = []
    texts: list[str] = []
    class_names = Counter(u.name for u in units if isinstance(u, ast.ClassDef))
    class_texts: list[tuple[str, str]] = []
    for index, first, last in selected:
        start = first_line(units[index].body[0])  # type: ignore[attr-defined]
        head = byte_lines[start - 1]
        indent = head[: units[index].body[0].col_offset]  # type: ignore[attr-defined]
        tail = byte_lines[last - 1]
        ending = (
            tail[len(tail.rstrip(b"\r\n")) :]
            or head[len(head.rstrip(b"\r\n")) :]
            or b"\n"
        )
        bodies.append((start, last, indent + b"..." + ending))
        ranges.append((first, last))
        texts.append("".join(lines[first - 1 : last]))
        unit = units[index]
        if isinstance(unit, ast.ClassDef) and class_names[unit.name] == 1:
            class_texts.append((unit.name, texts[-1]))
    bodies = _drop_unreferenced(
        bodies, [units[index] for index, _, _ in selected], byte_lines
    )
    if not bodies:
        return None
    out: list[bytes] = []
    chunks: list[bytes] = []
    stub_lines: set[int] = set()
    position = 0  # 0-based index of the next line of the source to copy
    for start, last, stub in bodies:
        out.extend(byte_lines[position : start - 1])
        chunks.extend(byte_lines[position : start - 1])
        stub_lines.add(len(out))
        out.append(stub)
        chunks.append(b"".join(byte_lines[start - 1 : last]))
        position = last
    out.extend(byte_lines[position:])
    chunks.extend(byte_lines[position:])
    return Cut(
        b"".join(out),
        tuple(chunks),
        frozenset(stub_lines),
        tuple(ranges),
        "\n".join(texts),
        tuple(class_texts),
    )


_WORD = re.compile(rb"\w+")


def _drop_unreferenced(
    bodies: list[tuple[int, int, bytes]],
    units: Sequence[ast.stmt],
    byte_lines: list[bytes],
) -> list[tuple[int, int, bytes]]:
    """`bodies` with each cut unit whose name the rest of the source never spells (as a
    word: code, strings and comments alike) cut whole, header and decorators too, and
    runs of such units (with the blank and comment lines between them) cut into one
    `...` line. Nothing that is kept can resolve a name no kept line spells, so the
    analysis is the same without them; it just no longer parses thousands of stubs.
    Dunder methods stay: Python calls them without their names being spelled."""
    kept_words: Counter[bytes] = Counter()
    position = 0
    for start, last, _ in bodies:  # the words of everything but the cut bodies
        kept_words.update(_WORD.findall(b"".join(byte_lines[position : start - 1])))
        position = last
    kept_words.update(_WORD.findall(b"".join(byte_lines[position:])))
    out: list[tuple[int, int, bytes]] = []
    whole: list[bool] = []
    for (start, last, stub), unit in zip(bodies, units):
        first = first_line(unit)
        head = byte_lines[first - 1]
        indent = head[: len(head) - len(head.lstrip(b" \t"))]
        starts_its_line = (
            head[len(indent) :].startswith(b"@")
            if unit.decorator_list  # type: ignore[attr-defined]
            else unit.col_offset == len(indent)
        )
        name = unit.name  # type: ignore[attr-defined]
        # Dunder methods are called without being spelled (`with`, `/`, `os.fspath`).
        dunder = name.startswith("__") and name.endswith("__")
        if dunder or kept_words[name.encode()] != 1 or not starts_its_line:
            out.append((start, last, stub))
            whole.append(False)
            continue
        ending = stub[len(stub.rstrip(b"\r\n")) :]
        between = byte_lines[out[-1][1] : first - 1] if out else []
        if (
            out
            and whole[-1]
            and out[-1][2] == indent + b"..." + ending
            and all(
                not line.strip() or line.lstrip().startswith(b"#") for line in between
            )
        ):
            out[-1] = (out[-1][0], last, out[-1][2])
        else:
            out.append((first, last, indent + b"..." + ending))
            whole.append(True)
    return out


@dataclass(frozen=True, slots=True)
class Spliced:
    """A rewrite of a cut put back into the whole source; the safety net's second pass
    reads `cut` (what was printed) and maps its lines back through `lines`."""

    source: bytes  # the whole rewritten source
    cut: bytes  # the rewritten cut
    lines: tuple[int, ...]  # per line of `cut`: its (1-based) line in `source`


def splice(cut: Cut, new_cut: bytes) -> Spliced | None:
    """The rewrite of `cut.source` into `new_cut`, applied to the whole source: lines the
    rewrite kept stand for what they stood for (so the cut bodies come back), the others
    are taken from `new_cut`. None when the rewrite touched a stub line (never expected:
    no candidate is in a cut body), so the caller can go over the whole source instead.

    Linear: the `...` lines (the stubs, and any the source spells) must come back in the
    same order and unchanged; they anchor the alignment (align.py), and between two of
    them the lines both sides share at the ends are kept, the rest taken from `new_cut`."""
    before = BYTE_LINES.findall(cut.source)
    after = BYTE_LINES.findall(new_cut)
    old_anchors = [i for i, text in enumerate(before) if text.strip() == b"..."]
    new_anchors = [j for j, text in enumerate(after) if text.strip() == b"..."]
    if [before[i] for i in old_anchors] != [after[j] for j in new_anchors]:
        return None
    alignment = align.Alignment(tuple(zip(old_anchors, new_anchors)))
    out: list[bytes] = []
    lines: list[int] = []
    line = 1  # of the next chunk in the spliced source
    for tag, i1, i2, j1, j2 in align.opcodes(before, after, alignment):
        if tag == "equal":
            for index in range(i1, i2):
                chunk = cut.chunks[index]
                out.append(chunk)
                lines.append(line)
                line += len(BYTE_LINES.findall(chunk)) if index in cut.stub_lines else 1
            continue
        if any(n in cut.stub_lines for n in range(i1, i2)):
            return None
        out.extend(after[j1:j2])
        lines.extend(range(line, line + j2 - j1))
        line += j2 - j1
    return Spliced(b"".join(out), new_cut, tuple(lines))
