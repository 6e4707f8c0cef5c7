"""Runtime configuration: one frozen `Settings`, read from documented environment variables.

Every knob of the runtime is an environment variable, so a migrated program needs no code
change to switch from the embedded default (`local`: plain files, nothing else) to the
`ipfs` backend. `Settings.from_env()` reads them once; an invalid value raises a
`ValueError` that names the variable, so a typo fails loudly at start-up instead of
silently keeping files off the network.

| variable                           | field                  | default                              |
|------------------------------------|------------------------|--------------------------------------|
| STORAGE_RUNTIME_BACKEND            | backend                | "local" ("local" or "ipfs")          |
| STORAGE_RUNTIME_API                | api                    | "/ip4/127.0.0.1/tcp/5001/http"       |
| STORAGE_RUNTIME_ROOT               | root                   | the current directory (realpath)     |
| STORAGE_RUNTIME_NAMESPACE          | namespace              | "/migrate-storage"                   |
| STORAGE_RUNTIME_STRICT             | strict                 | false ("1", "true", "yes", "on")     |
| STORAGE_RUNTIME_INDEX              | index                  | <root>/.storage-runtime/index.sqlite3|
| STORAGE_RUNTIME_TIMEOUT            | timeout                | 10.0 (seconds)                       |
| STORAGE_RUNTIME_ALLOW              | allow_secrets          | () (os.pathsep-separated globs)      |
| STORAGE_RUNTIME_RESTORE_NAMESPACES | restore_namespaces     | (namespace,) (os.pathsep-separated)  |
| STORAGE_RUNTIME_RESTORE_PINNED_ONLY| restore_pinned_only    | false; true when the list above is set|

With the `ipfs` backend the root decides what the network may know and where `pull` writes,
so a dangerous one is refused at construction: a root that does not exist or is not a
folder, and a root that contains the runtime's own Python installation or lies inside it
(`/`, `/usr`, a project folder holding the virtualenv the runtime runs from,
site-packages), where a restored file could be code the interpreter runs. The API address must parse as a multiaddr the client can
dial (`/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/http|/https]`). The local backend
publishes nothing, so neither is checked there.
"""

from __future__ import annotations

import math
import os
import posixpath
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage_runtime._backend import Backend

__all__ = ["ENV", "STATE_DIR_NAME", "Settings", "make_backend"]

BACKENDS = ("local", "ipfs")
DEFAULT_API = "/ip4/127.0.0.1/tcp/5001/http"
DEFAULT_NAMESPACE = "/migrate-storage"
DEFAULT_TIMEOUT = 10.0
#: The runtime's own folder under the root (index, locks); never published or restored.
STATE_DIR_NAME = ".storage-runtime"
INDEX_FILE_NAME = "index.sqlite3"

