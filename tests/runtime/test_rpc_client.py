"""The runtime's RPC client (`storage_runtime/_rpc.py`) against the real node, and its fault
paths against a fake node on 127.0.0.1 that answers what a failing kubo may answer.

The real-node tests check what the backend relies on: `add` gives the CID computed
locally, `cat` streams the bytes back, the node's errors arrive as `ErrorResponse` with
the node's own message, no socket stays open after a call, and at most `slots` calls
are in flight whatever the thread count.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from storage_runtime._cid import IMPORT_OPTS, cid_of_bytes, normalize_cid
from storage_runtime._ipfs import is_daemon_down
from storage_runtime._rpc import (
    Client,
    ErrorResponse,
    NodeTimeout,
    ProtocolError,
    RpcError,
)


def _fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _opened_since(before: set[str]) -> set[str]:
    """The descriptors open now that were not before: a leak. (One another thread of the
    test process closed meanwhile, a runtime's background publisher of an earlier test,
    is none: a CI run saw fd 25 go.)"""
    return _fds() - before


@pytest.mark.ipfs
def test_add_cat_and_the_nodes_errors_through_the_real_node(ipfs_api: str, namespace: str) -> None:
    client = Client(ipfs_api, timeout=10)
    data = os.urandom(600 * 1024)  # three chunks: a tree, not a raw block
    before = _fds()
    added = client.add(io.BytesIO(data), pin=False, cid_version=1, raw_leaves=True,
                       opts=dict(IMPORT_OPTS))
    assert added["Hash"] == cid_of_bytes(data)
    assert b"".join(client.cat(added["Hash"], stream=True)) == data
    assert client.cat(added["Hash"]) == data
    client.files.mkdir(f"{namespace}/a", parents=True)
    client.files.cp(f"/ipfs/{added['Hash']}", f"{namespace}/a/f.bin")
    stat = client.files.stat(f"{namespace}/a/f.bin", opts={"cid-base": "base32"})
    assert (stat["Type"], normalize_cid(stat["Hash"]), stat["Size"]) == ("file", added["Hash"], len(data))
    listing = client.files.ls(f"{namespace}/a", opts={"long": True})
    assert [e["Name"] for e in listing["Entries"]] == ["f.bin"]
    with pytest.raises(ErrorResponse) as info:
        client.files.stat(f"{namespace}/nothing")
    assert "does not exist" in str(info.value)
    assert not is_daemon_down(info.value)
    client.files.rm(f"{namespace}", recursive=True)
    assert _opened_since(before) == set()  # every call closed its connection


@pytest.mark.ipfs
def test_no_more_calls_in_flight_than_slots(ipfs_api: str) -> None:
    """40 threads, 3 slots: never more than 3 sockets of the process at once."""
    client = Client(ipfs_api, timeout=10)
    peak = 0
    stop = threading.Event()

    def sockets() -> int:
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
            except OSError:
                pass
        return count

    base = sockets()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, sockets() - base)

    watcher = threading.Thread(target=watch)
    watcher.start()
    client = Client(ipfs_api, timeout=10, slots=3)
    threads = [threading.Thread(target=lambda: [client.version() for _ in range(5)])
               for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stop.set()
    watcher.join(10)
    assert 1 <= peak <= 3, peak
    assert sockets() == base


# -- fault paths: a fake node ------------------------------------------------------------


@pytest.fixture
def fake_node() -> Iterator[Callable[[bytes], str]]:
    """Serve one canned answer (raw bytes, then close) to every connection on 127.0.0.1;
    gives the API multiaddr."""
    servers: list[socket.socket] = []

    def start(answer: bytes) -> str:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    conn.settimeout(5)
                    try:
                        conn.recv(65536)
                        # Read the rest of the request (an upload's body) before answering:
                        # closing on a client still sending is a broken pipe, not the
                        # answer under test.
                        conn.settimeout(0.2)
                        try:
                            while conn.recv(65536):
                                pass
                        except TimeoutError:
                            pass
                        if answer:
                            conn.sendall(answer)
                    except OSError:
                        pass

        threading.Thread(target=serve, daemon=True).start()
        return f"/ip4/127.0.0.1/tcp/{server.getsockname()[1]}/http"

    yield start
    for server in servers:
        server.close()


def _http(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def test_a_kubo_error_answer_is_an_error_response_with_its_message(fake_node: Any) -> None:
    api = fake_node(_http("500 Internal Server Error",
                          b'{"Message":"file does not exist","Code":0,"Type":"error"}\n'))
    with pytest.raises(ErrorResponse, match="^file does not exist$") as info:
        Client(api, timeout=5).files.stat("/x")
    assert not is_daemon_down(info.value)


def test_a_non_json_error_answer_names_its_status(fake_node: Any) -> None:
    api = fake_node(_http("502 Bad Gateway", b"upstream down", "text/plain"))
    with pytest.raises(ErrorResponse, match="^HTTP 502: upstream down$"):
        Client(api, timeout=5).version()


def test_an_error_inside_a_200_stream_is_an_error_response(fake_node: Any) -> None:
    api = fake_node(_http("200 OK", b'{"Message":"cannot add","Type":"error"}\n'))
    with pytest.raises(ErrorResponse, match="^cannot add$"):
        Client(api, timeout=5).add(io.BytesIO(b"x"), pin=False)


@pytest.mark.parametrize("answer", [
    b"",  # the node closed the connection without answering
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Hash\":",  # cut short
    b"garbage\r\n\r\n",
    _http("200 OK", b"{not json"),
])
def test_a_malformed_or_cut_answer_is_a_daemon_down_error(fake_node: Any, answer: bytes) -> None:
    api = fake_node(answer)
    with pytest.raises(RpcError) as info:
        Client(api, timeout=5).version()
    assert isinstance(info.value, ProtocolError), repr(info.value)
    assert is_daemon_down(info.value)


def test_a_node_that_never_answers_times_out_within_the_timeout(fake_node: Any) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)  # accepted by the kernel, never read nor answered
    try:
        client = Client(f"/ip4/127.0.0.1/tcp/{server.getsockname()[1]}/http", timeout=1)
        before = _fds()
        started = time.monotonic()
        with pytest.raises(NodeTimeout) as info:
            client.version()
        assert time.monotonic() - started < 5
        assert is_daemon_down(info.value)
        assert _opened_since(before) == set()
    finally:
        server.close()


@pytest.mark.ipfs
def test_a_stream_dropped_unread_gives_its_slot_back(ipfs_api: str) -> None:
    """`cat(stream=True)` abandoned before its first chunk (the caller raised): the
    connection is closed and the slot freed, so later calls do not wait forever."""
    client = Client(ipfs_api, timeout=5, slots=1)
    cid = client.add(io.BytesIO(b"streamed"), pin=False, cid_version=1, raw_leaves=True)["Hash"]
    before = _fds()
    for _ in range(3):
        stream = client.cat(cid, stream=True)
        del stream
    assert client.cat(cid) == b"streamed"
    partial = client.cat(cid, stream=True)
    assert next(partial) == b"streamed"
    partial.close()
    assert client.version()["Version"]
    assert _opened_since(before) == set()
