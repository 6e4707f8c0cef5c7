"""Temporary files, directory handles and lock files: LOCAL only where provable.

Each case runs the whole engine (prefilter, prune, finder), so a shape the prefilter or
the pruner loses would fail here too. Negatives are the look-alikes real code holds: a
kept NamedTemporaryFile, a "lock" file that holds data, a descriptor that escapes.
"""

from __future__ import annotations

import pytest
from codemod_cases import run_code
from migrate_storage.codemods.model import Family, FileStatus, Reason, Status

TEMP = Reason.TEMPORARY_FILE
TEMP_DIR = Reason.TEMPORARY_DIRECTORY
DIR = Reason.DIRECTORY_HANDLE
LOCK = Reason.LOCK_FILE
NO = Reason.UNSUPPORTED_FAMILY


def classified(code: str) -> list[tuple[str, Status, Reason | None]]:
    result = run_code(code)
    assert result.status is not FileStatus.FAILED, result.message
    out = []
    for site in result.sites:
        if site.family is Family.LIFECYCLE:
            continue  # the os.replace/rmtree a temp file goes to: test_lifecycle_family.py
        if site.reason in (TEMP, TEMP_DIR, DIR, LOCK):
            # json/pickle on a scratch handle keep their family, and its status.
            family = (
                site.family
                if site.family in (Family.JSON, Family.PICKLE)
                else Family.SCRATCH
            )
            assert (site.family, site.status) == (family, Status.LOCAL), site
        elif site.reason is NO:
            assert (site.family, site.status) == (
                Family.UNSUPPORTED,
                Status.UNMIGRATED,
            ), site
        out.append((site.name, site.status, site.reason))
    return out


def reasons(code: str) -> list[Reason | None]:
    return [r for _, _, r in classified(code)]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "import tempfile\nwith tempfile.TemporaryFile() as f:\n    f.write(b'x')\n",
            [TEMP],
        ),
        ("import tempfile\nb = tempfile.SpooledTemporaryFile(1024)\n", [TEMP]),
        (
            "from tempfile import NamedTemporaryFile as N\nwith N('w') as f:\n    f.write('x')\n",
            [TEMP],
        ),
        ("import tempfile\ntempfile.NamedTemporaryFile(delete=True)\n", [TEMP]),
        ("import tempfile\ntempfile.TemporaryDirectory()\n", [TEMP_DIR]),
        # delete=False, positionally (the 8th argument) or by keyword, or not a literal.
        (
            "import tempfile\ntempfile.NamedTemporaryFile('w', -1, None, None, '', 't', None, False)\n",
            [NO],
        ),
        (
            "import tempfile\ndef f(flag):\n    return tempfile.NamedTemporaryFile(delete=flag)\n",
            [NO],
        ),
        (
            "import tempfile\ndef f(**kw):\n    return tempfile.NamedTemporaryFile(**kw)\n",
            [NO],
        ),
        ("import tempfile\ntempfile.TemporaryDirectory(delete=False)\n", [NO]),
    ],
)
def test_temporary_by_construction(code: str, expected: list[Reason]) -> None:
    assert reasons(code) == expected


def test_named_temporary_file_replaced_into_place() -> None:
    code = """
        import os, tempfile

        def write(path, text):
            with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(path), delete=False) as tmp:
                tmp.write(text)
            os.replace(tmp.name, path)

        def write_alias(path, text):
            with tempfile.NamedTemporaryFile("w", delete=False) as tmp:
                tmp.write(text)
                name = tmp.name
            os.rename(name, path)

        def scratch(run):
            tmp = tempfile.NamedTemporaryFile(delete=False)
            try:
                run(tmp.name)
            finally:
                os.unlink(tmp.name)
    """
    assert reasons(code) == [TEMP, TEMP, TEMP]


def test_named_temporary_file_removed_in_finally_whatever_reads_its_name() -> None:
    """scriv's `convert_to_markdown`: the name goes into a command line, the file is
    removed in the `finally:`; `f = None` before the `try:` is allowed."""
    code = """
        import os, subprocess, tempfile

        def convert(text):
            rst = None
            try:
                with tempfile.NamedTemporaryFile("w", prefix="x_", delete=False) as rst:
                    rst.write(text)
                return subprocess.check_output("pandoc " + rst.name, shell=True)
            finally:
                if rst is not None:
                    os.unlink(rst.name)

        def other_binding_not_none(text, other):
            tmp = other
            try:
                tmp = tempfile.NamedTemporaryFile("w", delete=False)
                tmp.write(text)
            finally:
                os.unlink(tmp.name)

        def another_file_removed(text, log):
            tmp = tempfile.NamedTemporaryFile("w", delete=False)
            try:
                tmp.write(text)
            finally:
                os.unlink(log.name)
            return tmp.name
    """
    got = classified(code)
    temp_sites = [(s, r) for n, s, r in got if n == "tempfile.NamedTemporaryFile"]
    local = (Status.LOCAL, TEMP)
    counted = (Status.UNMIGRATED, NO)
    assert temp_sites == [local, counted, counted]


