"""Fixtures for the CLI tests: every test gets its own cache folder (MIGRATE_STORAGE_CACHE_DIR),
and `tree` makes a project (both from tests/project_tree.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))  # project_tree (subprocesses too)

from project_tree import cache_dir, tree  # noqa: F401  (fixtures, registered by import)
