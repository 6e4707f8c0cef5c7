"""Fixtures for the runner, cache, discovery, writer and diff tests: every test gets its own
cache folder (MIGRATE_STORAGE_CACHE_DIR), and `tree` makes a project (both from
tests/project_tree.py). The runner's stand-in engines (fake_engine, timed_engine) are
imported by name in the pool's worker processes, so this folder goes on sys.path too."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # fake_engine, timed_engine (subprocesses too)
sys.path.insert(0, str(Path(__file__).parents[2]))  # project_tree

from project_tree import cache_dir, tree  # noqa: F401  (fixtures, registered by import)