def test_named_temporary_file_kept_is_counted() -> None:
    code = """
        import os, shutil, tempfile

        def keep(data):
            tmp = tempfile.NamedTemporaryFile(delete=False)
            tmp.write(data)
            return tmp.name

        def copied_not_moved(dest):
            with tempfile.NamedTemporaryFile(delete=False) as tmp:
                tmp.write(b"x")
            shutil.copy(tmp.name, dest)  # the temp file stays behind

        def replaced_into_it(src):
            with tempfile.NamedTemporaryFile(delete=False) as tmp:
                pass
            os.replace(src, tmp.name)  # the temp name is the destination: kept

        def rebound(dest):
            tmp = tempfile.NamedTemporaryFile(delete=False)
            tmp = open(dest)
            os.replace(tmp.name, dest)
    """
    got = classified(code)
    temp_sites = [(s, r) for n, s, r in got if n == "tempfile.NamedTemporaryFile"]
    # Kept as the `as` target of a `with` that writes it: no longer counted, but
    # published after the `with` by families/publish_after.py (a third-party writer,
    # PENDING). One whose `with` only reserves the name (`pass`, filled later by the
    # replace) is not published empty after it (publish_after `_written_in`): its handle
    # serves only for the name, so the call writes nothing, like a `mkstemp()` whose
    # descriptor is only closed; the replace into it is its own (migrated) site.
    published = (Status.PENDING, None)
    counted = (Status.UNMIGRATED, NO)
    reserved = (Status.LOCAL, TEMP)
    assert temp_sites == [counted, published, reserved, counted]


def test_a_temp_name_also_bound_to_none_or_for_the_type_checker_is_still_one_file() -> None:
    """ubelt 1.4.3's download: `tmp = None` in the branch that writes elsewhere and
    `tmp = cast(T, tmp)` under `if TYPE_CHECKING:` (never run) are no other file, so the
    move of `tmp.name` still proves the temporary. A real second value is not: another
    binding in the `else:` of `if TYPE_CHECKING:` (it runs), a binding to something other
    than None, or a temp whose name is returned."""
    code = """
        import os, shutil, tempfile, typing
        from typing import TYPE_CHECKING, cast

        def moved(dest, to_stream):
            if to_stream:
                tmp = None
            else:
                tmp = tempfile.NamedTemporaryFile(delete=False)
            if typing.TYPE_CHECKING:
                tmp = cast(tempfile._TemporaryFileWrapper, tmp)
            tmp.close()
            shutil.move(tmp.name, dest)

        def moved_imported_flag(dest):
            tmp = tempfile.NamedTemporaryFile(delete=False)
            if TYPE_CHECKING:
                tmp = cast(tempfile._TemporaryFileWrapper, tmp)
            os.replace(tmp.name, dest)

        def bound_in_the_else(dest):
            tmp = tempfile.NamedTemporaryFile(delete=False)
            if TYPE_CHECKING:
                pass
            else:
                tmp = open(dest)
            os.replace(tmp.name, dest)

        def bound_to_another_file(dest, other):
            tmp = tempfile.NamedTemporaryFile(delete=False)
            if other:
                tmp = open(other)
            os.replace(tmp.name, dest)

        def kept(to_stream):
            tmp = None
            if not to_stream:
                tmp = tempfile.NamedTemporaryFile(delete=False)
                tmp.write(b"kept")
            return tmp.name
    """
    got = classified(code)
    temp_sites = [(s, r) for n, s, r in got if n == "tempfile.NamedTemporaryFile"]
    local = (Status.LOCAL, TEMP)
    counted = (Status.UNMIGRATED, NO)
    assert temp_sites == [local, local, counted, counted, counted]


def test_mkstemp_fdopen_and_json_dump_of_the_atomic_write_idiom() -> None:
    code = """
        import json, os, tempfile

        def save(obj, path):
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".x.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(obj, handle)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
    """
    assert classified(code) == [
        ("tempfile.mkstemp", Status.LOCAL, TEMP),
        ("os.fdopen", Status.LOCAL, TEMP),
        ("json.dump", Status.LOCAL, TEMP),
        ("os.unlink", Status.LOCAL, TEMP),  # its removal on failure, part of the idiom
    ]


def test_mkstemp_kept_with_data_and_swapped_are_counted() -> None:
    code = """
        import os, tempfile

        def kept(data):
            fd, name = tempfile.mkstemp()
            os.write(fd, data)
            os.close(fd)
            return name

        def swapped(path):
            tmp, fd = tempfile.mkstemp()  # not the shape mkstemp returns: no proof
            os.replace(tmp, path)

        def fd_computed(path):
            return os.fdopen(make_fd(path), "w")
    """
    assert reasons(code) == [NO, NO, NO]


def test_a_reserved_name_and_foreign_descriptors_move_no_data_here() -> None:
    """`fd, name = mkstemp(); os.close(fd)` reserves a name and writes nothing (the later
    write by that name is its own site: atomicwrites, safer); `os.fdopen` of a parameter,
    an attribute, a pipe's or a dup's descriptor: the file, if any, was opened elsewhere."""
    code = """
        import os, tempfile

        def reserve():
            fd, name = tempfile.mkstemp()
            os.close(fd)
            return name

        def given(fd):
            return os.fdopen(fd, "w")

        def inherited(args):
            return os.fdopen(args.pipe, "rb")

        def piped():
            r, w = os.pipe()
            return os.fdopen(w, "wb")
    """
    foreign = Reason.FOREIGN_DESCRIPTOR
    assert reasons(code) == [TEMP, foreign, foreign, foreign]


