"""`python -m storage_runtime status|sync|reindex|pull`: inspect and repair the runtime.

Settings come from the same `STORAGE_RUNTIME_*` environment variables as the program
(see `config.py`), so run these commands in the program's environment.

- `status`: backend, API address, root, namespace, index, whether the daemon answers,
  and how many files are published, pinned, pending (and gone: pending files deleted
  before they were published), refused (written, but the namespace cannot hold the name);
  the first pending and refused files with their reasons (stderr). Counts are this root's
  only, when several roots share one index.
- `sync`: publish every pending file (each retried a few times); also re-queues
  published files that changed on disk behind the runtime's back, and removes leftover
  temporary files of killed writers (`_tempfiles.py`).
- `reindex`: rebuild the index from the files under the root and the node's MFS
  namespace, keeping every pending publish (see `_reindex.py`).
- `pull`: restore every file of the restore namespaces missing locally and never
  written here (a new worker's bootstrap); refused entries are listed.

Exit codes: 0 all done / nothing pending and the daemon answers; 1 something is still
pending, refused, or the daemon is unreachable; 2 usage error, invalid configuration
(a dangerous or missing root, an API address that does not parse: see `config.py`), or
an unreadable/corrupt index (`reindex` repairs it, except an index this user may not
write, which the message says). Output goes to stdout, errors to
stderr; no traceback for any of these conditions.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from storage_runtime import _log
from storage_runtime._index import Index, IndexUnavailable, access_problem
from storage_runtime.config import Settings

if TYPE_CHECKING:
    from storage_runtime._ipfs import IpfsBackend

OK, PENDING, ERROR = 0, 1, 2
#: How many pending / refused files `status` lists by name.
SHOWN = 10


def _repair_hint(exc: IndexUnavailable, index: str) -> str:
    """`reindex` as the remedy, unless this user could not run it either."""
    if access_problem(index) is not None:
        return str(exc)
    return f"{exc}; rebuild it with `python -m storage_runtime reindex`"


def _backend(settings: Settings, command: str) -> IpfsBackend | None:
    from storage_runtime._ipfs import IpfsBackend

    if settings.backend != "ipfs":
        print(f"error: `{command}` needs STORAGE_RUNTIME_BACKEND=ipfs "
              f"(the backend is {settings.backend!r})", file=sys.stderr)
        return None
    return IpfsBackend(settings, drain_on_start=False)


def _status(settings: Settings) -> int:
    print(f"backend: {settings.backend}")
    print(f"api: {settings.api}")
    print(f"root: {settings.root}")
    print(f"namespace: {settings.namespace}")
    print(f"index: {settings.index}")
    code = OK
    if settings.backend == "ipfs":
        from storage_runtime._ipfs import IpfsBackend, trouble_types

        backend = IpfsBackend(settings, drain_on_start=False)
        try:
            print(f"daemon: reachable (version {backend.ping()})")
        except trouble_types() as exc:
            print(f"daemon: unreachable ({type(exc).__name__}: {exc})")
            code = PENDING
        finally:
            backend.close()
    else:
        print("daemon: not used (local backend: files are not published)")
    counts = {"published": 0, "pinned": 0, "pending": 0, "gone": 0}
    pending: list[tuple[str, str]] = []
    refused: list[tuple[str, str]] = []
    if os.path.exists(settings.index):
        problem = access_problem(settings.index)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return ERROR
        index = Index(settings.index, root=settings.root)
        try:
            index.check()
            counts = index.counts()
            pending = [(r.path, r.error or "not tried yet") for r in index.pending(SHOWN)]
            refused = _still_there(settings, index)
        except IndexUnavailable as exc:
            print(f"error: {_repair_hint(exc, settings.index)}", file=sys.stderr)
            return ERROR
        finally:
            index.close()
    for key in ("published", "pinned", "pending", "gone"):
        print(f"{key}: {counts[key]}")
    print(f"refused: {len(refused)}")
    for rel, reason in pending:
        print(f"pending: {_shown(rel)}: {reason}", file=sys.stderr)
    for rel, reason in refused[:SHOWN]:
        print(f"refused: {_shown(rel)}: {reason}", file=sys.stderr)
    if (counts["pending"] or refused) and code == OK:
        code = PENDING
    return code


def _shown(rel: str) -> str:
    """A relative name printable on any terminal (undecodable bytes as escapes)."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _still_there(settings: Settings, index: Index) -> list[tuple[str, str]]:
    """Refused files that still exist (refusals of deleted files are dropped)."""
    alive, dead = [], []
    for rel, reason in index.refused():
        path = os.path.join(settings.root, *rel.split("/"))
        (alive if os.path.lexists(path) else dead).append((rel, reason))
    if dead:
        try:
            index.forget_refused([rel for rel, _ in dead])
        except IndexUnavailable:
            pass  # a read-only look still tells the truth about the files
    return alive


