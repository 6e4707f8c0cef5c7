"""`storage.path(x, pin=...).method(...)`: a pathlib call whose method is looked up first.

For read_text/read_bytes/write_text/write_bytes/open and the lifecycle methods
replace/rename/unlink/touch (whose namespace bookkeeping follows the looked-up method's call).

`x.write_text(render())` looks `write_text` up on `x` before it evaluates `render()`;
`storage.write_text(x, render())` evaluates `render()` first, so where `x` lacks the
method (None, a str caught by a duck-typing `try:`) or its lookup runs code (a property,
`__getattr__`) the program would see another order. In
`storage.path(x, pin=False).write_text(render())` the order is the original's:
`storage.path(...)` only holds `x`; looking `write_text` up on what it returns is
`getattr(x, "write_text")`, with `x`'s own AttributeError; then the arguments are
evaluated; then the call, which goes through the backend where `Storage._hooked` says
the method is pathlib's own on a plain Path (the helper's second lookup of it on such a
Path runs no code), and otherwise is the looked-up method called as it is. `pin` is given
to `path(...)`, so every argument of the method call reaches the method as written: a
`pin=` or `**options` of the program's own is the program's.
"""

from __future__ import annotations

from typing import Any

from storage_runtime import lifecycle

# The pathlib methods the backend hears about, and the Storage helper for each.
_HELPERS = {
    "read_text": "read_text",
    "read_bytes": "read_bytes",
    "write_text": "write_text",
    "write_bytes": "write_bytes",
    "open": "path_open",
}
_WRITES = frozenset({"write_text", "write_bytes", "open"})
# The pathlib lifecycle methods: the looked-up method is called, then the namespace
# follows (lifecycle.path_method_called).
_MOVES = frozenset({"replace", "rename", "unlink", "touch"})


class Receiver:
    """What `Storage.path(target, pin=...)` returns: attribute lookups are `target`'s."""

    __slots__ = ("_pin", "_storage", "_target")

    def __init__(self, storage: Any, target: Any, pin: bool) -> None:
        self._storage = storage
        self._target = target
        self._pin = pin

    def __getattr__(self, name: str) -> Any:
        target = self._target
        method = getattr(target, name)  # the original's lookup, and its own error
        storage, pin = self._storage, self._pin
        if name in _MOVES:
            def move(*args: Any, **kwargs: Any) -> Any:
                return lifecycle.path_method_called(
                    storage, name, target, method, pin, args, kwargs
                )

            return move
        helper = _HELPERS.get(name)
        if helper is None:
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            # a `pin` of the program's own is pathlib's to refuse (its TypeError), never
            # the helper's keyword
            if "pin" in kwargs or not storage._hooked(target, name):
                return method(*args, **kwargs)
            through = getattr(storage, helper)
            if name in _WRITES:
                return through(target, *args, pin=pin, **kwargs)
            return through(target, *args, **kwargs)

        return call
