"""The runtime's own HTTP transport to the IPFS node, bound when this module is imported.

The ipfs backend talks to the node through `ipfshttpclient`, which uses a `requests`
session. A program's tests often mock HTTP for the whole process, and those mocks would
answer (or refuse) the runtime's RPC calls too: `responses` patches
`requests.adapters.HTTPAdapter.send`, `requests-mock` patches `requests.Session.send` and
`get_adapter`, vcrpy patches urllib3's pool and connection classes, httpretty and mocket
replace `socket.socket`, `socket.create_connection` and `socket.getaddrinfo`, pytest-socket
replaces `socket.socket` and `socket.socket.connect`. A migrated program must behave exactly
as before, so its mocks must neither see nor change what the runtime sends.

`session()` builds a `requests.Session` whose whole path to the socket is made of classes
built here, at import: each is a subclass of the library's class whose MRO starts with one
frozen level per class of the library's MRO, holding a copy of what that class held at that
moment, `super()` calls rebound to the next level (`_frozen`). A later
`mock.patch.object(Base, "name", ...)` on any of those classes (requests' Session and
HTTPAdapter, urllib3's PoolManager, pools and connections, http.client's HTTPConnection,
socket.socket) is not seen. The chain: `_Session` -> `_Adapter` -> `_PoolManager` -> `_Pool`
-> `_Connection`, whose `_new_conn` opens its socket with the `socket.socket` class found
at import (looked up among the subclasses of `_socket.socket`, so even a `socket.socket`
replaced before this import is not used) and connects, resolves and sets options with
`_socket`'s C functions, which no Python-level patch can replace. The session ignores the
environment (`trust_env=False`: no proxy variables, no `.netrc`, no CA bundle variables):
the node is on 127.0.0.1.

Storage_runtime imports this module when it is itself imported with the ipfs backend
configured (before the program's test fixtures run), so what is captured is the libraries'
own code; `mimetypes` reads its tables then too. Still seen by a program's mocks: a patch made before storage_runtime was imported;
methods the libraries call by explicit class (`RequestMethods.__init__(self, ...)` in
urllib3's pools), module-level helpers of requests and urllib3 (`urllib3.connectionpool.
is_connection_dropped`, which vcrpy replaces by a mock saying False: harmless), the
`requests.models` and `urllib3.response` classes responses are built with, and audit hooks
(`sys.addaudithook`) that refuse `socket.connect`.
"""

from __future__ import annotations

import _socket
import copy
import logging
import mimetypes
import socket
import threading
import types
from typing import Any

import requests
import requests.adapters
import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
import urllib3.poolmanager
import urllib3.util.timeout

#: "No timeout given": urllib3 2's sentinel (1.26 used socket's own).
_NO_TIMEOUT = getattr(urllib3.util.timeout, "_DEFAULT_TIMEOUT", socket._GLOBAL_DEFAULT_TIMEOUT)

__all__ = ["session"]

_SKIP = frozenset({"__dict__", "__weakref__", "__module__", "__qualname__", "__doc__",
                   "__slots__", "__annotations__", "__orig_bases__", "__parameters__",
                   "__init_subclass__", "__subclasshook__", "__class_getitem__"})
_METHODS = (types.FunctionType, classmethod, staticmethod, property,
            types.MethodDescriptorType, types.BuiltinFunctionType)

# ipfshttpclient's multipart encoder guesses a content type for each upload; mimetypes
# reads /etc/mime.types (through the name `open`) on its first use. Read it now, at
# import, so that a program's later `mock.patch("builtins.open")` neither records nor
# answers that read (helper unseen6's B2).
mimetypes.init()


# urllib3 logs every connection and request (`Starting new HTTP connection (1): ...`,
# `"POST /api/v0/files/stat ..." 200`) to its own module loggers, which propagate to the
# program's root handlers: a program that captures its logs (pytest's caplog, a test
# asserting the exact records) would see the runtime's calls. Records made by a thread
# while it is inside the runtime's session are dropped at those loggers; the program's
# own urllib3 and requests traffic logs as before.
_inside = threading.local()
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager",
                    "urllib3.response", "urllib3.util.retry")


