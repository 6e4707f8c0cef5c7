"""The runtime's own HTTP connection to the IPFS node: the standard library's `http.client`,
bound when this module is imported, on a socket no Python-level patch can reach.

A program's tests often mock HTTP for the whole process, and those mocks would answer (or
refuse) the runtime's RPC calls too: `responses` patches `requests.adapters.HTTPAdapter.
send`, `requests-mock` patches `requests.Session.send` and `get_adapter`, vcrpy replaces
`http.client.HTTPConnection` and urllib3's connection classes, sentry-sdk and OpenTelemetry
wrap `HTTPConnection.putrequest`/`getresponse`, httpretty and mocket replace
`socket.socket`, `socket.create_connection` and `socket.getaddrinfo`, pytest-socket
replaces `socket.socket` and `socket.socket.connect`. A migrated program must behave
exactly as before, so its mocks must neither see nor change what the runtime sends.

The runtime does not go through `requests` or `urllib3` at all (importing them would load
eight third-party packages into a program that imported none: `dill.detect`, leak checkers
and plugin scanners walk `sys.modules`). `Connection` is `http.client.HTTPConnection` as it
was at import: a subclass whose MRO starts with one frozen level per class of the
library's MRO, holding a copy of what that class held at that moment, `super()` calls
rebound to the next level (`_frozen`); its responses are a frozen `HTTPResponse` the same
way. A later `mock.patch.object(http.client.HTTPConnection, "putrequest", ...)`, or a
replaced `http.client.HTTPConnection`, is not seen. `connect` opens its socket with the
`socket.socket` class found at import (looked up among the subclasses of `_socket.socket`,
so even a `socket.socket` replaced before this import is not used) and connects, resolves
and sets options with `_socket`'s C functions, which no Python-level patch can replace. No
proxy variables, no `.netrc`: the node is on 127.0.0.1.

Storage_runtime imports this module when it is itself imported with the ipfs backend
configured (before the program's test fixtures run), so what is captured is the library's
own code. Still seen by a program's mocks: a patch made before storage_runtime was
imported, `http.client`'s module-level helpers (`parse_headers`), and audit hooks
(`sys.addaudithook`) that refuse `socket.connect`. `http.client` logs nothing (its
`debuglevel` prints are off), so the runtime's calls leave no log records either.
"""

from __future__ import annotations

import _socket
import copy
import http.client
import socket
import types
from typing import Any

__all__ = ["Connection", "connection"]

_SKIP = frozenset({"__dict__", "__weakref__", "__module__", "__qualname__", "__doc__",
                   "__slots__", "__annotations__", "__orig_bases__", "__parameters__",
                   "__init_subclass__", "__subclasshook__", "__class_getitem__"})
_METHODS = (types.FunctionType, classmethod, staticmethod, property,
            types.MethodDescriptorType, types.BuiltinFunctionType)


def _kept(key: str, value: Any) -> bool:
    """What a frozen level copies: methods (only Python ones under dunder names) and plain
    class attributes; not slot or `__dict__` descriptors, which belong to the layout."""
    if key in _SKIP or key.startswith("_abc_"):
        return False
    if key.startswith("__") and key.endswith("__"):
        return isinstance(value, (types.FunctionType, classmethod, staticmethod))
    return isinstance(value, _METHODS) or not hasattr(type(value), "__get__")