def test_mkdtemp_scratch_when_removed_or_made_in_the_temp_dir() -> None:
    code = """
        import atexit, os, shutil, tempfile

        def build(run):
            work = tempfile.mkdtemp()
            try:
                run(work)
            finally:
                shutil.rmtree(work, ignore_errors=True)

        def registered():
            cache = tempfile.mkdtemp()
            atexit.register(shutil.rmtree, cache)
            return cache

        def on_failure_only(run):
            out = tempfile.mkdtemp()
            try:
                run(out)
            except Exception:
                shutil.rmtree(out)
                raise
            return out

        def never_removed():
            return tempfile.mkdtemp(prefix="run-", dir=None)

        def in_the_output(root):
            return tempfile.mkdtemp(dir=root)

        def in_the_output_positional(root):
            return tempfile.mkdtemp("", "run-", root)

        def starred(*args):
            return tempfile.mkdtemp(*args)

        def in_the_output_removed(root, run):
            out = tempfile.mkdtemp(dir=root)
            try:
                run(out)
            finally:
                shutil.rmtree(out)

        def set_to_none_first(root, run):
            out = None
            try:
                out = tempfile.mkdtemp(dir=root)
                run(out)
            finally:
                if out:
                    shutil.rmtree(out)

        def also_bound_to_another_folder(root, run):
            out = root
            try:
                out = tempfile.mkdtemp(dir=root)
            finally:
                shutil.rmtree(out)
    """
    # The registered `shutil.rmtree` (a removal used as a value) is scratch with its
    # folder. A folder made in the machine's temporary directory is scratch even when kept
    # (no data, a name no other worker can know); one made elsewhere only when it is
    # always removed. `shutil.rmtree(out)` on failure only stays a migrated removal (not
    # listed here): files written into a kept folder may have been published.
    assert reasons(code) == [
        TEMP_DIR, TEMP_DIR, TEMP_DIR, TEMP_DIR, TEMP_DIR, NO, NO, NO, TEMP_DIR, TEMP_DIR, NO
    ]


def test_mkdtemp_removal_registered_only_with_a_real_registry() -> None:
    # One rule for folders and files (`_removal_registered`): a registry that runs its
    # callback when a scope or the program ends removes the folder; any other callee
    # handed `shutil.rmtree` may run it later, never, or on something else.
    code = """
        import atexit, functools, shutil, tempfile, weakref
        from concurrent.futures import ThreadPoolExecutor

        class Case:
            def setUp(self):
                self.d = tempfile.mkdtemp(dir=".")

        def cleanup(test):
            d = tempfile.mkdtemp(dir=".")
            test.addCleanup(shutil.rmtree, d)
            return d

        def finalized(owner):
            d = tempfile.mkdtemp(dir=".")
            weakref.finalize(owner, shutil.rmtree, d)
            return d

        def partial_registered(stack):
            d = tempfile.mkdtemp(dir=".")
            stack.callback(functools.partial(shutil.rmtree, d, ignore_errors=True))
            return d

        def retried(retry):
            d = tempfile.mkdtemp(dir=".")
            retry(shutil.rmtree, d)
            return d

        def submitted(pool: ThreadPoolExecutor):
            d = tempfile.mkdtemp(dir=".")
            pool.submit(shutil.rmtree, d)
            return d

        def finalize_misplaced(owner):
            d = tempfile.mkdtemp(dir=".")
            weakref.finalize(shutil.rmtree, d, owner)
            return d
    """
    # Each registered folder is listed with its registered `shutil.rmtree` value.
    assert reasons(code) == [NO] + [TEMP_DIR] * 6 + [NO, NO, NO]


def test_directory_opened_only_to_fsync_it() -> None:
    code = """
        import os
        from os import O_RDONLY

        def sync(d):
            fd = os.open(d, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

        def sync_imported_flag(d):
            fd = os.open(d, O_RDONLY | os.O_DIRECTORY)
            os.fsync(fd)
            os.close(fd)
    """
    assert reasons(code) == [DIR, DIR]


def test_directory_handle_whatever_it_is_used_for() -> None:
    # O_DIRECTORY surely set and O_CREAT/O_TMPFILE surely not: a directory or an error,
    # and no file content goes through the descriptor, whatever is done with it.
    code = """
        import os

        _DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW

        def walk(parts):
            fd = os.open("/", _DIR_FLAGS)
            for part in parts:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
            return fd

        def listed(d, nofollow):
            flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
            if nofollow:
                flags |= os.O_NOFOLLOW
            fd = os.open(d, flags)
            return os.listdir(fd)

        def maybe_created(d, create):
            flags = os.O_RDONLY | os.O_DIRECTORY
            if create:
                flags |= os.O_CREAT
            return os.open(d, flags)

        def created(d):
            return os.open(d, os.O_RDWR | os.O_CREAT | os.O_DIRECTORY)

        def unnamed(d):
            return os.open(d, os.O_TMPFILE | os.O_WRONLY)

        def either(d):
            return os.open(d, getattr(os, "O_SEARCH", os.O_RDWR) | os.O_DIRECTORY)

        _TRAVERSE = getattr(os, "O_SEARCH", getattr(os, "O_PATH", os.O_RDONLY)) | os.O_DIRECTORY

        def traverse(part, fd):
            return os.open(part, _TRAVERSE, dir_fd=fd)

        def either_creates(d):
            return os.open(d, getattr(os, "O_SEARCH", os.O_CREAT) | os.O_DIRECTORY)

        def unknown(d, extra):
            return os.open(d, os.O_DIRECTORY | extra)
    """
    # A fallback flag (`getattr(os, "O_SEARCH", fallback)`) may be set: either one.
    assert reasons(code) == [DIR, DIR, DIR, NO, NO, NO, DIR, DIR, NO, NO]


@pytest.mark.parametrize(
    "body",
    [
        "fd = os.open(d, os.O_RDONLY)\n    os.fsync(fd)\n    return fd\n",  # escapes
        "fd = os.open(d, os.O_RDONLY)\n    data = os.read(fd, 10)\n    os.close(fd)\n",  # reads
        "fd = os.open(d, os.O_RDONLY)\n    os.close(fd)\n",  # never fsynced: proves nothing
        "fd = os.open(d, os.O_WRONLY)\n    os.fsync(fd)\n    os.close(fd)\n",  # may write
        "fd = os.open(d, flags)\n    os.fsync(fd)\n    os.close(fd)\n",  # flags unknown
        "fd = os.open(d, os.O_RDONLY)\n    os.fsync(fd)\n    fd = 3\n",  # rebound
        "os.open(d, os.O_RDONLY)\n",  # dropped
    ],
)
def test_descriptor_negatives(body: str) -> None:
    # No directory handle; a read-only one is a read by path, restored first
    # (families/restore_before.py): a third-party reader, not a scratch site.
    code = f"import os\n\ndef f(d, flags):\n    {body}"
    (site,) = [s for s in run_code(code).sites if s.name == "os.open"]
    if "O_RDONLY" in body:
        assert (site.family, site.status, site.reason) == (Family.THIRD_PARTY, Status.PENDING, None)
    else:
        assert (site.family, site.reason) == (Family.UNSUPPORTED, NO)