class _RuntimeRecords(logging.Filter):
    """Drops the records of a thread that is inside a runtime RPC call."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_inside, "depth", 0)


_FILTER = _RuntimeRecords("storage_runtime")
for _name in _URLLIB3_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


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


def _open_socket(host: str, port: int, timeout: Any, options: Any) -> socket.socket:
    """`urllib3.util.connection.create_connection` without its patchable lookups: each
    address of `host` in turn (the node is 127.0.0.1 or localhost: numeric, or resolved
    from the hosts file), the first that connects."""
    host = host.strip("[]")
    error: OSError | None = None
    for family, kind, proto, _, address in _getaddrinfo(host, port, 0, _socket.SOCK_STREAM):
        sock = _Socket(family, kind, proto)
        try:
            for option in options or ():
                _setsockopt(sock, *option)
            if timeout is not _NO_TIMEOUT and timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                _settimeout(sock, timeout)
            _connect(sock, address)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"getaddrinfo returned no address for {host}")


def _new_conn(self: Any) -> socket.socket:
    """urllib3's `HTTPConnection._new_conn`, with the socket made by `_open_socket`
    (the same exceptions: urllib3's, which requests turns into ConnectTimeout and
    ConnectionError); `socket_options` default to urllib3's (TCP_NODELAY)."""
    try:
        return _open_socket(self._dns_host, self.port, self.timeout, self.socket_options)
    except _socket.gaierror as exc:
        if hasattr(urllib3.exceptions, "NameResolutionError"):  # urllib3 2
            raise urllib3.exceptions.NameResolutionError(self.host, self, exc) from exc
        raise urllib3.exceptions.NewConnectionError(self, f"Failed to resolve: {exc}") from exc
    except TimeoutError as exc:
        raise urllib3.exceptions.ConnectTimeoutError(
            self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
        ) from exc
    except OSError as exc:
        raise urllib3.exceptions.NewConnectionError(
            self, f"Failed to establish a new connection: {exc}"
        ) from exc


class _Connection(*_frozen(urllib3.connection.HTTPConnection)):  # type: ignore[misc]
    _new_conn = _new_conn


class _HTTPSConnection(*_frozen(urllib3.connection.HTTPSConnection)):  # type: ignore[misc]
    _new_conn = _new_conn


class _Pool(*_frozen(urllib3.connectionpool.HTTPConnectionPool)):  # type: ignore[misc]
    ConnectionCls = _Connection


class _HTTPSPool(*_frozen(urllib3.connectionpool.HTTPSConnectionPool)):  # type: ignore[misc]
    ConnectionCls = _HTTPSConnection


class _PoolManager(*_frozen(urllib3.poolmanager.PoolManager)):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool_classes_by_scheme = {"http": _Pool, "https": _HTTPSPool}


class _Adapter(*_frozen(requests.adapters.HTTPAdapter)):  # type: ignore[misc]
    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """requests' `HTTPAdapter.init_poolmanager` with `_PoolManager`, and no `strict`
        (urllib3 2 warns about it on every request; it does nothing on Python 3)."""
        pool_kwargs.pop("strict", None)
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = _PoolManager(
            num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )


class _Session(*_frozen(requests.Session)):  # type: ignore[misc]
    def __init__(self, pool_size: int = 10) -> None:
        super().__init__()
        self.trust_env = False
        self.adapters.clear()
        adapter = _Adapter(pool_connections=1, pool_maxsize=pool_size, pool_block=True)
        for prefix in ("https://", "http://"):
            self.mount(prefix, adapter)
        # One connection per call, closed after its response: no socket of the runtime
        # stays open in the program between calls (a descriptor-leak check, zict's and
        # dask's `check_fd_leaks`, counts them), and none is half-closed by the node's
        # idle timeout. A connect to 127.0.0.1 costs far less than the call itself.
        self.headers["Connection"] = "close"

    def request(self, *args: Any, **kwargs: Any) -> Any:
        """`requests.Session.request`, its urllib3 log records dropped (`_RuntimeRecords`)."""
        _inside.depth = getattr(_inside, "depth", 0) + 1
        try:
            return super().request(*args, **kwargs)
        finally:
            _inside.depth -= 1


def session(pool_size: int) -> requests.Session:
    """A session for the node's RPC API, whose connections come from one pool of at most
    `pool_size` sockets that blocks when they are all in use (requests' default opens a
    new socket per concurrent request beyond its size: with 1,500 threads, 1,500 sockets)."""
    return _Session(pool_size)  # type: ignore[no-any-return]
