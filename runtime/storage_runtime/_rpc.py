"""The part of the IPFS node's RPC API (kubo's `/api/v0`) the ipfs backend calls, over
`_transport` (the standard library's http.client, bound at import): `add`, `cat`,
`block.get`, `pin.add/rm/ls`, `files.stat/ls/mkdir/cp/mv/rm`, `version`.

The calls keep `ipfshttpclient`'s names and arguments (the backend was written against
it, and test fakes stand in for it with the same shape), but nothing of it, `requests`,
`urllib3` or `multiaddr` is imported: a program that imported none of them sees none in
`sys.modules`, and its HTTP mocks see none of the runtime's calls.

Each call opens its own connection and closes it after the response (`Connection:
close`): no socket of the runtime stays open in the program between calls (zict's and
dask's `check_fd_leaks` count them), and none is half-closed by the node's idle timeout.
A connect to 127.0.0.1 costs far less than the call itself. At most `slots` calls of one
client are in flight at once; a thread that needs one while all are busy waits for a free
one (each call is bounded by the timeout), instead of opening a socket of its own.

Errors, as ipfshttpclient's were: `ErrorResponse` (the node answered with an error: its
message), and the "daemon down" ones, `NodeUnreachable` (refused, reset, unresolvable),
`NodeTimeout` (no answer within the timeout) and `ProtocolError` (a malformed or cut
answer). All derive from `RpcError`.
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any, BinaryIO

from storage_runtime import _transport
from storage_runtime.config import parse_api

__all__ = ["Client", "ErrorResponse", "NodeTimeout", "NodeUnreachable", "ProtocolError",
           "RpcError"]

#: Bytes read from a file per upload chunk, and from a `cat` response per yield.
_CHUNK = 256 * 1024


class RpcError(Exception):
    """Any failure of an RPC call."""


class ErrorResponse(RpcError):
    """The node answered the call with an error; `str()` is the node's message."""


class NodeUnreachable(RpcError):
    """No connection to the node (refused, reset, unresolvable)."""


class NodeTimeout(RpcError):
    """The node did not answer within the timeout."""


class ProtocolError(RpcError):
    """The node's answer was malformed or cut short."""


def _failure(exc: BaseException) -> RpcError:
    """The RpcError an exception of the connection means."""
    if isinstance(exc, TimeoutError):
        return NodeTimeout(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, http.client.HTTPException):  # RemoteDisconnected, IncompleteRead, ...
        return ProtocolError(f"{type(exc).__name__}: {exc}")
    return NodeUnreachable(f"{type(exc).__name__}: {exc}")


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _objects(data: bytes) -> list[Any]:
    """The JSON values of a response body (kubo streams one value per line)."""
    text = data.decode("utf-8")
    decoder = json.JSONDecoder()
    found: list[Any] = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return found
        try:
            value, at = decoder.raw_decode(text, at)
        except ValueError as exc:
            raise ProtocolError(f"the node's answer is not JSON: {exc}") from None
        found.append(value)


class _Response:
    """An answered call: its connection and slot are released by `close` (once)."""

    def __init__(self, conn: _transport.Connection, answer: Any, release: Any) -> None:
        self._conn, self._answer, self._release = conn, answer, release

    def read(self, size: int = -1) -> bytes:
        try:
            return self._answer.read(size) if size >= 0 else self._answer.read()
        except (OSError, http.client.HTTPException) as exc:
            raise _failure(exc) from exc

    def chunks(self) -> _Chunks:
        """The body in chunks as they arrive; closed when exhausted, on an error, when
        closed, or when dropped (even unstarted: its slot must come back)."""
        return _Chunks(self)

    def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            self._conn.close()
            release()


class _Chunks:
    """Iterator over a streamed answer (`cat(stream=True)`)."""

    def __init__(self, response: _Response) -> None:
        self._response: _Response | None = response

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> bytes:
        if self._response is None:
            raise StopIteration
        try:
            chunk = self._response.read(_CHUNK)
        except BaseException:
            self.close()
            raise
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()

    def __del__(self) -> None:
        self.close()


class _Group:
    """A command group (`client.files`, `client.pin`, `client.block`)."""

    def __init__(self, client: Client, prefix: str) -> None:
        self._client, self._prefix = client, prefix

    def _call(self, name: str, *args: str, **options: Any) -> Any:
        return self._client.call(f"{self._prefix}/{name}", *args, **options)


