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
built here, at import: each is a subclass of the library's class holding, in its own
`__dict__`, the methods and class attributes its bases had at that moment (`_bound`), so a
later `mock.patch.object(Base, "name", ...)` on any of those bases is not seen. The chain:
`_Session` -> `_Adapter` -> `_PoolManager` -> `_Pool` -> `_Connection`, whose `_new_conn`
opens its socket with the `socket.socket` class found at import (looked up among the
subclasses of `_socket.socket`, so even a `socket.socket` replaced before this import is
not used) and connects, resolves and sets options with `_socket`'s C functions, which no
Python-level patch can replace. The session ignores the environment (`trust_env=False`:
no proxy variables, no `.netrc`, no CA bundle variables): the node is on 127.0.0.1.

Storage_runtime imports this module when it is itself imported with the ipfs backend
configured (before the program's test fixtures run), so what is captured is the libraries'
own code. Still seen by a program's mocks: a patch made before storage_runtime was imported,
patches of `http.client.HTTPConnection` methods that urllib3 reaches through `super()`
(`putrequest`, `putheader`, `getresponse`, `__init__`), of module-level helpers of requests
and urllib3, of `requests.models`/`urllib3.response` classes (responses are built by them),
and audit hooks (`sys.addaudithook`) that refuse `socket.connect`.
"""

from __future__ import annotations

import _socket
import copy
import socket
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


def _bound(base: type, name: str, **overrides: Any) -> type:
    """A subclass of `base` holding what `base`'s MRO (object excepted) holds now: its
    methods (Python functions for dunder names; also C methods and properties otherwise)
    and plain class attributes (lists and dicts copied), the most derived first; then
    `overrides`. Slot and `__dict__` descriptors stay inherited (they belong to the layout)."""
    namespace: dict[str, Any] = {}
    for klass in reversed(base.__mro__[:-1]):
        for key, value in vars(klass).items():
            if key in _SKIP or key.startswith("_abc_"):
                continue
            dunder = key.startswith("__") and key.endswith("__")
            if dunder:
                if isinstance(value, (types.FunctionType, classmethod, staticmethod)):
                    namespace[key] = value
            elif isinstance(value, _METHODS):
                namespace[key] = value
            elif not hasattr(type(value), "__get__"):  # plain data, not a descriptor
                namespace[key] = copy.copy(value) if isinstance(value, (list, dict)) else value
    namespace.update(overrides)
    namespace["__module__"] = __name__
    namespace["__qualname__"] = name
    return type(name, (base,), namespace)


def _real_socket_class() -> type[socket.socket]:
    """The stdlib's `socket.socket`, even when the module attribute has been replaced (a
    replacement is either not a subclass of `_socket.socket` or a subclass of the real one)."""
    for klass in _socket.socket.__subclasses__():
        if klass.__module__ == "socket" and klass.__name__ == "socket":
            return klass
    return socket.socket  # pragma: no cover (the stdlib always defines it)


_Socket = _bound(_real_socket_class(), "_Socket")
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


_Connection = _bound(urllib3.connection.HTTPConnection, "_Connection", _new_conn=_new_conn)
_HTTPSConnection = _bound(
    urllib3.connection.HTTPSConnection, "_HTTPSConnection", _new_conn=_new_conn
)
_Pool = _bound(urllib3.connectionpool.HTTPConnectionPool, "_Pool", ConnectionCls=_Connection)
_HTTPSPool = _bound(
    urllib3.connectionpool.HTTPSConnectionPool, "_HTTPSPool", ConnectionCls=_HTTPSConnection
)

_pool_manager_init = urllib3.poolmanager.PoolManager.__init__


def _pool_manager_init_bound(self: Any, *args: Any, **kwargs: Any) -> None:
    _pool_manager_init(self, *args, **kwargs)
    self.pool_classes_by_scheme = {"http": _Pool, "https": _HTTPSPool}


_PoolManager = _bound(
    urllib3.poolmanager.PoolManager, "_PoolManager", __init__=_pool_manager_init_bound
)


def _init_poolmanager(
    self: Any, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
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


_Adapter = _bound(
    requests.adapters.HTTPAdapter, "_Adapter", init_poolmanager=_init_poolmanager
)

_session_init = requests.Session.__init__


def _session_init_bound(self: Any, pool_size: int = 10) -> None:
    _session_init(self)
    self.trust_env = False
    self.adapters.clear()
    adapter = _Adapter(pool_connections=1, pool_maxsize=pool_size, pool_block=True)
    for prefix in ("https://", "http://"):
        self.mount(prefix, adapter)


_Session = _bound(requests.Session, "_Session", __init__=_session_init_bound)


def session(pool_size: int) -> requests.Session:
    """A session for the node's RPC API, whose connections come from one pool of at most
    `pool_size` sockets that blocks when they are all in use (requests' default opens a
    new socket per concurrent request beyond its size: with 1,500 threads, 1,500 sockets)."""
    return _Session(pool_size)  # type: ignore[no-any-return]
