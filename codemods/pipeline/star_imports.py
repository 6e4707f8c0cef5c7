"""Which files of a run some file of the scanned tree star-imports (issue 13 item 4).

`from helpers import *` in main.py binds every public name of helpers.py when helpers.py
has no `__all__`: a `from storage_runtime import storage` the migration added to helpers.py
would then replace main's own `storage`. The runner runs this pre-pass over every
discovered file before any is transformed; a file found here is given
`FilePolicy.star_imported`, and (without a literal `__all__`) the finder imports the
runtime's names into it under private aliases, which `import *` never binds.

The pass is a byte regex, not a parse: `from <dots><module> import *` at the start of a
line (any indentation). A match in a string or a comment also counts: over-approximating
only makes a module use private names. A target resolves to files by module path: a
relative import from the importing file's folder, an absolute one to every discovered
file whose path ends with the module's parts (`pkg/core.py`, `pkg/core/__init__.py`),
whatever the root. Star imports from files outside the scanned tree cannot be seen:
migrate a library together with the code that star-imports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

#: (level, dotted module): `from ..pkg.core import *` is (2, "pkg.core").
Target = tuple[int, str]

_STAR = re.compile(rb"^[ \t]*from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]*\*", re.MULTILINE)


def targets(source: bytes) -> tuple[Target, ...]:
    """The star imports `source` spells, in order, without duplicates."""
    if b"*" not in source or b"import" not in source:
        return ()
    found: dict[Target, None] = {}
    for match in _STAR.finditer(source):
        dots, module = match.groups()
        found[(len(dots), module.decode("ascii", "replace"))] = None
    return tuple(found)


def _module_parts(path: Path) -> tuple[str, ...]:
    """`a/b/c.py` -> (..., "a", "b", "c"); `a/b/__init__.py` -> (..., "a", "b")."""
    parts = path.with_suffix("").parts
    return parts[:-1] if parts and parts[-1] == "__init__" else parts


def star_imported(files: Iterable[Path], targets_of: Mapping[Path, tuple[Target, ...]]) -> frozenset[Path]:
    """The files among `files` that some file's star import may name."""
    files = list(files)
    by_parts: dict[tuple[str, ...], list[Path]] = {}
    by_last: dict[str, list[tuple[tuple[str, ...], Path]]] = {}
    for path in files:
        parts = _module_parts(path)
        by_parts.setdefault(parts, []).append(path)
        if parts:
            by_last.setdefault(parts[-1], []).append((parts, path))
    hit: set[Path] = set()
    for importer in files:
        for level, module in targets_of.get(importer, ()):
            wanted = tuple(p for p in module.split(".") if p)
            if level:
                base = importer.parent.parts
                if level > 1:
                    base = base[: len(base) - (level - 1)]
                hit.update(by_parts.get(base + wanted, ()))
            elif wanted:
                for parts, path in by_last.get(wanted[-1], ()):
                    if parts[-len(wanted) :] == wanted:
                        hit.add(path)
    return frozenset(hit)
