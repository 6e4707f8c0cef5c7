"""FilePolicy: what the rules file decided for one source file, as the engine needs it.

The rules package builds one FilePolicy per source file; the engine reads only this, so
the codemods never parse TOML or match globs themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from migrate_storage.codemods.model import Family, Strategy

if TYPE_CHECKING:
    from migrate_storage.codemods.pipeline.package_facts import View

DEFAULT_RUNTIME_MODULE = "storage_runtime"


@dataclass(frozen=True, slots=True)
class FilePolicy:
    """Strategy per family for one file, the runtime module to import, and why."""

    strategy: Strategy = Strategy.CACHE
    # Families the deciding rule applies to; the others fall back to `fallback`.
    families: tuple[Family, ...] | None = None
    fallback: Strategy | None = None
    runtime_module: str = DEFAULT_RUNTIME_MODULE
    excluded: bool = False  # matched an `exclude` glob: sites are reported, never rewritten
    # Set by the runner's pre-pass (pipeline/shadowing.py): the module beside this file's
    # import root that shadows a standard-library module the runtime imports (its path,
    # as shown): the runtime cannot be imported there, so nothing is rewritten.
    shadowed_by: str | None = None
    # A short human description of the deciding rule ("rules.toml:12 paths=['models/**']").
    rule: str | None = None
    # Set by the rules package only when family-specific rules give the families outside
    # `families` more than one strategy (one `fallback` cannot say it): then it lists every
    # family with its strategy and wins over the three fields above.
    by_family: tuple[tuple[Family, Strategy], ...] | None = None
    # The rules' `allow_secrets` globs: secret-looking paths the user allows to publish.
    allow_secrets: tuple[str, ...] = ()
    # Set by the runner's pre-pass (not by the rules): some module of the scanned tree does
    # `from <this module> import *`. Without a literal `__all__`, the names the migration
    # adds are then private (`_storage_open`...), so no star import exports them.
    star_imported: bool = False
    # Set by the runner's pre-pass (pipeline/star_binds.py): what each star import of this
    # module may bind, ((level, module, names, complement, values, sure), ...)
    # (complement: anything but `names`; values: ((name, dotted value), ...) the star
    # import surely binds, star_binds.Resolver.values; sure: the names it surely binds
    # that an earlier star import may bind too, star_binds.Resolver.sure). None (no
    # pre-pass): any star import may bind anything.
    star_binds: (
        tuple[
            tuple[int, str, tuple[str, ...], bool, tuple[tuple[str, str], ...], tuple[str, ...]],
            ...,
        ]
        | None
    ) = None
    # Set by the runner's pre-pass (pipeline/package_facts.py): what the other modules of
    # the run say about Path-typed names this module imports. None: the module alone.
    package: View | None = None

    def strategy_for(self, family: Family) -> Strategy:
        if self.by_family is not None:
            for known, strategy in self.by_family:
                if known is family:
                    return strategy
        if self.families is None or family in self.families:
            return self.strategy
        return self.fallback if self.fallback is not None else Strategy.CACHE