@pytest.mark.parametrize(
    ("flags", "read"),
    [
        ("os.O_RDONLY", True),
        ("0", True),
        ("os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC", True),
        ("os.O_RDONLY | getattr(os, 'O_BINARY', 0)", True),
        ("READ", True),  # a module constant bound once
        ("os.O_RDWR", False),
        ("os.O_RDONLY | os.O_CREAT", False),
        ("os.O_RDONLY | os.O_TRUNC", False),
        ("os.O_WRONLY | os.O_APPEND", False),
        ("os.O_RDONLY | os.O_PATH", False),  # no content read
        ("os.O_RDONLY | os.O_DIRECTORY", None),  # a directory handle: scratch
        ("os.O_RDONLY | os.O_TMPFILE", False),
        ("getattr(os, 'O_NOFOLLOW', os.O_RDWR)", False),  # possibly O_RDWR
        ("flags", False),  # a parameter
        ("os.O_RDONLY | extra()", False),
    ],
)
def test_only_sure_reads_by_path_are_left_to_restore(flags: str, read: bool | None) -> None:
    code = (
        "import os\n\nREAD = os.O_RDONLY | os.O_NOFOLLOW\n\n"
        f"def f(p, flags):\n    fd = os.open(p, {flags})\n"
        "    with os.fdopen(fd, 'rb') as h:\n        return h.read()\n"
    )
    sites = {s.name: s for s in run_code(code).sites}
    if read:
        # the fdopen only wraps the read's descriptor: the os.open is the one site
        assert sites["os.open"].family is Family.THIRD_PARTY
        assert sites["os.open"].status is Status.PENDING
        assert "os.fdopen" not in sites
    elif read is None:
        assert (sites["os.open"].family, sites["os.open"].reason) == (Family.SCRATCH, DIR)
    else:
        assert (sites["os.open"].family, sites["os.open"].reason) == (Family.UNSUPPORTED, NO)
        assert sites["os.fdopen"].reason is NO


def test_a_read_relative_to_another_descriptor_is_counted() -> None:
    code = "import os\n\ndef f(name, parent):\n    return os.open(name, os.O_RDONLY, dir_fd=parent)\n"
    (site,) = run_code(code).sites
    assert (site.family, site.reason) == (Family.UNSUPPORTED, NO)
    code = code.replace("dir_fd=parent", "dir_fd=None")
    (site,) = run_code(code).sites
    assert (site.family, site.status) == (Family.THIRD_PARTY, Status.PENDING)


def test_lock_files() -> None:
    code = """
        import fcntl, os

        def exclusive(lock):
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.close(fd)

        def at_once(lock):
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL))

        def flocked(lock, work):
            fd = os.open(lock, os.O_RDWR | os.O_CREAT)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                work()
            finally:
                os.close(fd)
    """
    assert reasons(code) == [LOCK, LOCK, LOCK]


def test_lock_file_that_holds_data_is_counted() -> None:
    code = """
        import fcntl, os

        def pid_lock(lock):
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)

        def flocked_log(path):
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, b"entry")
            os.close(fd)

        def created_not_exclusive(path):
            fd = os.open(path, os.O_CREAT | os.O_WRONLY)
            os.close(fd)  # truncation-free touch: not proven a lock
    """
    assert reasons(code) == [NO, NO, NO]


def test_scratch_sites_never_count_and_never_change() -> None:
    code = """
        import os, tempfile
        with tempfile.TemporaryDirectory() as d:
            fd = os.open(d, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    """
    result = run_code(code)
    assert result.status is FileStatus.UNCHANGED
    assert {(s.status, s.reason) for s in result.sites} == {
        (Status.LOCAL, TEMP_DIR),
        (Status.LOCAL, DIR),
    }


def test_a_local_named_tempfile_is_not_tempfile() -> None:
    """Resolution is by scope: a local function named like tempfile's is no site."""
    code = """
        def NamedTemporaryFile(**kw):
            return kw

        NamedTemporaryFile(delete=False)
    """
    assert classified(code) == []


def test_reads_in_pruned_out_functions_still_count() -> None:
    """A module-level descriptor written by a function the pruner cuts out (it holds no
    candidate call) is not proven a lock: the write is not in the analysed tree."""
    code = """
        import os

        LOCK = os.open("app.lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY)


        def record_owner(pid):
            text = str(pid)
            data = text.encode()
            count = len(data)
            os.write(LOCK, data)
            return count


        os.close(LOCK)
    """
    assert reasons(code) == [NO]
    # The same without the writer is a lock file: the pruned text is what decides.
    quiet = code.replace("os.write(LOCK, data)", "print(data)")
    assert reasons(quiet) == [LOCK]