def _rebound(value: Any, owner: type) -> Any:
    """`value` (a function, or a classmethod/staticmethod/property of functions) whose
    zero-argument `super()` starts after `owner` instead of after the class it was written
    in, so it reaches the next frozen level, not the library's live class."""
    if isinstance(value, types.FunctionType):
        free = value.__code__.co_freevars
        if "__class__" not in free:
            return value
        cells = tuple(
            types.CellType(owner) if name == "__class__" else cell
            for name, cell in zip(free, value.__closure__ or (), strict=True)
        )
        copy_ = types.FunctionType(value.__code__, value.__globals__, value.__name__,
                                   value.__defaults__, cells)
        copy_.__kwdefaults__ = value.__kwdefaults__
        copy_.__qualname__ = value.__qualname__
        copy_.__doc__ = value.__doc__
        copy_.__module__ = value.__module__
        copy_.__dict__.update(value.__dict__)
        return copy_
    if isinstance(value, (classmethod, staticmethod)):
        return type(value)(_rebound(value.__func__, owner))
    if isinstance(value, property):
        return property(*(f if f is None else _rebound(f, owner)
                          for f in (value.fget, value.fset, value.fdel)), value.__doc__)
    return value


def _frozen(base: type) -> tuple[type, ...]:
    """Bases for a class that is `base` as it is now: one plain level class per class of
    `base`'s MRO (object excepted) holding a copy of what that class holds (`_kept`; lists
    and dicts copied, `super()` rebound to the next level), then `base` itself (for
    `isinstance` and the instance layout). Attribute lookups, `super()` chains included,
    find the levels first, so a later patch of any class of the MRO is not seen."""
    levels: list[type] = []
    for klass in base.__mro__[:-1]:
        level = type(f"_frozen_{klass.__name__}", (), {"__module__": __name__})
        for key, value in vars(klass).items():
            if _kept(key, value):
                if isinstance(value, (list, dict)):
                    value = copy.copy(value)
                setattr(level, key, _rebound(value, level))
        levels.append(level)
    return (*levels, base)


def _real_socket_class() -> type[socket.socket]:
    """The stdlib's `socket.socket`, even when the module attribute has been replaced (a
    replacement is either not a subclass of `_socket.socket` or a subclass of the real one)."""
    for klass in _socket.socket.__subclasses__():
        if klass.__module__ == "socket" and klass.__name__ == "socket":
            return klass
    return socket.socket  # pragma: no cover (the stdlib always defines it)


_Socket = type("_Socket", _frozen(_real_socket_class()), {"__module__": __name__})
# C functions: what every Python-level patch of the socket module or class leaves alone.
_connect = _socket.socket.connect
_settimeout = _socket.socket.settimeout
_setsockopt = _socket.socket.setsockopt
_getaddrinfo = _socket.getaddrinfo


def _open_socket(host: str, port: int, timeout: float | None) -> socket.socket:
    """`socket.create_connection` without its patchable lookups: each address of `host` in
    turn (the node is 127.0.0.1 or localhost: numeric, or resolved from the hosts file),
    the first that connects; TCP_NODELAY set, as http.client sets it."""
    host = host.strip("[]")
    error: OSError | None = None
    for family, kind, proto, _, address in _getaddrinfo(host, port, 0, _socket.SOCK_STREAM):
        sock = _Socket(family, kind, proto)
        try:
            if timeout is not None:
                _settimeout(sock, timeout)
            _connect(sock, address)
            try:
                _setsockopt(sock, _socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            except OSError:  # not every socket family has it
                pass
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"getaddrinfo returned no address for {host}")


class _Response(*_frozen(http.client.HTTPResponse)):  # type: ignore[misc]
    pass


class Connection(*_frozen(http.client.HTTPConnection)):  # type: ignore[misc]
    """`http.client.HTTPConnection` as it was at import, connecting through `_open_socket`."""

    response_class = _Response

    def connect(self) -> None:
        self.sock = _open_socket(self.host, self.port, self.timeout)


class _SecureConnection(Connection):
    """`Connection` wrapped in TLS (an `/https` API address), the system's trust store."""

    def connect(self) -> None:
        import ssl  # only an /https address needs it

        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def connection(host: str, port: int, timeout: float, *, secure: bool = False) -> Connection:
    """A new, unconnected connection to the node (one per call: see `_rpc`)."""
    kind = _SecureConnection if secure else Connection
    return kind(host, port, timeout=timeout)  # type: ignore[no-any-return]