def _sync(settings: Settings, retries: int) -> int:
    from storage_runtime._publish import sync
    from storage_runtime._tempfiles import sweep

    backend = _backend(settings, "sync")
    if backend is None:
        return ERROR
    try:
        report = sync(backend, attempts=retries)
    except IndexUnavailable as exc:
        print(f"error: {_repair_hint(exc, settings.index)}", file=sys.stderr)
        return ERROR
    finally:
        backend.close()
    swept = sweep(settings.root)
    print(f"published: {report.published}")
    if swept:
        print(f"leftover temporary files removed: {len(swept)}")
    if report.stale:
        print(f"changed on disk, re-published: {report.stale}")
    if report.gone:
        print(f"deleted before publishing: {report.gone}")
    if report.busy:
        print(f"open for writing (published when closed): {report.busy}")
    if report.dropped:
        print(f"namespace entries of removed files dropped: {report.dropped}")
    for path, reason in report.failed[-10:]:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    if report.unreachable:
        print(f"error: the daemon at {settings.api} is unreachable: {report.unreachable}",
              file=sys.stderr)
    print(f"pending: {report.remaining}")
    return PENDING if report.remaining or report.unreachable else OK


def _reindex(settings: Settings) -> int:
    from storage_runtime._reindex import reindex

    backend = _backend(settings, "reindex")
    if backend is None:
        return ERROR
    try:
        report = reindex(backend)
    except (IndexUnavailable, OSError) as exc:
        print(f"error: reindex failed: {exc}", file=sys.stderr)
        return ERROR
    finally:
        backend.close()
    if report.moved_aside:
        print(f"corrupt index moved aside to {report.moved_aside}")
    print(f"rows salvaged from the old index: {report.salvaged}")
    print(f"files under the root: {report.files}")
    print(f"published: {report.published}")
    print(f"pending: {report.pending}")
    print(f"kept rows of deleted files: {report.kept}")
    if report.swept:
        print(f"leftover temporary files removed: {report.swept}")
    if report.other_roots_kept:
        print(f"rows of other roots sharing the index, kept: {report.other_roots_kept}")
    for rel, reason in report.refused[:SHOWN]:
        print(f"refused: {_shown(rel)}: {reason}", file=sys.stderr)
    print(f"refused: {len(report.refused)}")
    if report.node_error:
        print(f"warning: the node did not answer ({report.node_error}); files not "
              "provably published are pending", file=sys.stderr)
        return PENDING
    return PENDING if report.refused else OK


def _pull(settings: Settings) -> int:
    from storage_runtime._ipfs import trouble_types
    from storage_runtime._restore import pull

    backend = _backend(settings, "pull")
    if backend is None:
        return ERROR
    try:
        report = pull(backend)
    except IndexUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ERROR
    except trouble_types() as exc:
        print(f"error: the daemon at {settings.api} is unreachable: {exc}", file=sys.stderr)
        return PENDING
    finally:
        backend.close()
    for rel in report.restored:
        print(f"restored: {rel}")
    for rel, reason in report.refused:
        print(f"refused: {rel}: {reason}", file=sys.stderr)
    print(f"restored {len(report.restored)}, kept {report.kept}, refused {len(report.refused)}")
    return PENDING if report.refused else OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m storage_runtime",
        description="Inspect and repair the storage runtime (settings from STORAGE_RUNTIME_*).",
        epilog="exit codes: 0 done, 1 pending/unreachable/refused, 2 usage, config or index error",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="backend, daemon, files published/pinned/pending")
    p_sync = sub.add_parser("sync", help="publish every pending file")
    p_sync.add_argument("--retries", type=int, default=3, help="attempts per file (default 3)")
    sub.add_parser("reindex", help="rebuild the index from the files and the namespace")
    sub.add_parser("pull", help="restore every namespace file missing locally")
    args = parser.parse_args(argv)  # exits 2 on usage errors
    try:
        settings = Settings.from_env()
        _log.choice()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ERROR
    if args.command == "status":
        return _status(settings)
    if args.command == "sync":
        if args.retries < 1:
            parser.error("--retries must be at least 1")
        return _sync(settings, args.retries)
    if args.command == "reindex":
        return _reindex(settings)
    return _pull(settings)


if __name__ == "__main__":
    sys.exit(main())