def test_temp_names_committed_through_a_path() -> None:
    code = """
        import os, tempfile
        from pathlib import Path

        def via_path(target: Path, text: str) -> None:
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            Path(tmp).replace(target)

        def via_bound_path(target, data):
            with tempfile.NamedTemporaryFile(delete=False, dir=".") as tmp:
                tmp.write(data)
            tmp_path = Path(tmp.name)
            try:
                tmp_path.rename(target)
            except OSError:
                tmp_path.unlink()
                raise

        def path_kept(data):
            with tempfile.NamedTemporaryFile(delete=False) as tmp:
                tmp.write(data)
            kept = Path(tmp.name)
            kept.chmod(0o600)  # not a commit: the temp file stays
            return kept
    """
    assert classified(code) == [
        ("tempfile.mkstemp", Status.LOCAL, TEMP),
        ("os.fdopen", Status.LOCAL, TEMP),
        ("tempfile.NamedTemporaryFile", Status.LOCAL, TEMP),
        # kept: published after its `with` (families/publish_after.py)
        ("tempfile.NamedTemporaryFile", Status.PENDING, None),
    ]


def _removals(code: str) -> list[tuple[str, Family, Status, Reason | None]]:
    result = run_code(code)
    assert result.status is not FileStatus.FAILED, result.message
    return [
        (s.name, s.family, s.status, s.reason)
        for s in result.sites
        if s.name in ("os.remove", "os.unlink", "shutil.rmtree")
    ]


SCRATCH_REMOVAL = ("os.unlink", Family.SCRATCH, Status.LOCAL, TEMP)
MIGRATED_REMOVAL = ("os.unlink", Family.LIFECYCLE, Status.PENDING, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # the temp file's removal is part of its idiom: local like the temp file
        ("    fd, tmp = tempfile.mkstemp(dir=d)\n    try:\n"
         "        with os.fdopen(fd, 'w') as f:\n            f.write(x)\n"
         "        os.replace(tmp, dest)\n    except BaseException:\n"
         "        os.unlink(tmp)\n        raise\n", SCRATCH_REMOVAL),
        ("    t = tempfile.NamedTemporaryFile('w', delete=False)\n    t.write(x)\n"
         "    t.close()\n    try:\n        run(dest)\n    finally:\n        os.unlink(t.name)\n",
         SCRATCH_REMOVAL),
        ("    with tempfile.NamedTemporaryFile('w', delete=False) as t:\n        t.write(x)\n"
         "    name = t.name\n    os.unlink(name)\n", SCRATCH_REMOVAL),
        # an existence check asks about the name and gives it nowhere (ubelt's download),
        # also in its migrated form (a second apply must find the same)
        ("    t = tempfile.NamedTemporaryFile('wb', delete=False)\n    try:\n"
         "        t.write(x)\n        t.close()\n        os.replace(t.name, dest)\n    finally:\n"
         "        if os.path.exists(t.name):\n            os.unlink(t.name)\n", SCRATCH_REMOVAL),
        ("    t = tempfile.NamedTemporaryFile('wb', delete=False)\n    try:\n"
         "        t.write(x)\n        t.close()\n        os.replace(t.name, dest)\n    finally:\n"
         "        if storage.exists(t.name, call=os.path.exists):\n            os.unlink(t.name)\n",
         SCRATCH_REMOVAL),
        # a check of something else given the name is no existence check
        ("    fd, tmp = tempfile.mkstemp()\n    os.close(fd)\n    publish(tmp)\n    os.unlink(tmp)\n",
         MIGRATED_REMOVAL),
        # the name also went to open(): that write may be published, so the removal that
        # drops its namespace entry stays a migrated one
        ("    fd, tmp = tempfile.mkstemp()\n    os.close(fd)\n"
         "    with open(tmp, 'w') as f:\n        f.write(x)\n    os.unlink(tmp)\n", MIGRATED_REMOVAL),
        ("    tmp = tempfile.mktemp()\n    write_somewhere(tmp)\n    os.unlink(tmp)\n",
         MIGRATED_REMOVAL),
        # the temp object itself passed on, or its name returned: not proven
        ("    t = tempfile.NamedTemporaryFile(delete=False)\n    keep(t)\n    os.unlink(t.name)\n",
         MIGRATED_REMOVAL),
        ("    t = tempfile.NamedTemporaryFile(delete=False)\n    os.unlink(t.name)\n"
         "    return t.name\n", MIGRATED_REMOVAL),
        # a name bound twice, or a file that is not a temp file
        ("    fd, tmp = tempfile.mkstemp()\n    tmp = other\n    os.unlink(tmp)\n",
         MIGRATED_REMOVAL),
        ("    os.unlink(dest)\n", MIGRATED_REMOVAL),
    ],
)
def test_the_removal_of_a_proven_temp_file_is_scratch(
    body: str, expected: tuple[str, Family, Status, Reason | None]
) -> None:
    code = (
        "import os, tempfile\nfrom storage_runtime import storage\n\ndef f(d, dest, x):\n" + body
    )
    assert _removals(code) == [expected]


def test_a_temporary_folder_removal_stays_migrated() -> None:
    """Files written into a temporary folder may have been published through the
    runtime: removing the folder drops their entries, so it stays a migrated removal."""
    code = (
        "import shutil, tempfile\n\ndef f(x):\n    d = tempfile.mkdtemp()\n    try:\n"
        "        use(d)\n    finally:\n        shutil.rmtree(d)\n"
    )
    assert _removals(code) == [("shutil.rmtree", Family.LIFECYCLE, Status.PENDING, None)]


