"""Where the runtime's own log records go: not into the program's logging.

A migrated program must print exactly what it printed before. The runtime logs on the
`storage_runtime` logger (a restore at info, a deferred publish or a refused restore at
warning, details at debug). Left to Python's defaults those records would propagate to
the program's root handlers: a program that calls `logging.basicConfig(level=INFO)`
would print an extra `INFO:storage_runtime:...` line around a restore, and a test that
asserts its exact records (pytest's caplog) would see extra ones.

So by default the logger does not propagate, and has its own handler writing to the
current `sys.stderr` (looked up at each record, as Python's last-resort handler does)
at WARNING and above, with the message alone: the warnings the README promises (daemon
unreachable, publishing deferred, a restore refused) reach the operator exactly as they
did when the program configured no logging, whatever the program configures.

`STORAGE_RUNTIME_LOG` changes it, read once at import:

- `warning` (default), `error`, `info`, `debug`: the own stderr handler at that level;
- `off`: no output at all;
- `propagate`: no own handler; records go to the program's logging as any library's do
  (its handlers and levels decide), for an operator who wants them in one log pipeline.

A program that configured the `storage_runtime` logger itself before importing the runtime
(a level or a handler of its own, `logging.config.dictConfig` naming it) keeps its
configuration when the variable is not set; configuring it after the import (dictConfig
replaces the logger's handlers) works as for any library's logger.
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["ENV_LOG", "LOG_CHOICES", "configure"]

ENV_LOG = "STORAGE_RUNTIME_LOG"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}
LOG_CHOICES = (*_LEVELS, "off", "propagate")


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (pytest's capsys, a
    program's redirect_stderr), as `logging.lastResort` does."""

    def __init__(self, level: int) -> None:
        logging.Handler.__init__(self, level)
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def stream(self) -> object:  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:  # StreamHandler's own assignments
        pass


def configured_by_the_program() -> bool:
    """True when the `storage_runtime` logger has a level or a handler not set here."""
    logger = logging.getLogger("storage_runtime")
    if any(not isinstance(h, _Stderr) for h in logger.handlers):
        return True
    return logger.level != logging.NOTSET and not any(
        isinstance(h, _Stderr) for h in logger.handlers)


def choice(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """The value of `STORAGE_RUNTIME_LOG` (lower case); ValueError naming it when unknown."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_LOG, "warning").strip().lower() or "warning"
    if value not in LOG_CHOICES:
        raise ValueError(f"{ENV_LOG}={env.get(ENV_LOG)!r}: expected one of "
                         f"{', '.join(LOG_CHOICES)}")
    return value


def configure(value: str) -> None:
    """Set the `storage_runtime` logger up as `value` says (module doc). Idempotent: a
    handler this module added before is replaced, not doubled."""
    logger = logging.getLogger("storage_runtime")
    for handler in list(logger.handlers):
        if isinstance(handler, _Stderr):
            logger.removeHandler(handler)
    if value == "propagate":
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        return
    logger.propagate = False
    if value == "off":
        logger.setLevel(logging.CRITICAL + 1)
        return
    logger.setLevel(_LEVELS[value])
    logger.addHandler(_Stderr(_LEVELS[value]))
