"""LibCST fast paths: the same results, less time. Installed by the engine, never on import.

- introspection.py: per-class caches of LibCST's per-instance visitor/matcher lookups;
- walk.py: a read-only walk of `CSTVisitor`s that does not rebuild the tree;
- parsing.py: `parse_module` without re-validating every node the parser builds;
- printing.py: printing without a context manager per node;
- scopes.py: a ScopeProvider without the ExpressionContextProvider pass (a provider the
  finder asks for; nothing is patched).

`install()` patches LibCST for the whole process (idempotent); the engine
(`pipeline/engine.py`) and the LibCST codemod commands call it before their first file.
The matcher-lookup cache needs `libcst.matchers` (about 1.5 s to import), so it waits for
the first rewrite: the rewrite pass calls `before_adding_imports()`, which installs it only
when `install()` was called. `uninstall()` restores LibCST (the tests compare both).
"""

from __future__ import annotations

from migrate_storage.codemods.speedups import introspection, parsing, printing, walk

__all__ = [
    "before_adding_imports",
    "install",
    "installed",
    "parse_module",
    "uninstall",
]

parse_module = parsing.parse_module

_STATE = {"installed": False}


def install() -> None:
    """Patch LibCST with the fast paths (idempotent; results are unchanged)."""
    introspection.install()
    walk.install()
    parsing.install()
    printing.install()
    _STATE["installed"] = True


def installed() -> bool:
    return _STATE["installed"]


def before_adding_imports() -> None:
    """Called by the rewrite pass before AddImportsVisitor runs: when the speedups are
    installed, also cache the matcher lookup it pays for (deferred, see above)."""
    if _STATE["installed"]:
        introspection.install_matchers()


def uninstall() -> None:
    """Restore LibCST's own functions."""
    introspection.uninstall()
    walk.uninstall()
    parsing.uninstall()
    printing.uninstall()
    _STATE["installed"] = False
