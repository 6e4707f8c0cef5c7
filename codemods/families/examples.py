"""Example records each codemod holds in EXAMPLES; the tests run every one of them."""

from __future__ import annotations

from dataclasses import dataclass

from migrate_storage.codemods.model import Family, Reason, Strategy
from migrate_storage.codemods.policy import FilePolicy

PIN = FilePolicy(strategy=Strategy.PIN)
CACHE = FilePolicy(strategy=Strategy.CACHE)
# pin, but a rule keeps renames, removals and copies on the machine (family lifecycle).
PIN_LIFECYCLE_LOCAL = FilePolicy(
    strategy=Strategy.PIN, by_family=((Family.LIFECYCLE, Strategy.LOCAL),)
)


@dataclass(frozen=True, slots=True)
class Rewritten:
    """`before` becomes `after` (both dedented module texts) under `policy`."""

    before: str
    after: str
    policy: FilePolicy = PIN


@dataclass(frozen=True, slots=True)
class Unchanged:
    """`code` is left as it is; `reason` says why, `site_reason` is the Reason recorded
    on its site (None when the code holds no site of this family at all)."""

    code: str
    reason: str
    site_reason: Reason | None = None
    policy: FilePolicy = PIN