class _Files(_Group):
    def stat(self, path: str, opts: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("stat", path, opts=opts)  # type: ignore[no-any-return]

    def ls(self, path: str, opts: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("ls", path, opts=opts) or {}  # type: ignore[no-any-return]

    def mkdir(self, path: str, parents: bool = False, opts: dict[str, Any] | None = None) -> None:
        self._call("mkdir", path, opts={"parents": parents, **(opts or {})})

    def cp(self, source: str, dest: str, opts: dict[str, Any] | None = None) -> None:
        self._call("cp", source, dest, opts=opts)

    def mv(self, source: str, dest: str, opts: dict[str, Any] | None = None) -> None:
        self._call("mv", source, dest, opts=opts)

    def rm(self, path: str, recursive: bool = False, opts: dict[str, Any] | None = None) -> None:
        self._call("rm", path, opts={"recursive": recursive, **(opts or {})})


class _Pin(_Group):
    def add(self, cid: str, opts: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("add", cid, opts=opts)  # type: ignore[no-any-return]

    def rm(self, cid: str, opts: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("rm", cid, opts=opts)  # type: ignore[no-any-return]

    def ls(self, cid: str, type: str = "all",  # ipfshttpclient's name for it
           opts: dict[str, Any] | None = None) -> dict[str, Any]:
        options = {"type": type, **(opts or {})}
        return self._call("ls", cid, opts=options)  # type: ignore[no-any-return]


class _Block(_Group):
    def get(self, cid: str, opts: dict[str, Any] | None = None) -> bytes:
        return self._call("get", cid, opts=opts, raw=True)  # type: ignore[no-any-return]


class Client:
    """The node at `api` (an `STORAGE_RUNTIME_API` multiaddr); every call bounded by
    `timeout` seconds of silence (connect, and each read of the answer)."""

    def __init__(self, api: str, *, timeout: float, slots: int = 8) -> None:
        self._address = parse_api(api)
        self._timeout = timeout
        self._slots = threading.BoundedSemaphore(slots)
        self.files = _Files(self, "files")
        self.pin = _Pin(self, "pin")
        self.block = _Block(self, "block")

    def close(self) -> None:
        """Nothing to close: no connection outlives its call."""

    # -- the calls ---------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        return self.call("version")  # type: ignore[no-any-return]

    def add(self, reader: BinaryIO, *, pin: bool = True, cid_version: int | None = None,
            raw_leaves: bool | None = None, opts: dict[str, Any] | None = None) -> dict[str, Any]:
        """Add the bytes `reader` gives (read in chunks, streamed as one multipart file)."""
        options: dict[str, Any] = {"pin": pin, "raw-leaves": bool(raw_leaves)}
        if cid_version is not None:
            options["cid-version"] = cid_version
        options.update(opts or {})
        boundary = secrets.token_hex(16)

        def body() -> Iterator[bytes]:
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                   f"filename=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                   ).encode()
            while chunk := reader.read(_CHUNK):
                yield chunk
            yield f"\r\n--{boundary}--\r\n".encode()

        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        found = self.call("add", opts=options, body=body(), headers=headers, many=True)
        for item in found:  # an error reported in the stream, with a 200 status
            if isinstance(item, dict) and item.get("Type") == "error":
                raise ErrorResponse(str(item.get("Message", item)))
        added = [item for item in found if isinstance(item, dict) and "Hash" in item]
        if len(added) != 1:
            raise ProtocolError(f"add answered {found!r}, not one added file")
        return added[0]  # type: ignore[no-any-return]

    def cat(self, cid: str, *, stream: bool = False,
            opts: dict[str, Any] | None = None) -> Any:
        """The content of `cid`: bytes, or with `stream=True` an iterator of chunks."""
        response = self.call("cat", cid, opts=opts, respond=True)
        if stream:
            return response.chunks()
        try:
            return response.read()
        finally:
            response.close()

    # -- one call ----------------------------------------------------------------------

    def call(self, command: str, *args: str, opts: dict[str, Any] | None = None,
             body: Iterator[bytes] | None = None, headers: dict[str, str] | None = None,
             raw: bool = False, many: bool = False, respond: bool = False) -> Any:
        """POST /api/v0/<command>; the decoded answer (JSON value; a list of them with
        `many`; bytes with `raw`; the open `_Response` with `respond`)."""
        params = [("stream-channels", "true")]
        params += [(key, _param(value)) for key, value in (opts or {}).items()]
        params += [("arg", arg) for arg in args]
        url = f"/api/v0/{command}?{urllib.parse.urlencode(params)}"
        a = self._address
        self._slots.acquire()
        conn = _transport.connection(a.host, a.port, self._timeout, secure=a.secure)
        response = _Response(conn, None, self._slots.release)
        try:
            try:
                conn.request("POST", url, body=body,
                             headers={"Connection": "close", **(headers or {})})
                answer = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                raise _failure(exc) from exc
            response._answer = answer
            if answer.status >= 400:
                raise self._error(answer.status, response.read())
            if respond:
                return response
            data = response.read()
        except BaseException:
            response.close()
            raise
        response.close()
        if raw:
            return data
        found = _objects(data)
        if many:
            return found
        if not found:
            return None
        for item in found:  # an error reported in the stream, with a 200 status
            if isinstance(item, dict) and item.get("Type") == "error":
                raise ErrorResponse(str(item.get("Message", item)))
        return found[0] if len(found) == 1 else found

    @staticmethod
    def _error(status: int, data: bytes) -> RpcError:
        try:
            found = _objects(data)
        except (ProtocolError, UnicodeDecodeError):
            found = []
        if found and isinstance(found[0], dict) and "Message" in found[0]:
            return ErrorResponse(str(found[0]["Message"]))
        text = data.decode("utf-8", "replace").strip()[:500]
        return ErrorResponse(f"HTTP {status}: {text}" if text else f"HTTP {status}")
