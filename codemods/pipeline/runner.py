"""Run the engine over PATHS: discover, skip what the cache knows, transform, write, report.

`run(paths, settings) -> RunResult` is the whole library entry point of apply, diff, check
(and the scan that coverage needs). It never prints: the caller gets a frozen RunResult and
an optional `progress` callback per finished file.

- Each file goes through `process_file`, a module-level function whose result pickles, in
  a process pool of `settings.workers` processes, or in this process when there is one file
  or one job (no pool start-up for nothing). Workers read the file themselves and send back
  only what the parent needs (the new bytes when writing, the diff in diff mode).
- Only the parent writes, one file at a time, atomically (writing.replace_file), checking
  first that the file is still the bytes the worker read.
- Files the rules `exclude` are never sent to the engine for rewriting: EXCLUDED.
- The cache (cache.py) is read in apply/check/diff and records clean and finished files,
  and in check/diff the files with pending changes (their sites, rewritten bytes and diff):
  a warm `diff` or `check` reports them again unread, and a later `apply` writes the
  recorded bytes without transforming again. A scan neither reads nor writes it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from migrate_storage.codemods.model import (
    Family,
    FileResult,
    FileStatus,
    Strategy,
)
from migrate_storage.codemods.pipeline import cache as cache_mod
from migrate_storage.codemods.pipeline import (
    package_facts,
    shadowing,
    star_binds,
    star_imports,
)
from migrate_storage.codemods.pipeline.diffing import unified_diff
from migrate_storage.codemods.pipeline.discovery import (
    Discovery,
    Skipped,
    SourceFile,
    discover,
)
from migrate_storage.codemods.pipeline.writing import (
    WriteRefused,
    remove_stale_temp_files,
    replace_file,
)
from migrate_storage.codemods.policy import FilePolicy
from migrate_storage.codemods.settings import Mode, Settings


class Transform(Protocol):
    """engine.transform_source's signature (injectable so unit tests can fake fault paths)."""

    def __call__(
        self, source: bytes, path: str, policy: FilePolicy, *, rewrite: bool = ...
    ) -> FileResult: ...


Progress = Callable[[FileResult, int, int], None]  # (report, files done, files in all)
# Called after each file apply wrote: (report, bytes before, bytes after). The apply record
# (journal.py) uses it to keep what `undo` needs.
OnWritten = Callable[[FileResult, bytes, bytes], None]


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything one run did, for the CLI to render and pick an exit code from."""

    mode: Mode
    files: tuple[FileResult, ...]  # every discovered file, sorted by path
    skipped: tuple[Skipped, ...] = ()  # paths discovery did not take
    removed_temp_files: tuple[Path, ...] = ()  # left by a killed run, removed by this one

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status is status)

    @property
    def changed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.status is FileStatus.CHANGED)

    @property
    def problems(self) -> tuple[str, ...]:
        """`path: reason` lines for everything skipped or failed, in path order."""
        lines = [f.message or f.path for f in self.files if f.status in _NOTED]
        lines += [f"{s.path}: {s.reason}" for s in self.skipped]
        return tuple(sorted(lines))

    @property
    def has_errors(self) -> bool:
        return any(f.status is FileStatus.FAILED for f in self.files) or any(
            s.error for s in self.skipped
        )

    def rewritten_by(self) -> Counter[tuple[Family, Strategy | None]]:
        return Counter((s.family, s.strategy) for f in self.files for s in f.rewritten)

    def left_alone_by(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.left_alone())
        return total

    @property
    def exit_code(self) -> int:
        """0 done or clean, 1 changes pending (check, diff), 2 an input error anywhere."""
        if self.has_errors:
            return 2
        if self.mode in (Mode.CHECK, Mode.DIFF) and self.changed:
            return 1
        return 0


_NOTED = (FileStatus.SKIPPED, FileStatus.FAILED)


# -- the worker -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    file: SourceFile
    policy: FilePolicy
    mode: Mode
    transform: Transform | None = None  # None: the real engine (imported in the worker)


@dataclass(frozen=True, slots=True)
class Work:
    """A worker's answer: the report plus what the parent needs to write and to cache."""

    report: FileResult
    sha256: str = ""
    stat: tuple[int, int] | None = None  # (mtime_ns, size) of the bytes that were read
    new_source: bytes | None = None  # CHANGED only (written in apply mode, cached in the others)
    old_source: bytes | None = None  # apply mode, CHANGED only (for the apply record)