def test_a_pid_lock_removed_in_finally_is_a_lock_file() -> None:
    """Created exclusively, the pid written in, removed in a `finally:`: a lock whose
    content never outlives the run. Without the removal in a finally (only on one path,
    or of another name, or in a nested function) it stays counted."""
    code = """
        import os

        def with_lock(lock, work):
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            try:
                os.write(fd, str(os.getpid()).encode())
                return work()
            finally:
                os.close(fd)
                os.unlink(lock)

        def removed_on_success_only(lock, work):
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(fd, b"1")
            work()
            os.remove(lock)

        def removes_another_name(lock, other):
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            try:
                os.write(fd, b"1")
            finally:
                os.remove(other)

        def not_exclusive(path):
            fd = os.open(path, os.O_CREAT | os.O_WRONLY)
            try:
                os.write(fd, b"data")
            finally:
                os.unlink(path)

        def rebound(lock):
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(fd, b"1")
            lock = lock + ".done"
            try:
                pass
            finally:
                os.unlink(lock)
    """
    assert [r for n, _, r in classified(code) if n == "os.open"] == [LOCK, NO, NO, NO, NO]


def test_a_path_handle_only_locked_is_a_lock_file() -> None:
    """`p.open(...)` whose handle is only fcntl-locked and closed: a lock file, left as
    written. A handle also written, returned, or never locked is not proven."""
    code = """
        import fcntl
        from pathlib import Path

        def locked(root: Path, work):
            with (root / "app.lock").open("a+") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                work()

        def locked_fileno(lock_path: Path, work):
            f = lock_path.open("w")
            try:
                fcntl.lockf(f.fileno(), fcntl.LOCK_EX)
                work()
            finally:
                f.close()

        def unknown_receiver(self, work):
            with self.lock_path.open("a") as f:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
                work()

        def holds_data(lock_path: Path):
            with lock_path.open("w") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                f.write("pid")

        def returned(lock_path: Path):
            f = lock_path.open("a+")
            fcntl.flock(f, fcntl.LOCK_EX)
            return f

        def never_locked(lock_path: Path):
            with lock_path.open("a+") as f:
                f.close()
    """
    result = run_code(code)
    got = [(s.family, s.status, s.reason) for s in result.sites if s.name.endswith(".open")]
    lock = (Family.SCRATCH, Status.LOCAL, LOCK)
    pending = (Family.PATHLIB, Status.PENDING, None)
    assert got == [lock, lock, lock, pending, pending, pending]
    assert "(root / \"app.lock\").open(\"a+\")" in result.new_source.decode()  # kept


def test_a_temp_file_given_to_a_subprocess_is_removed_as_scratch() -> None:
    """Another process reads what it is given, never through this one's runtime."""
    code = (
        "import os, subprocess\nfrom tempfile import NamedTemporaryFile\n\n"
        "def commit(message):\n"
        "    with NamedTemporaryFile('wb', delete=False) as f:\n        f.write(message)\n"
        "    try:\n        subprocess.run(['git', 'commit', '-F', f.name], check=True)\n"
        "    finally:\n        os.unlink(f.name)\n"
        "\ndef other(message):\n"
        "    with NamedTemporaryFile('wb', delete=False) as f:\n        f.write(message)\n"
        "    try:\n        run_it(['tool', f.name])\n    finally:\n        os.unlink(f.name)\n"
    )
    assert _removals(code) == [SCRATCH_REMOVAL, MIGRATED_REMOVAL]


def test_a_reserved_name_bound_in_two_branches() -> None:
    """safer 6.1.0 `_FileCloser`: `fd` comes from `mkstemp()` in one branch and from an
    exclusive `os.open` of the caller's name in the other; every read of it only closes,
    so the mkstemp reserves a name and writes nothing. The caller's name is a file of its
    own (an empty one is created): counted. Where a read of `fd` writes, no proof."""
    code = """
        import os, tempfile

        def reserve(temp_file, parent):
            if temp_file is True:
                fd, temp_file = tempfile.mkstemp(dir=parent)
            else:
                fd = os.open(temp_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            os.close(fd)
            return temp_file

        def written(temp_file, parent, data):
            if temp_file is True:
                fd, temp_file = tempfile.mkstemp(dir=parent)
            else:
                fd = os.open(temp_file, os.O_CREAT | os.O_WRONLY)
            os.write(fd, data)
            os.close(fd)
            return temp_file
    """
    assert reasons(code) == [TEMP, NO, NO, NO]


def test_a_directory_fsynced_through_a_helper_of_the_module() -> None:
    """atomicwrites 1.4.1 `_sync_directory`: `fd = os.open(directory, 0)` goes to
    `_proper_fsync(fd)`, bound to `os.fsync` or, on macOS, to a `def` that only calls
    `fcntl.fcntl(fd, F_FULLFSYNC)`; then closed. Flags `0` are O_RDONLY."""
    code = """
        import os, sys
        try:
            import fcntl
        except ImportError:
            fcntl = None

        _proper_fsync = os.fsync
        if sys.platform == "darwin":
            def _proper_fsync(fd):
                fcntl.fcntl(fd, fcntl.F_FULLFSYNC)

        def _sync_directory(directory):
            fd = os.open(directory, 0)
            try:
                _proper_fsync(fd)
            finally:
                os.close(fd)
    """
    assert reasons(code) == [DIR]


@pytest.mark.parametrize(
    "helper",
    [
        "def sync(fd):\n    os.write(fd, b'x')\n    os.fsync(fd)\n",  # writes through it
        "def sync(fd):\n    KEPT.append(fd)\n    os.fsync(fd)\n",  # keeps it
        "def sync(fd):\n    pass\n",  # no sync at all: proves nothing
        "sync = make_syncer()\n",  # unknown value
        "from helpers import sync\n",  # defined elsewhere
        "sync = os.fsync\ndef sync(fd, *more):\n    more[0](fd)\n",  # one binding escapes
    ],
)
def test_a_helper_that_does_more_than_sync_proves_nothing(helper: str) -> None:
    code = (
        "import os\nKEPT = []\n"
        + helper
        + "\ndef f(d):\n    fd = os.open(d, os.O_RDONLY)\n    sync(fd)\n    os.close(fd)\n"
    )
    # no directory handle: a read-only open by path, restored first (restore_before)
    (site,) = [s for s in run_code(code).sites if s.name == "os.open"]
    assert (site.family, site.status) == (Family.THIRD_PARTY, Status.PENDING)


