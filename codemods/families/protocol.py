"""What a family module provides: the one protocol the pipeline reads.

A family module (listed once in families/registry.py) is read as a `FamilyModule`:

- `recognise(call, position, ctx)`: the `Found` site when `call` is this family's, else
  None. The finder asks the registry's modules in order and the first answer wins, so a
  module only claims what is provably its own (resolved names, receiver kinds: see
  `analysis.context.Context`). A site is PENDING unless `recognise` says otherwise
  (`found.unmigrated(reason)`, or a LOCAL/MIGRATED status). The `Found` also says what
  the rest of the pipeline must know of the call: `target`, the expression naming its
  file (a secret-looking literal there makes the site LOCAL, whatever the family), and
  `opens_handle`, whether it returns a file handle (json/pickle calls on that handle
  then follow its status).
- `recognise_value(node, position, ctx)` (optional: only a module that counts
  references does): the `Found` site when `node`, a name or attribute that is not called
  where it stands (`retry(os.replace, a, b)`, `staticmethod(open)`, `{"xz":
  lzma.LZMAFile}`), is this family's. The finder asks the modules that define it about
  the references the prefilter let through (`Candidates.value_functions`); the `Found`'s
  `call` is then that reference. families/function_values.py is the one such module.
- `decide(items, ctx)`: this family's decision for its sites (`items`: every site it
  recognised in this module, in source order; the list may be shortened in place to drop
  calls that turn out not to be file I/O). For a PENDING site that this run migrates it
  sets `item.edit` (an `analysis.plan.Edit`, or None when the call text stays) and
  `item.needs` (the runtime objects the migrated code uses: "open",
  "storage"; the finder adds their imports and gives the edits their names). It may
  also make a site UNMIGRATED (`item.unmigrated(Reason.NAME_CLASH)`). Families that only
  classify (scratch, third_party, runtime_calls) decide nothing.
- `DERIVED`: False for a family whose sites stand on their own: the file's rules
  (`local`, exclusion, secret paths) are applied to its sites *before* `decide`, which
  therefore sees only what the rules leave PENDING. True for a family whose status
  follows other sites (a json.dump follows the open of its handle): its `decide` runs
  after every non-derived family's, reads their sites through `ctx.by_call`, and the
  rules are applied to its sites after it.
- `EXAMPLES` (families/examples.py): what it rewrites and leaves alone, run by the tests.
- `CANDIDATES` (`Candidates`): the names a source must spell for one of its sites to be
  in it. The prefilter (pipeline/prefilter.py) lets through only what some family's
  candidates allow, so a name left out here makes the family's sites invisible.
- `COMMAND` (`Command`, None for a family that only classifies): the families it
  rewrites and its LibCST codemod command, which commands.py builds (a module with a
  command ends with `__getattr__ = lazy_command(__name__)`, so that `python -m
  libcst.tool codemod <module>.<name>` finds it). REWRITABLE_FAMILIES is the union of
  the commands' `rewrites`.
- `SARIF_RULES` (`SarifRule`s): the rule of each `Family` member this module owns, the
  one its sites are reported under in SARIF (report/sarif.py). Every member has exactly
  one rule, declared by one module; a module that reports under a member another
  module owns (runtime_calls, publish_after) declares none for it.

`Family` itself stays one enum in model.py: it is the report's vocabulary (like `Status`
and `Reason`), stored in the cache and the JSON schema. A new family module reports its
sites under an existing member, or adds a member there (and then declares its rule);
everything else it declares itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from migrate_storage.codemods.model import Family

if TYPE_CHECKING:  # the prefilter reads this module before any file needs libcst
    import libcst as cst
    from migrate_storage.codemods.analysis.context import Context
    from migrate_storage.codemods.analysis.found import Found, Position
    from migrate_storage.codemods.families.examples import Rewritten, Unchanged


@dataclass(frozen=True, slots=True)
class Candidates:
    """What the prefilter must let through for a family's sites to be found.

    Shapes are those of pipeline/prefilter.py: a bare `name(...)`, `root.name(...)` or
    `receiver.name(...)`. Asking for more than the family needs only costs time.
    """

    # Regular expressions (bytes are searched: ASCII only); a source that matches none of
    # any family's (and does not spell the runtime module) is not parsed at all.
    text: tuple[str, ...] = ()
    # Names called bare with no import (builtins): `open(...)`.
    bare_names: frozenset[str] = frozenset()
    # Top-level modules whose import binds names the family recognises.
    module_roots: frozenset[str] = frozenset()
    # `root.name(...)` or `from root import name`: the last part of a qualified name.
    module_functions: frozenset[str] = frozenset()
    # `x.name(...)` on any receiver.
    any_receiver_methods: frozenset[str] = frozenset()
    # `x.name(...)` on any receiver, only in a module that imports pathlib.
    path_only_methods: frozenset[str] = frozenset()
    # Last parts of qualified names whose references count when they are not called
    # (`retry(os.replace, a, b)`, `factory = lzma.LZMAFile`, `staticmethod(open)`):
    # `root.name` on an imported module, a from-imported `name` (any alias), and a bare
    # `name` that is also in `bare_names` (`open`). See `recognise_value` below.
    value_functions: frozenset[str] = frozenset()

    @classmethod
    def by_name(cls, qualified: Iterable[str], **more: Any) -> Candidates:
        """For calls recognised by qualified name (`os.replace`): their top-level modules
        and last parts, with `more` (any other field) added."""
        names = tuple(qualified)
        return cls(
            module_roots=frozenset(n.partition(".")[0] for n in names),
            module_functions=frozenset(n.rpartition(".")[2] for n in names),
        ) | cls(**more)

    def __or__(self, other: Candidates) -> Candidates:
        return Candidates(
            text=self.text + tuple(t for t in other.text if t not in self.text),
            bare_names=self.bare_names | other.bare_names,
            module_roots=self.module_roots | other.module_roots,
            module_functions=self.module_functions | other.module_functions,
            any_receiver_methods=self.any_receiver_methods | other.any_receiver_methods,
            path_only_methods=self.path_only_methods | other.path_only_methods,
            value_functions=self.value_functions | other.value_functions,
        )


@dataclass(frozen=True, slots=True)
class Command:
    """A rewriting family's LibCST codemod command: commands.py builds the class `name`
    (a `families.command.StorageCodemodCommand` restricted to `rewrites`)."""

    name: str  # the class name: `python -m libcst.tool codemod <module>.<name>`
    description: str  # its DESCRIPTION, shown by `python -m libcst.tool list`
    rewrites: tuple[Family, ...]  # the Family members whose PENDING sites it rewrites
    # Where `rewrites` stand in REWRITABLE_FAMILIES: the order `rules explain` lists the
    # families in and the rules file's messages name them (a new family: the next number).
    order: int


@dataclass(frozen=True, slots=True)
class SarifRule:
    """The SARIF rule a Family member's sites are reported under."""

    family: Family
    id: str  # "MS-OPEN"
    description: str  # its shortDescription


class FamilyModule(Protocol):
    """A module of families/ listed in registry.FAMILY_MODULES (see the module docstring)."""

    DERIVED: bool
    EXAMPLES: tuple[Rewritten | Unchanged, ...]
    CANDIDATES: Candidates
    COMMAND: Command | None
    SARIF_RULES: tuple[SarifRule, ...]

    def recognise(
        self, call: cst.Call, position: Position, ctx: Context
    ) -> Found | None: ...

    def decide(self, items: list[Found], ctx: Context) -> None: ...
