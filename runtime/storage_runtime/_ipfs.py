"""The `ipfs` backend: publish closed files through the IPFS RPC API, restore missing ones.

What it does (the `Backend` protocol of `_backend.py`):

- `after_write(path, pin=...)`: records the path as *pending* in the index (one short
  transaction, before anything else, so a `kill -9` at any later point leaves the file
  published or pending), then publishes it (`_publish.publish_one`): adds the bytes with
  explicit import settings, checks the CID the node returns against the CID computed
  locally from the very bytes sent, records path -> CID, size, pin, time, and for
  `pin=True` places the file in MFS at `<namespace>/<path relative to root>`.
- Daemon down, slow or erroring: the program's write is never broken. The file is already
  written by the program; it is fsynced (only on this failure path: the cost is paid when
  the publish is deferred, not on every close), stays pending, and one warning per process
  is logged on the `storage_runtime` logger. After a daemon that did not answer, attempts
  pause for a short, growing time (2 s up to 60 s) so a dead daemon does not slow every
  close down (an error the daemon answers for one file does not pause the others). Strict
  mode (`STORAGE_RUNTIME_STRICT=1`) raises `PublishError` instead (after recording pending).
- Pending publishes are published by `python -m storage_runtime sync`, and in the
  background by the next process that uses the backend (first use starts one daemon
  thread that publishes at most `drain_limit` pending rows; also after the daemon comes
  back within a process). `close` (at exit) stops it before its next row and waits for
  the one under way (bounded by the timeout).
- `before_read(path)`: restores a missing file from the shared namespace (`_restore`).
  A restore that cannot be done is logged; a refused or failed one raises `RestoreRefused`
  or `RestoreError` to the caller (`Storage`, `pull`), a daemon that does not answer
  raises nothing, in strict mode too: the program's own open then fails with the
  builtin's own FileNotFoundError, as it did before migration (`Storage._before_read`).
  A path no namespace has, or whose restore was refused (`RestoreRefused`), is remembered
  for `NEGATIVE_TTL` seconds (per process, at most `NEGATIVE_MAX` paths; a refusal is
  raised again from memory; a failed fetch is not remembered), so a program probing a
  missing file in a loop asks the node once per path and window, not on every open.
- A per-file failure (the node answered with an error about this file, the file could not
  be read) leaves that file pending with the reason; only an unreachable or timed-out
  daemon pauses publishing (`is_daemon_down`). A name the namespace cannot hold
  (`_paths.unpublishable_name`) is recorded as refused with the reason, never tried.
- Resources: one RPC client per process, shared by its threads, with at most `POOL_SIZE`
  calls (each its own connection, closed after it) in flight; one index connection per
  process.

Never published, whatever the caller says: paths outside the root, the runtime's own
state folder, secret-looking names (`_paths.is_secret`, unless allowed).

During interpreter shutdown (`sys.is_finalizing()`: a `__del__` or a collected cycle that
writes as the interpreter exits) the backend does nothing: the program's own call is
made, as on the local backend, and nothing is published or restored. By then the daemon
threads (the background publisher) are frozen, perhaps holding the index's lock, so
waiting for it would hang the exit for good, and imports fail.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from storage_runtime import _os_calls
from storage_runtime._atomic import fsync_quietly
from storage_runtime._index import Index, IndexUnavailable, Row
from storage_runtime._ipfs_errors import PublishError, RestoreError, RestoreRefused
from storage_runtime._paths import is_inside, is_secret, other_links, unpublishable_name
from storage_runtime._writers import READERS, Writers
from storage_runtime.config import Settings

__all__ = ["IpfsBackend", "PublishError", "RestoreError", "RestoreRefused"]

log = logging.getLogger("storage_runtime")


ClientFactory = Callable[[Settings], Any]
_Method = TypeVar("_Method", bound=Callable[..., Any])
_SKIPPED = "daemon unreachable recently"
_warned: set[tuple[int, str]] = set()
_warn_lock = threading.Lock()


def warn_once(kind: str, message: str, *args: object) -> None:
    """Log `message` as a warning once per process and `kind`; later ones at debug."""
    key = (os.getpid(), kind)
    with _warn_lock:
        first = key not in _warned
        _warned.add(key)
    log.log(logging.WARNING if first else logging.DEBUG, message, *args)


#: Connections one process keeps to the node, whatever its thread count: a thread that
#: needs one while all are busy waits for a free one (each request is bounded by the
#: timeout), instead of opening a socket of its own. As many as publishers may read at
#: once (`_writers.READERS`: one number for both).
POOL_SIZE = READERS


def default_client(settings: Settings) -> Any:
    """The RPC client for `settings.api` (`_rpc.Client`: stdlib http.client bound at import,
    so that a program's HTTP mocks (responses, requests-mock, vcrpy, httpretty,
    pytest-socket) neither see nor answer the runtime's calls), with at most `POOL_SIZE`
    calls in flight. The process shares this one client between its threads
    (`IpfsBackend.client`)."""
    from storage_runtime._rpc import Client

    return Client(settings.api, timeout=settings.timeout, slots=POOL_SIZE)


def trouble_types() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the daemon is down, slow or erroring"."""
    from storage_runtime._rpc import RpcError

    return (RpcError, PublishError, OSError)