#: Settings field -> environment variable.
ENV: dict[str, str] = {
    "backend": "STORAGE_RUNTIME_BACKEND",
    "api": "STORAGE_RUNTIME_API",
    "root": "STORAGE_RUNTIME_ROOT",
    "namespace": "STORAGE_RUNTIME_NAMESPACE",
    "strict": "STORAGE_RUNTIME_STRICT",
    "index": "STORAGE_RUNTIME_INDEX",
    "timeout": "STORAGE_RUNTIME_TIMEOUT",
    "allow_secrets": "STORAGE_RUNTIME_ALLOW",
    "restore_namespaces": "STORAGE_RUNTIME_RESTORE_NAMESPACES",
    "restore_pinned_only": "STORAGE_RUNTIME_RESTORE_PINNED_ONLY",
}

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True, slots=True)
class Settings:
    """What the runtime was told. Normalised on construction (absolute paths, tuples).

    `root` and `index` may be given as "" to mean "the default": the current directory
    at construction, and `<root>/.storage-runtime/index.sqlite3`.
    """

    backend: str = "local"
    api: str = DEFAULT_API
    root: str = ""
    namespace: str = DEFAULT_NAMESPACE
    strict: bool = False
    index: str = ""
    timeout: float = DEFAULT_TIMEOUT
    allow_secrets: tuple[str, ...] = ()
    restore_pinned_only: bool = False
    restore_namespaces: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "backend", _check_backend(self.backend, "backend"))
        set_(self, "api", _check_api(self.api, "api", self.backend))
        root = os.path.realpath(os.fsdecode(os.fspath(self.root)) or os.getcwd())
        if self.backend == "ipfs":
            _check_root(root, "root")
        set_(self, "root", root)
        set_(self, "namespace", _check_namespace(self.namespace, "namespace"))
        set_(self, "strict", bool(self.strict))
        index = os.fsdecode(os.fspath(self.index))
        index = os.path.abspath(index) if index else os.path.join(
            root, STATE_DIR_NAME, INDEX_FILE_NAME
        )
        set_(self, "index", index)
        set_(self, "timeout", _check_timeout(self.timeout, "timeout"))
        set_(self, "allow_secrets", tuple(g for g in self.allow_secrets if g))
        names = tuple(_check_namespace(n, "restore_namespaces") for n in self.restore_namespaces)
        set_(self, "restore_namespaces", names or (self.namespace,))
        set_(self, "restore_pinned_only", bool(self.restore_pinned_only))

    @property
    def state_dir(self) -> str:
        """`<root>/.storage-runtime`: the runtime's own files; never published."""
        return os.path.join(self.root, STATE_DIR_NAME)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every `STORAGE_RUNTIME_*` variable (from `os.environ` by default).

        Raises ValueError naming the variable when a value is invalid.
        """
        env = os.environ if environ is None else environ

        def get(field: str) -> str | None:
            value = env.get(ENV[field])
            return None if value is None else value.strip()

        kw: dict[str, object] = {}
        if (v := get("backend")) is not None and v:
            kw["backend"] = _check_backend(v.lower(), ENV["backend"])
        backend = str(kw.get("backend", "local"))
        if (v := get("api")) is not None and v:
            kw["api"] = _check_api(v, ENV["api"], backend)
        if (v := get("root")) is not None and v:
            kw["root"] = os.path.expanduser(v)
        if backend == "ipfs":  # named by its variable here; __post_init__ checks it again
            given = "root" in kw
            label = ENV["root"] if given else f"{ENV['root']} (unset: the current directory)"
            _check_root(os.path.realpath(str(kw.get("root") or os.getcwd())), label)
        if (v := get("namespace")) is not None and v:
            kw["namespace"] = _check_namespace(v, ENV["namespace"])
        if (v := get("strict")) is not None:
            kw["strict"] = _parse_bool(v, ENV["strict"])
        if (v := get("index")) is not None and v:
            kw["index"] = os.path.expanduser(v)
        if (v := get("timeout")) is not None and v:
            try:
                number = float(v)
            except ValueError:
                raise ValueError(
                    f"{ENV['timeout']}={v!r}: expected a number of seconds, e.g. 10 or 2.5"
                ) from None
            if not math.isfinite(number) or number <= 0:
                raise ValueError(f"{ENV['timeout']}={v!r}: expected a positive number of seconds")
            kw["timeout"] = number
        if (v := get("allow_secrets")) is not None:
            kw["allow_secrets"] = _split(v)
        pinned_only = False
        if (v := get("restore_namespaces")) is not None and v:
            names = _split(v)
            kw["restore_namespaces"] = tuple(
                _check_namespace(n, ENV["restore_namespaces"]) for n in names
            )
            pinned_only = True
        if (v := get("restore_pinned_only")) is not None and v:
            pinned_only = _parse_bool(v, ENV["restore_pinned_only"])
        kw["restore_pinned_only"] = pinned_only
        return cls(**kw)  # type: ignore[arg-type]

    def as_env(self) -> dict[str, str]:
        """These settings as environment variables (for a child process, or `status`)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, tuple):
                text = os.pathsep.join(value)
            else:
                text = str(value)
            out[ENV[f.name]] = text
        return out


def make_backend(settings: Settings) -> Backend:
    """The backend `settings.backend` names. `ipfs` is imported only when asked for; it
    needs nothing outside the standard library either (`_rpc`)."""
    if settings.backend == "local":
        from storage_runtime._backend import LocalBackend

        return LocalBackend()
    if settings.backend == "ipfs":
        from storage_runtime._ipfs import IpfsBackend

        return IpfsBackend(settings)
    raise ValueError(f"unknown backend {settings.backend!r}; expected one of {BACKENDS}")


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(os.pathsep) if part.strip())


