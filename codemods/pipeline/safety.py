"""Checks a rewrite must pass before the engine reports it CHANGED.

The rewrite changes the program on purpose, so instead of black's "same AST" the checks
are, in the manner of black's `assert_equivalent`/`assert_stable`:

1. the output compiles (when the input did; otherwise it must at least parse);
2. every changed line maps to a planned edit (the original line span of a rewritten call
   or collapsed `with`), or is an added/extended `from <runtime> import ...` line or a
   blank line next to it;
3. one more single pass over what changed changes nothing and finds no PENDING site (no
   back-and-forth). That pass looks at the functions holding a changed line and at all
   code outside functions (imports, class bodies): a function the rewrite left alone had
   no pending site, and check 2 guarantees that it and every binding outside the changed
   functions are as before, but for the runtime names the rewrite imports, which are
   chosen not to clash with any name in the file.

On failure the unified diff goes to a temporary file named in the message, and the
engine reports FAILED and leaves the source alone.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migrate_storage.codemods.analysis.plan import Plan
from migrate_storage.codemods.model import Site, Status
from migrate_storage.codemods.pipeline import align
from migrate_storage.codemods.pipeline.diffing import unified_diff
from migrate_storage.codemods.pipeline.prefilter import LINES, decode

# (rewritten source, its changed lines) -> (its sites there, whether a pass changes it again)
Rerun = Callable[[bytes, frozenset[int]], tuple[tuple[Site, ...], bool]]


def check(
    source: bytes,
    text: str,
    new_source: bytes,
    path: str,
    plan: Plan,
    runtime_module: str,
    *,
    rerun: Rerun,
    cut: tuple[bytes, Sequence[int]] | None = None,
) -> str | None:
    """None when `new_source` is a safe rewrite of `source`, else a "path:line: ..." message.
    `cut`: when the rewrite was made on a cut (pipeline/prune.py), the rewritten cut and,
    per line of it, its line in `new_source`: check 1 compiles that instead of the whole
    source. It holds every changed line and all the code outside the cut bodies, which
    are the source's own and hold no `global`/`nonlocal` (prune never cuts those), so a
    rewrite that breaks compilation breaks it there too."""
    problem = _compiles(source, new_source, path, cut)
    if problem is None:
        changes = compare(text, decode(new_source), plan.regions, runtime_module)
        if changes.stray:
            line = changes.stray[0]
            problem = (line, f"line {line} changed outside any rewritten call")
        else:
            sites, again = rerun(new_source, changes.new_lines)
            pending = [s for s in sites if s.status is Status.PENDING]
            if again:
                problem = (1, "a second pass would change the output again (not idempotent)")
            elif pending:
                problem = (
                    pending[0].line,
                    f"{len(pending)} site(s) still pending after the rewrite",
                )
    if problem is None:
        return None
    line, reason = problem
    diff_path = _dump_diff(source, new_source, path)
    return f"{path}:{line}: safety check failed: {reason} (diff in {diff_path})"


def _compiles(
    source: bytes, new_source: bytes, path: str, cut: tuple[bytes, Sequence[int]] | None
) -> tuple[int, str] | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(new_source if cut is None else cut[0], path, "exec", dont_inherit=True)
            return None
        except (SyntaxError, ValueError) as exc:
            error = exc
            if cut is not None and isinstance(exc, SyntaxError) and exc.lineno:
                lines = cut[1]
                exc.lineno = lines[exc.lineno - 1] if exc.lineno <= len(lines) else None
        try:
            compile(source, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            # The input did not compile either (e.g. `return` at module level): ask only
            # that the output parses, as the input did.
            import ast

            try:
                ast.parse(new_source)
                return None
            except (SyntaxError, ValueError) as exc:
                error = exc
    line = getattr(error, "lineno", None) or 1
    return line, f"output does not compile: {error}"


@dataclass(frozen=True, slots=True)
class Changes:
    stray: list[int]  # original line numbers (1-based) changed outside the planned edits
    new_lines: frozenset[int]  # lines of the new text (1-based) that are not old lines


def compare(
    text: str, new_text: str, regions: Sequence[tuple[int, int]], runtime_module: str
) -> Changes:
    """The stray lines of a rewrite, and the lines of the new text it touched: linear in
    both texts (the alignment of align.py, no general diff)."""
    import_rx = re.compile(rf"\s*from\s+{re.escape(runtime_module)}\s+import\b")

    def loose(line: str) -> bool:  # may be added, removed or changed anywhere
        return not line.strip() or import_rx.match(line) is not None

    old, new = LINES.findall(text), LINES.findall(new_text)
    alignment = align.align(old, new, align.region_mask(regions, len(old)), loose)
    if isinstance(alignment, align.Mismatch):
        return Changes([alignment.line], frozenset())
    touched: set[int] = set()
    for tag, i1, i2, j1, j2 in align.opcodes(old, new, alignment):
        if tag != "equal":
            # A deletion touches the new lines around the gap it leaves.
            touched.update(range(j1 + 1, j2 + 1) if j2 > j1 else (j1, j1 + 1))
    return Changes([], frozenset(n for n in touched if n >= 1))


def _dump_diff(source: bytes, new_source: bytes, path: str) -> str:
    fd, name = tempfile.mkstemp(prefix="migrate-storage-", suffix=".diff")
    with os.fdopen(fd, "wb") as handle:
        handle.write(unified_diff(source, new_source, path))  # what `diff` would print
    return name