def _engine() -> Transform:
    from migrate_storage.codemods.pipeline.engine import transform_source

    return transform_source


def _status(result: FileResult) -> FileStatus:
    """The engine's status, except that a SKIPPED result that is really an unreadable input
    (not UTF-8, syntax error) rather than a file skipped on purpose (an `@generated` marker)
    is FAILED: those make the run exit 2."""
    if result.status is FileStatus.SKIPPED and not result.skipped_on_purpose:
        return FileStatus.FAILED
    return result.status


def process_file(task: Task) -> Work:
    """Read one file, run the engine on it, and package what the parent needs. Never raises."""
    file = task.file
    try:
        with open(file.real_path, "rb") as handle:
            st = os.fstat(handle.fileno())
            source = handle.read()
    except OSError as exc:
        reason = f"{file.path}: cannot read: {exc.strerror or exc}"
        return Work(FileResult(file.path, FileStatus.FAILED, message=reason, real_path=file.real_path))
    sha = cache_mod.file_digest(source)
    stat = (st.st_mtime_ns, st.st_size)
    transform = task.transform or _engine()
    try:
        result = transform(source, file.path, task.policy, rewrite=task.mode is not Mode.SCAN)
    except Exception as exc:  # the engine promises not to raise; a bug must not stop the run
        message = f"{file.path}: internal error: {type(exc).__name__}: {exc}"
        return Work(FileResult(file.path, FileStatus.FAILED, message=message, real_path=file.real_path))
    status = _status(result)
    new_source = result.new_source if status is FileStatus.CHANGED else None
    if status is FileStatus.CHANGED and (new_source is None or new_source == source):
        status, new_source = FileStatus.UNCHANGED, None
    message = result.message if status in _NOTED else None
    if status in _NOTED and not message:
        message = f"{file.path}: {status.value}"
    diff = None
    if status is FileStatus.CHANGED and task.mode is Mode.DIFF:
        diff = unified_diff(source, new_source or b"", file.path)
    report = FileResult(
        file.path,
        status,
        sites=tuple(result.sites),
        message=message,
        real_path=file.real_path,
        diff=diff,
    )
    old_source = source if task.mode is Mode.APPLY and new_source is not None else None
    return Work(report, sha, stat, new_source, old_source)


