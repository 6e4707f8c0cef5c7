"""The runtime's RPC transport is not the program's: HTTP mocks a program installs (its test
suite's `responses`, `requests-mock`, vcrpy, httpretty, pytest-socket fixtures) neither see
nor answer the runtime's calls, and what a read of a missing file raises is the builtin's.

Found on scriv 1.8.0, whose suite has an autouse `responses` fixture: on the ipfs backend
every write failed to publish (strict: PublishError) and a read of a missing file raised
`RestoreError: [Errno 2] not restored: IPFS unreachable: ...: '/abs/path/no_file.py'`.

Each mock test is a separate process, as a program is: it imports storage_runtime (the ipfs
backend configured in its environment, strict), installs one kind of mock, then writes,
restores and misses files through the runtime against the real node; then it makes a call
of its own through the same stack, which the mock must see (so the mock was live).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _ipfs_helpers import PYTHON, closed_port_api, disk_cid, mfs_cid, rows
from storage_runtime import Storage
from storage_runtime._ipfs import IpfsBackend

# The program: argv = kind of mock, the node's host:port. The runtime is imported first, as a
# migrated module imports it, before any test fixture runs.
_PROGRAM = r'''
import http.client, json, os, socket, sys
from pathlib import Path
from unittest import mock

import storage_runtime
from storage_runtime import storage
import requests, requests.adapters, urllib3, urllib3.connection, urllib3.connectionpool
import urllib3.util.connection

kind, node = sys.argv[1], sys.argv[2]
refused = requests.ConnectionError("refused by the mock")
blocked = OSError("blocked by the mock")
Pool, Conn = urllib3.connectionpool.HTTPConnectionPool, urllib3.connection.HTTPConnection


guarded = []


class GuardedSocket(socket.socket):  # pytest-socket's --disable-socket
    def __new__(cls, *args, **kwargs):
        guarded.append(args)
        raise blocked


def patches():
    """(patcher, the mock that counts calls), one kind of mock per run."""
    if kind == "adapter_send":  # responses
        return mock.patch.object(requests.adapters.HTTPAdapter, "send", side_effect=refused)
    if kind == "session_send":  # requests-mock patches Session.send ...
        return mock.patch.object(requests.Session, "send", side_effect=refused)
    if kind == "session_get_adapter":  # ... and Session.get_adapter
        return mock.patch.object(requests.Session, "get_adapter", side_effect=refused)
    if kind == "session_request":
        return mock.patch.object(requests.Session, "request", side_effect=refused)
    if kind == "pool_urlopen":
        return mock.patch.object(Pool, "urlopen", side_effect=blocked)
    if kind == "pool_connection_cls":  # vcrpy swaps the pools' connection classes
        return mock.patch.object(Pool, "ConnectionCls", mock.Mock(side_effect=blocked))
    if kind == "pool_get_conn":  # ... and their _get_conn / _new_conn
        return mock.patch.object(Pool, "_get_conn", side_effect=blocked)
    if kind == "connection_new_conn":
        return mock.patch.object(Conn, "_new_conn", side_effect=blocked)
    if kind == "urllib3_create_connection":
        return mock.patch.object(urllib3.util.connection, "create_connection",
                                 side_effect=blocked)
    if kind == "http_client_putrequest":  # reached from urllib3 through super()
        return mock.patch.object(http.client.HTTPConnection, "putrequest", side_effect=blocked)
    if kind == "http_client_getresponse":  # sentry-sdk wraps it, so does OpenTelemetry
        return mock.patch.object(http.client.HTTPConnection, "getresponse", side_effect=blocked)
    if kind == "http_client_module":  # vcrpy replaces http.client.HTTPConnection
        return mock.patch("http.client.HTTPConnection", mock.Mock(side_effect=blocked))
    if kind == "socket_class":  # httpretty, mocket
        return mock.patch("socket.socket", side_effect=blocked)
    if kind == "socket_class_subclass":  # pytest-socket --disable-socket
        return mock.patch("socket.socket", GuardedSocket)
    if kind == "socket_connect":  # pytest-socket --allow-hosts
        return mock.patch.object(socket.socket, "connect", side_effect=blocked)
    if kind == "create_connection":
        return mock.patch("socket.create_connection", side_effect=blocked)
    if kind == "getaddrinfo":  # httpretty, mocket
        return mock.patch("socket.getaddrinfo", side_effect=socket.gaierror("blocked"))
    raise SystemExit(f"unknown kind {kind}")


def programs_own_call():
    """A call of the program's own through the patched layer (counted by the mock)."""
    try:
        if kind == "http_client_module":
            http.client.HTTPConnection(*node.split(":")).request("POST", "/api/v0/version")
        elif kind == "create_connection":
            socket.create_connection(tuple(node.split(":")), timeout=5)
        else:
            requests.post(f"http://{node}/api/v0/version", timeout=5)
    except Exception as exc:
        return type(exc).__name__
    return "answered"


