"""Per-class caches for LibCST's per-instance introspection (a measured hot spot).

LibCST finds the visit_/leave_ methods of every visitor *instance* with
`inspect.getmembers`/`dir()` over a class holding ~1,500 methods: about 35 ms for each
metadata provider (such as ScopeProvider) and
about 130 ms for each matcher-decoratable visitor (AddImportsVisitor builds two). On a
small module that is 5-10x the real work, paid again for every file.

What those lookups return depends only on the class (methods and the decorators on
them), so this module caches the method *names* per class and binds them per instance:
the result is the same mapping the original computes. Installed once, on import, by the
finder; `install()` is idempotent and `uninstall()` restores LibCST's functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from libcst import _batched_visitor

_ORIGINALS: dict[str, Callable[..., Any]] = {}
_VISITOR_NAMES: dict[type, tuple[str, ...]] = {}
_NO_MATCHERS: dict[tuple[str, type], bool] = {}


def _cached_get_visitors(
    self: _batched_visitor.BatchableCSTVisitor,
) -> Mapping[str, Any]:
    cls = type(self)
    names = _VISITOR_NAMES.get(cls)
    if names is None:
        found = _ORIGINALS["get_visitors"](self)
        _VISITOR_NAMES[cls] = tuple(found)
        return found
    return {name: getattr(self, name) for name in names}


def _cached_empty(name: str) -> Callable[[object], dict[Any, Any]]:
    """Wrap a matcher-gathering function: remember classes for which it found nothing."""
    original = _ORIGINALS[name]

    def gather(obj: object) -> dict[Any, Any]:
        key = (name, type(obj))
        if _NO_MATCHERS.get(key):
            return {}
        result = original(obj)
        _NO_MATCHERS[key] = not result and not _instance_attributes(obj)
        return result  # type: ignore[no-any-return]

    return gather


def _instance_attributes(obj: object) -> bool:
    """Functions stored on the instance itself could carry matchers: never cache those."""
    return any(
        inspect.isfunction(v) or inspect.ismethod(v)
        for v in getattr(obj, "__dict__", {}).values()
    )


_GATHERERS = (
    "_gather_matchers",
    "_gather_constructed_visit_funcs",
    "_gather_constructed_leave_funcs",
)


def install() -> None:
    """Cache metadata providers' visitor lookup (the finder needs this one)."""
    if "get_visitors" in _ORIGINALS:
        return
    original = getattr(_batched_visitor.BatchableCSTVisitor, "get_visitors", None)
    if original is None:  # another LibCST version: run without the cache
        return
    _ORIGINALS["get_visitors"] = original
    _batched_visitor.BatchableCSTVisitor.get_visitors = _cached_get_visitors  # type: ignore[method-assign]


def install_matchers() -> None:
    """Cache the matcher-decorator lookup (AddImportsVisitor). Imports libcst.matchers
    (about 1.5 s), so it is installed only once a file is actually rewritten."""
    if _GATHERERS[0] in _ORIGINALS:
        return
    from libcst.matchers import _visitors as matcher_visitors

    if not all(hasattr(matcher_visitors, name) for name in _GATHERERS):
        return  # another LibCST version: run without the cache
    for name in _GATHERERS:
        _ORIGINALS[name] = getattr(matcher_visitors, name)
        setattr(matcher_visitors, name, _cached_empty(name))


def uninstall() -> None:
    """Restore LibCST's own functions (tests compare both)."""
    if "get_visitors" in _ORIGINALS:
        _batched_visitor.BatchableCSTVisitor.get_visitors = _ORIGINALS.pop(
            "get_visitors"
        )  # type: ignore[method-assign]
    if _GATHERERS[0] in _ORIGINALS:
        from libcst.matchers import _visitors as matcher_visitors

        for name in _GATHERERS:
            setattr(matcher_visitors, name, _ORIGINALS.pop(name))
    _VISITOR_NAMES.clear()
    _NO_MATCHERS.clear()