def _init_worker(parent_pid: int, table: package_facts.Table | None = None) -> None:
    """Workers leave Ctrl-C to the parent, which stops the pool and cleans up, and die with
    the parent: a SIGKILLed parent cannot stop them, and a pool worker inherits the write
    end of its own task pipe, so it would wait for work forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if table is not None:
        package_facts.share(table)  # the tasks carry only its token
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(1)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _process_chunk(tasks: Sequence[Task]) -> list[Work]:
    """process_file over a few tasks (one pool round trip for several small files)."""
    return [process_file(task) for task in tasks]


def _chunks(tasks: Sequence[Task], workers: int) -> list[list[Task]]:
    """The tasks in chunks for the pool, largest files first, each chunk at most about
    1/(8 x workers) of all the bytes (a large file is a chunk of its own): started first,
    a huge file runs while the other workers share out the rest, instead of being picked
    up last and leaving them idle (the pool hands chunks out in order)."""
    sizes = {}
    for task in tasks:
        try:
            sizes[task.file.real_path] = os.stat(task.file.real_path).st_size
        except OSError:
            sizes[task.file.real_path] = 0  # process_file reports it
    ordered = sorted(tasks, key=lambda t: (-sizes[t.file.real_path], t.file.path))
    budget = max(1, sum(sizes.values()) // (workers * 8))
    limit = 16  # files per chunk, however small
    chunks: list[list[Task]] = []
    weight = 0
    for task in ordered:
        size = sizes[task.file.real_path]
        if not chunks or weight + size > budget or len(chunks[-1]) >= limit:
            chunks.append([])
            weight = 0
        chunks[-1].append(task)
        weight += size
    return chunks


def _execute(
    tasks: Sequence[Task], workers: int, table: package_facts.Table | None = None
) -> Iterator[Work]:
    """Each task's Work, as the workers finish them (in no particular order)."""
    if workers <= 1 or len(tasks) <= 1:
        yield from map(process_file, tasks)
        return
    workers = min(workers, len(tasks))
    chunks = _chunks(tasks, workers)
    executor = ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(os.getpid(), table)
    )
    if table is not None:
        package_facts.share(table)
    pending: dict[Future[list[Work]], list[Task]] = {}
    finished = False
    try:
        pending = {executor.submit(_process_chunk, chunk): chunk for chunk in chunks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                works = future.result()  # BrokenProcessPool when a worker died
                del pending[future]
                yield from works
        finished = True
    except BrokenProcessPool:  # a worker was killed (out of memory?): say so per file
        for chunk in pending.values():
            for task in chunk:
                message = f"{task.file.path}: a worker process died; not processed (try --jobs 1)"
                yield Work(
                    FileResult(
                        task.file.path,
                        FileStatus.FAILED,
                        message=message,
                        real_path=task.file.real_path,
                    )
                )
        finished = True
    finally:
        if not finished:  # Ctrl-C or an error in the parent: stop now, not after the chunks
            _stop_workers(executor)
        executor.shutdown(wait=True, cancel_futures=True)


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """Terminate the pool's workers. Safe at any moment: workers only read files and compute;
    every write is the parent's. (Python 3.14 has `terminate_workers()`; before, the
    processes are only reachable through `_processes`.)"""
    terminate = getattr(executor, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    for process in list(getattr(executor, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()


# -- the parent ------------------------------------------------------------------------


def _finish(work: Work, mode: Mode, roots: tuple[Path, ...]) -> tuple[FileResult, os.stat_result | None, str]:
    """Write a CHANGED file in apply mode. Returns the report, and the stat and sha256 to
    record in the cache (stat None: not to be recorded)."""
    report = work.report
    if report.status is FileStatus.UNCHANGED:
        st = _still_as_read(work)
        return report, st, work.sha256 if st is not None else ""
    if mode is not Mode.APPLY or report.status is not FileStatus.CHANGED:
        return report, None, ""
    assert work.new_source is not None
    try:
        st = replace_file(
            report.real_path, work.new_source, expected_sha256=work.sha256, roots=roots
        )
    except WriteRefused as exc:
        failed = replace(report, status=FileStatus.FAILED, message=f"{report.path}: {exc.reason}")
        return failed, None, ""
    return report, st, cache_mod.file_digest(work.new_source)


def _replay(file: SourceFile, entry: cache_mod.Entry, cache: cache_mod.Cache, mode: Mode) -> Work | None:
    """The Work a worker would return for a file whose pending rewrites the cache holds, or
    None (a miss: transform it) when the path shown differs or a blob is gone."""
    pending = entry.pending
    assert pending is not None
    if pending.path != file.path:
        return None
    stat = (entry.mtime_ns, entry.size)
    report = FileResult(
        file.path, FileStatus.CHANGED, sites=pending.sites, real_path=file.real_path
    )
    if mode is Mode.CHECK:
        return Work(report, entry.sha256, stat)
    new_source = cache.blob(pending.new_sha256)
    if new_source is None:
        return None
    if mode is Mode.DIFF:
        diff = cache.blob(pending.diff_sha256)
        if diff is None:  # recorded by `check`: make the diff from the bytes on disk
            old_source = _read_if(file.real_path, entry.sha256)
            if old_source is None:
                return None
            diff = unified_diff(old_source, new_source, file.path)
        return Work(replace(report, diff=diff), entry.sha256, stat, new_source)
    old_source = _read_if(file.real_path, entry.sha256)  # apply: the journal keeps it
    if old_source is None:
        return None
    return Work(report, entry.sha256, stat, new_source, old_source)


def _read_if(path: Path, sha256: str) -> bytes | None:
    """The bytes at `path` when they still hash to `sha256`."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if cache_mod.file_digest(data) == sha256 else None


def _still_as_read(work: Work) -> os.stat_result | None:
    """The file's stat if it is still the bytes the worker read (same mtime and size),
    else None: a file edited during the run is left to the next one."""
    if work.stat is None:
        return None
    try:
        st = os.stat(work.report.real_path)
    except OSError:
        return None
    return st if (st.st_mtime_ns, st.st_size) == work.stat else None


@dataclass(frozen=True, slots=True)
class PrePass:
    """What the runner learns about every file before any is transformed: each file's own
    star imports, the files some file star-imports (star_imports.py), what each star
    import of a file may bind (star_binds.py) with the summaries of the starred files
    (for the cache), and the package facts (package_facts.py) with each file's own raw
    facts (for the cache)."""

    targets_of: dict[Path, tuple[star_imports.Target, ...]]
    starred: frozenset[Path]
    table: package_facts.Table
    facts_of: dict[Path, dict]
    star_answers: dict[Path, tuple] = field(default_factory=dict)
    star_summaries: dict[Path, dict] = field(default_factory=dict)
    # The module that shadows a standard-library module the runtime imports, beside
    # some import root of the run (shadowing.py `run_shadow`): every file then has it.
    shadows: dict[Path, Path] = field(default_factory=dict)

    def star(self, real_path: Path) -> tuple[tuple[star_imports.Target, ...], bool]:
        return self.targets_of.get(real_path, ()), real_path in self.starred

    def star_binds(self, real_path: Path) -> tuple[dict | None, str]:
        """(what a star import of the file binds, the digest of its own answers)."""
        return (
            self.star_summaries.get(real_path),
            star_binds.digest(self.star_answers.get(real_path, ())),
        )

    def facts(self, real_path: Path) -> tuple[dict | None, str]:
        """(the file's own facts, the digest of what else its result depends on: the
        package facts it reads, and the shadowing module beside it, if any)."""
        digest = self.table.digest(real_path)
        shadow = self.shadows.get(real_path)
        if shadow is not None:
            digest += f"|shadowed by {shadow}"
        return self.facts_of.get(real_path), digest


def _pre_pass(
    files: Sequence[SourceFile],
    cache: cache_mod.Cache | None,
    package_files: Sequence[Path] = (),
) -> PrePass:
    """Each file read once (none the cache knows: a warm run reads no source) for its star
    imports and package facts; `package_files` (the package folders around the files
    given, see `_package_files`) add facts only. Only the files some import statement of
    the run names are parsed for facts: the others get their own imports (the digest
    needs them) and are marked `lazy`, so a cached entry is read again the day a module
    starts importing them."""
    targets_of: dict[Path, tuple[star_imports.Target, ...]] = {}
    facts_of: dict[Path, dict] = {}
    sources: dict[Path, bytes] = {}
    summaries: dict[Path, dict] = {}
    for real_path in itertools.chain((f.real_path for f in files), package_files):
        if real_path in facts_of:
            continue
        entry = cache.lookup(real_path) if cache is not None else None
        if entry is not None and entry.facts is not None:
            targets_of[real_path] = entry.star_targets
            facts_of[real_path] = entry.facts
            if entry.star_summary is not None:
                summaries[real_path] = entry.star_summary
            continue
        try:
            source = real_path.read_bytes()
        except OSError:
            targets_of[real_path], facts_of[real_path] = (), {}  # the worker reports it
            continue
        targets_of[real_path] = star_imports.targets(source)
        sources[real_path] = source
        facts_of[real_path] = {"d": package_facts.import_targets(source), "lazy": True}
    for real_path in package_facts.Table(facts_of).imported():
        if not facts_of[real_path].get("lazy"):
            continue
        source = sources.get(real_path)
        if source is None:  # a lazy cache entry, now imported
            try:
                source = real_path.read_bytes()
            except OSError:
                continue
        facts_of[real_path] = package_facts.extract(source)
    run_files = [f.real_path for f in files]
    answers, used = _star_answers(run_files, targets_of, summaries, sources)
    shadowing.clear()  # the folders are read again each run
    shadow = shadowing.run_shadow(run_files)  # a script beside it may import any of them
    shadows = {p: shadow for p in run_files} if shadow is not None else {}
    return PrePass(
        targets_of,
        star_imports.star_imported(run_files, targets_of),
        package_facts.Table(facts_of, answers),
        facts_of,
        answers,
        used,
        shadows,
    )


def _star_answers(
    run_files: Sequence[Path],
    targets_of: Mapping[Path, tuple[star_imports.Target, ...]],
    summaries: Mapping[Path, dict],
    sources: Mapping[Path, bytes],
) -> tuple[dict[Path, tuple], dict[Path, dict]]:
    """What each star import of each file of the run may bind (star_binds.py), over the
    files of the run and its package folders; and the summaries of the starred files the
    answers read (from the cache, else from their source), to record in the cache."""
    used: dict[Path, dict] = {}

    def summary_of(path: Path) -> dict:
        if path not in used:
            found = summaries.get(path)
            if found is None:
                source = sources.get(path)
                if source is None:
                    try:
                        source = path.read_bytes()
                    except OSError:
                        source = None
                found = star_binds.summary(source) if source is not None else {"any": 1}
            used[path] = found
        return used[path]

    resolver = star_binds.Resolver(targets_of, summary_of)
    answers = {
        path: star_binds.answers(resolver, path, targets_of[path])
        for path in run_files
        if targets_of.get(path)
    }
    return answers, used


def _package_files(
    found: Discovery, paths: Sequence[Path | str], is_excluded: Any, cwd: Path | None
) -> list[Path]:
    """The .py files of the packages (folders with `__init__.py`, up to the outermost) that
    hold the files given, when no folder given covers them: `diff pkg/a.py` then reads
    what `pkg/b.py` says about the names a.py imports, as a run over the tree would."""
    given_dirs = [Path(os.path.abspath(p)).resolve() for p in paths if os.path.isdir(p)]
    tops: set[Path] = set()
    seen: dict[Path, Path | None] = {}
    for file in found.files:
        folder = file.real_path.parent
        if folder in seen:
            continue
        top = None
        current = folder
        while (current / "__init__.py").is_file():
            top = current
            if current.parent == current:
                break
            current = current.parent
        seen[folder] = top
        if top is not None and not any(
            top == d or d in top.parents for d in given_dirs
        ):
            tops.add(top)
    if not tops:
        return []
    extra = discover(sorted(tops), is_excluded=is_excluded, cwd=cwd)
    known = {f.real_path for f in found.files}
    return [f.real_path for f in extra.files if f.real_path not in known]


def _facts_after(pre: PrePass, real_path: Path, work: Work) -> tuple[dict | None, str]:
    """The facts to record with a finished file: apply wrote new bytes, whose own facts
    are not the ones read (None: the next run extracts them again)."""
    facts, digest = pre.facts(real_path)
    if work.new_source is not None and work.report.status is FileStatus.CHANGED:
        return None, digest
    return facts, digest


def _star_binds_after(pre: PrePass, real_path: Path, work: Work) -> tuple[dict | None, str]:
    """What to record of star imports with a finished file: apply wrote new bytes, whose
    own summary is not the one read (None: the next run makes it again)."""
    summary, digest = pre.star_binds(real_path)
    if work.new_source is not None and work.report.status is FileStatus.CHANGED:
        return None, digest
    return summary, digest


def _record_pending(
    cache: cache_mod.Cache,
    work: Work,
    star: tuple[tuple[star_imports.Target, ...], bool],
    facts: tuple[dict | None, str] = (None, ""),
    binds: tuple[dict | None, str] = (None, ""),
) -> None:
    """Cache what check/diff found in a file with pending rewrites, if it is still the
    bytes the worker read."""
    report = work.report
    if report.status is not FileStatus.CHANGED or work.new_source is None or work.stat is None:
        return
    if _still_as_read(work) is None:
        return
    cache.record_pending(
        report.real_path, work.stat, work.sha256, report.path, report.sites, work.new_source, report.diff, star, facts,
        binds,
    )


def load_ruleset(
    paths: Sequence[Path | str], settings: Settings, cwd: Path | None = None
) -> Any:
    """The rules for PATHS: `--rules`, else the lookup from their common folder."""
    from migrate_storage.rules import load_rules

    existing = [os.path.abspath(p) for p in paths if os.path.lexists(p)]
    start = Path(os.path.commonpath(existing)) if existing else (cwd or Path.cwd())
    return load_rules(settings.rules_file, start)


def run(
    paths: Sequence[Path | str],
    settings: Settings,
    *,
    ruleset: Any = None,
    transform: Transform | None = None,
    progress: Progress | None = None,
    cwd: Path | None = None,
    only: frozenset[Path] | None = None,
    on_written: OnWritten | None = None,
) -> RunResult:
    """Process `paths` as `settings.mode` says. Raises RulesError for a bad rules file (before
    touching anything) and KeyboardInterrupt (after finishing the file being written).

    `only`: real paths; files found under `paths` but not in it are left out of the run
    entirely (`--changed-since`). `on_written`: called after each file apply rewrote."""
    mode = settings.mode
    if ruleset is None:
        ruleset = load_ruleset(paths, settings, cwd)
    found: Discovery = discover(paths, is_excluded=ruleset.is_excluded, cwd=cwd)
    use_cache = settings.use_cache and mode is not Mode.SCAN
    cache = None
    if use_cache:
        cache = cache_mod.Cache.read(
            cache_mod.cache_file(settings.resolved_cache_dir(), ruleset.digest)
        )
    # Over every discovered file, before `only` narrows them: a file outside the change
    # set may still star-import one inside it, or type a name it imports.
    pre = _pre_pass(found.files, cache, _package_files(found, paths, ruleset.is_excluded, cwd))
    starred, star = pre.starred, pre.star

    if only is not None:
        found = replace(found, files=tuple(f for f in found.files if f.real_path in only))
    removed: list[Path] = []
    if mode is Mode.APPLY:
        removed = remove_stale_temp_files(found.stale_temp_files)

    reports: dict[Path, FileResult] = {}
    tasks: list[Task] = []
    replayed: list[Work] = []  # files with pending rewrites the cache knows
    for file in found.files:
        if mode is not Mode.SCAN and file.excluded:
            reports[file.real_path] = FileResult(
                file.path, FileStatus.EXCLUDED, real_path=file.real_path
            )
            continue
        entry = cache.lookup(file.real_path) if cache is not None else None
        if entry is not None and (
            entry.star_imported != (file.real_path in starred)
            or entry.facts_digest != pre.facts(file.real_path)[1]
            or entry.star_digest != pre.star_binds(file.real_path)[1]
        ):
            entry = None  # made for another answer: private names, or other package facts
        if entry is not None and entry.pending is None:
            reports[file.real_path] = FileResult(
                file.path,
                FileStatus.CACHED,
                real_path=file.real_path,
                left_alone_cached=entry.left_alone,
            )
            continue
        if entry is not None and cache is not None:
            work = _replay(file, entry, cache, mode)
            if work is not None:
                replayed.append(work)
                continue
        policy = ruleset.policy_for(file.real_path)
        if file.real_path in starred:
            policy = replace(policy, star_imported=True)
        policy = replace(policy, star_binds=pre.star_answers.get(file.real_path, ()))
        policy = replace(policy, package=pre.table.view(file.real_path))
        shadow = pre.shadows.get(file.real_path)
        if shadow is not None:
            policy = replace(policy, shadowed_by=str(shadow))
        if mode is not Mode.SCAN and policy.excluded:  # never rewritten, whatever discovery said
            reports[file.real_path] = FileResult(
                file.path, FileStatus.EXCLUDED, real_path=file.real_path
            )
            continue
        tasks.append(Task(file, policy, mode, transform))
    if tasks and transform is None:
        _engine()  # import LibCST once here: forked workers inherit it instead of each paying
        if settings.workers > 1 and len(tasks) > 1 and mode is not Mode.SCAN:
            from migrate_storage.codemods.pipeline.engine import warm_up

            warm_up()
    total, done = len(found.files), 0
    if progress is not None:
        for report in reports.values():
            done += 1
            progress(report, done, total)

    try:
        with contextlib.closing(_execute(tasks, settings.workers, pre.table)) as works:
            for work in itertools.chain(replayed, works):
                report, st, sha = _finish(work, mode, found.roots)
                reports[report.real_path] = report
                if on_written is not None and st is not None and report.status is FileStatus.CHANGED:
                    assert work.old_source is not None and work.new_source is not None
                    on_written(report, work.old_source, work.new_source)
                if cache is not None and st is not None:
                    facts = _facts_after(pre, report.real_path, work)
                    cache.record(
                        report.real_path, st, sha, report.left_alone(), star(report.real_path),
                        facts, _star_binds_after(pre, report.real_path, work),
                    )
                elif cache is not None and mode is not Mode.APPLY:
                    _record_pending(
                        cache, work, star(report.real_path), pre.facts(report.real_path),
                        pre.star_binds(report.real_path),
                    )
                done += 1
                if progress is not None:
                    progress(report, done, total)
    finally:
        if cache is not None:
            cache.write()

    files = tuple(sorted(reports.values(), key=lambda r: r.path))
    return RunResult(mode, files, found.skipped, tuple(removed))