patcher = patches()
counted = patcher.start()


def count():
    return len(guarded) if kind == "socket_class_subclass" else counted.call_count


root = Path(storage.settings.root)
storage.write_text(root / "out.txt", "hello\n", pin=True)  # strict: raises if not published
with storage_runtime.open(root / "shared.txt") as f:  # restored from the namespace
    shared = f.read()
try:
    storage_runtime.open("no_file.py")
except FileNotFoundError as exc:
    missing = [type(exc).__name__, str(exc), exc.filename, exc.errno]
storage.backend.wait_drain(10)  # the background publisher ran under the mock too
runtime_calls = count()
own = programs_own_call()
program_calls = count() - runtime_calls
patcher.stop()
print(json.dumps({"runtime_calls": runtime_calls, "program_calls": program_calls,
                  "own": own, "shared": shared, "missing": missing}))
'''

KINDS = [
    "adapter_send",
    "session_send",
    "session_get_adapter",
    "session_request",
    "pool_urlopen",
    "pool_connection_cls",
    "pool_get_conn",
    "connection_new_conn",
    "urllib3_create_connection",
    "http_client_putrequest",
    "http_client_getresponse",
    "http_client_module",
    "socket_class",
    "socket_class_subclass",
    "socket_connect",
    "create_connection",
    "getaddrinfo",
]


def _node(api: str) -> str:
    parts = api.strip("/").split("/")  # ip4/127.0.0.1/tcp/5011/http
    return f"{parts[1]}:{parts[3]}"


def _run(code: str, args: list[str], env: dict[str, str], cwd: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_RUNTIME_", "PYTEST_"))}
    full.update(env)
    # -W error: the runtime's calls warn about nothing (urllib3 2 warned on every request
    # about the `strict` pool argument ipfshttpclient 0.7.0 passes; a program run with
    # `-W error` would have failed every publish).
    return subprocess.run([PYTHON, "-W", "error", "-c", code, *args], env=full, cwd=cwd,
                          capture_output=True, text=True, timeout=180, check=False)


def _plant_shared(make_storage: Callable[..., Any]) -> None:
    """Another worker publishes shared.txt (pinned) in the namespace."""
    writer = make_storage("writer")
    writer.write_text(Path(writer.settings.root, "shared.txt"), "from another worker\n", pin=True)


def _check_published(settings: Any, client: Any, rel: str) -> None:
    path = os.path.join(settings.root, rel)
    row = rows(settings.index)[rel]
    assert row["state"] == "published"
    assert mfs_cid(client, f"{settings.namespace}/{rel}") == disk_cid(path) == row["cid"]


@pytest.mark.ipfs
@pytest.mark.parametrize("kind", KINDS)
def test_the_programs_mocks_see_none_of_the_runtimes_calls(
    kind: str, ipfs_settings: Callable[..., Any], make_storage: Callable[..., Any],
    ipfs_client: Any, ipfs_api: str,
) -> None:
    _plant_shared(make_storage)
    settings = ipfs_settings("program", strict=True)
    done = _run(_PROGRAM, [kind, _node(ipfs_api)], settings.as_env(), cwd=settings.root)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["runtime_calls"] == 0, out
    # The mock was live: the program's own call went through it (and was refused).
    assert out["program_calls"] >= 1, out
    assert out["own"] != "answered", out
    assert out["shared"] == "from another worker\n"
    assert out["missing"] == [
        "FileNotFoundError", "[Errno 2] No such file or directory: 'no_file.py'", "no_file.py", 2
    ]
    _check_published(settings, ipfs_client, "out.txt")
    assert "storage_runtime" not in done.stderr, done.stderr  # nothing deferred or refused


# The reproduction found by the real-package harness (tests/realworld/test_repros.py on the
# realworld branch, there as an xfail): a write under `responses`' patch, strict mode.
_MOCKED_REQUESTS = """
import sys
from pathlib import Path
from unittest import mock
import requests
from storage_runtime import storage
refuse = mock.patch.object(
    requests.adapters.HTTPAdapter, "send", side_effect=requests.ConnectionError("refused by the mock")
)
with refuse:
    storage.write_text(Path(sys.argv[1]) / "out.txt", "hello\\n", pin=False)  # was Path.write_text
print("ok")
"""


@pytest.mark.ipfs
def test_publish_does_not_go_through_the_programs_requests_mocks(
    ipfs_settings: Callable[..., Any],
) -> None:
    settings = ipfs_settings("root", strict=True)
    done = _run(_MOCKED_REQUESTS, [settings.root], settings.as_env(), cwd=settings.root)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr[-2000:]
    assert Path(settings.root, "out.txt").read_text() == "hello\n"
    assert rows(settings.index)["out.txt"]["state"] == "published"


# The real libraries (test-only pins in requirements-ci.txt: responses, requests-mock,
# httpretty, vcrpy); skipped where an environment lacks one.
_REAL_LIBRARIES = r'''
import json, sys
from pathlib import Path
import requests
import storage_runtime
from storage_runtime import storage