def test_temp_names_committed_through_conversions() -> None:
    """poetry-core 2.5.0 `WheelBuilder.build`: `fd, temp = mkstemp()`, `temp_path =
    Path(temp)`, the wheel written through `os.fdopen(fd)`, then `shutil.move(str(
    temp_path), str(wheel_path))`. A name wrapped in `str`, `os.fspath` or `Path` is the
    same file's name. A string method on the converted name (`str.replace`) is not a
    commit."""
    code = """
        import os, shutil, tempfile
        from pathlib import Path

        def build(target: Path) -> None:
            fd, temp = tempfile.mkstemp(suffix=".whl")
            temp_path = Path(temp)
            temp_path.chmod(0o644)
            with os.fdopen(fd, "w+b") as handle:
                handle.write(b"x")
            shutil.move(str(temp_path), str(target))

        def fspath(target):
            fd, temp = tempfile.mkstemp()
            with os.fdopen(fd, "w") as handle:
                handle.write("x")
            os.replace(os.fspath(temp), target)

        def string_method(target):
            fd, temp = tempfile.mkstemp()
            with os.fdopen(fd, "w") as handle:
                handle.write("x")
            name = str(temp)
            return name.replace(".tmp", "")
    """
    assert classified(code) == [
        ("tempfile.mkstemp", Status.LOCAL, TEMP),
        ("os.fdopen", Status.LOCAL, TEMP),
        ("tempfile.mkstemp", Status.LOCAL, TEMP),
        ("os.fdopen", Status.LOCAL, TEMP),
        ("tempfile.mkstemp", Status.UNMIGRATED, NO),
        ("os.fdopen", Status.UNMIGRATED, NO),
    ]


def test_an_exclusively_created_name_moved_into_place_is_a_temporary_file() -> None:
    """`os.open(tmp, O_CREAT | O_EXCL ...)` whose name is the source of `os.replace` /
    `os.rename` (in the same function, or by a class of the module it is handed to,
    click's `_AtomicFile`): the temporary name of an atomic write (unseen8 G3); the
    flags also through a name bound once."""
    code = """
        import os

        def write_atomic(dest, data):
            tmp = dest + ".tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, dest)

        def renamed(dest, data):
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
            tmp = dest + ".new"
            fd = os.open(tmp, flags)
            os.write(fd, data)
            os.close(fd)
            os.rename(src=tmp, dst=dest)

        class Atomic:
            def __init__(self, f, tmp_name, real_name):
                self._f = f
                self._tmp_name = tmp_name
                self._real_name = real_name

            def close(self):
                self._f.close()
                os.replace(self._tmp_name, self._real_name)

        def open_atomic(name):
            tmp = os.path.join(os.path.dirname(name), ".atomic-x")
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            return Atomic(os.fdopen(fd, "w"), tmp, name)
    """
    found = [(n, r) for n, _, r in classified(code) if n == "os.open"]
    assert found == [("os.open", TEMP)] * 3


def test_exclusive_names_not_provably_temporary_are_counted() -> None:
    """Not created exclusively; moved the other way (the name is the destination);
    linked too (the content stays under the temp name); a class whose attribute is stored
    twice, or moved from another attribute; no move at all: each stays counted."""
    code = """
        import os

        def not_exclusive(dest, data):
            tmp = dest + ".tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT)
            os.write(fd, data)
            os.close(fd)
            os.replace(tmp, dest)

        def destination(src, name):
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            os.write(fd, b"x")
            os.close(fd)
            os.replace(src, name)

        def linked(dest, backup):
            tmp = dest + ".tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            os.write(fd, b"x")
            os.close(fd)
            os.link(tmp, backup)
            os.replace(tmp, dest)

        class Restored:
            def __init__(self, tmp_name, real_name):
                self._tmp_name = tmp_name
                self._real_name = real_name

            def swap(self):
                self._tmp_name = self._real_name + ".bak"
                os.replace(self._tmp_name, self._real_name)

        class Other:
            def __init__(self, tmp_name, real_name):
                self._tmp_name = tmp_name
                self._real_name = real_name

            def close(self):
                os.replace(self._real_name, self._tmp_name)

        def handed(name):
            tmp = name + ".t"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            os.write(fd, b"x")
            return Restored(tmp, name), Other(tmp, name)

        def kept(name):
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            os.write(fd, b"data")
            os.close(fd)
    """
    found = [r for n, _, r in classified(code) if n == "os.open"]
    assert found == [NO] * 5


READ_BACK = """\
import os
import subprocess
import tempfile


def edit(text, editor):
    fd, name = tempfile.mkstemp(suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text)
        subprocess.call([editor, name])
        with open(name, "rb") as f:
            return f.read()
    finally:
        os.unlink(name)


def save(path, data):
    with open(path, "w") as f:
        f.write(data)
"""


def _statuses(source: str) -> dict[int, tuple[str, Status, Reason | None]]:
    from migrate_storage.codemods.pipeline.engine import transform_source
    from migrate_storage.codemods.policy import FilePolicy

    result = transform_source(source.encode(), "m.py", FilePolicy(), rewrite=False)
    return {s.line: (s.name, s.status, s.reason) for s in result.sites}


