"""Robustness of the ipfs backend between workers (issue 15, items 3, 4, 7, 10, 11), on the
real test node, each worker a separate process:

- two roots sharing one STORAGE_RUNTIME_INDEX: one root's `sync` never marks the other's
  rows, and each root's `status` counts its own;
- descriptors stay bounded with 1,500 threads writing once each under RLIMIT_NOFILE 1024;
- names the namespace cannot hold (not UTF-8, backslash) are refused with a reason, never
  blamed on the daemon (the healthy writes behind them are published at once), reported
  by `status` (exit 1) and by `reindex` (no traceback);
- a missing file asks the node once per path per window (negative cache);
- `sync` removes the temporary files of killed writers, and only those;
- an index this user may not write is reported as such (not "rebuild with reindex").
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest
from _ipfs_helpers import PYTHON, closed_port_api, mfs_cid, run_cli
from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend, default_client

pytestmark = pytest.mark.ipfs


def _run_py(
    code: str, env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-c", textwrap.dedent(code), *args],
        env={**os.environ, **env},
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


_WRITE = """
import os, sys
from storage_runtime import storage
for rel in sys.argv[1:]:
    with storage.open(os.path.join(storage.settings.root, rel), "w", pin=True) as f:
        f.write("written by " + storage.settings.root + " as " + rel)
storage.backend.wait_drain(10)
"""


def _write_in_process(env: dict[str, str], *rels: str) -> None:
    result = subprocess.run(
        [PYTHON, "-c", _WRITE, *rels],
        env={**os.environ, **env},
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _root_rows(index: str, root: str) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in _all_rows(index) if r["root"] == root}


def _all_rows(index: str) -> list[dict[str, Any]]:
    import sqlite3

    conn = sqlite3.connect(index)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM files")]
    finally:
        conn.close()


# -- one index, two roots ------------------------------------------------------------------


def test_two_roots_sharing_one_index_never_mark_each_others_rows(
    ipfs_settings: Callable[..., Any], tmp_path: Any
) -> None:
    shared = str(tmp_path / "shared-index.sqlite3")
    r1 = ipfs_settings("r1", index=shared)
    r2 = ipfs_settings("r2", index=shared)
    r1_down = {**r1.as_env(), "STORAGE_RUNTIME_API": closed_port_api()}
    # R1 writes while its daemon is down (pending); R2 writes a file of the same name.
    _write_in_process(r1_down, "ckpt.json")
    _write_in_process(r2.as_env(), "ckpt.json", "only-r2.txt")
    # R2 deletes nothing of R1's: sync of R2 (which sees "ckpt.json" and more) runs.
    os.unlink(os.path.join(r2.root, "only-r2.txt"))
    sync = run_cli(["sync"], r2.as_env())
    assert sync.returncode == 0, sync.stderr
    r1_rows = _root_rows(shared, r1.root)
    assert r1_rows["ckpt.json"]["state"] == "pending"  # not "gone", not "published"
    assert set(_root_rows(shared, r2.root)) == {"ckpt.json", "only-r2.txt"}

    status = run_cli(["status"], r1.as_env())
    assert status.returncode == 1 and "pending: 1" in status.stdout.splitlines()
    assert (
        "pending: ckpt.json: " in status.stderr
    )  # with the reason it is still pending
    other = run_cli(["status"], r2.as_env())
    assert other.returncode == 0, other.stderr
    assert {"published: 2", "pending: 0"} <= set(other.stdout.splitlines())

    # R1's own sync publishes R1's bytes (R2's pinned entry of the same name is replaced
    # by the later publish: one namespace, last pin wins).
    assert run_cli(["sync"], r1.as_env()).returncode == 0
    assert _root_rows(shared, r1.root)["ckpt.json"]["state"] == "published"
    assert run_cli(["status"], r1.as_env()).returncode == 0


def test_reindex_of_one_root_keeps_the_other_roots_rows(
    ipfs_settings: Callable[..., Any], tmp_path: Any
) -> None:
    shared = str(tmp_path / "shared-index.sqlite3")
    r1 = ipfs_settings("r1", index=shared)
    r2 = ipfs_settings("r2", index=shared)
    _write_in_process(
        {**r1.as_env(), "STORAGE_RUNTIME_API": closed_port_api()}, "a.txt"
    )
    _write_in_process(r2.as_env(), "b.txt")
    rebuilt = run_cli(["reindex"], r2.as_env())
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _root_rows(shared, r1.root)["a.txt"]["state"] == "pending"
    assert set(_root_rows(shared, r2.root)) == {"b.txt"}


def test_reindex_of_a_corrupt_shared_index_keeps_the_other_roots_rows(
    ipfs_settings: Callable[..., Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage_runtime._index import Index, IndexUnavailable
    from storage_runtime._reindex import reindex

    shared = str(tmp_path / "shared-index.sqlite3")
    r1 = ipfs_settings("r1", index=shared)
    r2 = ipfs_settings("r2", index=shared)
    _write_in_process({**r1.as_env(), "STORAGE_RUNTIME_API": closed_port_api()}, "a.txt")
    _write_in_process(r2.as_env(), "b.txt")

    def corrupt(self: Index) -> None:  # fault path: quick_check says corrupt, rows readable
        raise IndexUnavailable(f"index {self.path} is corrupt: planted")

    monkeypatch.setattr(Index, "check", corrupt)
    backend = IpfsBackend(r2, drain_on_start=False)
    try:
        report = reindex(backend)
    finally:
        backend.close()
    assert report.moved_aside and os.path.exists(report.moved_aside)
    assert report.other_roots_kept == 1
    assert _root_rows(shared, r1.root)["a.txt"]["state"] == "pending"
    assert _root_rows(shared, r2.root)["b.txt"]["state"] == "published"


# -- descriptors and threads ----------------------------------------------------------------

_THREADS = """
import os, resource, sys, threading
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
from storage_runtime import storage
root = storage.settings.root
errors = []
def one(i):
    try:
        with storage.open(os.path.join(root, f"t{i}.txt"), "w") as f:
            f.write(f"thread {i}")
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=one, args=(i,)) for i in range(1500)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(os.path.join(root, "after.txt"), "w") as f:  # builtin open still works
    f.write("ok")