library, node = sys.argv[1], sys.argv[2]
root = Path(storage.settings.root)
if library == "responses":
    import responses
    mocker = responses.RequestsMock(assert_all_requests_are_fired=False)
elif library == "httpretty":  # socket level: refuses every unregistered connection
    import httpretty
    mocker = httpretty.enabled(allow_net_connect=False)
elif library == "vcr":  # http.client and urllib3 level: an empty cassette, no recording
    import vcr
    mocker = vcr.use_cassette(sys.argv[3], record_mode="none")
else:
    import requests_mock
    mocker = requests_mock.Mocker()
    # Every request matches (and is counted), and is refused, as an unregistered one is.
    mocker.register_uri(requests_mock.ANY, requests_mock.ANY,
                        exc=requests.ConnectionError("refused by the mock"))
with mocker:
    storage.write_text(root / "out.txt", "hello\n", pin=True)
    with storage_runtime.open(root / "shared.txt") as f:
        shared = f.read()
    try:
        storage_runtime.open("no_file.py")
    except FileNotFoundError as exc:
        missing = str(exc)
    storage.backend.wait_drain(10)
    if library == "responses":
        runtime_calls = len(mocker.calls)
    elif library == "requests_mock":
        runtime_calls = mocker.call_count
    else:  # they refuse what is not registered: the strict publish above is the check
        runtime_calls = None
    try:
        requests.post(f"http://{node}/api/v0/version", timeout=5)
        own = "answered"
    except Exception:  # an unregistered URL: refused by the mock
        own = "refused"
print(json.dumps({"runtime_calls": runtime_calls, "own": own, "shared": shared,
                  "missing": missing}))