def _parse_bool(value: str, label: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(f"{label}={value!r}: expected 1/true/yes/on or 0/false/no/off")


def _check_backend(value: str, label: str) -> str:
    if value not in BACKENDS:
        raise ValueError(f"{label}={value!r}: expected one of {', '.join(BACKENDS)}")
    return value


#: Host protocols of an RPC API address, and the application protocols that may end it.
_API_HOSTS = frozenset({"ip4", "ip6", "dns", "dns4", "dns6"})
_API_APPS = frozenset({"http", "https"})


@dataclass(frozen=True)
class ApiAddress:
    """Where the node's RPC API listens: what an `STORAGE_RUNTIME_API` multiaddr says."""

    host: str
    port: int
    secure: bool
    #: 4 or 6 for `/ip4`, `/dns4` and `/ip6`, `/dns6`; 0 for `/dns` (either family).
    family: int


def parse_api(value: str) -> ApiAddress:
    """The few multiaddr shapes an RPC API address has: `/ip4|ip6|dns|dns4|dns6/HOST/tcp/
    PORT[/http|/https]`. Parsed here rather than with the `multiaddr` package (which
    imports netaddr and varint), so that importing the runtime loads nothing third-party.
    Raises ValueError saying what is wrong (the caller names the variable)."""
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError("not a multiaddr (it must start with '/')")
    parts = value[1:].split("/")
    if parts and parts[-1] == "":  # one trailing slash, as multiaddr accepts
        parts.pop()
    if len(parts) not in (4, 5) or parts[0] not in _API_HOSTS or parts[2] != "tcp":
        shape = "/" + "/".join(parts[0::2][:3]) if parts else value
        raise ValueError(f"not an address the RPC client can dial ({shape})")
    kind, host, _, port_text, *app = parts
    if app and app[0] not in _API_APPS:
        raise ValueError(f"not an address the RPC client can dial (ends in /{app[0]})")
    if kind in ("ip4", "ip6"):
        import ipaddress  # stdlib; only an ip address needs it

        try:
            parsed = (ipaddress.IPv4Address if kind == "ip4" else ipaddress.IPv6Address)(host)
        except ValueError as exc:
            raise ValueError(f"not a multiaddr ({exc})") from None
        host = str(parsed)
    elif not host or any(c.isspace() for c in host) or len(host) > 253:
        raise ValueError(f"not a multiaddr (/{kind}/{host!r} is not a host name)")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"not a multiaddr (tcp port {port_text!r} is not 1-65535)")
    family = {"ip4": 4, "dns4": 4, "ip6": 6, "dns6": 6}.get(kind, 0)
    return ApiAddress(host, int(port_text), bool(app) and app[0] == "https", family)


def _check_api(value: str, label: str, backend: str = "local") -> str:
    """A multiaddr string. For the ipfs backend it must have the shape the client dials
    (`parse_api`); `/garbage` would otherwise only show up as every write going pending."""
    hint = f"expected an IPFS RPC multiaddr such as {DEFAULT_API!r}"
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError(f"{label}={value!r}: {hint}")
    if backend != "ipfs":
        return value
    try:
        parse_api(value)
    except ValueError as exc:
        raise ValueError(f"{label}={value!r}: {exc}; {hint}") from None
    return value


def _runtime_homes() -> tuple[str, ...]:
    """Folders holding code this interpreter runs: the Python installation (prefixes) and
    the storage_runtime package itself (an editable install lives in a source tree)."""
    places = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
              os.path.dirname(os.path.abspath(__file__))}
    return tuple(sorted(os.path.realpath(p) for p in places if p))


def _check_root(root: str, label: str) -> str:
    """Refuse a root the ipfs backend must not publish from or restore into (module doc)."""
    if not os.path.isdir(root):
        what = "does not exist" if not os.path.lexists(root) else "is not a folder"
        raise ValueError(f"{label}={root!r}: the root {what}; create it or point "
                         f"{ENV['root']} at the folder whose files are published")
    prefix = root if root.endswith(os.sep) else root + os.sep
    for home in _runtime_homes():
        home_prefix = home if home.endswith(os.sep) else home + os.sep
        if home == root or home.startswith(prefix) or root.startswith(home_prefix):
            where = "lies inside" if root.startswith(home_prefix) else "contains"
            raise ValueError(
                f"{label}={root!r}: the root {where} the runtime's own Python "
                f"installation or package ({home}); files restored there could be code "
                f"this interpreter runs. Point {ENV['root']} at the data folder only"
            )
    return root


def _check_namespace(value: str, label: str) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError(f"{label}={value!r}: expected an absolute MFS path such as '/team'")
    if ".." in value.split("/"):
        raise ValueError(f"{label}={value!r}: must not contain '..'")
    normal = posixpath.normpath(value)
    return "/" if normal in ("/", "//") else normal


def _check_timeout(value: float, label: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{label}={value!r}: expected a positive number of seconds")
    return number
