"""`transform_source`: bytes in, a picklable FileResult out; never raises.

The order of work is what makes a large tree fast: a `@generated` check and a decode
(always), a byte regex, then `ast.parse` and a shape scan (prefilter.py), and only for
files with candidate calls LibCST parsing and scope metadata (finder.py), of the source
with the bodies of functions and classes that hold no candidate cut out
(prune.cut_source; the rewrite is spliced back into the whole source). A changed file
then goes through safety.py before it is reported CHANGED; its second pass reads the
rewritten cut (`_rerun_cut`), not the whole rewritten file again.

Files that cannot contain a target are not parsed at all, so a syntax error in such a
file goes unnoticed (UNCHANGED, no sites): nothing would be rewritten there anyway.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Collection
from dataclasses import dataclass, replace

import libcst as cst
from migrate_storage.codemods import speedups
from migrate_storage.codemods.analysis.finder import PairingError
from migrate_storage.codemods.analysis.plan import Plan
from migrate_storage.codemods.model import FileResult, FileStatus, Site
from migrate_storage.codemods.pipeline import prefilter, prune, safety
from migrate_storage.codemods.pipeline.diffing import opcodes
from migrate_storage.codemods.pipeline.merge import MergeConflict, merge_rewrite
from migrate_storage.codemods.pipeline.rewrite import run_pass
from migrate_storage.codemods.policy import FilePolicy

__all__ = [
    "Analysis",
    "FileResult",
    "FileStatus",
    "analyse_source",
    "transform_source",
    "warm_up",
]


@dataclass(frozen=True, slots=True)
class Analysis:
    """One pass over a source: its sites, and the rewritten bytes when something changed."""

    sites: tuple[Site, ...]
    new_source: bytes | None
    plan: Plan | None
    text: str
    # Set when the rewrite was made on a cut: the safety net's second pass reads its cut.
    rewritten_cut: prune.Spliced | None = None


class SkipFile(Exception):
    """The file is not to be touched: generated, undecodable, unparseable."""

    def __init__(self, line: int, reason: str, *, on_purpose: bool = False) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.on_purpose = on_purpose


def analyse_source(
    source: bytes,
    path: str,
    policy: FilePolicy,
    *,
    rewrite: bool = True,
    focus: Collection[int] | None = None,
) -> Analysis:
    """One finder (+ rewrite) pass; raises SkipFile for files to skip. No safety checks.
    `focus`: see rewrite.run_pass."""
    marker = prefilter.generated_marker_line(source)
    if marker is not None:
        raise SkipFile(marker, "generated file (@generated marker), skipped", on_purpose=True)
    try:
        text = prefilter.decode(source)
    except prefilter.SourceError as exc:
        raise SkipFile(exc.line, exc.reason) from None
    if not prefilter.may_contain_target(source, policy.runtime_module):
        return Analysis((), None, None, text)
    stripped, fed = prefilter.without_form_feeds(source)
    if fed:
        return _analyse_fed(source, stripped, fed, text, path, policy, rewrite, focus)
    try:
        scan = prefilter.scan(source, text, policy.runtime_module)
    except prefilter.SourceError as exc:
        raise SkipFile(exc.line, exc.reason) from None
    if not scan.candidates and not scan.values:
        return Analysis((), None, None, text)
    if scan.tree is not None:
        cut = prune.cut_source(source, scan, prune.marks(scan, focus))
        if cut is not None:
            analysis = _analyse_cut(source, text, cut, scan, path, policy, rewrite)
            if analysis is not None:
                return analysis
    try:
        module = speedups.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise SkipFile(exc.raw_line, f"LibCST cannot parse: {exc.message}") from None
    result = run_pass(module, scan, path, policy, rewrite=rewrite)
    new_source = None
    if result.module is not None:
        new_source = result.module.bytes
        reproduced = module.bytes
        if reproduced != source:  # LibCST lost a byte somewhere: merge by lines
            try:
                new_source = merge_rewrite(source, reproduced, new_source)
            except MergeConflict as conflict:
                raise SkipFile(
                    conflict.line,
                    "LibCST does not reproduce this line byte for byte; not rewritten",
                ) from None
        if new_source == source:
            new_source = None
    return Analysis(result.sites, new_source, result.plan, text)


def _analyse_fed(
    source: bytes,
    stripped: bytes,
    fed: frozenset[int],
    text: str,
    path: str,
    policy: FilePolicy,
    rewrite: bool,
    focus: Collection[int] | None,
) -> Analysis:
    """analyse_source of a source with a form feed in some line's indentation, which
    LibCST's tokenizer does not read as Python does: the analysis is made on the source
    with those indentations cut after the form feed (the same lines, the same program),
    and the rewrite carried back over the original lines; a rewrite of one of those lines
    skips the file, saying so."""
    analysis = analyse_source(stripped, path, policy, rewrite=rewrite, focus=focus)
    if analysis.new_source is None:
        return Analysis(analysis.sites, None, analysis.plan, text)
    before = prefilter.BYTE_LINES.findall(stripped)
    after = prefilter.BYTE_LINES.findall(analysis.new_source)
    original = prefilter.BYTE_LINES.findall(source)
    out: list[bytes] = []
    for tag, i1, i2, j1, j2 in opcodes(before, after):
        if tag == "equal":
            out.extend(original[i1:i2])
            continue
        line = next((n for n in range(i1 + 1, i2 + 1) if n in fed), None)
        if line is not None:
            raise SkipFile(
                line,
                "a form feed in this line's indentation, which LibCST cannot read as "
                "Python does; the line holds a rewrite, so the file is not rewritten",
            )
        out.extend(after[j1:j2])
    return Analysis(analysis.sites, b"".join(out), analysis.plan, text)


def _analyse_cut(
    source: bytes,
    text: str,
    cut: prune.Cut,
    scan: prefilter.Scan,
    path: str,
    policy: FilePolicy,
    rewrite: bool,
) -> Analysis | None:
    """analyse_source's pass over the cut source, or None to go over the whole source
    instead: LibCST cannot parse or reproduce the cut, or the
    rewrite cannot be spliced back."""
    try:
        module = speedups.parse_module(cut.source)
    except cst.ParserSyntaxError:
        return None
    pruned = cut.pruned(module)
    outside = tuple(c for c in scan.candidates if not pruned.covers(c.line))
    values = tuple(v for v in scan.values if not pruned.covers(v.line))
    try:
        result = run_pass(
            module,
            replace(scan, candidates=outside, values=values, tree=None),
            path,
            policy,
            rewrite=rewrite,
            pruned=pruned,
        )
    except PairingError:  # positions must come from the `ast` scan, and they did not pair
        return None
    if result.module is None:
        return Analysis(result.sites, None, result.plan, text)
    if module.bytes != cut.source:  # LibCST lost a byte: the whole-source path merges
        return None
    new_cut = result.module.bytes
    spliced = prune.splice(cut, new_cut)
    if spliced is None:
        return None
    if spliced.source == source:
        return Analysis(result.sites, None, result.plan, text)
    return Analysis(result.sites, spliced.source, result.plan, text, spliced)


def transform_source(
    source: bytes, path: str, policy: FilePolicy, *, rewrite: bool = True
) -> FileResult:
    """Find (and with `rewrite`, rewrite) the file-I/O sites of one source file.

    Never raises: an unreadable file is SKIPPED, an internal error or a failed safety
    check is FAILED (with the message, the traceback for errors), the source untouched.
    """
    speedups.install()  # LibCST's fast paths, for the whole process (idempotent)
    try:
        try:
            return _transform(source, path, policy, rewrite)
        except RecursionError:
            return _transform_deep(source, path, policy, rewrite)
    except Exception as exc:  # noqa: BLE001 - the engine's promise: never raise
        message = f"{path}:1: internal error: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        return FileResult(path, FileStatus.FAILED, source=source, message=message)


# LibCST parses, visits and prints recursively: valid Python nested deeper than the
# default recursion limit allows (a 500-call method chain, a long `+` chain or `elif`
# ladder) is done again on a thread with a large stack and a raised limit.
_DEEP_STACK_BYTES = 512 * 1024 * 1024  # address space; only the pages used are backed
_DEEP_RECURSION_LIMIT = 200_000
_deep_lock = threading.Lock()  # the limit is per process: one deep transform at a time


def _transform_deep(
    source: bytes, path: str, policy: FilePolicy, rewrite: bool
) -> FileResult:
    """_transform on a thread with _DEEP_STACK_BYTES of stack and the recursion limit at
    _DEEP_RECURSION_LIMIT; FAILED, saying why, when even that is not deep enough."""
    outcome: list[FileResult | BaseException] = []

    def work() -> None:
        try:
            outcome.append(_transform(source, path, policy, rewrite))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            outcome.append(exc)

    with _deep_lock:
        old_stack = threading.stack_size()
        old_limit = sys.getrecursionlimit()
        try:
            threading.stack_size(_DEEP_STACK_BYTES)
            sys.setrecursionlimit(_DEEP_RECURSION_LIMIT)
            worker = threading.Thread(target=work, name="migrate-storage-deep")
            worker.start()
            worker.join()
        finally:
            threading.stack_size(old_stack)
            sys.setrecursionlimit(old_limit)
    result = outcome[0] if outcome else RuntimeError("the deep-parse thread returned nothing")
    if isinstance(result, RecursionError):
        message = (
            f"{path}:1: nested too deeply for LibCST even with a "
            f"{_DEEP_STACK_BYTES >> 20} MiB stack and a recursion limit of "
            f"{_DEEP_RECURSION_LIMIT}; not rewritten"
        )
        return FileResult(path, FileStatus.FAILED, source=source, message=message)
    if isinstance(result, BaseException):
        raise result
    return result


def _transform(
    source: bytes, path: str, policy: FilePolicy, rewrite: bool
) -> FileResult:
    try:
        analysis = analyse_source(source, path, policy, rewrite=rewrite)
    except SkipFile as skip:
        return FileResult(
            path,
            FileStatus.SKIPPED,
            source=source,
            message=f"{path}:{skip.line}: {skip.reason}",
            skipped_on_purpose=skip.on_purpose,
        )
    if analysis.new_source is None:
        return FileResult(path, FileStatus.UNCHANGED, sites=analysis.sites, source=source)
    assert analysis.plan is not None
    problem = safety.check(
        source,
        analysis.text,
        analysis.new_source,
        path,
        analysis.plan,
        policy.runtime_module,
        rerun=lambda new, focus: _rerun(new, focus, path, policy, analysis.rewritten_cut),
        cut=(
            (analysis.rewritten_cut.cut, analysis.rewritten_cut.lines)
            if analysis.rewritten_cut is not None
            else None
        ),
    )
    if problem is not None:
        return FileResult(
            path, FileStatus.FAILED, sites=analysis.sites, message=problem, source=source
        )
    return FileResult(
        path,
        FileStatus.CHANGED,
        sites=analysis.sites,
        source=source,
        new_source=analysis.new_source,
    )


def _rerun(
    new_source: bytes,
    focus: Collection[int],
    path: str,
    policy: FilePolicy,
    rewritten_cut: prune.Spliced | None,
) -> tuple[tuple[Site, ...], bool]:
    """Sites of the rewritten source around the `focus` lines, and whether one more pass
    would change it."""
    if rewritten_cut is not None:
        return _rerun_cut(rewritten_cut, focus, path, policy)
    analysis = analyse_source(new_source, path, policy, rewrite=True, focus=focus)
    return analysis.sites, analysis.new_source is not None


def _rerun_cut(
    spliced: prune.Spliced, focus: Collection[int], path: str, policy: FilePolicy
) -> tuple[tuple[Site, ...], bool]:
    """`_rerun` over the rewritten cut's bytes instead of the whole rewritten source: what
    the cut left out is unchanged and held no candidate, so this pass sees every site a
    pass over the whole source would, at the same lines (mapped back). It parses what was
    printed, not the tree that printed it, so a rewrite whose text says something else
    than its tree is caught."""
    wanted = frozenset(focus)
    cut_focus = [index + 1 for index, line in enumerate(spliced.lines) if line in wanted]
    sites, again = _rerun(spliced.cut, cut_focus, path, policy, None)
    return tuple(replace(site, line=spliced.lines[site.line - 1]) for site in sites), again


# Goes through every stage of a rewrite (scan, cut, scopes, plan, imports, safety).
_WARM_UP_SOURCE = b"""import json


def save(path, data):
    with open(path, "w") as handle:
        json.dump(data, handle)


def unrelated():
    return 1
"""


def warm_up() -> None:
    """Do what a process otherwise does on its first rewrite: import the rewriting half of
    LibCST (libcst.codemod) and fill the per-class caches of speedups/walk.py and speedups/introspection.py. The
    runner calls it before forking workers, which then inherit it all instead of each
    paying for it."""
    transform_source(_WARM_UP_SOURCE, "<warm-up>", FilePolicy())