'''


@pytest.mark.ipfs
@pytest.mark.parametrize("library", ["responses", "requests_mock", "httpretty", "vcr"])
def test_the_real_mock_libraries_see_none_of_the_runtimes_calls(
    library: str, ipfs_settings: Callable[..., Any], make_storage: Callable[..., Any],
    ipfs_client: Any, ipfs_api: str,
) -> None:
    pytest.importorskip(library)
    _plant_shared(make_storage)
    settings = ipfs_settings("program", strict=True)
    cassette = str(Path(settings.root).parent / "empty.yaml")
    done = _run(_REAL_LIBRARIES, [library, _node(ipfs_api), cassette], settings.as_env(),
                cwd=settings.root)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["runtime_calls"] in (0, None) and out["own"] == "refused", out
    assert out["shared"] == "from another worker\n"
    assert out["missing"] == "[Errno 2] No such file or directory: 'no_file.py'"
    _check_published(settings, ipfs_client, "out.txt")


# -- what a read of a missing file raises when the restore cannot be done ----------------------


def _builtin(*args: Any) -> Any:
    """Builtin open (a name, so the calls below read as the original program's)."""
    return open(*args)  # the file is missing in these tests: nothing to close


def _error(call: Callable[[], Any]) -> tuple[Any, ...]:
    with pytest.raises(OSError) as info:
        call()
    exc = info.value
    return type(exc), str(exc), exc.args, exc.errno, exc.strerror, exc.filename, exc.filename2


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("name", ["no_file.py", b"no_file.py", "sub/../no_file.py", "ABS"])
def test_a_missing_file_with_the_daemon_down_raises_the_builtins_own_error(
    strict: bool, name: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Differential: builtin open / pathlib against the runtime's, the daemon down (nothing
    listens on the port). Type, message, errno and filename as the caller gave it."""
    from storage_runtime.config import Settings

    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    monkeypatch.chdir(root)
    if name == "ABS":
        name = str(root / "no_file.py")
    settings = Settings(backend="ipfs", api=closed_port_api(), root=str(root), strict=strict,
                        timeout=2.0)
    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    try:
        assert _error(lambda: storage.open(name)) == _error(lambda: _builtin(name))
        assert _error(lambda: storage.open(name, "rb")) == _error(lambda: _builtin(name, "rb"))
        assert _error(lambda: storage.open(name, "r+")) == _error(lambda: _builtin(name, "r+"))
        path = Path(os.fsdecode(name))
        assert _error(lambda: storage.read_text(path)) == _error(path.read_text)
        assert _error(lambda: storage.read_bytes(path)) == _error(path.read_bytes)
        assert _error(lambda: storage.load_json(name)) == _error(lambda: _builtin(name))
    finally:
        backend.close()
    assert os.listdir(root) == ["sub"] or sorted(os.listdir(root)) == [".storage-runtime", "sub"]


@pytest.mark.ipfs
def test_a_refused_restore_raises_the_builtins_own_error(
    ipfs_settings: Callable[..., Any], ipfs_client: Any, namespace: str,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """A namespace entry the runtime refuses (not pinned, restores limited to pinned ones):
    the program's open fails as the builtin's did, strict mode too; the refusal is logged."""
    import io
    import logging

    cid = ipfs_client.add(io.BytesIO(b"planted"), pin=False, cid_version=1, raw_leaves=True)["Hash"]
    ipfs_client.files.mkdir(namespace, parents=True)
    ipfs_client.files.cp(f"/ipfs/{cid}", f"{namespace}/loose.txt")
    settings = ipfs_settings(restore_pinned_only=True, strict=True)
    monkeypatch.chdir(settings.root)
    backend = IpfsBackend(settings, drain_on_start=False)
    storage = Storage(settings, backend_impl=backend)
    try:
        with caplog.at_level(logging.WARNING, logger="storage_runtime"):
            ours = _error(lambda: storage.open("loose.txt"))
        assert ours == _error(lambda: _builtin("loose.txt"))
        assert any("refusing to restore" in r.getMessage() and "not pinned" in r.getMessage()
                   for r in caplog.records)
        assert not os.path.exists("loose.txt")
    finally:
        backend.close()


# -- the transport itself: what the daemon's trouble looks like through it ---------------------


def test_a_silent_or_closed_port_is_a_daemon_down_error_within_the_timeout(tmp_path: Path) -> None:
    """A socket that accepts and never answers times out (read timeout) and a closed port
    is refused: both are the client's "daemon down" errors (publishing pauses), within
    the configured timeout, as through ipfshttpclient's own transport."""
    import socket
    import time

    from storage_runtime._ipfs import default_client, is_daemon_down
    from storage_runtime.config import Settings

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts; nobody ever reads or answers
    port = silent.getsockname()[1]
    try:
        for api in (f"/ip4/127.0.0.1/tcp/{port}/http", closed_port_api()):
            settings = Settings(backend="ipfs", api=api, root=str(tmp_path), timeout=1.0)
            client = default_client(settings)
            started = time.monotonic()
            try:
                with pytest.raises(Exception) as info:  # the kind is checked below
                    client.version()
            finally:
                client.close()
            assert is_daemon_down(info.value), repr(info.value)
            assert time.monotonic() - started < 10
    finally:
        silent.close()


def test_the_transport_is_bound_at_import_on_the_ipfs_backend_only(tmp_path: Path) -> None:
    probe = ("import sys, storage_runtime; "
             "print(sorted(m for m in ('requests', 'urllib3', 'ipfshttpclient', 'multiaddr', "
             "'storage_runtime._rpc', 'storage_runtime._transport') if m in sys.modules))")
    ipfs = _run(probe, [], {"STORAGE_RUNTIME_BACKEND": "ipfs", "STORAGE_RUNTIME_ROOT": str(tmp_path)},
                cwd=str(tmp_path))
    local = _run(probe, [], {}, cwd=str(tmp_path))
    assert ipfs.returncode == 0 and local.returncode == 0, ipfs.stderr + local.stderr
    assert ipfs.stdout.strip() == "['storage_runtime._rpc', 'storage_runtime._transport']"
    assert local.stdout.strip() == "[]"


# A program that looks at what is loaded (dill.detect, leak checkers, plugin scanners): the
# top-level modules outside the standard library, after the runtime published, restored,
# missed a file and removed one.
_FOOTPRINT = r"""
import os, sys
before = set(sys.modules)
import storage_runtime
from storage_runtime import storage
from pathlib import Path
root = Path(storage.settings.root)
storage.write_text(root / "out.txt", "hello\n", pin=True)  # strict: raises if not published
with storage_runtime.open(root / "shared.txt") as f:  # restored from the namespace
    assert f.read() == "from another worker\n"
assert not storage.exists(str(root / "nobody.txt"))
storage.backend.wait_drain(10)
loaded = {m.split(".")[0] for m in set(sys.modules) - before}
print(sorted(loaded - set(sys.stdlib_module_names) - {"storage_runtime"}))
"""


@pytest.mark.ipfs
def test_publishing_and_restoring_load_no_third_party_package(
    ipfs_settings: Callable[..., Any], make_storage: Callable[..., Any],
) -> None:
    _plant_shared(make_storage)
    settings = ipfs_settings("program", strict=True)
    done = _run(_FOOTPRINT, [], settings.as_env(), cwd=settings.root)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "[]\n"
    assert rows(settings.index)["out.txt"]["state"] == "published"


_LOG_CAPTURE = r'''
import logging, os, sys
from pathlib import Path
import storage_runtime
from storage_runtime import storage
import urllib3