def is_daemon_down(exc: BaseException) -> bool:
    """True when `exc` says the daemon did not answer in time (refused connection, reset,
    timeout): pause publishing. An error the daemon answered with (`ErrorResponse`), or a
    local error reading the file, concerns one file and must not defer the others."""
    from storage_runtime._rpc import NodeTimeout, NodeUnreachable, ProtocolError

    return isinstance(exc, (NodeUnreachable, ProtocolError, NodeTimeout))


#: How long a path no namespace has is not asked about again (seconds), and how many such
#: paths one process remembers (oldest forgotten first).
NEGATIVE_TTL = 2.0
NEGATIVE_MAX = 4096


class _NegativeCache:
    """Absolute paths recently not restored -> when that answer expires (monotonic), and
    the `RestoreRefused` it ended with (None: no namespace had the path). A hit skips even the
    local checks: the path was missing and publishable a moment ago, and a file that
    appeared meanwhile is found by the caller's own open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, tuple[float, RestoreRefused | None]] = {}

    def hit(self, path: str) -> bool:
        """True within the window; raises the remembered refusal again (a fresh copy)."""
        entry = self._until.get(path)
        if entry is None:
            return False
        until, error = entry
        if time.monotonic() >= until:
            with self._lock:
                self._until.pop(path, None)
            return False
        if error is not None:
            raise type(error)(str(error.filename), error.reason)
        return True

    def add(self, path: str, error: RestoreRefused | None = None) -> None:
        with self._lock:
            self._until.pop(path, None)
            while len(self._until) >= NEGATIVE_MAX:
                self._until.pop(next(iter(self._until)))
            self._until[path] = (time.monotonic() + NEGATIVE_TTL, error)

    def drop(self, path: str) -> None:
        with self._lock:
            self._until.pop(path, None)


class _Breaker:
    """After daemon trouble, skip publish attempts for a while (2 s, doubling to 60 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0
        self._delay = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._until

    def failure(self) -> None:
        with self._lock:
            self._delay = min(60.0, max(2.0, self._delay * 2))
            self._until = time.monotonic() + self._delay

    def success(self) -> bool:
        """Close the breaker; True when it had recorded a failure (daemon came back)."""
        with self._lock:
            was = self._delay > 0
            self._delay = self._until = 0.0
            return was


def _one_connection(method: _Method) -> _Method:
    """`method` with one index connection across its transactions (`Index.held`), closed
    when it returns: no descriptor of the index stays open between the runtime's calls."""

    @functools.wraps(method)
    def wrapper(self: IpfsBackend, *args: Any, **kwargs: Any) -> Any:
        if sys.is_finalizing():
            return None  # shutting down: nothing is done (see the module doc)
        with self.index.held():
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class IpfsBackend:
    """Publishes to / restores from the IPFS node at `settings.api` (see module doc)."""

    name = "ipfs"

    def __init__(
        self,
        settings: Settings,
        *,
        client_factory: ClientFactory | None = None,
        drain_on_start: bool = True,
        drain_limit: int = 200,
    ) -> None:
        self.settings = settings
        self.index = Index(settings.index, root=settings.root)
        self._absent = _NegativeCache()
        self._client_factory = client_factory or default_client
        self._client_lock = threading.Lock()
        self._client: Any = None
        self._client_pid = 0
        self._breaker = _Breaker()
        self._drain_on_start = drain_on_start
        self._drain_limit = drain_limit
        self._drain_lock = threading.Lock()
        self._drain_thread: threading.Thread | None = None
        self._drain_stop = threading.Event()  # set by close: the drain takes no new row
        self._started_pid = 0
        self.writers = Writers(settings.state_dir)

    # -- plumbing ----------------------------------------------------------------
    def client(self) -> Any:
        """The process's RPC client, shared by its threads (its session's pool bounds the
        sockets: see `default_client`); a new one after a fork (sessions don't fork)."""
        client = self._client
        if client is not None and self._client_pid == os.getpid():
            return client
        with self._client_lock:
            if self._client is None or self._client_pid != os.getpid():
                self._client = self._client_factory(self.settings)
                self._client_pid = os.getpid()
            return self._client

    def rel(self, path: str) -> str | None:
        """`path` relative to the root (POSIX form) when it may be published, else None."""
        s = self.settings
        if path == s.root or not is_inside(path, s.root):
            return None
        if is_inside(path, s.state_dir) or path.startswith(s.index):
            return None
        if is_secret(path, s):
            return None
        rel = os.path.relpath(path, s.root).replace(os.sep, "/")
        return None if rel == ".." or rel.startswith("../") else rel

    def mfs_path(self, rel: str, namespace: str | None = None) -> str:
        ns = self.settings.namespace if namespace is None else namespace
        return f"{ns.rstrip('/')}/{rel}"

    def _first_use(self) -> None:
        if self._started_pid != os.getpid():
            self._started_pid = os.getpid()
            if self._drain_on_start:
                self.start_drain()

    def start_drain(self) -> None:
        """Publish up to `drain_limit` pending rows in one background daemon thread."""
        if sys.is_finalizing():
            return
        with self._drain_lock:
            if self._drain_thread is not None and self._drain_thread.is_alive():
                return
            self._drain_stop.clear()
            thread = threading.Thread(
                target=self._drain, name="storage-runtime-drain", daemon=True
            )
            self._drain_thread = thread
        thread.start()

    def _drain(self) -> None:
        from storage_runtime._publish import sync

        try:
            sync(self, limit=self._drain_limit, attempts=1, deadline=time.monotonic() + 60,
                 check_stale=False, stop=self._drain_stop.is_set)
        except Exception:  # a background helper must never take the program down
            log.debug("storage_runtime: background sync stopped", exc_info=True)

    def wait_drain(self, timeout: float = 30.0) -> None:
        """Wait for the background publisher (tests, orderly shutdown)."""
        thread = self._drain_thread
        if thread is not None:
            thread.join(timeout)

    # -- Backend protocol ----------------------------------------------------------
    @_one_connection
    def after_write(self, path: str, *, pin: bool) -> None:
        """Publish `path`, written, then its other hard links inside the root: one inode,
        so the write changed them too, and a worker restoring another name would get the
        version before it (each name keeps the pin this machine recorded for it, else
        `pin`)."""
        if not self._publish_written(path, pin) or sys.is_finalizing():
            return
        for other in other_links(path, self.settings):
            rel = self.rel(other)
            if rel is None:
                continue
            try:
                row = self.index.get(rel)
            except IndexUnavailable:
                row = None
            self._publish_written(other, row.pin if row is not None else pin)

    def _publish_written(self, path: str, pin: bool) -> bool:
        """`after_write` for `path` alone; False when `path` is not publishable."""
        from storage_runtime._publish import publish_one

        rel = self.rel(path)
        if rel is None:
            return False
        self._first_use()
        strict = self.settings.strict
        self._absent.drop(path)
        problem = unpublishable_name(rel)
        if problem is not None:
            self.refuse(path, rel, problem)
            return True
        try:
            gen, _ = self.index.mark_pending(rel, pin)
        except IndexUnavailable as exc:
            warn_once("index", "storage_runtime: %s; %s is not recorded (run "
                      "`python -m storage_runtime reindex`)", exc, path)
            if strict:
                raise
            return True
        if not strict and self._breaker.is_open():
            self.defer(path, rel, gen, _SKIPPED)
            return True
        try:
            outcome = publish_one(self, rel, gen, pin)
        except Exception as exc:  # whatever fails, the write stays pending
            self.defer(path, rel, gen, f"{type(exc).__name__}: {exc}",
                       daemon=is_daemon_down(exc))
            if strict:
                raise PublishError(f"publishing {path} failed (pending): {exc}") from exc
            return True
        if outcome == "busy":
            return True  # another writer has it open: its close publishes the whole file
        if self._breaker.success():
            self.start_drain()  # the daemon is back: publish what piled up meanwhile
        return True

    def published_as_is(self, path: str, pin: bool) -> bool:
        """`path` is published, with this `pin`, exactly as it is on disk (its row's size,
        mtime and inode, as `sync`'s stale check compares them) and nobody has it open for
        writing here: publishing it again would send the same bytes. False when unsure."""
        rel = self.rel(path)
        if rel is None:
            return False
        try:
            row = self.index.get(rel)
        except IndexUnavailable:
            return False
        if row is None or row.state != "published" or row.pin != pin:
            return False
        if self.writers.busy(rel):
            return False
        try:
            st = _os_calls.stat(path)
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns, st.st_ino) == (row.size, row.mtime_ns, row.ino)

    # -- the file lifecycle (new: issue 15) ------------------------------------------
    def begin_write(self, path: str, pin: bool | None = None) -> Callable[..., None] | None:
        """A writable open of `path` is about to open (truncate) it: mark it open for
        writing and bump its generation, so no publisher reads it half written (see
        `_publish`). A path with no row gets a `pending` one now (with `pin`, when the
        caller knows it): a writer that never closes it still leaves what it wrote to the
        next `sync`. Returns the release to call once the file is closed (before
        `after_write`), or None when `path` is not publishable. `release(changed=False)`
        (the handle changed nothing, so its close publishes nothing) takes its bump back
        (`Index.unbump`: a new file's row goes once every handle of it closed unchanged,
        however they nest or interleave), and, when no other writer has the file open,
        publishes it if its row is pending: a publish this open superseded or turned away
        as busy (another handle's change) would otherwise wait for the next `sync`.
        `release(failed=True)`: the open (or the write it guards) raised; a row made by
        this open goes again (once no other handle holds it); with `changed=False` too (the
        OS refused the open: nothing was touched) its bump goes back whatever the row, and
        nothing is published."""
        if sys.is_finalizing():
            return None  # shutting down: nothing is done (see the module doc)
        rel = self.rel(path)
        if rel is None or not self.writers.begin(rel):
            return None
        new = False
        try:
            known = pin if unpublishable_name(rel) is None else None
            gen, new = self.index.bump_or_open_new(rel, known)
        except IndexUnavailable:
            gen = None  # after_write reports the unusable index
        released: list[bool] = []

        def release(changed: bool = True, failed: bool = False) -> None:
            if released:
                return
            released.append(True)
            if sys.is_finalizing():
                return  # the exit drops the lock; a frozen publisher may hold ours
            for moved in self.writers.end(rel):  # renamed while open: whole now
                self._publish_moved(moved)
            if gen is None or (changed and not failed):
                return
            try:
                if failed and changed and not new:
                    return  # the write it guards may have changed the file: the bump stays
                row = self.index.unbump(rel)
                # Another writer still open publishes at its own close (a publish now
                # would find it busy, and its mark_pending would be a change nobody made).
                if (row is not None and row.state == "pending" and not failed
                        and not self.writers.writing(rel)):
                    self.after_write(path, pin=row.pin)
            except Exception:  # the program's close never fails because of this
                log.debug("storage_runtime: after an unchanged write of %s", path,
                          exc_info=True)

        return release

    def _publish_moved(self, rel: str) -> None:
        """Publish `rel`, a name a file open for writing was renamed to, now that its
        last writer here closed (`Writers.follow`); never raises but in strict mode."""
        try:
            row = self.index.get(rel)
            if row is None or row.state != "pending":
                return  # written again, renamed on or removed since: that call decided
            self.after_write(os.path.join(self.settings.root, *rel.split("/")), pin=row.pin)
        except Exception:
            if self.settings.strict:
                raise
            log.warning("storage_runtime: publishing %s failed", rel, exc_info=True)

    @_one_connection
    def after_rename(self, src: str, dst: str, *, pin: bool | None) -> None:
        """The program moved `src` to `dst` (files or folders, already done): see
        `_relocate.renamed`."""
        from storage_runtime._relocate import renamed

        self._first_use()
        renamed(self, src, dst, pin)

    @_one_connection
    def after_link_while_open(self, src: str, dst: str, *, pin: bool | None) -> bool:
        """The program made `dst` a second name of `src`'s file (`os.link`, done). When
        `src` is open for writing on this machine its bytes are not final: `dst` is
        recorded pending and, when its writers are this process's, follows them (published
        by their last close, `Writers.follow`, as a name it was renamed to is); a writer of
        another process publishes it at its close too (`after_write` publishes a file's
        other names), else `sync` does. False when `src` is not open for writing (or
        `dst` is not publishable): the caller publishes `dst` now, as before."""
        if sys.is_finalizing():
            return False
        from storage_runtime._relocate import canonical

        src_rel, dst_rel = self.rel(canonical(src)), self.rel(canonical(dst))
        if (src_rel is None or dst_rel is None or unpublishable_name(dst_rel) is not None
                or not self.writers.writing(src_rel)):
            return False
        self._first_use()
        if pin is None:
            row = self.index.get(src_rel)
            pin = bool(row is not None and row.pin)
        self._absent.drop(dst)
        self.index.mark_pending(dst_rel, pin)
        self.writers.follow(src_rel, dst_rel)
        return True

    @_one_connection
    def after_remove(self, path: str, *, tree: bool = False) -> None:
        """The program removed `path` (a folder with `tree`): see `_relocate.removed`."""
        from storage_runtime._relocate import removed

        self._first_use()
        removed(self, path, tree=tree)

    @_one_connection
    def claim(self, path: str) -> bool:
        """An exclusive creation (`open(p, "x")`, `touch(exist_ok=False)`) of the pinned
        path `path` has just created the file here: claim it in the namespace, as
        `O_EXCL` claims a name on one shared disk (`_namespace.claim`). False: another
        worker's entry was there first (the caller undoes its create and raises the
        builtin's FileExistsError, then calls `claim_lost`). True: the claim is this
        worker's (recorded as the entry it placed, so its close's publish replaces it and
        a removal drops it), or no claim could be made (not publishable, a folder in the
        namespace there, the daemon down or erroring: logged), and the create stands as
        before: the check (the restore before the open) was all there was; or the entry
        there is the version this machine itself knows (placed or restored) and its file
        was removed here behind the runtime's back: the create stands, as on one disk."""
        from storage_runtime._locks import path_lock
        from storage_runtime._namespace import EMPTY_CID, claim

        rel = self.rel(path)
        if rel is None or unpublishable_name(rel) is not None:
            return True
        self._first_use()
        if self._breaker.is_open():
            # The daemon is down: the close's publish says so (once), as before claims
            log.debug("storage_runtime: not claiming %s (%s)", path, _SKIPPED)
            return True
        try:
            with path_lock(self, rel):
                won = claim(self, rel)
                if won:
                    self.index.set_entry(rel, EMPTY_CID, placed=True)
                elif won is False and self._own_version_there(rel):
                    # The entry holds the version this machine placed or restored there,
                    # and its file is gone here: removed on this machine behind the
                    # runtime's back (a callee it cannot see), which keeps the entry. As
                    # on one disk, the create stands; its close replaces that entry.
                    won = None
        except IndexUnavailable as exc:
            warn_once("index", "storage_runtime: %s; the claim of %s is not recorded", exc,
                      path)
            return True
        except trouble_types() as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if is_daemon_down(exc):
                # said once by the close's deferred publish, as without claims
                self._breaker.failure()
                log.debug("storage_runtime: cannot claim %s (%s)", path, reason)
            else:
                warn_once("claim", "storage_runtime: cannot claim %s in the namespace (%s):"
                          " created here only, as before", path, reason)
            return True
        return won is not False

    def _own_version_there(self, rel: str) -> bool:
        """The namespace entry at `rel` holds the version this machine knows there."""
        from storage_runtime._namespace import entry_cid

        known = self.index.entry(rel)
        return known is not None and entry_cid(self, rel) == known[0]

    def claim_lost(self, path: str) -> None:
        """After a lost claim, once the caller removed the file its create made: the path
        is again one this worker never knew, and nothing is restored now. While the winner
        writes its entry is the empty claim, and a restore is taken once (the empty file
        would stay here for good); and a worker that keeps no copy can claim the path
        again once the winner removes it (`open(lock, "x")` in a retry loop, as on one
        shared disk). The first read or check after this restores what the namespace
        holds then (the negative cache forgets the path: it exists)."""
        self._absent.drop(path)

    def pin_of(self, path: str) -> bool | None:
        """The pin this machine recorded for `path` (None when it does not know it)."""
        if sys.is_finalizing():
            return None
        from storage_runtime._relocate import canonical

        rel = self.rel(canonical(path))
        try:
            row = self.index.get(rel) if rel is not None else None
        except IndexUnavailable:
            return None
        return None if row is None else row.pin

    def defer(self, path: str, rel: str, gen: int, reason: str, *, daemon: bool = False) -> None:
        """Leave `rel` pending after a failed or skipped publish: make the file durable,
        count the attempt, warn once per process (and kind: daemon or file)."""
        if daemon:
            self._breaker.failure()
        fsync_quietly(path)
        try:
            self.index.mark_failed(rel, gen, reason)
        except IndexUnavailable:
            pass
        if daemon or reason == _SKIPPED:
            warn_once("daemon", "storage_runtime: cannot publish to IPFS at %s (%s); writes "
                      "are kept as pending: run `python -m storage_runtime sync`",
                      self.settings.api, reason)
        else:
            warn_once("file", "storage_runtime: publishing %s failed (%s); it is kept as "
                      "pending: `python -m storage_runtime status` lists it", path, reason)

    def refuse(self, path: str, rel: str, reason: str) -> None:
        """Record that `rel` will never be published, and why (`status` lists it); strict
        mode raises."""
        try:
            self.index.mark_refused(rel, reason)
        except IndexUnavailable as exc:
            warn_once("index", "storage_runtime: %s; %s is not recorded", exc, path)
        warn_once("refused", "storage_runtime: not publishing %s: %s", path, reason)
        if self.settings.strict:
            raise PublishError(f"{path} cannot be published: {reason}")

    def note_trouble(self) -> None:
        self._breaker.failure()

    def note_success(self) -> bool:
        return self._breaker.success()

    @_one_connection
    def before_read(self, path: str) -> None:
        if self._absent.hit(path):
            return  # no namespace had it a moment ago: no node call, no lookups at all
        if _os_calls.path.lexists(path):
            return
        rel = self.rel(path)
        if rel is None or unpublishable_name(rel) is not None:
            return  # no namespace can hold this name
        self._first_use()
        try:
            row: Row | None = self.index.get(rel)
        except IndexUnavailable as exc:
            warn_once("index", "storage_runtime: %s; not restoring %s", exc, path)
            return
        if row is not None:
            return  # this machine wrote (or restored) it: a deleted file stays deleted
        from storage_runtime._restore import restore_missing

        if not self.settings.strict and self._breaker.is_open():
            return
        try:
            if not restore_missing(self, path, rel):
                self._absent.add(path)
        except RestoreRefused as exc:  # a policy answer: not asked (nor logged) again soon
            self._absent.add(path, exc)
            raise
        except RestoreError as exc:  # a failed fetch may succeed on the next open: not remembered
            log.warning("storage_runtime: restoring %s failed: %s", path, exc.reason)
            raise
        except (FileExistsError, NotADirectoryError) as exc:
            # A file of this worker stands where the namespace has a folder on the way
            # (`a` here, `a/b.txt` there): nothing can be restored under it, and the
            # program's own call answers for the path as before (NotADirectoryError,
            # False). No daemon trouble, nothing said on the program's stderr.
            log.debug("storage_runtime: not restoring %s: %s", path, exc)
        except trouble_types() as exc:
            if is_daemon_down(exc):
                self._breaker.failure()
            warn_once("restore", "storage_runtime: cannot reach IPFS at %s to restore %s: %s",
                      self.settings.api, path, exc)

    def ping(self) -> str:
        """The daemon's version string; raises when it does not answer."""
        return str(self.client().version()["Version"])

    def close(self) -> None:
        # The background drain (a daemon thread) is stopped before its next row and its
        # publish under way is waited for (bounded by the RPC timeout): left to the
        # interpreter's exit, it could stop inside the namespace's replace, after the old
        # entry left and before the new one came, and no worker could restore the file
        # (its old version unpinned) until a later `sync` (test_killed_migrated_workers).
        thread = self._drain_thread
        if thread is not None and thread is not threading.current_thread():
            self._drain_stop.set()
            if thread.is_alive():
                thread.join(self.settings.timeout)
        with self._client_lock:
            client, pid = self._client, self._client_pid
            self._client = None
        if client is not None and pid == os.getpid():  # a parent's session is not ours
            try:
                client.close()
            except Exception:  # closing at exit is best effort
                log.debug("storage_runtime: closing an RPC client failed", exc_info=True)
        self.writers.close()
        self.index.close()