def test_a_temporary_file_read_back_is_scratch_before_and_after_apply() -> None:
    """The mkstemp name handed to a child process, read back (`open(name, "rb")`) and
    removed: the read and the removal are LOCAL "temporary file" (unseen8 G2), also after
    apply, where the module's `open` is the runtime's (the other open writes a file)."""
    from migrate_storage.codemods.pipeline.engine import transform_source
    from migrate_storage.codemods.policy import FilePolicy

    before = _statuses(READ_BACK)
    assert [before[n][1:] for n in (7, 9, 12, 15)] == [(Status.LOCAL, TEMP)] * 4
    assert before[19][1] is Status.PENDING
    applied = transform_source(READ_BACK.encode(), "m.py", FilePolicy())
    text = (applied.new_source or b"").decode()
    assert "from storage_runtime import open" in text and "    os.unlink(name)\n" in text
    after = _statuses(text)
    assert [s[1:] for s in after.values() if s[1] is Status.LOCAL] == [
        (Status.LOCAL, TEMP)
    ] * 4
    assert not [s for s in after.values() if s[1] is Status.PENDING]


@pytest.mark.parametrize(
    "change",
    [
        # re-opened for writing: that write may be published through the runtime
        ('open(name, "rb")', 'open(name, "r+b")'),
        ('open(name, "rb")', "open(name, mode)"),
        # the name escapes to a function that may write it
        ("subprocess.call([editor, name])", "write_somewhere(name)"),
        # a name bound twice
        ("        subprocess.call", "        name = other()\n        subprocess.call"),
    ],
)
def test_a_temporary_file_read_back_negatives(change: tuple[str, str]) -> None:
    """Should count the read and the removal, since the name may hold published data."""
    statuses = _statuses(READ_BACK.replace(*change))
    read = [s for s in statuses.values() if s[0] == "open" and s[1] is Status.LOCAL]
    removal = [s for s in statuses.values() if s[0] == "os.unlink"]
    assert read == [] and removal and removal[0][1] is not Status.LOCAL, statuses


def test_flags_or_ed_into_keep_their_first_value() -> None:
    """click's `flags |= getattr(os, "O_BINARY", 0)` (on some path only) keeps O_CREAT |
    O_EXCL; `flags &= ~os.O_EXCL` may drop one: not proven."""
    code = """
        import os

        def atomic(dest, binary):
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
            if binary:
                flags |= getattr(os, "O_BINARY", 0)
            tmp = dest + ".tmp"
            fd = os.open(tmp, flags, 0o666)
            os.close(fd)
            os.replace(tmp, dest)

        def dropped(dest, shared):
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
            if shared:
                flags &= ~os.O_EXCL
            tmp = dest + ".tmp"
            fd = os.open(tmp, flags, 0o666)
            os.close(fd)
            os.replace(tmp, dest)
    """
    found = [r for n, _, r in classified(code) if n == "os.open"]
    assert found == [TEMP, NO]


def test_system_descriptors_are_local() -> None:
    # `os.open` of the null device or a terminal is a system file, as `open(...)` of one
    # is; `os.fdopen` of a descriptor duplicated inline was opened elsewhere.
    code = """
        import os, sys

        sink = os.open(os.devnull, os.O_WRONLY)
        tty = os.open("/dev/tty", os.O_RDONLY)
        out = os.fdopen(os.dup(sys.__stdout__.fileno()), "w")
        data = os.open("state.json", os.O_WRONLY)
        made_here = os.fdopen(os.open("state.json", os.O_RDONLY))
    """
    got = [(name, reason) for name, _, reason in classified(code)]
    assert got == [
        ("os.open", Reason.SYSTEM_FILE),
        ("os.open", Reason.SYSTEM_FILE),
        ("os.fdopen", Reason.FOREIGN_DESCRIPTOR),
        ("os.open", NO),
        # a read by path, restored first (restore_before); the fdopen wraps its descriptor
        ("os.open", None),
    ]


def test_mkstemp_bound_again_for_each_case_is_judged_per_binding() -> None:
    """sktime 1.2.0 `test_load_from_tsfile_to_dataframe`: `fd, path = mkstemp()` again
    before each case, each removed in the `finally:` of the `try:` after it. Every read
    sees one binding (analysis/dominance.py), so each mkstemp and the `os.fdopen` of its
    descriptor are judged by their own reads, as a single binding is."""
    code = """
        import os, tempfile

        def cases(check):
            fd, path = tempfile.mkstemp()
            try:
                with os.fdopen(fd, "w") as f:
                    f.write("")
                check(path)
            finally:
                os.remove(path)
            fd, path = tempfile.mkstemp()
            try:
                with os.fdopen(fd, "w") as f:
                    f.write("x")
                check(path)
            finally:
                os.remove(path)
    """
    assert reasons(code) == [TEMP, TEMP, TEMP, TEMP]


def test_mkstemp_bound_again_but_one_file_is_kept_is_counted() -> None:
    # The first file is never removed: the later removal reads the second binding only.
    # A read after a branch that may rebind, or in a loop, sees no one binding: no proof.
    code = """
        import os, tempfile

        def first_kept(check):
            fd, path = tempfile.mkstemp()
            with os.fdopen(fd, "w") as f:
                f.write("kept")
            check(path)
            fd, path = tempfile.mkstemp()
            with os.fdopen(fd, "w") as f:
                f.write("")
            os.remove(path)

        def branch(flag):
            fd, path = tempfile.mkstemp()
            if flag:
                fd, path = tempfile.mkstemp()
            with os.fdopen(fd, "w") as f:
                f.write("x")
            os.remove(path)

        def looped(items):
            fd, path = tempfile.mkstemp()
            for item in items:
                with os.fdopen(fd, "w") as f:
                    f.write(item)
                os.remove(path)
                fd, path = tempfile.mkstemp()
    """
    # (the removal of the second file is scratch too, as with a single binding)
    assert reasons(code) == [NO, NO, TEMP, TEMP, TEMP] + [NO] * 6