records = []
handler = logging.Handler()
handler.emit = records.append
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.DEBUG)
root = Path(storage.settings.root)
with storage.open(root / "out.txt", "w", pin=True) as f:  # a publish: several RPC calls
    f.write("hello\n")
storage.exists(str(root / "nobody" / "x.txt"))  # a namespace lookup for a missing file
ours = sorted({r.name for r in records if r.name.startswith("urllib3")})
# The program's own urllib3 traffic still logs (a request to the node's API port).
pool = urllib3.PoolManager()
pool.request("POST", sys.argv[1] + "/api/v0/version")
theirs = sorted({r.name for r in records if r.name.startswith("urllib3")})
print(ours, theirs)
'''


def test_the_runtimes_calls_leave_no_urllib3_log_records_in_the_program(
    ipfs_settings: Callable[..., Any],
) -> None:
    """filelock 3.20.0's suite asserts the exact log records of a lock (caplog at DEBUG):
    after migration its `Path(lock).exists()` asked the namespace, and urllib3's
    `Starting new HTTP connection` and request lines appeared among them."""
    settings = ipfs_settings("root", strict=True)
    host, port = settings.api.split("/")[2], settings.api.split("/")[4]
    done = _run(_LOG_CAPTURE, [f"http://{host}:{port}"], settings.as_env(), cwd=settings.root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "[] ['urllib3.connectionpool']\n"
    assert rows(settings.index)["out.txt"]["state"] == "published"
