"""`codecs.open` on the runtime's `open`: the standard library's own code, run with its
`builtins.open` answered by `Storage.open`.

`codecs.open(filename, mode, encoding, errors, buffering)` opens the file with
`builtins.open(filename, mode, buffering)` (binary when an encoding is given) and wraps it
in a StreamReaderWriter. Rather than copying that logic, which changes between Python
versions, the stand-in runs the function's own code object with a copy of the codecs
module's globals in which the name `builtins` is a view of the real builtins module whose
`open` is the storage's. Everything else is the function's own: its argument handling and
errors, the encoding lookup, the wrapper, closing the file when the lookup fails. A patch
of `builtins.open` is still what gets called (Storage.open defers to it), and the globals
are copied at each call so that a patch of `codecs.lookup` is seen, as the original sees it.
"""

from __future__ import annotations

import builtins
import codecs
import types
from collections.abc import Callable
from typing import Any

__all__ = ["OWN_OPEN", "run_with_open"]

#: The standard library's own `codecs.open`, captured at import: only a call that would
#: reach it (not a patch, not a replacement) goes through the storage.
OWN_OPEN = codecs.open


class _BuiltinsWithOpen:
    """The `builtins` module as `codecs.open` sees it: every attribute the real module's,
    `open` the one given."""

    def __init__(self, open_: Callable[..., Any]) -> None:
        self.open = open_

    def __getattr__(self, name: str) -> Any:
        return getattr(builtins, name)


def run_with_open(open_: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`codecs.open(*args, **kwargs)` as the standard library runs it, its
    `builtins.open(...)` call going to `open_`."""
    scope = dict(vars(codecs))
    scope["builtins"] = _BuiltinsWithOpen(open_)
    function = types.FunctionType(
        OWN_OPEN.__code__, scope, OWN_OPEN.__name__, OWN_OPEN.__defaults__, OWN_OPEN.__closure__
    )
    function.__kwdefaults__ = OWN_OPEN.__kwdefaults__
    return function(*args, **kwargs)