print("errors", len(errors), errors[:3])
print("fds", len(os.listdir("/proc/self/fd")))
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_1500_threads_writing_once_stay_within_1024_descriptors(
    ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings(timeout=30.0)
    result = _run_py(_THREADS, settings.as_env(), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert out["errors"] == "0 []", result.stdout
    assert (
        int(out["fds"]) < 64
    )  # one client pool and one index connection, not per thread
    states = {r["path"]: r["state"] for r in _all_rows(settings.index)}
    assert len([p for p in states if p.startswith("t")]) == 1500
    assert set(states.values()) == {"published"}  # every write published, none deferred


def test_threads_share_one_client(ipfs_settings: Callable[..., Any]) -> None:
    import threading

    made: list[Any] = []

    def factory(s: Any) -> Any:
        made.append(default_client(s))
        return made[-1]

    backend = IpfsBackend(ipfs_settings(), client_factory=factory, drain_on_start=False)
    seen: list[Any] = []
    threads = [
        threading.Thread(target=lambda: seen.append(backend.client()))
        for _ in range(50)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    backend.close()
    assert len(made) == 1 and all(c is made[0] for c in seen)


def test_abandoned_streams_do_not_exhaust_the_blocking_pool(
    ipfs_settings: Callable[..., Any],
) -> None:
    """The pool blocks when all its connections are out: a stream dropped half-read (an
    exception while restoring) must give its connection back, or later calls would wait
    forever."""
    import gc
    import io
    import threading

    from storage_runtime._ipfs import POOL_SIZE

    client = default_client(ipfs_settings())
    try:
        cid = client.add(io.BytesIO(os.urandom(4 * 1024 * 1024)), cid_version=1,
                         raw_leaves=True)["Hash"]
        for _ in range(3 * POOL_SIZE):
            stream = client.cat(cid, stream=True)
            next(iter(stream))  # one chunk, then dropped
            del stream
            gc.collect()
        answered: list[Any] = []
        probe = threading.Thread(target=lambda: answered.append(client.version()), daemon=True)
        probe.start()
        probe.join(30)
        assert answered, "the pool is exhausted: a call waits for a connection forever"
    finally:
        client.close()


# -- names the namespace cannot hold ----------------------------------------------------------

_BAD_NAMES = """
import os, sys
from storage_runtime import storage
root = os.fsencode(storage.settings.root)
for name in (b"caf\\xe9.txt", b"back\\\\slash.txt"):
    with storage.open(os.path.join(root, name), "w", pin=True) as f:
        f.write("bad name")
for i in range(20):
    with storage.open(os.path.join(root, b"ok%d.txt" % i), "w", pin=True) as f:
        f.write(f"healthy {i}")
"""


def test_a_name_mfs_cannot_hold_is_refused_not_blamed_on_the_daemon(
    ipfs_settings: Callable[..., Any], ipfs_client: Any
) -> None:
    settings = ipfs_settings()
    env = settings.as_env()
    result = _run_py(_BAD_NAMES, env)
    assert result.returncode == 0, result.stderr
    assert "not publishing" in result.stderr and "not valid UTF-8" in result.stderr
    assert "cannot publish to IPFS" not in result.stderr  # the daemon was never blamed
    states = {r["path"]: r["state"] for r in _all_rows(settings.index)}
    assert states == {f"ok{i}.txt": "published" for i in range(20)}  # published at once
    for i in range(20):
        assert mfs_cid(ipfs_client, f"{settings.namespace}/ok{i}.txt") is not None

    status = run_cli(["status"], env)
    assert status.returncode == 1, status.stdout
    assert "refused: 2" in status.stdout.splitlines() and "pending: 0" in status.stdout
    assert "refused: caf\\xe9.txt: " in status.stderr
    assert (
        "refused: back\\slash.txt: " in status.stderr and "backslash" in status.stderr
    )

    rebuilt = run_cli(["reindex"], env)
    assert "Traceback" not in rebuilt.stderr
    assert rebuilt.returncode == 1, rebuilt.stderr  # refused files: not all done
    assert "refused: 2" in rebuilt.stdout and "published: 20" in rebuilt.stdout
    again = run_cli(["status"], env)
    assert again.returncode == 1 and "refused: 2" in again.stdout.splitlines()

    for name in (b"caf\xe9.txt", b"back\\slash.txt"):  # deleted: nothing left to report
        os.unlink(os.path.join(os.fsencode(settings.root), name))
    clean = run_cli(["status"], env)
    assert clean.returncode == 0, clean.stderr
    assert "refused: 0" in clean.stdout.splitlines()


class _FailingAdd:
    """Fault path: the real client, but the node answers one file's add with an error."""

    def __init__(self, inner: Any, marker: bytes) -> None:
        self._inner, self._marker = inner, marker

    def add(self, reader: Any, *args: Any, **kwargs: Any) -> Any:
        from storage_runtime._rpc import ErrorResponse

        data = reader.read()
        if data.startswith(self._marker):
            raise ErrorResponse("file is too weird for this node", None)
        import io

        from storage_runtime._publish import _HashingReader

        wrapped = _HashingReader(io.BytesIO(data))  # type: ignore[arg-type]
        result = self._inner.add(wrapped, *args, **kwargs)
        reader.builder = wrapped.builder
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_an_error_the_node_answers_for_one_file_does_not_defer_the_others(
    ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings()
    backend = IpfsBackend(
        settings,
        drain_on_start=False,
        client_factory=lambda s: _FailingAdd(default_client(s), b"BAD"),
    )
    storage = Storage(settings, backend_impl=backend)
    try:
        storage.write_bytes(
            Path(settings.root, "bad.bin"), b"BAD bytes", pin=True
        )
        for i in range(20):
            storage.write_bytes(
                Path(settings.root, f"ok{i}.bin"), b"%d" % i, pin=True
            )
        assert not backend._breaker.is_open()
        bad = backend.index.get("bad.bin")
        assert bad is not None and bad.state == "pending"
        assert (
            bad.error is not None and "too weird" in bad.error
        )  # kept with its reason
        assert all(
            backend.index.get(f"ok{i}.bin").state == "published"  # type: ignore[union-attr]
            for i in range(20)
        )
    finally:
        backend.close()


def test_an_unreachable_daemon_still_opens_the_breaker(
    ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings(api=closed_port_api())
    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    try:
        storage.write_bytes(Path(settings.root, "a.bin"), b"a", pin=True)
        assert backend._breaker.is_open()
    finally:
        backend.close()


# -- negative cache --------------------------------------------------------------------------


class _Counting:
    """The real client, counting MFS lookups (instrumentation, not a fake)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.stats = 0
        outer = self

        class Files:
            def stat(self, *args: Any, **kwargs: Any) -> Any:
                outer.stats += 1
                return inner.files.stat(*args, **kwargs)

            def __getattr__(self, name: str) -> Any:
                return getattr(inner.files, name)

        self.files = Files()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_missing_file_asks_the_node_once_per_window(
    ipfs_settings: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage_runtime._ipfs as ipfs_mod

    monkeypatch.setattr(ipfs_mod, "NEGATIVE_TTL", 1.0)
    reader_settings = ipfs_settings("reader")
    counting = _Counting(default_client(reader_settings))
    backend = IpfsBackend(
        reader_settings, client_factory=lambda s: counting, drain_on_start=False
    )
    storage = Storage(reader_settings, backend_impl=backend)
    missing = os.path.join(reader_settings.root, "later.txt")
    try:
        for _ in range(50):
            with pytest.raises(FileNotFoundError):
                storage.open(missing)
        assert counting.stats == 1  # one lookup for 50 opens
        # Another worker publishes it meanwhile: visible once the window has passed.
        _write_in_process(ipfs_settings("writer").as_env(), "later.txt")
        time.sleep(1.1)
        with storage.open(missing) as f:
            assert f.read().endswith("as later.txt")
        assert counting.stats == 2
    finally:
        backend.close()


def test_a_refused_restore_is_remembered_too(
    ipfs_settings: Callable[..., Any], ipfs_client: Any, namespace: str
) -> None:
    import io

    from storage_runtime import RestoreRefused

    # Plant an entry whose content is not pinned (another worker's cache, or an attacker's).
    cid = ipfs_client.add(io.BytesIO(b"unpinned"), pin=False, cid_version=1,
                          raw_leaves=True)["Hash"]
    ipfs_client.files.mkdir(namespace, parents=True)
    ipfs_client.files.cp(f"/ipfs/{cid}", f"{namespace}/loose.txt")
    settings = ipfs_settings(restore_pinned_only=True, strict=True)
    counting = _Counting(default_client(settings))
    backend = IpfsBackend(settings, client_factory=lambda s: counting, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    try:
        path = os.path.join(settings.root, "loose.txt")
        with pytest.raises(RestoreRefused, match="not pinned"):
            backend.before_read(path)
        for _ in range(20):
            # The program's open fails as the builtin's did, in strict mode too; the
            # refusal is the backend's (logged), raised again from memory, not asked again.
            with pytest.raises(FileNotFoundError) as info:
                storage.open(path)
            assert type(info.value) is FileNotFoundError and info.value.filename == path
            with pytest.raises(RestoreRefused, match="not pinned"):
                backend.before_read(path)
        assert counting.stats == 1  # the refusal came from memory 40 times
    finally:
        backend.close()


# -- leftover temporary files --------------------------------------------------------------------

_HOLD = """
import os, sys, time
from storage_runtime._atomic import AtomicWrite
with AtomicWrite(sys.argv[1], "w") as f:
    f.write("half")
    f.flush()
    print("ready", flush=True)
    sys.stdin.readline()   # the parent says when to finish
    f.write(" and whole")
"""


def _holder(path: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [PYTHON, "-c", _HOLD, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def _age(path: str, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_sync_removes_temp_files_of_killed_writers_only(
    ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings()
    root = settings.root
    os.makedirs(os.path.join(root, "sub"))
    killed = _holder(os.path.join(root, "sub", "killed.txt"))
    alive = _holder(os.path.join(root, "alive.txt"))
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    temps = {
        name: os.path.join(folder, name)
        for folder, _, names in os.walk(root)
        for name in names
        if "storage-tmp" in name
    }
    dead_tmp = next(p for p in temps.values() if os.sep + "sub" + os.sep in p)
    live_tmp = next(p for p in temps.values() if p != dead_tmp)
    restore_tmp = os.path.join(
        root, ".x.bin.sr-restore-0123456789ab"
    )  # a killed restorer
    young_tmp = os.path.join(root, ".y.txt.0123456789ab.storage-tmp")  # just created
    for path in (restore_tmp, young_tmp):
        with open(path, "w") as f:
            f.write("partial")
    for path in (dead_tmp, live_tmp, restore_tmp):
        _age(path, 3600)  # an hour old: age alone would remove them all
    try:
        result = run_cli(["sync"], settings.as_env())
        assert result.returncode == 0, result.stderr
        assert "leftover temporary files removed: 2" in result.stdout
        assert not os.path.exists(dead_tmp) and not os.path.exists(restore_tmp)
        assert os.path.exists(live_tmp) and os.path.exists(young_tmp)
    finally:
        assert alive.stdin is not None
        alive.stdin.write("\n")
        alive.stdin.close()
        assert alive.wait(30) == 0
    with open(os.path.join(root, "alive.txt")) as f:  # the live writer finished intact
        assert f.read() == "half and whole"


# -- an index another user owns --------------------------------------------------------------------

_AS_NOBODY = """
import os, sys
import sqlite3, ipfshttpclient
import storage_runtime.__main__ as cli
import storage_runtime._ipfs, storage_runtime._reindex, storage_runtime._publish
import storage_runtime._restore, storage_runtime._tempfiles, storage_runtime._cid
os.setgid(65534)
os.setuid(65534)   # everything is imported: the interpreter's files stay unreadable
sys.exit(cli.main([sys.argv[1]]))
"""


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root to run a command as another user",
)
def test_an_index_of_another_user_says_so_instead_of_suggesting_reindex(
    ipfs_api: str, namespace: str
) -> None:
    base = tempfile.mkdtemp(prefix="sr-owned-", dir="/tmp")
    try:
        os.chmod(base, 0o755)
        settings_env = {
            "STORAGE_RUNTIME_BACKEND": "ipfs",
            "STORAGE_RUNTIME_API": ipfs_api,
            "STORAGE_RUNTIME_ROOT": base,
            "STORAGE_RUNTIME_NAMESPACE": namespace,
        }
        _write_in_process(settings_env, "owned.txt")  # as root: root's index
        state = os.path.join(base, ".storage-runtime")
        for folder, _, names in os.walk(state):
            os.chmod(folder, 0o755)
            for name in names:
                os.chmod(os.path.join(folder, name), 0o644)
        for command in ("status", "reindex", "sync"):
            result = _run_py(_AS_NOBODY, settings_env, command)
            assert result.returncode == 2, (command, result.stdout, result.stderr)
            assert "not writable by this user (uid 65534)" in result.stderr, (
                result.stderr
            )
            assert "owned by uid 0" in result.stderr
            assert (
                "rebuild it with" not in result.stderr
                and "Traceback" not in result.stderr
            )
    finally:
        subprocess.run(["rm", "-rf", base], check=False)


def test_strict_mode_raises_for_a_refused_name_and_records_it(
    ipfs_settings: Callable[..., Any],
) -> None:
    from storage_runtime import PublishError

    settings = ipfs_settings(strict=True)
    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    path = os.path.join(os.fsencode(settings.root), b"caf\xe9.txt")
    try:
        f = storage.open(path, "w", pin=True)
        f.write("x")
        with pytest.raises(PublishError, match="not valid UTF-8"):
            f.close()
        with open(path) as check:  # the program's write itself is on disk
            assert check.read() == "x"
        assert [reason for _, reason in backend.index.refused()] == [
            "the name b'caf\\xe9.txt' is not valid UTF-8; the namespace (MFS) holds text names"
        ]
    finally:
        backend.close()
