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

import difflib
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migrate_storage.codemods.analysis.plan import Plan
from migrate_storage.codemods.model import Site, Status
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
) -> str | None:
    """None when `new_source` is a safe rewrite of `source`, else a "path:line: ..." message."""
    problem = _compiles(source, new_source, path)
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


def _compiles(source: bytes, new_source: bytes, path: str) -> tuple[int, str] | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(new_source, path, "exec", dont_inherit=True)
            return None
        except (SyntaxError, ValueError) as exc:
            error = exc
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
    """The stray lines of a rewrite, and the lines of the new text it touched."""
    import_rx = re.compile(rf"\s*from\s+{re.escape(runtime_module)}\s+import\b")

    def in_region(line: int) -> bool:
        return any(first <= line <= last for first, last in regions)

    def harmless(line: str) -> bool:
        return not line.strip() or import_rx.match(line) is not None

    old, new = LINES.findall(text), LINES.findall(new_text)
    stray: list[int] = []
    touched_new: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # A deletion touches the new lines around the gap it leaves.
        touched_new.update(range(j1 + 1, j2 + 1) if j2 > j1 else (j1, j1 + 1))
        touched = [n for n in range(i1 + 1, i2 + 1)]
        region_hit = any(in_region(n) for n in touched) or (
            tag == "insert" and (in_region(i1) or in_region(i1 + 1))
        )
        for n in touched:
            if not in_region(n) and not harmless(old[n - 1]):
                stray.append(n)
        if not region_hit and not all(harmless(line) for line in new[j1:j2]):
            stray.append(i1 + 1 if i1 < len(old) else max(len(old), 1))  # 1-based
    return Changes(sorted(set(stray)), frozenset(n for n in touched_new if n >= 1))


def _dump_diff(source: bytes, new_source: bytes, path: str) -> str:
    fd, name = tempfile.mkstemp(prefix="migrate-storage-", suffix=".diff")
    with os.fdopen(fd, "wb") as handle:
        handle.write(unified_diff(source, new_source, path))  # what `diff` would print
    return name
